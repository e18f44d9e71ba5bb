//! Values that reach a second shell.
//!
//! warroom passes every `{{param}}` to the step's shell as one quoted word.
//! Some commands hand a word to *another* shell, which parses it afresh:
//! `ssh HOST CMD…` (the remote shell reads the joined command line),
//! `bash -c SCRIPT`, `eval`, `su -c`, `watch`. There the single layer of
//! quoting is consumed by the first shell, and a value such as
//! `nginx; rm -rf /srv` runs as code on the second. The linter refuses a
//! parameter in such a word unless its `regex` admits no character a shell
//! treats specially — the one property that makes the value safe anywhere.
//!
//! Like [`super::quoting`], this is a scanner of command words, not a shell
//! parser; references inside quotes are refused there already, so here they
//! appear as bare words.

use super::model::Param;
use regex_syntax::hir::{Class, Hir, HirKind};

/// Characters with a meaning to a shell parsing a command line (plus the
/// whitespace that splits words).
const SPECIAL: &[char] = &[
    ' ', '\t', '\n', '\r', ';', '&', '|', '<', '>', '(', ')', '$', '`', '\\', '"', '\'', '*', '?',
    '[', ']', '{', '}', '~', '#', '!', '=', '%', '^', ',',
];

/// A reference whose value a second shell would parse.
#[derive(Debug, Clone, PartialEq)]
pub struct Reparsed {
    /// 0-based line in the block body.
    pub line: usize,
    pub param: String,
    /// What parses it again: `ssh`, `bash -c`, `eval`, …
    pub via: String,
}

impl Reparsed {
    pub fn message(&self) -> String {
        let p = &self.param;
        format!(
            "`{{{{{p}}}}}` reaches a second shell through `{via}`, which parses the value again: \
             warroom's quoting is used up by the first shell, so a value like `x; rm -rf /` would \
             run there. Declare `regex:` for `{p}` that admits no shell metacharacters (e.g. \
             `[A-Za-z0-9._/-]+`), or pass it as an argument the inner script reads \
             (`bash -c 'cmd \"$1\"' _ {{{{{p}}}}}`)",
            via = self.via
        )
    }
}

