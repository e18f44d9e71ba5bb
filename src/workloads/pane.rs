//! The workloads pane: problems first (or the workload tree), a detail view,
//! and the keys that turn into actions, log jumps and worker commands. Pure
//! state: all I/O goes out as [`Outcome`]s.

use super::model::{Key, Kind};
use super::store::{Filter, Row, Store};
use super::{
    Action, Command, ContextInfo, Form as WForm, PaletteCommand as WCommand, Perm, Update,
};
use crate::action::{ActionSpec, KubeTarget};
use crate::config::Config;
use crate::pane::{
    Form, FormField, Input, Jump, Nav, Outcome, PaletteCommand, Pane, PaneCtx, PaneId, RenderCtx,
};
use crate::report::{Problem, ReportSection};
use crate::ui::scroll::Scroll;
use crate::ui::table::TableState;
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Problems,
    Tree,
}

/// Rows are recomputed when data changed, or this long after the last time
/// (time-driven states such as "terminating past its grace period").
const ROWS_MAX_AGE_SECS: i64 = 5;

/// What the workloads pane answers.
pub(super) type Out = Outcome<WForm, Command>;

/// A status-line message; names and reasons come from the cluster, so sanitised.
pub(super) fn notify(msg: impl AsRef<str>) -> Out {
    Outcome::Notify(crate::text::sanitize(msg.as_ref()).into_owned())
}

pub struct WorkloadsPane {
    pub(super) store: Store,
    pub(super) view: View,
    pub(super) detail: Option<(Kind, Key)>,
    pub(super) detail_scroll: Scroll,
    pub(super) table: TableState,
    pub(super) filter: Filter,
    pub(super) filter_text: String,
    pub(super) rows: Vec<Row>,
    rows_dirty: bool,
    /// Crashes and rollouts seen in watch events, for an incident's timeline.
    observations: Vec<crate::observed::Observed>,
    rows_at: Option<Timestamp>,
    pub(super) context: ContextInfo,
    /// namespace (or `*`) → permission → denied reason.
    pub(super) access: HashMap<String, HashMap<Perm, Option<String>>>,
    /// Namespaces whose access was asked for (answered or not), so each is
    /// reviewed once per connection.
    pub(super) access_asked: HashSet<String>,
    /// The console's port-forwards, as the worker reports them.
    pub(super) forwards: super::forwards::Forwards,
    /// `[kubernetes] forward_addresses`.
    pub(super) forward_addresses: Vec<std::net::IpAddr>,
    /// The events view (grouped by object), when open.
    pub(super) events: super::events_view::EventsView,
    /// The nodes view, when open.
    pub(super) nodes: super::nodes_view::NodesView,
    /// `[exec]`: which shell a shell opens, per context and image.
    pub(super) exec: crate::config::Exec,
    /// `[metrics]`: the CPU and memory queries of `graph_*`.
    pub(super) graphs: crate::config::Metrics,
    /// The manifest viewer, while open: the only holder of a manifest and
    /// of a revealed Secret value.
    pub(super) manifest: Option<super::manifest_view::ManifestView>,
}

