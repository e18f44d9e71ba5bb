//! Incident actions: restart, rollout undo, scale, silence, restore…
//!
//! An action is a value ([`ActionSpec`]) parsed from the same syntax everywhere:
//! `warroom action rollout-undo deployment/web -n shop`, a runbook's `warroom`
//! block, or built by a pane from the selection. Running one is always
//! preview → confirm → execute → audit, through [`Actions`]:
//! - `preview()` says exactly what will change (template diff, affected alerts,
//!   the shell-quoted restore command) and how hard the confirmation must be;
//! - `execute()` does it, streaming progress lines;
//! - every outcome (ok, error, refused, dry-run, cancelled) is appended to the
//!   audit log by [`Actions`] itself, so no caller can forget.
//!
//! Each domain implements [`ActionHandler`] for its live backend and its demo.

mod cli;
mod error;

pub use cli::{ActionArgs, ActionLine, ActionVerb, KubeFlags, ParseActionError};
pub use error::ActionError;

use crate::audit::{AuditEntry, AuditLog};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// A Kubernetes object named on the command line: `deployment/web -n shop --context prod`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeTarget {
    /// `pod`, `deployment`, `statefulset`, `daemonset`.
    pub kind: String,
    pub name: String,
    /// `None`: the context's default namespace.
    pub namespace: Option<String>,
    /// `None`: the configured/current context.
    pub context: Option<String>,
}

impl fmt::Display for KubeTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)?;
        if let Some(ns) = &self.namespace {
            write!(f, " -n {ns}")?;
        }
        if let Some(ctx) = &self.context {
            write!(f, " --context {ctx}")?;
        }
        Ok(())
    }
}

/// A pod by namespace and name (the pods a drain was previewed with).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PodRef {
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for PodRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

impl std::str::FromStr for PodRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok(Self {
                    namespace: ns.into(),
                    name: name.into(),
                })
            }
            _ => Err(format!("{s:?}: expected NAMESPACE/POD")),
        }
    }
}

/// Every incident action warroom can take.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionSpec {
    /// Delete a pod (a restart, when a controller owns it).
    DeletePod(KubeTarget),
    /// Patch the pod template's `kubectl.kubernetes.io/restartedAt` annotation.
    RolloutRestart(KubeTarget),
    /// Roll a deployment back to the previous (or the given) revision.
    RolloutUndo {
        target: KubeTarget,
        to_revision: Option<i64>,
    },
    Scale {
        target: KubeTarget,
        replicas: i32,
    },
    /// Mark a node unschedulable (`node/NAME`, no namespace).
    Cordon(KubeTarget),
    /// Make a node schedulable again.
    Uncordon(KubeTarget),
    /// Cordon a node, then evict its pods through the Eviction API, waiting
    /// for PodDisruptionBudgets up to `timeout`. `pods`: the pods the
    /// preview listed (pinned); `None` until previewed.
    Drain {
        target: KubeTarget,
        timeout: Duration,
        pods: Option<Vec<PodRef>>,
    },
    ContainerRestart {
        name: String,
    },
    ContainerStop {
        name: String,
    },
    ContainerStart {
        name: String,
    },
    /// Matchers as written (`alertname=ServiceDown`, `severity=~"crit.*"`).
    Silence {
        matchers: Vec<String>,
        duration: Duration,
        comment: String,
        alertmanager: Option<String>,
    },
    ExpireSilence {
        id: String,
        alertmanager: Option<String>,
    },
    /// `point`: a restore point id (file name, snapshot id); `None` = newest.
    VerifyBackup {
        source: String,
        point: Option<String>,
    },
    Restore {
        source: String,
        point: Option<String>,
    },
}

/// Which handler runs an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    Kubernetes,
    Docker,
    Alertmanager,
    Backups,
}

impl ActionSpec {
    pub fn domain(&self) -> Domain {
        match self {
            Self::DeletePod(_)
            | Self::RolloutRestart(_)
            | Self::RolloutUndo { .. }
            | Self::Scale { .. }
            | Self::Cordon(_)
            | Self::Uncordon(_)
            | Self::Drain { .. } => Domain::Kubernetes,
            Self::ContainerRestart { .. }
            | Self::ContainerStop { .. }
            | Self::ContainerStart { .. } => Domain::Docker,
            Self::Silence { .. } | Self::ExpireSilence { .. } => Domain::Alertmanager,
            Self::VerifyBackup { .. } | Self::Restore { .. } => Domain::Backups,
        }
    }

