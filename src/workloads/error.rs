//! Kubernetes failures as data, in two layers:
//! - [`KubeError`]: talking to a cluster failed — the kubeconfig, the
//!   connection, or the API server's answer (its `Status` code and reason);
//! - [`WorkloadError`]: an action could not be previewed or run — a failed
//!   call (which one, and what was not done) or a state that forbids it.
//!
//! The fix an operator is shown ([`KubeError::hint`]) and the kind of action
//! failure (`From<WorkloadError> for ActionError`) come from the variant and
//! its data, never from the text.

use crate::action::ActionError;
use std::path::PathBuf;

/// The hint shown when the cluster cannot be reached (or the kubeconfig is wrong).
pub const HINT: &str =
    "check [kubernetes] context and KUBECONFIG (try `kubectl --context CONTEXT get pods`)";

/// The hint for refused credentials (HTTP 401).
pub const LOGIN_HINT: &str = "the cluster refused the credentials (an expired token?): log in again — e.g. \
     `aws eks update-kubeconfig`, `gcloud container clusters get-credentials`, `kubelogin` \
     — or check this context's user in KUBECONFIG";

/// The hint for a missing permission (HTTP 403).
pub const RBAC_HINT: &str = "the kubeconfig user may not list these resources: check its RBAC \
     (`kubectl auth can-i list pods -n NAMESPACE`) or watch other namespaces ([kubernetes] namespaces)";

/// The hint when listing pods fails although the server answered.
pub const LIST_PODS_HINT: &str =
    "check the RBAC of the kubeconfig user (kubectl auth can-i list pods)";

/// Why talking to a cluster failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KubeError {
    /// The kubeconfig could not be read or parsed. `path`: the explicit file;
    /// `None`: `KUBECONFIG` / `~/.kube/config`.
    #[error("{}: {message}", path.as_ref().map_or_else(|| "kubeconfig".into(), |p| p.display().to_string()))]
    Kubeconfig {
        path: Option<PathBuf>,
        message: String,
    },
    /// The context asked for is not in the kubeconfig.
    #[error("context {0:?} is not in the kubeconfig")]
    UnknownContext(String),
    /// The kubeconfig was read but names no usable cluster/user (bad URL,
    /// certificate, missing context).
    #[error("kubeconfig: {0}")]
    Config(String),
    /// No kubeconfig, and the in-cluster service account failed too.
    #[error("{kubeconfig}; in-cluster: {message}")]
    InCluster {
        kubeconfig: Box<KubeError>,
        message: String,
    },
    /// The HTTP client could not be built (TLS stack, proxy).
    #[error("client: {0}")]
    Client(String),
    /// The API server answered with a failure `Status`.
    #[error("{} ({code})", if message.is_empty() { reason } else { message })]
    Api {
        /// The HTTP status (`Status.code`).
        code: u16,
        /// `Status.reason`: `Unauthorized`, `Forbidden`, `NotFound`…
        reason: String,
        message: String,
    },
    /// Credentials could not be produced (an exec plugin or token file failed).
    #[error("{0}")]
    Auth(String),
    /// No answer: connection refused, DNS, TLS handshake, timeout.
    #[error("{0}")]
    Connect(String),
    /// An answer that could not be used (decoding, a broken stream).
    #[error("{0}")]
    Other(String),
}

impl KubeError {
    /// What the operator can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::Api { code: 401, .. } => LOGIN_HINT,
            Self::Api { code: 403, .. } => RBAC_HINT,
            _ => HINT,
        }
    }

    /// The hint when listing pods failed after `/version` answered (most
    /// clusters serve it to anyone): refused credentials still need a new
    /// login; anything else is most likely the user's RBAC.
    pub fn list_pods_hint(&self) -> &'static str {
        match self {
            Self::Api { code: 401, .. } => LOGIN_HINT,
            _ => LIST_PODS_HINT,
        }
    }

    /// A failure `Status` from the API server (sanitised: it is the server's text).
    pub fn from_status(s: &kube::core::Status) -> Self {
        let clean = |t: &str| crate::text::sanitize(t).into_owned();
        Self::Api {
            code: s.code,
            reason: clean(&s.reason),
            message: clean(&s.message),
        }
    }

    /// A watcher's failure, by what the API server or the connection said.
    pub fn from_watch(e: &kube::runtime::watcher::Error) -> Self {
        use kube::runtime::watcher::Error as W;
        match e {
            W::InitialListFailed(k) | W::WatchStartFailed(k) | W::WatchFailed(k) => k.into(),
            W::WatchError(s) => Self::from_status(s),
            other => Self::Other(other.to_string()),
        }
    }
}

