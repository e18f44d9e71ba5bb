//! The alerts pane's state: snapshots per source, merged and grouped alerts,
//! silences, the selection, and what each key does. The keys that leave the
//! pane (silence, ack, expire, jumps) are in `pane_actions.rs`, the report
//! section in `pane_report.rs`, rendering in `view.rs`.

use super::matcher::{Filter, parse_list, split_words};
use super::model::{
    self, AlertState, BrokenRule, Group, MergedAlert, Silence, SilenceState, Snapshot,
};
use super::pane_actions::silence_form;
use super::timeline::Timeline;
use super::{Action, SilenceForm};
use super::{Command, Update};
use crate::action::ActionSpec;
use crate::config::Config;
use crate::pane::{Input, Nav, NoCommand, Outcome, Pane, PaneCtx, PaneId, RenderCtx, SourceState};

/// What the alerts pane answers.
pub(super) type Out = Outcome<SilenceForm, Command>;
use crate::report::ReportSection;
use crate::source::{SourceId, SourceKind, SourceStatus};
use crate::ui::table::TableState;
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

/// Expired silences stay listed this long after they ended.
const RECENTLY_EXPIRED: i64 = 24 * 3600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Alerts,
    Silences,
}

/// One line of the alerts table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Group(usize),
    /// An alert inside an expanded group: (group, merged alert index).
    Alert(usize, usize),
    Rule(usize),
}

pub struct AlertsPane {
    pub(super) group_by: Vec<String>,
    /// The configured Alertmanagers (names), for the silence form's choice.
    pub(super) alertmanagers: Vec<String>,
    pub(super) ack_duration: Duration,
    pub(super) runbook_dirs: Vec<PathBuf>,
    pub(super) snapshots: BTreeMap<SourceId, Snapshot>,
    /// Sources whose last poll failed, with the reason. Their snapshot stays
    /// shown (never blank the view) but what only they report is marked stale.
    pub(super) down: BTreeMap<SourceId, String>,
    pub(super) merged: Vec<MergedAlert>,
    pub(super) groups: Vec<Group>,
    pub(super) silences: Vec<Silence>,
    pub(super) broken: Vec<(SourceId, BrokenRule)>,
    pub(super) filter: Filter,
    pub(super) view: View,
    expanded: HashSet<Vec<String>>,
    pub(super) rows: Vec<Row>,
    pub(super) table: TableState,
    pub(super) silence_table: TableState,
    pub(super) timeline: Timeline,
    announcer: super::announce::Announcer,
    /// Told by the announcer, not yet taken by the app.
    announcements: Vec<crate::pane::Announcement>,
    /// Fired, silenced, acked, resolved: for an incident's timeline.
    changes: super::observe::AlertChanges,
    observations: Vec<crate::observed::Observed>,
}

impl AlertsPane {
    pub fn new(cfg: &Config) -> Self {
        Self {
            group_by: if cfg.alerts.group_by.is_empty() {
                vec!["alertname".into()]
            } else {
                cfg.alerts.group_by.clone()
            },
            ack_duration: cfg.alerts.ack_duration,
            alertmanagers: cfg.alertmanager.iter().map(|a| a.name.clone()).collect(),
            runbook_dirs: cfg.runbooks.paths.clone(),
            snapshots: BTreeMap::new(),
            down: BTreeMap::new(),
            merged: Vec::new(),
            groups: Vec::new(),
            silences: Vec::new(),
            broken: Vec::new(),
            filter: Filter::default(),
            view: View::Alerts,
            expanded: HashSet::new(),
            rows: Vec::new(),
            table: TableState::default(),
            silence_table: TableState::default(),
            timeline: Timeline::default(),
            announcer: super::announce::Announcer::new(cfg.alerts.notify),
            announcements: Vec::new(),
            changes: Default::default(),
            observations: Vec::new(),
        }
    }

    pub fn has_data(&self) -> bool {
        !self.snapshots.is_empty()
    }

    pub fn view(&self) -> View {
        self.view
    }