    /// The verb as typed after `warroom action`.
    pub fn verb(&self) -> &'static str {
        match self {
            Self::DeletePod(_) => "delete-pod",
            Self::RolloutRestart(_) => "rollout-restart",
            Self::RolloutUndo { .. } => "rollout-undo",
            Self::Scale { .. } => "scale",
            Self::Cordon(_) => "cordon",
            Self::Uncordon(_) => "uncordon",
            Self::Drain { .. } => "drain",
            Self::ContainerRestart { .. } => "restart",
            Self::ContainerStop { .. } => "stop",
            Self::ContainerStart { .. } => "start",
            Self::Silence { .. } => "silence",
            Self::ExpireSilence { .. } => "expire-silence",
            Self::VerifyBackup { .. } => "verify-backup",
            Self::Restore { .. } => "restore",
        }
    }

    /// The object acted on, for the audit log and timeline.
    pub fn target(&self) -> String {
        match self {
            Self::DeletePod(t) | Self::RolloutRestart(t) | Self::Cordon(t) | Self::Uncordon(t) => {
                format!("{}/{}", t.kind, t.name)
            }
            Self::RolloutUndo { target, .. }
            | Self::Scale { target, .. }
            | Self::Drain { target, .. } => {
                format!("{}/{}", target.kind, target.name)
            }
            Self::ContainerRestart { name }
            | Self::ContainerStop { name }
            | Self::ContainerStart { name } => {
                format!("container/{name}")
            }
            Self::Silence { matchers, .. } => matchers.join(","),
            Self::ExpireSilence { id, .. } => format!("silence/{id}"),
            Self::VerifyBackup { source, point } | Self::Restore { source, point } => match point {
                Some(p) => format!("{source}/{p}"),
                None => source.clone(),
            },
        }
    }

    /// Whether the action changes anything (verification only reads).
    pub fn is_mutating(&self) -> bool {
        !matches!(self, Self::VerifyBackup { .. })
    }
}

/// The canonical command line, e.g. `rollout-undo deployment/web -n shop --to-revision 3`.
/// It parses back with [`ActionLine`].
impl fmt::Display for ActionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = |s: &str| {
            shlex::try_quote(s)
                .map(|c| c.into_owned())
                .unwrap_or_else(|_| s.to_owned())
        };
        write!(f, "{} ", self.verb())?;
        match self {
            Self::DeletePod(t) | Self::RolloutRestart(t) | Self::Cordon(t) | Self::Uncordon(t) => {
                write!(f, "{t}")
            }
            Self::Drain {
                target,
                timeout,
                pods,
            } => {
                let timeout = humantime::format_duration(*timeout).to_string();
                write!(f, "{target} --timeout {}", q(&timeout))?;
                match pods {
                    Some(pods) => {
                        let list: Vec<String> = pods.iter().map(ToString::to_string).collect();
                        write!(f, " --pods {}", q(&list.join(",")))
                    }
                    None => Ok(()),
                }
            }
            Self::RolloutUndo {
                target,
                to_revision,
            } => {
                write!(f, "{target}")?;
                match to_revision {
                    Some(r) => write!(f, " --to-revision {r}"),
                    None => Ok(()),
                }
            }
            Self::Scale { target, replicas } => write!(f, "{target} --replicas {replicas}"),
            Self::ContainerRestart { name }
            | Self::ContainerStop { name }
            | Self::ContainerStart { name } => {
                write!(f, "container/{}", q(name))
            }
            Self::Silence {
                matchers,
                duration,
                comment,
                alertmanager,
            } => {
                for m in matchers {
                    write!(f, "{} ", q(m))?;
                }
                // `1h 30m` has a space: quoted, or it would not parse back.
                let duration = humantime::format_duration(*duration).to_string();
                write!(f, "--duration {} --comment {}", q(&duration), q(comment))?;
                match alertmanager {
                    Some(am) => write!(f, " --alertmanager {}", q(am)),
                    None => Ok(()),
                }
            }
            Self::ExpireSilence { id, alertmanager } => {
                write!(f, "{}", q(id))?;
                match alertmanager {
                    Some(am) => write!(f, " --alertmanager {}", q(am)),
                    None => Ok(()),
                }
            }
            Self::VerifyBackup { .. } | Self::Restore { .. } => write!(f, "{}", q(&self.target())),
        }
    }
}

