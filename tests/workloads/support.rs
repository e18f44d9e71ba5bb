//! Run the live workloads backend against an emulator and watch what the pane sees.

use crate::kmock::Kmock;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use warroom::config::Config;
use warroom::event::Update;
use warroom::logs::{LogLine, Update as LogUpdate};
use warroom::source::SourceStatus;
use warroom::workloads::pane::WorkloadsPane;
use warroom::workloads::{Perm, Update as WUpdate};

/// Run the warroom binary against the emulator, with `config` (Docker off)
/// and a data dir of its own (audit log, logs), returned for inspection.
pub fn warroom_cli(
    k: &Kmock,
    config: &str,
    args: &[&str],
) -> (std::process::Output, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let cfg = data.path().join("config.toml");
    std::fs::write(&cfg, format!("{config}\n[docker]\nenabled = false\n")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["--config", cfg.to_str().unwrap()])
        .args(args)
        .env("KUBECONFIG", k.kubeconfig())
        .env("WARROOM_DATA_DIR", data.path())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (out, data)
}

pub fn config(namespaces: &[&str]) -> Config {
    let mut cfg = Config::default();
    cfg.kubernetes.namespaces = namespaces.iter().map(|s| s.to_string()).collect();
    cfg
}

/// Permission → denied reason (`None`: allowed), as the worker sends them.
pub type Verdicts = Vec<(Perm, Option<String>)>;

pub struct Running {
    pub pane: WorkloadsPane,
    pub status: Option<SourceStatus>,
    /// Every status in order (to see Stale → Connected).
    pub history: Vec<SourceStatus>,
    pub log_lines: Vec<LogLine>,
    pub log_ended: Option<Option<String>>,
    /// Every access verdict set the worker sent, in order (namespace or `*`).
    pub access: Vec<(String, Verdicts)>,
    rx: mpsc::Receiver<Update>,
    pub commands: broadcast::Sender<warroom::workloads::Command>,
    /// Every port-forward change, in order.
    pub forwards: Vec<(u64, warroom::workloads::ForwardChange)>,
    /// Where the worker's sessions (port-forwards) are audited.
    pub audit_dir: tempfile::TempDir,
    /// Every manifest answer (fetched, revealed, saved), in order.
    pub manifests: Vec<warroom::workloads::manifest_fetch::Answer>,
    task: tokio::task::JoinHandle<()>,
}

/// What the worker runs sessions with: an audit log in `dir`, not read-only.
pub fn sessions(dir: &std::path::Path) -> warroom::workloads::Sessions {
    warroom::workloads::Sessions {
        audit: warroom::audit::AuditLog::new(dir.join("audit.jsonl")),
        read_only: false,
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Running {
    pub fn start(k: &Kmock, namespaces: &[&str]) -> Self {
        Self::start_with(k.kubeconfig(), namespaces)
    }

    /// Start on any kubeconfig file (several contexts, several emulators).
    pub fn start_with(kubeconfig: std::path::PathBuf, namespaces: &[&str]) -> Self {
        let cfg = config(namespaces);
        let audit_dir = tempfile::tempdir().unwrap();
        let mut backend =
            warroom::workloads::live_with(&cfg, Some(kubeconfig), sessions(audit_dir.path()));
        assert_eq!(
            backend.workers.len(),
            1,
            "one worker for the kubeconfig context"
        );
        let worker = backend.workers.remove(0);
        let (rx, ctx_tx, task) = warroom::runtime::start_alone(worker, 4096);
        Self {
            pane: WorkloadsPane::new(&cfg),
            status: None,
            history: Vec::new(),
            log_lines: Vec::new(),
            log_ended: None,
            access: Vec::new(),
            rx,
            commands: ctx_tx,
            forwards: Vec::new(),
            audit_dir,
            manifests: Vec::new(),
            task,
        }
    }

    fn apply(&mut self, u: Update) {
        match u {
            Update::Status { status, .. } => {
                self.history.push(status.clone());
                self.status = Some(status);
            }
            Update::Logs(LogUpdate::Lines { lines, .. }) => self.log_lines.extend(lines),
            Update::Logs(LogUpdate::Ended { error, .. }) => self.log_ended = Some(error),
            // A pod that is gone: the end a Loki fallback starts from.
            Update::Logs(LogUpdate::Gone { target }) => {
                self.log_ended = Some(Some(format!("gone: {target}")))
            }
            Update::Workloads(WUpdate::Access {
                namespace,
                verdicts,
            }) => {
                self.access.push((namespace.clone(), verdicts.clone()));
                warroom::pane::Pane::apply(
                    &mut self.pane,
                    WUpdate::Access {
                        namespace,
                        verdicts,
                    },
                );
            }
            Update::Workloads(WUpdate::Forward { id, change }) => {
                self.forwards.push((id, change.clone()));
                warroom::pane::Pane::apply(&mut self.pane, WUpdate::Forward { id, change });
            }
            Update::Workloads(WUpdate::Manifest(answer)) => self.manifests.push(*answer),
            other => {
                warroom::runtime::AnyPane::apply(&mut self.pane, other);
            }
        }
    }

    /// Apply updates until `pred` holds; fail with `what` and the last status after `secs`.
    pub async fn until(&mut self, what: &str, secs: u64, pred: impl Fn(&Self) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        while !pred(self) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(u)) => self.apply(u),
                Ok(None) => panic!("worker stopped while waiting for {what}"),
                Err(_) => panic!(
                    "timed out waiting for {what}; status history {:?}",
                    self.history
                ),
            }
        }
    }

    /// Apply whatever arrives for `d`.
    pub async fn run_for(&mut self, d: Duration) {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(u)) => self.apply(u),
                Ok(None) => panic!("worker stopped"),
                Err(_) => return,
            }
        }
    }

    pub async fn connected(&mut self) {
        self.until("Connected", 30, |r| {
            matches!(r.status, Some(SourceStatus::Connected { .. }))
        })
        .await;
    }

    /// The verdict for `perm` in the latest access set for `namespace`.
    pub fn verdict(&self, namespace: &str, perm: Perm) -> Option<Option<String>> {
        self.access
            .iter()
            .rev()
            .find(|(ns, _)| ns == namespace)
            .and_then(|(_, v)| v.iter().find(|(p, _)| *p == perm))
            .map(|(_, v)| v.clone())
    }

    pub fn has_pod(&self, ns: &str, name: &str) -> bool {
        self.pane
            .store()
            .pods
            .keys()
            .any(|k| k.namespace == ns && k.name == name)
    }
}
