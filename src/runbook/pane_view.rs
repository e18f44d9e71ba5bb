//! Drawing the Runbook pane: the runbook list, or the walker (step list on
//! the left; the selected step's prose, plan or live output on the right; the
//! clock against the RTO on top; key hints below).

use super::pane::{RunbookPane, View};
use super::walker::StepStatus;
use crate::action::Confirm;
use crate::pane::{PaneId, RenderCtx};
use crate::ui::table::render_table;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

pub fn render(p: &mut RunbookPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let title = match (&p.view, &p.run) {
        (View::Run, Some(r)) => format!("Runbook: {}", crate::text::sanitize(&r.title)),
        _ => "Runbooks".to_string(),
    };
    let block = crate::ui::widgets::pane_block(title, ctx);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let [body, notice_area, hints] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(u16::from(p.notice.is_some() && inner.height > 2)),
        Constraint::Length(u16::from(inner.height > 1)),
    ])
    .areas(inner);
    match (&p.view, p.run.is_some()) {
        (View::Run, true) => run_view(p, body, buf, ctx),
        _ => list_view(p, body, buf, ctx),
    }
    if let Some((text, error)) = &p.notice {
        let style = if *error {
            ctx.theme.critical
        } else {
            ctx.theme.info
        };
        let text = crate::text::sanitize(text);
        Span::styled(
            crate::text::truncate(&text, notice_area.width as usize).into_owned(),
            style,
        )
        .render(notice_area, buf);
    }
    hint_line(p, hints, buf, ctx);
}

fn key(ctx: &RenderCtx<'_>, section: &str, action: &str) -> String {
    ctx.keymap
        .keys_for(section, action)
        .split(" / ")
        .next()
        .unwrap_or("")
        .to_string()
}

fn hint_line(p: &RunbookPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    if area.height == 0 {
        return;
    }
    let t = ctx.theme;
    let mut pairs: Vec<(String, &str)> = Vec::new();
    let in_run = p.view == View::Run && p.run.is_some();
    if p.plan.is_some() && in_run {
        pairs.push(("enter".into(), "confirm & run"));
        pairs.push(("esc".into(), "cancel"));
    } else if in_run && p.run.as_ref().is_some_and(|r| r.runbook.is_none()) {
        // An incident: no steps, a timeline to scroll.
        pairs.push((key(ctx, "runbook", "note"), "note"));
        pairs.push((key(ctx, "runbook", "export"), "export"));
        pairs.push(("↑↓".into(), "scroll"));
        pairs.push(("esc".into(), "list"));
    } else if in_run {
        if !ctx.read_only {
            pairs.push((key(ctx, "runbook", "run_step"), "run"));
        }
        pairs.push((key(ctx, "runbook", "skip"), "skip"));
        if !ctx.read_only {
            pairs.push((key(ctx, "runbook", "retry"), "retry"));
        }
        pairs.push((key(ctx, "runbook", "mark_done"), "done"));
        pairs.push((key(ctx, "runbook", "note"), "note"));
        pairs.push((key(ctx, "runbook", "export"), "export"));
        pairs.push((key(ctx, "runbook", "abort"), "abort"));
        pairs.push(("esc".into(), "list"));
    } else {
        pairs.push(("enter".into(), "open"));
        if p.run.is_some() {
            pairs.push(("→".into(), "back to run"));
        }
        pairs.push((":".into(), "incident start"));
    }
    let mut spans = Vec::new();
    for (k, what) in pairs.into_iter().filter(|(k, _)| !k.is_empty()) {
        spans.push(Span::styled(k, t.key));
        spans.push(Span::styled(format!(" {what}  "), t.muted));
    }
    Line::from(spans).render(area, buf);
}

