//! [`ActionError`]: why an action could not be previewed or run, and the hint
//! the console and the CLI show for it.

use std::time::Duration;

/// Why an action could not be previewed or run.
///
/// The variant says what kind of failure it is — and so which fix the console
/// and the CLI suggest ([`ActionError::hint`]) — and keeps the facts as data
/// (HTTP status, exit code); the text is only what the operator reads. Domain
/// errors convert into it (`From<DomainError> for ActionError` in each domain).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ActionError {
    /// `--read-only` refuses every mutating action.
    #[error("read-only mode: `{verb}` is disabled (restart without --read-only)")]
    ReadOnly { verb: &'static str },
    /// No source of the action's kind is configured or reachable.
    #[error("`{verb}` needs a {config_key} source, and none is configured or reachable")]
    NoBackend {
        verb: &'static str,
        config_key: &'static str,
    },
    /// The preview said it cannot run (RBAC, a paused deployment…).
    #[error("blocked: {0}")]
    Blocked(String),
    /// The action as written cannot run (a bad matcher, an unknown Alertmanager).
    #[error("{0}")]
    Invalid(String),
    /// The object acted on does not exist (any more).
    #[error("{0}")]
    NotFound(String),
    /// The backend refused the credentials (401) or the permission (403).
    #[error("{message}")]
    Denied { message: String, status: u16 },
    /// The backend could not be reached at all.
    #[error("{0}")]
    Unreachable(String),
    /// The backend answered with an error.
    #[error("{message}")]
    Backend {
        message: String,
        status: Option<u16>,
    },
    /// A command the action ran failed (restore, safety backup, verification).
    #[error("{message}")]
    Command {
        message: String,
        exit_code: Option<i32>,
    },
    /// The handler does not take this verb (a wiring mistake, not the operator's).
    #[error("the {handler} handler cannot run `{verb}`")]
    Unsupported {
        handler: &'static str,
        verb: &'static str,
    },
    /// No answer within the runbook block's `timeout`.
    #[error(
        "no result within {} (it may still complete; check before retrying)",
        crate::text::human_duration(*after)
    )]
    TimedOut { after: Duration },
    /// The action could not be recorded; it is not run unrecorded.
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
}

impl ActionError {
    /// What the operator can do about it, chosen from the kind of failure.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::ReadOnly { .. } => Some("restart warroom without --read-only"),
            Self::NoBackend { .. } => Some("`warroom doctor` shows what is configured"),
            Self::Denied { status: 401, .. } => Some("log in again: the credentials were refused"),
            Self::Denied { .. } => Some("check the account's permissions (RBAC)"),
            Self::Unreachable(_) => Some("`warroom doctor` checks every source"),
            Self::Audit(_) => Some("fix the data directory (`warroom config path`)"),
            _ => None,
        }
    }
}
