//! Pod and container logs through the worker mechanism, as `warroom logs
//! --source` uses it: a stand-in workloads worker answers StreamLogs.

use std::sync::Arc;
use std::time::Duration;
use warroom::cli::{LogOutput, LogsArgs};

use warroom::runtime::{Hub, Workers};
use warroom::source::{Probe, SourceId, SourceKind, SourceStatus, Worker, WorkerCtx};
use warroom::target::{LogChunk, LogLine, LogTarget, Stream};
use warroom::workloads::Update as WUpdate;

/// Answers `StreamLogs` with two lines (one with escapes) and `Ended`.
struct FakeWorkloads;

#[async_trait::async_trait]
impl Worker for FakeWorkloads {
    type Update = warroom::workloads::Update;
    type Command = warroom::workloads::Command;

    fn id(&self) -> SourceId {
        SourceId::new(SourceKind::Kubernetes, "test")
    }
    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Self::Update, Self::Command>) {
        while let Some(cmd) = ctx.commands.recv().await {
            if let warroom::workloads::Command::StreamLogs {
                target, tail_lines, ..
            } = cmd
            {
                assert_eq!(tail_lines, Some(50));
                let labels = Arc::new(vec![("pod".to_string(), "api-0".to_string())]);
                let lines = vec![
                    LogLine {
                        ts_ns: Some(1_769_869_800_000_000_000),
                        stream: Stream::Stdout,
                        labels: labels.clone(),
                        text: "starting".into(),
                    },
                    LogLine {
                        ts_ns: Some(1_769_869_801_000_000_000),
                        stream: Stream::Stderr,
                        labels,
                        text: "\u{1b}]0;x\u{7}boom".into(),
                    },
                ];
                let _ = ctx
                    .updates
                    .send(WUpdate::LogStream(LogChunk::Lines {
                        target: LogTarget::Container {
                            name: "other".into(),
                        },
                        lines: vec![LogLine::new(None, "not mine")],
                    }))
                    .await;
                let _ = ctx
                    .updates
                    .send(WUpdate::LogStream(LogChunk::Lines {
                        target: target.clone(),
                        lines,
                    }))
                    .await;
                let _ = ctx
                    .updates
                    .send(WUpdate::LogStream(LogChunk::Ended {
                        target,
                        error: None,
                    }))
                    .await;
            }
        }
    }
    async fn probe(&self) -> Probe {
        unreachable!()
    }
}

fn args(follow: bool) -> LogsArgs {
    LogsArgs {
        query: None,
        source: Some("pod:shop/api-0".into()),
        since: "1h".into(),
        from: None,
        to: None,
        limit: 50,
        forward: false,
        follow,
        output: LogOutput::Default,
    }
}

fn pod() -> LogTarget {
    warroom::headless::logs::parse_source("pod:shop/api-0", &Default::default()).unwrap()
}

#[tokio::test]
async fn pod_lines_are_printed_sanitised_until_the_stream_ends() {
    let hub = Hub::start(
        Workers {
            workloads: vec![Box::new(FakeWorkloads)],
            ..Default::default()
        },
        Vec::new(),
    );
    let (out, got) = warroom::out::Out::capture();
    let code = warroom::headless::logs::stream_from_hub(
        hub,
        pod(),
        &args(false),
        Duration::from_secs(5),
        &out,
    )
    .await
    .unwrap();
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    let text = got.stdout.text();
    assert_eq!(
        text,
        "2026-01-31T14:30:00.000Z {pod=\"api-0\"} starting\n2026-01-31T14:30:01.000Z {pod=\"api-0\"} boom\n"
    );
}

#[tokio::test]
async fn an_unconfigured_source_is_an_error_naming_the_fix() {
    let hub = Hub::start(
        Workers::default(),
        vec![(
            SourceId::new(SourceKind::Kubernetes, ""),
            SourceStatus::NotConfigured {
                hint: "set KUBECONFIG".into(),
            },
        )],
    );
    let (out, _) = warroom::out::Out::capture();
    let e = warroom::headless::logs::stream_from_hub(
        hub,
        pod(),
        &args(false),
        Duration::from_secs(5),
        &out,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("set KUBECONFIG"), "{e}");
    let hub = Hub::start(Workers::default(), Vec::new());
    let e = warroom::headless::logs::stream_from_hub(
        hub,
        pod(),
        &args(false),
        Duration::from_millis(300),
        &out,
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("no log lines for pod shop/api-0"),
        "{e}"
    );
}

#[test]
fn sources_parse() {
    assert_eq!(
        pod(),
        LogTarget::Pod {
            context: None,
            namespace: "shop".into(),
            name: "api-0".into(),
            container: None,
            previous: false
        }
    );
    let cfg = Default::default();
    let t = warroom::headless::logs::parse_source("pod:shop/api-0/sidecar", &cfg).unwrap();
    assert!(matches!(t, LogTarget::Pod { container: Some(c), .. } if c == "sidecar"));
    assert_eq!(
        warroom::headless::logs::parse_source("container:toolboxai-backend", &cfg).unwrap(),
        LogTarget::Container {
            name: "toolboxai-backend".into()
        }
    );
    assert!(warroom::headless::logs::parse_source("vm:x", &cfg).is_err());
}