    /// When the data behind this alert was fetched, if every source that
    /// reported it is down: one live source is enough to call it current.
    pub(super) fn stale_since(&self, m: &MergedAlert) -> Option<Timestamp> {
        if m.sources.is_empty() || !m.sources.iter().all(|s| self.down.contains_key(s)) {
            return None;
        }
        m.sources
            .iter()
            .filter_map(|s| self.snapshots.get(s).map(|x| x.at))
            .max()
    }

    /// When the shown snapshot of `src` was taken.
    pub(super) fn snapshot_at(&self, src: &SourceId) -> Option<Timestamp> {
        self.snapshots.get(src).map(|s| s.at)
    }

    /// Every snapshot has its silences and rules from its own poll (no side
    /// request failed), so nothing can be stale while no source is down.
    pub(super) fn snapshots_complete(&self) -> bool {
        self.snapshots
            .values()
            .all(|s| s.rules_at == Some(s.at) && s.silences_at == Some(s.at))
    }

    /// When this silence list was fetched, if its Alertmanager is down or its
    /// last `/api/v2/silences` call failed (the list is then carried over).
    pub(super) fn silence_stale_since(&self, s: &Silence) -> Option<Timestamp> {
        let id = SourceId::new(SourceKind::Alertmanager, &s.alertmanager);
        let snap = self.snapshots.get(&id)?;
        let at = snap.silences_at.unwrap_or(snap.at);
        (self.down.contains_key(&id) || at < snap.at).then_some(at)
    }

    /// Like [`Self::silence_stale_since`], for a source's broken rules.
    pub(super) fn rules_stale_since(&self, src: &SourceId) -> Option<Timestamp> {
        let snap = self.snapshots.get(src)?;
        let at = snap.rules_at.unwrap_or(snap.at);
        (self.down.contains_key(src) || at < snap.at).then_some(at)
    }

    /// Every Prometheus/Alertmanager endpoint with its health, for the
    /// per-endpoint lines: the pane's own record (down, partial polls) first,
    /// the app's source status for endpoints that never sent data.
    pub(super) fn endpoints(
        &self,
        statuses: &BTreeMap<SourceId, SourceState>,
    ) -> Vec<(SourceId, Health)> {
        let ids: std::collections::BTreeSet<&SourceId> = statuses
            .keys()
            .filter(|id| matches!(id.kind, SourceKind::Prometheus | SourceKind::Alertmanager))
            .chain(self.snapshots.keys())
            .chain(self.down.keys())
            .collect();
        ids.into_iter()
            .map(|id| {
                let snap = self.snapshots.get(id);
                let health = if let Some(reason) = self.down.get(id) {
                    Health::Down {
                        reason: reason.clone(),
                        data_at: snap.map(|s| s.at),
                    }
                } else if let Some(snap) = snap {
                    if snap.partial.is_empty() {
                        Health::Ok
                    } else {
                        Health::Partial(
                            snap.partial
                                .iter()
                                .map(|(what, e)| format!("{what}: {}", short_reason(e)))
                                .collect::<Vec<_>>()
                                .join("; "),
                        )
                    }
                } else {
                    match statuses.get(id).map(|s| &s.status) {
                        Some(SourceStatus::Connected { .. }) => Health::Ok,
                        Some(SourceStatus::Stale { reason })
                        | Some(SourceStatus::Unreachable { reason, .. }) => Health::Down {
                            reason: reason.clone(),
                            data_at: None,
                        },
                        Some(SourceStatus::NotConfigured { .. }) => Health::Off("not configured"),
                        Some(SourceStatus::Disabled) => Health::Off("disabled"),
                        Some(SourceStatus::Loading) | None => Health::Loading,
                    }
                };
                (id.clone(), health)
            })
            .collect()
    }

