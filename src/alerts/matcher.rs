//! Label matchers (`severity="critical"`, `namespace=~"tool.*"`, `alertname!=X`,
//! `job!~"node|cadvisor"`) and the `/` filter built from them plus free text.
//!
//! One parser serves the filter, the silence form and `warroom action silence`,
//! and [`Matcher::matches`] is what the silence preview uses to list the alerts a
//! silence will affect — so what the operator sees is what Alertmanager will do.

use regex::Regex;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Re,
    Nre,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Re => "=~",
            Op::Nre => "!~",
        }
    }
    pub fn is_regex(self) -> bool {
        matches!(self, Op::Re | Op::Nre)
    }
    pub fn is_equal(self) -> bool {
        matches!(self, Op::Eq | Op::Re)
    }
}

#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: Op,
    pub value: String,
    /// Anchored like Prometheus and Alertmanager: the whole value must match.
    regex: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

/// Why a matcher does not parse. `text` is the matcher as written (trimmed);
/// `at` is the byte offset in it where the problem is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatcherError {
    #[error("{text:?}: expected NAME=VALUE, NAME!=VALUE, NAME=~RE or NAME!~RE")]
    NoOperator { text: String },
    #[error("{text:?}: `!` must be followed by `=` or `~`")]
    BareBang { text: String, at: usize },
    #[error("{name:?} is not a label name")]
    BadName { name: String },
    #[error("{name}{}{value:?}: bad regex: {reason}", .op.as_str())]
    BadRegex {
        name: String,
        op: Op,
        value: String,
        reason: String,
    },
    #[error("{text:?}: unterminated quote")]
    UnterminatedQuote { text: String, at: usize },
    #[error("{text:?}: dangling backslash")]
    DanglingBackslash { text: String, at: usize },
    #[error("no matchers given")]
    Empty,
}

impl MatcherError {
    /// Where in the matcher text the problem starts, when it is one place.
    pub fn position(&self) -> Option<usize> {
        match self {
            Self::BareBang { at, .. }
            | Self::UnterminatedQuote { at, .. }
            | Self::DanglingBackslash { at, .. } => Some(*at),
            Self::BadName { .. } => Some(0),
            Self::NoOperator { .. } | Self::BadRegex { .. } | Self::Empty => None,
        }
    }
}

fn valid_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl Matcher {
    pub fn new(name: &str, op: Op, value: &str) -> Result<Self, MatcherError> {
        if !valid_label_name(name) {
            return Err(MatcherError::BadName {
                name: name.to_string(),
            });
        }
        let regex = if op.is_regex() {
            Some(
                Regex::new(&format!("^(?:{value})$")).map_err(|e| MatcherError::BadRegex {
                    name: name.to_string(),
                    op,
                    value: value.to_string(),
                    reason: e.to_string(),
                })?,
            )
        } else {
            None
        };
        Ok(Self {
            name: name.to_string(),
            op,
            value: value.to_string(),
            regex,
        })
    }

    /// An equality matcher for a label of an existing alert.
    pub fn eq(name: &str, value: &str) -> Self {
        Self {
            name: name.to_string(),
            op: Op::Eq,
            value: value.to_string(),
            regex: None,
        }
    }

    /// Parse one matcher; the value may be quoted (`"..."` with `\"` and `\\`
    /// escapes) or bare.
    pub fn parse(text: &str) -> Result<Self, MatcherError> {
        let text = text.trim();
        let pos = text
            .find(['=', '!'])
            .ok_or_else(|| MatcherError::NoOperator {
                text: text.to_string(),
            })?;
        let name = text[..pos].trim();
        let rest = &text[pos..];
        let (op, value) = if let Some(v) = rest.strip_prefix("=~") {
            (Op::Re, v)
        } else if let Some(v) = rest.strip_prefix("!~") {
            (Op::Nre, v)
        } else if let Some(v) = rest.strip_prefix("!=") {
            (Op::Ne, v)
        } else if let Some(v) = rest.strip_prefix('=') {
            (Op::Eq, v)
        } else {
            return Err(MatcherError::BareBang {
                text: text.to_string(),
                at: pos,
            });
        };
        let trimmed = value.trim();
        // Where the value starts in `text`, for the error position.
        let start = text.len() - value.len() + (value.len() - value.trim_start().len());
        let value = unquote(trimmed).map_err(|e| match e {
            Unquote::Unterminated => MatcherError::UnterminatedQuote {
                text: text.to_string(),
                at: start,
            },
            Unquote::Dangling(i) => MatcherError::DanglingBackslash {
                text: text.to_string(),
                at: start + i,
            },
        })?;
        Self::new(name, op, &value)
    }

    /// Prometheus semantics: a missing label has the empty value.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let v = labels.get(&self.name).map(String::as_str).unwrap_or("");
        match (&self.regex, self.op) {
            (Some(re), Op::Re) => re.is_match(v),
            (Some(re), Op::Nre) => !re.is_match(v),
            (_, Op::Ne) => v != self.value,
            _ => v == self.value,
        }
    }
}