impl WorkloadsPane {
    pub fn new(cfg: &Config) -> Self {
        Self {
            store: Store::default(),
            view: View::Problems,
            detail: None,
            detail_scroll: Scroll::default(),
            table: TableState::default(),
            filter: Filter::All,
            filter_text: String::new(),
            rows: Vec::new(),
            rows_dirty: true,
            observations: Vec::new(),
            rows_at: None,
            context: ContextInfo {
                context: cfg.kubernetes.context.clone().unwrap_or_default(),
                namespaces: cfg.kubernetes.namespaces.clone(),
                contexts: Vec::new(),
            },
            access: HashMap::new(),
            access_asked: HashSet::new(),
            forwards: Default::default(),
            forward_addresses: cfg.kubernetes.forward_addresses.clone(),
            events: Default::default(),
            nodes: Default::default(),
            exec: cfg.exec.clone(),
            graphs: cfg.metrics.clone(),
            manifest: None,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Recompute the visible rows if needed, keeping the selected object selected.
    pub(super) fn refresh_rows(&mut self, now: Timestamp) {
        let stale = self
            .rows_at
            .is_none_or(|t| now.duration_since(t).as_secs() >= ROWS_MAX_AGE_SECS || t > now);
        if !self.rows_dirty && !stale {
            return;
        }
        let selected = self
            .rows
            .get(self.table.selected)
            .map(|r| (r.kind, r.key.clone()));
        self.rows = match self.view {
            View::Problems => self.store.problems(now, &self.filter),
            View::Tree => self.store.tree(now, &self.filter),
        };
        if let Some((k, key)) = selected
            && let Some(i) = self.rows.iter().position(|r| r.kind == k && r.key == key)
        {
            self.table.selected = i;
        }
        self.table.clamp(self.rows.len());
        self.rows_dirty = false;
        self.rows_at = Some(now);
    }

    pub(super) fn selected(&mut self, now: Timestamp) -> Option<(Kind, Key)> {
        if let Some(d) = &self.detail {
            return Some(d.clone());
        }
        self.refresh_rows(now);
        self.rows
            .get(self.table.selected)
            .map(|r| (r.kind, r.key.clone()))
    }

    /// Why `perm` is refused in `namespace`: the namespace's own verdict,
    /// else the cluster-wide one. Per permission, because a review that
    /// failed leaves its permission out of the namespace's verdicts.
    pub(super) fn denied(&self, namespace: &str, perm: Perm) -> Option<String> {
        self.access
            .get(namespace)
            .and_then(|m| m.get(&perm))
            .or_else(|| self.access.get("*").and_then(|m| m.get(&perm)))
            .cloned()
            .flatten()
    }

    /// Watching all namespaces: only cluster-wide reviews were made up front.
    pub(super) fn all_namespaces(&self) -> bool {
        self.context.namespaces.iter().any(|n| n == "*")
    }

    /// Ask for the verdicts in `namespace` unless known or already asked.
    pub(super) fn ask_access(&mut self, namespace: &str) -> Option<Out> {
        if !self.all_namespaces()
            || namespace.is_empty()
            || self.access.contains_key(namespace)
            || !self.access_asked.insert(namespace.to_string())
        {
            return None;
        }
        Some(Outcome::Command(Command::CheckAccess {
            namespace: namespace.to_string(),
        }))
    }

    /// After a key moved the selection (or opened a detail), fetch the
    /// selected namespace's verdicts so the offered actions are right by the
    /// time the user reaches for one.
    fn with_access_check(&mut self, out: Out, now: Timestamp) -> Out {
        if matches!(out, Outcome::Ignored) || !self.all_namespaces() {
            return out;
        }
        let Some((_, key)) = self.selected(now) else {
            return out;
        };
        match self.ask_access(&key.namespace) {
            Some(ask) => Outcome::Many(vec![out, ask]),
            None => out,
        }
    }

    pub(super) fn target(&self, kind: Kind, key: &Key) -> KubeTarget {
        KubeTarget {
            kind: kind.arg().into(),
            name: key.name.clone(),
            namespace: Some(key.namespace.clone()),
            context: (!self.context.context.is_empty()).then(|| self.context.context.clone()),
        }
    }
}

impl Pane for WorkloadsPane {
    type Action = Action;
    type Form = WForm;
    type PaletteCommand = WCommand;
    type Update = Update;
    type Command = Command;

    fn id(&self) -> PaneId {
        PaneId::Workloads
    }

    fn prepare(&mut self, now: Timestamp) {
        if self.events.open {
            self.events.refresh(&self.store, &self.filter_text);
        } else if self.nodes.open {
            self.nodes.refresh(&self.store, now);
        } else {
            self.refresh_rows(now);
        }
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        super::view::render(self, area, buf, ctx);
    }

    fn apply(&mut self, u: Update) -> bool {
        match u {
            Update::Context(info) => {
                self.context = info;
                self.access.clear();
                self.access_asked.clear();
                self.detail = None;
                self.table = TableState::default();
                self.store.clear();
                self.events.invalidate();
                self.nodes.invalidate();
                // An object of the old context.
                self.manifest = None;
            }
            Update::Access {
                namespace,
                verdicts,
            } => {
                // Every review failed (the worker leaves errors out): still
                // unknown, so let the next key ask again instead of settling
                // on the cluster-wide verdict for the whole connection.
                if verdicts.is_empty() && namespace != "*" {
                    self.access_asked.remove(&namespace);
                    return false;
                }
                self.access
                    .insert(namespace, verdicts.into_iter().collect());
                return true;
            }
            Update::Forward { id, change } => return self.forwards.apply(id, change),
            Update::Manifest(answer) => return self.apply_manifest(*answer),
            other => {
                if other.touches(Kind::Event) {
                    self.events.invalidate();
                }
                if other.touches(Kind::Node) || other.touches(Kind::Pod) {
                    self.nodes.invalidate();
                }
                let burst = matches!(&other, Update::Reset { objects, .. } if objects.len() >= super::store::BURST);
                let context = Some(self.context.context.as_str()).filter(|c| !c.is_empty());
                let seen = super::observe::changes(&self.store, &other, context, Timestamp::now());
                self.observations.extend(seen);
                if !self.store.apply(other) {
                    return false;
                }
                if burst {
                    // Off the UI task: trimming a large heap takes a while.
                    crate::memory::release_freed_heap_in_background();
                }
            }
        }
        self.rows_dirty = true;
        true
    }

    fn take_observations(&mut self) -> Vec<crate::observed::Observed> {
        std::mem::take(&mut self.observations)
    }

    fn on_input(&mut self, input: Input<Action>, ctx: &PaneCtx) -> Out {
        let out = self.handle_input(input, ctx);
        self.with_access_check(out, ctx.now)
    }

    fn set_filter(&mut self, filter: &str) {
        // While the viewer is open, `/` searches the manifest.
        if let Some(m) = self.manifest.as_mut() {
            m.set_search(filter);
            return;
        }
        self.filter_text = crate::text::sanitize(filter).into_owned();
        self.filter = Filter::parse(filter);
        self.table.selected = 0;
        self.rows_dirty = true;
    }

    fn on_jump(&mut self, jump: &Jump, ctx: &PaneCtx) -> Out {
        let out = self.handle_jump(jump, ctx);
        self.with_access_check(out, ctx.now)
    }

    fn on_form(&mut self, form: WForm, values: &[String], ctx: &PaneCtx) -> Out {
        self.handle_form(form, values, ctx)
    }

    fn palette_commands(&self) -> Vec<PaletteCommand<WCommand>> {
        let mut v = vec![
            PaletteCommand::new(
                "context",
                "Switch Kubernetes context: context NAME",
                WCommand::Context(None),
            )
            .with_arg(),
            PaletteCommand::new(
                "namespace",
                "Watch namespaces: namespace NS[,NS…] or *",
                WCommand::Namespaces,
            )
            .with_arg(),
        ];
        for c in &self.context.contexts {
            v.push(PaletteCommand::new(
                format!("context {c}"),
                format!("Switch to context {c}"),
                WCommand::Context(Some(c.clone())),
            ));
        }
        v
    }

    fn on_command(&mut self, command: WCommand, arg: &str, _ctx: &PaneCtx) -> Out {
        match command {
            WCommand::Context(Some(name)) => Outcome::Command(Command::SwitchContext(name)),
            WCommand::Context(None) if !arg.trim().is_empty() => {
                Outcome::Command(Command::SwitchContext(arg.trim().to_string()))
            }
            WCommand::Context(None) => notify("context: name one, e.g. `context prod`"),
            WCommand::Namespaces => {
                Outcome::Command(Command::SwitchNamespaces(Self::namespaces_arg(arg)))
            }
        }
    }

    fn report(&self, now: Timestamp) -> Option<ReportSection> {
        let problems: Vec<Problem> = self
            .store
            .problems(now, &Filter::All)
            .into_iter()
            .map(|r| {
                let sev = r
                    .health
                    .severity
                    .unwrap_or(crate::report::Severity::Warning);
                let mut p = Problem::new(
                    sev,
                    r.key.name.clone(),
                    r.health.reason.clone(),
                    r.health.detail.clone(),
                )
                .field("kind", r.kind.label())
                .field("explanation", r.health.explanation.clone())
                .field("next_step", r.health.next_step.clone());
                if !r.key.namespace.is_empty() {
                    p = p.namespace(r.key.namespace.clone());
                }
                if r.kind == Kind::Pod {
                    p = p.field("restarts", r.restarts);
                }
                p
            })
            .collect();
        let (pods, controllers) = self.store.counts();
        let counts = format!(
            "{}, {}, {}",
            crate::text::count(pods, "pod"),
            crate::text::count(controllers, "workload"),
            crate::text::count(problems.len(), "problem")
        );
        let summary = match self.context_label() {
            Some(label) => format!("{label} — {counts}"),
            None => counts,
        };
        Some(ReportSection::new(summary, problems))
    }

    fn context_label(&self) -> Option<String> {
        if self.context.context.is_empty() {
            return None;
        }
        let ns = if self.context.namespaces.is_empty() {
            "default".to_string()
        } else {
            self.context.namespaces.join(",")
        };
        Some(format!("{}/{}", self.context.context, ns))
    }
}

/// The keys, jumps and forms themselves; the trait methods add the lazy access check.
impl WorkloadsPane {
    fn handle_input(&mut self, input: Input<Action>, ctx: &PaneCtx) -> Out {
        if let Some(out) = self.manifest_input(&input, ctx) {
            return out;
        }
        if let Some(out) = self.events_input(&input) {
            return out;
        }
        if let Some(out) = self.nodes_input(&input, ctx) {
            return out;
        }
        if let Some(out) = self.forwards_input(&input) {
            return out;
        }
        if self.detail.is_some() {
            match input {
                Input::Nav(Nav::Back) => {
                    self.detail = None;
                    return Outcome::Handled;
                }
                Input::Nav(nav) if self.detail_scroll.navigate(nav) => return Outcome::Handled,
                _ => {}
            }
        }
        let action = match input {
            Input::Nav(Nav::Select) => {
                self.refresh_rows(ctx.now);
                if let Some(r) = self.rows.get(self.table.selected) {
                    self.detail = Some((r.kind, r.key.clone()));
                    self.detail_scroll.reset();
                }
                return Outcome::Handled;
            }
            Input::Nav(nav) => {
                self.refresh_rows(ctx.now);
                return if self.table.navigate(nav, self.rows.len()) {
                    Outcome::Handled
                } else {
                    Outcome::Ignored
                };
            }
            Input::Action(a) => a,
        };
        match action {
            Action::ToggleView => {
                self.view = match self.view {
                    View::Problems => View::Tree,
                    View::Tree => View::Problems,
                };
                self.detail = None;
                self.table = TableState::default();
                self.rows_dirty = true;
                Outcome::Handled
            }
            Action::Logs => self.logs(false, false, ctx.now),
            Action::PreviousLogs => self.logs(true, false, ctx.now),
            Action::LogsSince => self.logs(false, true, ctx.now),
            Action::Shell | Action::Exec => self.session(action, ctx),
            Action::PortForward => self.port_forward_form(ctx),
            Action::Forwards => {
                self.forwards.open = true;
                self.events.open = false;
                self.nodes.open = false;
                Outcome::Handled
            }
            Action::Events => self.open_events(),
            Action::GraphMemory | Action::GraphCpu => self.graph(action, ctx),
            Action::Manifest => self.open_manifest(ctx),
            Action::SaveManifest | Action::RevealSecret => {
                notify("open a manifest first (y on the selected object)")
            }
            Action::Nodes => self.open_nodes(),
            Action::Cordon | Action::Uncordon | Action::Drain => {
                self.node_action_on_selection(action, ctx)
            }
            Action::StopAllForwards => self.stop_all_forwards(),
            Action::StopForward => {
                self.forwards.open = true;
                notify("select the port-forward to stop in this list")
            }
            Action::DeletePod | Action::RolloutRestart | Action::RolloutUndo | Action::Scale => {
                self.act(action, ctx)
            }
            Action::SwitchContext => {
                let others: Vec<&str> = self
                    .context
                    .contexts
                    .iter()
                    .map(String::as_str)
                    .filter(|c| *c != self.context.context)
                    .collect();
                Outcome::Form(Form::new(
                    WForm::Context,
                    if others.is_empty() {
                        "Switch Kubernetes context".into()
                    } else {
                        format!("Switch context — available: {}", others.join(", "))
                    },
                    vec![FormField::new("context", self.context.context.clone())],
                ))
            }
            Action::SwitchNamespace => Outcome::Form(Form::new(
                WForm::Namespaces,
                "Namespaces to watch (comma-separated; * for all)",
                vec![FormField::new(
                    "namespaces",
                    self.context.namespaces.join(","),
                )],
            )),
        }
    }

    fn handle_jump(&mut self, jump: &Jump, ctx: &PaneCtx) -> Out {
        let Jump::Workload { namespace, name } = jump else {
            return Outcome::Ignored;
        };
        let matches =
            |k: &Key| &k.name == name && namespace.as_ref().is_none_or(|n| *n == k.namespace);
        let found = self
            .store
            .pods
            .keys()
            .find(|k| matches(k))
            .map(|k| (Kind::Pod, k.clone()))
            .or_else(|| {
                self.store
                    .workloads
                    .keys()
                    .find(|(kind, k)| *kind != Kind::ReplicaSet && matches(k))
                    .cloned()
            });
        match found {
            Some(d) => {
                self.detail = Some(d);
                self.detail_scroll.reset();
                Outcome::Handled
            }
            None => {
                // Not loaded (yet): filter for it so it shows when it arrives.
                self.set_filter(name);
                self.refresh_rows(ctx.now);
                notify(format!(
                    "workload {name} not found in the watched namespaces"
                ))
            }
        }
    }

    fn handle_form(&mut self, form: WForm, values: &[String], ctx: &PaneCtx) -> Out {
        let value = values.first().map(|v| v.trim()).unwrap_or("");
        match form {
            WForm::Context if value.is_empty() => Outcome::Ignored,
            WForm::Context => Outcome::Command(Command::SwitchContext(value.to_string())),
            WForm::Namespaces => {
                Outcome::Command(Command::SwitchNamespaces(Self::namespaces_arg(value)))
            }
            WForm::Logs(form) => self.on_logs_form(form, values),
            WForm::Exec(_) if ctx.read_only => notify("read-only mode: exec is disabled"),
            WForm::Exec(form) => self.on_exec_form(form, values),
            WForm::Forward { .. } if ctx.read_only => {
                notify("read-only mode: port-forward is disabled")
            }
            WForm::Forward { namespace } => self.on_forward_form(namespace, values),
            WForm::Manifest(form) => self.on_manifest_form(form, values, ctx),
            WForm::Drain { node } => self.on_drain_form(node, value, ctx),
            WForm::Scale { .. } | WForm::Undo { .. } if ctx.read_only => {
                notify("read-only mode: actions are disabled")
            }
            WForm::Scale { kind, key } => match value.parse::<i32>() {
                Ok(n) if n >= 0 => Outcome::Request(ActionSpec::Scale {
                    target: self.target(kind, &key),
                    replicas: n,
                }),
                _ => notify(format!(
                    "scale: {value:?} is not a replica count (0 or more)"
                )),
            },
            WForm::Undo { key } => {
                let to_revision = if value.is_empty() {
                    None
                } else {
                    match value.parse::<i64>() {
                        Ok(r) => Some(r),
                        Err(_) => {
                            return notify(format!(
                                "rollout undo: {value:?} is not a revision number"
                            ));
                        }
                    }
                };
                Outcome::Request(ActionSpec::RolloutUndo {
                    target: self.target(Kind::Deployment, &key),
                    to_revision,
                })
            }
        }
    }
}

#[cfg(test)]
#[path = "pane_actions_tests.rs"]
mod actions_tests;
#[cfg(test)]
#[path = "pane_events_tests.rs"]
mod events_tests;
#[cfg(test)]
#[path = "pane_forwards_tests.rs"]
mod forwards_tests;
#[cfg(test)]
#[path = "pane_manifest_tests.rs"]
mod manifest_tests;
#[cfg(test)]
#[path = "pane_metrics_tests.rs"]
mod metrics_tests;
#[cfg(test)]
#[path = "pane_nodes_tests.rs"]
mod nodes_tests;
#[cfg(test)]
#[path = "pane_test_support.rs"]
mod test_support;
#[cfg(test)]
#[path = "pane_tests.rs"]
mod tests;
