//! The per-endpoint health lines under the alerts pane's title: which
//! Prometheus or Alertmanager is up, partial or down, why, and how old the
//! data it last sent is.

use super::pane::{AlertsPane, Health, short_reason};
use crate::pane::RenderCtx;
use crate::text::{age, sanitize, truncate};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// Endpoint lines shown at most for down or partial endpoints (80x24 budget).
const TROUBLED_LINES: usize = 3;
/// How much of a reason fits on the one-line endpoint summary.
const SHORT_REASON: usize = 50;

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
pub(super) fn endpoint_lines(
    p: &AlertsPane,
    width: usize,
    ctx: &RenderCtx<'_>,
) -> Vec<Line<'static>> {
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
