//! `{{param}}` references: finding them, checking values, and substituting them
//! so that a value is always exactly one shell word, whatever it contains.

use super::model::{BlockKind, Param};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

/// `{{ name }}`. A dot is not allowed, so Go templates like `{{.Names}}` in a
/// `docker ps --format` command are left alone.
static REF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}").expect("static regex"));

/// What a secret value reads as in the journal, exports and previews.
pub const MASK: &str = "***";

/// Parameter names referenced in `text`, in order.
pub fn refs(text: &str) -> impl Iterator<Item = &str> {
    REF.captures_iter(text)
        .filter_map(|c| c.get(1).map(|m| m.as_str()))
}

/// Each reference's byte range in `text` and its parameter name, in order.
pub fn ref_spans(text: &str) -> impl Iterator<Item = (std::ops::Range<usize>, &str)> {
    REF.captures_iter(text).filter_map(|c| {
        let whole = c.get(0)?;
        Some((whole.range(), c.get(1)?.as_str()))
    })
}

/// The first reference in an action line that stands as a whole word and
/// whose value starts with `-`: quoting keeps it one word, but the action
/// parser would still read that word as an option (`--alertmanager=x`).
pub fn option_like_ref<'a>(line: &'a str, values: &BTreeMap<String, String>) -> Option<&'a str> {
    ref_spans(line).find_map(|(r, name)| {
        let word_start = line[..r.start]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace);
        let dash = values.get(name).is_some_and(|v| v.starts_with('-'));
        (word_start && dash).then_some(name)
    })
}

pub fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Why a parameter value cannot be used. Each names the parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("parameter `{name}` has no value")]
    NoValue { name: String },
    #[error("parameter `{name}` contains a NUL byte and cannot be passed")]
    Nul { name: String },
    #[error("parameter `{name}` is required")]
    Required { name: String },
    #[error("parameter `{name}`: bad regex: {reason}")]
    BadRegex { name: String, reason: String },
    #[error("parameter `{name}`: value does not match /{regex}/")]
    NoMatch { name: String, regex: String },
    #[error("unknown parameter `{name}` (declared: {})", declared.join(", "))]
    Unknown { name: String, declared: Vec<String> },
    /// A `--param` argument without `=`.
    #[error("--param {arg:?}: expected NAME=VALUE")]
    NotNameValue { arg: String },
}

impl ParamError {
    /// The parameter at fault (`None`: a `--param` that names none).
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::NoValue { name }
            | Self::Nul { name }
            | Self::Required { name }
            | Self::BadRegex { name, .. }
            | Self::NoMatch { name, .. }
            | Self::Unknown { name, .. } => Some(name),
            Self::NotNameValue { .. } => None,
        }
    }
}

