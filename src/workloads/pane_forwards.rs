//! The workloads pane's port-forward keys: the form (target and ports,
//! prefilled from the selection), the forwards list (open, move, stop) and
//! the worker commands they become.

use super::model::Kind;
use super::pane::{Out, WorkloadsPane, notify};
use super::portforward::{ForwardRequest, ForwardTarget, PortSpec};
use super::{Action, Command, Form as WForm, Perm};
use crate::pane::{Form, FormField, Input, Nav, Outcome, PaneCtx};

impl WorkloadsPane {
    /// `port_forward`: ask for the target (the selection; edit to `svc/NAME`
    /// for its service) and the ports (the pod's declared ones).
    pub(super) fn port_forward_form(&mut self, ctx: &PaneCtx) -> Out {
        if ctx.read_only {
            return notify("read-only mode: port-forward is disabled");
        }
        let Some((kind, key)) = self.selected(ctx.now) else {
            return notify("nothing selected");
        };
        let (target, pod) = match kind {
            Kind::Pod => (format!("pod/{}", key.name), Some(key.clone())),
            Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet | Kind::ReplicaSet => (
                format!("{}/{}", kind.arg(), key.name),
                self.log_pod(kind, &key, ctx.now),
            ),
            _ => match self.log_pod(kind, &key, ctx.now) {
                Some(pod) => (format!("pod/{}", pod.name), Some(pod)),
                None => return notify(format!("{} {} has no pods", kind.arg(), key.name)),
            },
        };
        if let Some(why) = self.denied(&key.namespace, Perm::PortForwardPods) {
            return notify(format!("port-forward unavailable: {why}"));
        }
        let ports: Vec<String> = pod
            .and_then(|p| self.store.pods.get(&p))
            .map(|p| p.containers.iter().flat_map(|c| &c.ports))
            .into_iter()
            .flatten()
            .map(ToString::to_string)
            .collect();
        let title = crate::text::sanitize(&format!(
            "Port-forward in {}/{} (LOCAL:REMOTE; 0:80 = any free port)",
            self.context.context, key.namespace
        ))
        .into_owned();
        Outcome::Form(Form::new(
            WForm::Forward {
                namespace: key.namespace.clone(),
            },
            title,
            vec![
                FormField::new("target", target),
                FormField::new("ports", ports.join(" ")),
            ],
        ))
    }

    /// The form came back: parse both fields (a bad one starts nothing) and
    /// list the forward as starting.
    pub(super) fn on_forward_form(&mut self, namespace: String, values: &[String]) -> Out {
        let field = |i: usize| values.get(i).map(|v| v.trim()).unwrap_or("");
        let target = match ForwardTarget::parse(field(0)) {
            Ok(t) => t,
            Err(e) => return notify(format!("port-forward: {e} — nothing was started")),
        };
        let ports = match PortSpec::parse_list(field(1)) {
            Ok(p) => p,
            Err(e) => return notify(format!("port-forward: {e} — nothing was started")),
        };
        let request = ForwardRequest {
            namespace: namespace.clone(),
            target,
            ports,
            addresses: self.forward_addresses.clone(),
        };
        let id = self
            .forwards
            .add(request.target.to_string(), namespace, request.ports_text());
        self.forwards.open = true;
        Outcome::Command(Command::PortForward { id, request })
    }

    /// `stop_all_forwards`: stop every forward (the failed ones are only
    /// taken off the list: nothing of theirs runs).
    pub(super) fn stop_all_forwards(&mut self) -> Out {
        let ids: Vec<u64> = self.forwards.rows.keys().copied().collect();
        if ids.is_empty() {
            return notify("no port-forwards to stop");
        }
        let running: Vec<u64> = ids
            .iter()
            .copied()
            .filter(|id| {
                !matches!(
                    self.forwards.rows[id].state,
                    super::forwards::RowState::Failed(_)
                )
            })
            .collect();
        for id in &ids {
            self.forwards.remove(*id);
        }
        let said = notify(format!(
            "stopped {}",
            crate::text::count(running.len(), "port-forward")
        ));
        let mut all: Vec<Out> = running
            .into_iter()
            .map(|id| Outcome::Command(Command::StopForward(id)))
            .collect();
        all.push(said);
        Outcome::Many(all)
    }

    /// Keys while the forwards list is on screen; `None`: not for the list.
    pub(super) fn forwards_input(&mut self, input: &Input<Action>) -> Option<Out> {
        if !self.forwards.open {
            return None;
        }
        Some(match input {
            Input::Nav(Nav::Back) | Input::Action(Action::Forwards) => {
                self.forwards.open = false;
                Outcome::Handled
            }
            Input::Nav(nav) => {
                if self.forwards.table.navigate(*nav, self.forwards.rows.len()) {
                    Outcome::Handled
                } else {
                    Outcome::Ignored
                }
            }
            Input::Action(Action::StopForward) => match self.forwards.selected() {
                Some(id) => {
                    self.forwards.remove(id);
                    Outcome::Command(Command::StopForward(id))
                }
                None => notify("no port-forward to stop"),
            },
            Input::Action(Action::StopAllForwards) => self.stop_all_forwards(),
            // Other keys act on the workload selection behind the list.
            Input::Action(_) => return None,
        })
    }
}
