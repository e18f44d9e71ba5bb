//! Pods of the simulated estate, as the kubelet would report them for each
//! behaviour, and the events it would record.

use super::estate::{Behaviour, Set};
use crate::workloads::model::*;
use jiff::Timestamp;
use std::collections::BTreeMap;

fn container(set: &Set) -> ContainerSummary {
    let t = &set.template;
    ContainerSummary {
        name: set.app.clone(),
        image: t.image.clone(),
        ready: true,
        restarts: 0,
        state: State::Running { started: None },
        last: None,
        probes: t
            .readiness
            .iter()
            .map(|r| format!("readiness http-get :8080{r} every 10s, 3 failures"))
            .collect(),
        memory_limit: Some(t.memory.clone()),
        ports: vec![8080],
    }
}

pub fn make_pod(key: &Key, set: &Set, node: &str, now: Timestamp) -> PodSummary {
    let mut c = container(set);
    c.state = State::Running { started: Some(now) };
    let mut p = PodSummary {
        key: key.clone(),
        labels: BTreeMap::from([("app".to_string(), set.app.clone())]),
        owner: Some(Owner {
            kind: set.kind.label().into(),
            name: set.key.name.clone(),
        }),
        created: Some(now),
        deletion: None,
        grace_seconds: Some(30),
        phase: "Running".into(),
        reason: None,
        message: None,
        node: Some(node.into()),
        default_container: None,
        conditions: vec![Condition {
            type_: "Ready".into(),
            status: "True".into(),
            since: Some(now),
            ..Default::default()
        }],
        init_containers: Vec::new(),
        ephemeral_containers: Vec::new(),
        containers: Vec::new(),
        // Half the memory limit and a quarter core, as the charts set them.
        requests: crate::workloads::quantity::Resources {
            cpu_milli: 250,
            memory: crate::workloads::quantity::value(&set.template.memory)
                .map_or(0, |m| (m / 2.0) as u64),
        },
    };
    let not_ready = |p: &mut PodSummary| {
        p.conditions[0].status = "False".into();
    };
    match set.template.behaviour {
        Behaviour::Healthy => {}
        Behaviour::OomCrash => {
            c.ready = false;
            c.restarts = 1;
            c.state = State::Waiting {
                reason: Some("CrashLoopBackOff".into()),
                message: Some(format!(
                    "back-off 10s restarting failed container={}",
                    set.app
                )),
            };
            c.last = Some(Terminated {
                reason: Some("OOMKilled".into()),
                exit_code: 137,
                signal: None,
                message: None,
                finished: Some(now),
            });
            not_ready(&mut p);
        }
        Behaviour::ImagePull => {
            c.ready = false;
            c.state = State::Waiting {
                reason: Some("ImagePullBackOff".into()),
                message: Some(format!("Back-off pulling image \"{}\"", c.image)),
            };
            p.phase = "Pending".into();
            not_ready(&mut p);
        }
        Behaviour::NotReady => {
            c.ready = false;
            not_ready(&mut p);
        }
        Behaviour::Unschedulable => {
            c.ready = false;
            c.state = State::Unknown;
            p.phase = "Pending".into();
            p.node = None;
            p.conditions = vec![Condition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                reason: Some("Unschedulable".into()),
                message: Some("0/4 nodes are available: 4 Insufficient memory. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.".into()),
                since: Some(now),
            }];
        }
        Behaviour::Completed => {
            c.ready = false;
            c.state = State::Terminated(Terminated {
                reason: Some("Completed".into()),
                exit_code: 0,
                signal: None,
                message: None,
                finished: Some(now),
            });
            p.phase = "Succeeded".into();
            not_ready(&mut p);
        }
    }
    p.containers.push(c);
    p
}

pub(super) fn pod_events(p: &PodSummary) -> Vec<(&'static str, &'static str, String)> {
    let c = &p.containers[0];
    match &c.state {
        State::Waiting {
            reason: Some(r), ..
        } if r == "CrashLoopBackOff" => vec![
            (
                "BackOff",
                "Warning",
                format!(
                    "Back-off restarting failed container {} in pod {}",
                    c.name, p.key.name
                ),
            ),
            (
                "Pulled",
                "Normal",
                format!("Container image \"{}\" already present on machine", c.image),
            ),
        ],
        State::Waiting {
            reason: Some(r), ..
        } if r == "ImagePullBackOff" => vec![
            (
                "Failed",
                "Warning",
                format!(
                    "Failed to pull image \"{}\": rpc error: code = NotFound desc = failed to pull and unpack image: not found",
                    c.image
                ),
            ),
            (
                "BackOff",
                "Normal",
                format!("Back-off pulling image \"{}\"", c.image),
            ),
        ],
        _ if p.phase == "Pending" => vec![(
            "FailedScheduling",
            "Warning",
            p.condition("PodScheduled")
                .and_then(|c| c.message.clone())
                .unwrap_or_default(),
        )],
        State::Running { .. } if !c.ready => vec![(
            "Unhealthy",
            "Warning",
            "Readiness probe failed: HTTP probe failed with statuscode: 503".to_string(),
        )],
        _ => Vec::new(),
    }
}
