//! Containers: Docker health from the events stream, with restart, stop and start.
//!
//! - [`model`]: the container as the pane shows it, flattened from inspect.
//! - [`health`]: the pure classifier (unhealthy, restart loop, OOMKilled…);
//!   [`restarts`]: the restarts seen recently, which a loop is judged by.
//! - [`client`]: finding the engine (`[docker] host`, `DOCKER_HOST`, socket);
//!   [`error`]: what failed, as data, and the fix it calls for.
//! - [`worker`]: list + inspect, then the events stream; [`stats`] and
//!   [`logstream`] are the streams it runs for the pane and the log viewer.
//! - [`actions`]: previews and the live restart/stop/start handler;
//!   [`exec`]: one command in a running container (`warroom exec`).
//! - [`pane`] and [`view`]: state and drawing; [`demo`]: the simulated estate.

pub mod actions;
pub mod client;
pub mod demo;
mod demo_estate;
mod demo_worker;
pub mod error;
pub mod exec;
pub mod health;
pub mod logstream;
pub mod model;
pub mod pane;
pub mod restarts;
pub mod stats;
#[cfg(test)]
mod testdata;
mod view;
#[cfg(test)]
mod view_tests;
#[cfg(test)]
mod watch_tests;
pub mod worker;

use crate::config::Config;
use crate::source::{Backend, SourceStatus};
use std::sync::Arc;

crate::actions! {
    /// The containers pane's keymap section.
    pub enum Action {
        Logs = ("logs", "Follow the container's logs"),
        Restart = ("restart", "Restart the container"),
        Stop = ("stop", "Stop the container"),
        Start = ("start", "Start the container"),
        ToggleAll = ("toggle_all", "Problems only / all containers"),
        Shell = ("shell", "Open a shell in the container (bash, else sh); exit returns here"),
        Exec = ("exec", "Run one command in the container (asks for it)"),
        GraphMemory = ("graph_memory", "The container's memory in Metrics (cAdvisor), the limit drawn"),
        GraphCpu = ("graph_cpu", "The container's CPU in Metrics (cAdvisor)"),
    }
}

/// What a containers form is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// `[command]` to run in this container.
    Exec { name: String },
}

/// Worker → pane messages.
#[derive(Debug)]
pub enum Update {
    /// A slice of a log stream this domain serves, for the logs pane (the
    /// runtime delivers it there; this pane never sees it).
    LogStream(crate::target::LogChunk),
    /// The full list (first load and after every reconnect): replaces all.
    Snapshot(Vec<model::Container>),
    /// One container changed (re-inspected after an event).
    Upsert(Box<model::Container>),
    /// A container was removed (`destroy`), by id.
    Removed { id: String },
    /// CPU/memory samples for the containers on screen, by id.
    Stats(Vec<(String, model::Stats)>),
}

/// Pane → worker messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Stream a container's log as `Update::Logs(logs::Update::Lines { target, .. })`
    /// with `target = LogTarget::Container { name }`; stderr lines are marked.
    /// A new StreamLogs replaces any earlier one.
    StreamLogs {
        name: String,
        follow: bool,
        since_seconds: Option<i64>,
        tail_lines: Option<usize>,
    },
    StopLogs,
    /// The containers whose rows are on screen (ids): stats stream only for these.
    WatchStats {
        ids: Vec<String>,
    },
}

/// The pane, before any data has arrived.
pub fn pane(cfg: &Config) -> pane::ContainersPane {
    let mut p = pane::ContainersPane::new();
    p.exec = cfg.exec.clone();
    p.graphs = cfg.metrics.clone();
    p
}

/// Workers and action handler for the configured sources.
pub fn live(cfg: &Config) -> Backend<Update, Command> {
    if !cfg.docker.enabled {
        return Backend {
            idle: vec![(worker::source_id(), SourceStatus::Disabled)],
            ..Backend::default()
        };
    }
    let endpoint = client::Endpoint::resolve(cfg.docker.host.as_deref());
    Backend {
        workers: vec![Box::new(worker::LiveWorker {
            endpoint: endpoint.clone(),
        })],
        actions: Some(Arc::new(actions::LiveActions { endpoint })),
        idle: Vec::new(),
    }
}

/// The simulated estate for `--demo`.
pub fn demo() -> Backend<Update, Command> {
    demo::backend()
}
