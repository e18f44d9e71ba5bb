//! Drawing the Logs pane: header (query or stream, range), status line (line
//! counts, evictions, filters, tail state), Loki error with its hint, the
//! histogram, the viewer, and the editor / prompt / label browser / menu.

use super::LogTarget;
use super::TailState;
use super::pane::{LogsPane, Mode, PromptKind, menu_items};
use crate::pane::{PaneId, RenderCtx};
use crate::source::SourceKind;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

fn s(text: impl AsRef<str>) -> String {
    crate::text::sanitize(text.as_ref()).into_owned()
}

pub fn render(p: &mut LogsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let t = ctx.theme;
    let title = match &p.target {
        Some(target) => format!("Logs — {}", s(target.to_string())),
        None => "Logs".to_string(),
    };
    let title = crate::text::truncate(&title, area.width.saturating_sub(4) as usize).into_owned();
    let block = crate::ui::widgets::pane_block(title, ctx);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let editing = matches!(p.mode, Mode::Editing(_) | Mode::Prompt(..));
    let error_h = if p.error.is_some() { 3 } else { 0 };
    let hist_h = if p.histogram.is_some() && inner.height >= 14 {
        4
    } else {
        0
    };
    let [header, status, err_area, hist_area, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(error_h),
        Constraint::Length(hist_h),
        Constraint::Min(0),
    ])
    .areas(inner);
    render_header(p, header, buf, ctx);
    if (!editing || matches!(p.mode, Mode::Editing(_))) && p.target.is_some() {
        render_status(p, status, buf, ctx);
    } else if let Mode::Prompt(kind, input) = &p.mode {
        let label = match kind {
            PromptKind::Search => "search › ",
            PromptKind::Include => "only lines containing › ",
            PromptKind::Exclude => "hide lines containing › ",
        };
        let [l, r] = Layout::horizontal([
            Constraint::Length(unicode_width::UnicodeWidthStr::width(label) as u16),
            Constraint::Min(1),
        ])
        .areas(status);
        Span::styled(label, t.key).render(l, buf);
        let mut input = input.as_ref().clone();
        input.set_style(t.input);
        input.render(r, buf);
    }
    if let Some(e) = &p.error {
        let lines = vec![
            Line::from(Span::styled(
                format!("✗ {}", s(e.to_string().split(" — ").next().unwrap_or(""))),
                t.critical,
            )),
            Line::from(Span::styled(
                format!("  hint: {} (Esc hides this)", s(e.hint())),
                t.warning,
            )),
        ];
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(err_area, buf);
    }
    if let Some(h) = &p.histogram
        && hist_h > 0
    {
        h.render(hist_area, buf, t);
    }
    if p.target.is_none() {
        render_empty(p, body, buf, ctx);
    } else {
        let show_labels = matches!(p.target, Some(LogTarget::Loki { .. }));
        if p.viewer.visible_len() == 0 && p.viewer.detail.is_none() {
            let msg = if p.loading {
                "loading…".to_string()
            } else if p.error.is_some() {
                String::new()
            } else if p.viewer.ring().is_empty() {
                match &p.target {
                    Some(LogTarget::Loki { .. }) => {
                        "no lines in this time range (t widens it, f tails)".to_string()
                    }
                    _ => "waiting for lines…".to_string(),
                }
            } else {
                format!(
                    "{} lines kept, none pass the filters (C clears them)",
                    p.viewer.ring().len()
                )
            };
            Span::styled(msg, t.muted).render(body, buf);
        } else {
            p.viewer.render(body, buf, t, show_labels);
        }
    }
    match &mut p.mode {
        Mode::Labels(b) => {
            let w = body.width.min(44);
            let h = body.height.max(3);
            let r = Rect::new(body.right().saturating_sub(w), body.y, w, h);
            Clear.render(r, buf);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(t.border_focused)
                .style(t.overlay)
                .title(Span::styled(" labels — Enter picks, / filters ", t.title));
            let inner = block.inner(r);
            block.render(r, buf);
            b.render(inner, buf, t);
        }
        Mode::Menu(sel) => {
            let sel = *sel;
            let items = menu_items(p);
            let w = body.width.min(40);
            let h = (items.len() as u16 + 2).min(body.height.max(3));
            let r = Rect::new(body.x, body.y, w, h);
            Clear.render(r, buf);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(t.border_focused)
                .style(t.overlay)
                .title(Span::styled(" time range ", t.title));
            let inner = block.inner(r);
            block.render(r, buf);
            for (i, item) in items.iter().enumerate().take(inner.height as usize) {
                let style = if i == sel {
                    t.selection
                } else {
                    Style::default()
                };
                let row = Rect::new(inner.x, inner.y + i as u16, inner.width, 1);
                buf.set_style(row, style);
                Span::styled(format!(" {item}"), style).render(row, buf);
            }
        }
        _ => {}
    }
}

