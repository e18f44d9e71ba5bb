//! The worker keeps state current from the events stream, and recovers when it breaks.

use crate::harness::{Running, Scope, docker};
use std::time::{Duration, Instant};
use warroom::containers::Command;
use warroom::containers::Update as CUpdate;
use warroom::containers::model::{Container, Health};
use warroom::containers::pane::ContainersPane;
use warroom::event::Update;
use warroom::pane::{Jump, Outcome, Pane, PaneCtx};
use warroom::source::SourceStatus;

fn upsert_of<'a>(u: &'a Update, name: &str) -> Option<&'a Container> {
    match u {
        Update::Containers(CUpdate::Upsert(c)) if c.name == name => Some(c),
        Update::Containers(CUpdate::Snapshot(list)) => list.iter().find(|c| c.name == name),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_health_check_arrives_through_the_event_stream() {
    let scope = Scope::new("flip");
    let name = scope.name("api");
    scope.healthy("api", &["--label", "com.docker.compose.service=api"]);
    let mut w = Running::local();
    // Snapshot first, then Connected: report waits on that order.
    w.wait_for("snapshot", Duration::from_secs(20), |u| match u {
        Update::Containers(CUpdate::Snapshot(list)) => {
            list.iter().any(|c| c.name == name).then_some(())
        }
        _ => None,
    })
    .await;
    let detail = w
        .wait_for("Connected", Duration::from_secs(5), |u| match u {
            Update::Status {
                status: SourceStatus::Connected { detail },
                ..
            } => Some(detail.clone()),
            _ => None,
        })
        .await;
    assert!(detail.contains("API 1."), "{detail}");
    let healthy = w
        .wait_for("healthy", Duration::from_secs(20), |u| {
            upsert_of(u, &name)
                .filter(|c| c.health == Health::Healthy)
                .cloned()
        })
        .await;
    assert_eq!(healthy.project.as_deref(), Some("wrtest"));
    assert_eq!(healthy.service.as_deref(), Some("api"));
    assert_eq!(healthy.last_probe().map(|p| p.output.trim()), Some("ok"));

    let flipped = Instant::now();
    docker(&["exec", &name, "rm", "/tmp/h"]);
    let sick = w
        .wait_for(
            "unhealthy via events",
            Duration::from_secs(20),
            |u| match u {
                Update::Containers(CUpdate::Upsert(c))
                    if c.name == name && c.health == Health::Unhealthy =>
                {
                    Some(c.clone())
                }
                _ => None,
            },
        )
        .await;
    eprintln!(
        "health flip reached the worker's channel in {:?}",
        flipped.elapsed()
    );
    assert!(sick.failing_streak >= 1);
    let out = sick.last_failed_output().unwrap_or_default();
    assert!(out.contains("/tmp/h"), "probe output: {out:?}");
    let v = warroom::containers::health::classify(&sick, 0, jiff::Timestamp::now());
    assert_eq!(v.reason, "unhealthy");
    assert!(v.explanation.contains("/tmp/h"), "{}", v.explanation);

    // Removal is an event too.
    docker(&["rm", "-f", &name]);
    w.wait_for("removal", Duration::from_secs(10), |u| match u {
        Update::Containers(CUpdate::Removed { id }) if *id == sick.id => Some(()),
        _ => None,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_stream_only_for_the_containers_on_screen() {
    let scope = Scope::new("stats");
    let a = scope.healthy("a", &[]);
    let b = scope.healthy("b", &["--memory", "64m"]);
    let mut w = Running::local();
    w.wait_for("Connected", Duration::from_secs(20), |u| {
        matches!(
            u,
            Update::Status {
                status: SourceStatus::Connected { .. },
                ..
            }
        )
        .then_some(())
    })
    .await;
    w.send(Command::WatchStats {
        ids: vec![b.clone()],
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let stats = loop {
        let batch = w
            .wait_for("stats", Duration::from_secs(20), |u| match u {
                Update::Containers(CUpdate::Stats(s)) => Some(s.clone()),
                _ => None,
            })
            .await;
        assert!(
            !batch.iter().any(|(id, _)| *id == a),
            "a is not on screen: {batch:?}"
        );
        if let Some((_, s)) = batch.iter().find(|(id, _)| *id == b) {
            break *s;
        }
        assert!(
            Instant::now() < deadline,
            "no stats for the watched container"
        );
    };
    assert!(stats.mem_used > 0, "{stats:?}");
    assert_eq!(stats.mem_limit, 64 << 20, "{stats:?}");
}

/// A TCP front for the engine's socket that the test can cut and restore.
struct Proxy {
    port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(port: u16) -> Self {
        let sock = tokio::net::TcpSocket::new_v4().unwrap();
        sock.set_reuseaddr(true).unwrap();
        sock.bind(format!("127.0.0.1:{port}").parse().unwrap())
            .unwrap();
        let listener = sock.listen(16).unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut tcp, _)) = listener.accept().await else {
                    return;
                };
                conns.spawn(async move {
                    if let Ok(mut unix) =
                        tokio::net::UnixStream::connect("/var/run/docker.sock").await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut tcp, &mut unix).await;
                    }
                });
            }
        });
        Self { port, task }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // Aborting the accept loop drops the JoinSet, which aborts every connection.
        self.task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_stream_goes_stale_then_reconnects_and_relists() {
    let scope = Scope::new("stale");
    let name = scope.name("db");
    scope.healthy("db", &[]);
    let proxy = Proxy::start(0).await;
    let port = proxy.port;
    let mut w = Running::start(&format!("tcp://127.0.0.1:{port}"));
    w.wait_for("Connected over tcp", Duration::from_secs(20), |u| {
        matches!(
            u,
            Update::Status {
                status: SourceStatus::Connected { .. },
                ..
            }
        )
        .then_some(())
    })
    .await;
    drop(proxy);
    let reason = w
        .wait_for("Stale", Duration::from_secs(20), |u| match u {
            Update::Status {
                status: SourceStatus::Stale { reason },
                ..
            } => Some(reason.clone()),
            _ => None,
        })
        .await;
    assert!(!reason.is_empty());
    assert!(
        w.is_running(),
        "the worker keeps going after a broken stream"
    );
    // Meanwhile the container changes; the re-list after reconnecting shows it.
    docker(&["stop", &name]);
    let _proxy = Proxy::start(port).await;
    let relisted = w
        .wait_for(
            "re-list after reconnect",
            Duration::from_secs(40),
            |u| match u {
                Update::Containers(CUpdate::Snapshot(list)) => {
                    list.iter().find(|c| c.name == name).cloned()
                }
                _ => None,
            },
        )
        .await;
    assert!(!relisted.is_running(), "{relisted:?}");
    w.wait_for("Connected again", Duration::from_secs(10), |u| {
        matches!(
            u,
            Update::Status {
                status: SourceStatus::Connected { .. },
                ..
            }
        )
        .then_some(())
    })
    .await;
}

/// Apply every update to a real pane until `until` accepts one (true) or
/// `timeout` passes (false). Fails on a re-list or any status but Connected:
/// the session must not restart.
async fn follow_without_relist(
    w: &mut Running,
    pane: &mut ContainersPane,
    timeout: Duration,
    mut until: impl FnMut(&Update) -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let u = match tokio::time::timeout_at(deadline, w.rx.recv()).await {
            Ok(Some(u)) => u,
            Ok(None) => panic!("worker channel closed"),
            Err(_) => return false,
        };
        match &u {
            Update::Containers(CUpdate::Snapshot(_)) => panic!("the worker re-listed"),
            Update::Status { status, .. } => assert!(
                matches!(status, SourceStatus::Connected { .. }),
                "the session status changed: {status:?}"
            ),
            _ => {}
        }
        let done = until(&u);
        warroom::runtime::AnyPane::apply(pane, u);
        if done {
            return true;
        }
    }
}

