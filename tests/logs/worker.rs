//! The logs worker against a wiremock Loki: status, pages, labels, volume,
//! errors, history and "save view" files.

use crate::fake_loki::{self, entry};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use warroom::logs::loki::client::LokiClient;
use warroom::logs::worker::LogsWorker;
use warroom::logs::{Command, Direction, LokiError, Update};
use warroom::source::{Report, SourceStatus, Worker, WorkerCtx};

const T0: i128 = 1_769_869_800_000_000_000;

struct Running {
    updates: mpsc::Receiver<Report<Update>>,
    commands: broadcast::Sender<Command>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Running {
    fn start(worker: LogsWorker) -> Self {
        let (ctx, rx, ctx_tx) = WorkerCtx::detached(256);
        let task = tokio::spawn(Box::new(worker).run(ctx));
        Self {
            updates: rx,
            commands: ctx_tx,
            task,
        }
    }

    async fn next(&mut self, what: &str, pred: impl Fn(&Report<Update>) -> bool) -> Report<Update> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let u = tokio::time::timeout_at(deadline, self.updates.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what} within 10 s"))
                .expect("worker alive");
            if pred(&u) {
                return u;
            }
        }
    }

    fn send(&self, c: Command) {
        self.commands.send(c).unwrap();
    }
}

#[tokio::test]
async fn worker_serves_queries_labels_volume_history_and_save() {
    crate::tls();
    let (server, _) = fake_loki::start(
        (0..10)
            .map(|i| entry("api", T0 + i, &format!("l{i}")))
            .collect(),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("logql_history");
    std::fs::write(&history, "{app=\"old\"}\n").unwrap();
    let client =
        LokiClient::new(fake_loki::loki_config(&server.uri()).loki.as_ref().unwrap()).unwrap();
    let mut w = Running::start(LogsWorker::with_api(
        Arc::new(client),
        Some(history.clone()),
    ));
    let u = w
        .next("history", |u| matches!(u, Report::Data(Update::History(_))))
        .await;
    assert!(matches!(u, Report::Data(Update::History(h)) if h == ["{app=\"old\"}"]));
    let u = w
        .next("connected", |u| {
            matches!(
                u,
                Report::Status {
                    status: SourceStatus::Connected { .. },
                    ..
                }
            )
        })
        .await;
    assert!(
        matches!(u, Report::Status { status: SourceStatus::Connected { detail }, .. } if detail == "Loki 3.4.2")
    );

    w.send(Command::Query {
        id: 7,
        query: "{app=\"api\"}".into(),
        start_ns: T0,
        end_ns: T0 + 100,
        limit: 4,
        direction: Direction::Backward,
        boundary: None,
    });
    let u = w
        .next("page", |u| matches!(u, Report::Data(Update::Page { .. })))
        .await;
    let Report::Data(Update::Page {
        id,
        lines,
        older,
        more,
        boundary,
        ..
    }) = u
    else {
        unreachable!()
    };
    assert_eq!(id, 7);
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        ["l6", "l7", "l8", "l9"],
        "the newest 4, oldest first for the viewer"
    );
    assert!(!older && more);
    w.send(Command::Query {
        id: 8,
        query: "{app=\"api\"}".into(),
        start_ns: T0,
        end_ns: T0 + 100,
        limit: 4,
        direction: Direction::Backward,
        boundary,
    });
    let Report::Data(Update::Page { lines, older, .. }) = w
        .next("older page", |u| {
            matches!(u, Report::Data(Update::Page { .. }))
        })
        .await
    else {
        unreachable!()
    };
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    // end = edge + 1 ns: the edge line comes back and is dropped (logcli's overlap).
    assert_eq!(texts, ["l3", "l4", "l5"]);
    assert!(older);

    w.send(Command::Volume {
        id: 9,
        query: "{app=\"api\"}".into(),
        start_ns: T0,
        end_ns: T0 + 3_600_000_000_000,
        step_secs: 60,
    });
    let u = w
        .next("volume", |u| {
            matches!(u, Report::Data(Update::Volume { .. }))
        })
        .await;
    // error, info, and the Loki 3 stream levelled only by detected_level.
    assert!(matches!(u, Report::Data(Update::Volume { id: 9, series, .. }) if series.len() == 3));

    w.send(Command::Labels {
        start_ns: T0,
        end_ns: T0 + 1,
    });
    let u = w
        .next("labels", |u| {
            matches!(u, Report::Data(Update::Labels { .. }))
        })
        .await;
    assert!(
        matches!(u, Report::Data(Update::Labels { names }) if names == ["app", "level", "namespace"])
    );

    w.send(Command::SaveHistory(vec![
        "{app=\"old\"}".into(),
        "{app=\"api\"}".into(),
    ]));
    let saved = dir.path().join("out/view.log");
    w.send(Command::Save {
        path: saved.clone(),
        text: "a\nb\n".into(),
        lines: 2,
    });
    let u = w
        .next("saved", |u| matches!(u, Report::Data(Update::Saved { .. })))
        .await;
    assert!(matches!(
        u,
        Report::Data(Update::Saved { result: Ok(2), .. })
    ));
    assert_eq!(std::fs::read_to_string(&saved).unwrap(), "a\nb\n");
    assert_eq!(
        warroom::logs::history::load(&history).unwrap(),
        ["{app=\"old\"}", "{app=\"api\"}"]
    );
    w.send(Command::Save {
        path: "/proc/definitely/not/writable".into(),
        text: "x".into(),
        lines: 1,
    });
    let u = w
        .next("save error", |u| {
            matches!(u, Report::Data(Update::Saved { .. }))
        })
        .await;
    assert!(
        matches!(u, Report::Data(Update::Saved { result: Err(e), .. }) if e.path().is_some_and(|p| p.starts_with("/proc/definitely")))
    );
}

