//! The `warroom action` grammar, shared by the headless CLI and runbook
//! `warroom` blocks (which write the same lines without the `warroom action` prefix).

use super::{ActionError, ActionSpec, KubeTarget};
use clap::{Args, Parser, Subcommand};

/// Why an action line (or `warroom action` arguments) does not parse: which
/// verb, which argument, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseActionError {
    #[error("unbalanced quotes in `{line}`")]
    UnbalancedQuotes { line: String },
    /// clap refused the words (unknown verb, missing or unknown flag…);
    /// `message` is its first paragraph, without the usage.
    #[error("{message}")]
    Syntax {
        /// The verb, when the first word is one.
        verb: Option<String>,
        /// The argument clap names (`--replicas <REPLICAS>`), when it names one.
        argument: Option<String>,
        kind: clap::error::ErrorKind,
        message: String,
    },
    #[error("`{target}`: expected KIND/NAME, e.g. {}/web", kinds[0])]
    NoKind {
        verb: &'static str,
        target: String,
        kinds: &'static [&'static str],
    },
    #[error("`{target}`: kind must be one of {}", kinds.join(", "))]
    WrongKind {
        verb: &'static str,
        target: String,
        kinds: &'static [&'static str],
    },
    #[error("`{target}`: missing name")]
    NoName { verb: &'static str, target: String },
    #[error("`{target}`: expected container/NAME")]
    NotContainer { verb: &'static str, target: String },
    #[error("--replicas {replicas}: must be 0 or more")]
    NegativeReplicas { replicas: i32 },
    /// `reason` names the value and the accepted forms.
    #[error("{reason}")]
    BadDuration { value: String, reason: String },
    #[error("--duration must be longer than 0")]
    ZeroDuration,
    #[error("--comment must say why (Alertmanager requires it)")]
    NoComment,
    /// A drain's `--timeout`: `reason` names the value and the accepted forms.
    #[error("--timeout: {reason}")]
    BadTimeout { value: String, reason: String },
    #[error("--pods: {reason}")]
    BadPod { reason: String },
}

impl ParseActionError {
    /// The verb the line was for, when known.
    pub fn verb(&self) -> Option<&str> {
        match self {
            Self::UnbalancedQuotes { .. } => None,
            Self::Syntax { verb, .. } => verb.as_deref(),
            Self::NoKind { verb, .. }
            | Self::WrongKind { verb, .. }
            | Self::NoName { verb, .. }
            | Self::NotContainer { verb, .. } => Some(verb),
            Self::NegativeReplicas { .. } => Some("scale"),
            Self::BadDuration { .. } | Self::ZeroDuration | Self::NoComment => Some("silence"),
            Self::BadTimeout { .. } | Self::BadPod { .. } => Some("drain"),
        }
    }

    /// The argument at fault (`TARGET`, `--replicas`…), when one is.
    pub fn argument(&self) -> Option<&str> {
        match self {
            Self::UnbalancedQuotes { .. } => None,
            Self::Syntax { argument, .. } => argument.as_deref(),
            Self::NoKind { .. }
            | Self::WrongKind { .. }
            | Self::NoName { .. }
            | Self::NotContainer { .. } => Some("TARGET"),
            Self::NegativeReplicas { .. } => Some("--replicas"),
            Self::BadDuration { .. } | Self::ZeroDuration => Some("--duration"),
            Self::NoComment => Some("--comment"),
            Self::BadTimeout { .. } => Some("--timeout"),
            Self::BadPod { .. } => Some("--pods"),
        }
    }
}

/// An action as written cannot run.
impl From<ParseActionError> for ActionError {
    fn from(e: ParseActionError) -> Self {
        Self::Invalid(e.to_string())
    }
}

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

/// The flags of the node verbs: nodes have no namespace.
#[derive(Debug, Clone, Args)]
pub struct NodeFlags {
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
    /// Mark a node unschedulable: running pods stay, new ones go elsewhere.
    Cordon {
        /// `node/NAME`
        target: String,
        #[command(flatten)]
        kube: NodeFlags,
    },
    /// Make a cordoned node schedulable again.
    Uncordon {
        /// `node/NAME`
        target: String,
        #[command(flatten)]
        kube: NodeFlags,
    },
    /// Cordon a node and evict its pods (kubectl drain --ignore-daemonsets
    /// --delete-emptydir-data): DaemonSet, static and finished pods stay;
    /// pods without a controller refuse the drain; evictions a
    /// PodDisruptionBudget holds are retried until --timeout.
    Drain {
        /// `node/NAME`
        target: String,
        /// How long to keep retrying evictions a budget holds back, e.g. 5m.
        #[arg(long, default_value = "5m")]
        timeout: String,
        /// The pods to evict, as the preview listed them (NAMESPACE/POD,
        /// comma-separated); set by warroom when it pins a previewed drain.
        #[arg(long, value_delimiter = ',', hide = true)]
        pods: Option<Vec<String>>,
        #[command(flatten)]
        kube: NodeFlags,
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
    pub fn parse_words<I, S>(words: I) -> Result<ActionSpec, ParseActionError>
    where
        I: IntoIterator<Item = S>,
        S: Into<std::ffi::OsString> + Clone,
    {
        let words: Vec<std::ffi::OsString> = words.into_iter().map(Into::into).collect();
        let line = ActionLine::try_parse_from(&words).map_err(|e| {
            use clap::error::{ContextKind, ContextValue};
            // clap's rendered error is multi-line with usage; keep the message part.
            let text = e.to_string();
            let msg: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let first = words.first().map(|w| w.to_string_lossy().into_owned());
            ParseActionError::Syntax {
                verb: first.filter(|v| Self::verbs().contains(v)),
                argument: match e.get(ContextKind::InvalidArg) {
                    Some(ContextValue::String(a)) => Some(a.clone()),
                    Some(ContextValue::Strings(a)) => a.first().cloned(),
                    _ => None,
                },
                kind: e.kind(),
                message: msg.join(" ").trim_start_matches("error: ").to_string(),
            }
        })?;
        line.verb.into_spec()
    }

    /// Parse a whole line with shell-like word splitting.
    pub fn parse_str(line: &str) -> Result<ActionSpec, ParseActionError> {
        let words = shlex::split(line).ok_or_else(|| ParseActionError::UnbalancedQuotes {
            line: line.to_string(),
        })?;
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

fn kube_target(
    verb: &'static str,
    target: &str,
    kinds: &'static [&'static str],
    flags: KubeFlags,
) -> Result<KubeTarget, ParseActionError> {
    let (kind, name) = target
        .split_once('/')
        .ok_or_else(|| ParseActionError::NoKind {
            verb,
            target: target.to_string(),
            kinds,
        })?;
    let kind = match kind {
        "deploy" | "deployments" => "deployment",
        "sts" | "statefulsets" => "statefulset",
        "ds" | "daemonsets" => "daemonset",
        "po" | "pods" => "pod",
        k => k,
    };
    if !kinds.contains(&kind) {
        return Err(ParseActionError::WrongKind {
            verb,
            target: target.to_string(),
            kinds,
        });
    }
    if name.is_empty() {
        return Err(ParseActionError::NoName {
            verb,
            target: target.to_string(),
        });
    }
    Ok(KubeTarget {
        kind: kind.to_string(),
        name: name.to_string(),
        namespace: flags.namespace,
        context: flags.context,
    })
}

fn node_target(
    verb: &'static str,
    target: &str,
    flags: NodeFlags,
) -> Result<KubeTarget, ParseActionError> {
    let target = target
        .replacen("nodes/", "node/", 1)
        .replacen("no/", "node/", 1);
    kube_target(
        verb,
        &target,
        &["node"],
        KubeFlags {
            namespace: None,
            context: flags.context,
        },
    )
}

fn container_name(verb: &'static str, target: &str) -> Result<String, ParseActionError> {
    match target.split_once('/') {
        Some(("container", name)) if !name.is_empty() => Ok(name.to_string()),
        None if !target.is_empty() => Ok(target.to_string()),
        _ => Err(ParseActionError::NotContainer {
            verb,
            target: target.to_string(),
        }),
    }
}

fn backup_target(target: &str) -> (String, Option<String>) {
    match target.split_once('/') {
        Some((s, p)) if !p.is_empty() => (s.to_string(), Some(p.to_string())),
        _ => (target.trim_end_matches('/').to_string(), None),
    }
}

impl ActionVerb {
    pub fn into_spec(self) -> Result<ActionSpec, ParseActionError> {
        Ok(match self {
            Self::DeletePod { target, kube } => {
                ActionSpec::DeletePod(kube_target("delete-pod", &target, &["pod"], kube)?)
            }
            Self::RolloutRestart { target, kube } => ActionSpec::RolloutRestart(kube_target(
                "rollout-restart",
                &target,
                &["deployment", "statefulset", "daemonset"],
                kube,
            )?),
            Self::RolloutUndo {
                target,
                to_revision,
                kube,
            } => ActionSpec::RolloutUndo {
                target: kube_target("rollout-undo", &target, &["deployment"], kube)?,
                to_revision,
            },
            Self::Scale {
                target,
                replicas,
                kube,
            } => {
                if replicas < 0 {
                    return Err(ParseActionError::NegativeReplicas { replicas });
                }
                ActionSpec::Scale {
                    target: kube_target("scale", &target, &["deployment", "statefulset"], kube)?,
                    replicas,
                }
            }
            Self::Cordon { target, kube } => {
                ActionSpec::Cordon(node_target("cordon", &target, kube)?)
            }
            Self::Uncordon { target, kube } => {
                ActionSpec::Uncordon(node_target("uncordon", &target, kube)?)
            }
            Self::Drain {
                target,
                timeout,
                pods,
                kube,
            } => {
                let timeout = crate::text::parse_duration(&timeout)
                    .map_err(|e| e.to_string())
                    .and_then(|d| {
                        if d.is_zero() {
                            Err("must be longer than 0".to_string())
                        } else {
                            Ok(d)
                        }
                    })
                    .map_err(|reason| ParseActionError::BadTimeout {
                        value: timeout.clone(),
                        reason,
                    })?;
                let pods = match pods {
                    None => None,
                    Some(list) => Some(
                        list.iter()
                            .filter(|p| !p.is_empty())
                            .map(|p| p.parse::<super::PodRef>())
                            .collect::<Result<Vec<_>, _>>()
                            .map_err(|reason| ParseActionError::BadPod { reason })?,
                    ),
                };
                ActionSpec::Drain {
                    target: node_target("drain", &target, kube)?,
                    timeout,
                    pods,
                }
            }
            Self::Restart { target } => ActionSpec::ContainerRestart {
                name: container_name("restart", &target)?,
            },
            Self::Stop { target } => ActionSpec::ContainerStop {
                name: container_name("stop", &target)?,
            },
            Self::Start { target } => ActionSpec::ContainerStart {
                name: container_name("start", &target)?,
            },
            Self::Silence {
                matchers,
                duration,
                comment,
                alertmanager,
            } => {
                let duration = crate::text::parse_duration(&duration).map_err(|e| {
                    ParseActionError::BadDuration {
                        value: duration.clone(),
                        reason: e.to_string(),
                    }
                })?;
                if duration.is_zero() {
                    return Err(ParseActionError::ZeroDuration);
                }
                if comment.trim().is_empty() {
                    return Err(ParseActionError::NoComment);
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
            "silence alertname=DiskFull --duration 90m --comment 'disk swap'",
            "expire-silence 2f1c6d0a-3c1e-4a8b-9b7e-0d4f0f5d9f11",
            "verify-backup postgres/app_20260131_143000.sql.gz",
            "restore postgres",
            "cordon node/worker-3 --context prod",
            "uncordon nodes/worker-3",
            "drain node/worker-3 --timeout 90s",
            "drain node/worker-3 --timeout 5m --pods shop/api-1,kube-system/coredns-2",
        ];
        for line in lines {
            let spec = ActionLine::parse_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let again = ActionLine::parse_str(&spec.to_string()).unwrap();
            assert_eq!(spec, again, "{line} -> {spec}");
        }
    }

    #[test]
    fn a_drain_keeps_its_pinned_pods_and_refuses_bad_timeouts_and_kinds() {
        let spec = ActionLine::parse_str("drain node/w3 --pods shop/api-1,shop/db-0").unwrap();
        let ActionSpec::Drain { pods, timeout, .. } = &spec else {
            panic!("{spec:?}")
        };
        assert_eq!(
            *timeout,
            std::time::Duration::from_secs(300),
            "5m by default"
        );
        let pods: Vec<String> = pods.iter().flatten().map(ToString::to_string).collect();
        assert_eq!(pods, ["shop/api-1", "shop/db-0"]);
        let e = ActionLine::parse_str("drain node/w3 --timeout 0s").unwrap_err();
        assert_eq!((e.verb(), e.argument()), (Some("drain"), Some("--timeout")));
        let e = ActionLine::parse_str("drain node/w3 --pods api-1").unwrap_err();
        assert_eq!(e.argument(), Some("--pods"));
        let e = ActionLine::parse_str("cordon pod/w3").unwrap_err();
        assert!(e.to_string().contains("node"), "{e}");
    }

    #[test]
    fn bad_lines_say_which_verb_and_argument_is_wrong() {
        let e = ActionLine::parse_str("rollout-undo pod/web").unwrap_err();
        assert!(
            matches!(&e, ParseActionError::WrongKind { verb: "rollout-undo", target, kinds }
                if target == "pod/web" && kinds == &["deployment"]),
            "{e:?}"
        );
        assert_eq!(e.to_string(), "`pod/web`: kind must be one of deployment");
        assert_eq!(e.argument(), Some("TARGET"));

        let e = ActionLine::parse_str("scale deployment/web").unwrap_err();
        assert!(
            matches!(
                &e,
                ParseActionError::Syntax {
                    kind: clap::error::ErrorKind::MissingRequiredArgument,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(e.verb(), Some("scale"));
        assert!(e.to_string().contains("--replicas"), "{e}");

        let e = ActionLine::parse_str("reboot-everything").unwrap_err();
        assert_eq!(e.verb(), None, "not a verb: {e:?}");
        assert!(e.to_string().contains("reboot-everything"), "{e}");

        let e = ActionLine::parse_str("silence alertname=X --comment ' '").unwrap_err();
        assert_eq!(e, ParseActionError::NoComment);
        assert_eq!(
            (e.verb(), e.argument()),
            (Some("silence"), Some("--comment"))
        );

        let e = ActionLine::parse_str("silence a=b --duration soon --comment x").unwrap_err();
        assert!(
            matches!(&e, ParseActionError::BadDuration { value, .. } if value == "soon"),
            "{e:?}"
        );
        assert!(e.to_string().contains("soon"), "{e}");
        assert_eq!(
            ActionLine::parse_str("restart pod/x").unwrap_err(),
            ParseActionError::NotContainer {
                verb: "restart",
                target: "pod/x".into()
            }
        );
        assert_eq!(
            ActionLine::parse_str("restart 'x").unwrap_err(),
            ParseActionError::UnbalancedQuotes {
                line: "restart 'x".into()
            }
        );
        assert!(matches!(
            ActionError::from(ParseActionError::ZeroDuration),
            ActionError::Invalid(m) if m == "--duration must be longer than 0"
        ));
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
