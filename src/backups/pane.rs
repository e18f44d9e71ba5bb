//! The Backups pane: one row per source (newest good point vs RPO, count, size,
//! trend, last verification), the selected source's details below, and a
//! restore-point list on Enter. Verify/restore act on the selection.

use super::model::{Freshness, SourceData, Summary, sparkline};
use super::{Action, Command, Update};
use crate::action::{ActionOutcome, ActionSpec};
use crate::config::Config;
use crate::pane::{Input, Nav, NoCommand, NoForm, Outcome, Pane, PaneCtx, PaneId, RenderCtx};
use crate::report::{Problem, ReportSection, Severity};
use crate::source::{SourceId, SourceKind, SourceStatus};
use crate::text::{age, human_bytes, human_duration, sanitize, truncate};
use crate::theme::Theme;
use crate::ui::table::{TableState, render_table};
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use std::time::Duration;

/// One configured or reported source.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    rpo: Duration,
    data: Option<SourceData>,
}

pub struct BackupsPane {
    entries: Vec<Entry>,
    /// Indices into `entries` in display order (breaches first), as last rendered.
    order: Vec<usize>,
    filter: String,
    list: TableState,
    /// The restore-point list of the selected source is open.
    detail: Option<String>,
    points: TableState,
    /// The last verify/restore result, shown until the next one.
    notice: Option<(bool, String)>,
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
        }
    }

    fn compute_order(&mut self, now: Timestamp) {
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

    fn selected(&self) -> Option<&Entry> {
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

fn fresh_style(f: Freshness, t: &Theme) -> Style {
    match f {
        Freshness::Ok => t.ok,
        Freshness::Warning => t.warning,
        Freshness::Breach | Freshness::NoBackup => t.critical,
    }
}

fn source_status<'a>(name: &str, ctx: &'a RenderCtx<'_>) -> Option<&'a SourceStatus> {
    ctx.sources
        .get(&SourceId::new(SourceKind::Backups, name))
        .map(|s| &s.status)
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
        let block = crate::ui::widgets::pane_block("Backups", ctx);
        let inner = block.inner(area);
        block.render(area, buf);
        if self.entries.is_empty() {
            crate::ui::widgets::empty_state(inner, buf, PaneId::Backups, "No backup sources.", ctx);
            return;
        }
        self.compute_order(ctx.now);
        let [body, notice_area, keys] = Layout::vertical([
            Constraint::Min(0),
            Constraint::Length(u16::from(self.notice.is_some())),
            Constraint::Length(1),
        ])
        .areas(inner);
        if let Some((ok, msg)) = &self.notice {
            let style = if *ok {
                ctx.theme.ok
            } else {
                ctx.theme.critical
            };
            Line::from(Span::styled(sanitize(msg).into_owned(), style)).render(notice_area, buf);
        }
        let hint = if self.detail.is_some() {
            format!(
                "{} verify  {}  esc back",
                ctx.keymap.keys_for("backups", "verify"),
                if ctx.read_only {
                    String::new()
                } else {
                    format!("{} restore", ctx.keymap.keys_for("backups", "restore"))
                }
            )
        } else {
            format!(
                "enter restore points  {} verify  {}",
                ctx.keymap.keys_for("backups", "verify"),
                if ctx.read_only {
                    String::new()
                } else {
                    format!("{} restore", ctx.keymap.keys_for("backups", "restore"))
                }
            )
        };
        Line::from(Span::styled(hint, ctx.theme.muted)).render(keys, buf);
        match self.detail.clone() {
            Some(name) => self.render_points(&name, body, buf, ctx),
            None => self.render_list(body, buf, ctx),
        }
    }

    fn apply(&mut self, update: Update) -> bool {
        let Update::Source(data) = update;
        match self.entries.iter_mut().find(|e| e.name == data.name) {
            Some(e) => {
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

impl BackupsPane {
    fn render_list(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        let t = ctx.theme;
        let rows = (self.order.len() as u16 + 1).min(area.height.saturating_sub(4).max(2));
        let [table, detail] =
            Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(area);
        let now = ctx.now;
        let entries = &self.entries;
        let order = &self.order;
        render_table(
            table,
            buf,
            t,
            &mut self.list,
            &[
                "", "SOURCE", "AGE/RPO", "STATE", "N", "SIZE", "TREND", "VERIFIED",
            ],
            &[
                Constraint::Length(1),
                Constraint::Fill(1),
                Constraint::Length(11),
                Constraint::Length(10),
                Constraint::Length(4),
                Constraint::Length(9),
                Constraint::Length(8),
                Constraint::Length(8),
            ],
            order.len(),
            |i| {
                let e = &entries[order[i]];
                let name = Span::raw(sanitize(&e.name).into_owned());
                let Some(d) = &e.data else {
                    let (sym, style, text) = match source_status(&e.name, ctx) {
                        Some(SourceStatus::Unreachable { reason, .. }) => {
                            ("✗", t.critical, format!("unreachable: {reason}"))
                        }
                        _ => ("…", t.info, "loading".to_string()),
                    };
                    return vec![
                        Span::styled(sym, style),
                        name,
                        Span::styled(format!("–/{}", human_duration(e.rpo)), t.muted),
                        Span::styled(sanitize(&text).into_owned(), style),
                    ];
                };
                let s = d.summary(now);
                let st = fresh_style(s.freshness, t);
                let age_rpo = format!(
                    "{}/{}",
                    s.age.map(human_duration).unwrap_or_else(|| "–".into()),
                    human_duration(d.rpo)
                );
                let state = match source_status(&e.name, ctx) {
                    Some(SourceStatus::Stale { .. }) => Span::styled("stale", t.warning),
                    _ => Span::styled(s.freshness.label(), st),
                };
                vec![
                    Span::styled(s.freshness.symbol(), st),
                    name,
                    Span::styled(age_rpo, st),
                    state,
                    Span::raw(s.count.to_string()),
                    Span::raw(if s.total_size > 0 {
                        human_bytes(s.total_size)
                    } else {
                        "–".into()
                    }),
                    Span::styled(sparkline(&s.sizes, 8), t.info),
                    verified_cell(d, now, t),
                ]
            },
        );
        if let Some(e) = self.selected().cloned() {
            detail_lines(&e, detail, buf, ctx);
        }
    }

    fn render_points(&mut self, name: &str, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        let t = ctx.theme;
        let Some(e) = self.entries.iter().find(|e| e.name == name) else {
            return;
        };
        let [title, table] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
        let Some(d) = &e.data else {
            Line::from(Span::styled(
                format!("{}: no data yet", sanitize(name)),
                t.muted,
            ))
            .render(title, buf);
            return;
        };
        let verified = d.verification.as_ref().map(|v| v.point.clone());
        Line::from(vec![
            Span::styled(sanitize(name).into_owned(), t.header),
            Span::styled(
                format!(
                    " · {} restore points · {} · RPO {}",
                    d.points.len(),
                    sanitize(&d.location),
                    human_duration(d.rpo)
                ),
                t.muted,
            ),
        ])
        .render(title, buf);
        let now = ctx.now;
        render_table(
            table,
            buf,
            t,
            &mut self.points,
            &["", "POINT", "CAPTURED (UTC)", "AGE", "SIZE", "NOTE"],
            &[
                Constraint::Length(1),
                Constraint::Fill(2),
                Constraint::Length(16),
                Constraint::Length(6),
                Constraint::Length(9),
                Constraint::Fill(1),
            ],
            d.points.len(),
            |i| {
                let p = &d.points[i];
                let (sym, style) = if p.ok {
                    ("✓", t.ok)
                } else {
                    ("✗", t.critical)
                };
                let mut note = p.message.clone().unwrap_or_default();
                if verified.as_deref() == Some(p.id.as_str()) {
                    note = format!("verified {note}");
                }
                if let Some(x) = p.expires {
                    note = format!("{note} expires {}", x.strftime("%Y-%m-%d"));
                }
                vec![
                    Span::styled(sym, style),
                    Span::raw(sanitize(&p.id).into_owned()),
                    Span::raw(p.time.strftime("%Y-%m-%d %H:%M").to_string()),
                    Span::raw(age(p.time, now)),
                    Span::raw(p.size.map(human_bytes).unwrap_or_else(|| "–".into())),
                    Span::styled(
                        sanitize(note.trim()).into_owned(),
                        if p.ok { t.muted } else { t.critical },
                    ),
                ]
            },
        );
    }
}

fn verified_cell(d: &SourceData, now: Timestamp, t: &Theme) -> Span<'static> {
    match &d.verification {
        Some(v) if v.ok => Span::styled(format!("✓ {}", age(v.at, now)), t.ok),
        Some(v) => Span::styled(format!("✗ {}", age(v.at, now)), t.critical),
        None => Span::styled("never", t.warning),
    }
}

fn detail_lines(e: &Entry, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let t = ctx.theme;
    let now = ctx.now;
    let w = area.width as usize;
    let mut lines = vec![Line::default()];
    let Some(d) = &e.data else {
        let text = match source_status(&e.name, ctx) {
            Some(SourceStatus::Unreachable { reason, hint }) => format!("✗ {reason} — {hint}"),
            _ => "loading…".into(),
        };
        lines.push(Line::from(Span::styled(
            sanitize(&text).into_owned(),
            t.critical,
        )));
        Paragraph::new(lines).render(area, buf);
        return;
    };
    let s: Summary = d.summary(now);
    let st = fresh_style(s.freshness, t);
    lines.push(Line::from(vec![
        Span::styled(sanitize(&e.name).into_owned(), t.header),
        Span::styled(
            format!(
                " · {} · RPO {}",
                sanitize(&d.location),
                human_duration(d.rpo)
            ),
            t.muted,
        ),
    ]));
    let newest = match (&s.newest_id, s.newest_time, s.age) {
        (Some(id), Some(at), Some(a)) => format!(
            "{} newest good  {}  {}  {} old — {}",
            s.freshness.symbol(),
            sanitize(id),
            at.strftime("%m-%d %H:%M UTC"),
            human_duration(a),
            s.freshness.label()
        ),
        _ => "✗ no successful restore point".into(),
    };
    lines.push(Line::from(Span::styled(
        truncate(&newest, w).into_owned(),
        st,
    )));
    let retention = match s.oldest {
        Some(o) => format!(
            "  retention     {} points since {} ({}), {}",
            s.count,
            o.strftime("%Y-%m-%d %H:%M"),
            age(o, now),
            human_bytes(s.total_size)
        ),
        None => "  retention     no points".into(),
    };
    lines.push(Line::from(truncate(&retention, w).into_owned()));
    let (vstyle, vtext) = match &d.verification {
        Some(v) => (
            if v.ok { t.ok } else { t.critical },
            format!(
                "{} verified    {} ago: {}",
                if v.ok { "✓" } else { "✗" },
                age(v.at, now),
                sanitize(&v.message)
            ),
        ),
        None => (t.warning, "! verified    never".to_string()),
    };
    lines.push(Line::from(Span::styled(
        truncate(&vtext, w).into_owned(),
        vstyle,
    )));
    if let Some(f) = &d.failure {
        let text = format!(
            "✗ last failure {} ago: {}",
            age(f.at, now),
            sanitize(&f.message)
        );
        lines.push(Line::from(Span::styled(
            truncate(&text, w).into_owned(),
            t.critical,
        )));
    }
    for flag in &d.flags {
        let text = format!("! {}", sanitize(flag));
        lines.push(Line::from(Span::styled(
            truncate(&text, w).into_owned(),
            t.warning,
        )));
    }
    Paragraph::new(lines).render(area, buf);
}