fn list_view(p: &mut RunbookPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let t = ctx.theme;
    let mut area = area;
    if let Some(r) = &p.run
        && area.height > 2
    {
        let what = if r.runbook.is_some() {
            "run"
        } else {
            "incident"
        };
        Line::from(vec![
            Span::styled("● ", t.warning),
            Span::styled(
                format!(
                    "{what} open: {} ({}) — {} actions recorded",
                    crate::text::sanitize(&r.title),
                    r.run_id,
                    r.actions.len()
                ),
                t.warning,
            ),
        ])
        .render(Rect { height: 1, ..area }, buf);
        area = Rect {
            y: area.y + 1,
            height: area.height - 1,
            ..area
        };
    }
    let rows = p.visible();
    if rows.is_empty() {
        let msg = if p.catalog.is_empty() {
            "No runbooks found."
        } else {
            "No runbook matches the filter."
        };
        crate::ui::widgets::empty_state(area, buf, PaneId::Runbook, msg, ctx);
        return;
    }
    let selected_err = rows.get(p.list.selected).and_then(|&i| {
        let e = &p.catalog[i];
        match (
            &e.runbook,
            e.unfinished.as_ref().and_then(|u| u.damage.as_ref()),
        ) {
            (Err(err), _) => Some(err.clone()),
            (Ok(_), Some((first, n))) => Some(damage_text(&e.path, first, *n)),
            (Ok(_), None) => None,
        }
    });
    let (table_area, err_area) = match &selected_err {
        Some(_) if area.height > 6 => {
            let [a, b] = Layout::vertical([Constraint::Min(3), Constraint::Length(4)]).areas(area);
            (a, Some(b))
        }
        _ => (area, None),
    };
    let catalog = &p.catalog;
    render_table(
        table_area,
        buf,
        t,
        &mut p.list,
        &["runbook", "steps", "RTO", "state", "file"],
        &[
            Constraint::Fill(3),
            Constraint::Length(5),
            Constraint::Length(4),
            Constraint::Length(16),
            Constraint::Fill(2),
        ],
        rows.len(),
        |i| {
            let e = &catalog[rows[i]];
            let file = e
                .path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            match &e.runbook {
                Ok(rb) => vec![
                    Span::raw(crate::text::sanitize(&rb.meta.title).into_owned()),
                    Span::raw(rb.steps.len().to_string()),
                    Span::raw(
                        rb.meta
                            .rto
                            .map(crate::text::human_duration)
                            .unwrap_or_else(|| "–".into()),
                    ),
                    match &e.unfinished {
                        Some(u) if u.damage.is_some() => Span::styled("! damaged run", t.critical),
                        Some(u) if !u.changes.is_empty() => {
                            Span::styled("! changed run", t.warning)
                        }
                        Some(_) => Span::styled("▶ unfinished", t.info),
                        None => Span::styled("", t.muted),
                    },
                    Span::styled(crate::text::sanitize(&file).into_owned(), t.muted),
                ],
                Err(_) => vec![
                    Span::raw(crate::text::sanitize(&file).into_owned()),
                    Span::styled("✗", t.critical),
                    Span::raw(""),
                    Span::styled("✗ lint errors", t.critical),
                    Span::styled(crate::text::sanitize(&file).into_owned(), t.muted),
                ],
            }
        },
    );
    if let (Some(err), Some(a)) = (selected_err, err_area) {
        let lines: Vec<Line> = err
            .lines()
            .map(|l| {
                Line::from(Span::styled(
                    crate::text::sanitize(l).into_owned(),
                    t.critical,
                ))
            })
            .collect();
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(a, buf);
    }
}

/// What the pane says about a damaged unfinished run, and how to go on.
pub(super) fn damage_text(path: &std::path::Path, first: &str, n: usize) -> String {
    let more = if n > 1 {
        format!(" (and {} more bad lines)", n - 1)
    } else {
        String::new()
    };
    format!(
        "! damaged run: {first}{more}\nResume from the entries that parse: warroom runbook run {} --resume --skip-bad-lines; or start afresh: --force",
        path.display()
    )
}

fn status_style(s: StepStatus, ctx: &RenderCtx<'_>) -> Style {
    let t = ctx.theme;
    match s {
        StepStatus::Pending => t.muted,
        StepStatus::Running => t.info,
        StepStatus::Passed | StepStatus::ManualDone => t.ok,
        StepStatus::Failed => t.critical,
        StepStatus::Skipped => t.warning,
    }
}

