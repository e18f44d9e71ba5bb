//! CPU/memory stats, streamed only for the containers on screen.
//!
//! One engine stats stream per watched, running container (the engine sends a
//! sample about once a second). Samples are collected by the worker and sent
//! to the pane in one batch per [`FLUSH_EVERY`], so twenty containers cost one
//! redraw, not twenty.

use super::model::{Container, stats_from};
use crate::text::natural_cmp;
use bollard::Docker;
use bollard::query_parameters::StatsOptionsBuilder;
use futures::StreamExt;
use std::collections::{HashMap, HashSet};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
/// Until the pane says what is on screen, this many rows are assumed visible.
pub const DEFAULT_ROWS: usize = 24;

pub type Sample = (String, super::model::Stats);

pub struct StatsStreams {
    docker: Docker,
    tasks: HashMap<String, JoinHandle<()>>,
    /// `None`: the pane has not said; watch the first [`DEFAULT_ROWS`] running.
    watch: Option<HashSet<String>>,
    tx: mpsc::Sender<Sample>,
}

impl StatsStreams {
    pub fn new(docker: Docker, tx: mpsc::Sender<Sample>) -> Self {
        Self {
            docker,
            tasks: HashMap::new(),
            watch: None,
            tx,
        }
    }

    pub fn set_watch(&mut self, ids: Vec<String>) {
        self.watch = Some(ids.into_iter().collect());
    }

    /// Start streams for watched running containers without one, stop the rest.
    pub fn reconcile<'a>(&mut self, known: impl Iterator<Item = &'a Container>) {
        let mut running: Vec<&Container> = known.filter(|c| c.is_running()).collect();
        let wanted: HashSet<String> = match &self.watch {
            Some(w) => running
                .iter()
                .filter(|c| w.contains(&c.id))
                .map(|c| c.id.clone())
                .collect(),
            None => {
                running.sort_by(|a, b| {
                    natural_cmp(a.group(), b.group()).then_with(|| natural_cmp(&a.name, &b.name))
                });
                running
                    .iter()
                    .take(DEFAULT_ROWS)
                    .map(|c| c.id.clone())
                    .collect()
            }
        };
        self.tasks.retain(|id, task| {
            let keep = wanted.contains(id) && !task.is_finished();
            if !keep {
                task.abort();
            }
            keep
        });
        for id in wanted {
            if self.tasks.contains_key(&id) {
                continue;
            }
            let docker = self.docker.clone();
            let tx = self.tx.clone();
            let task_id = id.clone();
            let task = tokio::spawn(async move {
                let opts = StatsOptionsBuilder::new().stream(true).build();
                let mut s = docker.stats(&task_id, Some(opts));
                while let Some(Ok(sample)) = s.next().await {
                    if let Some(st) = stats_from(&sample)
                        && tx.send((task_id.clone(), st)).await.is_err()
                    {
                        return;
                    }
                }
            });
            self.tasks.insert(id, task);
        }
    }

    /// A stream runs for `id` (it is watched and running).
    pub fn is_streaming(&self, id: &str) -> bool {
        self.tasks.contains_key(id)
    }

    pub fn streaming(&self) -> usize {
        self.tasks.len()
    }
}

impl Drop for StatsStreams {
    fn drop(&mut self) {
        for t in self.tasks.values() {
            t.abort();
        }
    }
}