/// `name="value"` with the value quoted and escaped; parses back with [`Matcher::parse`].
impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.name, self.op.as_str(), quote(&self.value))
    }
}

/// A double-quoted label value with `\` and `"` escaped (PromQL/LogQL syntax).
pub fn quote(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// What is wrong with a quoted value; the offset is within the value.
enum Unquote {
    Unterminated,
    Dangling(usize),
}

fn unquote(v: &str) -> Result<String, Unquote> {
    let Some(inner) = v.strip_prefix('"') else {
        return Ok(v.to_string());
    };
    let inner = inner.strip_suffix('"').ok_or(Unquote::Unterminated)?;
    let mut out = String::new();
    let mut chars = inner.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, c)) => out.push(c),
                // +1: the opening quote.
                None => return Err(Unquote::Dangling(i + 1)),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Parse several matchers: separate words, or one `{a="b", c=~"d"}` selector.
pub fn parse_list(items: &[String]) -> Result<Vec<Matcher>, MatcherError> {
    let mut out = Vec::new();
    for item in items {
        let t = item.trim();
        let t = t
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(t);
        for part in split_outside_quotes(t, ',') {
            if !part.trim().is_empty() {
                out.push(Matcher::parse(&part)?);
            }
        }
    }
    if out.is_empty() {
        return Err(MatcherError::Empty);
    }
    Ok(out)
}

/// Split a line of matchers on spaces outside quotes (the silence form field).
pub fn split_words(s: &str) -> Vec<String> {
    split_outside_quotes(s, ' ')
        .into_iter()
        .filter(|w| !w.trim().is_empty())
        .collect()
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut escaped) = (false, false);
    for c in s.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' && quoted {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            parts.push(std::mem::take(&mut cur));
            continue;
        }
        cur.push(c);
    }
    parts.push(cur);
    parts
}

/// The `/` filter: matchers and free-text words, all of which must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub matchers: Vec<Matcher>,
    /// Lower-cased words matched against label values and annotations.
    pub words: Vec<String>,
    /// A word that looked like a matcher but did not parse (bad regex…).
    pub error: Option<String>,
}

impl Filter {
    pub fn parse(text: &str) -> Self {
        let mut f = Filter::default();
        for word in split_outside_quotes(text, ' ') {
            let word = word.trim();
            if word.is_empty() {
                continue;
            }
            let looks_like_matcher = word
                .find(['=', '!'])
                .is_some_and(|p| p > 0 && valid_label_name(&word[..p]));
            if looks_like_matcher {
                match Matcher::parse(word) {
                    Ok(m) => f.matchers.push(m),
                    Err(e) => f.error = Some(e.to_string()),
                }
            } else {
                f.words.push(word.to_lowercase());
            }
        }
        f
    }

    pub fn is_empty(&self) -> bool {
        self.matchers.is_empty() && self.words.is_empty()
    }

