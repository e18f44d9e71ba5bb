//! From a target and port specs to one pod and port numbers, with
//! kubectl's rules (`kubectl port-forward`'s `AttachablePodForObject`,
//! `translateServicePortToTargetPort`, `convertPodNamedPortToNumber`):
//!
//! - a service forwards to a ready pod its selector matches, and its ports
//!   are service ports (by number or name), translated to the pod's target
//!   port (a number, a container port name, or the service port itself when
//!   `targetPort` is omitted);
//! - a controller forwards to its most active running pod (assigned, running,
//!   ready longest, fewest restarts, oldest — kubectl's `ActivePods` order);
//! - a pod's port may be a container port name.
//!
//! The choice is pure (unit-tested on realistic objects); [`resolve`] reads
//! what it needs with one GET and one LIST, nothing kept.

use super::error::ForwardError;
use super::spec::{ForwardTarget, LocalPort, PortSpec, RemotePort, TargetKind};
use crate::workloads::error::KubeError;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::{Pod, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{Api, ListParams};
use kube::core::{Selector, SelectorExt};
use std::cmp::Reverse;

/// One port resolved: listen on `local` (0: any free port), forward to the
/// pod's `remote`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortPair {
    pub local: u16,
    pub remote: u16,
}

/// Where a forward goes now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub pod: String,
    pub ports: Vec<PortPair>,
}

/// The pod's phase, `Unknown` when it has none.
fn phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Unknown")
}

fn ready_since(pod: &Pod) -> Option<jiff::Timestamp> {
    let ready = pod
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready" && c.status == "True")?;
    Some(
        ready
            .last_transition_time
            .as_ref()
            .map_or(jiff::Timestamp::MIN, |t| t.0),
    )
}

fn restarts(pod: &Pod) -> i32 {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map_or(0, |cs| cs.iter().map(|c| c.restart_count).sum())
}

/// kubectl's `ActivePods` order, most active first: assigned to a node,
/// Running over Unknown over Pending, ready, ready for longer, fewer
/// restarts, older.
fn activity(pod: &Pod) -> impl Ord {
    let assigned = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .is_some_and(|n| !n.is_empty());
    let phase_rank = match phase(pod) {
        "Running" => 2,
        "Unknown" => 1,
        _ => 0,
    };
    let since = ready_since(pod);
    let created = pod
        .metadata
        .creation_timestamp
        .as_ref()
        .map_or(jiff::Timestamp::MAX, |t| t.0);
    (
        Reverse(assigned),
        Reverse(phase_rank),
        Reverse(since.is_some()),
        since.unwrap_or(jiff::Timestamp::MAX),
        restarts(pod),
        created,
    )
}

/// The pod to forward to among those a service or controller selects: a
/// ready one for a service (only those receive its traffic), a running
/// one for a controller, the most active first.
pub fn choose_pod<'a>(
    target: &ForwardTarget,
    namespace: &str,
    pods: &'a [Pod],
) -> Result<&'a Pod, ForwardError> {
    let live: Vec<&Pod> = pods
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .collect();
    let want_ready = target.kind == TargetKind::Service;
    let best = live
        .iter()
        .copied()
        .filter(|p| phase(p) == "Running" && (!want_ready || ready_since(p).is_some()))
        .min_by_key(|p| activity(p));
    best.ok_or_else(|| ForwardError::NoPod {
        target: target.to_string(),
        namespace: namespace.to_string(),
        wanted: if want_ready { "ready" } else { "running" },
        seen: match live.len() {
            0 => "its selector matches no pods".into(),
            n if want_ready => format!("{n} pod(s), none ready"),
            n => format!("{n} pod(s), none running"),
        },
    })
}

/// The number of the container port named `name` (any container).
fn named_container_port(pod: &Pod, name: &str) -> Option<u16> {
    pod.spec
        .iter()
        .flat_map(|s| &s.containers)
        .flat_map(|c| c.ports.iter().flatten())
        .find(|p| p.name.as_deref() == Some(name))
        .and_then(|p| u16::try_from(p.container_port).ok())
}

