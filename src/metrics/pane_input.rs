//! The metrics pane's keys: the editor (Enter runs, ↑/↓ history, Tab
//! completes a metric name, label name or value), the board's selection,
//! the range, the table, the cursor, the jump to logs.

use super::pane::{MetricsPane, Out, RANGES, View};
use super::{Action, Ask, Command, Form};
use crate::pane::{FormField, Input, Jump, Nav, Outcome, PaneCtx};
use crate::timerange::TimeRange;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;
use std::time::Duration;

fn editor(text: &str) -> Box<TextArea<'static>> {
    Box::new(crate::ui::widgets::single_line(text))
}

impl MetricsPane {
    pub(super) fn input(&mut self, input: Input<Action>, ctx: &PaneCtx) -> Out {
        if self.editor.is_some() {
            if input == Input::Nav(Nav::Back) {
                self.editor = None;
                self.candidates.clear();
                return Outcome::Handled;
            }
            return Outcome::Ignored;
        }
        if self.view == View::Board
            && let Some(out) = self.board_input(input)
        {
            return out;
        }
        let action = match input {
            Input::Action(a) => a,
            Input::Nav(Nav::Back) if self.cursor.is_none() && !self.board.cards.is_empty() => {
                self.view = View::Board;
                return Outcome::Handled;
            }
            Input::Nav(Nav::Left) => Action::CursorLeft,
            Input::Nav(Nav::Right) => Action::CursorRight,
            Input::Nav(Nav::Select) => Action::EditQuery,
            Input::Nav(Nav::Back) if self.cursor.is_some() => {
                self.cursor = None;
                return Outcome::Handled;
            }
            Input::Nav(_) => return Outcome::Ignored,
        };
        match action {
            Action::EditQuery => {
                let text = if self.query.is_empty() {
                    self.history.last().cloned().unwrap_or_default()
                } else {
                    self.query.clone()
                };
                self.editor = Some(editor(&text));
                self.history_pos = None;
                // Names are asked ahead, so the first Tab has them.
                if self.asked.insert(Ask::Names) {
                    return Outcome::Command(Command::Complete(Ask::Names));
                }
                Outcome::Handled
            }
            Action::TimeRange => {
                let now = match self.range {
                    TimeRange::Last(d) => RANGES.iter().position(|s| *s == d.as_secs()),
                    TimeRange::Absolute { .. } => None,
                };
                let next = now.map_or(0, |i| (i + 1) % RANGES.len());
                self.range = TimeRange::Last(Duration::from_secs(RANGES[next]));
                self.cursor = None;
                Outcome::Handled
            }
            Action::AbsoluteRange => {
                let (from, to) = self.range.bounds(ctx.now.as_nanosecond());
                Outcome::Form(crate::pane::Form::new(
                    Form::Range,
                    "Metrics time range (RFC 3339, or 2h for two hours ago, or now)",
                    vec![
                        FormField::new("from", crate::timerange::format_ts(from)),
                        FormField::new("to", crate::timerange::format_ts(to)),
                    ],
                ))
            }
            Action::ToggleTable => {
                self.table = !self.table;
                self.view = View::Chart;
                Outcome::Handled
            }
            Action::ToggleBoard => {
                if self.board.cards.is_empty() {
                    return Outcome::Notify(
                        "no [[metrics.panels]] in the config (examples: docs/metrics-panels.toml)"
                            .into(),
                    );
                }
                self.view = match self.view {
                    View::Board => View::Chart,
                    View::Chart => View::Board,
                };
                Outcome::Handled
            }
            Action::Refresh => {
                if self.query.is_empty() {
                    return Outcome::Notify("no query yet: press e to write one".into());
                }
                Outcome::Command(Command::Refresh)
            }
            Action::CursorLeft | Action::CursorRight => self.move_cursor(action),
            Action::JumpLogs => self.jump_logs(),
        }
    }

    /// Move the cursor one step; the first press places it at the end.
    fn move_cursor(&mut self, action: Action) -> Out {
        let Some(shown) = &self.shown else {
            return Outcome::Notify("no graph yet".into());
        };
        let d = &shown.data;
        let step = d.step.max(1.0);
        let at = match self.cursor {
            None => d.end,
            Some(t) if action == Action::CursorLeft => t - step,
            Some(t) => t + step,
        };
        self.cursor = Some(at.clamp(d.start, d.end));
        Outcome::Handled
    }

