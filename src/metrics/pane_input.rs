//! The metrics pane's keys: the editor (Enter runs, ↑/↓ history, Tab
//! completes a metric name), the range, the table, the cursor, the jump to
//! logs.

use super::pane::{MetricsPane, Out, RANGES};
use super::{Action, Command, Form};
use crate::pane::{FormField, Input, Jump, Nav, Outcome, PaneCtx};
use crate::timerange::TimeRange;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;
use std::time::Duration;

fn editor(text: &str) -> Box<TextArea<'static>> {
    Box::new(crate::ui::widgets::single_line(text))
}

/// The metric-name characters before the cursor: what Tab completes.
fn word_before(line: &str, col: usize) -> (usize, &str) {
    let before: String = line.chars().take(col).collect();
    let start_chars = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
        .count();
    let start = col - start_chars;
    let byte = |c: usize| line.char_indices().nth(c).map_or(line.len(), |(b, _)| b);
    (start, &line[byte(start)..byte(col)])
}

/// The longest prefix every name shares.
fn common_prefix<'a>(names: &[&'a str]) -> &'a str {
    let Some(first) = names.first() else {
        return "";
    };
    let mut len = first.len();
    for n in &names[1..] {
        len = len.min(
            first
                .bytes()
                .zip(n.bytes())
                .take_while(|(a, b)| a == b)
                .count(),
        );
    }
    &first[..len]
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
        let action = match input {
            Input::Action(a) => a,
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
                if !self.names_asked {
                    self.names_asked = true;
                    return Outcome::Command(Command::Names);
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
                self.set_query(&text);
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
            KeyCode::Tab => {
                self.complete();
                Outcome::Handled
            }
            _ => {
                t.input(key);
                self.candidates.clear();
                Outcome::Handled
            }
        }
    }

    /// Complete the metric name before the cursor: a unique match whole,
    /// several to what they share (listed under the editor).
    fn complete(&mut self) {
        let Some(t) = self.editor.as_mut() else {
            return;
        };
        let ratatui_textarea::DataCursor(row, col) = t.cursor();
        let line = t.lines()[row].clone();
        let (_, word) = word_before(&line, col);
        if word.is_empty() {
            return;
        }
        let matches: Vec<&str> = self
            .names
            .iter()
            .map(String::as_str)
            .filter(|n| n.starts_with(word))
            .collect();
        let fill = match matches.as_slice() {
            [] => {
                self.candidates = vec![format!("no metric starts with {word}")];
                return;
            }
            [one] => one.to_string(),
            several => {
                self.candidates = several.iter().take(8).map(|s| s.to_string()).collect();
                if several.len() > 8 {
                    self.candidates.push(format!("+{} more", several.len() - 8));
                }
                common_prefix(several).to_string()
            }
        };
        if let Some(rest) = fill.strip_prefix(word) {
            t.insert_str(rest);
        }
        if matches.len() == 1 {
            self.candidates.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_before_the_cursor_and_a_shared_prefix() {
        assert_eq!(word_before("rate(http_req", 13), (5, "http_req"));
        assert_eq!(word_before("sum(x) by (", 11), (11, ""));
        assert_eq!(
            common_prefix(&["http_requests_total", "http_request_duration_seconds"]),
            "http_request"
        );
    }
}
