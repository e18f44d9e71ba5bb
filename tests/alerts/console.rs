//! The alerts domain as the console runs it: `alerts::live(cfg)` workers on
//! the real hub, their updates applied to the real pane, the action handler
//! behind the real `Actions` door (with an audit log in a temp dir).

use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use warroom::action::{Actions, Domain};
use warroom::event::Update;
use warroom::pane::Pane;
use warroom::runtime::AnyPane;
use warroom::runtime::Hub;
use warroom::source::{SourceId, SourceKind, SourceStatus};

pub struct Console {
    hub: Hub,
    pub pane: warroom::alerts::pane::AlertsPane,
    pub statuses: BTreeMap<SourceId, SourceStatus>,
    pub actions: Actions,
    /// What the pane handed up for an incident's timeline, in order.
    pub observed: Vec<warroom::observed::Observed>,
    _audit_dir: tempfile::TempDir,
}

impl Console {
    pub fn start(cfg: &warroom::config::Config) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let backend = warroom::alerts::live(cfg);
        let audit_dir = tempfile::tempdir().unwrap();
        let mut actions = Actions::new(
            warroom::audit::AuditLog::new(audit_dir.path().join("audit.jsonl")),
            false,
            false,
        );
        if let Some(h) = backend.actions {
            actions.register(Domain::Alertmanager, h);
        }
        let workers = warroom::runtime::Workers {
            alerts: backend.workers,
            ..Default::default()
        };
        Self {
            hub: Hub::start(workers, backend.idle),
            pane: warroom::alerts::pane(cfg),
            statuses: BTreeMap::new(),
            actions,
            observed: Vec::new(),
            _audit_dir: audit_dir,
        }
    }

    pub fn audit(&self) -> Vec<warroom::audit::AuditEntry> {
        self.actions.audit_log().read_all()
    }

    fn apply(&mut self, u: Update) {
        match u {
            Update::Status { source, status } => {
                self.statuses.insert(source, status);
            }
            other => {
                AnyPane::apply(&mut self.pane, other);
                self.observed
                    .extend(Pane::take_observations(&mut self.pane));
            }
        }
    }

    /// Apply updates until `done` holds; on timeout fail with what was seen.
    pub async fn wait(&mut self, what: &str, secs: u64, done: impl Fn(&Self) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            if done(self) {
                return;
            }
            tokio::select! {
                u = self.hub.updates.recv() => match u {
                    Some(u) => self.apply(u),
                    None => panic!("workers stopped while waiting for {what}"),
                },
                _ = tokio::time::sleep_until(deadline) => panic!(
                    "timed out after {secs}s waiting for {what}\nstatuses: {:#?}\nreport: {:#}",
                    self.statuses,
                    self.report()
                ),
            }
        }
    }

    pub fn report(&self) -> Value {
        serde_json::to_value(
            Pane::report(&self.pane, jiff::Timestamp::now()).expect("alerts report"),
        )
        .unwrap()
    }

    /// The report entries for one alertname.
    pub fn alerts(&self, name: &str) -> Vec<Value> {
        self.report()["problems"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == name && p["state"] != "broken_rule")
            .cloned()
            .collect()
    }

    pub fn status(&self, kind: SourceKind) -> Option<&SourceStatus> {
        self.statuses.get(&SourceId::new(kind, "main"))
    }
}