    /// Logs over the same window, selected by the labels every drawn series
    /// shares (namespace, pod, job…).
    fn jump_logs(&mut self) -> Out {
        let Some(shown) = &self.shown else {
            return Outcome::Notify("no graph yet: nothing to take labels from".into());
        };
        let mut shared: Vec<(String, String)> = Vec::new();
        if let Some(first) = shown.series.first() {
            for (k, v) in &first.labels {
                let useful = [
                    "namespace",
                    "pod",
                    "job",
                    "container",
                    "app",
                    "service",
                    "instance",
                ]
                .contains(&k.as_str());
                if useful && shown.series.iter().all(|s| s.labels.get(k) == Some(v)) {
                    shared.push((k.clone(), v.clone()));
                }
            }
        }
        if shared.is_empty() {
            return Outcome::Notify(
                "the series share no namespace, pod, job or app label to search logs by".into(),
            );
        }
        let selector: Vec<String> = shared
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::target::quote(v)))
            .collect();
        let from = jiff::Timestamp::from_millisecond((shown.data.start * 1000.0) as i64).ok();
        Outcome::Jump(Jump::LogQuery {
            query: format!("{{{}}}", selector.join(", ")),
            from,
        })
    }

    pub(super) fn editing_key(&mut self, key: KeyEvent) -> Out {
        let Some(t) = self.editor.as_mut() else {
            return Outcome::Ignored;
        };
        match key.code {
            KeyCode::Enter => {
                let text = t.lines().join(" ");
                self.editor = None;
                self.candidates.clear();
                if text.trim().is_empty() {
                    return Outcome::Notify("empty query: nothing was run".into());
                }
                self.threshold = None;
                self.fired = None;
                self.set_query(&text, None);
                Outcome::Handled
            }
            KeyCode::Up | KeyCode::Down if !self.history.is_empty() => {
                let up = key.code == KeyCode::Up;
                let Some(pos) =
                    crate::ui::history::recall(self.history.len(), self.history_pos, up)
                else {
                    return Outcome::Handled;
                };
                self.history_pos = Some(pos);
                *t = editor(&self.history[pos]);
                Outcome::Handled
            }
            KeyCode::Tab => self.tab(),
            _ => {
                t.input(key);
                self.candidates.clear();
                Outcome::Handled
            }
        }
    }

    /// The board's keys: arrows move the selection, Enter opens the
    /// selected panel in the chart; `None` for what the chart handles alike.
    fn board_input(&mut self, input: Input<Action>) -> Option<Out> {
        let nav = match input {
            Input::Nav(Nav::Select) => {
                let card = self.board.selected()?.clone();
                self.threshold = card.panel.threshold;
                self.fired = None;
                self.set_query(&card.panel.query, Some(card.unit));
                return Some(Outcome::Handled);
            }
            Input::Nav(Nav::Back) => return Some(Outcome::Ignored),
            Input::Nav(n) => n,
            Input::Action(Action::CursorLeft) => Nav::Left,
            Input::Action(Action::CursorRight) => Nav::Right,
            Input::Action(Action::JumpLogs) => {
                return Some(Outcome::Notify(
                    "open a panel (enter) to search logs by its labels".into(),
                ));
            }
            Input::Action(_) => return None,
        };
        self.board.navigate(nav);
        Some(Outcome::Handled)
    }

    /// Tab: complete from what Prometheus offered for this position, or
    /// ask it (the completion happens when the answer comes).
    fn tab(&mut self) -> Out {
        let Some(at) = self.completion_at() else {
            return Outcome::Handled;
        };
        if self.offered.contains_key(&at.ask) {
            self.complete();
            return Outcome::Handled;
        }
        self.pending = Some(at.ask.clone());
        self.candidates = vec!["asking Prometheus…".into()];
        if self.asked.insert(at.ask.clone()) {
            return Outcome::Command(Command::Complete(at.ask));
        }
        Outcome::Handled
    }

    fn completion_at(&self) -> Option<super::complete::At> {
        let t = self.editor.as_ref()?;
        let ratatui_textarea::DataCursor(row, col) = t.cursor();
        super::complete::at(&t.lines()[row], col)
    }

    /// Complete the word before the cursor from what was offered for it: a
    /// unique match whole, several to what they share (listed under the
    /// editor).
    pub(super) fn complete(&mut self) {
        let Some(at) = self.completion_at() else {
            return;
        };
        let Some(offered) = self.offered.get(&at.ask) else {
            return;
        };
        let what = match at.ask {
            Ask::Names => "metric",
            Ask::Labels { .. } => "label",
            Ask::Values { .. } => "value",
        };
        let done = super::complete::complete(&at.word, offered, what);
        self.candidates = done.candidates;
        if let Some(t) = self.editor.as_mut() {
            t.insert_str(done.insert);
        }
    }
}
