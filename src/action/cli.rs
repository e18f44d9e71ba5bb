//! The `warroom action` grammar, shared by the headless CLI and runbook
//! `warroom` blocks (which write the same lines without the `warroom action` prefix).

use super::{ActionSpec, KubeTarget};
use clap::{Args, Parser, Subcommand};

/// `warroom action VERB ...` and its confirmation flags.
#[derive(Debug, Args)]
pub struct ActionArgs {
    #[command(subcommand)]
    pub verb: ActionVerb,
    /// Do not prompt: answer yes to every confirmation, typed ones included.
    #[arg(long, global = true, conflicts_with = "dry_run")]
    pub yes: bool,
    /// Print the preview (what would change) and change nothing.
    #[arg(long, global = true)]
    pub dry_run: bool,
}

/// Kubernetes target flags shared by the Kubernetes verbs.
#[derive(Debug, Clone, Args)]
pub struct KubeFlags {
    /// Namespace (default: the context's namespace).
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// kubeconfig context (default: `[kubernetes] context`, else the current one).
    #[arg(long)]
    pub context: Option<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ActionVerb {
    /// Delete a pod; its controller (if any) starts a fresh one.
    DeletePod {
        /// `pod/NAME`
        target: String,
        #[command(flatten)]
        kube: KubeFlags,
    },
    /// Restart every pod of a deployment/statefulset/daemonset (patches restartedAt).
    RolloutRestart {
        /// `deployment/NAME`, `statefulset/NAME` or `daemonset/NAME`
        target: String,
        #[command(flatten)]
        kube: KubeFlags,
    },
    /// Roll a deployment back to the previous revision, or to --to-revision.
    RolloutUndo {
        /// `deployment/NAME`
        target: String,
        #[arg(long)]
        to_revision: Option<i64>,
        #[command(flatten)]
        kube: KubeFlags,
    },
    /// Set the replica count (scaling to 0 asks for a typed confirmation).
    Scale {
        /// `deployment/NAME` or `statefulset/NAME`
        target: String,
        #[arg(long)]
        replicas: i32,
        #[command(flatten)]
        kube: KubeFlags,
    },
    /// Restart a Docker container.
    Restart {
        /// `container/NAME`
        target: String,
    },
    /// Stop a Docker container.
    Stop {
        /// `container/NAME`
        target: String,
    },
    /// Start a stopped Docker container.
    Start {
        /// `container/NAME`
        target: String,
    },
    /// Create an Alertmanager silence.
    Silence {
        /// Matchers: `alertname=ServiceDown`, `severity=~"crit.*"`, `job!=node`.
        #[arg(required = true)]
        matchers: Vec<String>,
        /// How long, e.g. 30m, 2h.
        #[arg(long, default_value = "1h")]
        duration: String,
        /// Why (shown to everyone who sees the silence).
        #[arg(long)]
        comment: String,
        /// Which `[[alertmanager]]` (default: the one reporting the matching
        /// alerts; the preview warns when that is ambiguous or a guess).
        #[arg(long)]
        alertmanager: Option<String>,
    },
    /// Expire (end) a silence now.
    ExpireSilence {
        /// Silence ID.
        id: String,
        #[arg(long)]
        alertmanager: Option<String>,
    },
    /// Verify a backup restore point (default: the newest).
    VerifyBackup {
        /// `SOURCE` or `SOURCE/POINT`
        target: String,
    },
    /// Restore a backup restore point (default: the newest successful one).
    Restore {
        /// `SOURCE` or `SOURCE/POINT`
        target: String,
    },
}

/// One action line on its own, as in a runbook `warroom` block.
#[derive(Debug, Parser)]
#[command(
    name = "warroom action",
    no_binary_name = true,
    disable_help_subcommand = true
)]
pub struct ActionLine {
    #[command(subcommand)]
    pub verb: ActionVerb,
}

impl ActionLine {
    /// Parse `rollout-undo deployment/web -n shop` (already split into words).
    pub fn parse_words<I, S>(words: I) -> Result<ActionSpec, String>
    where
        I: IntoIterator<Item = S>,
        S: Into<std::ffi::OsString> + Clone,
    {
        let line = ActionLine::try_parse_from(words).map_err(|e| {
            // clap's rendered error is multi-line with usage; keep the message part.
            let text = e.to_string();
            let msg: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            msg.join(" ").trim_start_matches("error: ").to_string()
        })?;
        line.verb.into_spec()
    }

    /// Parse a whole line with shell-like word splitting.
    pub fn parse_str(line: &str) -> Result<ActionSpec, String> {
        let words = shlex::split(line).ok_or_else(|| format!("unbalanced quotes in `{line}`"))?;
        Self::parse_words(words)
    }

    /// The verbs, for runbook validation and the palette.
    pub fn verbs() -> Vec<String> {
        use clap::CommandFactory;
        Self::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect()
    }
}

