//! The frame around the active pane: pane bar, warning banner, filter bar, status bar.

use crate::app::App;
use crate::pane::PaneId;
use crate::source::{SourceKind, SourceStatus};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub const SPINNER: [&str; 4] = ["◐", "◓", "◑", "◒"];

/// ` 1 Workloads  2 Containers … ` with the active pane highlighted, badges right.
pub fn pane_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    buf.set_style(area, t.status_bar);
    let mut badges: Vec<Span> = Vec::new();
    if app.demo {
        badges.push(Span::styled(" DEMO ", t.badge));
    }
    if app.read_only {
        badges.push(Span::styled(" READ-ONLY ", t.badge));
    }
    let badge_width: u16 = badges.iter().map(|s| s.width() as u16).sum();
    // Narrow terminals close the gaps, then drop the numbers, then shorten
    // names, so every pane stays named (and numbered while there is room).
    let avail = usize::from(area.width.saturating_sub(badge_width));
    let tiers: [fn(usize, &str) -> String; 4] = [
        |n, title| format!(" {n} {title}  "),
        |n, title| format!(" {n} {title}"),
        |_, title| format!(" {title} "),
        |n, title| format!(" {n}{} ", &title[..3]),
    ];
    let width = |tier: &fn(usize, &str) -> String| -> usize {
        PaneId::ALL
            .iter()
            .map(|p| tier(p.index() + 1, p.title()).chars().count())
            .sum()
    };
    let tier = tiers
        .iter()
        .find(|t| width(t) <= avail)
        .unwrap_or(&tiers[3]);
    let mut spans = Vec::new();
    for p in PaneId::ALL {
        let style = if p == app.active { t.tab_active } else { t.tab };
        spans.push(Span::styled(tier(p.index() + 1, p.title()), style));
    }
    Line::from(spans).render(area, buf);
    if badge_width > 0 && area.width > badge_width {
        let x = area.right() - badge_width;
        Line::from(badges).render(Rect::new(x, area.y, badge_width, 1), buf);
    }
}

pub fn banner(app: &App, area: Rect, buf: &mut Buffer) {
    let n = app.warnings.len();
    let first = crate::text::sanitize(&app.warnings[0]).into_owned();
    let more = if n > 1 {
        format!(" (+{} more)", n - 1)
    } else {
        String::new()
    };
    let keys = app.keymap.keys_for("global", "help");
    Line::from(vec![
        Span::styled(" ⚠ ", app.theme.warning),
        Span::styled(first, app.theme.warning),
        Span::styled(format!("{more} — {keys} for details"), app.theme.muted),
    ])
    .render(area, buf);
}

pub fn filter_bar(app: &App, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    Span::styled("/", t.key).render(area, buf);
    let rest = Rect {
        x: area.x + 1,
        width: area.width.saturating_sub(1),
        ..area
    };
    match &app.filter_input {
        Some(input) => {
            let mut input = input.clone();
            input.set_style(t.input);
            input.set_cursor_style(t.selection);
            input.render(rest, buf);
        }
        None => {
            let text = app.filters.get(&app.active).cloned().unwrap_or_default();
            Line::from(vec![
                Span::styled(crate::text::sanitize(&text).into_owned(), t.input),
                Span::styled("  (filter; / edits, esc in the bar clears)", t.muted),
            ])
            .render(rest, buf);
        }
    }
}

/// Worst status first, for the per-kind summary.
fn rank(s: &SourceStatus) -> u8 {
    match s {
        SourceStatus::Unreachable { .. } => 0,
        SourceStatus::Stale { .. } => 1,
        SourceStatus::Loading => 2,
        SourceStatus::Connected { .. } => 3,
        SourceStatus::NotConfigured { .. } => 4,
        SourceStatus::Disabled => 5,
    }
}

