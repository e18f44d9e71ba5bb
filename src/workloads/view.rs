//! Rendering of the workloads pane: the problems list, the tree, the
//! explanation strip for the selection, and the detail view.

use super::Perm;
use super::health::Health;
use super::model::{Kind, State};
use super::pane::{View, WorkloadsPane};
use crate::pane::{PaneId, RenderCtx};
use crate::report::Severity;
use crate::text::sanitize;
use crate::ui::table::{Cell, render_table, severity_cell};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

fn sev_style(sev: Option<Severity>, ctx: &RenderCtx<'_>) -> Style {
    match sev {
        Some(Severity::Critical) => ctx.theme.critical,
        Some(Severity::Warning) => ctx.theme.warning,
        Some(Severity::Info) => ctx.theme.info,
        None => ctx.theme.ok,
    }
}

fn s(text: &str) -> String {
    sanitize(text).into_owned()
}

fn age(t: Option<jiff::Timestamp>, now: jiff::Timestamp) -> String {
    t.map(|t| crate::text::age(t, now))
        .unwrap_or_else(|| "-".into())
}

pub(super) fn render(p: &mut WorkloadsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let title = match (&p.detail, p.view) {
        _ if p.manifest.is_some() => {
            let m = p.manifest.as_ref().map(|m| m.title()).unwrap_or_default();
            format!("Workloads · {m}")
        }
        _ if p.events.open => format!("Workloads · events — {}", p.events.summary()),
        _ if p.nodes.open => format!("Workloads · nodes ({})", p.nodes.rows.len()),
        _ if p.forwards.open => format!("Workloads · port-forwards ({})", p.forwards.rows.len()),
        (Some((k, key)), _) => format!("Workloads · {} {}", k.label(), key.name),
        (None, View::Problems) => format!("Workloads · problems ({})", p.rows.len()),
        (None, View::Tree) => "Workloads · tree".to_string(),
    };
    let title = if p.filter_text.is_empty() || p.manifest.is_some() {
        title
    } else {
        format!("{title} · /{}", p.filter_text)
    };
    let block = crate::ui::widgets::pane_block(s(&title), ctx);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    if let Some(m) = p.manifest.as_mut() {
        m.render(inner, buf, ctx);
        return;
    }
    if p.events.open {
        p.events.render(inner, buf, ctx);
        return;
    }
    if p.nodes.open {
        p.nodes.render(inner, buf, ctx);
        return;
    }
    if p.forwards.open {
        p.forwards.render(inner, buf, ctx);
        return;
    }
    if p.store.is_empty() {
        crate::ui::widgets::empty_state(
            inner,
            buf,
            PaneId::Workloads,
            "No Kubernetes objects yet.",
            ctx,
        );
        return;
    }
    if p.detail.is_some() {
        render_detail(p, inner, buf, ctx);
        return;
    }
    if p.rows.is_empty() {
        let msg = match (p.view, p.filter_text.is_empty()) {
            (View::Problems, true) => {
                let (pods, w) = p.store.counts();
                format!(
                    "✓ No problems: {pods} pods and {w} workloads are healthy. (t: workload tree)"
                )
            }
            _ => "Nothing matches the filter.".to_string(),
        };
        Paragraph::new(Line::from(Span::styled(msg, ctx.theme.ok)))
            .wrap(Wrap { trim: true })
            .render(inner, buf);
        return;
    }
    // The selection's explanation under the list, when there is room.
    let strip = if inner.height >= 8 { 3 } else { 0 };
    let [list, explain] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(strip)]).areas(inner);
    match p.view {
        View::Problems => render_problems(p, list, buf, ctx),
        View::Tree => render_tree(p, list, buf, ctx),
    }
    if strip > 0
        && let Some(r) = p.rows.get(p.table.selected)
    {
        explanation(&r.health, explain, buf, ctx);
    }
}

fn explanation(h: &Health, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    if h.explanation.is_empty() {
        return;
    }
    let lines = vec![
        Line::from(vec![
            Span::styled("why  ", ctx.theme.muted),
            Span::styled(s(&h.explanation), sev_style(h.severity, ctx)),
        ]),
        Line::from(vec![
            Span::styled("next ", ctx.theme.muted),
            Span::raw(s(&h.next_step)),
        ]),
    ];
    let top = Rect { height: 1, ..area };
    Line::from(Span::styled(
        "─".repeat(area.width as usize),
        ctx.theme.border,
    ))
    .render(top, buf);
    let rest = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    };
    Paragraph::new(lines).render(rest, buf);
}