fn render_header(p: &LogsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let t = ctx.theme;
    if let Mode::Editing(input) = &p.mode {
        let label = "LogQL › ";
        let [l, r] = Layout::horizontal([Constraint::Length(8), Constraint::Min(1)]).areas(area);
        Span::styled(label, t.key).render(l, buf);
        let mut input = input.as_ref().clone();
        input.set_style(t.input);
        input.set_placeholder_text("{app=\"api\"} |= \"error\"   (Enter runs, ↑/↓ history)");
        input.render(r, buf);
        return;
    }
    let mut spans = Vec::new();
    match &p.target {
        Some(LogTarget::Loki { query }) => {
            spans.push(Span::styled("LogQL ", t.muted));
            spans.push(Span::styled(s(query), t.header));
            spans.push(Span::styled(
                format!(
                    "  {} · limit {} · {}",
                    p.range.label(),
                    p.limit,
                    p.direction.as_str()
                ),
                t.muted,
            ));
        }
        Some(other) => {
            spans.push(Span::styled(s(other.to_string()), t.header));
            if let Some(from) = p.stream_from {
                spans.push(Span::styled(
                    format!("  since {} ago", crate::text::age(from, ctx.now)),
                    t.muted,
                ));
            }
            let (text, style) = match &p.stream {
                Some(Ok(())) => ("  streaming".to_string(), t.ok),
                Some(Err(None)) => ("  stream ended".to_string(), t.muted),
                Some(Err(Some(e))) => (format!("  stream ended: {}", s(e)), t.warning),
                None => (String::new(), t.muted),
            };
            spans.push(Span::styled(text, style));
        }
        None => spans.push(Span::styled(
            "e: LogQL query · L: labels · t: time range · or l on a pod/container",
            t.muted,
        )),
    }
    Line::from(spans).render(area, buf);
}

fn render_status(p: &LogsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let t = ctx.theme;
    let v = &p.viewer;
    let mut spans = Vec::new();
    // Live state first: it is what changes under the operator's eyes.
    if v.paused() {
        spans.push(Span::styled(
            format!(" ❚❚ PAUSED ({} new) ", v.pending()),
            t.badge,
        ));
        spans.push(Span::raw(" "));
    }
    let shown = v.visible_len();
    let kept = v.ring().len();
    let count = if shown == kept {
        format!("{kept} lines")
    } else {
        format!("{shown}/{kept} lines")
    };
    spans.push(Span::raw(count));
    if v.evicted() > 0 {
        spans.push(Span::styled(
            format!(" · {} evicted", v.evicted()),
            t.warning,
        ));
    }
    if v.refused() > 0 {
        spans.push(Span::styled(
            format!(" · {} not kept", v.refused()),
            t.warning,
        ));
    }
    // What was lost comes before the connection state: at 80 columns the
    // end of the line is cut, and a count of lost lines must never be.
    if let Some(tail) = p.tail.as_ref().filter(|t| t.dropped > 0) {
        spans.push(Span::styled(
            format!(" · dropped {}", tail.dropped),
            t.warning,
        ));
    }
    // Pausing only holds lines back: the connection keeps living, so its
    // state (reconnecting, refused) still matters.
    if let Some(tail) = &p.tail {
        let (text, style) = match &tail.state {
            // "LIVE" beside "PAUSED" would read as a contradiction.
            TailState::Live if v.paused() => ("● connected".to_string(), t.ok),
            TailState::Live => ("● LIVE".to_string(), t.ok),
            TailState::Connecting => ("… connecting".to_string(), t.info),
            TailState::Reconnecting { attempt, error } => (
                format!(
                    "↻ reconnecting, try {attempt}: {}",
                    crate::text::truncate(&s(error), 32)
                ),
                t.warning,
            ),
            TailState::Failed(e) => (
                match e.status() {
                    Some(code) => format!("✗ tail refused ({code}), not retrying"),
                    None => "✗ tail refused, not retrying".to_string(),
                },
                t.critical,
            ),
            TailState::Stopped => ("tail stopped".to_string(), t.muted),
        };
        spans.push(Span::raw(" · "));
        spans.push(Span::styled(text, style));
    }
    if p.loading {
        spans.push(Span::styled(" loading…", t.info));
    }
    if let Some(e) = v.selected_entry()
        && e.line.text.len() > v.max_display
        && v.detail.is_none()
    {
        spans.push(Span::styled(
            format!(
                " · line cut at {} of {} — Enter shows all",
                crate::text::human_bytes(v.max_display as u64),
                crate::text::human_bytes(e.line.text.len() as u64)
            ),
            t.info,
        ));
    }
    if p.more && matches!(p.target, Some(LogTarget::Loki { .. })) {
        spans.push(Span::styled(" · o: older", t.muted));
    }
    for m in v.includes() {
        spans.push(Span::styled(format!(" +{}", s(m.needle())), t.ok));
    }
    for m in v.excludes() {
        spans.push(Span::styled(format!(" -{}", s(m.needle())), t.critical));
    }
    if let Some(q) = v.quick() {
        spans.push(Span::styled(format!(" /{}", s(q.needle())), t.info));
    }
    if let Some(m) = v.search() {
        spans.push(Span::styled(
            format!(" ⌕{} (n/N)", s(m.needle())),
            t.search_match,
        ));
    }
    if v.wrapped() {
        spans.push(Span::styled(" · wrap", t.muted));
    }
    if let Some(n) = &p.notice {
        spans.push(Span::styled(format!(" · {}", s(n)), t.info));
    }
    Line::from(spans).render(area, buf);
}

fn render_empty(p: &LogsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let loki_ok = ctx.sources.iter().any(|(id, st)| {
        id.kind == SourceKind::Loki
            && matches!(st.status, crate::source::SourceStatus::Connected { .. })
    });
    let msg = if loki_ok {
        if p.query.is_empty() {
            "No query yet. Press e to write LogQL (e.g. {app=\"api\"} |= \"error\"), L to browse labels."
                .to_string()
        } else {
            format!("Press e, then Enter, to run {}", s(&p.query))
        }
    } else {
        "No logs open. Open a pod's or container's logs with l in Workloads or Containers; \
         Loki search needs [loki] in the config."
            .to_string()
    };
    let mut lines = vec![
        Line::from(Span::styled(msg, ctx.theme.muted)),
        Line::default(),
    ];
    lines.extend(crate::ui::widgets::source_lines(PaneId::Logs, ctx));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(area, buf);
}
