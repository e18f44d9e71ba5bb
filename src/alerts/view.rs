//! Rendering the alerts pane: the grouped alert table (or the silences table)
//! with a detail panel for the selection. Only visible rows are built.

use super::model::{AlertSeverity, AlertState, MergedAlert, SilenceState};
use super::pane::{AlertsPane, Health, Row, View, short_reason};
use crate::pane::{PaneId, RenderCtx};
use crate::text::{age, sanitize, truncate};
use crate::theme::Theme;
use crate::ui::table::render_table;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

const TREND_WIDTH: u16 = 8;
const DETAIL_HEIGHT: u16 = 7;
/// Endpoint lines shown at most for down or partial endpoints (80x24 budget).
const TROUBLED_LINES: usize = 3;
/// How much of a reason fits on the one-line endpoint summary.
const SHORT_REASON: usize = 50;

pub fn severity_style(sev: AlertSeverity, t: &Theme) -> Style {
    match sev {
        AlertSeverity::Critical => t.critical,
        AlertSeverity::Warning => t.warning,
        AlertSeverity::Info => t.info,
        AlertSeverity::None => t.muted,
    }
}

fn state_style(state: AlertState, sev: AlertSeverity, t: &Theme) -> Style {
    match state {
        AlertState::Firing => severity_style(sev, t),
        AlertState::Pending => t.info,
        AlertState::Silenced | AlertState::Inhibited => t.muted,
    }
}

fn title(p: &AlertsPane) -> String {
    let down = if p.down.is_empty() {
        String::new()
    } else {
        format!(" · {} down", p.down.len())
    };
    let t = match p.view {
        View::Alerts => {
            let count = |s: AlertState| p.merged.iter().filter(|m| m.alert.state == s).count();
            let acked = p.merged.iter().filter(|m| p.is_acked(&m.alert)).count();
            let mut t = format!(
                "Alerts · {} firing · {} pending · {} silenced",
                count(AlertState::Firing),
                count(AlertState::Pending),
                count(AlertState::Silenced) + count(AlertState::Inhibited) - acked
            );
            if acked > 0 {
                t.push_str(&format!(" · {acked} acked"));
            }
            if !p.broken.is_empty() {
                t.push_str(&format!(" · {} broken rule(s)", p.broken.len()));
            }
            t
        }
        View::Silences => {
            let count = |s: SilenceState| p.silences.iter().filter(|x| x.state == s).count();
            format!(
                "Silences · {} active · {} pending · {} recently expired",
                count(SilenceState::Active),
                count(SilenceState::Pending),
                count(SilenceState::Expired)
            )
        }
    };
    t + &down
}

/// `stale 2m · ` before a row's text: readable without colour.
fn stale_prefix(since: Option<jiff::Timestamp>, now: jiff::Timestamp) -> String {
    since
        .map(|s| format!("stale {} · ", age(s, now)))
        .unwrap_or_default()
}

/// One endpoint: `am:main ✗ cannot connect: … (2m)`; `troubled` when it is
/// down or partial, so it earns a line of its own when one line is too short.
/// The reason is cut to `reason_width` and so that the whole endpoint fits in
/// `line_width`: the data age at the end must stay on screen.
fn endpoint_spans(
    id: &crate::source::SourceId,
    h: &Health,
    reason_width: usize,
    line_width: usize,
    ctx: &RenderCtx<'_>,
) -> (Vec<Span<'static>>, bool) {
    let t = ctx.theme;
    let name = sanitize(&id.to_string()).into_owned();
    // `NAME G REASON SUFFIX`: name, glyph and the spaces around it are fixed.
    let reason = |r: &str, suffix: &str| {
        let fixed = UnicodeWidthStr::width(name.as_str()) + 3 + UnicodeWidthStr::width(suffix);
        let room = reason_width.min(line_width.saturating_sub(fixed));
        truncate(&sanitize(short_reason(r)), room).into_owned()
    };
    let (glyph, style, text, troubled) = match h {
        Health::Ok => ("✓", t.ok, String::new(), false),
        Health::Loading => ("…", t.info, String::new(), false),
        Health::Off(what) => ("–", t.muted, format!(" {what}"), false),
        Health::Partial(r) => ("!", t.warning, format!(" {}", reason(r, "")), true),
        Health::Down { reason: r, data_at } => {
            let data = format!(
                " ({})",
                data_at
                    .map(|d| age(d, ctx.now))
                    .unwrap_or_else(|| "no data".into())
            );
            (
                "✗",
                t.critical,
                format!(" {}{data}", reason(r, &data)),
                true,
            )
        }
    };
    (
        vec![
            Span::styled(name, t.header),
            Span::styled(format!(" {glyph}{text}"), style),
        ],
        troubled,
    )
}