fn render_problems(p: &mut WorkloadsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let widths = [
        Constraint::Length(1),
        Constraint::Length(9),
        Constraint::Min(20),
        Constraint::Length(16),
        Constraint::Length(3),
        Constraint::Length(15),
        Constraint::Length(5),
    ];
    let rows = &p.rows;
    let now = ctx.now;
    render_table(
        area,
        buf,
        ctx.theme,
        &mut p.table,
        &["", "NAMESPACE", "NAME", "REASON", "RST", "LAST", "AGE"],
        &widths,
        rows.len(),
        |i| {
            let r = &rows[i];
            let name = if r.kind == Kind::Pod {
                s(&r.key.name)
            } else {
                format!("{}/{}", r.kind.arg(), s(&r.key.name))
            };
            vec![
                severity_cell(r.health.severity.unwrap_or(Severity::Info), ctx.theme),
                Cell::raw(s(&r.key.namespace)),
                Cell::raw(name),
                Cell::styled(s(&r.health.reason), sev_style(r.health.severity, ctx)),
                Cell::raw(if r.kind == Kind::Pod {
                    r.restarts.to_string()
                } else {
                    String::new()
                }),
                Cell::raw(if r.last.is_empty() {
                    s(&r.health.detail)
                } else {
                    s(&r.last)
                }),
                Cell::styled(age(r.since, now), ctx.theme.muted),
            ]
        },
    );
}

fn render_tree(p: &mut WorkloadsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let widths = [
        Constraint::Min(24),
        Constraint::Length(5),
        Constraint::Length(18),
        Constraint::Length(3),
        Constraint::Length(5),
    ];
    let rows = &p.rows;
    let now = ctx.now;
    render_table(
        area,
        buf,
        ctx.theme,
        &mut p.table,
        &["NAME", "READY", "STATUS", "RST", "AGE"],
        &widths,
        rows.len(),
        |i| {
            let r = &rows[i];
            let indent = "  ".repeat(r.depth as usize);
            let branch = if r.depth > 0 { "└ " } else { "" };
            let label = match r.kind {
                Kind::Pod if r.depth == 0 => format!("{}/{}", s(&r.key.namespace), s(&r.key.name)),
                Kind::Pod => s(&r.key.name),
                k if r.depth == 0 => {
                    format!("{} {}/{}", k.arg(), s(&r.key.namespace), s(&r.key.name))
                }
                k => format!("{} {}", k.arg(), s(&r.key.name)),
            };
            let name_style = if r.kind == Kind::Pod {
                Style::default()
            } else {
                ctx.theme.header
            };
            vec![
                Cell::styled(format!("{indent}{branch}{label}"), name_style),
                Cell::raw(r.ready.clone()),
                Cell::styled(s(&r.health.reason), sev_style(r.health.severity, ctx)),
                Cell::raw(if r.kind == Kind::Pod {
                    r.restarts.to_string()
                } else {
                    String::new()
                }),
                Cell::styled(age(r.since, now), ctx.theme.muted),
            ]
        },
    );
}