fn run_view(p: &mut RunbookPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let t = ctx.theme;
    let Some(run) = p.run.clone() else { return };
    let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    // Header: run id, progress, clock against the RTO.
    let w = &run.walker;
    let done = w.statuses().iter().filter(|s| s.is_settled()).count();
    let clock_style = if w.over_rto(ctx.now) {
        t.critical
    } else {
        t.ok
    };
    let state = if w.is_aborted() {
        Span::styled(" aborted", t.critical)
    } else if w.is_complete() && run.runbook.is_some() {
        Span::styled(" completed", t.ok)
    } else {
        Span::raw("")
    };
    Line::from(vec![
        Span::styled(
            format!(
                "run {}{} ",
                run.run_id,
                if run.resumed { " (resumed)" } else { "" }
            ),
            t.muted,
        ),
        Span::raw(format!("{done}/{} steps ", w.len())),
        Span::styled(format!("⏱ {}", w.clock(ctx.now)), clock_style),
        Span::styled(
            if w.over_rto(ctx.now) { " OVER RTO" } else { "" },
            t.critical,
        ),
        state,
    ])
    .render(top, buf);
    let Some(rb) = run.runbook.clone() else {
        // An incident: its timeline.
        return super::pane_timeline::render(p, rest, buf, ctx);
    };
    let left_w = (rest.width / 3).clamp(12, 32);
    let [left, right] = Layout::horizontal([Constraint::Length(left_w), Constraint::Min(0)])
        .spacing(1)
        .areas(rest);
    let running = p.running;
    render_table(
        left,
        buf,
        t,
        &mut p.steps,
        &["steps"],
        &[Constraint::Fill(1)],
        rb.steps.len(),
        |i| {
            let s = w.status(i);
            let sym = if Some(i) == running {
                "▶"
            } else {
                s.symbol()
            };
            vec![Span::styled(
                format!(
                    "{sym} {} {}",
                    i + 1,
                    crate::text::sanitize(&rb.steps[i].title)
                ),
                status_style(s, ctx),
            )]
        },
    );
    let Some(i) = p.selected_step() else { return };
    let step = &rb.steps[i];
    let s = w.status(i);
    let mut lines: Vec<Line> = Vec::new();
    let kind = if step.is_manual() {
        "manual".to_string()
    } else {
        step.runnable()
            .map(|b| b.kind.label().to_string())
            .collect::<Vec<_>>()
            .join("+")
    };
    lines.push(Line::from(vec![
        Span::styled(format!("Step {}/{} ", i + 1, rb.steps.len()), t.header),
        Span::styled(
            format!("{} {}", s.symbol(), s.label()),
            status_style(s, ctx),
        ),
        Span::styled(format!(" · {kind}"), t.muted),
    ]));
    if let Some(reason) = w.skip_reason(i) {
        lines.push(Line::from(Span::styled(
            format!("skipped: {}", crate::text::sanitize(reason)),
            t.warning,
        )));
    }
    if let Some(r) = run.results.get(&i) {
        let style = if r.starts_with("failed") {
            t.critical
        } else {
            t.ok
        };
        lines.push(Line::from(Span::styled(
            crate::text::sanitize(r).into_owned(),
            style,
        )));
    }
    let plan = p.plan.as_ref().filter(|pl| pl.step == i);
    if let Some(pl) = plan {
        lines.push(Line::from(Span::styled(
            "Will run (review, then enter):",
            t.warning,
        )));
        for l in pl.text.lines() {
            let style = if l.trim_start().starts_with('✗') || l.contains("BLOCKED") {
                t.critical
            } else {
                t.base
            };
            lines.push(Line::from(Span::styled(
                crate::text::sanitize(l).into_owned(),
                style,
            )));
        }
        let ask = match &pl.confirm {
            Confirm::Typed(word) => format!("enter asks you to type {word}; esc cancels"),
            Confirm::Yes => "enter runs it; esc cancels".into(),
            Confirm::None => "enter runs it (no confirmation needed); esc cancels".into(),
        };
        lines.push(Line::from(Span::styled(ask, t.key)));
        if let Some(e) = &pl.error {
            lines.push(Line::from(Span::styled(
                format!("cannot run: {}", crate::text::sanitize(e)),
                t.critical,
            )));
        }
    } else if p.output_step == Some(i) && !p.output.is_empty() {
        if !step.prose.is_empty() {
            let first = step.prose.lines().next().unwrap_or("");
            lines.push(Line::from(Span::styled(
                crate::text::sanitize(first).into_owned(),
                t.muted,
            )));
        }
        lines.push(Line::from(Span::styled(
            if running == Some(i) {
                "output (live):"
            } else {
                "output:"
            },
            t.header,
        )));
        // Only the tail that fits: the pane never formats more than a screen.
        // Hard-wrap here so the rows are known exactly: the newest output
        // always ends at the bottom, however long its lines are.
        let width = (right.width as usize).max(1);
        let mut head: Vec<Line> = Vec::new();
        for l in lines.drain(..) {
            if l.width() <= width {
                head.push(l);
            } else {
                let style = l.spans.first().map(|s| s.style).unwrap_or_default();
                let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
                head.extend(
                    hard_wrap(&text, width)
                        .into_iter()
                        .map(|c| Line::from(Span::styled(c, style))),
                );
            }
        }
        let room = (right.height as usize).saturating_sub(head.len());
        // Scrolled back from the newest line, never past the oldest.
        let back = p.scroll.clamp_to(p.output.len(), 1);
        let end = p.output.len().saturating_sub(back);
        let mut tail: Vec<Line> = Vec::new();
        for l in p.output.range(..end).rev() {
            let style = if l.starts_with('✗') {
                t.critical
            } else if l.starts_with('✓') {
                t.ok
            } else {
                t.base
            };
            let chunks = hard_wrap(l, width);
            if tail.len() + chunks.len() > room {
                break;
            }
            for c in chunks.into_iter().rev() {
                tail.push(Line::from(Span::styled(c, style)));
            }
        }
        tail.reverse();
        head.extend(tail);
        lines = head;
    } else {
        for l in reflow(&step.prose) {
            lines.push(Line::from(crate::text::sanitize(&l).into_owned()));
        }
        if !step.is_manual() {
            lines.push(Line::default());
            for b in step.runnable() {
                lines.push(Line::from(Span::styled(
                    format!("[{}]", b.kind.label()),
                    t.muted,
                )));
                for l in b.body.lines() {
                    lines.push(Line::from(Span::styled(
                        format!("  {}", crate::text::sanitize(l)),
                        t.info,
                    )));
                }
            }
        }
    }
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let scroll = if plan.is_some() || p.output_step != Some(i) {
        p.scroll
            .clamp_to(text.line_count(right.width), right.height.into())
    } else {
        0
    };
    text.scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
        .render(right, buf);
}

