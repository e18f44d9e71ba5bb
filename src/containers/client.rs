//! Finding and connecting to the Docker engine.
//!
//! Where: `[docker] host`, else `DOCKER_HOST`, else the local socket. How:
//! `unix://` and `tcp://`/`http://` (TLS with `DOCKER_TLS_VERIFY`/`https://`).
//! `ssh://USER@HOST` goes through bollard's `ssh` feature: the system `ssh`
//! (with the user's ~/.ssh/config, agent and known_hosts; new host keys are
//! accepted once, in batch mode) runs `docker system dial-stdio` on the host.
//! bollard does not pass a `:PORT` on to ssh, so a port is refused with the
//! fix (a Host entry in ~/.ssh/config). The API version is
//! negotiated down to what the engine speaks (20.10 → 1.41).

pub use super::error::DockerError;
use bollard::Docker;
use std::time::Duration;

pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";

/// Engine requests wait at most this for response headers. Streams (events,
/// logs, stats) are not cut by it; stop/restart add the container's stop timeout.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The version handshake waits at most this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the engine is and which setting said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    /// `[docker] host`, `DOCKER_HOST` or `default`.
    pub from: &'static str,
}

impl Endpoint {
    pub fn resolve(configured: Option<&str>) -> Self {
        Self::resolve_with(configured, std::env::var("DOCKER_HOST").ok())
    }

    pub fn resolve_with(configured: Option<&str>, env: Option<String>) -> Self {
        if let Some(h) = configured.map(str::trim).filter(|h| !h.is_empty()) {
            return Self {
                host: normalise(h),
                from: "[docker] host",
            };
        }
        if let Some(h) = env.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
            return Self {
                host: normalise(h),
                from: "DOCKER_HOST",
            };
        }
        Self {
            host: DEFAULT_SOCKET.into(),
            from: "default",
        }
    }

    /// The setting to change when this endpoint does not answer.
    pub fn hint(&self) -> String {
        match self.from {
            "[docker] host" => format!(
                "check [docker] host = {:?} in the config (is the engine running there? `docker -H {} info`)",
                self.host, self.host
            ),
            "DOCKER_HOST" => format!(
                "check DOCKER_HOST={} (or set [docker] host in the config); `docker info` should answer",
                self.host
            ),
            _ => "is the Docker engine running (`docker info`)? Set [docker] host or DOCKER_HOST for a remote engine; `enabled = false` under [docker] hides this source".to_string(),
        }
    }
}

/// A bare socket path is a unix socket.
fn normalise(host: &str) -> String {
    if host.starts_with('/') {
        format!("unix://{host}")
    } else {
        host.to_string()
    }
}

/// The `:PORT` of an ssh destination `user@host:port`, if any.
fn ssh_port(dest: &str) -> Option<u16> {
    let host = dest.rsplit_once('@').map_or(dest, |(_, h)| h);
    host.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
}

/// A client for `ep` without touching the network (bad URLs fail here).
pub fn client(ep: &Endpoint) -> Result<Docker, DockerError> {
    if let Some(dest) = ep.host.strip_prefix("ssh://")
        && let Some(port) = ssh_port(dest)
    {
        // bollard hands `user@host:port` to ssh as a host name; ssh's own
        // config is where a port goes.
        return Err(DockerError::SshPort {
            host: ep.host.clone(),
            port,
        });
    }
    Docker::connect_with_host(&ep.host)
        .map(|d| d.with_timeout(REQUEST_TIMEOUT))
        .map_err(|e| DockerError::BadHost {
            host: ep.host.clone(),
            message: DockerError::from(e).to_string(),
        })
}

/// Connect, negotiate the API version, and say what answered
/// (`Docker 20.10.24, API 1.41`).
pub async fn connect(ep: &Endpoint) -> Result<(Docker, String), DockerError> {
    let docker = client(ep)?;
    let unreachable = |e: bollard::errors::Error| DockerError::Unreachable {
        endpoint: ep.clone(),
        cause: Box::new(e.into()),
    };
    let docker = tokio::time::timeout(HANDSHAKE_TIMEOUT, docker.negotiate_version())
        .await
        .map_err(|_| DockerError::TimedOut {
            endpoint: ep.clone(),
            after: HANDSHAKE_TIMEOUT,
        })?
        .map_err(unreachable)?;
    let version = docker.version().await.map_err(unreachable)?;
    let v = docker.client_version();
    let detail = format!(
        "Docker {}, API {}.{}",
        version.version.unwrap_or_else(|| "?".into()),
        v.major_version,
        v.minor_version
    );
    Ok((docker, detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_wins_over_docker_host_which_wins_over_the_socket() {
        let e = Endpoint::resolve_with(Some("tcp://10.0.0.5:2375"), Some("unix:///x".into()));
        assert_eq!(
            (e.host.as_str(), e.from),
            ("tcp://10.0.0.5:2375", "[docker] host")
        );
        let e = Endpoint::resolve_with(None, Some("/run/user/1000/docker.sock".into()));
        assert_eq!(e.host, "unix:///run/user/1000/docker.sock");
        assert_eq!(e.from, "DOCKER_HOST");
        let e = Endpoint::resolve_with(Some(" "), None);
        assert_eq!(e.host, DEFAULT_SOCKET);
        assert!(e.hint().contains("docker info"));
    }

    #[test]
    fn ssh_ports_and_unknown_schemes_fail_with_what_to_do() {
        assert!(client(&Endpoint::resolve_with(Some("ssh://ops@db1"), None)).is_ok());
        let e = client(&Endpoint::resolve_with(Some("ssh://ops@db1:2222"), None)).unwrap_err();
        assert!(
            matches!(&e, DockerError::SshPort { host, port: 2222 } if host == "ssh://ops@db1:2222"),
            "{e:?}"
        );
        assert!(e.to_string().contains("ssh://ops@db1:2222"), "{e}");
        let hint = e.hint().unwrap();
        assert!(
            hint.contains("~/.ssh/config") && hint.contains("Port"),
            "{hint}"
        );
        let e = client(&Endpoint::resolve_with(Some("ftp://x"), None)).unwrap_err();
        assert!(
            matches!(&e, DockerError::BadHost { host, .. } if host == "ftp://x"),
            "{e:?}"
        );
        assert!(e.to_string().contains("ftp://x"), "{e}");
        assert!(e.hint().unwrap().contains("unix:///"), "{e:?}");
    }
}