/// How hard the operator must confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirm {
    /// Safe (read-only checks): runs without asking.
    None,
    /// `y` / Enter.
    Yes,
    /// The operator types this word (a source name, a deployment name).
    Typed(String),
}

/// One line of a preview body; the kind drives colour and the `+`/`-` gutter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewLine {
    Heading(String),
    Text(String),
    Added(String),
    Removed(String),
    Warning(String),
}

/// What an action will do, shown before anything changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// e.g. `Roll back deployment shop/web from revision 7 to 6`.
    pub title: String,
    /// Where it acts: context/namespace, Docker host, Alertmanager, backup source.
    pub location: String,
    /// One line for the audit log.
    pub summary: String,
    pub lines: Vec<PreviewLine>,
    pub confirm: Confirm,
    /// Set when the action cannot run (RBAC says no, target missing…): shown
    /// instead of a confirmation, and execute is refused.
    pub blocked: Option<String>,
    /// The spec with every default the preview resolved made explicit (the
    /// revision `rollout-undo` goes back to, the restore point, the
    /// Alertmanager). [`Actions::execute`] runs this one, so what runs is what
    /// the operator confirmed even if the world moved in between: a new
    /// rollout or a fresh dump must not change the target behind their back.
    pub pinned: Option<ActionSpec>,
}

impl Preview {
    pub fn new(title: impl Into<String>, location: impl Into<String>) -> Self {
        let title = title.into();
        Self {
            summary: title.clone(),
            title,
            location: location.into(),
            lines: Vec::new(),
            confirm: Confirm::Yes,
            blocked: None,
            pinned: None,
        }
    }

    /// Plain-text rendering for the headless CLI and runbook output.
    pub fn to_text(&self) -> String {
        let mut out = format!("{}\n  where: {}\n", self.title, self.location);
        for line in &self.lines {
            let l = match line {
                PreviewLine::Heading(s) => format!("  {s}"),
                PreviewLine::Text(s) => format!("    {s}"),
                PreviewLine::Added(s) => format!("  + {s}"),
                PreviewLine::Removed(s) => format!("  - {s}"),
                PreviewLine::Warning(s) => format!("  ! {s}"),
            };
            out.push_str(&l);
            out.push('\n');
        }
        if let Some(b) = &self.blocked {
            out.push_str(&format!("  BLOCKED: {b}\n"));
        }
        out
    }
}

/// The result of a successful action.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionOutcome {
    pub summary: String,
    /// For restores: when the restored data was captured (achieved RPO).
    pub restore_point_time: Option<jiff::Timestamp>,
}

/// Streams progress/output lines while an action runs (restore output, rollout
/// status), and collects the facts the audit entry records. Cheap to clone:
/// clones share both.
#[derive(Clone)]
pub struct Progress {
    sink: Arc<dyn Fn(String) + Send + Sync>,
    facts: Arc<std::sync::Mutex<RunFacts>>,
}

/// What a handler learned while running, for the audit log.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RunFacts {
    /// Exit code of the last command run (None: killed by a signal, or no command).
    pub exit_code: Option<i32>,
    pub restore_point_time: Option<jiff::Timestamp>,
}

impl Progress {
    pub fn new(f: impl Fn(String) + Send + Sync + 'static) -> Self {
        Self {
            sink: Arc::new(f),
            facts: Arc::default(),
        }
    }
    pub fn discard() -> Self {
        Self::new(|_| {})
    }
    pub fn line(&self, line: impl Into<String>) {
        (self.sink)(line.into())
    }
    /// A command finished with this exit code.
    pub fn exit_code(&self, code: Option<i32>) {
        if let Ok(mut f) = self.facts.lock() {
            f.exit_code = code;
        }
    }
    /// The restore point being restored was captured at `t`.
    pub fn restore_point(&self, t: jiff::Timestamp) {
        if let Ok(mut f) = self.facts.lock() {
            f.restore_point_time = Some(t);
        }
    }
    pub fn facts(&self) -> RunFacts {
        self.facts.lock().map(|f| *f).unwrap_or_default()
    }
    fn reset_facts(&self) {
        if let Ok(mut f) = self.facts.lock() {
            *f = RunFacts::default();
        }
    }
}

#[async_trait::async_trait]
pub trait ActionHandler: Send + Sync {
    /// Look before leaping: gather what the action will change. Must not change anything.
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, ActionError>;
    /// Do it. Errors say what failed and that nothing (or what) was changed.
    async fn execute(
        &self,
        spec: &ActionSpec,
        progress: Progress,
    ) -> Result<ActionOutcome, ActionError>;
}