    fn recompute(&mut self) {
        let keep = self.selected_group_key();
        self.merged = model::merge(self.snapshots.values());
        self.groups = model::group(&self.merged, &self.group_by, &self.filter);
        let newest = self.snapshots.values().map(|s| s.at).max();
        let mut silences: Vec<Silence> = self
            .snapshots
            .values()
            .flat_map(|s| s.silences.iter().cloned())
            .filter(|s| {
                s.state != SilenceState::Expired
                    || match (s.ends_at, newest) {
                        (Some(e), Some(n)) => n.as_second() - e.as_second() < RECENTLY_EXPIRED,
                        _ => false,
                    }
            })
            .filter(|s| {
                self.filter.words.is_empty()
                    || self.filter.words.iter().all(|w| {
                        format!(
                            "{} {} {} {}",
                            s.matchers_text(),
                            s.created_by,
                            s.comment,
                            s.id
                        )
                        .to_lowercase()
                        .contains(w)
                    })
            })
            .collect();
        silences.sort_by(|a, b| {
            a.state.cmp(&b.state).then_with(|| match a.state {
                SilenceState::Expired => b.ends_at.cmp(&a.ends_at),
                _ => a.ends_at.cmp(&b.ends_at),
            })
        });
        self.silences = silences;
        self.broken = self
            .snapshots
            .values()
            .flat_map(|s| s.broken_rules.iter().map(|r| (s.source.clone(), r.clone())))
            .collect();
        self.rebuild_rows(keep);
    }

    fn rebuild_rows(&mut self, keep: Option<Vec<String>>) {
        self.rows.clear();
        for (gi, g) in self.groups.iter().enumerate() {
            self.rows.push(Row::Group(gi));
            if g.alerts.len() > 1 && self.expanded.contains(&g.key) {
                self.rows
                    .extend(g.alerts.iter().map(|&ai| Row::Alert(gi, ai)));
            }
        }
        self.rows.extend((0..self.broken.len()).map(Row::Rule));
        // At the top, stay at the top: new groups appear above the old selection.
        if let Some(key) = keep.filter(|_| self.table.selected > 0)
            && let Some(pos) = self
                .rows
                .iter()
                .position(|r| matches!(r, Row::Group(gi) if self.groups[*gi].key == key))
            && !matches!(self.rows.get(self.table.selected), Some(Row::Group(gi)) if self.groups[*gi].key == key)
            && !matches!(self.rows.get(self.table.selected), Some(Row::Alert(gi, _)) if self.groups[*gi].key == key)
        {
            self.table.selected = pos;
        }
        self.table.clamp(self.rows.len());
        self.silence_table.clamp(self.silences.len());
    }

    fn selected_group_key(&self) -> Option<Vec<String>> {
        match self.rows.get(self.table.selected)? {
            Row::Group(gi) | Row::Alert(gi, _) => self.groups.get(*gi).map(|g| g.key.clone()),
            Row::Rule(_) => None,
        }
    }

    /// The alerts the selection stands for: a whole group, or one alert.
    pub(super) fn selected_alerts(&self) -> Vec<&MergedAlert> {
        match self.rows.get(self.table.selected) {
            Some(Row::Group(gi)) => self.groups[*gi]
                .alerts
                .iter()
                .map(|&i| &self.merged[i])
                .collect(),
            Some(Row::Alert(_, ai)) => vec![&self.merged[*ai]],
            _ => Vec::new(),
        }
    }

    /// Silenced only by acks (and at least one): the state to show is "acked".
    pub(super) fn is_acked(&self, a: &model::Alert) -> bool {
        a.state == AlertState::Silenced
            && !a.silenced_by.is_empty()
            && a.silenced_by.iter().all(|id| {
                self.silences
                    .iter()
                    .find(|s| &s.id == id)
                    .is_some_and(Silence::is_ack)
            })
    }

    /// The one alert the detail panel and the jumps use.
    pub(super) fn focused_alert(&self) -> Option<&MergedAlert> {
        self.selected_alerts().into_iter().next()
    }

    pub(super) fn selected_silence(&self) -> Option<&Silence> {
        self.silences.get(self.silence_table.selected)
    }

    /// Current alerts a silence applies to (its "affects" list).
    pub(super) fn affected_by(&self, s: &Silence) -> Vec<&MergedAlert> {
        self.merged
            .iter()
            .filter(|m| s.matches(&m.alert.labels))
            .collect()
    }

    /// Firing counts per group in this one snapshot, for the sparklines.
    fn record_timeline(&mut self, snap: &Snapshot) {
        let merged = model::merge([snap]);
        let counts: HashMap<Vec<String>, u16> =
            model::group(&merged, &self.group_by, &Filter::default())
                .into_iter()
                .map(|g| {
                    (
                        g.key,
                        (g.firing + g.suppressed).min(u16::MAX as usize) as u16,
                    )
                })
                .collect();
        self.timeline
            .record(&snap.source.to_string(), snap.at, &counts);
    }

