//! Where a `{{param}}` stands in a runnable block, by shell quoting rules.
//!
//! [`subst::render`](super::subst::render) replaces a reference with the value
//! shell-quoted as one word. That is only safe where the shell reads a word:
//! unquoted code (also inside `$(...)`, which the shell parses afresh). Inside
//! `'...'`, `"..."`, `$'...'`, backquotes, a comment, a here-document or right
//! after `\` or `$`, the quoting warroom adds is itself quoted text, and a value
//! such as `x';touch pwned;'` ends the author's quotes and runs as code. So the
//! linter (and with it every run) refuses those places; [`unsafe_refs`] finds them.
//!
//! This is a small scanner of quote state, not a shell parser: it errs towards
//! refusing (an odd construct it does not follow counts as quoted) and never
//! towards accepting a place it has not understood.

use super::model::BlockKind;

/// Where an unsafe reference stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Single,
    Double,
    AnsiC,
    Backquote,
    Comment,
    HereDoc,
    AfterBackslash,
    AfterDollar,
}

/// A reference that must not be substituted where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeRef {
    /// 0-based line within the block body.
    pub line: usize,
    pub name: String,
    pub place: Place,
}

impl UnsafeRef {
    /// The lint message: what is wrong and how to write it instead.
    pub fn message(&self) -> String {
        let r = format!("{{{{{}}}}}", self.name);
        let bare = format!(
            "write it bare (`{r}`, not `'{r}'` or `\"{r}\"`): warroom already passes the value as one shell-quoted word"
        );
        let why = "a value such as `x';touch pwned;'` could run as a command";
        match self.place {
            Place::Single => format!("`{r}` is inside single quotes, where {why}; {bare}"),
            Place::Double => format!("`{r}` is inside double quotes, where {why}; {bare}"),
            Place::AnsiC => format!("`{r}` is inside `$'...'` quotes, where {why}; {bare}"),
            Place::Backquote => format!(
                "`{r}` is inside backquotes, where {why}; use `$(...)` and write it bare inside"
            ),
            Place::Comment => format!(
                "`{r}` is in a shell comment, where a value with a newline would run as a command; remove it from the comment"
            ),
            Place::HereDoc => format!(
                "`{r}` is in a here-document, where the value is not quoted and {why}; pass it as an argument instead (bare: `cmd {r}`)"
            ),
            Place::AfterBackslash => format!(
                "`{r}` follows a backslash, which would unquote the value, and {why}; remove the backslash"
            ),
            Place::AfterDollar => format!(
                "`{r}` follows `$`, which turns its quoting into `$'...'`, and {why}; remove the `$`"
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Frame {
    /// Unquoted code: the top level, or inside `$(` (`paren` counts nested
    /// `(` so the matching `)` ends it; `arith` for `$((`, where `<<` is a shift).
    Code {
        nested: bool,
        paren: usize,
        arith: bool,
    },
    Single,
    Double,
    AnsiC,
    Backquote,
    Comment,
}

/// References in `body` (a block of `kind`) that stand where substituting a
/// quoted word is unsafe. Shown-only blocks have none.
pub fn unsafe_refs(body: &str, kind: &BlockKind) -> Vec<UnsafeRef> {
    if kind.is_shell() {
        scan(body, true)
    } else if *kind == BlockKind::Warroom {
        // Action lines are split with shlex (quotes and backslashes, no
        // expansions), one line at a time; `#` lines are skipped by the runner.
        body.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim_start().starts_with('#'))
            .flat_map(|(n, l)| {
                scan(l, false).into_iter().map(move |mut u| {
                    u.line = n;
                    u
                })
            })
            .collect()
    } else {
        Vec::new()
    }
}

/// Each reference: byte range and name.
fn ref_spans(body: &str) -> Vec<(usize, usize, String)> {
    super::subst::ref_spans(body)
        .map(|(r, name)| (r.start, r.end, name.to_string()))
        .collect()
}

fn word_start(prev: Option<u8>) -> bool {
    matches!(
        prev,
        None | Some(b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>')
    )
}

fn code(nested: bool, paren: usize, arith: bool) -> Frame {
    Frame::Code {
        nested,
        paren,
        arith,
    }
}

/// `shell`: full shell rules (`$(`, backquotes, `$'`, comments, here-docs);
/// otherwise shlex rules (quotes and backslashes only).
fn scan(body: &str, shell: bool) -> Vec<UnsafeRef> {
    let b = body.as_bytes();
    let refs = ref_spans(body);
    // Line numbers by binary search in the newline offsets, found once:
    // counting newlines from the top for each reference made a block with
    // many quoted references quadratic.
    let newlines: Vec<usize> = memchr::memchr_iter(b'\n', b).collect();
    let line_of = |offset: usize| newlines.partition_point(|&n| n < offset);
    let mut out = Vec::new();
    let mut flag = |offset: usize, name: &str, place: Place| {
        out.push(UnsafeRef {
            line: line_of(offset),
            name: name.to_string(),
            place,
        })
    };
    let mut stack = vec![code(false, 0, false)];
    // Here-document delimiters (and `<<-`) waiting for the end of the line.
    let mut pending: Vec<(String, bool)> = Vec::new();
    let mut i = 0usize;
    let mut next_ref = 0usize;
    while i < b.len() {
        while next_ref < refs.len() && refs[next_ref].0 < i {
            next_ref += 1;
        }
        let ref_at = |at: usize| refs.get(next_ref).filter(|r| r.0 == at);
        let top = stack.len() - 1;
        let frame = stack[top];
        if let Some((start, end, name)) = ref_at(i) {
            let place = match frame {
                Frame::Code { .. } if i > 0 && b[i - 1] == b'$' => Some(Place::AfterDollar),
                Frame::Code { .. } => None,
                Frame::Single => Some(Place::Single),
                Frame::Double => Some(Place::Double),
                Frame::AnsiC => Some(Place::AnsiC),
                Frame::Backquote => Some(Place::Backquote),
                Frame::Comment => Some(Place::Comment),
            };
            if let Some(p) = place {
                flag(*start, name, p);
            }
            i = *end;
            continue;
        }
        let c = b[i];
        // A backslash takes the next byte with it wherever it escapes
        // something; a reference right after one is never a clean word.
        if c == b'\\' && !matches!(frame, Frame::Single | Frame::Comment) {
            if let Some((start, _, name)) = ref_at(i + 1) {
                let place = match frame {
                    Frame::Double => Place::Double,
                    Frame::AnsiC => Place::AnsiC,
                    Frame::Backquote => Place::Backquote,
                    _ => Place::AfterBackslash,
                };
                flag(*start, name, place);
            }
            i += 2;
            continue;
        }
        match frame {
            Frame::Code {
                nested,
                paren,
                arith,
            } => match c {
                b'\'' => stack.push(Frame::Single),
                b'"' => stack.push(Frame::Double),
                b'$' if shell && b.get(i + 1) == Some(&b'\'') => {
                    stack.push(Frame::AnsiC);
                    i += 1;
                }
                b'$' if shell && b.get(i + 1) == Some(&b'"') => {
                    stack.push(Frame::Double);
                    i += 1;
                }
                b'$' if shell && b.get(i + 1) == Some(&b'(') => {
                    let arith = b.get(i + 2) == Some(&b'(');
                    stack.push(code(true, usize::from(arith), arith));
                    i += 1 + usize::from(arith);
                }
                b'`' if shell => stack.push(Frame::Backquote),
                b'#' if shell && word_start(i.checked_sub(1).map(|j| b[j])) => {
                    stack.push(Frame::Comment)
                }
                b'(' if nested => stack[top] = code(nested, paren + 1, arith),
                b')' if nested && paren == 0 => {
                    stack.pop();
                }
                b')' if nested => stack[top] = code(nested, paren - 1, arith),
                b'<' if shell
                    && !arith
                    && b.get(i + 1) == Some(&b'<')
                    && b.get(i + 2) != Some(&b'<') =>
                {
                    let (delim, tabs, next) = heredoc_delimiter(b, i + 2);
                    pending.push((delim, tabs));
                    i = next;
                    continue;
                }
                b'\n' if !pending.is_empty() => {
                    i = heredoc_bodies(body, i + 1, &mut pending, &refs, &mut flag);
                    continue;
                }
                _ => {}
            },
            Frame::Single | Frame::AnsiC if c == b'\'' => {
                stack.pop();
            }
            Frame::Double if c == b'"' => {
                stack.pop();
            }
            // The shell parses `$(...)` inside double quotes afresh: a bare
            // reference in it is one word again.
            Frame::Double if shell && c == b'$' && b.get(i + 1) == Some(&b'(') => {
                let arith = b.get(i + 2) == Some(&b'(');
                stack.push(code(true, usize::from(arith), arith));
                i += 1 + usize::from(arith);
            }
            Frame::Double if shell && c == b'`' => stack.push(Frame::Backquote),
            Frame::Backquote if c == b'`' => {
                stack.pop();
            }
            Frame::Comment if c == b'\n' => {
                // The newline ends the comment and is read again as code
                // (it may start pending here-document bodies).
                stack.pop();
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// After `<<`: the delimiter word (quotes removed), whether `<<-` strips
/// leading tabs, and where the word ends.
fn heredoc_delimiter(b: &[u8], mut i: usize) -> (String, bool, usize) {
    let tabs = b.get(i) == Some(&b'-');
    if tabs {
        i += 1;
    }
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let mut word = Vec::new();
    let mut quote: Option<u8> = None;
    while let Some(&c) = b.get(i) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, b'\'' | b'"') => quote = Some(c),
            (None, b'\\') => {
                if let Some(&n) = b.get(i + 1) {
                    word.push(n);
                }
                i += 1;
            }
            (None, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')') => break,
            (None, c) => word.push(c),
        }
        i += 1;
    }
    (String::from_utf8_lossy(&word).into_owned(), tabs, i)
}

/// Skip here-document bodies starting at `i` (the start of a line); every
/// reference in them is unsafe, whether or not the delimiter is quoted (a
/// value with a newline and the delimiter would end the document early).
/// Returns where code resumes.
fn heredoc_bodies(
    body: &str,
    mut i: usize,
    pending: &mut Vec<(String, bool)>,
    refs: &[(usize, usize, String)],
    flag: &mut impl FnMut(usize, &str, Place),
) -> usize {
    for (delim, tabs) in pending.drain(..) {
        while i < body.len() {
            let end = body[i..].find('\n').map(|n| i + n).unwrap_or(body.len());
            let text = &body[i..end];
            let text = if tabs {
                text.trim_start_matches('\t')
            } else {
                text
            };
            if text == delim {
                i = (end + 1).min(body.len());
                break;
            }
            let first = refs.partition_point(|(s, _, _)| *s < i);
            for (s, _, name) in refs[first..].iter().take_while(|(s, _, _)| *s < end) {
                flag(*s, name, Place::HereDoc);
            }
            i = (end + 1).min(body.len());
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(body: &str) -> Vec<(usize, Place)> {
        unsafe_refs(body, &BlockKind::Shell)
            .into_iter()
            .map(|u| (u.line, u.place))
            .collect()
    }

    #[test]
    fn bare_references_are_safe_anywhere_a_word_is_read() {
        for body in [
            "echo {{p}}",
            "echo prefix-{{p}} {{p}}suffix --flag={{p}}",
            "test -n \"$(find {{p}} -name 'x*' -print -quit)\"",
            "x=$(echo {{p}}) && echo \"$x\"",
            "echo \"done\" {{p}} 'quoted' {{p}}",
            "echo {{p}} # a comment without a reference",
            "echo $(( 1 << 2 )) {{p}}",
            "cat <<< {{p}}",
            "echo \"it's\" {{p}}",
            "echo 'a\\' {{p}}",
            "docker ps --format '{{.Names}}' {{p}}",
            "echo \"a\\\"b\" {{p}}",
        ] {
            assert_eq!(places(body), [], "{body}");
        }
    }

    #[test]
    fn quoted_and_other_unsafe_places_are_found_with_their_line() {
        let cases: &[(&str, &[(usize, Place)])] = &[
            ("echo '{{p}}'", &[(0, Place::Single)]),
            ("echo \"{{p}}\"", &[(0, Place::Double)]),
            ("echo \"prefix-{{p}}\"", &[(0, Place::Double)]),
            ("echo $'{{p}}'", &[(0, Place::AnsiC)]),
            ("echo $\"{{p}}\"", &[(0, Place::Double)]),
            ("echo `echo {{p}}`", &[(0, Place::Backquote)]),
            ("echo \"$(echo '{{p}}')\"", &[(0, Place::Single)]),
            ("true\n# restart {{p}}", &[(1, Place::Comment)]),
            ("echo \\{{p}}", &[(0, Place::AfterBackslash)]),
            ("echo ${{p}}", &[(0, Place::AfterDollar)]),
            (
                "cat <<EOF\nhello {{p}}\nEOF\necho {{p}}",
                &[(1, Place::HereDoc)],
            ),
            (
                "cat <<-'EOF' > f\n\t{{p}}\n\tEOF\necho {{p}}",
                &[(1, Place::HereDoc)],
            ),
            (
                "echo 'multi\nline {{p}}'\necho {{p}} \"{{p}}\"",
                &[(1, Place::Single), (2, Place::Double)],
            ),
            // An escaped quote does not close the string it is in.
            ("echo \"a\\\" {{p}}\"", &[(0, Place::Double)]),
            ("echo $'a\\' {{p}}'", &[(0, Place::AnsiC)]),
        ];
        for (body, want) in cases {
            assert_eq!(places(body), *want, "{body}");
        }
    }

    #[test]
    fn action_lines_use_shlex_rules_and_skip_comment_lines() {
        let w = |body: &str| -> Vec<(usize, Place)> {
            unsafe_refs(body, &BlockKind::Warroom)
                .into_iter()
                .map(|u| (u.line, u.place))
                .collect()
        };
        assert_eq!(w("restart container/{{c}}"), []);
        assert_eq!(
            w("silence alertname=X --comment \"why {{c}}\"\nrestart container/'{{c}}'"),
            [(0, Place::Double), (1, Place::Single)]
        );
        assert_eq!(w("# restart '{{c}}'"), []);
        // `$(` and backquotes mean nothing to shlex: still plain quotes.
        assert_eq!(w("silence a=b --comment '$({{c}})'"), [(0, Place::Single)]);
    }

    #[test]
    fn a_large_block_gives_the_findings_of_its_parts_line_for_line() {
        // Every kind of place, a here-document and a comment, repeated: the
        // one-pass line numbering must give each copy the sample's findings
        // shifted by the copy's first line.
        let sample = "echo \"a-{{p}}\" '{{p}}' `echo {{p}}` {{p}}\n\
                      cat <<EOF\nbody {{p}}\nEOF\n\
                      echo $'{{p}}' \\{{p}} ${{p}} # {{p}}\n";
        let one = places(sample);
        assert_eq!(one.len(), 8, "{one:?}");
        let per_copy = sample.lines().count();
        let copies = 2_000;
        let big = places(&sample.repeat(copies));
        let want: Vec<(usize, Place)> = (0..copies)
            .flat_map(|k| one.iter().map(move |(l, p)| (l + k * per_copy, *p)))
            .collect();
        assert_eq!(big, want);
    }

    #[test]
    fn the_message_says_how_to_fix_it() {
        let u = &unsafe_refs("echo '{{ p }}'", &BlockKind::Check)[0];
        let m = u.message();
        assert!(
            m.contains("single quotes") && m.contains("write it bare"),
            "{m}"
        );
        assert!(m.contains("`{{p}}`"), "{m}");
        assert!(unsafe_refs("echo '{{p}}'", &BlockKind::Other("text".into())).is_empty());
    }
}
