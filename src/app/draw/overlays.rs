//! Help, palette, confirmation, form and quit dialogs, drawn over the pane.

use crate::action::{Confirm, Preview, PreviewLine};
use crate::app::App;
use crate::app::overlay::{ConfirmDialog, ConfirmPhase, FormDialog, Overlay, Palette};
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget, Wrap};

pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    match &app.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => help(app, area, buf, scroll),
        Some(Overlay::Palette(p)) => palette(app, p, area, buf),
        Some(Overlay::Confirm(c)) => confirm(&app.theme, c, area, buf),
        Some(Overlay::Form(f)) => form(&app.theme, f, area, buf),
        Some(Overlay::Quit { text }) => {
            let r = centered(area, 60, 5);
            let body = vec![
                Line::from(Span::styled(
                    crate::text::sanitize(text).into_owned(),
                    app.theme.warning,
                )),
                Line::from(vec![
                    Span::styled("y", app.theme.key),
                    Span::raw(" quit anyway   "),
                    Span::styled("n/esc", app.theme.key),
                    Span::raw(" stay"),
                ]),
            ];
            dialog(&app.theme, " Quit? ", r, buf);
            Paragraph::new(body)
                .wrap(Wrap { trim: false })
                .render(inner(r), buf);
        }
    }
}

/// A rectangle of at most `w`×`h`, centred, never larger than `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn dialog(theme: &Theme, title: &str, r: Rect, buf: &mut Buffer) {
    Clear.render(r, buf);
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(Span::styled(title.to_string(), theme.title))
        .style(theme.overlay)
        .render(r, buf);
}

fn inner(r: Rect) -> Rect {
    Rect::new(
        r.x + 1,
        r.y + 1,
        r.width.saturating_sub(2),
        r.height.saturating_sub(2),
    )
}

/// Generated from the live keymap: global, navigation, then the active pane.
fn help(app: &App, area: Rect, buf: &mut Buffer, scroll: &crate::ui::scroll::Scroll) {
    let t = &app.theme;
    let r = centered(
        area,
        area.width.saturating_sub(2).clamp(20, 100),
        area.height.saturating_sub(2).max(3),
    );
    dialog(t, " Help — keys (esc closes) ", r, buf);
    let mut lines: Vec<Line> = Vec::new();
    if !app.warnings.is_empty() {
        lines.push(Line::from(Span::styled("Warnings", t.warning)));
        for w in &app.warnings {
            lines.push(Line::from(Span::styled(
                format!("  ⚠ {}", crate::text::sanitize(w)),
                t.warning,
            )));
        }
        lines.push(Line::default());
    }
    let active = app.active.section();
    // This pane first, then navigation and global, then the other panes.
    let mut sections: Vec<&str> = vec![active, "navigation", "global"];
    sections.extend(
        app.keymap
            .sections()
            .map(|s| s.name())
            .filter(|s| !sections_contains(&[active, "navigation", "global"], s)),
    );
    let key_width = sections
        .iter()
        .flat_map(|s| {
            app.keymap
                .bindings(s)
                .iter()
                .map(|b| app.keymap.keys_for(s, b.action).chars().count())
        })
        .max()
        .unwrap_or(8)
        .clamp(8, 20)
        + 1;
    for section in sections {
        let title = if section == active {
            format!("{section} (this pane)")
        } else {
            section.to_string()
        };
        lines.push(Line::from(Span::styled(title, t.header)));
        for b in app.keymap.bindings(section) {
            let keys = app.keymap.keys_for(section, b.action);
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<key_width$}"), t.key),
                Span::styled(format!("{:<18}", b.action), t.base),
                Span::styled(b.desc.clone(), t.muted),
            ]));
        }
        lines.push(Line::default());
    }
    let body = inner(r);
    let offset = scroll.clamp_u16(lines.len(), body.height);
    Paragraph::new(lines).scroll((offset, 0)).render(body, buf);
}

fn sections_contains(list: &[&str], s: &str) -> bool {
    list.contains(&s)
}