    fn toggle_expand(&mut self, open: Option<bool>) -> Out {
        let gi = match self.rows.get(self.table.selected) {
            Some(Row::Group(gi)) | Some(Row::Alert(gi, _)) => *gi,
            _ => return Outcome::Handled,
        };
        let key = self.groups[gi].key.clone();
        let is_open = self.expanded.contains(&key);
        match open.unwrap_or(!is_open) {
            true => self.expanded.insert(key.clone()),
            false => self.expanded.remove(&key),
        };
        self.rebuild_rows(None);
        if let Some(pos) = self.rows.iter().position(|r| *r == Row::Group(gi)) {
            self.table.selected = pos;
        }
        Outcome::Handled
    }
}

/// One endpoint's health as the pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Health {
    Ok,
    Loading,
    /// Not configured or disabled.
    Off(&'static str),
    /// Alerts came through, some side request failed.
    Partial(String),
    /// The last poll failed; `data_at` is when the shown data was fetched.
    Down {
        reason: String,
        data_at: Option<Timestamp>,
    },
}

/// An error without its `GET http://host/path: ` prefix: the endpoint line
/// already names the source, and 80 columns leave room for the cause only.
pub(super) fn short_reason(reason: &str) -> &str {
    match reason.split_once(": ") {
        Some((head, rest)) if head.contains("://") => rest,
        _ => reason,
    }
}

impl Pane for AlertsPane {
    type Action = Action;
    type Form = SilenceForm;
    type PaletteCommand = NoCommand;
    type Update = Update;
    type Command = Command;

    fn id(&self) -> PaneId {
        PaneId::Alerts
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        super::view::render(self, area, buf, ctx);
    }

    fn take_announcements(&mut self) -> Vec<crate::pane::Announcement> {
        std::mem::take(&mut self.announcements)
    }

    fn apply(&mut self, update: Update) -> bool {
        let mut snap = match update {
            Update::Snapshot(snap) => snap,
            Update::Down { source, reason } => {
                // Redraw even when the reason is unchanged: the data age moves on.
                self.down.insert(source, reason);
                return true;
            }
        };
        // A failed side request: keep what the previous poll knew (shown stale)
        // rather than pretending there are no silences or broken rules.
        if let Some(old) = self.snapshots.get(&snap.source).filter(|o| o.at <= snap.at) {
            if snap.silences_at.is_none() {
                snap.silences = old.silences.clone();
                snap.silences_at = old.silences_at;
            }
            if snap.rules_at.is_none() {
                snap.broken_rules = old.broken_rules.clone();
                snap.rules_total = old.rules_total;
                snap.rules_at = old.rules_at;
            }
        }
        self.record_timeline(&snap);
        let same = self.snapshots.get(&snap.source).is_some_and(|old| {
            old.alerts == snap.alerts
                && old.silences == snap.silences
                && old.broken_rules == snap.broken_rules
        });
        // Only a newer poll replaces what is shown (the demo replays history).
        if self
            .snapshots
            .get(&snap.source)
            .is_some_and(|old| old.at > snap.at)
        {
            return false;
        }
        // A successful poll: the source is back, its data current again.
        self.down.remove(&snap.source);
        let source = snap.source.clone();
        let at = snap.at;
        self.snapshots.insert(source.clone(), *snap);
        if same {
            // Ages and sparklines move on even when the alerts did not change.
            return true;
        }
        self.recompute();
        let told = self.announcer.observe(&source, &self.merged);
        self.announcements.extend(told);
        let mut changes = std::mem::take(&mut self.changes);
        let seen = changes.observe(&source, at, &self.merged, |a| self.is_acked(a));
        self.changes = changes;
        self.observations.extend(seen);
        true
    }

    fn take_observations(&mut self) -> Vec<crate::observed::Observed> {
        std::mem::take(&mut self.observations)
    }

