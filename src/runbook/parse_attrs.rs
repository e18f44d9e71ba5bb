//! A fenced block's info string: `bash {name="restart api" confirm=typed
//! timeout=2m}` → its kind and checked attributes; durations as the front
//! matter writes them too.

use super::model::*;
use std::collections::BTreeSet;
use std::time::Duration;

/// Why a block attribute (or a front-matter duration) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttrError {
    #[error("{value:?}: expected {expected}")]
    BadValue {
        value: String,
        expected: &'static str,
    },
    /// The attribute exists, but not for this kind of block.
    #[error("only applies to {blocks}")]
    NotHere { blocks: &'static str },
    #[error("bad regex: {reason}")]
    BadRegex { reason: String },
    #[error("unknown attribute")]
    Unknown,
    /// `reason` names the value and the accepted forms.
    #[error("{reason}")]
    BadDuration { value: String, reason: String },
    #[error("{value:?} must be longer than 0")]
    ZeroDuration { value: String },
}

const ATTRS: &[&str] = &[
    "name",
    "confirm",
    "timeout",
    "retry",
    "on-error",
    "expect-exit",
    "expect-output",
    "interval",
];

/// `bash {name="restart api" confirm=typed timeout=2m}` → kind + attributes.
pub(super) fn parse_block(
    info: &str,
    body: String,
    line: usize,
    err: &mut impl FnMut(usize, String),
) -> Block {
    let info = info.trim();
    let (lang, rest) = match info.find(|c: char| c.is_whitespace() || c == '{') {
        Some(i) => (&info[..i], info[i..].trim()),
        None => (info, ""),
    };
    let kind = BlockKind::from_lang(lang);
    let mut attrs = Attrs::defaults(&kind);
    if !kind.is_runnable() {
        return Block {
            kind,
            attrs,
            body,
            line,
        };
    }
    if !rest.is_empty() {
        let inner = rest.strip_prefix('{').and_then(|r| r.strip_suffix('}'));
        let Some(inner) = inner else {
            err(
                line,
                format!("attributes must be written `{lang} {{key=value ...}}`, found {rest:?}"),
            );
            return Block {
                kind,
                attrs,
                body,
                line,
            };
        };
        let Some(words) = shlex::split(inner) else {
            err(line, format!("unbalanced quotes in attributes {rest:?}"));
            return Block {
                kind,
                attrs,
                body,
                line,
            };
        };
        let mut seen = BTreeSet::new();
        for w in words {
            let Some((k, v)) = w.split_once('=') else {
                err(line, format!("attribute `{w}` needs a value: `{w}=...`"));
                continue;
            };
            if !ATTRS.contains(&k) {
                err(
                    line,
                    format!("unknown attribute `{k}` (known: {})", ATTRS.join(", ")),
                );
                continue;
            }
            if !seen.insert(k.to_string()) {
                err(line, format!("attribute `{k}` given twice"));
                continue;
            }
            if let Err(e) = set_attr(&mut attrs, &kind, k, v) {
                err(line, format!("{k}: {e}"));
            }
        }
    }
    Block {
        kind,
        attrs,
        body,
        line,
    }
}

fn set_attr(a: &mut Attrs, kind: &BlockKind, k: &str, v: &str) -> Result<(), AttrError> {
    let shell = kind.is_shell();
    let bad = |expected| AttrError::BadValue {
        value: v.to_string(),
        expected,
    };
    const COMMANDS: AttrError = AttrError::NotHere {
        blocks: "commands (sh, check, wait)",
    };
    match k {
        "name" => a.name = Some(v.to_string()),
        "confirm" => {
            a.confirm = match v {
                "none" => ConfirmLevel::None,
                "yes" => ConfirmLevel::Yes,
                "typed" => ConfirmLevel::Typed,
                _ => return Err(bad("none, yes or typed")),
            }
        }
        "timeout" => a.timeout = Some(duration(v)?),
        "interval" => {
            if *kind != BlockKind::Wait {
                return Err(AttrError::NotHere {
                    blocks: "`wait` blocks",
                });
            }
            a.interval = duration(v)?;
        }
        "retry" => a.retry = v.parse().map_err(|_| bad("a number of extra attempts"))?,
        "on-error" => {
            a.on_error = match v {
                "stop" => OnError::Stop,
                "continue" => OnError::Continue,
                _ => return Err(bad("stop or continue")),
            }
        }
        "expect-exit" => {
            if !shell {
                return Err(COMMANDS);
            }
            a.expect_exit = v.parse().map_err(|_| bad("an exit status"))?;
        }
        "expect-output" => {
            if !shell {
                return Err(COMMANDS);
            }
            regex::Regex::new(v).map_err(|e| AttrError::BadRegex {
                reason: e.to_string(),
            })?;
            a.expect_output = Some(v.to_string());
        }
        _ => return Err(AttrError::Unknown),
    }
    Ok(())
}

pub(super) fn duration(v: &str) -> Result<Duration, AttrError> {
    let d = crate::text::parse_duration(v).map_err(|e| AttrError::BadDuration {
        value: v.to_string(),
        reason: e.to_string(),
    })?;
    if d.is_zero() {
        return Err(AttrError::ZeroDuration {
            value: v.to_string(),
        });
    }
    Ok(d)
}
