//! The Metrics pane as the console runs it: `metrics::live(cfg)`'s worker on
//! the real hub against a real Prometheus, its answers applied to the real
//! pane — a query asked with one point per column, a counter drawn,
//! the refresh while the range ends at now, a bad query's own error, and a
//! Prometheus that goes away keeping the last data, said to be stale.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::time::Duration;
use warroom::event::{Command, Update};
use warroom::pane::{Input, Pane, PaneCtx};
use warroom::runtime::{Hub, Workers};

struct Console {
    hub: Hub,
    pane: warroom::metrics::pane::MetricsPane,
}

impl Console {
    fn start(cfg: &warroom::config::Config) -> Self {
        let backend = warroom::metrics::live(cfg);
        let workers = Workers {
            metrics: backend.workers,
            ..Default::default()
        };
        Self {
            hub: Hub::start(workers, backend.idle),
            pane: warroom::metrics::pane(cfg),
        }
    }

    /// Draw at `w`×`h` and send what the frame calls for.
    fn frame(&mut self, w: u16, h: u16) -> String {
        let sources = std::collections::BTreeMap::new();
        let keymap = warroom::runtime::default_keymap();
        let theme = warroom::theme::Theme::fallback(false);
        let now = jiff::Timestamp::now();
        let ctx = warroom::pane::RenderCtx {
            theme: &theme,
            keymap: &keymap,
            now,
            read_only: false,
            demo: false,
            sources: &sources,
        };
        let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
        Pane::prepare(&mut self.pane, now);
        Pane::render(&mut self.pane, buf.area, &mut buf, &ctx);
        for c in Pane::after_frame(&mut self.pane) {
            self.hub.send(Command::Metrics(c));
        }
        warroom::ui::buffer_text(&buf)
    }

    /// Apply updates and draw until the screen satisfies `done`.
    async fn until(&mut self, what: &str, secs: u64, done: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = self.frame(100, 30);
            if done(&screen) {
                return screen;
            }
            tokio::select! {
                u = self.hub.updates.recv() => match u {
                    Some(Update::Metrics(u)) => {
                        if std::env::var("DEBUG_METRICS").is_ok() { eprintln!("{u:?}"); }
                        Pane::apply(&mut self.pane, u);
                    }
                    Some(_) => {}
                    None => panic!("the worker stopped while waiting for {what}"),
                },
                _ = tokio::time::sleep_until(deadline) => panic!("timed out waiting for {what}:\n{screen}"),
            }
        }
    }

    fn query(&mut self, q: &str) {
        let ctx = PaneCtx {
            read_only: false,
            now: jiff::Timestamp::now(),
        };
        Pane::on_input(
            &mut self.pane,
            Input::Action(warroom::metrics::Action::EditQuery),
            &ctx,
        );
        let key = |c| crossterm::event::KeyEvent::new(c, crossterm::event::KeyModifiers::NONE);
        // Clear what the editor holds, then type.
        for _ in 0..200 {
            Pane::on_key(
                &mut self.pane,
                key(crossterm::event::KeyCode::Backspace),
                &ctx,
            );
        }
        for c in q.chars() {
            Pane::on_key(
                &mut self.pane,
                key(crossterm::event::KeyCode::Char(c)),
                &ctx,
            );
        }
        Pane::on_key(&mut self.pane, key(crossterm::event::KeyCode::Enter), &ctx);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pane_graphs_a_real_prometheus_and_keeps_its_data_when_it_goes() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let prom = crate::prometheus();
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = crate::harness::config(Some(&prom.url()), None, tmp.path());
    cfg.metrics.refresh = Duration::from_secs(1);
    let mut c = Console::start(&cfg);
    // Wait for the first scrapes.
    crate::eventually("a scraped counter", 60, || async {
        let q = warroom::metrics::RangeQuery {
            query: "prometheus_http_requests_total".into(),
            start: crate::now() - 120.0,
            end: crate::now(),
            step: Duration::from_secs(5),
        };
        let api = crate::client(&prom.url());
        use warroom::metrics::MetricsApi;
        let a = api.query_range(&q).await.ok()?;
        (!a.result.into_series().is_empty()).then_some(())
    })
    .await;

    // (A counter as it is: a rate needs minutes of scrapes behind an hour's
    // 41-second steps.)
    c.query("sum by (handler) (prometheus_http_requests_total)");
    let screen = c
        .until("the counter drawn with its legend", 30, |s| {
            s.contains("handler=") && s.contains("updated")
        })
        .await;
    assert!(
        screen.contains("step 41s"),
        "an hour over 88 columns: {screen}"
    );

    // A bad query shows Prometheus' own words and position.
    c.query("sum(rate(prometheus_http_requests_total[1m])");
    c.until("Prometheus' parse error", 30, |s| {
        s.contains("bad_data") && s.contains("1:")
    })
    .await;

    // Prometheus goes away: the last data stays, said to be stale.
    c.query("up");
    c.until("up drawn", 30, |s| {
        s.contains("job=") || s.contains("instance=")
    })
    .await;
    drop(prom);
    let screen = c
        .until("the refresh failing, the data kept", 30, |s| {
            s.contains("stale: data from")
        })
        .await;
    assert!(
        screen.contains("job=") || screen.contains("instance="),
        "the last data is still drawn: {screen}"
    );
}
