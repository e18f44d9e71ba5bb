//! Markdown → [`Runbook`]: pulldown-cmark finds the YAML front matter,
//! headings and fenced blocks (with byte offsets, turned into line numbers);
//! serde_norway reads the front matter. Every problem is collected as a
//! [`LintError`] with its line, so `warroom runbook lint` reports them all at once.

use super::model::*;
pub use super::parse_attrs::AttrError;
use super::parse_attrs::{duration, parse_block};
use super::subst;
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, MetadataBlockKind, Options, Tag, TagEnd};
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

/// One problem, at a 1-based line of the runbook file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintError {
    pub line: usize,
    pub message: String,
}

/// All problems of one file; displays as `FILE:LINE: message` lines.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.lines().join("\n"))]
pub struct LintErrors {
    pub path: std::path::PathBuf,
    pub errors: Vec<LintError>,
}

impl LintErrors {
    /// One `FILE:LINE: message` per problem.
    pub fn lines(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| format!("{}:{}: {}", self.path.display(), e.line, e.message))
            .collect()
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Read and parse a runbook file.
pub fn load(path: &Path) -> Result<Runbook, LintErrors> {
    use crate::text::ReadTextError;
    let (line, message) = match crate::text::read_text(path) {
        Ok(text) => return parse(&text, path),
        Err(ReadTextError::Io(e)) => (0, format!("cannot read: {e}")),
        Err(ReadTextError::NotUtf8(at)) => (at.line, at.on_its_line()),
    };
    Err(LintErrors {
        path: path.to_path_buf(),
        errors: vec![LintError { line, message }],
    })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: Option<String>,
    service: Option<String>,
    severity: Option<String>,
    rto: Option<String>,
    rpo: Option<String>,
    shell: Option<String>,
    #[serde(default)]
    params: Vec<RawParam>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParam {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    required: bool,
    #[serde(default, deserialize_with = "de_opt_scalar")]
    default: Option<String>,
    regex: Option<String>,
    #[serde(default)]
    secret: bool,
    label: Option<String>,
}

/// A Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
fn is_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn de_opt_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde_norway::Value;
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => {
            return Err(serde::de::Error::custom(
                "default must be a string, number or boolean",
            ));
        }
    })
}

/// The file line of `key: ...` in the front matter (serde_norway places
/// errors from custom checks at the mapping, not the value).
fn key_line(yaml: &str, first_line: usize, key: &str, value: &str) -> usize {
    yaml.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches("- ");
            t.starts_with(&format!("{key}:")) && l.contains(value)
        })
        .map(|i| first_line + i)
        .unwrap_or(first_line)
}