    fn on_input(&mut self, input: Input<Action>, ctx: &PaneCtx) -> Out {
        let alerts = self.view == View::Alerts;
        let action = match input {
            Input::Nav(nav) => {
                let len = match self.view {
                    View::Alerts => self.rows.len(),
                    View::Silences => self.silences.len(),
                };
                let state = match self.view {
                    View::Alerts => &mut self.table,
                    View::Silences => &mut self.silence_table,
                };
                if state.navigate(nav, len) {
                    return Outcome::Handled;
                }
                return match nav {
                    Nav::Select if alerts => self.toggle_expand(None),
                    Nav::Right if alerts => self.toggle_expand(Some(true)),
                    Nav::Left if alerts => self.toggle_expand(Some(false)),
                    Nav::Back if alerts => self.toggle_expand(Some(false)),
                    Nav::Back => {
                        self.view = View::Alerts;
                        Outcome::Handled
                    }
                    _ => Outcome::Ignored,
                };
            }
            Input::Action(a) => a,
        };
        match action {
            Action::ToggleSilences => {
                self.view = match self.view {
                    View::Alerts => View::Silences,
                    View::Silences => View::Alerts,
                };
                Outcome::Handled
            }
            Action::Silence if alerts => self.silence_form(ctx.read_only),
            Action::Ack if alerts => self.ack(ctx.read_only),
            Action::Silence | Action::Ack => {
                Outcome::Notify("switch to the alerts view (v) to silence".into())
            }
            Action::ExpireSilence => self.expire(ctx.read_only),
            Action::OpenRunbook => self.open_runbook(),
            Action::JumpLogs => self.jump_logs(),
            Action::JumpTarget => self.jump_target(),
            Action::Graph => self.graph(),
            Action::Refresh => Outcome::Command(Command::Refresh),
        }
    }

    fn set_filter(&mut self, filter: &str) {
        self.filter = Filter::parse(filter);
        self.recompute();
    }

    fn on_form(&mut self, form: SilenceForm, values: &[String], ctx: &PaneCtx) -> Out {
        if ctx.read_only {
            return Outcome::Notify("read-only mode: silences are disabled".into());
        }
        let get = |i: usize| {
            values
                .get(i)
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let (matchers, duration, comment) = (get(0), get(1), get(2));
        // The chosen Alertmanager (field 4, present when there is a choice);
        // empty keeps the one that reported the alerts.
        let chosen = values.get(3).map(|s| s.trim()).filter(|s| !s.is_empty());
        let known = self.known_ams();
        let words = split_words(&matchers);
        let error = parse_list(&words)
            .err()
            .map(|e| e.to_string())
            .or_else(|| {
                crate::text::parse_duration(&duration)
                    .err()
                    .map(|e| e.to_string())
            })
            .or_else(|| {
                (crate::text::parse_duration(&duration).ok() == Some(Duration::ZERO))
                    .then(|| "duration must be longer than 0".to_string())
            })
            .or_else(|| {
                comment
                    .is_empty()
                    .then(|| "a comment is required: say why".to_string())
            })
            .or_else(|| {
                chosen.filter(|c| !known.iter().any(|k| k == c)).map(|c| {
                    format!(
                        "no Alertmanager named {c:?}; choose one of: {}",
                        known.join(", ")
                    )
                })
            });
        let am = chosen
            .map(str::to_string)
            .or_else(|| form.alertmanager.clone());
        if let Some(e) = error {
            return Outcome::Many(vec![
                Outcome::Form(silence_form(
                    form,
                    format!("Silence — {e}"),
                    &matchers,
                    &duration,
                    &comment,
                    (values.len() > 3).then(|| (get(3), known)),
                )),
                Outcome::Notify(e),
            ]);
        }
        Outcome::Request(ActionSpec::Silence {
            matchers: words,
            duration: crate::text::parse_duration(&duration).unwrap_or(Duration::from_secs(3600)),
            comment,
            alertmanager: am,
        })
    }

    fn report(&self, _now: Timestamp) -> Option<ReportSection> {
        Some(self.report_section())
    }

    fn context_label(&self) -> Option<String> {
        let firing = self
            .merged
            .iter()
            .filter(|m| m.alert.state == AlertState::Firing)
            .count();
        (self.has_data()).then(|| format!("{firing} firing"))
    }
}
