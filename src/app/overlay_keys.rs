//! Keys while an overlay is open: help scrolling, the palette, the action
//! confirmation dialog, forms and the quit prompt.

use super::overlay::{
    ConfirmDialog, ConfirmPhase, FormDialog, Overlay, Palette, PaletteEntry, PaletteTarget,
};
use super::{App, Effect};
use crate::keymap::{Bound, Global, Key, Section};
use crate::pane::{ActionSet, Nav};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    pub(super) fn overlay_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(overlay) = self.overlay.take() else {
            return Vec::new();
        };
        match overlay {
            Overlay::Help { mut scroll } => {
                let k = Key::from_event(&key);
                match self.keymap.resolve(self.active, &k) {
                    _ if key.code == KeyCode::Esc => return Vec::new(),
                    Some(Bound::Global(Global::Help | Global::Quit)) => return Vec::new(),
                    Some(Bound::Nav(nav)) => {
                        scroll.navigate(nav);
                    }
                    _ => {}
                }
                self.overlay = Some(Overlay::Help { scroll });
                Vec::new()
            }
            Overlay::Quit { text } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => vec![Effect::Quit],
                KeyCode::Char('n') | KeyCode::Esc => Vec::new(),
                _ => {
                    self.overlay = Some(Overlay::Quit { text });
                    Vec::new()
                }
            },
            Overlay::Palette(p) => self.palette_key(p, key),
            Overlay::Confirm(c) => self.confirm_key(c, key),
            Overlay::Form(f) => self.form_key(f, key),
        }
    }

    fn palette_key(&mut self, mut p: Box<Palette>, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => Vec::new(),
            KeyCode::Up => {
                p.selected = p.selected.saturating_sub(1);
                self.overlay = Some(Overlay::Palette(p));
                Vec::new()
            }
            KeyCode::Down | KeyCode::Tab => {
                if p.selected + 1 < p.matches.len() {
                    p.selected += 1;
                }
                self.overlay = Some(Overlay::Palette(p));
                Vec::new()
            }
            KeyCode::Enter => {
                let Some(entry) = p.chosen().cloned() else {
                    self.notify(format!("no command matches {:?}", p.query()), true);
                    return Vec::new();
                };
                self.run_palette_entry(&entry, &p.query())
            }
            _ => {
                p.input.input(key);
                p.refilter();
                self.overlay = Some(Overlay::Palette(p));
                Vec::new()
            }
        }
    }

    /// Every keymap action (global, navigation, each pane) and each pane's own commands.
    pub fn palette_entries(&self) -> Vec<PaletteEntry> {
        let mut entries = Vec::new();
        // The active pane first: what the operator most likely wants.
        let active = Section::Pane(self.active);
        let mut sections = vec![active, Section::Global];
        sections.extend(
            self.keymap
                .sections()
                .filter(|s| *s != active && *s != Section::Global),
        );
        for section in sections {
            for b in self.keymap.bindings(section.name()) {
                let label = match section {
                    Section::Global | Section::Navigation => b.action.replace('_', " "),
                    Section::Pane(p) => format!("{}: {}", p.section(), b.action.replace('_', " ")),
                };
                let bound = match section {
                    Section::Global => Global::from_index(b.index).map(Bound::Global),
                    Section::Navigation => Nav::from_index(b.index).map(Bound::Nav),
                    Section::Pane(p) => Some(Bound::Pane(p, b.index)),
                };
                let Some(bound) = bound else { continue };
                entries.push(PaletteEntry {
                    label,
                    desc: b.desc.clone(),
                    keys: self.keymap.keys_for(section.name(), b.action),
                    target: PaletteTarget::Action(bound),
                });
            }
        }
        for pane in &self.panes {
            for c in pane.palette_commands() {
                entries.push(PaletteEntry {
                    label: c.name.clone(),
                    desc: c.desc,
                    keys: String::new(),
                    target: PaletteTarget::Command {
                        pane: pane.id(),
                        name: c.name,
                        takes_arg: c.takes_arg,
                        command: c.command,
                    },
                });
            }
        }
        entries
    }

    fn run_palette_entry(&mut self, entry: &PaletteEntry, query: &str) -> Vec<Effect> {
        let ctx = self.ctx();
        match &entry.target {
            PaletteTarget::Action(bound) => self.dispatch(*bound),
            PaletteTarget::Command {
                pane,
                name,
                takes_arg,
                command,
            } => {
                let arg = if *takes_arg {
                    query
                        .strip_prefix(name.as_str())
                        .unwrap_or("")
                        .trim()
                        .to_string()
                } else {
                    String::new()
                };
                self.switch(*pane);
                let o = self.panes[pane.index()].on_command(command.clone(), &arg, &ctx);
                self.outcome(*pane, o)
            }
        }
    }

    fn confirm_key(&mut self, mut c: Box<ConfirmDialog>, key: KeyEvent) -> Vec<Effect> {
        let scroll = |c: &mut Box<ConfirmDialog>, code: KeyCode| {
            let nav = match code {
                KeyCode::Down => Nav::Down,
                KeyCode::Up => Nav::Up,
                KeyCode::PageDown => Nav::PageDown,
                KeyCode::PageUp => Nav::PageUp,
                _ => return,
            };
            c.scroll.navigate(nav);
        };
        match std::mem::replace(&mut c.phase, ConfirmPhase::Loading) {
            ConfirmPhase::Ready(preview) => {
                let typed = matches!(preview.confirm, crate::action::Confirm::Typed(_));
                match key.code {
                    KeyCode::Esc => {
                        return vec![Effect::Cancelled {
                            spec: c.spec,
                            preview,
                        }];
                    }
                    KeyCode::Char('n') if !typed => {
                        return vec![Effect::Cancelled {
                            spec: c.spec,
                            preview,
                        }];
                    }
                    KeyCode::Enter | KeyCode::Char('y') if !typed || key.code == KeyCode::Enter => {
                        c.phase = ConfirmPhase::Ready(preview.clone());
                        if c.confirmation_ok() {
                            c.phase = ConfirmPhase::Running(preview.clone());
                            let effect = Effect::Execute {
                                id: c.id,
                                spec: c.spec.clone(),
                                preview,
                            };
                            self.overlay = Some(Overlay::Confirm(c));
                            return vec![effect];
                        }
                        if typed {
                            self.notify("type the name exactly to confirm", true);
                        }
                    }
                    KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                        c.phase = ConfirmPhase::Ready(preview);
                        scroll(&mut c, key.code);
                    }
                    _ => {
                        c.phase = ConfirmPhase::Ready(preview);
                        if typed {
                            c.typed.input(key);
                        }
                    }
                }
                self.overlay = Some(Overlay::Confirm(c));
            }
            ConfirmPhase::Loading => {
                if key.code != KeyCode::Esc {
                    self.overlay = Some(Overlay::Confirm(c));
                }
            }
            ConfirmPhase::PreviewFailed(e) => {
                if !matches!(key.code, KeyCode::Esc | KeyCode::Enter) {
                    c.phase = ConfirmPhase::PreviewFailed(e);
                    self.overlay = Some(Overlay::Confirm(c));
                }
            }
            phase @ ConfirmPhase::Running(_) => {
                // Running actions cannot be cancelled from here; the dialog
                // stays so the operator sees the result.
                c.phase = phase;
                scroll(&mut c, key.code);
                self.overlay = Some(Overlay::Confirm(c));
            }
            phase @ ConfirmPhase::Done { .. } => {
                if !matches!(key.code, KeyCode::Esc | KeyCode::Enter) {
                    c.phase = phase;
                    scroll(&mut c, key.code);
                    self.overlay = Some(Overlay::Confirm(c));
                }
            }
        }
        Vec::new()
    }

    fn form_key(&mut self, mut f: Box<FormDialog>, key: KeyEvent) -> Vec<Effect> {
        let multiline = f.form.fields.get(f.focus).is_some_and(|fd| fd.multiline);
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Tab | KeyCode::Down if !multiline || key.code == KeyCode::Tab => {
                f.focus = (f.focus + 1) % f.inputs.len().max(1);
            }
            KeyCode::BackTab | KeyCode::Up if !multiline || key.code == KeyCode::BackTab => {
                f.focus = (f.focus + f.inputs.len().max(1) - 1) % f.inputs.len().max(1);
            }
            KeyCode::Enter
                if !multiline
                    || key.modifiers.contains(KeyModifiers::CONTROL)
                    || key.modifiers.contains(KeyModifiers::ALT) =>
            {
                let values = f.values();
                let ctx = self.ctx();
                let pane = f.pane;
                let o = self.panes[pane.index()].on_form(f.form.payload, &values, &ctx);
                return self.outcome(pane, o);
            }
            _ => {
                if let Some(input) = f.inputs.get_mut(f.focus) {
                    input.input(key);
                }
            }
        }
        self.overlay = Some(Overlay::Form(f));
        Vec::new()
    }
}
