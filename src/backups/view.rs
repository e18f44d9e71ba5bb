//! Rendering the Backups pane: the source list with the selected source's
//! details below, the restore-point list, the notice and the key hints.

use super::model::{Freshness, SourceData, Summary, sparkline};
use super::pane::{BackupsPane, Entry};
use crate::pane::{PaneId, RenderCtx};
use crate::source::{SourceId, SourceKind, SourceStatus};
use crate::text::{age, human_bytes, human_duration, sanitize, truncate};
use crate::theme::Theme;
use crate::ui::table::render_table;
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

pub(super) fn render(p: &mut BackupsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let block = crate::ui::widgets::pane_block("Backups", ctx);
    let inner = block.inner(area);
    block.render(area, buf);
    if p.entries.is_empty() {
        crate::ui::widgets::empty_state(inner, buf, PaneId::Backups, "No backup sources.", ctx);
        return;
    }
    p.compute_order(ctx.now);
    let [body, notice_area, keys] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(u16::from(p.notice.is_some())),
        Constraint::Length(1),
    ])
    .areas(inner);
    if let Some((ok, msg)) = &p.notice {
        let style = if *ok {
            ctx.theme.ok
        } else {
            ctx.theme.critical
        };
        Line::from(Span::styled(sanitize(msg).into_owned(), style)).render(notice_area, buf);
    }
    let hint = if p.detail.is_some() {
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
    match p.detail.clone() {
        Some(name) => p.render_points(&name, body, buf, ctx),
        None => p.render_list(body, buf, ctx),
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

impl BackupsPane {
    pub(super) fn render_list(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
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

    pub(super) fn render_points(
        &mut self,
        name: &str,
        area: Rect,
        buf: &mut Buffer,
        ctx: &RenderCtx<'_>,
    ) {
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