fn palette(app: &App, p: &Palette, area: Rect, buf: &mut Buffer) {
    let t = &app.theme;
    let r = centered(area, 70, area.height.saturating_sub(4).clamp(3, 18));
    dialog(t, " Command palette (enter runs, esc closes) ", r, buf);
    let body = inner(r);
    if body.height == 0 {
        return;
    }
    let [input_area, list_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(body);
    Span::styled(":", t.key).render(input_area, buf);
    let mut input = p.input.clone();
    input.set_style(t.input);
    input.set_cursor_style(t.selection);
    input.render(
        Rect {
            x: input_area.x + 1,
            width: input_area.width.saturating_sub(1),
            ..input_area
        },
        buf,
    );
    let visible = list_area.height as usize;
    let offset = p.selected.saturating_sub(visible.saturating_sub(1));
    for (row, idx) in p.matches.iter().skip(offset).take(visible).enumerate() {
        let e = &p.entries[*idx];
        let y = list_area.y + row as u16;
        let style = if offset + row == p.selected {
            t.selection
        } else {
            t.overlay
        };
        let line = Line::from(vec![
            Span::styled(
                format!(" {:<28}", crate::text::truncate(&e.label, 28)),
                style,
            ),
            Span::styled(
                format!(" {:<10}", e.keys),
                if offset + row == p.selected {
                    style
                } else {
                    t.key
                },
            ),
            Span::styled(
                format!(" {}", e.desc),
                if offset + row == p.selected {
                    style
                } else {
                    t.muted
                },
            ),
        ]);
        buf.set_style(Rect::new(list_area.x, y, list_area.width, 1), style);
        line.render(Rect::new(list_area.x, y, list_area.width, 1), buf);
    }
    if p.matches.is_empty() {
        Span::styled(" no match", t.muted).render(list_area, buf);
    }
}

fn preview_lines<'a>(t: &Theme, p: &'a Preview) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::from(Span::styled(
            crate::text::sanitize(&p.title).into_owned(),
            t.title,
        )),
        Line::from(vec![
            Span::styled("where: ", t.muted),
            Span::raw(crate::text::sanitize(&p.location).into_owned()),
        ]),
        Line::default(),
    ];
    for l in &p.lines {
        lines.push(match l {
            PreviewLine::Heading(s) => Line::from(Span::styled(
                crate::text::sanitize(s).into_owned(),
                t.header,
            )),
            PreviewLine::Text(s) => Line::from(format!("  {}", crate::text::sanitize(s))),
            PreviewLine::Added(s) => Line::from(Span::styled(
                format!("+ {}", crate::text::sanitize(s)),
                t.diff_added,
            )),
            PreviewLine::Removed(s) => Line::from(Span::styled(
                format!("- {}", crate::text::sanitize(s)),
                t.diff_removed,
            )),
            PreviewLine::Warning(s) => Line::from(Span::styled(
                format!("! {}", crate::text::sanitize(s)),
                t.warning,
            )),
        });
    }
    lines
}