impl From<&kube::Error> for KubeError {
    fn from(e: &kube::Error) -> Self {
        use kube::Error as E;
        match e {
            E::Api(s) => Self::from_status(s),
            E::Auth(_) => Self::Auth(chain(e)),
            E::HyperError(_)
            | E::Service(_)
            | E::RustlsTls(_)
            | E::TlsRequired
            | E::ProxyProtocolUnsupported { .. }
            | E::ProxyProtocolDisabled { .. }
            | E::UpgradeConnection(_) => Self::Connect(chain(e)),
            E::InferConfig(_) | E::InferKubeconfig(_) => Self::Config(chain(e)),
            _ => Self::Other(chain(e)),
        }
    }
}

impl From<kube::Error> for KubeError {
    fn from(e: kube::Error) -> Self {
        (&e).into()
    }
}

/// The error and its causes as one line (sanitised). The hyper/io chain
/// carries the useful part ("Connection refused"), which `Display` hides.
fn chain(e: &kube::Error) -> String {
    crate::text::sanitize(&crate::text::error_chain(e)).into_owned()
}

/// Why a Kubernetes action could not be previewed or run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkloadError {
    /// No client for the target's context.
    #[error(transparent)]
    Connect(#[from] KubeError),
    /// A call to the API server failed.
    #[error("{what}: {source}{}", unchanged.map(|u| format!(" — {u}")).unwrap_or_default())]
    Call {
        /// `patch deployment shop/web`, `list replicasets in shop`.
        what: String,
        /// `nothing was changed`: said after the reason, when it matters.
        unchanged: Option<&'static str>,
        source: KubeError,
    },
    /// The access review came back without a verdict.
    #[error("access review: the API server answered without a status")]
    NoReviewStatus,
    /// `kind` in `kind/name` is not one warroom knows.
    #[error("unknown kind {0:?}")]
    UnknownKind(String),
    /// The action needs a controller (deployment, statefulset, daemonset).
    #[error("{0} is not a deployment, statefulset or daemonset")]
    NotAController(&'static str),
    /// Only deployments and statefulsets scale.
    #[error("a {0} cannot be scaled here: only deployments and statefulsets")]
    Unscalable(&'static str),
    #[error("replicas must be 0 or more")]
    NegativeReplicas,
    /// A paused deployment would not roll out the patched template.
    #[error(
        "deployment {0} is paused: a rollback would not roll out; resume it first \
         (kubectl rollout resume deployment/{0}) and try again"
    )]
    Paused(String),
    /// The deployment carries no revision annotation.
    #[error("deployment {0} has no {rev} annotation: no history", rev = super::undo::REVISION)]
    NoHistory(String),
    /// The revision asked for (or the previous one) is not there.
    #[error(transparent)]
    NoRevision(#[from] super::undo::NoTarget),
    /// Rolling back would change nothing.
    #[error("the current template already matches revision {0}: nothing to roll back")]
    AlreadyAt(i64),
    /// The object acted on does not exist (the demo's estate).
    #[error("{0} not found")]
    NotFound(String),
    /// RBAC does not allow it (the demo's estate).
    #[error("{0}")]
    Denied(String),
    #[error("demo state poisoned")]
    Poisoned,
    /// Not a Kubernetes verb (a wiring mistake).
    #[error("the Kubernetes handler cannot run `{0}`")]
    Unsupported(&'static str),
    /// A drain would delete pods no controller recreates.
    #[error(
        "node {node} runs pods no controller manages, which a drain would delete for good: {pods} \
         — move or delete them yourself first (kubectl drain refuses them without --force)"
    )]
    Unmanaged { node: String, pods: String },
    /// Some evictions did not happen before the timeout (or failed).
    #[error(
        "drain of node {node} incomplete: {evicted} pod(s) evicted; not evicted: {left} \
         — the node stays cordoned; run the drain again (or raise --timeout) once the budgets allow"
    )]
    DrainIncomplete {
        node: String,
        evicted: usize,
        left: String,
    },
}

impl WorkloadError {
    /// A failed call: `what` it was, and what was `unchanged` (if worth saying).
    pub fn call(what: impl Into<String>, unchanged: Option<&'static str>, e: &kube::Error) -> Self {
        Self::Call {
            what: what.into(),
            unchanged,
            source: e.into(),
        }
    }
}

impl From<KubeError> for ActionError {
    fn from(e: KubeError) -> Self {
        let message = e.to_string();
        match e {
            KubeError::Api {
                code: code @ (401 | 403),
                ..
            } => Self::Denied {
                message,
                status: code,
            },
            KubeError::Api { code: 404, .. } => Self::NotFound(message),
            KubeError::Api { code, .. } => Self::Backend {
                message,
                status: Some(code),
            },
            KubeError::UnknownContext(_) => Self::Invalid(message),
            KubeError::Other(_) => Self::Backend {
                message,
                status: None,
            },
            KubeError::Kubeconfig { .. }
            | KubeError::Config(_)
            | KubeError::InCluster { .. }
            | KubeError::Client(_)
            | KubeError::Auth(_)
            | KubeError::Connect(_) => Self::Unreachable(message),
        }
    }
}