fn pod_port_names(pod: &Pod) -> Vec<String> {
    pod.spec
        .iter()
        .flat_map(|s| &s.containers)
        .flat_map(|c| c.ports.iter().flatten())
        .map(|p| match &p.name {
            Some(n) => format!("{}/{n}", p.container_port),
            None => p.container_port.to_string(),
        })
        .collect()
}

/// A pod's port, by number or container port name.
fn pod_port(pod: &Pod, remote: &RemotePort) -> Result<u16, ForwardError> {
    match remote {
        RemotePort::Number(n) => Ok(*n),
        RemotePort::Name(name) => {
            named_container_port(pod, name).ok_or_else(|| ForwardError::NoSuchPort {
                target: format!("pod/{}", pod.metadata.name.as_deref().unwrap_or_default()),
                what: "container port named",
                port: format!("{name:?}"),
                known: pod_port_names(pod),
            })
        }
    }
}

/// The local port: the fixed one, 0 for any, or `same` (the port as the
/// operator named it on the target).
fn local_port(local: LocalPort, same: u16) -> u16 {
    match local {
        LocalPort::Same => same,
        LocalPort::Any => 0,
        LocalPort::Fixed(n) => n,
    }
}

/// Pod ports, as `convertPodNamedPortToNumber` does.
pub fn pod_ports(pod: &Pod, specs: &[PortSpec]) -> Result<Vec<PortPair>, ForwardError> {
    specs
        .iter()
        .map(|s| {
            let remote = pod_port(pod, &s.remote)?;
            Ok(PortPair {
                local: local_port(s.local, remote),
                remote,
            })
        })
        .collect()
}

/// Service ports translated to the chosen pod's ports, as
/// `translateServicePortToTargetPort` does.
pub fn service_ports(
    svc: &Service,
    pod: &Pod,
    specs: &[PortSpec],
) -> Result<Vec<PortPair>, ForwardError> {
    let name = svc.metadata.name.as_deref().unwrap_or_default();
    let ports = svc
        .spec
        .as_ref()
        .and_then(|s| s.ports.as_deref())
        .unwrap_or_default();
    let known: Vec<String> = ports
        .iter()
        .map(|p| match &p.name {
            Some(n) => format!("{}/{n}", p.port),
            None => p.port.to_string(),
        })
        .collect();
    let missing = |what, port: String| ForwardError::NoSuchPort {
        target: format!("service/{name}"),
        what,
        port,
        known: known.clone(),
    };
    specs
        .iter()
        .map(|s| {
            let svc_port = match &s.remote {
                RemotePort::Number(n) => ports.iter().find(|p| p.port == i32::from(*n)),
                RemotePort::Name(n) => ports.iter().find(|p| p.name.as_deref() == Some(n)),
            }
            .ok_or_else(|| match &s.remote {
                RemotePort::Number(n) => missing("service port", n.to_string()),
                RemotePort::Name(n) => missing("port named", format!("{n:?}")),
            })?;
            let number = u16::try_from(svc_port.port).unwrap_or_default();
            let remote = match &svc_port.target_port {
                None | Some(IntOrString::Int(0)) => number,
                Some(IntOrString::Int(n)) => u16::try_from(*n).unwrap_or_default(),
                Some(IntOrString::String(target)) => {
                    pod_port(pod, &RemotePort::Name(target.clone()))?
                }
            };
            Ok(PortPair {
                local: local_port(s.local, number),
                remote,
            })
        })
        .collect()
}

fn call(what: String) -> impl FnOnce(kube::Error) -> ForwardError {
    move |e| ForwardError::Call {
        what,
        source: KubeError::from(&e),
    }
}