fn pane_has(pane: &mut ContainersPane, name: &str) -> bool {
    let ctx = PaneCtx {
        read_only: false,
        now: jiff::Timestamp::now(),
    };
    let jump = Jump::Container { name: name.into() };
    match pane.on_jump(&jump, &ctx) {
        Outcome::Notify(m) if m.starts_with("no container named") => false,
        Outcome::Notify(m) => panic!("unexpected answer for {name}: {m}"),
        _ => true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_cost_no_inspects_and_a_vanished_container_keeps_the_session() {
    let scope = Scope::new("ghost");
    let probed = scope.name("probed");
    scope.healthy("probed", &[]);
    let mut w = Running::local();
    let mut pane = ContainersPane::new();
    let list = w
        .wait_for("snapshot", Duration::from_secs(20), |u| match u {
            Update::Containers(CUpdate::Snapshot(list)) => Some(list.clone()),
            _ => None,
        })
        .await;
    pane.apply(CUpdate::Snapshot(list));
    w.wait_for("Connected", Duration::from_secs(5), |u| {
        matches!(
            u,
            Update::Status {
                status: SourceStatus::Connected { .. },
                ..
            }
        )
        .then_some(())
    })
    .await;
    scope.wait_inspect(
        &probed,
        "{{.State.Health.Status}}",
        "healthy",
        Duration::from_secs(20),
    );
    // Let the healthy transition's inspect pass; from then on a probe runs
    // every second, and none of them may cost an inspect.
    tokio::time::sleep(Duration::from_secs(1)).await;
    follow_without_relist(&mut w, &mut pane, Duration::from_millis(100), |_| false).await;
    let probe_upserts = std::cell::Cell::new(0);
    follow_without_relist(&mut w, &mut pane, Duration::from_secs(4), |u| {
        if matches!(u, Update::Containers(CUpdate::Upsert(c)) if c.name == probed) {
            probe_upserts.set(probe_upserts.get() + 1);
        }
        false
    })
    .await;
    assert_eq!(probe_upserts.get(), 0, "health probes triggered inspects");

    // Containers that vanish around their inspect: created then removed at
    // once, and run with --rm so they remove themselves on exit.
    let mut ghosts = Vec::new();
    for i in 0..3 {
        let created = format!("ghost{i}");
        scope.create(&created, &["sh", "-c", "exit 0"]);
        docker(&["rm", "-f", &scope.name(&created)]);
        ghosts.push(scope.name(&created));
        let fleeting = format!("fleeting{i}");
        scope.run(&fleeting, &["--rm"], &["sh", "-c", "exit 0"]);
        ghosts.push(scope.name(&fleeting));
    }
    // Events arrive in order: once a container started after the ghosts
    // shows up, every ghost event before it has been handled.
    let sentinel = scope.name("sentinel");
    scope.run("sentinel", &[], &["sleep", "60"]);
    let seen = follow_without_relist(
        &mut w,
        &mut pane,
        Duration::from_secs(20),
        |u| matches!(u, Update::Containers(CUpdate::Upsert(c)) if c.name == sentinel),
    )
    .await;
    assert!(seen, "no upsert for the sentinel");
    // A retried inspect would come within a few seconds: nothing may revive
    // a ghost or restart the session meanwhile.
    follow_without_relist(&mut w, &mut pane, Duration::from_secs(3), |_| false).await;
    assert!(w.is_running());
    assert!(
        pane_has(&mut pane, &sentinel),
        "the pane shows the sentinel"
    );
    assert!(pane_has(&mut pane, &probed));
    for g in &ghosts {
        assert!(
            !pane_has(&mut pane, g),
            "{g} was removed but is still shown"
        );
    }
}
