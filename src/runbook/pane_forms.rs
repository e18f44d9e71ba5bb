//! The Runbook pane's forms: what Enter on a runbook asks (params, secrets
//! again on resume, force/new when it changed) and what each submitted form
//! sends to the worker.

use super::pane::{Out, RunbookPane, View, cmd};
use super::view::{CatalogEntry, PlanView, Prompt};
use super::{Command, Form as RForm, prefill};
use crate::action::Confirm;
use crate::pane::{Form, FormField, Outcome};

impl RunbookPane {
    /// Enter on a catalog entry: resume its unfinished run (asking for
    /// secrets, or force when it changed), or ask for params and start one.
    pub(super) fn enter(&mut self, e: CatalogEntry) -> Out {
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
            if let Some((first, n)) = &u.damage {
                let text = super::pane_view::damage_text(&e.path, first, *n);
                return Outcome::Notify(text.replace('\n', " — "));
            }
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
                alert: None,
            });
        }
        self.prompt_form(Prompt::Params {
            path: e.path,
            title: rb.meta.title.clone(),
            params: rb.params.clone(),
            alert: None,
        })
    }

    pub(super) fn prompt_form(&mut self, p: Prompt) -> Out {
        let form: (String, Vec<FormField>) = match &p {
            Prompt::Params {
                title,
                params,
                alert,
                ..
            } => {
                let filled = alert
                    .as_ref()
                    .map(|a| prefill::from_alert(params, &a.labels))
                    .unwrap_or_default();
                let title = match alert {
                    Some(a) => format!("Start: {title} (from alert {})", a.name),
                    None => format!("Start: {title}"),
                };
                let fields = params
                    .iter()
                    .map(|pa| {
                        let mut label = pa.name.clone();
                        if pa.required {
                            label.push_str(" (required)");
                        }
                        let value = match filled.get(&pa.name) {
                            Some(v) => {
                                label.push_str(" [from the alert]");
                                v.clone()
                            }
                            None => pa.default.clone().unwrap_or_default(),
                        };
                        if !pa.description.is_empty() {
                            label = format!("{label} — {}", pa.description);
                        }
                        let mut f = FormField::new(label, value);
                        f.secret = pa.secret;
                        f
                    })
                    .collect();
                // Alert labels are remote text.
                (crate::text::sanitize(&title).into_owned(), fields)
            }
            Prompt::Secrets { run_id, names, .. } => (
                format!("Resume run {run_id}: secret params are not kept, give them again"),
                names
                    .iter()
                    .map(|n| {
                        let mut f = FormField::new(n.clone(), "");
                        f.secret = true;
                        f
                    })
                    .collect(),
            ),
            Prompt::Changed {
                run_id,
                changes,
                names,
                ..
            } => (
                format!(
                    "Run {run_id} is unfinished but the runbook changed ({}). Type `force` to resume it anyway, or `new` to abandon it and start over",
                    crate::text::sanitize(changes)
                ),
                std::iter::once(FormField::new("force / new", ""))
                    .chain(names.iter().map(|n| FormField {
                        secret: true,
                        ..FormField::new(format!("{n} (secret, for force)"), "")
                    }))
                    .collect(),
            ),
        };
        // The worker's question stays open until a form answers it: Enter
        // on the pane asks again after an Esc.
        self.prompt = Some(p.clone());
        Outcome::Form(Form::new(RForm::Prompt(p), form.0, form.1))
    }

    pub(super) fn form_submitted(&mut self, form: RForm, values: &[String]) -> Out {
        let first = values.first().cloned().unwrap_or_default();
        match form {
            RForm::Prompt(prompt) => {
                self.prompt = None;
                match prompt {
                    Prompt::Params {
                        path,
                        params,
                        alert,
                        ..
                    } => {
                        let given = params
                            .iter()
                            .zip(values)
                            .filter(|(p, v)| !v.is_empty() || p.default.is_some())
                            .map(|(p, v)| (p.name.clone(), v.clone()))
                            .collect();
                        cmd(Command::Start {
                            path,
                            params: given,
                            alert,
                        })
                    }
                    Prompt::Secrets { path, names, .. } => cmd(Command::Resume {
                        path,
                        secrets: names.into_iter().zip(values.iter().cloned()).collect(),
                        force: false,
                    }),
                    Prompt::Changed { path, names, .. } => match first.trim() {
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
                    },
                }
            }
            RForm::Skip { step } if !first.trim().is_empty() => {
                self.plan = None;
                cmd(Command::Skip {
                    step,
                    reason: first,
                })
            }
            RForm::Skip { .. } => Outcome::Notify("a skip needs a reason: not skipped".into()),
            RForm::Note { step } => {
                if first.trim().is_empty() {
                    return Outcome::Notify("empty note: not added".into());
                }
                cmd(Command::Note { step, text: first })
            }
            RForm::Typed { step, word } => match &self.plan {
                // The plan shown when the form opened must still be the one
                // on screen: what runs is what was previewed.
                Some(PlanView {
                    step: shown,
                    confirm: Confirm::Typed(w),
                    ..
                }) if *shown == step && *w == word && first.trim() == word => {
                    self.plan = None;
                    cmd(Command::Run { step })
                }
                Some(_) => Outcome::Notify("the typed word did not match: not run".into()),
                None => Outcome::Ignored,
            },
            RForm::Abort => {
                if first.trim() == "abort" {
                    self.plan = None;
                    cmd(Command::Abort)
                } else {
                    Outcome::Notify("not aborted".into())
                }
            }
        }
    }
}
