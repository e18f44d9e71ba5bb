//! Drawing the containers pane: the grouped list and the detail view.
//!
//! Every string from the engine (names, images, probe output, errors) goes
//! through `text::sanitize` here; health is told by symbol and word as well
//! as colour, so it reads without colour too.

use super::health::Verdict;
use super::model::{Container, Health, RunState};
use super::pane::{ContainersPane, Row};
use crate::pane::{PaneId, RenderCtx};
use crate::report::Severity;
use crate::source::SourceStatus;
use crate::text::{human_bytes, human_duration, sanitize};
use crate::theme::Theme;
use crate::ui::table::{Cell, render_table};
use crate::ui::widgets::{empty_state, pane_block, source_lines};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

const HEADER: [&str; 10] = [
    "", "NAME", "SERVICE", "STATE", "HEALTH", "RST", "UP", "CPU", "MEM", "REASON",
];
const PROBES_SHOWN: usize = 5;
const PROBE_LINES: usize = 6;

pub fn health_style(h: Health, t: &Theme) -> Style {
    match h {
        Health::Healthy => t.ok,
        Health::Unhealthy => t.critical,
        Health::Starting => t.warning,
        Health::None => t.muted,
    }
}

fn state_style(c: &Container, t: &Theme) -> Style {
    match c.state {
        RunState::Running => t.ok,
        RunState::Restarting | RunState::Dead => t.critical,
        RunState::Exited if c.exit_code != 0 => t.critical,
        RunState::Paused => t.warning,
        _ => t.muted,
    }
}

fn verdict_symbol(v: &Verdict, t: &Theme) -> Cell<'static> {
    match v.severity {
        Some(sev) => crate::ui::table::severity_cell(sev, t),
        None => Span::styled("✓", t.ok),
    }
}

fn verdict_style(v: &Verdict, t: &Theme) -> Style {
    match v.severity {
        Some(Severity::Critical) => t.critical,
        Some(Severity::Warning) => t.warning,
        Some(Severity::Info) => t.info,
        None => t.muted,
    }
}

pub fn render(p: &mut ContainersPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let problems = p
        .rows
        .iter()
        .filter(|r| matches!(r, Row::Item { problems: true, .. }))
        .count();
    let mut title = format!(
        "Containers · {} · {} problem{}",
        p.containers.len(),
        problems,
        if problems == 1 { "" } else { "s" }
    );
    if p.problems_only {
        title.push_str(" · problems only");
    }
    let block = pane_block(title, ctx);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if !p.loaded {
        empty_state(
            inner,
            buf,
            PaneId::Containers,
            "No container data yet.",
            ctx,
        );
        return;
    }
    // A broken connection stays visible above the (kept) data.
    let troubled: Vec<Line<'static>> = ctx
        .sources
        .iter()
        .filter(|(id, s)| {
            PaneId::Containers.sources().contains(&id.kind)
                && !matches!(s.status, SourceStatus::Connected { .. })
        })
        .map(|_| ())
        .next()
        .map(|_| source_lines(PaneId::Containers, ctx))
        .unwrap_or_default();
    let [warn, body, hint] = Layout::vertical([
        Constraint::Length(troubled.len().min(2) as u16),
        Constraint::Min(0),
        Constraint::Length(u16::from(inner.height > 6)),
    ])
    .areas(inner);
    Paragraph::new(troubled).render(warn, buf);
    if p.detail.is_some() {
        match p.selected().cloned() {
            Some(c) => render_detail(p, &c, body, buf, ctx),
            None => p.detail = None,
        }
    } else if p.rows.is_empty() {
        let msg = if p.containers.is_empty() {
            "No containers on this engine."
        } else if p.problems_only {
            "No problems: every container is healthy (a: show all)."
        } else {
            "No container matches the filter."
        };
        Paragraph::new(Span::styled(msg, ctx.theme.muted)).render(body, buf);
    } else {
        render_list(p, body, buf, ctx);
    }
    render_hint(p, hint, buf, ctx);
}