/// References in a shell block whose value a second shell parses and whose
/// parameter is not restricted to safe characters.
pub fn reparsed_refs(body: &str, params: &[Param]) -> Vec<Reparsed> {
    let mut out = Vec::new();
    for (line, text) in logical_lines(body) {
        for cmd in simple_commands(&text) {
            // A command this scanner cannot split into words (`$'…'`, a quote
            // that spans lines) is not waved through: if it names a command
            // that re-parses, every reference in it counts as re-parsed.
            let split = words(&cmd);
            let found = match &split {
                Some(words) => reparsed_words(words),
                None => mentions_reparser(&cmd)
                    .map(|via| vec![(cmd.as_str(), via)])
                    .unwrap_or_default(),
            };
            for (word, via) in found {
                for (_, name) in super::subst::ref_spans(word) {
                    let safe = params
                        .iter()
                        .find(|p| p.name == name)
                        .and_then(|p| p.regex.as_deref())
                        .is_some_and(admits_no_special);
                    if !safe
                        && !out
                            .iter()
                            .any(|r: &Reparsed| r.line == line && r.param == name)
                    {
                        out.push(Reparsed {
                            line,
                            param: name.to_string(),
                            via: via.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// True when every string the (whole-value) regex accepts is free of shell
/// metacharacters: no literal and no class in it contains one.
pub fn admits_no_special(re: &str) -> bool {
    let Ok(hir) = regex_syntax::parse(&format!("^(?:{re})$")) else {
        return false;
    };
    fn ok(h: &Hir) -> bool {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => true,
            HirKind::Literal(l) => match std::str::from_utf8(&l.0) {
                Ok(s) => !s.contains(SPECIAL),
                Err(_) => false,
            },
            HirKind::Class(Class::Unicode(c)) => !c
                .ranges()
                .iter()
                .any(|r| SPECIAL.iter().any(|&s| r.start() <= s && s <= r.end())),
            HirKind::Class(Class::Bytes(c)) => !c.ranges().iter().any(|r| {
                SPECIAL
                    .iter()
                    .any(|&s| (r.start() as u32) <= s as u32 && s as u32 <= r.end() as u32)
            }),
            HirKind::Repetition(r) => ok(&r.sub),
            HirKind::Capture(c) => ok(&c.sub),
            HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().all(ok),
        }
    }
    ok(&hir)
}

/// Lines joined across trailing-backslash continuations, with the 0-based
/// line each starts on; comment lines dropped.
fn logical_lines(body: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (n, l) in body.lines().enumerate() {
        let (start, mut acc) = open.take().unwrap_or((n, String::new()));
        if acc.is_empty() && l.trim_start().starts_with('#') {
            continue;
        }
        match l.strip_suffix('\\') {
            Some(head) => {
                acc.push_str(head);
                acc.push(' ');
                open = Some((start, acc));
            }
            None => {
                acc.push_str(l);
                out.push((start, acc));
            }
        }
    }
    out.extend(open);
    out
}

/// Split at the operators between simple commands (`;`, `&`, `|`, `&&`,
/// `||`) and at `(`/`)` (so `$(…)` is a command of its own), outside quotes.
fn simple_commands(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut single, mut double, mut escaped) = (false, false, false);
    let mut prev = ' ';
    for c in line.chars() {
        let before = std::mem::replace(&mut prev, c);
        if escaped {
            escaped = false;
            cur.push(c);
            continue;
        }
        match c {
            '\\' if !single => {
                escaped = true;
                cur.push(c);
            }
            '\'' if !double => {
                single = !single;
                cur.push(c);
            }
            '"' if !single => {
                double = !double;
                cur.push(c);
            }
            // `2>&1` and `<&3` are redirections, not separators.
            '&' if matches!(before, '>' | '<') => cur.push(c),
            ';' | '&' | '|' | '(' | ')' if !single && !double => {
                out.push(std::mem::take(&mut cur));
            }
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.retain(|c| !c.trim().is_empty());
    out
}

/// The re-parsing command a line mentions, read crudely (whitespace-split
/// words, quotes left on): for commands shlex cannot split.
fn mentions_reparser(cmd: &str) -> Option<String> {
    cmd.split_whitespace()
        .map(|w| base(w.trim_matches(['\'', '"'])))
        .find(|w| ["ssh", "eval", "su", "runuser", "watch"].contains(w) || SHELLS.contains(w))
        .map(|w| format!("{w} (in a command warroom could not split into words)"))
}

fn words(cmd: &str) -> Option<Vec<String>> {
    shlex::split(cmd).filter(|w| !w.is_empty())
}

fn base(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish"];

/// Skip wrappers that run their argument vector directly (`sudo -u x`,
/// `env A=b`, `timeout 30`, `nice -n 5`, `nohup`, `exec`, `time`,
/// `command`) and leading assignments; the index of the real command.
fn command_start(words: &[String]) -> usize {
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        if is_assignment(w) {
            i += 1;
            continue;
        }
        let with_arg: &[&str] = match base(w) {
            "sudo" => &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"],
            "env" => &["-u", "-C", "-S"],
            "nice" => &["-n"],
            "timeout" => &["-s", "-k"],
            "nohup" | "exec" | "time" | "command" | "stdbuf" | "setsid" => &[],
            _ => return i,
        };
        let wrapper = base(w);
        i += 1;
        while i < words.len() {
            let a = words[i].as_str();
            if with_arg.contains(&a) {
                i += 2;
            } else if a.starts_with('-') || (wrapper == "env" && is_assignment(a)) {
                i += 1;
            } else {
                break;
            }
        }
        // `timeout DURATION CMD…`
        if wrapper == "timeout" && i < words.len() {
            i += 1;
        }
    }
    i
}

fn is_assignment(w: &str) -> bool {
    w.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty()
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !k.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// The words of one simple command that a second shell parses, with what
/// parses them.
fn reparsed_words(words: &[String]) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    let start = command_start(words);
    let Some(cmd) = words.get(start) else {
        return out;
    };
    let rest = &words[start + 1..];
    match base(cmd) {
        "eval" => out.extend(rest.iter().map(|w| (w.as_str(), "eval".to_string()))),
        "ssh" => {
            // Options with an argument; the first other word is the
            // destination, everything after it the remote command line.
            const WITH_ARG: &str = "BbcDEeFIiJLlmOoPpQRSWw";
            let mut i = 0;
            while i < rest.len() {
                let w = rest[i].as_str();
                if w == "--" {
                    i += 1;
                    break;
                }
                match w.strip_prefix('-') {
                    Some(flags) if !flags.is_empty() => {
                        // `-p 22` vs `-p22` / `-vp 22`.
                        let takes = flags
                            .char_indices()
                            .find(|(_, c)| WITH_ARG.contains(*c))
                            .is_some_and(|(at, _)| at + 1 == flags.len());
                        i += if takes { 2 } else { 1 };
                    }
                    _ => break,
                }
            }
            out.extend(
                rest.iter()
                    .skip(i + 1)
                    .map(|w| (w.as_str(), "ssh (the remote shell)".to_string())),
            );
        }
        "su" | "runuser" => {
            for (i, w) in rest.iter().enumerate() {
                if w.starts_with("--command=") {
                    out.push((w.as_str(), format!("{} -c", base(cmd))));
                } else if (w == "-c" || w == "--command")
                    && let Some(script) = rest.get(i + 1)
                {
                    out.push((script.as_str(), format!("{} -c", base(cmd))));
                }
            }
        }
        "watch" => out.extend(
            rest.iter()
                .skip_while(|w| w.starts_with('-'))
                .map(|w| (w.as_str(), "watch (runs sh -c)".to_string())),
        ),
        _ => {}
    }
    // A shell with `-c` anywhere in the command (`bash -c`, `sudo sh -c`,
    // `kubectl exec pod -- sh -c`, `docker exec c bash -lc`, `xargs sh -c`):
    // the word after the flags is its script; later words are its `$0`,
    // `$1`… and stay single words.
    for (i, w) in words.iter().enumerate() {
        if !SHELLS.contains(&base(w)) {
            continue;
        }
        let mut j = i + 1;
        let mut has_c = false;
        while let Some(f) = words.get(j) {
            match f.strip_prefix('-') {
                Some(flags) if !flags.is_empty() && !flags.starts_with('-') => {
                    has_c |= flags.contains('c');
                    j += 1;
                }
                _ => break,
            }
        }
        if has_c && let Some(script) = words.get(j) {
            out.push((script.as_str(), format!("{} -c", base(w))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(name: &str, regex: Option<&str>) -> Param {
        Param {
            name: name.into(),
            description: String::new(),
            required: true,
            default: None,
            regex: regex.map(Into::into),
            secret: false,
            label: None,
        }
    }

    fn flagged(body: &str, params: &[Param]) -> Vec<(usize, String, String)> {
        reparsed_refs(body, params)
            .into_iter()
            .map(|r| (r.line, r.param, r.via))
            .collect()
    }

    #[test]
    fn a_remote_command_line_is_parsed_again_but_the_destination_is_not() {
        let ps = [param("host", None), param("unit", None)];
        let got = flagged(
            "ssh -p 2222 -o BatchMode=yes {{host}} sudo systemctl restart {{unit}}",
            &ps,
        );
        assert_eq!(
            got,
            vec![(0, "unit".into(), "ssh (the remote shell)".into())]
        );
        // Wrapped, continued over lines, after a pipe.
        let got = flagged(
            "echo start\ntimeout 30 \\\n  ssh {{host}} \\\n  journalctl -u {{unit}} | tail",
            &ps,
        );
        assert_eq!(
            got,
            vec![(1, "unit".into(), "ssh (the remote shell)".into())]
        );
    }

    #[test]
    fn shell_scripts_and_eval_are_flagged_positional_arguments_are_not() {
        let ps = [param("db", None)];
        assert_eq!(
            flagged("kubectl exec -n shop pg-0 -- bash -lc {{db}}", &ps)[0].2,
            "bash -c"
        );
        assert_eq!(flagged("sudo -u postgres sh -c {{db}}", &ps)[0].2, "sh -c");
        assert_eq!(flagged("eval {{db}}", &ps)[0].2, "eval");
        assert_eq!(flagged("su postgres -c {{db}}", &ps)[0].2, "su -c");
        assert_eq!(
            flagged("watch -n 5 psql {{db}}", &ps)[0].2,
            "watch (runs sh -c)"
        );
        // The safe pattern: the script is fixed, the value is `$1`.
        assert!(flagged(r#"bash -c 'psql -d "$1" -c "select 1"' _ {{db}}"#, &ps).is_empty());
        // Wrappers that exec their arguments are looked through.
        for wrapped in [
            "sudo -u postgres ssh h psql {{db}}",
            "env A=b nice -n 5 nohup ssh h psql {{db}}",
            "exec timeout -s KILL 30 ssh h psql {{db}}",
        ] {
            assert_eq!(flagged(wrapped, &ps).len(), 1, "{wrapped}");
        }
        // A command shlex cannot split still counts when it names ssh.
        let got = flagged("echo $'it\\'s'; ssh h restart {{db}}", &ps);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].2.starts_with("ssh (in a command"), "{got:?}");
        // Ordinary commands, comments, and a plain ssh session.
        assert!(
            flagged(
                "pg_dump -d {{db}} | gzip > /tmp/x\n# ssh host {{db}}\nssh {{db}}",
                &ps
            )
            .is_empty()
        );
    }

    #[test]
    fn a_regex_without_shell_metacharacters_makes_the_value_safe() {
        for safe in [
            "[a-z0-9-]+",
            "[A-Za-z0-9._/-]+",
            r"\d+",
            "web|api|worker",
            "[a-z]{1,20}",
        ] {
            assert!(admits_no_special(safe), "{safe}");
            let ps = [param("unit", Some(safe))];
            assert!(
                flagged("ssh db-1 systemctl restart {{unit}}", &ps).is_empty(),
                "{safe}"
            );
        }
        for unsafe_ in [
            ".*",
            r"\S+",
            "[^/]+",
            "[a-z ]+",
            "[a-z;]+",
            r"\w+|\$\(.*\)",
            "x(",
            "a;b",
        ] {
            assert!(!admits_no_special(unsafe_), "{unsafe_}");
        }
    }
}