fn kube_target(target: &str, kinds: &[&str], flags: KubeFlags) -> Result<KubeTarget, String> {
    let (kind, name) = target
        .split_once('/')
        .ok_or_else(|| format!("`{target}`: expected KIND/NAME, e.g. {}/web", kinds[0]))?;
    let kind = match kind {
        "deploy" | "deployments" => "deployment",
        "sts" | "statefulsets" => "statefulset",
        "ds" | "daemonsets" => "daemonset",
        "po" | "pods" => "pod",
        k => k,
    };
    if !kinds.contains(&kind) {
        return Err(format!(
            "`{target}`: kind must be one of {}",
            kinds.join(", ")
        ));
    }
    if name.is_empty() {
        return Err(format!("`{target}`: missing name"));
    }
    Ok(KubeTarget {
        kind: kind.to_string(),
        name: name.to_string(),
        namespace: flags.namespace,
        context: flags.context,
    })
}

fn container_name(target: &str) -> Result<String, String> {
    match target.split_once('/') {
        Some(("container", name)) if !name.is_empty() => Ok(name.to_string()),
        None if !target.is_empty() => Ok(target.to_string()),
        _ => Err(format!("`{target}`: expected container/NAME")),
    }
}

fn backup_target(target: &str) -> (String, Option<String>) {
    match target.split_once('/') {
        Some((s, p)) if !p.is_empty() => (s.to_string(), Some(p.to_string())),
        _ => (target.trim_end_matches('/').to_string(), None),
    }
}

impl ActionVerb {
    pub fn into_spec(self) -> Result<ActionSpec, String> {
        Ok(match self {
            Self::DeletePod { target, kube } => {
                ActionSpec::DeletePod(kube_target(&target, &["pod"], kube)?)
            }
            Self::RolloutRestart { target, kube } => ActionSpec::RolloutRestart(kube_target(
                &target,
                &["deployment", "statefulset", "daemonset"],
                kube,
            )?),
            Self::RolloutUndo {
                target,
                to_revision,
                kube,
            } => ActionSpec::RolloutUndo {
                target: kube_target(&target, &["deployment"], kube)?,
                to_revision,
            },
            Self::Scale {
                target,
                replicas,
                kube,
            } => {
                if replicas < 0 {
                    return Err(format!("--replicas {replicas}: must be 0 or more"));
                }
                ActionSpec::Scale {
                    target: kube_target(&target, &["deployment", "statefulset"], kube)?,
                    replicas,
                }
            }
            Self::Restart { target } => ActionSpec::ContainerRestart {
                name: container_name(&target)?,
            },
            Self::Stop { target } => ActionSpec::ContainerStop {
                name: container_name(&target)?,
            },
            Self::Start { target } => ActionSpec::ContainerStart {
                name: container_name(&target)?,
            },
            Self::Silence {
                matchers,
                duration,
                comment,
                alertmanager,
            } => {
                let duration = crate::text::parse_duration(&duration)?;
                if duration.is_zero() {
                    return Err("--duration must be longer than 0".into());
                }
                if comment.trim().is_empty() {
                    return Err("--comment must say why (Alertmanager requires it)".into());
                }
                ActionSpec::Silence {
                    matchers,
                    duration,
                    comment,
                    alertmanager,
                }
            }
            Self::ExpireSilence { id, alertmanager } => {
                ActionSpec::ExpireSilence { id, alertmanager }
            }
            Self::VerifyBackup { target } => {
                let (source, point) = backup_target(&target);
                ActionSpec::VerifyBackup { source, point }
            }
            Self::Restore { target } => {
                let (source, point) = backup_target(&target);
                ActionSpec::Restore { source, point }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_round_trips_through_its_display_form() {
        let lines = [
            "delete-pod pod/web-7d9f -n shop",
            "rollout-restart deployment/web -n shop --context prod",
            "rollout-undo deployment/web -n shop --to-revision 3",
            "scale deployment/worker --replicas 0 -n jobs",
            "restart container/shop-db-1",
            "stop container/shop-db-1",
            "start container/shop-db-1",
            "silence alertname=ServiceDown 'severity=~\"crit.*\"' --duration 30m --comment 'investigating, alice' --alertmanager am1",
            "expire-silence 2f1c6d0a-3c1e-4a8b-9b7e-0d4f0f5d9f11",
            "verify-backup postgres/app_20260131_143000.sql.gz",
            "restore postgres",
        ];
        for line in lines {
            let spec = ActionLine::parse_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let again = ActionLine::parse_str(&spec.to_string()).unwrap();
            assert_eq!(spec, again, "{line} -> {spec}");
        }
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        assert!(
            ActionLine::parse_str("rollout-undo pod/web")
                .unwrap_err()
                .contains("kind must be")
        );
        assert!(
            ActionLine::parse_str("scale deployment/web")
                .unwrap_err()
                .contains("--replicas")
        );
        assert!(
            ActionLine::parse_str("reboot-everything")
                .unwrap_err()
                .contains("reboot-everything")
        );
        assert!(
            ActionLine::parse_str("silence alertname=X --comment ' '")
                .unwrap_err()
                .contains("comment")
        );
        assert!(
            ActionLine::parse_str("silence a=b --duration soon --comment x")
                .unwrap_err()
                .contains("soon")
        );
    }

    #[test]
    fn verbs_list_covers_the_documented_actions() {
        let verbs = ActionLine::verbs();
        for v in [
            "delete-pod",
            "rollout-restart",
            "rollout-undo",
            "scale",
            "restart",
            "silence",
            "restore",
        ] {
            assert!(verbs.iter().any(|x| x == v), "{v}");
        }
    }
}
