//! The workloads pane's manifest keys: `y` opens the selected object's live
//! manifest (asked of the worker, one GET), and in the viewer: the common
//! navigation, `/` search with the keys of `switch_namespace`/`nodes`
//! (n/N) jumping between matches, `y` copying it, `ctrl-s` saving it,
//! `v` revealing the Secret key on the cursor line after its name is typed,
//! enter opening the Secret a line refers to, esc closing it — and with it
//! whatever was revealed.

use super::manifest::{ManifestKind, ObjectId};
use super::manifest_fetch::{Answer, Request};
use super::manifest_view::{ManifestView, Revealed};
use super::model::Kind;
use super::pane::{Out, WorkloadsPane, notify};
use super::{Action, Command, Form as WForm};
use crate::pane::{Form, FormField, Input, Nav, Outcome, PaneCtx};
use std::path::PathBuf;

/// The most a copy puts on the clipboard: terminals drop (or choke on) OSC
/// 52 sequences much larger than this.
const MAX_COPY: usize = 1 << 20;

/// What a manifest form is about.
#[derive(Debug, Clone, PartialEq)]
pub enum ManifestForm {
    /// `[file]` to save the shown manifest to.
    Save,
    /// `[typed key name]`: reveal `key` of the Secret `id` once typed.
    Reveal { id: ObjectId, key: String },
}

impl WorkloadsPane {
    /// Keys while the viewer is open; `None`: not for the viewer.
    pub(super) fn manifest_input(&mut self, input: &Input<Action>, ctx: &PaneCtx) -> Option<Out> {
        let view = self.manifest.as_mut()?;
        view.notice = None;
        Some(match input {
            Input::Nav(Nav::Back) => {
                // Drops the manifest and any revealed value with it; back
                // to the manifest it was opened from, if any.
                self.manifest = self.manifest.take().and_then(|v| v.parent).map(|p| *p);
                Outcome::Handled
            }
            Input::Nav(Nav::Select) => match view.ref_at_cursor().map(str::to_string) {
                Some(secret) => {
                    let id = ObjectId::new(ManifestKind::Secret, view.id.namespace.clone(), secret);
                    let mut parent = self.manifest.take().map(Box::new);
                    if let Some(p) = parent.as_mut() {
                        p.revealed = None;
                    }
                    let out = self.open_manifest_of(id);
                    if let Some(v) = self.manifest.as_mut() {
                        v.parent = parent;
                    }
                    out
                }
                None => Outcome::Ignored,
            },
            Input::Nav(nav) if view.navigate(*nav) => Outcome::Handled,
            Input::Nav(_) => Outcome::Ignored,
            Input::Action(a @ (Action::SwitchNamespace | Action::Nodes)) => {
                if view.search().is_empty() {
                    notify("search first: / and the text")
                } else if view.next_match(*a == Action::SwitchNamespace) {
                    Outcome::Handled
                } else {
                    notify(format!("no line matches {:?}", view.search()))
                }
            }
            Input::Action(Action::Manifest) => match view.manifest() {
                Some(m) if m.text.len() > MAX_COPY => notify(format!(
                    "the manifest is {} — too big for the clipboard; save it instead",
                    crate::text::human_bytes(m.text.len() as u64)
                )),
                Some(m) => Outcome::Copy(m.text.clone()),
                None => notify("nothing to copy yet"),
            },
            Input::Action(Action::SaveManifest) => match view.manifest() {
                Some(_) => Outcome::Form(Form::new(
                    WForm::Manifest(ManifestForm::Save),
                    format!("Save {} to", view.id.arg()),
                    vec![FormField::new(
                        "file",
                        default_path(&view.id).display().to_string(),
                    )],
                )),
                None => notify("nothing to save yet"),
            },
            Input::Action(Action::RevealSecret) => self.reveal_form(ctx),
            // Another view asked for: it would open under the viewer. The
            // one it was opened from is already there.
            Input::Action(a @ (Action::Events | Action::Forwards | Action::ToggleView)) => {
                self.manifest = None;
                let under = match a {
                    Action::Events => self.events.open,
                    Action::Forwards => self.forwards.open,
                    _ => false,
                };
                if under {
                    return Some(Outcome::Handled);
                }
                return None;
            }
            Input::Action(_) => return None,
        })
    }

