//! `warroom port-forward TARGET [-n NS] [--context CTX] [--address ADDR] PORTS…`:
//! kubectl's port-forward, with its output (`Forwarding from 127.0.0.1:8080
//! -> 80`, `Handling connection for 8080`) and exit codes: 0 when
//! interrupted (ctrl-c, SIGTERM), 1 when it could not start or its pod is
//! gone. Audited when it starts and when it ends.

use crate::audit::AuditLog;
use crate::cli::PortForwardArgs;
use crate::config::Config;
use crate::out::Out;
use crate::runtime::Mode;
use crate::workloads::client::KubeSource;
use crate::workloads::portforward::ForwardError;
use crate::workloads::portforward::audit::ForwardAudit;
use crate::workloads::portforward::engine::{self, ForwardEvent, ForwardRequest};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

pub async fn run(cfg: &Config, mode: Mode, args: PortForwardArgs, out: &Out) -> ExitCode {
    run_with(cfg, mode, args, AuditLog::default_location(), out).await
}

async fn run_with(
    cfg: &Config,
    mode: Mode,
    args: PortForwardArgs,
    audit: AuditLog,
    out: &Out,
) -> ExitCode {
    // Lines on stderr (names come from the cluster: `Out` sanitises them).
    // A reader gone away is noticed by `main` through `Out::gone`.
    let warn = {
        let out = out.clone();
        move |line: &str| {
            let _ = out.error(line);
        }
    };
    let source = KubeSource::new(None, cfg.kubernetes.context.clone());
    let (context, namespace) = super::exec::pod_location(&source, &args.kube);
    let req = ForwardRequest {
        namespace: namespace.clone(),
        target: args.target.clone(),
        ports: args.ports.clone(),
        addresses: args.address.clone(),
    };
    let session = ForwardAudit {
        audit,
        origin: "cli".into(),
        target: req.target.to_string(),
        location: format!("{}/{namespace}", context.as_deref().unwrap_or("-")),
        ports: req.ports_text(),
        demo: mode.demo,
    };
    let refuse = |why: &str| {
        warn(&format!("warroom: {why}"));
        if let Err(e) = session.not_started("refused", why) {
            warn(&format!("warroom: {e}"));
        }
        ExitCode::from(1)
    };
    if mode.demo {
        return refuse(
            "port-forward is not simulated headless: the demo estate has no pods to reach (the console's --demo forwards to a simulated endpoint)",
        );
    }
    if mode.read_only {
        return refuse("read-only mode: `port-forward` is disabled (restart without --read-only)");
    }
    if !cfg.kubernetes.enabled {
        return refuse("Kubernetes is disabled in the config ([kubernetes] enabled = false)");
    }
    let failed = |e: &ForwardError, started: Option<jiff::Timestamp>, stats| {
        let message = e.to_string();
        warn(&format!("error: {message}"));
        if let Some(h) = e.hint() {
            warn(&format!("  hint: {h}"));
        }
        let result = match (started, e) {
            (Some(t), _) => session.ended(t, stats, Some(&message)),
            (None, ForwardError::Denied { .. }) => session.not_started("refused", &message),
            (None, _) => session.not_started("error", &message),
        };
        if let Err(e) = result {
            warn(&format!("warroom: {e}"));
        }
        ExitCode::from(1)
    };
    let client = match source.client(context.as_deref()).await {
        Ok((client, _)) => client,
        Err(e) => return failed(&ForwardError::Connect(e), None, &Default::default()),
    };
    // Set once listening: the start entry is written then, the end entry
    // only for a forward that started.
    let started: Arc<Mutex<Option<jiff::Timestamp>>> = Arc::default();
    let audit_start = {
        let started = started.clone();
        let session = session.clone();
        let warn = warn.clone();
        move |pod: &str, listeners: &[engine::Listener]| {
            if let Ok(mut s) = started.lock() {
                *s = Some(jiff::Timestamp::now());
            }
            if let Err(e) = session.started(pod, listeners) {
                warn(&format!("warroom: {e}"));
            }
        }
    };
    let events: engine::EventSink = {
        let out = out.clone();
        let warn = warn.clone();
        Arc::new(move |event| match event {
            ForwardEvent::Listening { pod, listeners } => {
                for l in &listeners {
                    let _ = out.line(format!("Forwarding from {} -> {}", l.addr, l.remote));
                }
                audit_start(&pod, &listeners);
            }
            ForwardEvent::Connection { local } => {
                let _ = out.line(format!("Handling connection for {}", local.port()));
            }
            ForwardEvent::Moved { from, to } => {
                warn(&format!("pod {from} is gone: forwarding to {to}"));
            }
            ForwardEvent::Waiting { gone, reason } => {
                warn(&format!("pod {gone} is gone and {reason}: waiting for one"));
            }
            ForwardEvent::ConnectionError { error, .. } => warn(&format!("error: {error}")),
            ForwardEvent::Stats(_) => {}
        })
    };
    let result = engine::run(client, req, events, interrupted()).await;
    let started = started.lock().ok().and_then(|s| *s);
    match result {
        Ok(stats) => {
            if let Some(t) = started
                && let Err(e) = session.ended(t, &stats, None)
            {
                warn(&format!("warroom: {e}"));
            }
            ExitCode::SUCCESS
        }
        Err(engine::Failed { error, carried }) => failed(&error, started, &carried),
    }
}

/// ctrl-c or SIGTERM: the operator (or their supervisor) ends the forward.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
