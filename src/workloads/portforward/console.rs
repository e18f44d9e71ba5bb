//! The port-forwards a workloads worker runs for the console, by the id the
//! pane gave each: started on `Command::PortForward`, stopped on
//! `Command::StopForward` or when the worker ends (the console closes),
//! each audited when it starts listening and when it ends, its news sent to
//! the pane as `Update::Forward`. A forward keeps the client it started with,
//! so it outlives a context switch.

use super::audit::ForwardAudit;
use super::engine::{self, EventSink, Failed, ForwardEvent, ForwardRequest, ForwardStats};
use super::error::ForwardError;
use crate::source::UpdateTx;
use crate::workloads::{ForwardChange, Sessions, Update};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// What carries the bytes: the cluster, or the demo's simulated endpoint.
pub enum Runner {
    Live(kube::Client),
    Demo,
}

type Run = Pin<Box<dyn Future<Output = Result<ForwardStats, Failed>> + Send>>;

pub struct ConsoleForwards {
    sessions: Sessions,
    /// Dropping a sender stops its forward.
    running: HashMap<u64, oneshot::Sender<()>>,
}

impl ConsoleForwards {
    pub fn new(sessions: Sessions) -> Self {
        Self {
            sessions,
            running: HashMap::new(),
        }
    }

    /// Start forward `id` (`location`: `context/namespace`, for the audit log).
    pub fn start(
        &mut self,
        id: u64,
        request: ForwardRequest,
        location: String,
        runner: Runner,
        tx: UpdateTx<Update>,
    ) {
        self.running.retain(|_, stop| !stop.is_closed());
        let demo = matches!(runner, Runner::Demo);
        let audit = ForwardAudit {
            audit: self.sessions.audit.clone(),
            origin: "tui".into(),
            target: request.target.to_string(),
            location,
            ports: request.ports_text(),
            demo,
        };
        if self.sessions.read_only {
            let why = "read-only mode: port-forward is disabled (restart without --read-only)";
            let _ = audit.not_started("refused", why);
            tokio::spawn(async move {
                let change = ForwardChange::Ended(Some(why.into()));
                let _ = tx.send(Update::Forward { id, change }).await;
            });
            return;
        }
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        self.running.insert(id, stop_tx);
        let (events_tx, events) = mpsc::unbounded_channel();
        let sink: EventSink = Arc::new(move |e| {
            let _ = events_tx.send(e);
        });
        let stop = async move {
            let _ = stop_rx.await;
        };
        let run: Run = match runner {
            Runner::Live(client) => Box::pin(engine::run(client, request, sink, stop)),
            Runner::Demo => Box::pin(async move {
                super::demo::run(request, sink, stop)
                    .await
                    .map_err(Failed::from)
            }),
        };
        tokio::spawn(carry(id, run, events, audit, tx));
    }

    pub fn stop(&mut self, id: u64) {
        self.running.remove(&id);
    }
}

/// Run one forward to its end, passing its events on and auditing it.
async fn carry(
    id: u64,
    run: Run,
    mut events: mpsc::UnboundedReceiver<ForwardEvent>,
    audit: ForwardAudit,
    tx: UpdateTx<Update>,
) {
    let mut started = None;
    let mut on_event = async |e: ForwardEvent| {
        if let ForwardEvent::Listening { pod, listeners } = &e {
            started = Some(jiff::Timestamp::now());
            if let Err(err) = audit.started(pod, listeners) {
                tracing::warn!("port-forward audit: {err}");
            }
        }
        let _ = tx
            .send(Update::Forward {
                id,
                change: ForwardChange::Event(e),
            })
            .await;
    };
    tokio::pin!(run);
    let result = loop {
        tokio::select! {
            r = &mut run => break r,
            Some(e) = events.recv() => on_event(e).await,
        }
    };
    while let Ok(e) = events.try_recv() {
        on_event(e).await;
    }
    let (written, change) = match &result {
        Ok(stats) => (
            started.map(|t| audit.ended(t, stats, None)),
            ForwardChange::Ended(None),
        ),
        Err(Failed { error: e, carried }) => {
            let message = e.to_string();
            let written = match started {
                Some(t) => Some(audit.ended(t, carried, Some(&message))),
                None if matches!(e, ForwardError::Denied { .. }) => {
                    Some(audit.not_started("refused", &message))
                }
                None => Some(audit.not_started("error", &message)),
            };
            let text = match e.hint() {
                Some(h) => format!("{message} — {h}"),
                None => message,
            };
            (written, ForwardChange::Ended(Some(text)))
        }
    };
    if let Some(Err(err)) = written {
        tracing::warn!("port-forward audit: {err}");
    }
    let _ = tx.send(Update::Forward { id, change }).await;
}
