//! Command templates and running them.
//!
//! Templates (`restore`, `verify`, `pre_restore`) come from the operator's config
//! and are trusted; every value substituted into them (file names, snapshot ids,
//! targets) is not, so each one is shell-quoted before it reaches `bash -c`.

use crate::action::Progress;
use std::path::Path;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};

/// A template names a placeholder warroom does not fill (a typo must not run
/// a half-filled command).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown placeholder {{{placeholder}}} in `{template}` (known: {})",
    known.iter().map(|k| format!("{{{k}}}")).collect::<Vec<_>>().join(" ")
)]
pub struct TemplateError {
    pub placeholder: String,
    pub template: String,
    /// The placeholders that exist, without braces.
    pub known: Vec<String>,
}

/// Why a command did not succeed. The exit code is data (`None`: killed by
/// a signal), the last lines of stderr are what the operator reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("cannot start bash: {reason}")]
    Spawn { reason: String },
    #[error("waiting for command: {reason}")]
    Wait { reason: String },
    #[error(
        "{}{}",
        exit_code.map(|c| format!("exit code {c}")).unwrap_or_else(|| "killed by a signal".into()),
        if stderr.is_empty() { String::new() } else { format!(": {stderr}") }
    )]
    Failed {
        exit_code: Option<i32>,
        stderr: String,
    },
}

impl CommandError {
    /// The command's exit code, when it ran and exited.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Self::Failed { exit_code, .. } => *exit_code,
            _ => None,
        }
    }
}

/// A command an action ran failed.
impl From<CommandError> for crate::action::ActionError {
    fn from(e: CommandError) -> Self {
        Self::Command {
            message: e.to_string(),
            exit_code: e.exit_code(),
        }
    }
}

/// Replace each `{name}` in `template` with the shell-quoted value of `name`.
/// An unknown placeholder is an error (a typo must not run a half-filled command).
pub fn render(template: &str, vars: &[(&str, &str)]) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let key = &after[..end];
        let shell_var = out.ends_with('$');
        let is_name = !shell_var
            && !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_name {
            // Shell syntax such as `${VAR}` or `{a,b}`: leave it alone.
            out.push('{');
            rest = after;
            continue;
        }
        let value = vars
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .ok_or_else(|| TemplateError {
                placeholder: key.to_string(),
                template: template.to_string(),
                known: vars.iter().map(|(k, _)| k.to_string()).collect(),
            })?;
        out.push_str(&quote(value));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Shell-quote one value. NUL cannot be quoted (and cannot be in a path); it
/// becomes an empty string rather than an unquoted value.
pub fn quote(value: &str) -> String {
    shlex::try_quote(value)
        .map(|c| c.into_owned())
        .unwrap_or_else(|_| "''".into())
}

/// Run `bash -c command`, streaming stdout and stderr lines to `progress`.
/// Errors carry the exit status and the last lines of stderr.
pub async fn run_shell(
    command: &str,
    cwd: Option<&Path>,
    env: &[(&str, String)],
    progress: &Progress,
) -> Result<(), CommandError> {
    let mut cmd = tokio::process::Command::new("bash");
    cmd.arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().map_err(|e| CommandError::Spawn {
        reason: e.to_string(),
    })?;
    let out = child.stdout.take().map(BufReader::new);
    let err = child.stderr.take().map(BufReader::new);
    let p1 = progress.clone();
    let out_task = tokio::spawn(async move {
        if let Some(r) = out {
            let mut lines = r.lines();
            while let Ok(Some(l)) = lines.next_line().await {
                p1.line(l);
            }
        }
    });
    let p2 = progress.clone();
    let err_task = tokio::spawn(async move {
        let mut tail: Vec<String> = Vec::new();
        if let Some(r) = err {
            let mut lines = r.lines();
            while let Ok(Some(l)) = lines.next_line().await {
                p2.line(l.clone());
                tail.push(l);
                if tail.len() > 5 {
                    tail.remove(0);
                }
            }
        }
        tail
    });
    let status = child.wait().await.map_err(|e| CommandError::Wait {
        reason: e.to_string(),
    })?;
    let _ = out_task.await;
    let tail = err_task.await.unwrap_or_default();
    progress.exit_code(status.code());
    if status.success() {
        Ok(())
    } else {
        Err(CommandError::Failed {
            exit_code: status.code(),
            stderr: crate::text::truncate(&tail.join(" / "), 400).into_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_and_templates_are_not() {
        let cmd = render(
            "gunzip -c {path} | psql -d shop && echo ${HOME} {a,b}",
            &[("path", "/b/app 1;touch pwned$(id).sql.gz")],
        )
        .unwrap();
        assert_eq!(
            cmd,
            "gunzip -c '/b/app 1;touch pwned$(id).sql.gz' | psql -d shop && echo ${HOME} {a,b}"
        );
        let words = shlex::split(&cmd).unwrap();
        assert_eq!(words[2], "/b/app 1;touch pwned$(id).sql.gz");
        let e = render("restore {pth}", &[("path", "x")]).unwrap_err();
        assert_eq!(e.placeholder, "pth");
        assert_eq!(
            e.to_string(),
            "unknown placeholder {pth} in `restore {pth}` (known: {path})"
        );
        assert_eq!(render("plain", &[]).unwrap(), "plain");
        assert_eq!(render("x {path", &[("path", "y")]).unwrap(), "x {path");
    }

    #[tokio::test]
    async fn a_hostile_file_name_never_runs_as_a_command() {
        let dir = tempfile::tempdir().unwrap();
        let evil = "x;touch pwned";
        std::fs::write(dir.path().join(evil), "data").unwrap();
        for tpl in [
            "cat {path}",
            "cat \"$(echo {path})\"",
            "test -f {path} && cat {path}",
        ] {
            let cmd = render(tpl, &[("path", evil)]).unwrap();
            let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let l2 = lines.clone();
            let progress = Progress::new(move |l| l2.lock().unwrap().push(l));
            run_shell(&cmd, Some(dir.path()), &[], &progress)
                .await
                .unwrap_or_else(|e| panic!("{tpl}: {e}"));
            assert!(!dir.path().join("pwned").exists(), "{tpl} ran touch");
            assert_eq!(lines.lock().unwrap().as_slice(), ["data"], "{tpl}");
        }
        let err = run_shell("echo boom >&2; exit 3", None, &[], &Progress::discard())
            .await
            .unwrap_err();
        assert_eq!(
            err,
            CommandError::Failed {
                exit_code: Some(3),
                stderr: "boom".into()
            }
        );
        assert_eq!(err.to_string(), "exit code 3: boom");
        assert_eq!(
            crate::action::ActionError::from(err),
            crate::action::ActionError::Command {
                message: "exit code 3: boom".into(),
                exit_code: Some(3)
            }
        );
        let err = run_shell("kill -9 $$", None, &[], &Progress::discard())
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), None);
        assert_eq!(err.to_string(), "killed by a signal");
    }
}
