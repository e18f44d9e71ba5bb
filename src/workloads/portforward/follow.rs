//! Watching the one pod a forward goes to, so that its going is known when
//! it happens rather than when the next connection fails to reach it.

use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event, watcher};

/// Wait until pod `ns/name` is gone: deleted, terminating, finished, or
/// replaced by a new pod of the same name (a StatefulSet's). Returns what
/// happened, for the operator (`it was deleted`).
pub async fn until_gone(client: kube::Client, ns: &str, name: &str) -> String {
    let api: Api<Pod> = Api::namespaced(client, ns);
    // The API server sends only this pod; the name is checked again below
    // for a server that ignores the selector.
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let mut stream = std::pin::pin!(watcher(api, config).default_backoff());
    let mut uid = None;
    let mut listed = false;
    while let Some(event) = stream.next().await {
        let event = match event {
            Ok(e) => e,
            // The watcher backs off and tries again; the forward goes on.
            Err(e) => {
                tracing::debug!("port-forward: watching pod {ns}/{name}: {e}");
                continue;
            }
        };
        match event {
            Event::Init => listed = false,
            Event::InitApply(p) | Event::Apply(p) if p.name_any() == name => {
                listed = true;
                if let Some(why) = gone(&mut uid, &p) {
                    return why;
                }
            }
            Event::InitDone if !listed => return "it no longer exists".into(),
            Event::Delete(p) if p.name_any() == name => return "it was deleted".into(),
            _ => {}
        }
    }
    // A watcher with backoff never ends; should it, the pod is not watched.
    std::future::pending().await
}

/// Why `pod` no longer takes the forward's connections, if it does not;
/// `uid` remembers the first one seen.
fn gone(uid: &mut Option<String>, pod: &Pod) -> Option<String> {
    if pod.metadata.deletion_timestamp.is_some() {
        return Some("it is terminating".into());
    }
    let phase = pod.status.as_ref().and_then(|s| s.phase.as_deref());
    if let Some(phase @ ("Succeeded" | "Failed")) = phase {
        return Some(format!("it has ended (phase {phase})"));
    }
    match (&*uid, &pod.metadata.uid) {
        (Some(first), Some(now)) if first != now => {
            Some("it was replaced by a new pod of the same name".into())
        }
        (None, now) => {
            uid.clone_from(now);
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(uid: &str, phase: &str, deleting: bool) -> Pod {
        let mut v = serde_json::json!({
            "metadata": {"name": "api-1", "namespace": "shop", "uid": uid},
            "status": {"phase": phase},
        });
        if deleting {
            v["metadata"]["deletionTimestamp"] = "2026-12-03T06:00:00Z".into();
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_pod_is_gone_when_terminating_finished_or_replaced() {
        let mut uid = None;
        assert_eq!(gone(&mut uid, &pod("u1", "Running", false)), None);
        assert_eq!(gone(&mut uid, &pod("u1", "Running", false)), None);
        assert_eq!(
            gone(&mut uid, &pod("u1", "Running", true)).as_deref(),
            Some("it is terminating")
        );
        assert_eq!(
            gone(&mut uid, &pod("u1", "Failed", false)).as_deref(),
            Some("it has ended (phase Failed)")
        );
        assert_eq!(
            gone(&mut uid, &pod("u2", "Running", false)).as_deref(),
            Some("it was replaced by a new pod of the same name")
        );
    }
}