    /// `y` outside the viewer: the selected object's manifest (in the
    /// nodes or events view, the selected node or event object).
    pub(super) fn open_manifest(&mut self, ctx: &PaneCtx) -> Out {
        let selected = if self.nodes.open {
            self.nodes
                .selected()
                .map(|n| ObjectId::new(ManifestKind::Node, "", n))
        } else if self.events.open {
            self.events.selected_object().and_then(|o| {
                let kind = ManifestKind::from_kind(Kind::from_label(&o.kind)?)?;
                Some(ObjectId::new(kind, o.namespace.clone(), o.name.clone()))
            })
        } else {
            self.selected(ctx.now).and_then(|(kind, key)| {
                Some(ObjectId::new(
                    ManifestKind::from_kind(kind)?,
                    key.namespace,
                    key.name,
                ))
            })
        };
        match selected {
            Some(id) => self.open_manifest_of(id),
            None => notify("select a pod, workload or node first"),
        }
    }

    fn open_manifest_of(&mut self, id: ObjectId) -> Out {
        self.manifest = Some(ManifestView::new(id.clone()));
        Outcome::Command(Command::Manifest(Request::Fetch(id)))
    }

    fn reveal_form(&mut self, ctx: &PaneCtx) -> Out {
        let Some(view) = self.manifest.as_ref() else {
            return Outcome::Ignored;
        };
        if ctx.read_only {
            return notify("read-only mode: revealing a secret value is disabled");
        }
        if view.id.kind != ManifestKind::Secret {
            return notify(
                "only a Secret's values can be revealed: enter on a line naming a Secret opens it",
            );
        }
        let Some(key) = view.key_at_cursor().map(str::to_string) else {
            return notify("move to a key under data: (its value shows as <redacted, …>)");
        };
        Outcome::Form(Form::new(
            WForm::Manifest(ManifestForm::Reveal {
                id: view.id.clone(),
                key: key.clone(),
            }),
            format!(
                "Reveal {key} of {}: the value is shown here and the reveal audited — type {key} to confirm",
                view.id.arg()
            ),
            vec![FormField::new(format!("type {key}"), "")],
        ))
    }

    pub(super) fn on_manifest_form(
        &mut self,
        form: ManifestForm,
        values: &[String],
        ctx: &PaneCtx,
    ) -> Out {
        let value = values.first().map(|v| v.trim()).unwrap_or("");
        let Some(view) = self.manifest.as_mut() else {
            return notify("the manifest viewer was closed: nothing done");
        };
        match form {
            ManifestForm::Save if value.is_empty() => notify("no file name given"),
            ManifestForm::Save => match view.manifest() {
                Some(m) => Outcome::Command(Command::Manifest(Request::Save {
                    path: PathBuf::from(value),
                    text: m.text.clone(),
                })),
                None => Outcome::Ignored,
            },
            ManifestForm::Reveal { .. } if ctx.read_only => {
                notify("read-only mode: revealing a secret value is disabled")
            }
            ManifestForm::Reveal { id, .. } if id != view.id => {
                notify("another manifest is shown now: nothing revealed")
            }
            ManifestForm::Reveal { id, key } if value == key => {
                view.notice = Some((format!("revealing {key}…"), false));
                Outcome::Command(Command::Manifest(Request::Reveal { id, key }))
            }
            ManifestForm::Reveal { key, .. } => {
                notify(format!("not revealed: the name typed was not {key:?}"))
            }
        }
    }

    /// A worker answer; dropped unless it is for the viewer on screen (a
    /// value revealed for a closed viewer is never kept).
    pub(super) fn apply_manifest(&mut self, answer: Answer) -> bool {
        let Some(view) = self.manifest.as_mut() else {
            return false;
        };
        match answer {
            Answer::Fetched { id, result } if id == view.id => view.loaded(result),
            Answer::Revealed { id, key, result } if id == view.id => match result {
                Ok(value) => {
                    view.notice = None;
                    view.revealed = Some(Revealed { key, value });
                }
                Err(e) => view.notice = Some(failure(&e)),
            },
            Answer::Saved { path, result } => {
                view.notice = Some(match result {
                    Ok(()) => (format!("saved to {}", path.display()), false),
                    Err(e) => failure(&e),
                });
            }
            _ => return false,
        }
        true
    }
}

/// The footer's error notice: what failed and its fix.
fn failure(e: &super::manifest_fetch::ManifestError) -> (String, bool) {
    let hint = e.hint().map(|h| format!(" — {h}")).unwrap_or_default();
    (format!("✗ {e}{hint}"), true)
}

/// `DATA_DIR/manifests/KIND-NS-NAME.yaml` (the name made safe for a file).
pub fn default_path(id: &ObjectId) -> PathBuf {
    let mut name = id.kind.arg().to_string();
    for part in [&id.namespace, &id.name] {
        if !part.is_empty() {
            name.push('-');
            name.extend(part.chars().map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            }));
        }
    }
    crate::paths::data_dir()
        .join("manifests")
        .join(format!("{name}.yaml"))
}
