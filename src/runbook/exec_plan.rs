//! Planning a step: its blocks rendered with the run's params (secrets masked
//! for display), its `warroom` actions parsed and previewed, and the
//! confirmation it needs. Nothing runs here.

use super::model::{Block, BlockKind, ConfirmLevel, Runbook};
use super::subst;
use crate::action::{ActionError, ActionSpec, Actions, Confirm, ParseActionError, Preview};
use std::collections::{BTreeMap, BTreeSet};

/// What a step will do, rendered with the run's params: shown before confirming.
#[derive(Debug, Clone)]
pub struct Plan {
    pub step: usize,
    pub blocks: Vec<PlannedBlock>,
    pub confirm: Confirm,
}

/// Why a block cannot run as written (with this run's values). The step is
/// refused before anything runs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A reference stands where its quoting would be undone (the linter
    /// refuses these; a runbook that skipped it is refused here).
    #[error("line {line}: {message}")]
    UnsafeRef { line: usize, message: String },
    #[error(transparent)]
    Param(#[from] subst::ParamError),
    /// A whole-word value starting with `-` would be read as an option.
    #[error(
        "parameter `{name}` starts with `-` and would be read as an option of `{verb}`; \
         give a value that does not start with `-`"
    )]
    OptionLike { name: String, verb: String },
    /// The action line (secrets masked in `line`) does not parse.
    #[error("`{line}`: {error}")]
    Parse {
        line: String,
        error: ParseActionError,
    },
    /// The action's preview failed.
    #[error("{verb}: {error}")]
    Preview {
        verb: &'static str,
        error: ActionError,
    },
    /// The action's preview says it cannot run.
    #[error("`{verb}` is blocked: {reason}")]
    Blocked { verb: &'static str, reason: String },
}

#[derive(Debug, Clone)]
pub struct PlannedBlock {
    pub index: usize,
    pub kind: BlockKind,
    /// Rendered with real values: what runs. Never shown or stored.
    pub(super) script: String,
    /// Rendered with secrets masked: what is shown and journaled.
    pub display: String,
    /// For `warroom` blocks: each action with its preview (or why none).
    pub actions: Vec<(ActionSpec, Result<Preview, ActionError>)>,
    /// A rendering/parsing error: the step cannot run as written.
    pub error: Option<PlanError>,
}

impl Plan {
    /// The commands as journaled and shown (secrets masked).
    pub fn commands(&self) -> Vec<String> {
        self.blocks
            .iter()
            .map(|b| format!("{}: {}", b.kind.label(), b.display.trim_end()))
            .collect()
    }

    /// Plain text for the CLI and the pane: commands and action previews.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            out.push_str(&format!("  [{}]\n", b.kind.label()));
            for l in b.display.trim_end().lines() {
                out.push_str(&format!("    {l}\n"));
            }
            for (spec, preview) in &b.actions {
                match preview {
                    Ok(p) => {
                        for l in p.to_text().lines() {
                            out.push_str(&format!("    │ {l}\n"));
                        }
                    }
                    Err(e) => out.push_str(&format!("    │ {spec}: preview failed: {e}\n")),
                }
            }
            if let Some(e) = &b.error {
                out.push_str(&format!("    ✗ {e}\n"));
            }
        }
        out
    }

    /// The first reason a block cannot run.
    pub fn error(&self) -> Option<&PlanError> {
        self.blocks.iter().find_map(|b| b.error.as_ref())
    }
}

/// Rendering context for a run.
#[derive(Debug, Clone)]
pub struct Params {
    pub values: BTreeMap<String, String>,
    pub secret: BTreeSet<String>,
}

impl Params {
    pub fn new(rb: &Runbook, values: BTreeMap<String, String>) -> Self {
        Self {
            values,
            secret: rb
                .params
                .iter()
                .filter(|p| p.secret)
                .map(|p| p.name.clone())
                .collect(),
        }
    }

