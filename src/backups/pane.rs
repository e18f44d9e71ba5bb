//! The Backups pane: one row per source (newest good point vs RPO, count, size,
//! trend, last verification), the selected source's details below, and a
//! restore-point list on Enter. Verify/restore act on the selection.
//! Rendering is in `view.rs`.

use super::model::{Freshness, SourceData};
use super::{Action, Command, Update};
use crate::action::{ActionOutcome, ActionSpec};
use crate::config::Config;
use crate::pane::{Input, Nav, NoCommand, NoForm, Outcome, Pane, PaneCtx, PaneId, RenderCtx};
use crate::report::{Problem, ReportSection, Severity};
use crate::text::human_duration;
use crate::ui::table::TableState;
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::time::Duration;

/// One configured or reported source.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) name: String,
    pub(super) rpo: Duration,
    pub(super) data: Option<SourceData>,
}

pub struct BackupsPane {
    pub(super) entries: Vec<Entry>,
    /// Indices into `entries` in display order (breaches first), as last rendered.
    pub(super) order: Vec<usize>,
    filter: String,
    pub(super) list: TableState,
    /// The restore-point list of the selected source is open.
    pub(super) detail: Option<String>,
    pub(super) points: TableState,
    /// The last verify/restore result, shown until the next one.
    pub(super) notice: Option<(bool, String)>,
    /// RPO breaches and recoveries, for an incident's timeline.
    observations: Vec<crate::observed::Observed>,
}

/// A source whose newest good point fell behind its RPO between two scans,
/// or caught up again (the first scan is not a change).
pub(super) fn rpo_change(
    old: &super::model::SourceData,
    new: &super::model::SourceData,
    now: jiff::Timestamp,
) -> Option<crate::observed::Observed> {
    use crate::observed::{Change, Observed, Place};
    let late = |d: &super::model::SourceData| {
        d.summary(now)
            .freshness
            .severity()
            .is_some_and(|s| s == crate::report::Severity::Critical)
    };
    let change = match (late(old), late(new)) {
        (false, true) => Change::BackupLate,
        (true, false) => Change::BackupOnTime,
        _ => return None,
    };
    let rpo = crate::text::human_duration(new.rpo);
    let detail = match new.summary(now).age {
        Some(age) => format!(
            "newest good point {} old (RPO {rpo})",
            crate::text::human_duration(age)
        ),
        None => format!("no good restore point (RPO {rpo})"),
    };
    Some(Observed::new(
        now,
        change,
        Place::object(format!("backup/{}", new.name)),
        detail,
    ))
}

impl BackupsPane {
    pub fn new(cfg: &Config) -> Self {
        let entries: Vec<Entry> = cfg
            .backups
            .iter()
            .map(|b| Entry {
                name: b.name.clone(),
                rpo: b.rpo,
                data: None,
            })
            .collect();
        Self {
            order: (0..entries.len()).collect(),
            entries,
            filter: String::new(),
            list: TableState::default(),
            detail: None,
            points: TableState::default(),
            notice: None,
            observations: Vec::new(),
        }
    }

    pub(super) fn compute_order(&mut self, now: Timestamp) {
        let f = self.filter.to_lowercase();
        let mut order: Vec<usize> = (0..self.entries.len())
            .filter(|i| f.is_empty() || self.entries[*i].name.to_lowercase().contains(&f))
            .collect();
        order.sort_by_cached_key(|i| {
            let e = &self.entries[*i];
            let fr = e
                .data
                .as_ref()
                .map(|d| d.summary(now).freshness)
                .unwrap_or(Freshness::Ok);
            (fr, e.name.clone())
        });
        self.order = order;
        self.list.clamp(self.order.len());
    }

    pub(super) fn selected(&self) -> Option<&Entry> {
        if let Some(name) = &self.detail {
            return self.entries.iter().find(|e| &e.name == name);
        }
        self.order
            .get(self.list.selected)
            .map(|i| &self.entries[*i])
    }

    fn selected_point(&self) -> Option<String> {
        let e = self.selected()?;
        self.detail.as_ref()?;
        e.data
            .as_ref()?
            .points
            .get(self.points.selected)
            .map(|p| p.id.clone())
    }
}

impl Pane for BackupsPane {
    type Action = Action;
    type Form = NoForm;
    type PaletteCommand = NoCommand;
    type Update = Update;
    type Command = Command;

    fn id(&self) -> PaneId {
        PaneId::Backups
    }

    fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        super::view::render(self, area, buf, ctx);
    }

    fn take_observations(&mut self) -> Vec<crate::observed::Observed> {
        std::mem::take(&mut self.observations)
    }

    fn apply(&mut self, update: Update) -> bool {
        let Update::Source(data) = update;
        match self.entries.iter_mut().find(|e| e.name == data.name) {
            Some(e) => {
                let now = jiff::Timestamp::now();
                if let Some(old) = &e.data {
                    self.observations.extend(rpo_change(old, &data, now));
                }
                e.rpo = data.rpo;
                e.data = Some(*data);
            }
            None => {
                self.entries.push(Entry {
                    name: data.name.clone(),
                    rpo: data.rpo,
                    data: Some(*data),
                });
                self.order.push(self.entries.len() - 1);
            }
        }
        true
    }

    fn on_input(&mut self, input: Input<Action>, ctx: &PaneCtx) -> Outcome<NoForm, Command> {
        match input {
            Input::Action(Action::Verify) => match self.selected() {
                Some(e) => Outcome::Request(ActionSpec::VerifyBackup {
                    source: e.name.clone(),
                    point: self.selected_point(),
                }),
                None => Outcome::Notify("no backup source selected".into()),
            },
            Input::Action(Action::Restore) if ctx.read_only => {
                Outcome::Notify("read-only mode: restore is disabled".into())
            }
            Input::Action(Action::Restore) => match self.selected() {
                Some(e) => Outcome::Request(ActionSpec::Restore {
                    source: e.name.clone(),
                    point: self.selected_point(),
                }),
                None => Outcome::Notify("no backup source selected".into()),
            },
            Input::Nav(Nav::Select) if self.detail.is_none() => match self.selected() {
                Some(e) => {
                    self.detail = Some(e.name.clone());
                    self.points = TableState::default();
                    Outcome::Handled
                }
                None => Outcome::Ignored,
            },
            Input::Nav(Nav::Back) if self.detail.is_some() => {
                self.detail = None;
                Outcome::Handled
            }
            Input::Nav(nav) => {
                let handled = if self.detail.is_some() {
                    let n = self
                        .selected()
                        .and_then(|e| e.data.as_ref())
                        .map_or(0, |d| d.points.len());
                    self.points.navigate(nav, n)
                } else {
                    self.list.navigate(nav, self.order.len())
                };
                if handled {
                    Outcome::Handled
                } else {
                    Outcome::Ignored
                }
            }
        }
    }

    fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_string();
        self.list.selected = 0;
    }

    fn on_action_done(
        &mut self,
        spec: &ActionSpec,
        result: &Result<ActionOutcome, crate::action::ActionError>,
    ) -> bool {
        if !matches!(
            spec,
            ActionSpec::VerifyBackup { .. } | ActionSpec::Restore { .. }
        ) {
            return false;
        }
        self.notice = Some(match result {
            Ok(o) => (true, format!("✓ {}", o.summary)),
            Err(e) => (false, format!("✗ {} {}: {e}", spec.verb(), spec.target())),
        });
        true
    }

    fn report(&self, now: Timestamp) -> Option<ReportSection> {
        Some(report_section(
            &self
                .entries
                .iter()
                .filter_map(|e| e.data.clone())
                .collect::<Vec<_>>(),
            now,
        ))
    }
}

/// One object per source; breaches are critical problems, near-RPO warnings.
pub fn report_section(sources: &[SourceData], now: Timestamp) -> ReportSection {
    let mut problems = Vec::new();
    let mut breaches = 0;
    for s in sources {
        let sum = s.summary(now);
        let sev = sum.freshness.severity().unwrap_or(Severity::Info);
        if sev == Severity::Critical {
            breaches += 1;
        }
        let detail = match (&sum.newest_id, sum.age) {
            (Some(id), Some(a)) => format!(
                "newest {id} is {} old (RPO {})",
                human_duration(a),
                human_duration(s.rpo)
            ),
            _ => format!(
                "no successful restore point (RPO {})",
                human_duration(s.rpo)
            ),
        };
        let status = match sum.freshness {
            Freshness::Ok => "ok",
            Freshness::Warning => "warning",
            Freshness::Breach => "breach",
            Freshness::NoBackup => "no backup",
        };
        let mut p = Problem::new(sev, s.name.clone(), sum.freshness.label(), detail)
            .field("source", s.name.clone())
            .field("status", status)
            .field("kind", s.kind)
            .field("breach", sev == Severity::Critical)
            .field("rpo", human_duration(s.rpo))
            .field("rpo_seconds", s.rpo.as_secs())
            .field("count", sum.count)
            .field("total_size_bytes", sum.total_size);
        p = p
            .field(
                "newest_point",
                sum.newest_id
                    .clone()
                    .map_or(serde_json::Value::Null, Into::into),
            )
            .field(
                "newest_time",
                sum.newest_time
                    .map_or(serde_json::Value::Null, |t| t.to_string().into()),
            )
            .field(
                "age",
                sum.age
                    .map_or(serde_json::Value::Null, |a| human_duration(a).into()),
            )
            .field(
                "age_seconds",
                sum.age
                    .map_or(serde_json::Value::Null, |a| a.as_secs().into()),
            );
        if let Some(v) = &s.verification {
            p = p.field(
                "last_verification",
                serde_json::json!({"at": v.at.to_string(), "ok": v.ok, "message": v.message}),
            );
        }
        problems.push(p);
    }
    let n = sources.len();
    let mut section = ReportSection::new(
        format!("{n} backup source(s), {breaches} outside RPO"),
        problems,
    );
    let bad = section
        .problems
        .iter()
        .any(|p| p.severity != Severity::Info);
    section.status = if bad { "problems" } else { "ok" }.into();
    section
}
