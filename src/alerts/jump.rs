//! From an alert to where the fix is: its runbook, its workload or container,
//! and its logs (a LogQL selector built from its labels).

use super::matcher::quote;
use super::model::Labels;
use crate::pane::{Jump, Outcome};
use crate::target::AlertContext;
use std::path::{Path, PathBuf};

/// Labels that identify a log stream, in selector order.
const LOG_LABELS: &[&str] = &["namespace", "pod", "container", "job", "app", "service"];

fn expand_home(p: &Path) -> PathBuf {
    if let Ok(rest) = p.strip_prefix("~")
        && let Some(dirs) = directories::BaseDirs::new()
    {
        return dirs.home_dir().join(rest);
    }
    p.to_path_buf()
}

/// A runbook named by a local path, found directly or under a runbook dir
/// (`docs/runbooks/x.md` also matches `x.md` inside a configured directory).
fn local_runbook(rel: &Path, dirs: &[PathBuf]) -> Option<PathBuf> {
    if rel.is_absolute() {
        return rel.exists().then(|| rel.to_path_buf());
    }
    for dir in dirs.iter().map(|d| expand_home(d)) {
        // Try the path as given, then with leading directories stripped.
        let comps: Vec<_> = rel.components().collect();
        for skip in 0..comps.len() {
            let tail: PathBuf = comps[skip..].iter().collect();
            let candidate = dir.join(&tail);
            if candidate.is_file() {
                return Some(candidate);
            }
            if dir.is_file() && dir.ends_with(&tail) {
                return Some(dir.clone());
            }
        }
    }
    None
}

/// `runbook_url` → the runbook pane when it names a local file (or a file under
/// `[runbooks] paths`); otherwise copy the URL (OSC 52) and show it.
/// Stats a few paths: runs on a key press, never while rendering. `alert`
/// travels with the jump: the runbook pane prefills params from its labels.
pub fn open_runbook<F, C>(
    url: &str,
    dirs: &[PathBuf],
    alert: Option<&AlertContext>,
) -> Outcome<F, C> {
    let url = url.trim();
    let open = |path: PathBuf| {
        Outcome::Jump(Jump::Runbook {
            path,
            alert: alert.cloned().map(Box::new),
        })
    };
    let shown = crate::text::sanitize(url).into_owned();
    let parsed = url::Url::parse(url).ok();
    match parsed.as_ref().map(|u| u.scheme()) {
        Some("file") => {
            if let Ok(p) = parsed.as_ref().map(|u| u.to_file_path()).unwrap_or(Err(())) {
                return open(p);
            }
        }
        Some("http" | "https") => {
            // A web copy of a runbook that is also checked out locally opens locally.
            let path = parsed
                .as_ref()
                .map(|u| u.path().to_string())
                .unwrap_or_default();
            let rel = Path::new(path.trim_start_matches('/'));
            if !dirs.is_empty()
                && rel.extension().is_some()
                && let Some(p) = local_runbook(rel, dirs)
            {
                return open(p);
            }
        }
        Some(_) => {}
        None => {
            let rel = Path::new(url);
            let path = local_runbook(rel, dirs).unwrap_or_else(|| expand_home(rel));
            return open(path);
        }
    }
    Outcome::Many(vec![
        Outcome::Copy(url.to_string()),
        Outcome::Notify(format!("runbook {shown} (copied to the clipboard)")),
    ])
}

/// `namespace` + `pod`/`deployment`/… → the workload; `container` (no
/// namespace: a Docker host) → the container.
pub fn target(labels: &Labels) -> Option<Jump> {
    let get = |k: &str| labels.get(k).filter(|v| !v.is_empty()).cloned();
    if let Some(ns) = get("namespace") {
        let name = [
            "pod",
            "deployment",
            "statefulset",
            "daemonset",
            "job_name",
            "job",
        ]
        .iter()
        .find_map(|k| get(k))?;
        return Some(Jump::Workload {
            namespace: Some(ns),
            name,
        });
    }
    if let Some(c) = get("container")
        .or_else(|| get("container_name"))
        .or_else(|| get("name"))
    {
        return Some(Jump::Container { name: c });
    }
    get("job").map(|name| Jump::Container { name })
}

/// `{namespace="shop", pod="web-1"}`: the stream labels the alert carries,
/// values quoted and escaped.
pub fn logql_selector(labels: &Labels) -> Option<String> {
    let parts: Vec<String> = LOG_LABELS
        .iter()
        .filter_map(|k| {
            labels
                .get(*k)
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", quote(v)))
        })
        .collect();
    (!parts.is_empty()).then(|| format!("{{{}}}", parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn logql_quotes_values() {
        let l = labels(&[
            ("namespace", "shop"),
            ("pod", "web-1"),
            ("job", "a\"b\\c"),
            ("severity", "x"),
        ]);
        assert_eq!(
            logql_selector(&l).unwrap(),
            r#"{namespace="shop", pod="web-1", job="a\"b\\c"}"#
        );
        assert_eq!(logql_selector(&labels(&[("severity", "x")])), None);
    }

    #[test]
    fn workload_and_container_targets() {
        let l = labels(&[("namespace", "ridendine"), ("deployment", "api")]);
        assert_eq!(
            target(&l),
            Some(Jump::Workload {
                namespace: Some("ridendine".into()),
                name: "api".into()
            })
        );
        let l = labels(&[("container", "shop-db-1")]);
        assert_eq!(
            target(&l),
            Some(Jump::Container {
                name: "shop-db-1".into()
            })
        );
        assert_eq!(target(&labels(&[("namespace", "x")])), None);
    }

    #[test]
    fn runbooks_open_locally_or_get_copied() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("restart-service.md"), "# r").unwrap();
        let dirs = vec![dir.path().to_path_buf()];
        assert_eq!(
            open_runbook::<(), ()>("docs/runbooks/restart-service.md", &dirs, None),
            Outcome::Jump(Jump::Runbook {
                path: dir.path().join("restart-service.md"),
                alert: None
            })
        );
        assert_eq!(
            open_runbook::<(), ()>(
                "https://git.example/ops/blob/main/runbooks/restart-service.md",
                &dirs,
                None
            ),
            Outcome::Jump(Jump::Runbook {
                path: dir.path().join("restart-service.md"),
                alert: None
            })
        );
        match open_runbook::<(), ()>("https://wiki.example/Runbooks/DB", &dirs, None) {
            Outcome::Many(v) => {
                assert_eq!(
                    v[0],
                    Outcome::Copy("https://wiki.example/Runbooks/DB".into())
                );
                assert!(matches!(&v[1], Outcome::Notify(t) if t.contains("wiki.example")));
            }
            other => panic!("{other:?}"),
        }
        // A relative path nobody has configured stays as written (cwd-relative).
        assert_eq!(
            open_runbook::<(), ()>("docs/runbooks/dr-drill.md", &[], None),
            Outcome::Jump(Jump::Runbook {
                path: "docs/runbooks/dr-drill.md".into(),
                alert: None
            })
        );
    }
}
