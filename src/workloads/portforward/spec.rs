//! What the operator asks to forward, parsed once: the target
//! (`pod/NAME`, `service/NAME`, `deployment/NAME`…) and the port specs
//! (`LOCAL:REMOTE`), with kubectl's spellings.

use super::error::ForwardError;
use std::fmt;

/// The kinds `port-forward` reaches a pod through, as kubectl does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    Pod,
    /// A ready pod behind the service's selector; remote ports are the
    /// service's ports, translated to the pod's target ports.
    Service,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
}

impl TargetKind {
    /// The singular kubectl name (`deployment`), also accepted plural and in
    /// kubectl's short forms (`svc`, `deploy`, `sts`, `ds`, `rs`, `po`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Pod => "pod",
            Self::Service => "service",
            Self::Deployment => "deployment",
            Self::StatefulSet => "statefulset",
            Self::DaemonSet => "daemonset",
            Self::ReplicaSet => "replicaset",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "pod" | "pods" | "po" => Self::Pod,
            "service" | "services" | "svc" => Self::Service,
            "deployment" | "deployments" | "deploy" => Self::Deployment,
            "statefulset" | "statefulsets" | "sts" => Self::StatefulSet,
            "daemonset" | "daemonsets" | "ds" => Self::DaemonSet,
            "replicaset" | "replicasets" | "rs" => Self::ReplicaSet,
            _ => return None,
        })
    }
}

/// `KIND/NAME`: what the forward goes through.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForwardTarget {
    pub kind: TargetKind,
    pub name: String,
}

impl ForwardTarget {
    pub fn new(kind: TargetKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }

    /// `pod/NAME`, `svc/NAME`, `deployment/NAME`…; a bare name is a pod, as
    /// kubectl takes it.
    pub fn parse(s: &str) -> Result<Self, ForwardError> {
        let bad = |why: &str| ForwardError::BadTarget {
            target: s.to_string(),
            reason: why.to_string(),
        };
        let (kind, name) = match s.split_once('/') {
            Some((kind, name)) => (
                TargetKind::parse(kind).ok_or_else(|| {
                    bad("the kind is one of pod, service, deployment, statefulset, daemonset, replicaset")
                })?,
                name,
            ),
            None => (TargetKind::Pod, s),
        };
        if name.is_empty() || name.contains('/') {
            return Err(bad("use KIND/NAME, e.g. svc/api or pod/api-7d9"));
        }
        Ok(Self::new(kind, name))
    }
}

impl fmt::Display for ForwardTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind.name(), self.name)
    }
}

/// The remote side of a spec, as written: a number or a port name
/// (a container port's name for pods, a service port's name for services).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RemotePort {
    Number(u16),
    Name(String),
}

impl fmt::Display for RemotePort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Name(n) => f.write_str(n),
        }
    }
}

/// Which local port to listen on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LocalPort {
    /// `8080`: the port as the operator named it on the target (the number
    /// written, or the number a port name resolves to; for a service, its
    /// service port), as kubectl does.
    Same,
    /// `:80` or `0:80`: any free port, picked when listening.
    Any,
    Fixed(u16),
}

/// One `LOCAL:REMOTE`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortSpec {
    pub local: LocalPort,
    pub remote: RemotePort,
}

