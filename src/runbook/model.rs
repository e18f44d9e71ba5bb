//! What a parsed runbook is: metadata, parameters, and steps made of blocks.

use std::path::PathBuf;
use std::time::Duration;

/// A parsed, linted runbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Runbook {
    pub path: PathBuf,
    /// sha256 of the whole file.
    pub hash: String,
    pub meta: Meta,
    pub params: Vec<Param>,
    /// Text before the first step.
    pub intro: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub title: String,
    pub service: Option<String>,
    pub severity: Option<String>,
    pub rto: Option<Duration>,
    pub rpo: Option<Duration>,
    /// The shell that runs `sh`/`bash`/`shell`/`check`/`wait` blocks (`bash -c`).
    pub shell: String,
}

/// A declared `{{param}}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Param {
    pub name: String,
    pub description: String,
    pub required: bool,
    pub default: Option<String>,
    /// Values must match this (whole value).
    pub regex: Option<String>,
    /// Masked in forms, never written to the journal or exports.
    pub secret: bool,
    /// The alert label that fills this param when the runbook is opened
    /// from an alert (front matter `label:`); without it, a label of the
    /// param's own name does.
    pub label: Option<String>,
}

/// One `## ` section.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 0-based position.
    pub index: usize,
    pub title: String,
    /// 1-based line of the heading.
    pub line: usize,
    /// The step's Markdown without its runnable blocks: the operator's instructions.
    pub prose: String,
    pub blocks: Vec<Block>,
    /// sha256 of the step's source text (heading to the next heading): resuming
    /// is refused when it changed.
    pub hash: String,
}

impl Step {
    /// No runnable block: the operator does it and marks it done.
    pub fn is_manual(&self) -> bool {
        !self.blocks.iter().any(|b| b.kind.is_runnable())
    }

    pub fn runnable(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(|b| b.kind.is_runnable())
    }

    /// The strongest confirmation any of its blocks asks for.
    pub fn confirm(&self) -> ConfirmLevel {
        self.runnable()
            .map(|b| b.attrs.confirm)
            .max()
            .unwrap_or(ConfirmLevel::None)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockKind {
    /// `sh`, `bash`, `shell`: run by the runbook's shell.
    Shell,
    /// Console actions, one per line.
    Warroom,
    /// Passes on `expect-exit` (and `expect-output`).
    Check,
    /// A check re-run every `interval` until it passes or `timeout`.
    Wait,
    /// Any other language: shown, never run.
    Other(String),
}

impl BlockKind {
    pub fn from_lang(lang: &str) -> Self {
        match lang {
            "sh" | "bash" | "shell" => Self::Shell,
            "warroom" => Self::Warroom,
            "check" => Self::Check,
            "wait" => Self::Wait,
            other => Self::Other(other.to_string()),
        }
    }

    pub fn is_runnable(&self) -> bool {
        !matches!(self, Self::Other(_))
    }

    /// Runs through the shell (params are shell-quoted).
    pub fn is_shell(&self) -> bool {
        matches!(self, Self::Shell | Self::Check | Self::Wait)
    }

    pub fn label(&self) -> &str {
        match self {
            Self::Shell => "sh",
            Self::Warroom => "warroom",
            Self::Check => "check",
            Self::Wait => "wait",
            Self::Other(l) => l,
        }
    }
}

/// One fenced code block.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub kind: BlockKind,
    pub attrs: Attrs,
    /// The block's text, params not yet substituted.
    pub body: String,
    /// 1-based line of the opening fence.
    pub line: usize,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ConfirmLevel {
    None,
    Yes,
    /// The operator types the step's confirmation word.
    Typed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    Stop,
    Continue,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attrs {
    pub name: Option<String>,
    pub confirm: ConfirmLevel,
    pub timeout: Option<Duration>,
    /// Extra attempts after a failure.
    pub retry: u32,
    pub on_error: OnError,
    pub expect_exit: i32,
    /// A regex the output must match (validated when parsed).
    pub expect_output: Option<String>,
    pub interval: Duration,
}

pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
pub const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(300);

impl Attrs {
    /// Defaults for a block of `kind`: commands and actions ask, checks do not.
    pub fn defaults(kind: &BlockKind) -> Self {
        Self {
            name: None,
            confirm: match kind {
                BlockKind::Shell | BlockKind::Warroom => ConfirmLevel::Yes,
                _ => ConfirmLevel::None,
            },
            timeout: matches!(kind, BlockKind::Wait).then_some(DEFAULT_WAIT_TIMEOUT),
            retry: 0,
            on_error: OnError::Stop,
            expect_exit: 0,
            expect_output: None,
            interval: DEFAULT_INTERVAL,
        }
    }
}
