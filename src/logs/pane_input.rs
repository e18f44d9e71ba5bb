//! The Logs pane's input helpers: the search/include/exclude prompt, the
//! LogQL editor with history, the label browser, the time-range menu, copy
//! and save.

use super::Command;
use super::Form as LogsForm;
use super::labels::Stage;
use super::pane::Out;
use super::pane::{LogsPane, MAX_COPY, Mode, PromptKind, cmd, editor};
use super::timerange::{PRESETS, TimeRange};
use super::{Direction, LogTarget};
use crate::pane::{Form, FormField, Outcome, PaneCtx};
use crossterm::event::{KeyCode, KeyEvent};
use std::time::Duration;

impl LogsPane {
    pub(super) fn start_prompt(&mut self, kind: PromptKind) -> Out {
        let current = match kind {
            PromptKind::Search => self
                .viewer
                .search()
                .map(|m| m.needle().to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        self.mode = Mode::Prompt(kind, editor(&current));
        Outcome::Handled
    }

    pub(super) fn copy(&self) -> Out {
        let Some(e) = self.viewer.selected_entry() else {
            return Outcome::Notify("no line selected".into());
        };
        if e.line.text.len() > MAX_COPY {
            return Outcome::Notify(format!(
                "the line is {} — too big for the clipboard; save the view instead (ctrl-s)",
                crate::text::human_bytes(e.line.text.len() as u64)
            ));
        }
        Outcome::Copy(e.line.text.clone())
    }

    pub(super) fn save_form(&self, ctx: &PaneCtx) -> Out {
        let name = format!("warroom-logs-{}.log", ctx.now.strftime("%Y%m%d-%H%M%S"));
        Outcome::Form(Form::new(
            LogsForm::Save,
            format!("Save the {} lines in view to", self.viewer.visible_len()),
            vec![FormField::new("file", name)],
        ))
    }

    pub(super) fn menu_select(&mut self, i: usize, ctx: &PaneCtx) -> Out {
        self.mode = Mode::Normal;
        if let Some((_, secs)) = PRESETS.get(i) {
            self.range = TimeRange::Last(Duration::from_secs(*secs));
        } else if i == PRESETS.len() {
            let (from, to) = self.range.bounds(ctx.now.as_nanosecond());
            return Outcome::Form(Form::new(
                LogsForm::Range,
                "Absolute time range (RFC 3339, e.g. 2026-01-31T14:30:00Z, or 2h, now)",
                vec![
                    FormField::new("from", super::format_ts(from)),
                    FormField::new("to", super::format_ts(to)),
                ],
            ));
        } else if i == PRESETS.len() + 1 {
            return Outcome::Form(Form::new(
                LogsForm::Limit,
                "Lines per query (Loki's max_entries_limit_per_query caps it)",
                vec![FormField::new("limit", self.limit.to_string())],
            ));
        } else {
            self.direction = match self.direction {
                Direction::Backward => Direction::Forward,
                Direction::Forward => Direction::Backward,
            };
        }
        self.rerun(ctx)
    }

    pub(super) fn rerun(&mut self, ctx: &PaneCtx) -> Out {
        if matches!(self.target, Some(LogTarget::Loki { .. })) {
            self.run_query(ctx)
        } else {
            Outcome::Handled
        }
    }

    pub(super) fn label_select(&mut self, ctx: &PaneCtx) -> Out {
        let Mode::Labels(b) = &mut self.mode else {
            return Outcome::Ignored;
        };
        let Some(chosen) = b.chosen() else {
            return Outcome::Handled;
        };
        match b.stage.clone() {
            Stage::Names => {
                b.stage = Stage::Values {
                    name: chosen.clone(),
                };
                b.items.clear();
                b.loading = true;
                b.filter.clear();
                let (start_ns, end_ns) = self.range.bounds(ctx.now.as_nanosecond());
                cmd(Command::LabelValues {
                    name: chosen,
                    start_ns,
                    end_ns,
                })
            }
            Stage::Values { name } => {
                self.query = super::labels::insert_matcher(&self.query, &name, &chosen);
                self.mode = Mode::Editing(editor(&self.query));
                Outcome::Handled
            }
        }
    }

    pub(super) fn editing_key(&mut self, key: KeyEvent, ctx: &PaneCtx) -> Out {
        let Mode::Editing(t) = &mut self.mode else {
            return Outcome::Ignored;
        };
        match key.code {
            KeyCode::Enter => {
                self.query = t.lines().join(" ");
                self.mode = Mode::Normal;
                self.history_pos = None;
                self.run_query(ctx)
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
            _ => {
                t.input(key);
                Outcome::Handled
            }
        }
    }

    pub(super) fn prompt_key(&mut self, key: KeyEvent) -> Out {
        let Mode::Prompt(kind, t) = &mut self.mode else {
            return Outcome::Ignored;
        };
        let kind = *kind;
        if key.code != KeyCode::Enter {
            t.input(key);
            if kind == PromptKind::Search {
                let text = t.lines().join("");
                self.viewer.set_search(&text);
            }
            return Outcome::Handled;
        }
        let text = t.lines().join("");
        self.mode = Mode::Normal;
        match kind {
            PromptKind::Search => {
                if !text.is_empty() && !self.viewer.set_search(&text) {
                    return Outcome::Notify(format!("no line matches {text:?}"));
                }
            }
            PromptKind::Include => self.viewer.add_include(&text),
            PromptKind::Exclude => self.viewer.add_exclude(&text),
        }
        Outcome::Handled
    }
}