fn confirm(t: &Theme, c: &ConfirmDialog, area: Rect, buf: &mut Buffer) {
    let r = centered(area, 78, area.height.saturating_sub(2).max(3));
    let title = format!(" {} ", c.spec.verb());
    dialog(t, &title, r, buf);
    let body = inner(r);
    if body.height == 0 {
        return;
    }
    let [main, footer] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(2.min(body.height))]).areas(body);
    let mut lines: Vec<Line> = Vec::new();
    let footer_line: Line;
    match &c.phase {
        ConfirmPhase::Loading => {
            lines.push(Line::from(format!("Preparing preview of `{}` …", c.spec)));
            footer_line = Line::from(vec![Span::styled("esc", t.key), Span::raw(" cancel")]);
        }
        ConfirmPhase::PreviewFailed(e) => {
            lines.push(Line::from(Span::styled(
                "Cannot preview this action; nothing was changed.",
                t.critical,
            )));
            lines.push(Line::from(
                crate::text::sanitize(&e.to_string()).into_owned(),
            ));
            lines.extend(hint_line(t, e));
            footer_line = Line::from(vec![Span::styled("esc", t.key), Span::raw(" close")]);
        }
        ConfirmPhase::Ready(p) => {
            lines = preview_lines(t, p);
            footer_line = if let Some(b) = &p.blocked {
                Line::from(vec![
                    Span::styled(
                        format!("✗ not allowed: {}", crate::text::sanitize(b)),
                        t.critical,
                    ),
                    Span::raw("   "),
                    Span::styled("esc", t.key),
                    Span::raw(" close"),
                ])
            } else {
                match &p.confirm {
                    Confirm::Typed(word) => {
                        let typed = c.typed.lines().first().cloned().unwrap_or_default();
                        let ok = typed.trim() == word;
                        Line::from(vec![
                            Span::raw("Type "),
                            Span::styled(word.clone(), t.key),
                            Span::raw(" to confirm: "),
                            Span::styled(format!("{typed}▏"), t.input),
                            Span::styled(if ok { "  enter runs" } else { "" }, t.ok),
                            Span::raw("   "),
                            Span::styled("esc", t.key),
                            Span::raw(" cancel"),
                        ])
                    }
                    _ => Line::from(vec![
                        Span::styled("y/enter", t.key),
                        Span::raw(" run   "),
                        Span::styled("n/esc", t.key),
                        Span::raw(" cancel"),
                    ]),
                }
            };
        }
        ConfirmPhase::Running(p) => {
            lines = preview_lines(t, p);
            lines.push(Line::default());
            lines.push(Line::from(Span::styled("running…", t.info)));
            footer_line = Line::from(Span::styled("running — the result will show here", t.muted));
        }
        ConfirmPhase::Done { preview, result } => {
            lines = preview_lines(t, preview);
            lines.push(Line::default());
            lines.push(match result {
                Ok(s) => Line::from(Span::styled(
                    format!("✓ {}", crate::text::sanitize(s)),
                    t.ok,
                )),
                Err(e) => Line::from(Span::styled(
                    format!("✗ {}", crate::text::sanitize(&e.to_string())),
                    t.critical,
                )),
            });
            if let Err(e) = result {
                lines.extend(hint_line(t, e));
            }
            footer_line = Line::from(vec![Span::styled("enter/esc", t.key), Span::raw(" close")]);
        }
    }
    if !c.output.is_empty() {
        lines.push(Line::default());
        if c.output_dropped > 0 {
            lines.push(Line::from(Span::styled(
                format!("… {} earlier output lines dropped", c.output_dropped),
                t.muted,
            )));
        }
        for l in &c.output {
            lines.push(Line::from(Span::styled(
                crate::text::sanitize(l).into_owned(),
                t.muted,
            )));
        }
    }
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    let offset = c.scroll.clamp_u16(text.line_count(main.width), main.height);
    text.scroll((offset, 0)).render(main, buf);
    Paragraph::new(footer_line)
        .wrap(Wrap { trim: true })
        .render(footer, buf);
}

fn form(t: &Theme, f: &FormDialog, area: Rect, buf: &mut Buffer) {
    let height: u16 = f
        .form
        .fields
        .iter()
        .map(|fd| if fd.multiline { 6 } else { 2 })
        .sum::<u16>()
        + 3;
    let r = centered(area, 70, height);
    dialog(t, &format!(" {} ", f.form.title), r, buf);
    let body = inner(r);
    let mut y = body.y;
    for (i, (field, input)) in f.form.fields.iter().zip(&f.inputs).enumerate() {
        if y >= body.bottom() {
            break;
        }
        let style = if i == f.focus { t.key } else { t.muted };
        Span::styled(field.label.clone(), style).render(Rect::new(body.x, y, body.width, 1), buf);
        y += 1;
        let h = if field.multiline { 5 } else { 1 }.min(body.bottom().saturating_sub(y));
        if h == 0 {
            break;
        }
        let mut input = input.clone();
        input.set_style(t.input);
        if i == f.focus {
            input.set_cursor_style(t.selection);
        } else {
            input.set_cursor_style(t.input);
        }
        input.render(Rect::new(body.x, y, body.width, h), buf);
        y += h;
    }
    if y < body.bottom() {
        let hint = if f.form.fields.iter().any(|x| x.multiline) {
            "tab next field   ctrl-enter/alt-enter submit   esc cancel"
        } else {
            "tab next field   enter submit   esc cancel"
        };
        Span::styled(hint, t.muted)
            .render(Rect::new(body.x, body.bottom() - 1, body.width, 1), buf);
    }
}

/// The fix the error's kind suggests, if it has one.
fn hint_line(t: &crate::theme::Theme, e: &crate::action::ActionError) -> Option<Line<'static>> {
    e.hint()
        .map(|h| Line::from(Span::styled(format!("fix: {h}"), t.muted)))
}