    /// Non-secret values, for the journal.
    pub fn public(&self) -> BTreeMap<String, String> {
        self.values
            .iter()
            .filter(|(k, _)| !self.secret.contains(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Replace secret values in output text (a command may echo them).
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for name in &self.secret {
            if let Some(v) = self.values.get(name)
                && v.len() >= 3
            {
                out = out.replace(v.as_str(), subst::MASK);
            }
        }
        out
    }
}

/// The word a `confirm=typed` command block asks for.
pub fn typed_word(rb: &Runbook, block: &Block) -> String {
    block
        .attrs
        .name
        .clone()
        .or_else(|| rb.meta.service.clone())
        .unwrap_or_else(|| "yes".into())
}

/// Render step `i` and preview its actions. Changes nothing.
pub async fn plan(rb: &Runbook, i: usize, params: &Params, actions: &Actions) -> Plan {
    let step = &rb.steps[i];
    let mut blocks = Vec::new();
    let mut confirm = Confirm::None;
    let mut strongest = |c: Confirm| {
        confirm = match (&confirm, c) {
            (Confirm::Typed(_), _) => return,
            (_, t @ Confirm::Typed(_)) => t,
            (Confirm::Yes, _) | (_, Confirm::Yes) => Confirm::Yes,
            _ => Confirm::None,
        }
    };
    for (bi, block) in step.blocks.iter().enumerate() {
        if !block.kind.is_runnable() {
            continue;
        }
        let script = subst::render(&block.body, &block.kind, &params.values, &BTreeSet::new());
        let display = subst::render(&block.body, &block.kind, &params.values, &params.secret)
            .unwrap_or_else(|_| block.body.clone());
        // The linter refuses these already; a runbook that skipped it (or a
        // future caller) must still never run a reference the quoting cannot hold.
        let unsafe_ref = super::quoting::unsafe_refs(&block.body, &block.kind)
            .first()
            .map(|u| PlanError::UnsafeRef {
                line: block.line + 1 + u.line,
                message: u.message(),
            });
        let mut pb = PlannedBlock {
            index: bi,
            kind: block.kind.clone(),
            script: script.clone().unwrap_or_default(),
            display,
            actions: Vec::new(),
            error: unsafe_ref.or(script.err().map(PlanError::Param)),
        };
        match block.attrs.confirm {
            ConfirmLevel::None => {}
            ConfirmLevel::Yes => strongest(Confirm::Yes),
            ConfirmLevel::Typed => strongest(Confirm::Typed(typed_word(rb, block))),
        }
        if block.kind == BlockKind::Warroom && pb.error.is_none() {
            // Split into action lines before substituting: a value with a
            // newline stays inside its quoted word instead of starting a
            // second action line.
            for line in block.body.lines() {
                let t = line.trim();
                if t.is_empty() || t.starts_with('#') {
                    continue;
                }
                if let Some(name) = subst::option_like_ref(t, &params.values) {
                    pb.error.get_or_insert(PlanError::OptionLike {
                        name: name.to_string(),
                        verb: t
                            .split_whitespace()
                            .next()
                            .unwrap_or("the action")
                            .to_string(),
                    });
                    continue;
                }
                let t = match subst::render(t, &block.kind, &params.values, &BTreeSet::new()) {
                    Ok(t) => t,
                    Err(e) => {
                        pb.error.get_or_insert(e.into());
                        continue;
                    }
                };
                let t = t.as_str();
                match crate::action::ActionLine::parse_str(t) {
                    Ok(spec) => {
                        let preview = actions.preview(&spec).await;
                        match &preview {
                            Ok(p) => {
                                if let Confirm::Typed(w) = &p.confirm {
                                    strongest(Confirm::Typed(w.clone()));
                                }
                                if let Some(b) = &p.blocked {
                                    pb.error.get_or_insert(PlanError::Blocked {
                                        verb: spec.verb(),
                                        reason: b.clone(),
                                    });
                                }
                            }
                            Err(e) => {
                                pb.error.get_or_insert(PlanError::Preview {
                                    verb: spec.verb(),
                                    error: e.clone(),
                                });
                            }
                        }
                        pb.actions.push((spec, preview));
                    }
                    Err(error) => {
                        pb.error.get_or_insert(PlanError::Parse {
                            line: params.redact(t),
                            error,
                        });
                    }
                }
            }
        }
        blocks.push(pb);
    }
    Plan {
        step: i,
        blocks,
        confirm,
    }
}
