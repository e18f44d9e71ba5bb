//! The workloads pane's keys that leave the pane: log jumps and incident
//! actions (resolved to the owning controller, refused when RBAC says no).

use super::model::{Key, Kind, PodSummary, State};
use super::pane::{Out, WorkloadsPane, notify};
use super::{Action, Form as WForm, Perm};
use crate::action::ActionSpec;
use crate::pane::{ActionSet, Form, FormField, Jump, Outcome, PaneCtx};
use crate::target::{Attach, AttachTarget, LogTarget};
use jiff::Timestamp;

/// A pending log form: which pod, its container names, previous or not.
#[derive(Debug, Clone, PartialEq)]
pub struct LogForm {
    pub(super) pod: Key,
    pub(super) containers: Vec<String>,
    pub(super) previous: bool,
}

/// A pending exec form: which pod, its containers, a shell or one command.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecForm {
    pub(super) pod: Key,
    pub(super) containers: Vec<String>,
    pub(super) shell: bool,
}

impl WorkloadsPane {
    /// The pod a log jump is for: the selection, or the most troubled pod of a controller.
    pub(super) fn log_pod(&self, kind: Kind, key: &Key, now: Timestamp) -> Option<Key> {
        if kind == Kind::Pod {
            return Some(key.clone());
        }
        let mut pods: Vec<&PodSummary> = self
            .store
            .pods
            .values()
            .filter(|p| {
                p.key.namespace == key.namespace
                    && self
                        .store
                        .owner_chain(Kind::Pod, &p.key)
                        .iter()
                        .any(|(k, kk)| *k == kind && kk == key)
            })
            .collect();
        // Critical first; healthy (no severity) last.
        pods.sort_by_key(|p| {
            self.store
                .pod_health(p, now)
                .severity
                .map_or(3, |s| s as u8)
        });
        pods.first().map(|p| p.key.clone())
    }

