//! The Metrics pane as the console runs it: `metrics::live(cfg)`'s worker on
//! the real hub against a real Prometheus, its answers applied to the real
//! pane — a query asked with one point per column, a counter drawn,
//! the refresh while the range ends at now, a bad query's own error, and a
//! Prometheus that goes away keeping the last data, said to be stale.

use crossterm::event::KeyCode;
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

    /// Send what an outcome asks of the worker, as the app does.
    fn sent(
        &mut self,
        out: warroom::pane::Outcome<warroom::metrics::Form, warroom::metrics::Command>,
    ) {
        if let warroom::pane::Outcome::Command(c) = out {
            self.hub.send(Command::Metrics(c));
        }
    }

    fn key(&mut self, code: KeyCode) {
        let key = crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE);
        let out = Pane::on_key(&mut self.pane, key, &ctx());
        self.sent(out);
    }

    /// Open the editor, clear it, type `q` (Enter not pressed).
    fn type_in(&mut self, q: &str) {
        let out = Pane::on_input(
            &mut self.pane,
            Input::Action(warroom::metrics::Action::EditQuery),
            &ctx(),
        );
        self.sent(out);
        for _ in 0..200 {
            self.key(KeyCode::Backspace);
        }
        for c in q.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn query(&mut self, q: &str) {
        self.type_in(q);
        self.key(KeyCode::Enter);
    }
}

fn ctx() -> PaneCtx {
    PaneCtx {
        read_only: false,
        now: jiff::Timestamp::now(),
    }
}

fn panel(name: &str, query: &str, threshold: Option<f64>) -> warroom::config::Panel {
    warroom::config::Panel {
        name: name.into(),
        query: query.into(),
        unit: None,
        threshold,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_and_scoped_completion_ask_a_real_prometheus_and_nothing_off_screen() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let prom = crate::prometheus();
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = crate::harness::config(Some(&prom.url()), None, tmp.path());
    cfg.metrics.refresh = Duration::from_secs(1);
    cfg.metrics.panels = vec![
        panel("Scrapes up", "up", Some(1.0)),
        panel(
            "Requests",
            "sum by (handler) (prometheus_http_requests_total)",
            None,
        ),
        panel("Broken", "sum(up", None),
    ];
    let mut c = Console::start(&cfg);
    let screen = c
        .until("every panel answered", 60, |s| {
            s.contains("Scrapes up")
                && s.contains("1 !")
                && s.contains("handler=")
                && s.contains("bad_data")
        })
        .await;
    assert!(
        screen.contains("(highest of 2)"),
        "up has the scrape of itself and of the dead target: {screen}"
    );

    // Tab inside `up{`: the labels of `up` only (match[]), not every label.
    c.type_in("up{");
    c.key(KeyCode::Tab);
    // The line under the editor lists what Tab found.
    let listed = |s: &str| s.lines().nth(2).unwrap_or("").to_string();
    let screen = c
        .until("the labels of up", 30, |s| {
            let l = listed(s);
            l.contains("instance") && l.contains("job")
        })
        .await;
    assert!(
        !listed(&screen).contains("handler"),
        "labels scoped to up: {screen}"
    );
    // A value inside the quotes, of that label for that metric.
    c.type_in(r#"prometheus_http_requests_total{handler="/api/v1/query_r"#);
    c.key(KeyCode::Tab);
    c.until("the handler completed", 30, |s| {
        s.contains(r#"{handler="/api/v1/query_range"#)
    })
    .await;
    c.key(KeyCode::Esc);

    // Off screen: nothing is asked, however often the refresh comes.
    for cmd in Pane::on_hidden(&mut c.pane) {
        c.hub.send(Command::Metrics(cmd));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    while c.hub.updates.try_recv().is_ok() {}
    let quiet = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            if let Some(Update::Metrics(u)) = c.hub.updates.recv().await {
                return format!("{u:?}");
            }
        }
    })
    .await;
    assert!(quiet.is_err(), "an answer while off screen: {quiet:?}");
    // Back on screen, the board is asked again at once.
    c.until("the board again", 10, |s| {
        s.contains("updated") || s.contains("handler=")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_prometheus_reaches_the_screen_only_as_visible_text() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    const EVIL: &str = "HOSTILE\u{1b}]52;c;Y3VybA==\u{7}\u{1b}[31mred \u{9b}2J\u{85}\u{7f}";
    let server = MockServer::start().await;
    let now = jiff::Timestamp::now().as_second();
    let body = serde_json::json!({"status": "success", "warnings": [EVIL], "data": {
        "resultType": "matrix",
        "result": [{"metric": {"__name__": EVIL, "job": EVIL}, "values": [[now - 60, "1"], [now, "2"]]}]}});
    Mock::given(method("GET"))
        .and(path("/api/v1/query_range"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/label/__name__/values"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"status": "success", "data": [format!("up{EVIL}"), "up_two"]}),
        ))
        .mount(&server)
        .await;
    let tmp = tempfile::tempdir().unwrap();
    let mut cfg = crate::harness::config(Some(&server.uri()), None, tmp.path());
    cfg.metrics.panels = vec![panel(&format!("panel {EVIL}"), "up", None)];
    let mut c = Console::start(&cfg);
    let raw = |s: &str| {
        s.chars()
            .filter(|ch| ch.is_control() && *ch != '\n')
            .count()
    };
    let board = c
        .until("the board", 30, |s| {
            s.contains("HOSTILE") && s.contains("job=")
        })
        .await;
    assert_eq!(raw(&board), 0, "{board:?}");
    c.type_in("up");
    c.key(KeyCode::Tab);
    let listed = c
        .until("the names listed", 30, |s| s.contains("up_two"))
        .await;
    assert_eq!(raw(&listed), 0, "{listed:?}");
    c.key(KeyCode::Enter);
    let chart = c
        .until("the chart", 30, |s| {
            s.contains("updated") && s.contains("HOSTILE")
        })
        .await;
    assert_eq!(raw(&chart), 0, "{chart:?}");
}