fn render_list(p: &mut ContainersPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let t = ctx.theme;
    // Below 100 columns the SERVICE column gives its room to REASON: the
    // name under its project header already carries the service, and the
    // reason is what a narrow terminal must not cut.
    let service = if area.width < 100 {
        Constraint::Length(0)
    } else {
        Constraint::Fill(2)
    };
    let widths = [
        Constraint::Length(1),
        Constraint::Fill(4),
        service,
        Constraint::Length(11),
        Constraint::Length(9),
        Constraint::Length(3),
        Constraint::Length(5),
        Constraint::Length(4),
        Constraint::Length(5),
        Constraint::Fill(3),
    ];
    let rows = &p.rows;
    let containers = &p.containers;
    let now = ctx.now;
    render_table(
        area,
        buf,
        t,
        &mut p.table,
        &HEADER,
        &widths,
        rows.len(),
        |i| match &rows[i] {
            Row::Header { .. } => Vec::new(),
            Row::Item {
                idx,
                verdict,
                problems,
            } => {
                let c = &containers[*idx];
                // Under its project's header the project prefix is noise.
                let name = match (&c.project, problems) {
                    (Some(p), false) => c
                        .name
                        .strip_prefix(p.as_str())
                        .and_then(|n| n.strip_prefix(['-', '_']))
                        .unwrap_or(&c.name),
                    _ => &c.name,
                };
                // Rows are sorted by service within a project: name each
                // service once, on its first row, so replicas read as a group.
                let same_service_above = !problems
                    && i > 0
                    && matches!(&rows[i - 1], Row::Item { idx: prev, problems: false, .. }
                        if containers[*prev].project == c.project
                            && containers[*prev].service == c.service);
                let service = match &c.service {
                    _ if same_service_above => String::new(),
                    Some(s) => sanitize(s).into_owned(),
                    None => "-".into(),
                };
                let state = match c.state {
                    RunState::Exited => format!("exited({})", c.exit_code),
                    s => s.label().to_string(),
                };
                let health = if !c.is_running() {
                    // The engine keeps the last status of a stopped container: not news.
                    "-".to_string()
                } else if c.health == Health::Healthy && c.failing_streak > 0 {
                    format!("healthy!{}", c.failing_streak)
                } else {
                    c.health.label().to_string()
                };
                let (cpu, mem) = match c.stats {
                    Some(s) if c.is_running() => {
                        (format!("{:.0}%", s.cpu_percent), compact_bytes(s.mem_used))
                    }
                    _ => ("-".into(), "-".into()),
                };
                vec![
                    verdict_symbol(verdict, t),
                    Span::raw(sanitize(name).into_owned()),
                    Span::styled(service, t.muted),
                    Span::styled(state, state_style(c, t)),
                    Span::styled(
                        health,
                        if c.is_running() {
                            health_style(c.health, t)
                        } else {
                            t.muted
                        },
                    ),
                    Span::raw(c.restart_count.to_string()),
                    Span::raw(
                        c.uptime(now)
                            .map(human_duration)
                            .unwrap_or_else(|| "-".into()),
                    ),
                    Span::raw(cpu),
                    Span::raw(mem),
                    Span::styled(
                        if verdict.is_problem() {
                            sanitize(&short_reason(c, verdict)).into_owned()
                        } else {
                            String::new()
                        },
                        verdict_style(verdict, t),
                    ),
                ]
            }
        },
    );
    // Section titles span the whole width, drawn over their (empty) rows.
    let offset = p.table.offset;
    let body = area.height.saturating_sub(1) as usize;
    for (screen, i) in (offset..p.rows.len()).take(body).enumerate() {
        if let Row::Header { title, count } = &p.rows[i] {
            let y = area.y + 1 + screen as u16;
            let style = if title == "Problems" {
                t.critical
            } else {
                t.header
            };
            let text = format!("▾ {} ({count})", sanitize(title));
            Line::from(Span::styled(
                crate::text::truncate(&text, area.width as usize).into_owned(),
                style,
            ))
            .render(Rect::new(area.x, y, area.width, 1), buf);
        }
    }
}

