//! Docker failures as data, in two layers:
//! - [`DockerError`]: reaching the engine or a call to it failed — a host
//!   that cannot work, no answer, or the engine's HTTP status;
//! - [`ContainerError`]: an action or exec session could not be previewed or
//!   run — which call failed, the container is not there, or this side's
//!   output failed.
//!
//! The fix ([`DockerError::hint`], naming the setting the endpoint came from)
//! and the kind of action failure (`From<ContainerError> for ActionError`)
//! come from the variant and its data, never from the text.

use super::client::Endpoint;
use crate::action::ActionError;
use std::time::Duration;

/// Why talking to the Docker engine failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DockerError {
    /// bollard hands `user@host:port` to ssh as a host name: the port would be lost.
    #[error("{host}: a port in an ssh:// Docker host is not passed on to ssh")]
    SshPort { host: String, port: u16 },
    /// The host is not one bollard can connect to (scheme, URL, TLS files).
    #[error("{host}: {message}")]
    BadHost { host: String, message: String },
    /// The engine did not answer the version handshake.
    #[error("cannot reach the Docker engine at {}: {cause}", endpoint.host)]
    Unreachable {
        endpoint: Endpoint,
        cause: Box<DockerError>,
    },
    /// The engine did not answer in time.
    #[error("the Docker engine at {} did not answer within {}s", endpoint.host, after.as_secs())]
    TimedOut { endpoint: Endpoint, after: Duration },
    /// The engine answered with an error status (404 no such container,
    /// 409 conflict, 500…).
    #[error("engine answered {status}: {message}")]
    Engine { status: u16, message: String },
    /// No answer: connection refused or reset, socket missing, timeout.
    #[error("{0}")]
    Transport(String),
    /// An answer that could not be used (decoding, a broken stream).
    #[error("{0}")]
    Other(String),
}

impl DockerError {
    /// What to change, when there is something to change.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::SshPort { .. } => Some(
                "name the port in ~/.ssh/config (Host NAME / HostName HOST / Port PORT) and use ssh://USER@NAME"
                    .into(),
            ),
            Self::BadHost { .. } => Some("use unix:///path/to/docker.sock or tcp://HOST:PORT".into()),
            Self::Unreachable { endpoint, .. } | Self::TimedOut { endpoint, .. } => {
                Some(endpoint.hint())
            }
            Self::Engine { status: 409, .. } => Some(
                "the container's state does not allow it now (paused, restarting, being removed?): `docker inspect NAME`"
                    .into(),
            ),
            Self::Engine { .. } | Self::Transport(_) | Self::Other(_) => None,
        }
    }
}

impl From<&bollard::errors::Error> for DockerError {
    fn from(e: &bollard::errors::Error) -> Self {
        use bollard::errors::Error as E;
        match e {
            E::DockerResponseServerError {
                status_code,
                message,
            } => Self::Engine {
                status: *status_code,
                message: crate::text::sanitize(message.trim()).into_owned(),
            },
            E::RequestTimeoutError
            | E::IOError { .. }
            | E::HyperLegacyError { .. }
            | E::HyperResponseError { .. }
            | E::SocketNotFoundError(_) => Self::Transport(chain(e)),
            other => Self::Other(chain(other)),
        }
    }
}

impl From<bollard::errors::Error> for DockerError {
    fn from(e: bollard::errors::Error) -> Self {
        (&e).into()
    }
}

/// The error and its causes as one line (bollard's Display of hyper errors
/// hides the cause: "client error (Connect)").
fn chain(e: &bollard::errors::Error) -> String {
    crate::text::sanitize(&crate::text::error_chain(e)).into_owned()
}

/// Why a container action could not be previewed or run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ContainerError {
    /// The engine failed: no connection, or a call the message already names.
    #[error(transparent)]
    Docker(#[from] DockerError),
    /// A call to the engine failed: `what` it was (`inspecting web`, `restart web`).
    #[error("{what} failed: {source}")]
    Call { what: String, source: DockerError },
    /// No container of that name (any more). `after`: what was (not) done.
    #[error("no container named {name}{}", after.map(|a| format!(": {a}")).unwrap_or_default())]
    NoSuchContainer {
        name: String,
        after: Option<&'static str>,
    },
    /// The action was sent, but the container is gone now.
    #[error("{verb} {name} was sent, but the container is gone now")]
    GoneAfter { verb: &'static str, name: String },
    /// This side of a session failed: writing warroom's stdout (a closed
    /// pipe) or stderr. `what` names which.
    #[error("{what}: {reason}")]
    Local { what: &'static str, reason: String },
    #[error("demo state is poisoned")]
    Poisoned,
}

impl ContainerError {
    /// What to change, when the engine's failure calls for something.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Docker(source) | Self::Call { source, .. } => source.hint(),
            _ => None,
        }
    }

    /// A failed call to the engine.
    pub fn call(what: impl Into<String>, e: &bollard::errors::Error) -> Self {
        Self::Call {
            what: what.into(),
            source: e.into(),
        }
    }
}

impl From<ContainerError> for ActionError {
    fn from(e: ContainerError) -> Self {
        let message = e.to_string();
        match e {
            ContainerError::Docker(source) | ContainerError::Call { source, .. } => {
                source.into_action_error(message)
            }
            ContainerError::NoSuchContainer { .. } | ContainerError::GoneAfter { .. } => {
                Self::NotFound(message)
            }
            ContainerError::Poisoned => Self::Invalid(message),
            ContainerError::Local { .. } => Self::Backend {
                message,
                status: None,
            },
        }
    }
}

impl DockerError {
    /// The action error of this kind, reading `message`.
    fn into_action_error(self, message: String) -> ActionError {
        match self {
            Self::Engine { status: 404, .. } => ActionError::NotFound(message),
            Self::Engine {
                status: status @ (401 | 403),
                ..
            } => ActionError::Denied { message, status },
            Self::Engine { status, .. } => ActionError::Backend {
                message,
                status: Some(status),
            },
            Self::Unreachable { .. }
            | Self::TimedOut { .. }
            | Self::Transport(_)
            | Self::SshPort { .. }
            | Self::BadHost { .. } => ActionError::Unreachable(message),
            Self::Other(_) => ActionError::Backend {
                message,
                status: None,
            },
        }
    }
}

#[cfg(test)]
mod tests;