impl PortSpec {
    /// `8080`, `8080:80`, `:80`, `0:80`, `8080:http`, `http`.
    pub fn parse(s: &str) -> Result<Self, ForwardError> {
        let bad = |why: &str| ForwardError::BadPort {
            spec: s.to_string(),
            reason: why.to_string(),
        };
        let (local, remote) = match s.split_once(':') {
            Some((l, r)) => (Some(l), r),
            None => (None, s),
        };
        let remote = if remote.is_empty() {
            return Err(bad("the remote port is missing (LOCAL:REMOTE)"));
        } else if remote.bytes().all(|b| b.is_ascii_digit()) {
            match remote.parse::<u16>() {
                Ok(0) | Err(_) => return Err(bad("the remote port is 1-65535")),
                Ok(n) => RemotePort::Number(n),
            }
        } else if is_port_name(remote) {
            RemotePort::Name(remote.to_string())
        } else {
            return Err(bad(
                "the remote port is a number or a port name (lower-case letters, digits, '-')",
            ));
        };
        let local = match local {
            None => LocalPort::Same,
            Some("") => LocalPort::Any,
            Some(l) => match l.parse::<u16>() {
                Ok(0) => LocalPort::Any,
                Ok(n) => LocalPort::Fixed(n),
                Err(_) => return Err(bad("the local port is a number 0-65535 (0: any free port)")),
            },
        };
        Ok(Self { local, remote })
    }

    /// Several specs separated by spaces or commas (the console's form).
    pub fn parse_list(s: &str) -> Result<Vec<Self>, ForwardError> {
        let specs: Vec<Self> = s
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .map(Self::parse)
            .collect::<Result<_, _>>()?;
        if specs.is_empty() {
            return Err(ForwardError::BadPort {
                spec: s.to_string(),
                reason: "name at least one LOCAL:REMOTE, e.g. 8080:80".into(),
            });
        }
        Ok(specs)
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.local {
            LocalPort::Same => write!(f, "{}", self.remote),
            LocalPort::Any => write!(f, ":{}", self.remote),
            LocalPort::Fixed(n) => write!(f, "{n}:{}", self.remote),
        }
    }
}

/// An IANA_SVC_NAME as Kubernetes validates port names: 1-15 lower-case
/// letters, digits and '-', at least one letter, no leading, trailing or
/// double '-'.
fn is_port_name(s: &str) -> bool {
    (1..=15).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_as_kubectl_writes_them() {
        let p = |s| PortSpec::parse(s).unwrap();
        assert_eq!(
            p("8080"),
            PortSpec {
                local: LocalPort::Same,
                remote: RemotePort::Number(8080)
            }
        );
        assert_eq!(p("5432:5432").local, LocalPort::Fixed(5432));
        assert_eq!(p(":80").local, LocalPort::Any);
        assert_eq!(p("0:80").local, LocalPort::Any);
        assert_eq!(p("8080:http").remote, RemotePort::Name("http".into()));
        assert_eq!(p("metrics").remote, RemotePort::Name("metrics".into()));
        assert_eq!(p("8080:http").to_string(), "8080:http");
        assert_eq!(p(":80").to_string(), ":80");
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (s, says) in [
            ("8080:", "remote port is missing"),
            ("x:80", "local port is a number"),
            ("70000:80", "local port is a number"),
            ("80:0", "remote port is 1-65535"),
            ("80:99999", "remote port is 1-65535"),
            ("80:Http", "number or a port name"),
            ("80:-web", "number or a port name"),
        ] {
            let e = PortSpec::parse(s).unwrap_err().to_string();
            assert!(e.contains(says) && e.contains(s), "{s}: {e}");
        }
        assert!(PortSpec::parse_list(" , ").is_err());
        assert_eq!(PortSpec::parse_list("8080:80, 9090").unwrap().len(), 2);
    }

    #[test]
    fn targets_take_kubectl_kinds_and_short_names() {
        let t = |s| ForwardTarget::parse(s).unwrap();
        assert_eq!(t("svc/api"), ForwardTarget::new(TargetKind::Service, "api"));
        assert_eq!(t("deploy/api").kind, TargetKind::Deployment);
        assert_eq!(t("sts/db").kind, TargetKind::StatefulSet);
        assert_eq!(t("api-7d9"), ForwardTarget::new(TargetKind::Pod, "api-7d9"));
        assert_eq!(t("service/api").to_string(), "service/api");
        assert!(ForwardTarget::parse("ingress/api").is_err());
        assert!(ForwardTarget::parse("pod/").is_err());
        assert!(ForwardTarget::parse("pod/a/b").is_err());
    }
}