fn render_hint(p: &ContainersPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    if area.height == 0 {
        return;
    }
    let t = ctx.theme;
    let km = ctx.keymap;
    let mut items: Vec<(String, &str)> = Vec::new();
    if p.detail.is_some() {
        items.push((km.keys_for("navigation", "back"), "back"));
    } else {
        items.push((km.keys_for("navigation", "select"), "detail"));
    }
    items.push((km.keys_for("containers", "logs"), "logs"));
    if !ctx.read_only {
        for (a, label) in [("restart", "restart"), ("stop", "stop"), ("start", "start")] {
            items.push((km.keys_for("containers", a), label));
        }
    }
    if p.detail.is_none() {
        items.push((
            km.keys_for("containers", "toggle_all"),
            if p.problems_only {
                "all"
            } else {
                "problems only"
            },
        ));
    }
    let mut spans = Vec::new();
    for (keys, label) in items.into_iter().filter(|(k, _)| !k.is_empty()) {
        let key = keys.split(" / ").next().unwrap_or("").to_string();
        spans.push(Span::styled(key, t.key));
        spans.push(Span::styled(format!(" {label}  "), t.muted));
    }
    if ctx.read_only {
        spans.push(Span::styled("read-only", t.warning));
    }
    Line::from(spans).render(area, buf);
}

fn kv(label: &str, value: Vec<Span<'static>>, t: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{label:<11}"), t.header)];
    spans.extend(value);
    Line::from(spans)
}

fn secs(d: Option<std::time::Duration>) -> String {
    d.map(|d| {
        if d.as_millis() % 1000 == 0 {
            human_duration(d)
        } else {
            format!("{}ms", d.as_millis())
        }
    })
    .unwrap_or_else(|| "default".into())
}