/// The one door every action goes through: read-only mode, handler dispatch, audit.
pub struct Actions {
    handlers: HashMap<Domain, Arc<dyn ActionHandler>>,
    audit: AuditLog,
    read_only: bool,
    demo: bool,
}

/// How a run ended, for the audit `result` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    DryRun,
    Cancelled,
    Refused,
}

impl Actions {
    pub fn new(audit: AuditLog, read_only: bool, demo: bool) -> Self {
        Self {
            handlers: HashMap::new(),
            audit,
            read_only,
            demo,
        }
    }

    pub fn register(&mut self, domain: Domain, handler: Arc<dyn ActionHandler>) {
        self.handlers.insert(domain, handler);
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    fn handler(&self, spec: &ActionSpec) -> Result<&Arc<dyn ActionHandler>, ActionError> {
        self.handlers
            .get(&spec.domain())
            .ok_or_else(|| ActionError::NoBackend {
                verb: spec.verb(),
                config_key: match spec.domain() {
                    Domain::Kubernetes => "[kubernetes]",
                    Domain::Docker => "[docker]",
                    Domain::Alertmanager => "[[alertmanager]]",
                    Domain::Backups => "[[backups]]",
                },
            })
    }

    pub async fn preview(&self, spec: &ActionSpec) -> Result<Preview, ActionError> {
        if self.read_only && spec.is_mutating() {
            return Err(ActionError::ReadOnly { verb: spec.verb() });
        }
        self.handler(spec)?.preview(spec).await
    }

    /// Execute after the operator confirmed `preview`, and record the result.
    pub async fn execute(
        &self,
        spec: &ActionSpec,
        preview: &Preview,
        origin: &str,
        progress: Progress,
    ) -> Result<ActionOutcome, ActionError> {
        // Run exactly what was previewed (see `Preview::pinned`).
        let spec = preview.pinned.as_ref().unwrap_or(spec);
        progress.reset_facts();
        let mut started = None;
        let result = if self.read_only && spec.is_mutating() {
            Err(ActionError::ReadOnly { verb: spec.verb() })
        } else if let Some(reason) = &preview.blocked {
            Err(ActionError::Blocked(reason.clone()))
        } else {
            match self.handler(spec) {
                Ok(h) => {
                    started = Some(jiff::Timestamp::now());
                    h.execute(spec, progress.clone()).await
                }
                Err(e) => Err(e),
            }
        };
        let (res, msg) = match &result {
            Ok(o) => ("ok", o.summary.clone()),
            Err(e) => ("error", e.to_string()),
        };
        let mut facts = progress.facts();
        if let Ok(o) = &result {
            facts.restore_point_time = facts.restore_point_time.or(o.restore_point_time);
        }
        self.record(
            spec,
            preview,
            origin,
            res,
            &msg,
            started.map(|s| (s, facts)),
        )?;
        result
    }

    /// Record a run that did not execute (dry run, cancelled at the prompt, refused).
    pub fn record_not_run(
        &self,
        spec: &ActionSpec,
        preview: &Preview,
        origin: &str,
        why: Disposition,
    ) -> Result<(), ActionError> {
        let result = match why {
            Disposition::DryRun => "dry-run",
            Disposition::Cancelled => "cancelled",
            Disposition::Refused => "refused",
        };
        self.record(spec, preview, origin, result, "", None)
    }

    fn record(
        &self,
        spec: &ActionSpec,
        preview: &Preview,
        origin: &str,
        result: &str,
        message: &str,
        ran: Option<(jiff::Timestamp, RunFacts)>,
    ) -> Result<(), ActionError> {
        let spec = preview.pinned.as_ref().unwrap_or(spec);
        let entry = AuditEntry {
            ts: jiff::Timestamp::now(),
            who: crate::identity::operator(),
            origin: origin.to_string(),
            action: spec.verb().to_string(),
            target: spec.target(),
            location: preview.location.clone(),
            preview: preview.summary.clone(),
            result: result.to_string(),
            message: message.to_string(),
            demo: self.demo.then_some(true),
            started: ran.map(|(s, _)| s),
            exit_code: ran.and_then(|(_, f)| f.exit_code),
            restore_point_time: ran.and_then(|(_, f)| f.restore_point_time),
        };
        Ok(self.audit.append(&entry)?)
    }
}