    /// Jump to the logs of the selection's pod; `ask` always shows the form
    /// (container and since), otherwise only a pod with several containers does.
    pub(super) fn logs(&mut self, previous: bool, ask: bool, now: Timestamp) -> Out {
        let Some((kind, key)) = self.selected(now) else {
            return notify("nothing selected");
        };
        let Some(pod) = self.log_pod(kind, &key, now) else {
            return notify(format!("{} {} has no pods", kind.arg(), key.name));
        };
        // The container to show: the one in trouble (last termination, not ready), else the first.
        let container = self.store.pods.get(&pod).and_then(|p| {
            p.containers
                .iter()
                .find(|c| (previous && c.last.is_some()) || !c.ready)
                .or(p.containers.first())
                .map(|c| c.name.clone())
        });
        if previous
            && let Some(p) = self.store.pods.get(&pod)
            && !p
                .containers
                .iter()
                .any(|c| c.last.is_some() || c.restarts > 0)
        {
            return notify(format!(
                "pod {} has no previous container (no restarts)",
                pod.name
            ));
        }
        let containers: Vec<String> = self
            .store
            .pods
            .get(&pod)
            .map(|p| p.containers.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        // One container (or none known yet): nothing to choose, go straight
        // to the stream rather than adding a keystroke, unless asked.
        if containers.len() <= 1 && !ask {
            return Outcome::Jump(Jump::LogStream(self.pod_target(pod, container, previous)));
        }
        let title = format!(
            "{} {}/{} — containers: {}",
            if previous {
                "Previous logs of"
            } else {
                "Logs of"
            },
            pod.namespace,
            pod.name,
            if containers.is_empty() {
                "not reported yet".to_string()
            } else {
                containers.join(", ")
            }
        );
        Outcome::Form(Form::new(
            WForm::Logs(LogForm {
                pod,
                containers,
                previous,
            }),
            title,
            vec![
                FormField::new("container", container.unwrap_or_default()),
                // Empty: the viewer's default (the last lines, then follow).
                FormField::new("since (e.g. 15m, 2h; empty: latest lines)", ""),
            ],
        ))
    }

    fn pod_target(&self, pod: Key, container: Option<String>, previous: bool) -> LogTarget {
        LogTarget::Pod {
            context: (!self.context.context.is_empty()).then(|| self.context.context.clone()),
            namespace: pod.namespace,
            name: pod.name,
            container,
            previous,
        }
    }

    /// The log form came back: `[container, since]`. Anything invalid is
    /// refused with the accepted values, and no stream is started.
    pub(super) fn on_logs_form(&mut self, form: LogForm, values: &[String]) -> Out {
        let field = |i: usize| values.get(i).map(|v| v.trim()).unwrap_or("");
        let container = field(0);
        // No container known yet (status not reported): empty lets the API
        // server pick, as `kubectl logs` does for a single-container pod.
        let unknown_ok = form.containers.is_empty() && container.is_empty();
        if !unknown_ok && !form.containers.iter().any(|c| c == container) {
            return notify(format!(
                "logs: no container {container:?} in pod {}; choose one of: {}",
                form.pod.name,
                form.containers.join(", ")
            ));
        }
        let since = match field(1) {
            "" => None,
            s => match crate::text::parse_duration(s) {
                Ok(d) if !d.is_zero() => Some(d.as_secs().max(1) as i64),
                _ => {
                    return notify(format!(
                        "logs: since {s:?} is not a duration; use e.g. 30s, 15m, 2h, 1h30m (empty: latest lines)"
                    ));
                }
            },
        };
        let container = (!container.is_empty()).then(|| container.to_string());
        let target = self.pod_target(form.pod, container, form.previous);
        Outcome::Jump(match since {
            None => Jump::LogStream(target),
            Some(since_seconds) => Jump::LogStreamSince {
                target,
                since_seconds,
            },
        })
    }

    /// A shell (`x`) or one command (`e`) in the selection's pod (a
    /// controller's most troubled one, as for logs). A pod with several
    /// containers asks which, prefilled with its default container; `e`
    /// always asks for the command.
    pub(super) fn session(&mut self, action: Action, ctx: &PaneCtx) -> Out {
        let verb = if action == Action::Shell {
            "shell"
        } else {
            "exec"
        };
        if ctx.read_only {
            return notify(format!("read-only mode: {verb} is disabled"));
        }
        let Some((kind, key)) = self.selected(ctx.now) else {
            return notify("nothing selected");
        };
        let Some(pod) = self.log_pod(kind, &key, ctx.now) else {
            return notify(format!("{} {} has no pods", kind.arg(), key.name));
        };
        if let Some(why) = self.denied(&pod.namespace, Perm::ExecPods) {
            return notify(format!("{verb} unavailable: {why}"));
        }
        let Some(p) = self.store.pods.get(&pod) else {
            return notify(format!("{verb}: pod {} is not known yet", pod.name));
        };
        if p.phase != "Running" {
            return notify(format!(
                "{verb}: pod {} is {}, not running: nothing to exec into",
                pod.name, p.phase
            ));
        }
        // Running init and ephemeral (debug) containers may be joined too,
        // as kubectl allows.
        let containers: Vec<String> = p
            .containers
            .iter()
            .chain(
                p.init_containers
                    .iter()
                    .chain(&p.ephemeral_containers)
                    .filter(|c| matches!(c.state, State::Running { .. })),
            )
            .map(|c| c.name.clone())
            .collect();
        let default = p
            .default_container
            .clone()
            .filter(|d| containers.contains(d))
            .or_else(|| containers.first().cloned());
        let shell = action == Action::Shell;
        if shell && containers.len() <= 1 {
            return Outcome::Attach(self.shell_in(pod, default));
        }
        let what = if shell { "Shell in" } else { "Run in" };
        let title = crate::text::sanitize(&format!(
            "{what} pod {}/{} (with a TTY) — containers: {}",
            pod.namespace,
            pod.name,
            containers.join(", ")
        ))
        .into_owned();
        let mut fields = Vec::new();
        if containers.len() > 1 {
            fields.push(FormField::new("container", default.unwrap_or_default()));
        }
        if !shell {
            fields.push(FormField::new("command (e.g. ps aux, df -h)", ""));
        }
        Outcome::Form(Form::new(
            WForm::Exec(ExecForm {
                pod,
                containers,
                shell,
            }),
            title,
            fields,
        ))
    }

    /// A shell in `container` of `pod`: the shells `[exec]` names for this
    /// context and the container's image.
    fn shell_in(&self, pod: Key, container: Option<String>) -> Attach {
        let image = self
            .store
            .pods
            .get(&pod)
            .and_then(|p| {
                p.containers
                    .iter()
                    .chain(&p.init_containers)
                    .chain(&p.ephemeral_containers)
                    .find(|c| Some(&c.name) == container.as_ref())
            })
            .map(|c| c.image.clone())
            .unwrap_or_default();
        let context = (!self.context.context.is_empty()).then_some(self.context.context.as_str());
        let shells = self.exec.shells_for(context, &image);
        Attach::shell(self.attach_target(pod, container), &shells)
    }

    fn attach_target(&self, pod: Key, container: Option<String>) -> AttachTarget {
        AttachTarget::Pod {
            context: (!self.context.context.is_empty()).then(|| self.context.context.clone()),
            namespace: pod.namespace,
            name: pod.name,
            container,
        }
    }

    /// The exec form came back: `[container]` when the pod has several,
    /// then `[command]` unless it is a shell. A container the pod does not
    /// have, or a command that does not split, runs nothing.
    pub(super) fn on_exec_form(&mut self, form: ExecForm, values: &[String]) -> Out {
        let mut values = values.iter().map(|v| v.trim());
        let container = if form.containers.len() > 1 {
            let c = values.next().unwrap_or("");
            if !form.containers.iter().any(|k| k == c) {
                return notify(format!(
                    "exec: no container {c:?} in pod {}; choose one of: {} — nothing was run",
                    form.pod.name,
                    form.containers.join(", ")
                ));
            }
            Some(c.to_string())
        } else {
            form.containers.first().cloned()
        };
        if form.shell {
            return Outcome::Attach(self.shell_in(form.pod, container));
        }
        let target = self.attach_target(form.pod, container);
        match Attach::typed(target, values.next().unwrap_or("")) {
            Ok(session) => Outcome::Attach(session),
            Err(why) => notify(why),
        }
    }

    /// The controller an action on `kind/key` applies to.
    pub(super) fn controller(
        &self,
        kind: Kind,
        key: &Key,
        allowed: &[Kind],
    ) -> Option<(Kind, Key)> {
        if allowed.contains(&kind) {
            return Some((kind, key.clone()));
        }
        self.store
            .owner_chain(kind, key)
            .into_iter()
            .rev()
            .find(|(k, _)| allowed.contains(k))
    }

    pub(super) fn act(&mut self, action: Action, ctx: &PaneCtx) -> Out {
        if ctx.read_only {
            return notify("read-only mode: actions are disabled");
        }
        let Some((kind, key)) = self.selected(ctx.now) else {
            return notify("nothing selected");
        };
        let controllers = [Kind::Deployment, Kind::StatefulSet, Kind::DaemonSet];
        let verb = action.name().replace('_', " ");
        let (perm, target) = match action {
            Action::DeletePod => {
                if kind != Kind::Pod {
                    return notify("delete pod: select a pod");
                }
                (Perm::DeletePods, (kind, key))
            }
            Action::RolloutUndo => match self.controller(kind, &key, &[Kind::Deployment]) {
                Some(t) => (Perm::PatchDeployments, t),
                None => {
                    return notify("rollout undo: no deployment owns the selection");
                }
            },
            Action::Scale => match self.controller(kind, &key, &Kind::SCALABLE) {
                Some((k, t)) => (Perm::patch(k).unwrap_or(Perm::PatchDeployments), (k, t)),
                None => {
                    return notify(
                        "scale: no deployment or statefulset owns the selection (a daemonset runs one pod per node)",
                    );
                }
            },
            _ => match self.controller(kind, &key, &controllers) {
                Some((k, t)) => (Perm::patch(k).unwrap_or(Perm::PatchDeployments), (k, t)),
                None => {
                    return notify(format!(
                        "{verb}: no deployment, statefulset or daemonset owns the selection"
                    ));
                }
            },
        };
        let ns = target.1.namespace.clone();
        if self.all_namespaces()
            && !self.access.contains_key(&ns)
            && self.denied(&ns, perm).is_some()
        {
            // Only the cluster-wide verdict is known and it says no, but the
            // user may well have rights in this namespace: ask, don't refuse.
            let wait = notify(format!(
                "{verb}: checking your access in namespace {ns}; try again in a moment"
            ));
            return match self.ask_access(&ns) {
                Some(ask) => Outcome::Many(vec![ask, wait]),
                None => wait,
            };
        }
        if let Some(reason) = self.denied(&ns, perm) {
            return notify(format!("{verb} unavailable: {reason}"));
        }
        let t = self.target(target.0, &target.1);
        match action {
            Action::DeletePod => Outcome::Request(ActionSpec::DeletePod(t)),
            Action::RolloutRestart => Outcome::Request(ActionSpec::RolloutRestart(t)),
            Action::Scale => {
                let current = self
                    .store
                    .workloads
                    .get(&target)
                    .map(|w| w.desired)
                    .unwrap_or(1);
                let title = format!(
                    "Scale {} {}/{} (now {current} replicas)",
                    target.0.arg(),
                    target.1.namespace,
                    target.1.name
                );
                Outcome::Form(Form::new(
                    WForm::Scale {
                        kind: target.0,
                        key: target.1,
                    },
                    title,
                    vec![FormField::new("replicas", current.to_string())],
                ))
            }
            _ => {
                // `8 (2.15.0)`: the revision and its image tags, newest first.
                let revs: Vec<String> = self
                    .store
                    .revisions(&target.1)
                    .iter()
                    .map(|w| {
                        let tags: Vec<&str> = w
                            .images
                            .iter()
                            .map(|i| i.rsplit(':').next().unwrap_or(i))
                            .collect();
                        format!("{} ({})", w.revision.unwrap_or(0), tags.join(","))
                    })
                    .collect();
                let title = format!(
                    "Roll back {} — history: {}",
                    target.1.name,
                    if revs.is_empty() {
                        "?".into()
                    } else {
                        revs.join(", ")
                    }
                );
                Outcome::Form(Form::new(
                    WForm::Undo { key: target.1 },
                    title,
                    vec![FormField::new("to revision (empty: previous)", "")],
                ))
            }
        }
    }

    pub(super) fn namespaces_arg(arg: &str) -> Vec<String> {
        arg.split([',', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}
