//! The Runbook pane's forms: what Enter on a runbook asks (params, secrets
//! again on resume, force/new when it changed) and what each submitted form
//! sends to the worker.

use super::Command;
use super::pane::{RunbookPane, View, cmd};
use super::view::{CatalogEntry, PlanView, Prompt};
use crate::action::Confirm;
use crate::pane::{Form, FormField, Outcome};

pub(super) const FORM_PARAMS: &str = "runbook-params";
pub(super) const FORM_SECRETS: &str = "runbook-secrets";
pub(super) const FORM_CHANGED: &str = "runbook-changed";
pub(super) const FORM_SKIP: &str = "runbook-skip";
pub(super) const FORM_NOTE: &str = "runbook-note";
pub(super) const FORM_TYPED: &str = "runbook-typed";
pub(super) const FORM_ABORT: &str = "runbook-abort";

impl RunbookPane {
    /// Enter on a catalog entry: resume its unfinished run (asking for
    /// secrets, or force when it changed), or ask for params and start one.
    pub(super) fn enter(&mut self, e: CatalogEntry) -> Outcome {
        let rb = match &e.runbook {
            Ok(rb) => rb.clone(),
            Err(err) => {
                return Outcome::Notify(err.lines().next().unwrap_or("lint errors").to_string());
            }
        };
        if let Some(r) = &self.run
            && r.runbook.as_ref().is_some_and(|x| x.path == e.path)
            && !r.walker.is_complete()
            && !r.walker.is_aborted()
        {
            self.view = View::Run;
            return Outcome::Handled;
        }
        self.notice = None;
        if let Some(u) = &e.unfinished {
            let names: Vec<String> = rb
                .params
                .iter()
                .filter(|p| p.secret)
                .map(|p| p.name.clone())
                .collect();
            if !u.changes.is_empty() {
                return self.prompt_form(Prompt::Changed {
                    path: e.path,
                    run_id: u.run_id.clone(),
                    changes: u.changes.join("; "),
                    names,
                });
            }
            if !names.is_empty() {
                return self.prompt_form(Prompt::Secrets {
                    path: e.path,
                    run_id: u.run_id.clone(),
                    names,
                });
            }
            return cmd(Command::Resume {
                path: e.path,
                secrets: Vec::new(),
                force: false,
            });
        }
        if rb.params.is_empty() {
            return cmd(Command::Start {
                path: e.path,
                params: Vec::new(),
            });
        }
        self.prompt_form(Prompt::Params {
            path: e.path,
            title: rb.meta.title.clone(),
            params: rb.params.clone(),
        })
    }

    pub(super) fn prompt_form(&mut self, p: Prompt) -> Outcome {
        let form = match &p {
            Prompt::Params { title, params, .. } => Form {
                id: FORM_PARAMS.into(),
                title: format!("Start: {title}"),
                fields: params
                    .iter()
                    .map(|pa| {
                        let mut label = pa.name.clone();
                        if pa.required {
                            label.push_str(" (required)");
                        }
                        if !pa.description.is_empty() {
                            label = format!("{label} — {}", pa.description);
                        }
                        let mut f = FormField::new(label, pa.default.clone().unwrap_or_default());
                        f.secret = pa.secret;
                        f
                    })
                    .collect(),
            },
            Prompt::Secrets { run_id, names, .. } => Form {
                id: FORM_SECRETS.into(),
                title: format!("Resume run {run_id}: secret params are not kept, give them again"),
                fields: names
                    .iter()
                    .map(|n| {
                        let mut f = FormField::new(n.clone(), "");
                        f.secret = true;
                        f
                    })
                    .collect(),
            },
            Prompt::Changed {
                run_id,
                changes,
                names,
                ..
            } => Form {
                id: FORM_CHANGED.into(),
                title: format!(
                    "Run {run_id} is unfinished but the runbook changed ({}). Type `force` to resume it anyway, or `new` to abandon it and start over",
                    crate::text::sanitize(changes)
                ),
                fields: std::iter::once(FormField::new("force / new", ""))
                    .chain(names.iter().map(|n| FormField {
                        secret: true,
                        ..FormField::new(format!("{n} (secret, for force)"), "")
                    }))
                    .collect(),
            },
        };
        self.prompt = Some(p);
        Outcome::Form(form)
    }

    pub(super) fn form_submitted(&mut self, form_id: &str, values: &[String]) -> Outcome {
        let first = values.first().cloned().unwrap_or_default();
        match form_id {
            FORM_PARAMS | FORM_SECRETS => {
                let Some(prompt) = self.prompt.take() else {
                    return Outcome::Ignored;
                };
                match prompt {
                    Prompt::Params { path, params, .. } => {
                        let given = params
                            .iter()
                            .zip(values)
                            .filter(|(p, v)| !v.is_empty() || p.default.is_some())
                            .map(|(p, v)| (p.name.clone(), v.clone()))
                            .collect();
                        cmd(Command::Start {
                            path,
                            params: given,
                        })
                    }
                    Prompt::Secrets { path, names, .. } => cmd(Command::Resume {
                        path,
                        secrets: names.into_iter().zip(values.iter().cloned()).collect(),
                        force: false,
                    }),
                    Prompt::Changed { .. } => Outcome::Ignored,
                }
            }
            FORM_CHANGED => {
                let Some(Prompt::Changed { path, names, .. }) = self.prompt.take() else {
                    return Outcome::Ignored;
                };
                match first.trim() {
                    "force" => cmd(Command::Resume {
                        path,
                        secrets: names
                            .into_iter()
                            .zip(values.iter().skip(1).cloned())
                            .collect(),
                        force: true,
                    }),
                    "new" => cmd(Command::Abandon { path }),
                    _ => Outcome::Notify("nothing done (type force or new)".into()),
                }
            }
            FORM_SKIP => match self.selected_step() {
                Some(step) if !first.trim().is_empty() => {
                    self.plan = None;
                    cmd(Command::Skip {
                        step,
                        reason: first,
                    })
                }
                _ => Outcome::Notify("a skip needs a reason: not skipped".into()),
            },
            FORM_NOTE => {
                if first.trim().is_empty() {
                    return Outcome::Notify("empty note: not added".into());
                }
                cmd(Command::Note {
                    step: self.selected_step(),
                    text: first,
                })
            }
            FORM_TYPED => match &self.plan {
                Some(PlanView {
                    step,
                    confirm: Confirm::Typed(word),
                    ..
                }) if first.trim() == word => {
                    let step = *step;
                    self.plan = None;
                    cmd(Command::Run { step })
                }
                Some(_) => Outcome::Notify("the typed word did not match: not run".into()),
                None => Outcome::Ignored,
            },
            FORM_ABORT => {
                if first.trim() == "abort" {
                    self.plan = None;
                    cmd(Command::Abort)
                } else {
                    Outcome::Notify("not aborted".into())
                }
            }
            _ => Outcome::Ignored,
        }
    }
}
