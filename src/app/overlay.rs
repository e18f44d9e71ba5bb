//! Overlay state: help, palette, action confirmation, forms, quit prompt.
//! Rendering lives in `ui::overlays`; this file holds only data and input.

use crate::action::{ActionSpec, Confirm, Preview};
use crate::keymap::Bound;
use crate::pane::{Form, PaneId};
use crate::runtime::{AnyForm, AnyPaletteCommand};
use ratatui_textarea::TextArea;

pub enum Overlay {
    Help {
        scroll: crate::ui::scroll::Scroll,
    },
    Palette(Box<Palette>),
    Confirm(Box<ConfirmDialog>),
    Form(Box<FormDialog>),
    /// `q` while work is running: `text` says what would be interrupted.
    Quit {
        text: String,
    },
}

/// One line in the palette.
#[derive(Debug, Clone)]
pub struct PaletteEntry {
    /// Shown and matched, e.g. `workloads: rollout undo` or `incident start`.
    pub label: String,
    pub desc: String,
    pub keys: String,
    pub target: PaletteTarget,
}

#[derive(Debug, Clone)]
pub enum PaletteTarget {
    /// A keymap action, resolved as a key would be.
    Action(Bound),
    /// A pane's own command; `takes_arg` commands get the rest of the line.
    Command {
        pane: PaneId,
        name: String,
        takes_arg: bool,
        command: AnyPaletteCommand,
    },
}

pub struct Palette {
    pub input: TextArea<'static>,
    pub entries: Vec<PaletteEntry>,
    /// Indices into `entries`, best match first.
    pub matches: Vec<usize>,
    pub selected: usize,
}

impl Palette {
    pub fn new(entries: Vec<PaletteEntry>) -> Self {
        let mut p = Self {
            input: single_line(""),
            entries,
            matches: Vec::new(),
            selected: 0,
        };
        p.refilter();
        p
    }

    pub fn query(&self) -> String {
        self.input.lines().first().cloned().unwrap_or_default()
    }

    /// Fuzzy-match the query against labels and descriptions (nucleo). A
    /// command that takes an argument also matches when the query starts with
    /// its name (`incident start db outage`).
    pub fn refilter(&mut self) {
        use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
        let query = self.query();
        self.selected = 0;
        if query.trim().is_empty() {
            self.matches = (0..self.entries.len()).collect();
            return;
        }
        let mut matcher = nucleo_matcher::Matcher::new(nucleo_matcher::Config::DEFAULT);
        let pattern = Pattern::parse(&query, CaseMatching::Ignore, Normalization::Smart);
        let mut scored: Vec<(u32, usize)> = Vec::new();
        let mut buf = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            if let PaletteTarget::Command {
                takes_arg: true,
                name,
                ..
            } = &e.target
                && query.starts_with(&format!("{name} "))
            {
                scored.push((u32::MAX, i));
                continue;
            }
            // The name matters most; the description only rescues a miss.
            let label = nucleo_matcher::Utf32Str::new(&e.label, &mut buf);
            let score = match pattern.score(label, &mut matcher) {
                Some(s) => Some(s.saturating_mul(2)),
                None => {
                    let desc = nucleo_matcher::Utf32Str::new(&e.desc, &mut buf);
                    pattern.score(desc, &mut matcher)
                }
            };
            if let Some(score) = score {
                scored.push((score, i));
            }
        }
        let entries = &self.entries;
        scored.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(entries[a.1].label.len().cmp(&entries[b.1].label.len()))
                .then(a.1.cmp(&b.1))
        });
        self.matches = scored.into_iter().map(|(_, i)| i).collect();
    }

    pub fn chosen(&self) -> Option<&PaletteEntry> {
        self.matches.get(self.selected).map(|i| &self.entries[*i])
    }
}

/// Where an action confirmation is.
pub enum ConfirmPhase {
    /// Waiting for the preview.
    Loading,
    /// Preview shown; waiting for the operator.
    Ready(Preview),
    /// Preview failed (target gone, forbidden, unreachable).
    PreviewFailed(crate::action::ActionError),
    Running(Preview),
    Done {
        preview: Preview,
        result: Result<String, crate::action::ActionError>,
    },
}

pub struct ConfirmDialog {
    pub id: u64,
    pub spec: ActionSpec,
    pub phase: ConfirmPhase,
    /// What the operator typed, for typed confirmations.
    pub typed: TextArea<'static>,
    /// Output lines streamed while running (bounded).
    pub output: std::collections::VecDeque<String>,
    pub output_dropped: usize,
    pub scroll: crate::ui::scroll::Scroll,
}

pub const CONFIRM_OUTPUT_LINES: usize = 500;

impl ConfirmDialog {
    pub fn new(id: u64, spec: ActionSpec) -> Self {
        Self {
            id,
            spec,
            phase: ConfirmPhase::Loading,
            typed: single_line(""),
            output: Default::default(),
            output_dropped: 0,
            scroll: Default::default(),
        }
    }

    /// True when the typed word matches (or no typing is needed).
    pub fn confirmation_ok(&self) -> bool {
        match &self.phase {
            ConfirmPhase::Ready(p) => match &p.confirm {
                Confirm::Typed(word) => {
                    self.typed.lines().first().is_some_and(|l| l.trim() == word)
                }
                _ => p.blocked.is_none(),
            },
            _ => false,
        }
    }

    pub fn push_output(&mut self, line: String) {
        if self.output.len() == CONFIRM_OUTPUT_LINES {
            self.output.pop_front();
            self.output_dropped += 1;
        }
        self.output.push_back(line);
    }
}

pub struct FormDialog {
    pub pane: PaneId,
    pub form: Form<AnyForm>,
    pub inputs: Vec<TextArea<'static>>,
    pub focus: usize,
}

impl FormDialog {
    pub fn new(pane: PaneId, form: Form<AnyForm>) -> Self {
        let inputs = form
            .fields
            .iter()
            .map(|f| {
                let mut t = if f.multiline {
                    let mut t = TextArea::new(f.value.lines().map(str::to_string).collect());
                    t.set_cursor_line_style(ratatui::style::Style::default());
                    t
                } else {
                    single_line(&f.value)
                };
                if f.secret {
                    t.set_mask_char('•');
                }
                t.move_cursor(ratatui_textarea::CursorMove::End);
                t
            })
            .collect();
        Self {
            pane,
            form,
            inputs,
            focus: 0,
        }
    }

    pub fn values(&self) -> Vec<String> {
        self.inputs.iter().map(|t| t.lines().join("\n")).collect()
    }
}

pub use crate::ui::widgets::single_line;