/// One glyph-and-word summary per source kind: `k8s ✓`, `am ✗`, `loki –`.
pub fn status_bar(app: &App, area: Rect, buf: &mut Buffer, now: jiff::Timestamp) {
    let t = &app.theme;
    buf.set_style(area, t.status_bar);
    let mut spans: Vec<Span> = Vec::new();
    let kinds = [
        SourceKind::Kubernetes,
        SourceKind::Docker,
        SourceKind::Prometheus,
        SourceKind::Alertmanager,
        SourceKind::Loki,
        SourceKind::Backups,
    ];
    for kind in kinds {
        let of_kind = || app.sources.iter().filter(move |(id, _)| id.kind == kind);
        let worst = of_kind().min_by_key(|(_, s)| rank(&s.status));
        let Some((_, state)) = worst else { continue };
        // Some endpoints of the kind down, others serving: degraded, not
        // dark. Say how many, so one dead Prometheus of three does not read
        // like no alerts at all.
        let active = of_kind()
            .filter(|(_, s)| {
                !matches!(
                    s.status,
                    SourceStatus::NotConfigured { .. } | SourceStatus::Disabled
                )
            })
            .count();
        let down = of_kind()
            .filter(|(_, s)| matches!(s.status, SourceStatus::Unreachable { .. }))
            .count();
        let (glyph, style): (String, Style) = match &state.status {
            SourceStatus::Connected { .. } => ("✓".into(), t.ok),
            SourceStatus::Loading => (SPINNER[app.spinner % SPINNER.len()].into(), t.info),
            SourceStatus::Stale { .. } => {
                let age = state
                    .last_data
                    .map(|d| crate::text::age(d, now))
                    .unwrap_or_else(|| "?".into());
                (format!("stale {age}"), t.warning)
            }
            SourceStatus::Unreachable { .. } if down < active => {
                (format!("✗{down}/{active}"), t.warning)
            }
            SourceStatus::Unreachable { .. } => ("✗".into(), t.critical),
            SourceStatus::NotConfigured { .. } => ("–".into(), t.muted),
            SourceStatus::Disabled => ("off".into(), t.muted),
        };
        spans.push(Span::styled(format!(" {} ", kind.label()), t.status_bar));
        spans.push(Span::styled(
            glyph,
            style.patch(Style::default().bg(t.status_bar.bg.unwrap_or_default())),
        ));
    }
    if let Some(ctx) = app.context_label() {
        // Leave the right side room for at least the help hint or the start
        // of a notice: the context is cut first.
        const RIGHT_RESERVE: u16 = 12;
        let used: u16 = spans.iter().map(|s| s.width() as u16).sum();
        let room = area.width.saturating_sub(used + 2 + RIGHT_RESERVE) as usize;
        if room > 3 {
            let ctx = crate::text::sanitize(&ctx);
            spans.push(Span::styled(
                format!("  {}", crate::text::truncate(&ctx, room)),
                t.status_bar,
            ));
        }
    }
    let left_width: u16 = spans.iter().map(|s| s.width() as u16).sum();
    Line::from(spans).render(area, buf);
    // The right side: the latest notice, else why the worst source is down,
    // else the help hint.
    let failing = app
        .sources
        .iter()
        .filter(|(_, s)| s.status.is_failure())
        .min_by_key(|(_, s)| rank(&s.status))
        .map(|(id, s)| match &s.status {
            SourceStatus::Unreachable { reason, .. } => format!("✗ {id}: {reason}"),
            SourceStatus::Stale { reason } => format!("! {id} stale: {reason}"),
            _ => String::new(),
        });
    let right = match (&app.notice, failing) {
        (Some(n), _) => Span::styled(
            format!(" {} ", crate::text::sanitize(&n.text)),
            if n.error { t.critical } else { t.info },
        ),
        (None, Some(why)) => Span::styled(format!(" {} ", crate::text::sanitize(&why)), t.warning),
        (None, None) => Span::styled(
            format!(" {} help ", app.keymap.keys_for("global", "help")),
            t.muted,
        ),
    };
    let room = area.width.saturating_sub(left_width + 1);
    if room > 3 {
        let text = crate::text::truncate(&right.content, room as usize).into_owned();
        let w = unicode_width::UnicodeWidthStr::width(text.as_str()) as u16;
        let r = Rect::new(area.right() - w, area.y, w, 1);
        Span::styled(
            text,
            right
                .style
                .patch(Style::default().bg(t.status_bar.bg.unwrap_or_default())),
        )
        .render(r, buf);
    }
}