/// Join the hard-wrapped lines of each paragraph so the pane can wrap them to
/// its own width; lists, tables, headings, fences and indented code keep their lines.
pub(super) fn reflow(prose: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut joinable = false;
    let mut in_fence = false;
    for l in prose.lines() {
        let t = l.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            out.push(l.to_string());
            joinable = false;
            continue;
        }
        let structural = in_fence
            || t.is_empty()
            || l.starts_with("    ")
            || t.starts_with('#')
            || t.starts_with('|')
            || t.starts_with('>')
            || t.starts_with("- ")
            || t.starts_with("* ")
            || t.split_once(". ")
                .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        match out.last_mut() {
            Some(prev) if joinable && !structural => {
                prev.push(' ');
                prev.push_str(t);
            }
            _ => out.push(l.to_string()),
        }
        // A list item's continuation lines join the item.
        joinable = !t.is_empty()
            && !in_fence
            && !l.starts_with("    ")
            && !t.starts_with('|')
            && !t.starts_with('#');
    }
    out
}

/// Split `text` into pieces of at most `width` display columns.
pub(super) fn hard_wrap(text: &str, width: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthChar;
    let mut out = vec![String::new()];
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > width && used > 0 {
            out.push(String::new());
            used = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push(ch);
        }
        used += w;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn hard_wrap_cuts_by_display_width() {
        assert_eq!(super::hard_wrap("abcdef", 4), ["abcd", "ef"]);
        assert_eq!(super::hard_wrap("日本語", 4), ["日本", "語"]);
        assert_eq!(super::hard_wrap("", 4), [""]);
    }

    #[test]
    fn reflow_joins_paragraph_lines_and_keeps_structure() {
        let r = super::reflow("one\ntwo\n\n- item\n  more\n- next\n\n```\ncode\nx\n```");
        assert_eq!(
            r,
            [
                "one two",
                "",
                "- item more",
                "- next",
                "",
                "```",
                "code",
                "x",
                "```"
            ]
        );
    }
}