/// Byte offset → 1-based line.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self(starts)
    }
    fn line(&self, offset: usize) -> usize {
        match self.0.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

struct RawStep {
    title: String,
    line: usize,
    start: usize,
    blocks: Vec<(Block, Range<usize>)>,
}

/// Parse runbook text. `path` is used for messages and stored in the result.
pub fn parse(text: &str, path: &Path) -> Result<Runbook, LintErrors> {
    let lines = Lines::new(text);
    let mut errors: Vec<LintError> = Vec::new();
    let mut err = |line: usize, message: String| errors.push(LintError { line, message });

    let opts = Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    let mut front: Option<(String, usize)> = None;
    let mut front_range: Option<Range<usize>> = None;
    let mut in_meta = false;
    let mut h1: Option<String> = None;
    let mut heading: Option<(HeadingLevel, String, usize, usize)> = None;
    let mut code: Option<(String, String, usize, Range<usize>)> = None;
    let mut steps: Vec<RawStep> = Vec::new();
    let mut first_step_start = text.len();

    for (event, range) in pulldown_cmark::Parser::new_ext(text, opts).into_offset_iter() {
        match event {
            Event::Start(Tag::MetadataBlock(MetadataBlockKind::YamlStyle)) => {
                in_meta = true;
                front_range = Some(range);
            }
            Event::End(TagEnd::MetadataBlock(_)) => in_meta = false,
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level, String::new(), lines.line(range.start), range.start));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, title, line, start)) = heading.take() {
                    let title = title.trim().to_string();
                    if level == HeadingLevel::H2 {
                        if steps.is_empty() {
                            first_step_start = start;
                        }
                        if title.is_empty() {
                            err(line, "step heading has no title".into());
                        }
                        steps.push(RawStep {
                            title,
                            line,
                            start,
                            blocks: Vec::new(),
                        });
                    } else if level == HeadingLevel::H1 && steps.is_empty() && h1.is_none() {
                        h1 = Some(title);
                    }
                }
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                code = Some((info, String::new(), lines.line(range.start), range));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((info, body, line, range)) = code.take() {
                    let block = parse_block(&info, body, line, &mut err);
                    match steps.last_mut() {
                        Some(step) => step.blocks.push((block, range)),
                        None if block.kind.is_runnable() => err(
                            line,
                            "runnable block before the first `## ` step heading".into(),
                        ),
                        None => {}
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if in_meta {
                    // The YAML starts on the line after the opening `---`.
                    let fence = front_range.as_ref().map(|r| r.start).unwrap_or(range.start);
                    front = Some((t.to_string(), lines.line(fence) + 1));
                } else if let Some((_, body, ..)) = code.as_mut() {
                    body.push_str(&t);
                } else if let Some((_, title, ..)) = heading.as_mut() {
                    title.push_str(&t);
                }
            }
            _ => {}
        }
    }

    let fm = match &front {
        Some((yaml, first_line)) => match serde_norway::from_str::<FrontMatter>(yaml) {
            Ok(fm) => fm,
            Err(e) => {
                let line = e
                    .location()
                    .map(|l| first_line + l.line() - 1)
                    .unwrap_or(*first_line);
                err(
                    line,
                    format!("front matter: {}", strip_location(&e.to_string())),
                );
                FrontMatter::default()
            }
        },
        None => FrontMatter::default(),
    };
    let front_line = front.as_ref().map(|(_, l)| *l).unwrap_or(1);
    let yaml = front.as_ref().map(|(y, _)| y.as_str()).unwrap_or("");
    let target = |key: &str, v: &Option<String>, err: &mut dyn FnMut(usize, String)| {
        v.as_ref().and_then(|v| match duration(v) {
            Ok(d) => Some(d),
            Err(e) => {
                err(
                    key_line(yaml, front_line, key, v),
                    format!("front matter: {key}: {e}"),
                );
                None
            }
        })
    };
    let rto = target("rto", &fm.rto, &mut err);
    let rpo = target("rpo", &fm.rpo, &mut err);
    let mut params = Vec::new();
    let mut declared = BTreeSet::new();
    for p in fm.params {
        if !subst::valid_name(&p.name) {
            err(
                key_line(yaml, front_line, "name", &p.name),
                format!(
                    "parameter name {:?} must be letters, digits, `_` or `-`",
                    p.name
                ),
            );
        }
        if !declared.insert(p.name.clone()) {
            err(
                front_line,
                format!("parameter `{}` is declared twice", p.name),
            );
        }
        let line = key_line(yaml, front_line, "name", &p.name);
        if let Some(re) = &p.regex
            && let Err(e) = regex::Regex::new(re)
        {
            err(
                key_line(yaml, front_line, "regex", re),
                format!("parameter `{}`: bad regex: {e}", p.name),
            );
        }
        if let Some(l) = &p.label
            && !is_label_name(l)
        {
            err(
                key_line(yaml, front_line, "label", l),
                format!(
                    "parameter `{}`: label `{l}` is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)",
                    p.name
                ),
            );
        }
        let param = Param {
            name: p.name,
            description: p.description,
            required: p.required,
            default: p.default,
            regex: p.regex,
            secret: p.secret,
            label: p.label,
        };
        if let Some(d) = &param.default
            && let Err(e) = subst::check_value(&param, d)
        {
            err(line, format!("default: {e}"));
        }
        params.push(param);
    }

    if steps.is_empty() {
        err(1, "no steps: each `## ` heading starts a step".into());
    }

    let verbs = crate::action::ActionLine::verbs();
    let mut out_steps = Vec::new();
    for (i, raw) in steps.iter().enumerate() {
        let end = steps.get(i + 1).map(|s| s.start).unwrap_or(text.len());
        let source = &text[raw.start..end];
        for (block, _) in &raw.blocks {
            if !block.kind.is_runnable() {
                continue;
            }
            // A value is quoted as one word; inside the author's own quotes
            // (and similar places) that quoting would be undone: refuse.
            for u in super::quoting::unsafe_refs(&block.body, &block.kind) {
                err(block.line + 1 + u.line, u.message());
            }
            if block.kind.is_shell() {
                for r in super::reparse::reparsed_refs(&block.body, &params) {
                    err(block.line + 1 + r.line, r.message());
                }
            }
            for (n, body_line) in block.body.lines().enumerate() {
                let line = block.line + 1 + n;
                for name in subst::refs(body_line) {
                    if !declared.contains(name) {
                        err(
                            line,
                            format!(
                                "undeclared parameter `{{{{{name}}}}}` (declare it under `params:` in the front matter)"
                            ),
                        );
                    }
                }
                if block.kind == BlockKind::Warroom {
                    lint_action_line(body_line, line, &verbs, &mut err);
                }
            }
        }
        // The instructions: the step's Markdown minus its heading line and the
        // runnable blocks, which the walker shows as commands instead.
        let mut prose = String::new();
        let mut cursor = raw.start;
        for (block, r) in &raw.blocks {
            if block.kind.is_runnable() {
                prose.push_str(&text[cursor..r.start.max(cursor)]);
                cursor = r.end.max(cursor);
            }
        }
        prose.push_str(&text[cursor.min(end)..end]);
        let prose = prose
            .split_once('\n')
            .map(|(_, rest)| rest)
            .unwrap_or("")
            .trim()
            .to_string();
        out_steps.push(Step {
            index: i,
            title: raw.title.clone(),
            line: raw.line,
            prose,
            blocks: raw.blocks.iter().map(|(b, _)| b.clone()).collect(),
            hash: sha256_hex(source.as_bytes()),
        });
    }

    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Err(LintErrors {
            path: path.to_path_buf(),
            errors,
        });
    }
    let intro_start = front_range
        .map(|r| r.end)
        .unwrap_or(0)
        .min(first_step_start);
    let intro = text[intro_start..first_step_start]
        .lines()
        .filter(|l| !l.starts_with("# "))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string();
    let title = fm.title.or(h1).unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "runbook".into())
    });
    Ok(Runbook {
        path: path.to_path_buf(),
        hash: sha256_hex(text.as_bytes()),
        meta: Meta {
            title,
            service: fm.service,
            severity: fm.severity,
            rto,
            rpo,
            shell: fm.shell.unwrap_or_else(|| "bash".into()),
        },
        params,
        intro,
        steps: out_steps,
    })
}