/// Per-endpoint health: one line while it fits (`prom:main ✓  am:main ✗
/// connection refused (2m)`), else the healthy ones on one line and each
/// troubled (down or partial) one on its own, at most TROUBLED_LINES of them
/// plus a `+N more` line.
fn endpoint_lines(p: &AlertsPane, width: usize, ctx: &RenderCtx<'_>) -> Vec<Line<'static>> {
    let eps = p.endpoints(ctx.sources);
    let sep = || Span::raw("  ");
    let short: Vec<(Vec<Span<'static>>, bool)> = eps
        .iter()
        .map(|(id, h)| endpoint_spans(id, h, SHORT_REASON, usize::MAX, ctx))
        .collect();
    let mut one: Vec<Span<'static>> = Vec::new();
    for (i, (spans, _)) in short.iter().enumerate() {
        if i > 0 {
            one.push(sep());
        }
        one.extend(spans.iter().cloned());
    }
    let one = Line::from(one);
    if one.width() <= width {
        return if eps.is_empty() {
            Vec::new()
        } else {
            vec![one]
        };
    }
    let mut fine: Vec<Span<'static>> = Vec::new();
    let mut lines = Vec::new();
    let mut troubled = 0;
    for (id, h) in &eps {
        let (spans, bad) = endpoint_spans(id, h, width, width, ctx);
        if !bad {
            if !fine.is_empty() {
                fine.push(sep());
            }
            fine.extend(spans);
        } else {
            troubled += 1;
            if troubled <= TROUBLED_LINES {
                lines.push(Line::from(spans));
            }
        }
    }
    if troubled > TROUBLED_LINES {
        lines.push(Line::from(Span::styled(
            format!(
                "+{} more endpoint(s) down or partial",
                troubled - TROUBLED_LINES
            ),
            ctx.theme.critical,
        )));
    }
    if !fine.is_empty() {
        lines.insert(0, Line::from(fine));
    }
    lines
}

pub fn render(p: &mut AlertsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let block = crate::ui::widgets::pane_block(title(p), ctx);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if !p.has_data() {
        crate::ui::widgets::empty_state(inner, buf, PaneId::Alerts, "No alert data yet.", ctx);
        return;
    }
    let mut inner = inner;
    if let Some(err) = &p.filter.error {
        Span::styled(format!("filter: {}", sanitize(err)), ctx.theme.critical)
            .render(Rect { height: 1, ..inner }, buf);
        inner.y += 1;
        inner.height = inner.height.saturating_sub(1);
    }
    // Which endpoint said what, and which is down: with two Alertmanagers the
    // title alone cannot tell. Kept below half the pane so the alerts stay.
    let health = endpoint_lines(p, inner.width as usize, ctx);
    let health_h = (health.len() as u16).min(inner.height / 2);
    Paragraph::new(health).render(
        Rect {
            height: health_h,
            ..inner
        },
        buf,
    );
    inner.y += health_h;
    inner.height -= health_h;
    let detail_h = if inner.height >= 14 { DETAIL_HEIGHT } else { 0 };
    let [table, detail] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(detail_h)]).areas(inner);
    match p.view {
        View::Alerts => {
            alerts_table(p, table, buf, ctx);
            if detail_h > 0 {
                alert_detail(p, detail, buf, ctx);
            }
        }
        View::Silences => {
            silences_table(p, table, buf, ctx);
            if detail_h > 0 {
                silence_detail(p, detail, buf, ctx);
            }
        }
    }
}

