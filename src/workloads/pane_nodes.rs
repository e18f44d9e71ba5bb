//! The workloads pane's node keys: open and move in the nodes view, and
//! cordon / uncordon / drain the selected node (in the view, or a node row
//! of the problems list) as previewed actions.

use super::model::Kind;
use super::pane::{Out, WorkloadsPane, notify};
use super::{Action, Form as WForm, Perm};
use crate::action::{ActionSpec, KubeTarget};
use crate::pane::{Input, Nav, Outcome, PaneCtx};
use std::time::Duration;

/// How long a drain from the console waits for budgets (kubectl has no
/// default; five minutes covers a replacement pod becoming ready).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(300);
/// Longer than any incident should wait on one drain.
const MAX_DRAIN_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

impl WorkloadsPane {
    /// Keys while the nodes view is on screen; `None`: not for the view.
    pub(super) fn nodes_input(&mut self, input: &Input<Action>, ctx: &PaneCtx) -> Option<Out> {
        if !self.nodes.open {
            return None;
        }
        Some(match input {
            Input::Nav(Nav::Back) | Input::Action(Action::Nodes) => {
                self.nodes.open = false;
                Outcome::Handled
            }
            Input::Nav(nav) => {
                self.nodes.refresh(&self.store, ctx.now);
                if self.nodes.table.navigate(*nav, self.nodes.rows.len()) {
                    Outcome::Handled
                } else {
                    Outcome::Ignored
                }
            }
            Input::Action(a @ (Action::Cordon | Action::Uncordon | Action::Drain)) => {
                match self.nodes.selected().map(str::to_string) {
                    Some(node) => self.node_action(*a, node, ctx),
                    None => notify("no node selected"),
                }
            }
            Input::Action(_) => return None,
        })
    }

    pub(super) fn open_nodes(&mut self) -> Out {
        self.nodes.open = true;
        self.events.open = false;
        self.forwards.open = false;
        Outcome::Handled
    }

    /// `cordon`/`uncordon`/`drain` outside the nodes view: on a node row.
    pub(super) fn node_action_on_selection(&mut self, action: Action, ctx: &PaneCtx) -> Out {
        match self.selected(ctx.now) {
            Some((Kind::Node, key)) => self.node_action(action, key.name, ctx),
            _ => notify(
                "select a node first: in the nodes view (N by default) or a node in the problems list",
            ),
        }
    }

    fn node_action(&mut self, action: Action, node: String, ctx: &PaneCtx) -> Out {
        if ctx.read_only {
            return notify("read-only mode: actions are disabled");
        }
        if let Some(why) = self.denied("", Perm::PatchNodes) {
            return notify(format!("{} unavailable: {why}", action_name(action)));
        }
        if action == Action::Drain {
            // How long evictions a PodDisruptionBudget holds back are retried
            // depends on the incident: asked each time, five minutes offered.
            return Outcome::Form(crate::pane::Form::new(
                WForm::Drain { node: node.clone() },
                format!(
                    "Drain node {node}: cordon, then evict its pods (held by a PodDisruptionBudget: retried until the timeout)"
                ),
                vec![crate::pane::FormField::new(
                    "timeout",
                    humantime::format_duration(DRAIN_TIMEOUT).to_string(),
                )],
            ));
        }
        let target = self.node_target(node);
        Outcome::Request(match action {
            Action::Uncordon => ActionSpec::Uncordon(target),
            _ => ActionSpec::Cordon(target),
        })
    }

    fn node_target(&self, node: String) -> KubeTarget {
        KubeTarget {
            kind: "node".into(),
            name: node,
            namespace: None,
            context: (!self.context.context.is_empty()).then(|| self.context.context.clone()),
        }
    }

    /// The drain form's answer: a timeout (`90s`, `5m`, `1h`), then the
    /// previewed drain.
    pub(super) fn on_drain_form(&mut self, node: String, value: &str, ctx: &PaneCtx) -> Out {
        if ctx.read_only {
            return notify("read-only mode: actions are disabled");
        }
        let timeout = match humantime::parse_duration(value) {
            Ok(t) if t.as_secs() >= 1 && t <= MAX_DRAIN_TIMEOUT => t,
            Ok(_) => {
                return notify(format!(
                    "drain: timeout {value:?} must be between 1s and 24h"
                ));
            }
            Err(e) => {
                return notify(format!(
                    "drain: {value:?} is not a duration (90s, 5m, 1h): {e}"
                ));
            }
        };
        Outcome::Request(ActionSpec::Drain {
            target: self.node_target(node),
            timeout,
            pods: None,
        })
    }
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Cordon => "cordon",
        Action::Uncordon => "uncordon",
        _ => "drain",
    }
}
