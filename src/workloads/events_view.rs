//! The workloads pane's events view: the watched namespaces' events grouped
//! by involved object (see [`super::events`]), and below the table the
//! selected event in full. The groups are rebuilt only when events or the
//! filter changed, never per frame; only the rows on screen are drawn.

use super::events::{EventGroup, EventQuery, EventRow, ObjectRef, group, rows};
use super::store::Store;
use crate::pane::RenderCtx;
use crate::text::sanitize;
use crate::ui::table::{TableState, render_table};
use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

#[derive(Debug, Default)]
pub struct EventsView {
    /// The view is on screen.
    pub open: bool,
    pub table: TableState,
    pub groups: Vec<EventGroup>,
    pub rows: Vec<EventRow>,
    /// The filter the groups were built with; `None`: never built, or
    /// events changed since.
    built_for: Option<String>,
}

fn s(text: &str) -> String {
    sanitize(text).into_owned()
}

impl EventsView {
    /// Events in the store changed: rebuild before the next frame.
    pub fn invalidate(&mut self) {
        self.built_for = None;
    }

    /// Rebuild the groups if events or the filter changed since the last
    /// build, keeping the selected row's object (and event) selected.
    pub fn refresh(&mut self, store: &Store, filter: &str) {
        if self.built_for.as_deref() == Some(filter) {
            return;
        }
        let selected = self.selected_at();
        self.groups = group(
            store.events.values(),
            &EventQuery::default().with_text(filter),
        );
        self.rows = rows(&self.groups);
        if let Some((object, event)) = selected {
            let found = self
                .groups
                .iter()
                .position(|g| g.object == object)
                .map(|g| {
                    let e =
                        event.and_then(|k| self.groups[g].events.iter().position(|e| e.key == k));
                    match e {
                        Some(e) => EventRow::Event(g, e),
                        None => EventRow::Group(g),
                    }
                });
            if let Some(row) = found.and_then(|r| self.rows.iter().position(|x| *x == r)) {
                self.table.selected = row;
            }
        }
        self.table.clamp(self.rows.len());
        self.built_for = Some(filter.to_string());
    }

    fn selected_at(&self) -> Option<(ObjectRef, Option<super::model::Key>)> {
        let row = self.rows.get(self.table.selected)?;
        let g = self.groups.get(row.group())?;
        let event = match row {
            EventRow::Event(_, e) => g.events.get(*e).map(|e| e.key.clone()),
            EventRow::Group(_) => None,
        };
        Some((g.object.clone(), event))
    }

    /// The object of the selected row (a header or one of its events).
    pub fn selected_object(&self) -> Option<&ObjectRef> {
        let row = self.rows.get(self.table.selected)?;
        self.groups.get(row.group()).map(|g| &g.object)
    }

    /// `3 warnings in 2 objects · 40 events`.
    pub fn summary(&self) -> String {
        let warnings: usize = self.groups.iter().map(|g| g.warnings).sum();
        let with: usize = self.groups.iter().filter(|g| g.warnings > 0).count();
        let events = self.rows.len() - self.groups.len();
        format!(
            "{} in {} · {}",
            crate::text::count(warnings, "warning"),
            crate::text::count(with, "object"),
            crate::text::count(events, "event")
        )
    }

    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        let (theme, now) = (ctx.theme, ctx.now);
        if self.rows.is_empty() {
            let msg = if self.built_for.as_deref().is_some_and(|f| !f.is_empty()) {
                "No events match the filter."
            } else {
                "No events in the watched namespaces (the API server keeps them about an hour)."
            };
            Paragraph::new(msg)
                .style(theme.muted)
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        }
        let detail_height = if area.height >= 10 { 3 } else { 0 };
        let [table_area, detail_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(detail_height)]).areas(area);
        let age = |t: Option<Timestamp>| t.map_or_else(|| "-".into(), |t| crate::text::age(t, now));
        let widths = [
            Constraint::Length(5),
            Constraint::Length(4),
            Constraint::Length(30),
            Constraint::Min(10),
        ];
        let (groups, rows) = (&self.groups, &self.rows);
        render_table(
            table_area,
            buf,
            theme,
            &mut self.table,
            &["LAST", "×", "OBJECT / REASON", "MESSAGE"],
            &widths,
            rows.len(),
            |i| match rows[i] {
                EventRow::Group(g) => {
                    let g = &groups[g];
                    let style = if g.warnings > 0 {
                        theme.warning
                    } else {
                        theme.title
                    };
                    // The namespace here, so that the name keeps its column.
                    let mut about = Vec::new();
                    if !g.object.namespace.is_empty() {
                        about.push(s(&g.object.namespace));
                    }
                    if g.warnings > 0 {
                        about.push(crate::text::count(g.warnings, "warning"));
                    }
                    about.push(crate::text::count(g.events.len(), "event"));
                    about.push(format!("first {} ago", age(g.first)));
                    vec![
                        Span::styled(age(g.last), theme.muted),
                        Span::styled(format!("×{}", g.count), theme.muted),
                        Span::styled(s(&g.object.arg()), style),
                        Span::styled(about.join(" · "), theme.muted),
                    ]
                }
                EventRow::Event(g, e) => {
                    let e = &groups[g].events[e];
                    let (mark, style) = if e.is_warning() {
                        ("⚠", theme.warning)
                    } else {
                        ("·", theme.muted)
                    };
                    vec![
                        Span::styled(age(e.last), theme.muted),
                        Span::raw(format!("×{}", e.count)),
                        Span::styled(format!("  {mark} {}", s(&e.reason)), style),
                        Span::raw(s(&e.message)),
                    ]
                }
            },
        );
        if detail_area.height == 0 {
            return;
        }
        let Some(row) = self.rows.get(self.table.selected).copied() else {
            return;
        };
        let group = &self.groups[row.group()];
        let jump = ctx.keymap.keys_for("navigation", "select");
        let lines = match row {
            EventRow::Group(_) => vec![Line::from(vec![
                Span::styled(s(&group.object.label()), theme.title),
                Span::styled(format!(" · {jump} opens it"), theme.muted),
            ])],
            EventRow::Event(_, e) => {
                let e = &group.events[e];
                vec![
                    Line::from(vec![
                        Span::styled(format!("{} {}", s(&e.type_), s(&e.reason)), theme.title),
                        Span::styled(
                            format!(
                                " · {} · ×{} · first {} ago, last {} ago · {jump} opens {}",
                                if e.source.is_empty() {
                                    "-".into()
                                } else {
                                    s(&e.source)
                                },
                                e.count,
                                age(e.first),
                                age(e.last),
                                s(&group.object.arg())
                            ),
                            theme.muted,
                        ),
                    ]),
                    Line::from(s(&e.message)),
                ]
            }
        };
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .render(detail_area, buf);
    }
}