fn heading(text: &str, ctx: &RenderCtx<'_>) -> Line<'static> {
    Line::from(Span::styled(
        text.to_string(),
        ctx.theme.header.add_modifier(Modifier::BOLD),
    ))
}

fn render_detail(p: &mut WorkloadsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let Some((kind, key)) = p.detail.clone() else {
        return;
    };
    let t = ctx.theme;
    let now = ctx.now;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let health = match kind {
        Kind::Pod => p
            .store
            .pods
            .get(&key)
            .map(|pod| p.store.pod_health(pod, now)),
        Kind::Node => None,
        k => p
            .store
            .workloads
            .get(&(k, key.clone()))
            .map(super::health::classify_workload),
    };
    let Some(health) = health else {
        lines.push(Line::from(Span::styled(
            format!(
                "{} {}/{} is gone (deleted or out of the watched namespaces). Esc: back",
                kind.label(),
                s(&key.namespace),
                s(&key.name)
            ),
            t.muted,
        )));
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(area, buf);
        return;
    };
    let sym = health.severity.map(|s| s.symbol()).unwrap_or("✓");
    let mut head = vec![Span::styled(
        format!("{sym} {}", s(&health.reason)),
        sev_style(health.severity, ctx).add_modifier(Modifier::BOLD),
    )];
    if !health.detail.is_empty() {
        head.push(Span::raw(format!(" — {}", s(&health.detail))));
    }
    lines.push(Line::from(head));
    if !health.explanation.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("why  ", t.muted),
            Span::raw(s(&health.explanation)),
        ]));
        lines.push(Line::from(vec![
            Span::styled("next ", t.muted),
            Span::raw(s(&health.next_step)),
        ]));
    }
    let chain = p.store.owner_chain(kind, &key);
    lines.push(Line::from(vec![
        Span::styled("owner ", t.muted),
        Span::raw(
            chain
                .iter()
                .map(|(k, kk)| format!("{} {}", k.label(), s(&kk.name)))
                .collect::<Vec<_>>()
                .join(" ← "),
        ),
    ]));
    match kind {
        Kind::Pod => {
            if let Some(pod) = p.store.pods.get(&key) {
                lines.push(Line::from(vec![
                    Span::styled("pod   ", t.muted),
                    Span::raw(format!(
                        "{} · node {} · age {}",
                        s(&pod.phase),
                        s(pod.node.as_deref().unwrap_or("-")),
                        age(pod.created, now)
                    )),
                ]));
                lines.push(heading("Containers", ctx));
                for (init, c) in pod
                    .init_containers
                    .iter()
                    .map(|c| (true, c))
                    .chain(pod.containers.iter().map(|c| (false, c)))
                {
                    let state_style = match &c.state {
                        State::Running { .. } if c.ready => t.ok,
                        State::Running { .. } => t.warning,
                        State::Terminated(x) if x.exit_code == 0 => t.muted,
                        _ => t.critical,
                    };
                    lines.push(Line::from(vec![
                        Span::styled(
                            format!(" {}{} ", if init { "init:" } else { "" }, s(&c.name)),
                            t.header,
                        ),
                        Span::raw(s(&c.image)),
                        Span::styled(
                            c.memory_limit
                                .as_ref()
                                .map(|m| format!("  mem limit {}", s(m)))
                                .unwrap_or_default(),
                            t.muted,
                        ),
                    ]));
                    lines.push(Line::from(vec![
                        Span::styled("   state ", t.muted),
                        Span::styled(s(&c.state.describe()), state_style),
                        Span::raw(format!(
                            "  ready {}  restarts {}",
                            if c.ready { "yes" } else { "no" },
                            c.restarts
                        )),
                    ]));
                    if let Some(last) = &c.last {
                        lines.push(Line::from(vec![
                            Span::styled("   last  ", t.muted),
                            Span::styled(
                                format!("Terminated: {}", s(&last.describe())),
                                t.critical,
                            ),
                            Span::raw(format!(" {} ago", age(last.finished, now))),
                        ]));
                    }
                    if let State::Waiting {
                        message: Some(m), ..
                    } = &c.state
                    {
                        lines.push(Line::from(vec![
                            Span::styled("   msg   ", t.muted),
                            Span::raw(s(m)),
                        ]));
                    }
                    for probe in &c.probes {
                        lines.push(Line::from(vec![
                            Span::styled("   probe ", t.muted),
                            Span::raw(s(probe)),
                        ]));
                    }
                }
            }
        }
        k => {
            if let Some(w) = p.store.workloads.get(&(k, key.clone())) {
                lines.push(Line::from(vec![
                    Span::styled("state ", t.muted),
                    Span::raw(match k {
                        Kind::CronJob => format!(
                            "schedule {} · last run {} ago",
                            s(w.schedule.as_deref().unwrap_or("-")),
                            age(w.last_schedule, now)
                        ),
                        _ => format!(
                            "desired {} · ready {} · available {} · updated {}{}",
                            w.desired,
                            w.ready,
                            w.available,
                            w.updated,
                            w.revision
                                .map(|r| format!(" · revision {r}"))
                                .unwrap_or_default()
                        ),
                    }),
                ]));
                for img in &w.images {
                    lines.push(Line::from(vec![
                        Span::styled("image ", t.muted),
                        Span::raw(s(img)),
                    ]));
                }
                for c in &w.conditions {
                    let style = if c.status == "True" && c.type_ != "Failed" {
                        t.ok
                    } else {
                        t.warning
                    };
                    lines.push(Line::from(vec![
                        Span::styled("cond  ", t.muted),
                        Span::styled(format!("{}={}", s(&c.type_), s(&c.status)), style),
                        Span::raw(format!(
                            " {} {}",
                            s(c.reason.as_deref().unwrap_or("")),
                            s(c.message.as_deref().unwrap_or(""))
                        )),
                    ]));
                }
                if k == Kind::Deployment {
                    lines.push(heading("Revisions (U: roll back)", ctx));
                    for rs in p.store.revisions(&key) {
                        let current = rs.revision == w.revision;
                        lines.push(Line::from(vec![
                            Span::styled(
                                format!(" {:>3} ", rs.revision.unwrap_or(0)),
                                if current { t.ok } else { t.muted },
                            ),
                            Span::raw(format!("{} {}/{} ", s(&rs.key.name), rs.ready, rs.desired)),
                            Span::raw(
                                rs.images
                                    .iter()
                                    .map(|i| s(i))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            ),
                            Span::styled(if current { "  (current)" } else { "" }, t.ok),
                        ]));
                    }
                }
            }
        }
    }
    let events = p.store.events_for(kind, &key);
    lines.push(heading(&format!("Events ({})", events.len()), ctx));
    if events.is_empty() {
        lines.push(Line::from(Span::styled(" none recorded", t.muted)));
    }
    for e in events.iter().take(12) {
        let style = if e.type_ == "Warning" {
            t.warning
        } else {
            t.muted
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {:>4} ", age(e.last, now)), t.muted),
            Span::styled(format!("{} ", s(&e.reason)), style),
            Span::styled(
                if e.count > 1 {
                    format!("×{} ", e.count)
                } else {
                    String::new()
                },
                t.muted,
            ),
            Span::raw(s(&e.message)),
        ]));
    }
    lines.push(heading("Actions", ctx));
    lines.push(actions_line(p, kind, &key, ctx));
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let offset = p
        .detail_scroll
        .clamp_to(text.line_count(area.width), area.height.into());
    text.scroll((u16::try_from(offset).unwrap_or(u16::MAX), 0))
        .render(area, buf);
}

