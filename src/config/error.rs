//! What is wrong with a config file, and where in it.

use std::path::{Path, PathBuf};

/// What is wrong with the config file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigProblem {
    /// The TOML parser (or serde) refused it. `rendered` is the parser's own
    /// text (line, column, the line with a caret), `message` the bare reason.
    #[error("{rendered}")]
    Syntax { message: String, rendered: String },
    /// A key serde cannot deny because its table is flattened.
    #[error("{section}: unknown key `{key}`{}", unknown_key_hint(key, allowed))]
    UnknownKey {
        /// `[[alertmanager]] #1`, `[loki]`.
        section: String,
        key: String,
        allowed: Vec<&'static str>,
    },
    #[error("[[{section}]] name {name:?} is used twice")]
    DuplicateName { section: &'static str, name: String },
    #[error(
        "{section}{} url {url:?}: {reason}",
        name.as_ref().map(|n| format!(" {n}:")).unwrap_or_default()
    )]
    BadUrl {
        /// `[[prometheus]]`, `[[alertmanager]]`, `[loki]`.
        section: String,
        name: Option<String>,
        url: String,
        reason: String,
    },
    /// The file is not UTF-8 (TOML must be); where the first bad byte is.
    #[error(transparent)]
    NotUtf8(crate::text::NotUtf8),
    /// The file exists but cannot be read.
    #[error("{reason}")]
    Read {
        kind: std::io::ErrorKind,
        reason: String,
    },
}

fn unknown_key_hint(key: &str, allowed: &[&str]) -> String {
    if ["token", "bearer_token", "password", "secret"].contains(&key) {
        " — secrets are never written in the config: put it in a file and name it with \
         bearer_token_file or basic_auth.password_file"
            .to_string()
    } else {
        let mut all = allowed.to_vec();
        all.sort_unstable();
        format!(" (expected one of: {})", all.join(", "))
    }
}

/// A config problem the UI shows as a warning banner (and headless commands
/// as an error): the file, where in it (when the parser knows), and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line of the problem, when the TOML parser located it.
    pub line: Option<usize>,
    /// 1-based column (in characters) on that line.
    pub column: Option<usize>,
    pub problem: Box<ConfigProblem>,
}

impl ConfigError {
    pub(super) fn new(path: &Path, problem: ConfigProblem) -> Self {
        Self {
            path: path.to_path_buf(),
            line: None,
            column: None,
            problem: Box::new(problem),
        }
    }

    /// A TOML/serde error, located in `text`.
    pub(super) fn syntax(path: &Path, text: &str, e: &toml::de::Error) -> Self {
        let (line, column) = match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                (
                    Some(before.matches('\n').count() + 1),
                    Some(before[line_start..].chars().count() + 1),
                )
            }
            None => (None, None),
        };
        Self {
            line,
            column,
            ..Self::new(
                path,
                ConfigProblem::Syntax {
                    message: e.message().to_string(),
                    rendered: e.to_string().trim_end().to_string(),
                },
            )
        }
    }

    /// A file that is not UTF-8, located at its first bad byte.
    pub(super) fn not_utf8(path: &Path, at: crate::text::NotUtf8) -> Self {
        Self {
            line: Some(at.line),
            column: Some(at.column),
            ..Self::new(path, ConfigProblem::NotUtf8(at))
        }
    }

    /// The problem without the file name (`warroom doctor` prints the file apart).
    pub fn message(&self) -> String {
        self.problem.to_string()
    }
}
