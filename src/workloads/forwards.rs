//! The pane's list of the console's port-forwards: what each forwards
//! where, to which pod now, connections, bytes each way and the last
//! error. Rows follow `Update::Forward` news; the forwards themselves run in
//! the worker, so they survive pane switches and the list being closed.

use super::ForwardChange;
use super::portforward::{ForwardEvent, ForwardStats, Listener};
use crate::pane::RenderCtx;
use crate::ui::table::{TableState, render_table};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum RowState {
    Starting,
    Active,
    /// Ended with this reason (kept on screen until dismissed).
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForwardRow {
    /// `service/api`.
    pub target: String,
    pub namespace: String,
    /// As asked: `8080:80 :9090`.
    pub ports: String,
    pub state: RowState,
    pub listeners: Vec<Listener>,
    pub pod: Option<String>,
    pub stats: ForwardStats,
    /// `api-1 gone → api-2`.
    pub note: Option<String>,
}

#[derive(Debug, Default)]
pub struct Forwards {
    pub rows: BTreeMap<u64, ForwardRow>,
    next_id: u64,
    pub table: TableState,
    /// The list is on screen.
    pub open: bool,
}

impl Forwards {
    /// Number a new forward and list it as starting.
    pub fn add(&mut self, target: String, namespace: String, ports: String) -> u64 {
        self.next_id += 1;
        self.rows.insert(
            self.next_id,
            ForwardRow {
                target,
                namespace,
                ports,
                state: RowState::Starting,
                listeners: Vec::new(),
                pod: None,
                stats: ForwardStats::default(),
                note: None,
            },
        );
        self.next_id
    }

    /// The id of the selected row.
    pub fn selected(&self) -> Option<u64> {
        self.rows.keys().nth(self.table.selected).copied()
    }

    /// Take a stopped or failed forward off the list.
    pub fn remove(&mut self, id: u64) {
        self.rows.remove(&id);
        self.table.clamp(self.rows.len());
    }

    /// Apply news; whether anything visible changed.
    pub fn apply(&mut self, id: u64, change: ForwardChange) -> bool {
        let Some(row) = self.rows.get_mut(&id) else {
            return false;
        };
        match change {
            ForwardChange::Event(ForwardEvent::Listening { pod, listeners }) => {
                row.state = RowState::Active;
                row.pod = Some(pod);
                row.listeners = listeners;
            }
            ForwardChange::Event(ForwardEvent::Moved { from, to }) => {
                row.note = Some(format!("{from} gone → {to}"));
                row.pod = Some(to);
            }
            ForwardChange::Event(ForwardEvent::Waiting { gone, reason }) => {
                row.note = Some(format!("{gone} gone; waiting: {reason}"));
                row.pod = None;
            }
            ForwardChange::Event(ForwardEvent::Stats(stats)) => row.stats = stats,
            ForwardChange::Event(ForwardEvent::Connection { .. }) => return false,
            // The count comes with the next Stats (the engine counts it);
            // the reason shows now.
            ForwardChange::Event(ForwardEvent::ConnectionError { error, .. }) => {
                row.stats.last_error = Some(error);
            }
            ForwardChange::Ended(None) => self.remove(id),
            ForwardChange::Ended(Some(why)) => row.state = RowState::Failed(why),
        }
        true
    }

    /// `127.0.0.1:8080 → 8080` per listener; the ports as asked until listening.
    fn local(row: &ForwardRow) -> String {
        if row.listeners.is_empty() {
            return row.ports.clone();
        }
        let each: Vec<String> = row
            .listeners
            .iter()
            .map(|l| format!("{} → {}", l.addr, l.remote))
            .collect();
        each.join(", ")
    }

    pub fn render(&mut self, area: Rect, buf: &mut Buffer, ctx: &RenderCtx<'_>) {
        let theme = ctx.theme;
        if self.rows.is_empty() {
            let hint = ctx.keymap.keys_for("workloads", "port_forward");
            let msg = format!(
                "No port-forwards. Select a pod or workload and press {hint} to start one."
            );
            Paragraph::new(msg)
                .style(theme.muted)
                .wrap(Wrap { trim: true })
                .render(area, buf);
            return;
        }
        // The selected forward's whole story below the table, when there is room.
        let detail_height = if area.height >= 8 { 4 } else { 0 };
        let [table_area, detail_area] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(detail_height)]).areas(area);
        let rows: Vec<&ForwardRow> = self.rows.values().collect();
        let widths = [
            Constraint::Min(14),
            Constraint::Length(24),
            Constraint::Length(5),
            Constraint::Length(19),
            Constraint::Min(10),
        ];
        let s = |t: &str| crate::text::sanitize(t).into_owned();
        let status = |r: &ForwardRow| match &r.state {
            RowState::Starting => Span::styled("starting…", theme.muted),
            RowState::Failed(why) => Span::styled(format!("✗ {}", s(why)), theme.critical),
            RowState::Active => match (&r.note, &r.stats.last_error) {
                (Some(note), _) => Span::styled(format!("↻ {}", s(note)), theme.warning),
                (None, Some(e)) => {
                    let n = r.stats.errors.max(1);
                    Span::styled(format!("{n} err: {}", s(e)), theme.warning)
                }
                (None, None) => Span::styled("✓ forwarding", theme.ok),
            },
        };
        render_table(
            table_area,
            buf,
            theme,
            &mut self.table,
            &["TARGET", "LOCAL → POD PORT", "CONN", "IN / OUT", "STATUS"],
            &widths,
            rows.len(),
            |i| {
                let r = rows[i];
                vec![
                    Span::raw(s(&r.target)),
                    Span::raw(s(&Self::local(r))),
                    Span::raw(format!("{}/{}", r.stats.active, r.stats.connections)),
                    Span::raw(format!(
                        "{} / {}",
                        crate::text::human_bytes(r.stats.bytes_in),
                        crate::text::human_bytes(r.stats.bytes_out)
                    )),
                    status(r),
                ]
            },
        );
        let Some(r) = rows.get(self.table.selected) else {
            return;
        };
        if detail_area.height == 0 {
            return;
        }
        let stop = ctx.keymap.keys_for("workloads", "stop_forward");
        let mut lines = vec![
            Line::from(vec![
                Span::styled(format!("{}/{}", s(&r.namespace), s(&r.target)), theme.title),
                Span::raw(format!(
                    " → pod {} · ports {} · {} stops it",
                    r.pod.as_deref().map_or_else(|| "-".into(), s),
                    s(&r.ports),
                    stop
                )),
            ]),
            Line::from(status(r)),
        ];
        if let (Some(e), RowState::Active) = (&r.stats.last_error, &r.state) {
            lines.push(Line::from(Span::styled(
                format!("last error: {}", s(e)),
                theme.muted,
            )));
        }
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .render(detail_area, buf);
    }
}