    pub fn matches(
        &self,
        labels: &BTreeMap<String, String>,
        annotations: &BTreeMap<String, String>,
    ) -> bool {
        self.matchers.iter().all(|m| m.matches(labels))
            && self.words.iter().all(|w| {
                labels
                    .iter()
                    .chain(annotations.iter())
                    .any(|(k, v)| k.to_lowercase().contains(w) || v.to_lowercase().contains(w))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn all_four_operators_parse_and_match() {
        let l = labels(&[("severity", "critical"), ("namespace", "toolboxai")]);
        assert!(
            Matcher::parse(r#"severity="critical""#)
                .unwrap()
                .matches(&l)
        );
        assert!(Matcher::parse("severity=critical").unwrap().matches(&l));
        assert!(
            Matcher::parse(r#"namespace=~"tool.*""#)
                .unwrap()
                .matches(&l)
        );
        assert!(
            !Matcher::parse(r#"namespace=~"tool""#).unwrap().matches(&l),
            "anchored"
        );
        assert!(Matcher::parse("alertname!=X").unwrap().matches(&l));
        assert!(!Matcher::parse("severity!=critical").unwrap().matches(&l));
        assert!(
            Matcher::parse(r#"job!~"node|cadvisor""#)
                .unwrap()
                .matches(&l)
        );
        assert!(!Matcher::parse(r#"severity!~"crit.*""#).unwrap().matches(&l));
    }

    #[test]
    fn missing_labels_are_empty_like_in_prometheus() {
        let l = labels(&[("alertname", "A")]);
        assert!(Matcher::parse(r#"pod="""#).unwrap().matches(&l));
        assert!(!Matcher::parse("pod=web").unwrap().matches(&l));
        assert!(Matcher::parse("pod!=web").unwrap().matches(&l));
    }

    #[test]
    fn quoting_round_trips_through_display() {
        let m = Matcher::new("msg", Op::Eq, r#"say "hi" \ bye"#).unwrap();
        let text = m.to_string();
        assert_eq!(text, r#"msg="say \"hi\" \\ bye""#);
        assert_eq!(Matcher::parse(&text).unwrap(), m);
    }

    #[test]
    fn bad_input_says_what_is_wrong() {
        let err = |t: &str| Matcher::parse(t).unwrap_err();
        let e = err("severity");
        assert!(matches!(e, MatcherError::NoOperator { .. }), "{e:?}");
        assert!(e.to_string().contains("expected NAME=VALUE"));
        let e = err("9x=1");
        assert_eq!(e, MatcherError::BadName { name: "9x".into() });
        assert!(e.to_string().contains("not a label name"));
        let e = err("a=~\"(\"");
        assert!(
            matches!(&e, MatcherError::BadRegex { name, op: Op::Re, value, .. } if name == "a" && value == "("),
            "{e:?}"
        );
        assert!(e.to_string().contains("bad regex"));
        let e = err(" a=\"open");
        assert_eq!(
            e,
            MatcherError::UnterminatedQuote {
                text: "a=\"open".into(),
                at: 2
            }
        );
        assert!(e.to_string().contains("unterminated"));
        let e = err(r#"a="x\""#);
        assert_eq!(
            e,
            MatcherError::DanglingBackslash {
                text: r#"a="x\""#.into(),
                at: 4
            }
        );
        assert!(e.to_string().contains("dangling backslash"));
        let e = err("a!b");
        assert_eq!(e.position(), Some(1));
        assert!(e.to_string().contains("`!`"));
        assert_eq!(parse_list(&[]).unwrap_err(), MatcherError::Empty);
    }

    #[test]
    fn lists_accept_words_and_selectors() {
        let ms = parse_list(&[r#"{alertname="A", job=~"a,b"}"#.into(), "x!=y".into()]).unwrap();
        assert_eq!(ms.len(), 3);
        assert_eq!(ms[1].value, "a,b");
        assert!(parse_list(&[]).is_err());
    }

    #[test]
    fn filter_mixes_matchers_and_free_text() {
        let l = labels(&[("alertname", "HighLatency"), ("severity", "warning")]);
        let a = labels(&[("summary", "p99 latency above 2s on api")]);
        assert!(Filter::parse("severity=warning api").matches(&l, &a));
        assert!(Filter::parse("LATENCY").matches(&l, &a));
        assert!(!Filter::parse("severity=critical api").matches(&l, &a));
        assert!(!Filter::parse("postgres").matches(&l, &a));
        let f = Filter::parse(r#"namespace=~"(""#);
        assert!(f.error.is_some() && f.matchers.is_empty());
        assert!(Filter::parse("  ").is_empty());
        // An `=` inside a free-text word that is not a label name stays text.
        assert_eq!(Filter::parse("p99=2s").matchers.len(), 1);
        assert_eq!(Filter::parse("=x").words, ["=x"]);
    }
}