/// Render a block body with `params`. In runnable blocks every value is
/// shell-quoted as one word (`warroom` lines are split with the same rules);
/// names in `masked` render as `***` (for the journal and screen).
pub fn render(
    body: &str,
    kind: &BlockKind,
    params: &BTreeMap<String, String>,
    masked: &BTreeSet<String>,
) -> Result<String, ParamError> {
    let mut err = None;
    let out = REF.replace_all(body, |c: &regex::Captures<'_>| {
        let name = &c[1];
        let value = if masked.contains(name) {
            MASK.to_string()
        } else {
            match params.get(name) {
                Some(v) => v.clone(),
                None => {
                    err.get_or_insert_with(|| ParamError::NoValue { name: name.into() });
                    return String::new();
                }
            }
        };
        if kind.is_runnable() {
            match shlex::try_quote(&value) {
                Ok(q) => q.into_owned(),
                Err(_) => {
                    err.get_or_insert_with(|| ParamError::Nul { name: name.into() });
                    String::new()
                }
            }
        } else {
            value
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(out.into_owned()),
    }
}

/// Resolve the values for a run: given `--param`s, else defaults. Errors say
/// which parameter and why; `missing` lists required ones with no value.
pub fn resolve(
    declared: &[Param],
    given: &[(String, String)],
) -> Result<BTreeMap<String, String>, ParamErrors> {
    let mut errors = ParamErrors::default();
    let mut values = BTreeMap::new();
    for (k, _) in given {
        if !declared.iter().any(|p| &p.name == k) {
            errors.invalid.push(ParamError::Unknown {
                name: k.clone(),
                declared: declared.iter().map(|p| p.name.clone()).collect(),
            });
        }
    }
    for p in declared {
        let value = given
            .iter()
            .rev()
            .find(|(k, _)| k == &p.name)
            .map(|(_, v)| v.clone())
            .or_else(|| p.default.clone());
        match value {
            Some(v) => {
                if let Err(e) = check_value(p, &v) {
                    errors.invalid.push(e);
                }
                values.insert(p.name.clone(), v);
            }
            None if p.required => errors.missing.push(p.name.clone()),
            None => {
                values.insert(p.name.clone(), String::new());
            }
        }
    }
    if errors.invalid.is_empty() && errors.missing.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// A value against its parameter's `regex` (whole value) and `required`.
pub fn check_value(p: &Param, value: &str) -> Result<(), ParamError> {
    if p.required && value.is_empty() {
        return Err(ParamError::Required {
            name: p.name.clone(),
        });
    }
    if let Some(re) = &p.regex {
        let anchored = Regex::new(&format!("^(?:{re})$")).map_err(|e| ParamError::BadRegex {
            name: p.name.clone(),
            reason: e.to_string(),
        })?;
        if !anchored.is_match(value) {
            return Err(ParamError::NoMatch {
                name: p.name.clone(),
                regex: re.clone(),
            });
        }
    }
    Ok(())
}

/// Every problem with a run's values: required ones without a value (which
/// a TTY can ask for) and values that cannot be used.
#[derive(Debug, Default, PartialEq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ParamErrors {
    pub missing: Vec<String>,
    pub invalid: Vec<ParamError>,
}

impl ParamErrors {
    fn describe(&self) -> String {
        let mut parts: Vec<String> = self.invalid.iter().map(ToString::to_string).collect();
        if !self.missing.is_empty() {
            parts.push(format!(
                "missing required parameter(s): {} (pass --param NAME=VALUE)",
                self.missing.join(", ")
            ));
        }
        parts.join("; ")
    }
}

/// `k=v` from the command line.
pub fn parse_kv(s: &str) -> Result<(String, String), ParamError> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| ParamError::NotNameValue { arg: s.to_string() })?;
    Ok((k.trim().to_string(), v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn values_become_one_shell_word() {
        let out = render(
            "echo {{svc}}",
            &BlockKind::Shell,
            &p(&[("svc", "x;touch pwned")]),
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(out, "echo 'x;touch pwned'");
        let out = render(
            "echo {{ svc }}",
            &BlockKind::Shell,
            &p(&[("svc", "it's $(id)")]),
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(shlex::split(&out).unwrap(), ["echo", "it's $(id)"]);
    }

    #[test]
    fn go_templates_are_not_params() {
        assert_eq!(refs("docker ps --format '{{.Names}} {{ns}}'").count(), 1);
        let out = render(
            "docker ps --format '{{.Names}}'",
            &BlockKind::Shell,
            &BTreeMap::new(),
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(out, "docker ps --format '{{.Names}}'");
    }

    #[test]
    fn secrets_are_masked_and_nul_refused() {
        let masked: BTreeSet<String> = ["pw".to_string()].into();
        let out = render(
            "psql -W {{pw}}",
            &BlockKind::Shell,
            &p(&[("pw", "hunter2")]),
            &masked,
        )
        .unwrap();
        assert!(!out.contains("hunter2") && out.contains("***"), "{out}");
        let err = render(
            "x {{a}}",
            &BlockKind::Shell,
            &p(&[("a", "a\0b")]),
            &BTreeSet::new(),
        )
        .unwrap_err();
        assert_eq!(err, ParamError::Nul { name: "a".into() });
        assert!(err.to_string().contains("NUL"), "{err}");
        let err = render("x {{b}}", &BlockKind::Shell, &p(&[]), &BTreeSet::new()).unwrap_err();
        assert_eq!(err.name(), Some("b"));
        assert_eq!(err.to_string(), "parameter `b` has no value");
    }

    #[test]
    fn resolve_uses_defaults_checks_regex_and_names_missing() {
        let declared = vec![
            Param {
                name: "ns".into(),
                default: Some("shop".into()),
                ..Default::default()
            },
            Param {
                name: "deployment".into(),
                required: true,
                regex: Some("[a-z0-9-]+".into()),
                ..Default::default()
            },
        ];
        let v = resolve(&declared, &[("deployment".into(), "web".into())]).unwrap();
        assert_eq!(v["ns"], "shop");
        let e = resolve(&declared, &[]).unwrap_err();
        assert_eq!(e.missing, ["deployment"]);
        assert!(e.to_string().contains("--param"));
        let e = resolve(&declared, &[("deployment".into(), "web;rm".into())]).unwrap_err();
        assert!(
            matches!(&e.invalid[0], ParamError::NoMatch { name, .. } if name == "deployment"),
            "{e}"
        );
        assert!(e.to_string().contains("does not match /[a-z0-9-]+/"), "{e}");
        let e = resolve(
            &declared,
            &[
                ("nope".into(), "1".into()),
                ("deployment".into(), "w".into()),
            ],
        )
        .unwrap_err();
        assert!(
            matches!(&e.invalid[0], ParamError::Unknown { name, declared }
                if name == "nope" && declared == &["ns", "deployment"]),
            "{e:?}"
        );
        assert!(e.to_string().contains("unknown parameter `nope`"), "{e}");
        assert_eq!(
            parse_kv("ns"),
            Err(ParamError::NotNameValue { arg: "ns".into() })
        );
    }
}
