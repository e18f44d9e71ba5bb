//! Rollout undo, as kubectl does it: the revision history comes from the
//! deployment's ReplicaSets (`deployment.kubernetes.io/revision`), the target
//! template is the ReplicaSet's pod template without its `pod-template-hash`
//! label, and the preview shows the pod-template diff. Pure functions over
//! JSON so they are testable without a cluster.

use crate::action::PreviewLine;
use serde_json::{Map, Value};
use similar::{Algorithm, DiffTag};

pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub const HASH_LABEL: &str = "pod-template-hash";

/// One entry of a deployment's rollout history.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub revision: i64,
    pub replicaset: String,
    /// The pod template, cleaned (no `pod-template-hash`).
    pub template: Value,
}

impl Revision {
    /// `checkout=shop/checkout:2.14.3` per container.
    pub fn images(&self) -> Vec<String> {
        self.template["spec"]["containers"]
            .as_array()
            .map(|cs| {
                cs.iter()
                    .map(|c| {
                        format!(
                            "{}={}",
                            c["name"].as_str().unwrap_or("?"),
                            c["image"].as_str().unwrap_or("?")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A pod template as the deployment would hold it: without the label the
/// ReplicaSet controller adds.
pub fn clean_template(t: &Value) -> Value {
    let mut t = t.clone();
    if let Some(labels) = t
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        labels.remove(HASH_LABEL);
    }
    t
}

/// Why there is no revision to roll back to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoTarget {
    #[error("revision {0} is already the current one")]
    Current(i64),
    #[error("revision {asked} not found (history: {known:?})")]
    Unknown { asked: i64, known: Vec<i64> },
    #[error("no revision before {0} in the history: nothing to roll back to")]
    NothingBefore(i64),
}

/// The revision to roll back to: `to` if given, else the newest one older
/// than `current`.
pub fn pick_target(
    current: i64,
    history: &[Revision],
    to: Option<i64>,
) -> Result<&Revision, NoTarget> {
    match to {
        Some(r) if r == current => Err(NoTarget::Current(r)),
        Some(r) => history.iter().find(|h| h.revision == r).ok_or_else(|| {
            let mut known: Vec<i64> = history.iter().map(|h| h.revision).collect();
            known.sort();
            NoTarget::Unknown { asked: r, known }
        }),
        None => history
            .iter()
            .filter(|h| h.revision < current)
            .max_by_key(|h| h.revision)
            .ok_or(NoTarget::NothingBefore(current)),
    }
}

/// An RFC 7386 JSON merge patch turning `from` into `to` (removed keys become
/// `null`), so the result is exact on any API server — and on emulators that
/// treat every patch as a merge.
pub fn merge_patch(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = Map::new();
            for (k, v) in b {
                match a.get(k) {
                    Some(old) if old == v => {}
                    Some(old) => {
                        out.insert(k.clone(), merge_patch(old, v));
                    }
                    None => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            for k in a.keys() {
                if !b.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            Value::Object(out)
        }
        _ => to.clone(),
    }
}

/// The deployment patch for an undo: its template becomes the target's.
pub fn undo_patch(current_template: &Value, target: &Revision) -> Value {
    serde_json::json!({"spec": {"template": merge_patch(current_template, &target.template)}})
}

/// Unchanged lines shown before and after each change.
const CONTEXT: usize = 2;

/// A line diff of the two templates as YAML (Myers): removed lines, added
/// lines, up to two unchanged lines of context around each change, and `…`
/// where unchanged lines are left out.
pub fn template_diff(current: &Value, target: &Value) -> Vec<PreviewLine> {
    let a = to_yaml_lines(current);
    let b = to_yaml_lines(target);
    let ops = similar::capture_diff_slices(Algorithm::Myers, &a, &b);
    let gap = || PreviewLine::Text("…".into());
    let mut out = Vec::new();
    // Old lines before this one are shown or stand behind a `…`.
    let mut done = 0;
    for group in similar::group_diff_ops(ops, CONTEXT) {
        for op in group {
            let (tag, old, new) = op.as_tag_tuple();
            if old.start > done {
                out.push(gap());
            }
            done = old.end;
            let old_lines = a[old].iter().cloned();
            let new_lines = b[new].iter().cloned();
            match tag {
                DiffTag::Equal => out.extend(old_lines.map(PreviewLine::Text)),
                DiffTag::Delete => out.extend(old_lines.map(PreviewLine::Removed)),
                DiffTag::Insert => out.extend(new_lines.map(PreviewLine::Added)),
                DiffTag::Replace => {
                    out.extend(old_lines.map(PreviewLine::Removed));
                    out.extend(new_lines.map(PreviewLine::Added));
                }
            }
        }
    }
    if done < a.len() {
        out.push(gap());
    }
    out
}

fn to_yaml_lines(v: &Value) -> Vec<String> {
    serde_norway::to_string(v)
        .unwrap_or_else(|_| v.to_string())
        .lines()
        .map(|l| crate::text::sanitize(l).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tpl(image: &str, env: Option<&str>, hash: &str) -> Value {
        let mut c = json!({"name": "checkout", "image": image, "resources": {"limits": {"memory": "256Mi"}}});
        if let Some(e) = env {
            c["env"] = json!([{"name": "FEATURE_PRICING_V2", "value": e}]);
        }
        json!({"metadata": {"labels": {"app": "checkout", "pod-template-hash": hash},
                            "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-03-13T22:00:00Z"}},
               "spec": {"containers": [c]}})
    }

    fn history() -> Vec<Revision> {
        [
            (6, "2.13.9", None, "5b6c"),
            (7, "2.14.3", None, "7d9f"),
            (8, "2.15.0", Some("true"), "6f4d"),
        ]
        .into_iter()
        .map(|(r, img, env, h)| Revision {
            revision: r,
            replicaset: format!("checkout-{h}"),
            template: clean_template(&tpl(&format!("shop/checkout:{img}"), env, h)),
        })
        .collect()
    }

    #[test]
    fn the_previous_revision_is_the_newest_older_one_and_errors_explain() {
        let h = history();
        assert_eq!(pick_target(8, &h, None).unwrap().revision, 7);
        assert_eq!(pick_target(8, &h, Some(6)).unwrap().revision, 6);
        let unknown = pick_target(8, &h, Some(3)).unwrap_err();
        assert_eq!(
            unknown,
            NoTarget::Unknown {
                asked: 3,
                known: vec![6, 7, 8]
            }
        );
        assert!(unknown.to_string().contains("[6, 7, 8]"), "{unknown}");
        assert_eq!(
            pick_target(6, &h, None).unwrap_err(),
            NoTarget::NothingBefore(6)
        );
        assert!(
            pick_target(8, &h, Some(8))
                .unwrap_err()
                .to_string()
                .contains("already")
        );
    }

    #[test]
    fn the_target_template_loses_its_hash_label_and_the_patch_is_exact() {
        let h = history();
        let current = tpl("shop/checkout:2.15.0", Some("true"), "6f4d");
        let current = clean_template(&current);
        assert!(
            current
                .pointer("/metadata/labels/pod-template-hash")
                .is_none()
        );
        let target = pick_target(8, &h, None).unwrap();
        let patch = undo_patch(&current, target);
        // The env the bad revision added is removed: containers (a list) are replaced whole.
        let mut applied = json!({"spec": {"template": current.clone(), "replicas": 3}});
        json_merge(&mut applied, &patch);
        assert_eq!(applied["spec"]["template"], target.template);
        assert_eq!(applied["spec"]["replicas"], 3);
        assert_eq!(
            merge_patch(&json!({"a": 1, "b": {"c": 2}}), &json!({"b": {}})),
            json!({"a": null, "b": {"c": null}})
        );
    }

    /// RFC 7386 apply, as an API server does for application/merge-patch+json.
    fn json_merge(target: &mut Value, patch: &Value) {
        if let (Some(t), Some(p)) = (target.as_object_mut(), patch.as_object()) {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    json_merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        } else {
            *target = patch.clone();
        }
    }

    #[test]
    fn the_diff_shows_removed_and_added_template_lines() {
        let h = history();
        let diff = template_diff(&h[2].template, &h[1].template);
        assert!(
            diff.contains(&PreviewLine::Removed(
                "    image: shop/checkout:2.15.0".into()
            )),
            "{diff:#?}"
        );
        assert!(
            diff.contains(&PreviewLine::Added(
                "  - image: shop/checkout:2.14.3".into()
            )),
            "{diff:#?}"
        );
        assert!(
            diff.iter()
                .any(|l| matches!(l, PreviewLine::Removed(s) if s.contains("FEATURE_PRICING_V2")))
        );
        assert!(!diff.iter().any(|l| matches!(l, PreviewLine::Added(s) | PreviewLine::Removed(s) if s.contains("app: checkout"))));
        assert_eq!(h[1].images(), ["checkout=shop/checkout:2.14.3"]);
    }

    /// A pod template of 40 sidecar-heavy containers: over 2,000 lines of YAML.
    fn big_template() -> Value {
        let containers: Vec<Value> = (0..40)
            .map(|c| {
                let env: Vec<Value> = (0..20)
                    .map(|e| json!({"name": format!("SVC{c}_VAR_{e}"), "value": format!("value-{c}-{e}")}))
                    .collect();
                json!({
                    "name": format!("svc-{c}"),
                    "image": format!("shop/svc-{c}:1.0.{c}"),
                    "env": env,
                    "ports": [{"containerPort": 8000 + c, "name": "http"}],
                    "resources": {"limits": {"cpu": "500m", "memory": "256Mi"},
                                  "requests": {"cpu": "100m", "memory": "128Mi"}},
                    "volumeMounts": [{"mountPath": format!("/etc/svc-{c}"), "name": format!("config-{c}")}],
                })
            })
            .collect();
        json!({"metadata": {"labels": {"app": "shop"}}, "spec": {"containers": containers}})
    }

    #[test]
    fn a_large_template_with_a_few_changes_gives_a_small_exact_diff() {
        let current = big_template();
        let mut target = current.clone();
        let cs = &mut target["spec"]["containers"];
        cs[3]["image"] = json!("shop/svc-3:1.0.3-hotfix");
        cs[17]["env"][5]["value"] = json!("value-17-5-new");
        cs[25]["env"].as_array_mut().unwrap().remove(10);
        cs[38]["resources"]["limits"]["memory"] = json!("512Mi");
        let (a, b) = (to_yaml_lines(&current), to_yaml_lines(&target));
        assert!(a.len() > 2000, "{} lines", a.len());

        let diff = template_diff(&current, &target);
        let changes: Vec<String> = diff
            .iter()
            .filter_map(|l| match l {
                PreviewLine::Removed(s) => Some(format!("-{s}")),
                PreviewLine::Added(s) => Some(format!("+{s}")),
                _ => None,
            })
            .collect();
        assert_eq!(
            changes,
            [
                "-    image: shop/svc-3:1.0.3",
                "+    image: shop/svc-3:1.0.3-hotfix",
                "-      value: value-17-5",
                "+      value: value-17-5-new",
                "-    - name: SVC25_VAR_10",
                "-      value: value-25-10",
                "-        memory: 256Mi",
                "+        memory: 512Mi",
            ],
            "{diff:#?}"
        );
        // Four changes, each with two lines of context either side, and a
        // `…` before, between and after them: nothing else of the 2,000 lines.
        let gaps = diff
            .iter()
            .filter(|l| **l == PreviewLine::Text("…".into()))
            .count();
        assert_eq!(gaps, 5, "{diff:#?}");
        assert_eq!(
            diff.len(),
            changes.len() + gaps + 4 * 2 * CONTEXT,
            "{diff:#?}"
        );
        // What is shown is in order: context and removed lines from the
        // current template, context and added lines from the target.
        let from = |keep: fn(&PreviewLine) -> Option<&String>| -> Vec<String> {
            diff.iter()
                .filter_map(keep)
                .filter(|s| *s != "…")
                .cloned()
                .collect()
        };
        let old = from(|l| match l {
            PreviewLine::Text(s) | PreviewLine::Removed(s) => Some(s),
            _ => None,
        });
        let new = from(|l| match l {
            PreviewLine::Text(s) | PreviewLine::Added(s) => Some(s),
            _ => None,
        });
        assert!(
            is_subsequence(&old, &a) && is_subsequence(&new, &b),
            "{diff:#?}"
        );
    }

    fn is_subsequence(part: &[String], whole: &[String]) -> bool {
        let mut rest = whole.iter();
        part.iter().all(|p| rest.any(|w| w == p))
    }

    #[test]
    fn identical_templates_show_one_ellipsis_and_a_new_template_every_line() {
        let t = big_template();
        assert_eq!(template_diff(&t, &t), [PreviewLine::Text("…".into())]);
        let t = &history()[0].template;
        let all_new = template_diff(&json!({}), t);
        let mut expected = vec![PreviewLine::Removed("{}".into())];
        expected.extend(to_yaml_lines(t).into_iter().map(PreviewLine::Added));
        assert_eq!(all_new, expected);
    }
}
