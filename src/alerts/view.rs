//! Rendering the alerts pane: the grouped alert table (or the silences table)
//! with a detail panel for the selection (`view_detail.rs`) under the
//! per-endpoint health lines (`view_health.rs`). Only visible rows are built.

use super::model::{AlertSeverity, AlertState, MergedAlert, SilenceState};
use super::pane::{AlertsPane, Row, View};
use super::view_detail::{alert_detail, silence_detail};
use super::view_health::endpoint_lines;
use crate::pane::{PaneId, RenderCtx};
use crate::text::{age, sanitize};
use crate::theme::Theme;
use crate::ui::table::render_table;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Paragraph, Widget};

const TREND_WIDTH: u16 = 8;
const DETAIL_HEIGHT: u16 = 7;

pub fn severity_style(sev: AlertSeverity, t: &Theme) -> Style {
    match sev {
        AlertSeverity::Critical => t.critical,
        AlertSeverity::Warning => t.warning,
        AlertSeverity::Info => t.info,
        AlertSeverity::None => t.muted,
    }
}

pub(super) fn state_style(state: AlertState, sev: AlertSeverity, t: &Theme) -> Style {
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
