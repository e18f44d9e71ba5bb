//! The Kubernetes changes an incident timeline records, read off each watch
//! event against what the store held before it: a container restarted (a
//! crash, with its last termination), a rollout started (a new revision or
//! template images), completed (every replica updated and available) or got
//! stuck (Progressing=False, e.g. ProgressDeadlineExceeded). Re-lists are
//! not changes anyone saw happen and are never reported.

use super::Update;
use super::model::{Kind, Object, PodSummary, WorkloadSummary};
use super::store::Store;
use crate::observed::{Change, Observed, Place};
use jiff::Timestamp;

/// What `u` changes compared with `store` (read before it is applied).
pub fn changes(store: &Store, u: &Update, context: Option<&str>, now: Timestamp) -> Vec<Observed> {
    let Update::Apply(o) = u else {
        return Vec::new();
    };
    let place = |ns: &str, object: String| {
        Place::in_namespace(ns, object).with_context(context.map(str::to_string))
    };
    match o {
        Object::Pod(p) => match store.pods.get(&p.key) {
            Some(old) => crashes(old, p)
                .into_iter()
                .map(|detail| {
                    let object = format!("pod/{}", p.key.name);
                    Observed::new(
                        now,
                        Change::PodCrashed,
                        place(&p.key.namespace, object),
                        detail,
                    )
                })
                .collect(),
            None => Vec::new(),
        },
        Object::Workload(w) => {
            let Some(old) = store.workloads.get(&(w.kind(), w.key.clone())) else {
                return Vec::new();
            };
            rollout(old, w)
                .map(|(change, detail)| {
                    let object = format!("{}/{}", w.kind().arg(), w.key.name);
                    Observed::new(now, change, place(&w.key.namespace, object), detail)
                })
                .into_iter()
                .collect()
        }
        Object::Event(_) | Object::Node(_) => Vec::new(),
    }
}

/// One line per container whose restart count went up: which, how often
/// now, and how it last ended.
fn crashes(old: &PodSummary, new: &PodSummary) -> Vec<String> {
    new.containers
        .iter()
        .chain(&new.init_containers)
        .filter_map(|c| {
            let before = old
                .containers
                .iter()
                .chain(&old.init_containers)
                .find(|o| o.name == c.name)?;
            if c.restarts <= before.restarts {
                return None;
            }
            let how = match &c.last {
                Some(t) => format!(
                    "{} (exit {})",
                    t.reason.as_deref().unwrap_or("terminated"),
                    t.exit_code
                ),
                None => "terminated".into(),
            };
            Some(format!(
                "container {} restarted ({} restarts): {how}",
                c.name, c.restarts
            ))
        })
        .collect()
}

/// Rolling: not every replica runs the current template and is available.
fn rolling(w: &WorkloadSummary) -> bool {
    w.updated < w.desired || w.available < w.desired || w.unavailable > 0
}

fn stuck(w: &WorkloadSummary) -> Option<String> {
    let c = w.condition("Progressing")?;
    (c.status == "False").then(|| {
        let reason = c.reason.as_deref().unwrap_or("Progressing=False");
        match &c.message {
            Some(m) => format!("{reason}: {m}"),
            None => reason.to_string(),
        }
    })
}

