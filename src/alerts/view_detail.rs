//! The alerts pane's detail panel under the table: the focused alert, broken
//! rule or silence, and the key hints line.

use super::model::{AlertState, MergedAlert};
use super::pane::{AlertsPane, Row};
use super::view::{severity_style, state_style};
use crate::pane::RenderCtx;
use crate::text::{age, sanitize, truncate};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// `am:main (stale 2m),prom:main`: which source still vouches for it.
fn sources_text(p: &AlertsPane, m: &MergedAlert, now: jiff::Timestamp) -> String {
    m.sources
        .iter()
        .map(|s| match p.down.contains_key(s) {
            true => {
                let data = p
                    .snapshot_at(s)
                    .map(|at| format!(" {}", age(at, now)))
                    .unwrap_or_default();
                format!("{s} (stale{data})")
            }
            false => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn kv(label: &str, value: String, t: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<9}"), t.header),
        Span::raw(value),
    ])
}

pub(super) fn alert_detail(p: &AlertsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let t = ctx.theme;
    let w = area.width as usize;
    let mut lines: Vec<Line<'static>> = vec![Line::from(Span::styled("─".repeat(w), t.border))];
    match p.rows.get(p.table.selected) {
        Some(Row::Rule(ri)) => {
            let (src, r) = &p.broken[*ri];
            lines.push(kv(
                "rule",
                format!(
                    "{} (group {}) on {src}",
                    sanitize(&r.name),
                    sanitize(&r.group)
                ),
                t,
            ));
            lines.push(kv("health", r.health.clone(), t));
            lines.push(kv("error", sanitize(&r.last_error).into_owned(), t));
        }
        _ => {
            if let Some(m) = p.focused_alert() {
                let a = &m.alert;
                let sev = a.severity();
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{} {} ", sev.symbol(), sanitize(a.name())),
                        severity_style(sev, t),
                    ),
                    Span::styled(
                        a.state.label(p.is_acked(a)).to_string(),
                        state_style(a.state, sev, t),
                    ),
                    Span::raw(format!(
                        " · {} · since {} · from {}",
                        sev.as_str(),
                        a.active_at
                            .map(|s| age(s, ctx.now))
                            .unwrap_or_else(|| "?".into()),
                        sources_text(p, m, ctx.now)
                    )),
                ]));
                if let Some(s) = a.annotations.get("summary") {
                    lines.push(kv("summary", sanitize(s).into_owned(), t));
                }
                if let Some(s) = a.annotations.get("description") {
                    lines.push(kv("descr", sanitize(s).into_owned(), t));
                }
                let labels: Vec<String> =
                    a.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                lines.push(kv("labels", sanitize(&labels.join(" ")).into_owned(), t));
                if let Some(sid) = a.silenced_by.first() {
                    let s = p.silences.iter().find(|s| &s.id == sid);
                    lines.push(kv(
                        AlertState::Silenced.label(p.is_acked(a)),
                        match s {
                            Some(s) => format!(
                                "by {} until {}: {}",
                                sanitize(&s.created_by),
                                s.ends_at
                                    .map(|e| e.strftime("%H:%M UTC").to_string())
                                    .unwrap_or_default(),
                                sanitize(&s.comment)
                            ),
                            None => sid.clone(),
                        },
                        t,
                    ));
                }
                if let Some(rb) = a.annotations.get("runbook_url") {
                    lines.push(kv("runbook", sanitize(rb).into_owned(), t));
                }
            }
        }
    }
    lines.truncate(area.height as usize - 1);
    while lines.len() < area.height as usize - 1 {
        lines.push(Line::default());
    }
    lines.push(hints(ctx, ALERT_HINTS));
    Paragraph::new(lines).render(area, buf);
}

const ALERT_HINTS: &[(&str, &str)] = &[
    ("silence", "silence"),
    ("ack", "ack"),
    ("open_runbook", "runbook"),
    ("jump_logs", "logs"),
    ("jump_target", "workload"),
    ("graph", "graph"),
    ("toggle_silences", "silences"),
];
const SILENCE_HINTS: &[(&str, &str)] = &[
    ("expire_silence", "expire"),
    ("toggle_silences", "alerts"),
    ("refresh", "refresh"),
];

/// Key hints from the keymap; mutating ones hidden in read-only mode.
fn hints(ctx: &RenderCtx<'_>, actions: &[(&str, &str)]) -> Line<'static> {
    let t = ctx.theme;
    let mut spans = Vec::new();
    for &(action, label) in actions {
        if ctx.read_only && matches!(action, "silence" | "ack" | "expire_silence") {
            continue;
        }
        let keys = ctx.keymap.keys_for("alerts", action);
        if keys.is_empty() {
            continue;
        }
        spans.push(Span::styled(keys, t.key));
        spans.push(Span::styled(format!(" {label}  "), t.muted));
    }
    Line::from(spans)
}

pub(super) fn silence_detail(p: &AlertsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let t = ctx.theme;
    let w = area.width as usize;
    let mut lines: Vec<Line<'static>> = vec![Line::from(Span::styled("─".repeat(w), t.border))];
    if let Some(s) = p.selected_silence() {
        lines.push(kv(
            "silence",
            format!(
                "{} on am:{} ({})",
                sanitize(&s.id),
                sanitize(&s.alertmanager),
                s.state.as_str()
            ),
            t,
        ));
        lines.push(kv(
            "by",
            format!(
                "{} · {} → {}",
                sanitize(&s.created_by),
                s.starts_at
                    .map(|x| x.strftime("%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                s.ends_at
                    .map(|x| x.strftime("%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default()
            ),
            t,
        ));
        lines.push(kv("comment", sanitize(&s.comment).into_owned(), t));
        let affected = p.affected_by(s);
        let names: Vec<String> = affected
            .iter()
            .map(|m| sanitize(m.alert.name()).into_owned())
            .collect();
        lines.push(kv(
            "affects",
            format!(
                "{} current alert(s): {}",
                affected.len(),
                truncate(&names.join(", "), w.saturating_sub(30))
            ),
            t,
        ));
    }
    lines.truncate(area.height as usize - 1);
    while lines.len() < area.height as usize - 1 {
        lines.push(Line::default());
    }
    lines.push(hints(ctx, SILENCE_HINTS));
    Paragraph::new(lines).render(area, buf);
}
