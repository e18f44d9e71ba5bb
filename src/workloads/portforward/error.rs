//! Why a port-forward could not start or went on failing, as data, with the
//! fix each case calls for.

use crate::workloads::error::{KubeError, WorkloadError};

const FORWARD_RBAC_HINT: &str = "ask for `create` on `pods/portforward` in that namespace \
     (check with `kubectl auth can-i create pods/portforward -n NAMESPACE`)";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForwardError {
    #[error("{target:?}: {reason}")]
    BadTarget { target: String, reason: String },
    #[error("port {spec:?}: {reason}")]
    BadPort { spec: String, reason: String },
    /// No client for the context.
    #[error(transparent)]
    Connect(#[from] KubeError),
    /// The access review said no: nothing was forwarded.
    #[error(
        "you may not create pods/portforward in namespace {namespace}: {reason} — nothing was forwarded"
    )]
    Denied { namespace: String, reason: String },
    #[error("checking `create pods/portforward`: {0}")]
    Review(Box<WorkloadError>),
    #[error("{target} not found in namespace {namespace}")]
    NotFound { target: String, namespace: String },
    /// No pod to forward to behind a service or controller.
    #[error("no {wanted} pod behind {target} in namespace {namespace} ({seen})")]
    NoPod {
        target: String,
        namespace: String,
        /// `ready` for a service, `running` for a controller.
        wanted: &'static str,
        /// What was found instead: `selector matches no pods`, `3 pods, none ready`.
        seen: String,
    },
    #[error("pod {pod} is not running (phase {phase}): a forward needs a running pod")]
    NotRunning { pod: String, phase: String },
    /// A port the target does not declare (by name, or a service port number).
    #[error("{target} has no {what} {port}{}", if known.is_empty() { String::new() } else { format!(" (it has: {})", known.join(", ")) })]
    NoSuchPort {
        target: String,
        /// `port named`, `service port`.
        what: &'static str,
        port: String,
        known: Vec<String>,
    },
    /// A call to the API server failed.
    #[error("{what}: {source}")]
    Call { what: String, source: KubeError },
    /// The local address could not be listened on (in use, not an address of this host).
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
    /// The pod a `pod/NAME` forward goes to is gone: there is nothing to
    /// re-resolve, so the forward ends (kubectl's "lost connection to pod").
    #[error("lost connection to pod {pod}: {reason}")]
    Lost { pod: String, reason: String },
}

impl ForwardError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Connect(k) | Self::Call { source: k, .. } => Some(k.hint().to_string()),
            Self::Denied { .. } => Some(FORWARD_RBAC_HINT.into()),
            Self::NotFound { target, namespace } => Some(format!(
                "list them: kubectl get {} -n {namespace}",
                target.split('/').next().unwrap_or("pods")
            )),
            Self::NoSuchPort { known, .. } => known.first().map(|k| {
                let name = k.split('/').next_back().unwrap_or(k);
                format!("e.g. 8080:{name}")
            }),
            Self::Listen { .. } => {
                Some("pick another local port, or 0 for any free one (e.g. 0:80)".into())
            }
            Self::NoPod { .. } | Self::NotRunning { .. } | Self::Lost { .. } => {
                Some("see why in the Workloads pane, or forward to another pod".into())
            }
            Self::BadTarget { .. } | Self::BadPort { .. } | Self::Review(_) => None,
        }
    }
}