/// `k=v k=v` for the named labels.
fn label_text(m: &MergedAlert, names: &[String]) -> String {
    names
        .iter()
        .filter_map(|n| m.alert.labels.get(n).map(|v| format!("{n}={v}")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The label that best tells a group's alerts apart (instance, pod, job…).
fn key_label(g: &super::model::Group) -> Option<String> {
    const PREFERRED: &[&str] = &[
        "instance",
        "pod",
        "job",
        "deployment",
        "container",
        "service",
    ];
    PREFERRED
        .iter()
        .find(|p| g.differing.iter().any(|d| d == *p))
        .map(|s| s.to_string())
        .or_else(|| g.differing.first().cloned())
}

/// `instance: dispatch:3002, routing:3003`.
fn differing_values(g: &super::model::Group, merged: &[MergedAlert]) -> String {
    let Some(label) = key_label(g) else {
        return merged[g.alerts[0]]
            .alert
            .summary()
            .unwrap_or("")
            .to_string();
    };
    let mut values: Vec<&str> = g
        .alerts
        .iter()
        .filter_map(|&i| merged[i].alert.labels.get(&label).map(String::as_str))
        .collect();
    values.dedup();
    format!("{label}: {}", values.join(", "))
}

/// Labels worth showing for a lone alert: all but the obvious ones.
fn identifying(m: &MergedAlert, group_by: &[String]) -> Vec<String> {
    m.alert
        .labels
        .keys()
        .filter(|k| *k != "alertname" && *k != "severity" && !group_by.contains(k))
        .cloned()
        .collect()
}

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

fn alerts_table(p: &mut AlertsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let t = ctx.theme;
    if p.rows.is_empty() {
        let msg = if p.filter.is_empty() {
            "✓ nothing is firing"
        } else {
            "no alert matches the filter"
        };
        Span::styled(msg, if p.filter.is_empty() { t.ok } else { t.muted })
            .render(Rect { height: 1, ..area }, buf);
        return;
    }
    let widths = [
        Constraint::Length(1),
        Constraint::Length(9),
        Constraint::Fill(1),
        Constraint::Length(3),
        Constraint::Length(5),
        Constraint::Length(TREND_WIDTH),
        Constraint::Fill(1),
    ];
    let header = [
        "",
        "STATE",
        "ALERT",
        "#",
        "AGE",
        "TREND",
        "LABELS / SUMMARY",
    ];
    // Per merged alert and per broken rule, computed up front because the row
    // closure holds the table state mutably; empty while every source is up.
    let (stale, stale_rules): (Vec<Option<jiff::Timestamp>>, Vec<Option<jiff::Timestamp>>) =
        if p.down.is_empty() && p.snapshots_complete() {
            (Vec::new(), Vec::new())
        } else {
            (
                p.merged.iter().map(|m| p.stale_since(m)).collect(),
                p.broken
                    .iter()
                    .map(|(src, _)| p.rules_stale_since(src))
                    .collect(),
            )
        };
    let stale_of = |ai: usize| stale.get(ai).copied().flatten();
    let acked: Vec<bool> = p.merged.iter().map(|m| p.is_acked(&m.alert)).collect();
    let AlertsPane {
        rows,
        groups,
        merged,
        broken,
        table,
        timeline,
        group_by,
        ..
    } = p;
    let now = ctx.now;
    render_table(
        area,
        buf,
        t,
        table,
        &header,
        &widths,
        rows.len(),
        |i| match rows[i] {
            Row::Group(gi) => {
                let g = &groups[gi];
                let first = &merged[g.alerts[0]];
                // Stale only when every alert in it is: one live source is current data.
                let since = g
                    .alerts
                    .iter()
                    .map(|&ai| stale_of(ai))
                    .collect::<Option<Vec<_>>>()
                    .and_then(|v| v.into_iter().max());
                let muted = |s: Style| if since.is_some() { t.muted } else { s };
                let sev = muted(severity_style(g.severity, t));
                let (marker, labels) = if g.alerts.len() > 1 {
                    let open = rows
                        .get(i + 1)
                        .is_some_and(|r| matches!(r, Row::Alert(x, _) if *x == gi));
                    (if open { "▾ " } else { "▸ " }, differing_values(g, merged))
                } else {
                    ("  ", label_text(first, &identifying(first, group_by)))
                };
                vec![
                    Span::styled(g.severity.symbol(), sev),
                    Span::styled(
                        g.state.label(g.alerts.iter().all(|&ai| acked[ai])),
                        muted(state_style(g.state, g.severity, t)),
                    ),
                    Span::styled(format!("{marker}{}", sanitize(&g.title())), sev),
                    Span::raw(g.alerts.len().to_string()),
                    Span::raw(g.since.map(|s| age(s, now)).unwrap_or_default()),
                    Span::styled(timeline.sparkline(&g.key, TREND_WIDTH as usize), sev),
                    Span::styled(
                        format!("{}{}", stale_prefix(since, now), sanitize(&labels)),
                        muted(Style::default()),
                    ),
                ]
            }
            Row::Alert(gi, ai) => {
                let g = &groups[gi];
                let m = &merged[ai];
                let sev = m.alert.severity();
                let since = stale_of(ai);
                let muted = |s: Style| if since.is_some() { t.muted } else { s };
                vec![
                    Span::styled(sev.symbol(), severity_style(sev, t)),
                    Span::styled(
                        m.alert.state.label(acked[ai]),
                        muted(state_style(m.alert.state, sev, t)),
                    ),
                    Span::raw(format!(
                        "  └ {}",
                        sanitize(
                            &key_label(g)
                                .and_then(|k| m.alert.labels.get(&k).cloned())
                                .unwrap_or_else(|| label_text(m, &g.differing))
                        )
                    )),
                    Span::raw(""),
                    Span::raw(m.alert.active_at.map(|s| age(s, now)).unwrap_or_default()),
                    Span::raw(""),
                    Span::styled(
                        format!(
                            "{}{}",
                            stale_prefix(since, now),
                            sanitize(m.alert.summary().unwrap_or(""))
                        ),
                        t.muted,
                    ),
                ]
            }
            Row::Rule(ri) => {
                let (src, r) = &broken[ri];
                let since = stale_rules.get(ri).copied().flatten();
                let style = if since.is_some() { t.muted } else { t.warning };
                vec![
                    Span::styled("!", t.warning),
                    Span::styled("broken", style),
                    Span::styled(format!("  rule {}", sanitize(&r.name)), style),
                    Span::raw(""),
                    Span::raw(""),
                    Span::raw(""),
                    Span::raw(format!(
                        "{}{src}: {}",
                        stale_prefix(since, now),
                        sanitize(&r.last_error)
                    )),
                ]
            }
        },
    );
}

fn kv(label: &str, value: String, t: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<9}"), t.header),
        Span::raw(value),
    ])
}