impl From<WorkloadError> for ActionError {
    fn from(e: WorkloadError) -> Self {
        let message = e.to_string();
        match e {
            WorkloadError::Connect(k) => k.into(),
            // The kind comes from the API's answer; the text keeps the call.
            WorkloadError::Call { source, .. } => match ActionError::from(source) {
                Self::Denied { status, .. } => Self::Denied { message, status },
                Self::NotFound(_) => Self::NotFound(message),
                Self::Unreachable(_) => Self::Unreachable(message),
                Self::Backend { status, .. } => Self::Backend { message, status },
                _ => Self::Invalid(message),
            },
            WorkloadError::NoReviewStatus => Self::Backend {
                message,
                status: None,
            },
            WorkloadError::Paused(_) | WorkloadError::Unmanaged { .. } => Self::Blocked(message),
            WorkloadError::DrainIncomplete { .. } => Self::Backend {
                message,
                status: None,
            },
            WorkloadError::Unsupported(verb) => Self::Unsupported {
                handler: "Kubernetes",
                verb,
            },
            WorkloadError::NotFound(_) => Self::NotFound(message),
            WorkloadError::Denied(_) => Self::Denied {
                message,
                status: 403,
            },
            WorkloadError::UnknownKind(_)
            | WorkloadError::NotAController(_)
            | WorkloadError::Unscalable(_)
            | WorkloadError::NegativeReplicas
            | WorkloadError::NoHistory(_)
            | WorkloadError::NoRevision(_)
            | WorkloadError::AlreadyAt(_)
            | WorkloadError::Poisoned => Self::Invalid(message),
        }
    }
}

/// The hint for a refused `create pods/exec`.
pub const EXEC_RBAC_HINT: &str = "ask for RBAC `create` on `pods/exec` in that namespace \
     (check with `kubectl auth can-i create pods/exec -n NAMESPACE`)";

/// Why a command could not be run in a pod (`workloads::exec`). A command
/// that ran and failed is not an error: its exit code is the answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExecError {
    /// No client for the context.
    #[error(transparent)]
    Connect(#[from] KubeError),
    /// The access review said no: nothing was run.
    #[error("you may not create pods/exec in namespace {namespace}: {reason} — nothing was run")]
    Denied { namespace: String, reason: String },
    /// The access review could not be made (the failed call, as data).
    #[error("checking `create pods/exec`: {0}")]
    Review(Box<WorkloadError>),
    #[error("pod {namespace}/{name} not found — nothing was run")]
    NoSuchPod { namespace: String, name: String },
    /// `-c` named a container the pod does not have.
    #[error("pod {pod} has no container {asked:?} (it has: {}) — nothing was run", known.join(", "))]
    UnknownContainer {
        pod: String,
        asked: String,
        known: Vec<String>,
    },
    /// A call to the API server failed (reading the pod, opening the session).
    #[error("{what}: {source}")]
    Call { what: String, source: KubeError },
    /// The session ended with a failure `Status` that carries no exit code
    /// (the command could not be started, the container is gone).
    #[error("exec in {pod}: {message}{}", reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default())]
    Failed {
        pod: String,
        reason: Option<String>,
        message: String,
    },
    /// The connection ended without the final `Status`.
    #[error("exec in {0}: the connection ended without the command's exit status")]
    NoStatus(String),
    /// Writing the command's output here failed.
    #[error("{what}: {reason}")]
    Local { what: &'static str, reason: String },
}

impl ExecError {
    /// What the operator can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Connect(k) | Self::Call { source: k, .. } => Some(k.hint().to_string()),
            Self::Denied { .. } => Some(EXEC_RBAC_HINT.into()),
            Self::UnknownContainer { known, .. } => known
                .first()
                .map(|c| format!("pick one with -c, e.g. -c {c}")),
            Self::NoSuchPod { namespace, .. } => {
                Some(format!("list them: kubectl get pods -n {namespace}"))
            }
            Self::Review(_) | Self::Failed { .. } | Self::NoStatus(_) | Self::Local { .. } => None,
        }
    }

    /// Whether a command may have started (the audit entry's start time).
    pub fn ran(&self) -> bool {
        matches!(
            self,
            Self::Failed { .. } | Self::NoStatus(_) | Self::Local { .. }
        )
    }
}

#[cfg(test)]
mod tests;