#[tokio::test]
async fn query_errors_come_back_with_lokis_text() {
    crate::tls();
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/loki/api/v1/query_range"))
        .respond_with(wiremock::ResponseTemplate::new(400).set_body_string(
            "max entries limit per query exceeded, limit > max_entries_limit (9999 > 5000)",
        ))
        .mount(&server)
        .await;
    let client =
        LokiClient::new(fake_loki::loki_config(&server.uri()).loki.as_ref().unwrap()).unwrap();
    let mut w = Running::start(LogsWorker::with_api(Arc::new(client), None));
    w.send(Command::Query {
        id: 3,
        query: "{app=\"api\"}".into(),
        start_ns: 0,
        end_ns: 1,
        limit: 9999,
        direction: Direction::Backward,
        boundary: None,
    });
    let u = w
        .next("failure", |u| {
            matches!(u, Report::Data(Update::Failed { .. }))
        })
        .await;
    let Report::Data(Update::Failed { id, error, .. }) = u else {
        unreachable!()
    };
    assert_eq!(id, 3);
    assert!(error.message().starts_with("max entries limit"));
    assert!(
        matches!(
            error,
            LokiError::Status {
                problem: warroom::logs::loki::Problem::MaxEntries,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.hint().contains("lower the limit"));
}

#[tokio::test]
async fn without_loki_the_worker_says_not_configured_and_still_saves() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = warroom::config::Config::default();
    let mut w = Running::start(LogsWorker::live_with_history(
        &cfg,
        Some(dir.path().join("h")),
    ));
    let u = w
        .next("status", |u| matches!(u, Report::Status { .. }))
        .await;
    assert!(
        matches!(u, Report::Status { status: SourceStatus::NotConfigured { hint }, .. } if hint.contains("[loki] url"))
    );
    let p = dir.path().join("v.log");
    w.send(Command::Save {
        path: p.clone(),
        text: "x\n".into(),
        lines: 1,
    });
    w.next("saved", |u| {
        matches!(u, Report::Data(Update::Saved { result: Ok(1), .. }))
    })
    .await;
    assert!(p.exists());
    w.send(Command::Query {
        id: 1,
        query: "{a=\"b\"}".into(),
        start_ns: 0,
        end_ns: 1,
        limit: 1,
        direction: Direction::Backward,
        boundary: None,
    });
    let u = w
        .next("failure", |u| {
            matches!(u, Report::Data(Update::Failed { .. }))
        })
        .await;
    assert!(
        matches!(u, Report::Data(Update::Failed { error, .. }) if error == LokiError::NotConfigured && error.hint().contains("[loki] url"))
    );
    // The label browser and the tail get an answer too, not a spinner forever.
    w.send(Command::Labels {
        start_ns: 0,
        end_ns: 1,
    });
    let u = w
        .next("labels failure", |u| {
            matches!(u, Report::Data(Update::Failed { .. }))
        })
        .await;
    assert!(matches!(u, Report::Data(Update::Failed { what, .. }) if what == "labels"));
    w.send(Command::Tail {
        query: "{a=\"b\"}".into(),
        start_ns: 0,
        limit: 1,
    });
    let u = w
        .next("tail stopped", |u| {
            matches!(u, Report::Data(Update::Tail { .. }))
        })
        .await;
    assert!(matches!(
        u,
        Report::Data(Update::Tail {
            state: warroom::logs::TailState::Stopped,
            ..
        })
    ));
}

#[tokio::test]
async fn a_deleted_pods_lines_are_asked_of_loki_by_namespace_and_pod() {
    use warroom::pane::Pane;
    crate::tls();
    let at = |s: i128| T0 + s * 1_000_000_000;
    let of = |pod: &str, ts: i128, line: &str| fake_loki::Entry {
        labels: vec![("namespace", "shop".to_string()), ("pod", pod.to_string())],
        ts,
        line: line.to_string(),
    };
    let (server, _) = fake_loki::start(vec![
        of("api-7d9-x2x9q", at(1), "GET /healthz 200"),
        of("api-7d9-x2x9q", at(2), "fatal: out of memory"),
        of("api-7d9-zzzzz", at(3), "another pod's line"),
    ])
    .await;
    let cfg = fake_loki::loki_config(&server.uri());
    let client = LokiClient::new(cfg.loki.as_ref().unwrap()).unwrap();
    let mut w = Running::start(LogsWorker::with_api(Arc::new(client), None));
    let mut pane = warroom::logs::pane(&cfg);
    let pod = warroom::target::LogTarget::Pod {
        context: None,
        namespace: "shop".into(),
        name: "api-7d9-x2x9q".into(),
        container: None,
        previous: false,
    };
    let ctx = warroom::pane::PaneCtx {
        read_only: false,
        now: jiff::Timestamp::from_nanosecond(at(60)).unwrap(),
    };
    Pane::on_jump(
        &mut pane,
        &warroom::pane::Jump::LogStream(pod.clone()),
        &ctx,
    );
    // The workloads worker found the pod gone (404).
    assert!(Pane::apply(&mut pane, Update::Gone { target: pod }));
    let draw = |pane: &mut warroom::logs::pane::LogsPane| {
        let sources = std::collections::BTreeMap::new();
        let keymap = warroom::runtime::default_keymap();
        let theme = warroom::theme::Theme::fallback(false);
        let rctx = warroom::pane::RenderCtx {
            theme: &theme,
            keymap: &keymap,
            now: ctx.now,
            read_only: false,
            demo: false,
            sources: &sources,
        };
        let mut buf = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 160, 14));
        Pane::prepare(pane, ctx.now);
        Pane::render(pane, buf.area, &mut buf, &rctx);
        warroom::ui::buffer_text(&buf)
    };
    draw(&mut pane);
    let asked = Pane::after_frame(&mut pane);
    assert!(
        asked.iter().any(|c| matches!(c, Command::Query { .. })),
        "{asked:?}"
    );
    for c in asked {
        // The pane's own range is "last 1h" of the real clock: ask over
        // the entries' hour instead, as the operator's window would.
        let c = match c {
            Command::Query {
                id,
                query,
                limit,
                direction,
                boundary,
                ..
            } => Command::Query {
                id,
                query,
                start_ns: T0,
                end_ns: at(3600),
                limit,
                direction,
                boundary,
            },
            other => other,
        };
        w.send(c);
    }
    let page = w
        .next("the page", |u| {
            matches!(u, Report::Data(Update::Page { .. }))
        })
        .await;
    let Report::Data(page) = page else {
        unreachable!()
    };
    assert!(Pane::apply(&mut pane, page));
    let screen = draw(&mut pane);
    assert!(
        screen.contains("fatal: out of memory") && screen.contains("GET /healthz"),
        "{screen}"
    );
    assert!(
        !screen.contains("another pod's line"),
        "only that pod: {screen}"
    );
    assert!(screen.contains("no longer exists"), "{screen}");
}
