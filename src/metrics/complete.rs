//! What Tab completes in the PromQL editor, from the text before the
//! cursor: a metric name; inside a selector's `{…}`, a label name scoped to
//! the selector's metric (`match[]`); inside a matcher's quotes, that
//! label's values, scoped the same way. Pure: the pane asks the worker for
//! what Prometheus offers and completes when it arrives.

use super::Ask;

/// Where the cursor is and what it has typed of the word it completes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct At {
    pub ask: Ask,
    pub word: String,
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

/// The identifier that ends at char index `end` (exclusive), spaces before
/// `end` skipped.
fn ident_before(chars: &[char], end: usize) -> Option<String> {
    let mut e = end;
    while e > 0 && chars[e - 1] == ' ' {
        e -= 1;
    }
    let mut s = e;
    while s > 0 && ident_char(chars[s - 1]) {
        s -= 1;
    }
    (s < e && !chars[s].is_ascii_digit()).then(|| chars[s..e].iter().collect())
}

/// What Tab at char column `col` of `line` completes; `None` where there is
/// nothing to complete (no metric name started, after a number…).
pub(super) fn at(line: &str, col: usize) -> Option<At> {
    let chars: Vec<char> = line.chars().take(col).collect();
    let mut quote: Option<(char, usize)> = None;
    let mut brace: Option<usize> = None;
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate() {
        if let Some((q, _)) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => quote = Some((c, i)),
            '{' => brace = Some(i),
            '}' => brace = None,
            _ => {}
        }
    }
    let metric = |open: usize| ident_before(&chars, open).filter(|m| !super::units::is_keyword(m));
    match (quote, brace) {
        (Some((_, start)), Some(open)) => {
            // `label=~"va|`: the label is the word before the operator.
            let mut op = start;
            while op > 0 && matches!(chars[op - 1], '=' | '~' | '!' | ' ') {
                op -= 1;
            }
            let label = ident_before(&chars, op)?;
            Some(At {
                ask: Ask::Values {
                    label,
                    metric: metric(open),
                },
                word: chars[start + 1..].iter().collect(),
            })
        }
        (Some(_), None) => None,
        (None, Some(open)) => {
            let mut s = chars.len();
            while s > open + 1 && ident_char(chars[s - 1]) {
                s -= 1;
            }
            // Only a label name position: after `{`, `,` or spaces.
            let before = chars[open + 1..s].iter().rev().find(|c| **c != ' ');
            if !matches!(before, None | Some(',')) {
                return None;
            }
            Some(At {
                ask: Ask::Labels {
                    metric: metric(open),
                },
                word: chars[s..].iter().collect(),
            })
        }
        (None, None) => {
            let mut s = chars.len();
            while s > 0 && ident_char(chars[s - 1]) {
                s -= 1;
            }
            let word: String = chars[s..].iter().collect();
            (!word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit())).then_some(At {
                ask: Ask::Names,
                word,
            })
        }
    }
}

/// What completing `word` from `offered` gives: the text to insert at the
/// cursor and, when several match, the candidates to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Completed {
    pub insert: String,
    pub candidates: Vec<String>,
}

/// Shown at most under the editor.
const LISTED: usize = 8;

pub(super) fn complete(word: &str, offered: &[String], what: &str) -> Completed {
    let matches: Vec<&str> = offered
        .iter()
        .map(String::as_str)
        .filter(|n| n.starts_with(word))
        .collect();
    let fill = match matches.as_slice() {
        [] => {
            let said = if word.is_empty() {
                format!("Prometheus offers no {what} here")
            } else {
                format!("no {what} starts with {word}")
            };
            return Completed {
                insert: String::new(),
                candidates: vec![said],
            };
        }
        [one] => one.to_string(),
        several => common_prefix(several).to_string(),
    };
    let mut candidates = Vec::new();
    if matches.len() > 1 {
        candidates = matches.iter().take(LISTED).map(|s| s.to_string()).collect();
        if matches.len() > LISTED {
            candidates.push(format!("+{} more", matches.len() - LISTED));
        }
    }
    Completed {
        insert: fill.strip_prefix(word).unwrap_or("").to_string(),
        candidates,
    }
}

/// The longest prefix every name shares (on a char boundary).
fn common_prefix<'a>(names: &[&'a str]) -> &'a str {
    let Some(first) = names.first() else {
        return "";
    };
    let mut len = first.len();
    for n in &names[1..] {
        len = len.min(
            first
                .char_indices()
                .zip(n.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map_or(0, |((i, a), _)| i + a.len_utf8()),
        );
    }
    &first[..len]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(line: &str) -> Option<At> {
        at(line, line.chars().count())
    }

    #[test]
    fn a_metric_name_outside_any_selector() {
        let a = ask("rate(http_req").unwrap();
        assert_eq!((a.ask, a.word.as_str()), (Ask::Names, "http_req"));
        assert_eq!(ask("sum(x) by ("), None, "nothing typed, nothing to list");
        assert_eq!(ask("x > 0.0"), None, "a number is not a name");
    }

    #[test]
    fn label_names_inside_braces_scoped_to_the_metric() {
        let a = ask("rate(http_requests_total{co").unwrap();
        assert_eq!(
            a.ask,
            Ask::Labels {
                metric: Some("http_requests_total".into())
            }
        );
        assert_eq!(a.word, "co");
        let a = ask(r#"up{job="x", "#).unwrap();
        assert_eq!(
            (a.ask, a.word.as_str()),
            (
                Ask::Labels {
                    metric: Some("up".into())
                },
                ""
            )
        );
        let a = ask("{").unwrap();
        assert_eq!(a.ask, Ask::Labels { metric: None });
        assert_eq!(ask(r#"up{job="x" "#), None, "a matcher wants a comma first");
        assert_eq!(
            ask(r#"up{job="#),
            None,
            "after an operator: a value, not a name"
        );
    }

    #[test]
    fn label_values_inside_quotes_after_the_operator() {
        let a = ask(r#"sum(rate(http_requests_total{code=~"5"#).unwrap();
        assert_eq!(
            a.ask,
            Ask::Values {
                label: "code".into(),
                metric: Some("http_requests_total".into())
            }
        );
        assert_eq!(a.word, "5");
        let a = ask(r#"{job != "pro"#).unwrap();
        assert_eq!(
            a.ask,
            Ask::Values {
                label: "job".into(),
                metric: None
            }
        );
        // A closed string and an escaped quote.
        let a = ask(r#"up{job="a\"b", instance=""#).unwrap();
        assert_eq!(a.word, "");
        assert!(matches!(a.ask, Ask::Values { ref label, .. } if label == "instance"));
        assert_eq!(
            ask(r#"label_replace(up, "dst"#),
            None,
            "a string outside a selector"
        );
    }

    #[test]
    fn completing_one_several_or_none() {
        let offered: Vec<String> = ["code", "container", "job"].map(String::from).to_vec();
        let c = complete("j", &offered, "label");
        assert_eq!((c.insert.as_str(), c.candidates.len()), ("ob", 0));
        let c = complete("co", &offered, "label");
        assert_eq!(c.insert, "");
        assert_eq!(c.candidates, ["code", "container"]);
        let c = complete("x", &offered, "label");
        assert_eq!(c.candidates, ["no label starts with x"]);
        let names = ["http_requests_total", "http_request_duration_seconds"].map(String::from);
        assert_eq!(complete("http", &names, "metric").insert, "_request");
        assert_eq!(common_prefix(&["ünï", "ünö"]), "ün");
    }
}
