//! Container logs through the shared log-viewer messages.

use crate::harness::{Running, Scope};
use std::time::Duration;
use warroom::containers::Command;
use warroom::event::Update;
use warroom::logs::{LogLine, LogTarget, Stream, Update as LUpdate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_stream_in_batches_with_stderr_marked_and_end_on_exit() {
    let scope = Scope::new("logs");
    let name = scope.name("chatty");
    scope.run(
        "chatty",
        &[],
        &["sh", "-c", "echo starting; echo 'db: connection refused' >&2; sleep 2; echo -e '\\033]0;pwn\\007title'; sleep 1; exit 3"],
    );
    let mut w = Running::local();
    w.wait_for("Connected", Duration::from_secs(20), |u| {
        matches!(
            u,
            Update::Status {
                status: warroom::source::SourceStatus::Connected { .. },
                ..
            }
        )
        .then_some(())
    })
    .await;
    w.send(Command::StreamLogs {
        name: name.clone(),
        follow: true,
        since_seconds: None,
        tail_lines: None,
    });
    let target = LogTarget::Container { name: name.clone() };
    let mut lines: Vec<LogLine> = Vec::new();
    let ended = loop {
        let u = w
            .wait_for("log lines / end", Duration::from_secs(20), |u| match u {
                Update::Logs(LUpdate::Lines { target: t, lines }) if *t == target => {
                    Some(Ok(lines.clone()))
                }
                Update::Logs(LUpdate::Ended { target: t, error }) if *t == target => {
                    Some(Err(error.clone()))
                }
                _ => None,
            })
            .await;
        match u {
            Ok(batch) => lines.extend(batch),
            Err(e) => break e,
        }
    };
    assert_eq!(
        ended, None,
        "the stream ends cleanly when the container exits"
    );
    let find = |s: &str| {
        lines
            .iter()
            .find(|l| l.text.contains(s))
            .unwrap_or_else(|| panic!("{s} in {lines:?}"))
    };
    assert_eq!(find("starting").stream, Stream::Stdout);
    assert_eq!(find("connection refused").stream, Stream::Stderr);
    assert!(
        find("starting").ts_ns.is_some(),
        "engine timestamps are parsed"
    );
    assert!(
        !find("starting").text.starts_with("20"),
        "timestamp prefix stripped"
    );
    // Raw text is kept for search/copy; the viewer sanitises at display time.
    assert!(find("title").text.contains('\u{1b}'));

    // tail: only the last line.
    w.send(Command::StreamLogs {
        name: name.clone(),
        follow: false,
        since_seconds: None,
        tail_lines: Some(1),
    });
    let mut tail = Vec::new();
    loop {
        let u = w
            .wait_for("tail", Duration::from_secs(10), |u| match u {
                Update::Logs(LUpdate::Lines { target: t, lines }) if *t == target => {
                    Some(Some(lines.clone()))
                }
                Update::Logs(LUpdate::Ended { target: t, .. }) if *t == target => Some(None),
                _ => None,
            })
            .await;
        match u {
            Some(b) => tail.extend(b),
            None => break,
        }
    }
    assert_eq!(tail.len(), 1, "{tail:?}");
    assert!(tail[0].text.contains("title"));

    // A container that does not exist ends with the reason.
    w.send(Command::StreamLogs {
        name: "wrt-no-such-container".into(),
        follow: true,
        since_seconds: Some(60),
        tail_lines: None,
    });
    let err = w
        .wait_for("Ended with error", Duration::from_secs(10), |u| match u {
            Update::Logs(LUpdate::Ended {
                target: LogTarget::Container { name },
                error,
            }) if name == "wrt-no-such-container" => error.clone(),
            _ => None,
        })
        .await;
    assert!(
        err.contains("no container named wrt-no-such-container"),
        "{err}"
    );
}