fn alert_detail(p: &AlertsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
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

fn when_rel(ts: Option<jiff::Timestamp>, now: jiff::Timestamp) -> String {
    match ts {
        Some(e) if e > now => format!("in {}", age(now, e)),
        Some(e) => format!("{} ago", age(e, now)),
        None => "?".into(),
    }
}

fn silences_table(p: &mut AlertsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let t = ctx.theme;
    if p.silences.is_empty() {
        Span::styled("no active, pending or recently expired silences", t.muted)
            .render(Rect { height: 1, ..area }, buf);
        return;
    }
    let widths = [
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Fill(3),
        Constraint::Fill(1),
        Constraint::Fill(2),
    ];
    let header = ["STATE", "ENDS", "MATCHERS", "BY", "COMMENT"];
    let now = ctx.now;
    let stale: Vec<Option<jiff::Timestamp>> = p
        .silences
        .iter()
        .map(|s| p.silence_stale_since(s))
        .collect();
    let AlertsPane {
        silences,
        silence_table,
        ..
    } = p;
    render_table(
        area,
        buf,
        t,
        silence_table,
        &header,
        &widths,
        silences.len(),
        |i| {
            let s = &silences[i];
            let since = stale[i];
            let style = match s.state {
                _ if since.is_some() => t.muted,
                SilenceState::Active => t.ok,
                SilenceState::Pending => t.info,
                SilenceState::Expired => t.muted,
            };
            vec![
                Span::styled(s.state.as_str(), style),
                Span::raw(when_rel(s.ends_at, now)),
                Span::raw(sanitize(&s.matchers_text()).into_owned()),
                Span::raw(sanitize(&s.created_by).into_owned()),
                Span::styled(
                    format!("{}{}", stale_prefix(since, now), sanitize(&s.comment)),
                    t.muted,
                ),
            ]
        },
    );
}

fn silence_detail(p: &AlertsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
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