/// GET one object; a 404 is [`ForwardError::NotFound`].
async fn get<K>(api: Api<K>, target: &ForwardTarget, ns: &str) -> Result<K, ForwardError>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    match api.get(&target.name).await {
        Ok(o) => Ok(o),
        Err(e) => match KubeError::from(&e) {
            KubeError::Api { code: 404, .. } => Err(ForwardError::NotFound {
                target: target.to_string(),
                namespace: ns.to_string(),
            }),
            source => Err(ForwardError::Call {
                what: format!("reading {target}"),
                source,
            }),
        },
    }
}

/// The pods a selector picks (filtered here too: a selector the server
/// ignores must not widen the choice).
async fn selected(
    client: &kube::Client,
    ns: &str,
    target: &ForwardTarget,
    selector: Selector,
) -> Result<Vec<Pod>, ForwardError> {
    if selector.selects_all() {
        return Err(ForwardError::NoPod {
            target: target.to_string(),
            namespace: ns.to_string(),
            wanted: if target.kind == TargetKind::Service {
                "ready"
            } else {
                "running"
            },
            seen: "it has no selector".into(),
        });
    }
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let list = pods
        .list(&ListParams::default().labels_from(&selector))
        .await
        .map_err(call(format!("listing the pods of {target}")))?;
    Ok(list
        .items
        .into_iter()
        .filter(|p| selector.matches(p.metadata.labels.as_ref().unwrap_or(&Default::default())))
        .collect())
}

fn label_selector(
    target: &ForwardTarget,
    sel: Option<LabelSelector>,
) -> Result<Selector, ForwardError> {
    Selector::try_from(sel.unwrap_or_default()).map_err(|e| ForwardError::BadTarget {
        target: target.to_string(),
        reason: format!("its selector cannot be used: {e}"),
    })
}

/// Find the pod and port numbers for `target` in `ns` now.
pub async fn resolve(
    client: &kube::Client,
    ns: &str,
    target: &ForwardTarget,
    specs: &[PortSpec],
) -> Result<Resolved, ForwardError> {
    let c = client.clone();
    let (pod, ports) = match target.kind {
        TargetKind::Pod => {
            let pod = get(Api::<Pod>::namespaced(c, ns), target, ns).await?;
            if phase(&pod) != "Running" {
                return Err(ForwardError::NotRunning {
                    pod: format!("{ns}/{}", target.name),
                    phase: phase(&pod).to_string(),
                });
            }
            let ports = pod_ports(&pod, specs)?;
            (pod, ports)
        }
        TargetKind::Service => {
            let svc = get(Api::<Service>::namespaced(c, ns), target, ns).await?;
            let selector: Selector = svc
                .spec
                .as_ref()
                .and_then(|s| s.selector.clone())
                .unwrap_or_default()
                .into_iter()
                .collect();
            let pods = selected(client, ns, target, selector).await?;
            let pod = choose_pod(target, ns, &pods)?.clone();
            let ports = service_ports(&svc, &pod, specs)?;
            (pod, ports)
        }
        kind => {
            let selector = match kind {
                TargetKind::Deployment => {
                    get(Api::<Deployment>::namespaced(c, ns), target, ns)
                        .await?
                        .spec
                        .selector
                }
                TargetKind::StatefulSet => {
                    get(Api::<StatefulSet>::namespaced(c, ns), target, ns)
                        .await?
                        .spec
                        .selector
                }
                TargetKind::DaemonSet => {
                    get(Api::<DaemonSet>::namespaced(c, ns), target, ns)
                        .await?
                        .spec
                        .selector
                }
                _ => {
                    get(Api::<ReplicaSet>::namespaced(c, ns), target, ns)
                        .await?
                        .spec
                        .selector
                }
            };
            let pods =
                selected(client, ns, target, label_selector(target, Some(selector))?).await?;
            let pod = choose_pod(target, ns, &pods)?.clone();
            let ports = pod_ports(&pod, specs)?;
            (pod, ports)
        }
    };
    Ok(Resolved {
        pod: pod.metadata.name.unwrap_or_default(),
        ports,
    })
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
