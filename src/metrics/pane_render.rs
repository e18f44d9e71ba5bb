//! Drawing the metrics pane: the query line (or the editor and what Tab
//! found), a status line (range, step, age, the cursor's time, the error
//! that made the data stale), then the chart or the table. Reads state only.

use super::pane::{MetricsPane, View};
use super::units;
use crate::pane::RenderCtx;
use crate::ui::widgets::pane_block;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

pub(super) fn render(p: &mut MetricsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let theme = ctx.theme;
    let title = if ctx.demo {
        "Metrics · DEMO (simulated Prometheus)".to_string()
    } else {
        match &p.source {
            Some(Ok(s)) => format!("Metrics · {}", crate::text::sanitize(s)),
            _ => "Metrics".to_string(),
        }
    };
    let block = pane_block(title, ctx);
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let extra = u16::from(p.editor.is_some() && !p.candidates.is_empty());
    let [query_area, cand_area, status_area, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(extra),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    // The query, or the editor over it.
    let label = Span::styled("PromQL ", theme.key);
    let query_text = Rect {
        x: query_area.x + 7,
        width: query_area.width.saturating_sub(7),
        ..query_area
    };
    buf.set_line(
        query_area.x,
        query_area.y,
        &Line::from(label),
        query_area.width,
    );
    match &p.editor {
        Some(editor) => editor.render(query_text, buf),
        None if p.query.is_empty() => {
            let keys = ctx.keymap.keys_for("metrics", "edit_query");
            let hint = format!("press {keys} to write a query (Tab completes metric names)");
            buf.set_line(
                query_text.x,
                query_text.y,
                &Line::from(Span::styled(hint, theme.muted)),
                query_text.width,
            );
        }
        None => {
            let q = crate::text::sanitize(&p.query);
            buf.set_line(
                query_text.x,
                query_text.y,
                &Line::from(Span::styled(q.into_owned(), theme.title)),
                query_text.width,
            );
        }
    }
    if extra > 0 {
        let list = p.candidates.join("  ");
        buf.set_line(
            cand_area.x,
            cand_area.y,
            &Line::from(Span::styled(
                crate::text::sanitize(&list).into_owned(),
                theme.muted,
            )),
            cand_area.width,
        );
    }
    buf.set_line(
        status_area.x,
        status_area.y,
        &status_line(p, ctx),
        status_area.width,
    );
    // The chart learns its width here; the next frame's `after_frame` asks
    // for one point per column.
    let chart_cols = body.width.saturating_sub(10).max(1);
    p.columns = chart_cols;
    if body.height == 0 {
        return;
    }
    if let Some(Err(why)) = &p.source {
        Paragraph::new(format!(
            "No Prometheus to ask: {}",
            crate::text::sanitize(why)
        ))
        .style(theme.warning)
        .wrap(Wrap { trim: true })
        .render(body, buf);
        return;
    }
    if p.view == View::Board {
        super::board::render(&mut p.board, body, buf, ctx);
        return;
    }
    let Some(shown) = &p.shown else {
        let text = match (&p.error, p.query.is_empty()) {
            (Some(e), _) => crate::text::sanitize(e).into_owned(),
            (None, true) => "Graph any PromQL expression here; from an alert, its rule is graphed with the threshold.".into(),
            (None, false) => "querying…".into(),
        };
        let style = if p.error.is_some() {
            theme.critical
        } else {
            theme.muted
        };
        Paragraph::new(text)
            .style(style)
            .wrap(Wrap { trim: true })
            .render(body, buf);
        return;
    };
    if p.table {
        table(p, body, buf, ctx);
        return;
    }
    let values = match p.cursor {
        Some(t) => shown.data.values_at(&shown.series, t),
        None => Vec::new(),
    };
    super::chart::render(&shown.data, &values, &p.chart_opts(), body, buf, theme);
}

/// `last 1h · step 15s · updated 14:02:10 (3s ago) · cursor 13:40:00` and,
/// when the last refresh failed, why (the data shown is older).
fn status_line(p: &MetricsPane, ctx: &RenderCtx<'_>) -> Line<'static> {
    let theme = ctx.theme;
    let mut parts = vec![Span::styled(p.range.label(), theme.muted)];
    let sep = || Span::styled(" · ", theme.muted);
    if p.view == View::Board {
        let open = ctx.keymap.keys_for("navigation", "select");
        let chart = ctx.keymap.keys_for("metrics", "toggle_board");
        parts.push(sep());
        parts.push(Span::styled(
            format!(
                "board of {} panels · {open} opens one in the chart · {chart} the chart",
                p.board.cards.len()
            ),
            theme.muted,
        ));
        return Line::from(parts);
    }
    if let Some(shown) = &p.shown {
        parts.push(sep());
        parts.push(Span::styled(
            format!(
                "step {}",
                crate::text::human_duration(std::time::Duration::from_secs_f64(
                    shown.data.step.max(1.0)
                ))
            ),
            theme.muted,
        ));
        let age = ctx.now.duration_since(shown.at).as_secs().max(0) as u64;
        parts.push(sep());
        let stale = p.error.is_some();
        parts.push(Span::styled(
            format!(
                "{} {} ago",
                if stale { "stale: data from" } else { "updated" },
                crate::text::human_duration(std::time::Duration::from_secs(age))
            ),
            if stale { theme.warning } else { theme.muted },
        ));
        if let Some(t) = p.cursor {
            let at = jiff::Timestamp::from_millisecond((t * 1000.0) as i64)
                .map(|ts| ts.strftime("%H:%M:%S").to_string())
                .unwrap_or_default();
            parts.push(sep());
            parts.push(Span::styled(format!("cursor {at}"), theme.key));
        }
        if let Some(w) = shown.warnings.first() {
            parts.push(sep());
            parts.push(Span::styled(
                crate::text::sanitize(w).into_owned(),
                theme.warning,
            ));
        }
        if let Some(e) = &p.error {
            parts.push(sep());
            parts.push(Span::styled(
                crate::text::sanitize(e).into_owned(),
                theme.critical,
            ));
        }
    }
    if let Some(t) = p.threshold {
        parts.push(sep());
        parts.push(Span::styled(
            format!("threshold {}", units::format(t, p.unit)),
            theme.critical,
        ));
    }
    Line::from(parts)
}

/// Each series' last value (or the value at the cursor), biggest first:
/// the instant view of the same query. Only the rows that fit are built.
fn table(p: &mut MetricsPane, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
    let cursor = p.cursor;
    let unit = p.unit;
    let Some(shown) = p.shown.as_mut() else {
        return;
    };
    let theme = ctx.theme;
    let rows = shown.table_rows(cursor);
    if rows.is_empty() {
        Paragraph::new("No series: the query matched nothing in this range.")
            .style(theme.muted)
            .render(area, buf);
        return;
    }
    let value_w = 12usize;
    let name_w = usize::from(area.width).saturating_sub(value_w + 1);
    let visible = usize::from(area.height);
    for (i, (labels, v)) in rows.iter().take(visible).enumerate() {
        let shown_v = match v {
            Some(v) if v.is_nan() => "NaN".to_string(),
            Some(v) => units::format(*v, unit),
            None => "–".to_string(),
        };
        let clean = crate::text::sanitize(labels);
        let name = crate::text::truncate(&clean, name_w);
        let line = Line::from(vec![
            Span::raw(format!("{name:<name_w$} ")),
            Span::styled(format!("{shown_v:>value_w$}"), theme.title),
        ]);
        buf.set_line(area.x, area.y + i as u16, &line, area.width);
    }
    if rows.len() > visible && visible > 0 {
        let more = format!("+{} more series", rows.len() - visible + 1);
        buf.set_line(
            area.x,
            area.y + visible as u16 - 1,
            &Line::from(Span::styled(more, theme.muted)),
            area.width,
        );
    }
}