/// The actions for the object, with their keys; unavailable ones say why.
fn actions_line(
    p: &WorkloadsPane,
    kind: Kind,
    key: &super::model::Key,
    ctx: &RenderCtx<'_>,
) -> Line<'static> {
    let t = ctx.theme;
    let keys = |a: &str| ctx.keymap.keys_for("workloads", a);
    if kind == Kind::Node {
        return node_actions_line(p, &key.name, ctx);
    }
    let mut spans = vec![
        Span::styled(format!(" {} ", keys("logs")), t.key),
        Span::raw("logs "),
        Span::styled(format!(" {} ", keys("previous_logs")), t.key),
        Span::raw("previous "),
        Span::styled(format!(" {} ", keys("logs_since")), t.key),
        Span::raw("since "),
    ];
    if ctx.read_only {
        spans.push(Span::styled(" (read-only: no actions)", t.muted));
        return Line::from(spans);
    }
    let mut offer = |action: &str, label: &str, perm: Perm| match p.denied(&key.namespace, perm) {
        Some(reason) => {
            spans.push(Span::styled(
                format!(" {label} unavailable: {} ", s(&reason)),
                t.muted.add_modifier(Modifier::CROSSED_OUT),
            ));
        }
        None => {
            spans.push(Span::styled(format!(" {} ", keys(action)), t.key));
            spans.push(Span::raw(format!("{label} ")));
        }
    };
    if kind == Kind::Pod {
        offer("delete_pod", "delete", Perm::DeletePods);
    }
    offer("shell", "shell", Perm::ExecPods);
    offer("port_forward", "forward", Perm::PortForwardPods);
    let ctrl = if matches!(kind, Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet) {
        Some(kind)
    } else {
        p.store.top_controller(kind, key).map(|(k, _)| k)
    };
    if let Some(c) = ctrl.and_then(Perm::patch) {
        offer("rollout_restart", "restart", c);
        if ctrl.is_some_and(Kind::is_scalable) {
            offer("scale", "scale", c);
        }
        if ctrl == Some(Kind::Deployment) {
            offer("rollout_undo", "undo", c);
        }
    }
    Line::from(spans)
}

/// A node's actions: cordon (or uncordon) and drain, or why not.
fn node_actions_line(p: &WorkloadsPane, name: &str, ctx: &RenderCtx<'_>) -> Line<'static> {
    let t = ctx.theme;
    let keys = |a: &str| ctx.keymap.keys_for("workloads", a);
    if ctx.read_only {
        return Line::from(Span::styled(" read-only: no actions", t.muted));
    }
    if let Some(why) = p.denied("", Perm::PatchNodes) {
        return Line::from(Span::styled(
            format!(" cordon/drain unavailable: {}", s(&why)),
            t.muted.add_modifier(Modifier::CROSSED_OUT),
        ));
    }
    let cordoned = p.store.nodes.get(name).is_some_and(|n| n.unschedulable);
    let (toggle, label) = if cordoned {
        ("uncordon", "uncordon")
    } else {
        ("cordon", "cordon")
    };
    Line::from(vec![
        Span::styled(format!(" {} ", keys(toggle)), t.key),
        Span::raw(format!("{label} ")),
        Span::styled(format!(" {} ", keys("drain")), t.key),
        Span::raw("drain "),
        Span::styled(format!(" {} ", keys("nodes")), t.key),
        Span::raw("all nodes "),
    ])
}