fn rollout(old: &WorkloadSummary, new: &WorkloadSummary) -> Option<(Change, String)> {
    if !matches!(
        new.kind(),
        Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet
    ) {
        return None;
    }
    if let Some(why) = stuck(new)
        && stuck(old).is_none()
    {
        return Some((Change::RolloutStuck, why));
    }
    let new_revision = match (old.revision, new.revision) {
        (Some(a), Some(b)) => b > a,
        _ => false,
    };
    if new_revision || old.images != new.images {
        let to = match new.revision {
            Some(r) => format!("revision {r}: {}", new.images.join(", ")),
            None => new.images.join(", "),
        };
        return Some((Change::RolloutStarted, to));
    }
    if rolling(old) && !rolling(new) && stuck(new).is_none() {
        return Some((
            Change::RolloutCompleted,
            format!("{}/{} updated and available", new.available, new.desired),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::model::{Condition, ContainerSummary, Key, State, Terminated};

    fn now() -> Timestamp {
        "2026-12-03T03:00:00Z".parse().unwrap()
    }

    fn pod(restarts: i32) -> PodSummary {
        PodSummary {
            key: Key::new("shop", "api-7d9-x2"),
            labels: Default::default(),
            owner: None,
            created: None,
            deletion: None,
            grace_seconds: None,
            phase: "Running".into(),
            reason: None,
            message: None,
            node: None,
            conditions: Vec::new(),
            init_containers: Vec::new(),
            ephemeral_containers: Vec::new(),
            default_container: None,
            requests: Default::default(),
            containers: vec![ContainerSummary {
                name: "api".into(),
                image: "shop/api:1.4.2".into(),
                ready: false,
                restarts,
                state: State::Waiting {
                    reason: Some("CrashLoopBackOff".into()),
                    message: None,
                },
                last: Some(Terminated {
                    reason: Some("OOMKilled".into()),
                    exit_code: 137,
                    signal: None,
                    message: None,
                    finished: None,
                }),
                probes: Vec::new(),
                memory_limit: None,
                ports: Vec::new(),
            }],
        }
    }

    fn deployment(revision: i64, updated: i32, available: i32) -> WorkloadSummary {
        WorkloadSummary {
            kind: Some(Kind::Deployment),
            key: Key::new("shop", "api"),
            desired: 3,
            updated,
            available,
            ready: available,
            revision: Some(revision),
            images: vec![format!("api=shop/api:1.4.{revision}")],
            ..Default::default()
        }
    }

    fn store_with(o: Object) -> Store {
        let mut s = Store::default();
        s.apply(Update::Apply(o));
        s
    }

    #[test]
    fn a_restart_is_a_crash_with_its_last_termination_and_a_relist_is_nothing() {
        let s = store_with(Object::Pod(Box::new(pod(3))));
        let seen = changes(
            &s,
            &Update::Apply(Object::Pod(Box::new(pod(4)))),
            Some("prod-eu"),
            now(),
        );
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].change, Change::PodCrashed);
        assert_eq!(seen[0].place.to_string(), "prod-eu:shop/pod/api-7d9-x2");
        assert_eq!(
            seen[0].detail,
            "container api restarted (4 restarts): OOMKilled (exit 137)"
        );
        assert!(
            changes(
                &s,
                &Update::Apply(Object::Pod(Box::new(pod(3)))),
                None,
                now()
            )
            .is_empty()
        );
        let relist = Update::Reset {
            kind: Kind::Pod,
            namespace: None,
            objects: vec![Object::Pod(Box::new(pod(9)))],
        };
        assert!(
            changes(&s, &relist, None, now()).is_empty(),
            "a re-list is not a change"
        );
        let new = Store::default();
        assert!(
            changes(
                &new,
                &Update::Apply(Object::Pod(Box::new(pod(9)))),
                None,
                now()
            )
            .is_empty()
        );
    }

    #[test]
    fn a_rollout_starts_completes_or_gets_stuck_once() {
        let wl = |w: WorkloadSummary| Update::Apply(Object::Workload(Box::new(w)));
        let s = store_with(Object::Workload(Box::new(deployment(4, 3, 3))));
        let seen = changes(&s, &wl(deployment(5, 1, 3)), None, now());
        assert_eq!(seen[0].change, Change::RolloutStarted);
        assert_eq!(seen[0].detail, "revision 5: api=shop/api:1.4.5");
        assert_eq!(seen[0].place.to_string(), "shop/deployment/api");
        let s = store_with(Object::Workload(Box::new(deployment(5, 2, 2))));
        assert!(changes(&s, &wl(deployment(5, 2, 2)), None, now()).is_empty());
        let seen = changes(&s, &wl(deployment(5, 3, 3)), None, now());
        assert_eq!(seen[0].change, Change::RolloutCompleted);
        let mut stalled = deployment(5, 2, 2);
        stalled.conditions = vec![Condition {
            type_: "Progressing".into(),
            status: "False".into(),
            reason: Some("ProgressDeadlineExceeded".into()),
            message: Some("ReplicaSet \"api-7d9\" has timed out progressing.".into()),
            since: None,
        }];
        let seen = changes(&s, &wl(stalled.clone()), None, now());
        assert_eq!(seen[0].change, Change::RolloutStuck);
        assert!(seen[0].detail.starts_with("ProgressDeadlineExceeded: "));
        let s = store_with(Object::Workload(Box::new(stalled.clone())));
        assert!(
            changes(&s, &wl(stalled), None, now()).is_empty(),
            "stuck is said once"
        );
    }
}
