//! The `--demo` estate: the ToolboxAI Compose stack from the seed reports
//! (backend, dashboard, postgres, redis, celery, the backup coordinator) plus
//! its monitoring project. The backend's health check starts timing out a
//! little after start and turns it unhealthy; the backup coordinator gave up
//! after three failed runs. Restart/stop/start change the simulation, so
//! every action can be tried end to end (a restart makes the backend healthy
//! again, for a while).

use super::actions::{preview, target};
use super::error::ContainerError;
use super::{Command, Update};
use crate::action::{ActionError, ActionHandler, ActionOutcome, ActionSpec, Preview, Progress};
use crate::source::Backend;
use std::sync::{Arc, Mutex};

pub use super::demo_estate::Sim;
pub use super::demo_worker::DemoWorker;

const LOCATION: &str = "demo engine (simulated)";

pub type Shared = Arc<Mutex<Sim>>;

pub fn backend() -> Backend<Update, Command> {
    let sim: Shared = Arc::new(Mutex::new(Sim::new(jiff::Timestamp::now())));
    Backend {
        workers: vec![Box::new(DemoWorker { sim: sim.clone() })],
        actions: Some(Arc::new(DemoActions { sim })),
        idle: Vec::new(),
    }
}

pub struct DemoActions {
    pub sim: Shared,
}

#[async_trait::async_trait]
impl ActionHandler for DemoActions {
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, ActionError> {
        let (verb, name) = target(spec)?;
        let sim = self.sim.lock().map_err(|_| ContainerError::Poisoned)?;
        let c = sim.containers.iter().find(|c| c.name == name);
        Ok(preview(verb, name, c, LOCATION, jiff::Timestamp::now()))
    }

    async fn execute(
        &self,
        spec: &ActionSpec,
        progress: Progress,
    ) -> Result<ActionOutcome, ActionError> {
        let (verb, name) = target(spec)?;
        progress.line(format!("{verb} {name} (simulated)…"));
        let summary = self.sim.lock().map_err(|_| ContainerError::Poisoned)?.act(
            verb,
            name,
            jiff::Timestamp::now(),
        )?;
        Ok(ActionOutcome {
            summary,
            restore_point_time: None,
        })
    }
}