/// `invalid type: string "x", expected u32 at line 3 column 5` → without the location.
fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn lint_action_line(
    line_text: &str,
    line: usize,
    verbs: &[String],
    err: &mut impl FnMut(usize, String),
) {
    let t = line_text.trim();
    if t.is_empty() || t.starts_with('#') {
        return;
    }
    let has_params = subst::refs(t).next().is_some();
    // Params are filled at run time; lint the shape with a placeholder.
    let probe = if has_params {
        subst::render(
            t,
            &BlockKind::Warroom,
            &subst::refs(t)
                .map(|n| (n.to_string(), "x".to_string()))
                .collect(),
            &BTreeSet::new(),
        )
        .unwrap_or_else(|_| t.to_string())
    } else {
        t.to_string()
    };
    let Some(words) = shlex::split(&probe) else {
        err(line, format!("unbalanced quotes in `{t}`"));
        return;
    };
    let verb = words.first().map(String::as_str).unwrap_or("");
    if !verbs.iter().any(|v| v == verb) {
        err(
            line,
            format!("unknown action `{verb}` (actions: {})", verbs.join(", ")),
        );
        return;
    }
    if !has_params && let Err(e) = crate::action::ActionLine::parse_words(words) {
        err(line, format!("`{t}`: {e}"));
    }
}