fn render_detail(
    p: &mut ContainersPane,
    c: &Container,
    area: Rect,
    buf: &mut Buffer,
    ctx: &RenderCtx<'_>,
) {
    let t = ctx.theme;
    let v = super::health::classify(c, p.restarts.recent(&c.id, ctx.now), ctx.now);
    let s = |x: &str| sanitize(x).into_owned();
    let mut lines = vec![Line::from(vec![
        Span::styled(s(&c.name), t.title),
        Span::styled(format!("  {}", s(&c.image)), t.muted),
    ])];
    let mut origin = Vec::new();
    if let Some(pr) = &c.project {
        origin.push(format!("project {}", s(pr)));
    }
    if let Some(sv) = &c.service {
        origin.push(format!("service {}", s(sv)));
    }
    origin.push(format!("id {}", &c.id.chars().take(12).collect::<String>()));
    lines.push(Line::from(Span::styled(origin.join(" · "), t.muted)));
    let mut state = vec![Span::styled(c.state.label().to_string(), state_style(c, t))];
    if let Some(up) = c.uptime(ctx.now) {
        state.push(Span::raw(format!(", up {}", human_duration(up))));
    }
    if let Some(st) = c.started_at {
        state.push(Span::styled(
            format!(" (started {})", st.strftime("%Y-%m-%d %H:%M:%S")),
            t.muted,
        ));
    }
    lines.push(kv("State", state, t));
    lines.push(kv(
        "Health",
        vec![
            Span::styled(c.health.label().to_string(), health_style(c.health, t)),
            Span::raw(format!(" · failing streak {}", c.failing_streak)),
        ],
        t,
    ));
    lines.push(kv(
        "Verdict",
        vec![
            verdict_symbol(&v, t),
            Span::styled(
                format!(" {}: {}", v.reason, s(&v.explanation)),
                verdict_style(&v, t),
            ),
        ],
        t,
    ));
    lines.push(kv(
        "Restarts",
        vec![Span::raw(format!(
            "{} · OOMKilled {} · exit code {}",
            c.restart_count,
            if c.oom_killed { "yes" } else { "no" },
            c.exit_code
        ))],
        t,
    ));
    if !c.error.is_empty() {
        lines.push(kv("Error", vec![Span::styled(s(&c.error), t.critical)], t));
    }
    lines.push(kv(
        "Restart",
        vec![Span::raw(format!(
            "policy {} · stop timeout {}s",
            c.restart_policy.label(),
            c.stop_timeout
        ))],
        t,
    ));
    let ports = if c.ports.is_empty() {
        "none".to_string()
    } else {
        s(&c.ports.join(", "))
    };
    lines.push(kv("Ports", vec![Span::raw(ports)], t));
    if let Some(st) = c.stats.filter(|_| c.is_running()) {
        let limit = if st.mem_limit > 0 {
            format!(" / {}", human_bytes(st.mem_limit))
        } else {
            String::new()
        };
        lines.push(kv(
            "CPU · mem",
            vec![Span::raw(format!(
                "{:.1}% · {}{limit}",
                st.cpu_percent,
                human_bytes(st.mem_used)
            ))],
            t,
        ));
    }
    lines.push(Line::default());
    match &c.healthcheck {
        Some(hc) => {
            lines.push(Line::from(Span::styled("Health check", t.header)));
            lines.push(kv("  test", vec![Span::raw(s(&hc.command()))], t));
            lines.push(kv(
                "  timing",
                vec![Span::raw(format!(
                    "interval {} · timeout {} · retries {} · start period {}",
                    secs(hc.interval),
                    secs(hc.timeout),
                    hc.retries_or_default(),
                    secs(hc.start_period)
                ))],
                t,
            ));
        }
        None => lines.push(Line::from(Span::styled(
            "No health check defined (HEALTHCHECK / compose healthcheck:).",
            t.muted,
        ))),
    }
    if !c.probes.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            "Health log (newest first)",
            t.header,
        )));
        for pr in c.probes.iter().rev().take(PROBES_SHOWN) {
            let when = pr
                .start
                .map(|ts| ts.strftime("%H:%M:%S").to_string())
                .unwrap_or_else(|| "--:--:--".into());
            let style = if pr.exit_code == 0 { t.ok } else { t.critical };
            let out = sanitize_lines(&pr.output);
            let first = out.first().cloned().unwrap_or_else(|| "(no output)".into());
            lines.push(Line::from(vec![
                Span::styled(format!("  {when} "), t.muted),
                Span::styled(format!("exit {:<3}", pr.exit_code), style),
                Span::raw(format!(" {first}")),
            ]));
            for more in out.iter().skip(1).take(PROBE_LINES - 1) {
                lines.push(Line::from(Span::raw(format!("{:16}{more}", ""))));
            }
        }
    }
    let Some((_, scroll)) = &mut p.detail else {
        return;
    };
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let offset = scroll.clamp_to(text.line_count(area.width), area.height.into());
    text.scroll((u16::try_from(offset).unwrap_or(u16::MAX), 0))
        .render(area, buf);
}

/// The reason column: the failing probe's own words when health is the
/// problem (the HEALTH column already says unhealthy), else the explanation.
fn short_reason(c: &Container, v: &Verdict) -> String {
    let probe = c
        .last_failed_output()
        .and_then(|o| o.lines().next().map(str::to_string))
        .filter(|o| !o.is_empty());
    match probe {
        Some(p) if matches!(v.reason.as_str(), "unhealthy" | "health failing") => p,
        _ => format!("{}: {}", v.reason, v.explanation),
    }
}

/// `97M`, `1.2G`: memory in a five-column cell.
pub fn compact_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "K", "M", "G", "T"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if v < 10.0 && unit > 0 {
        format!("{v:.1}{}", UNITS[unit])
    } else {
        format!("{v:.0}{}", UNITS[unit])
    }
}

fn sanitize_lines(output: &str) -> Vec<String> {
    crate::text::sanitize_multiline(output.trim_end())
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| sanitize(l).into_owned())
        .collect()
}
