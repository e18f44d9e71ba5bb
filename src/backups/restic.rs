//! `kind = "restic"`: a restic repository, read through the `restic` binary.

use super::model::RestorePoint;
use jiff::Timestamp;
use std::path::PathBuf;
use std::process::Stdio;

/// How to reach one repository. The password is never read by warroom: restic
/// reads the file itself (`RESTIC_PASSWORD_FILE`).
#[derive(Debug, Clone, PartialEq)]
pub struct Restic {
    pub repository: String,
    pub password_file: PathBuf,
}

/// One line of `restic snapshots --json`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Snapshot {
    pub time: String,
    pub id: String,
    #[serde(default)]
    pub short_id: String,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub hostname: String,
    /// restic ≥ 0.17 includes the backup summary (sizes) in the listing.
    #[serde(default)]
    pub summary: Option<SnapshotSummary>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct SnapshotSummary {
    #[serde(default)]
    pub total_bytes_processed: Option<u64>,
}

/// Why restic could not be run or what it refused. restic's exit code and
/// the last line of its stderr are kept as data; the variant says what the
/// operator should fix ([`ResticError::hint`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResticError {
    #[error("restic is not installed (apt-get install restic)")]
    NotInstalled,
    #[error("cannot run restic: {reason}")]
    Spawn { reason: String },
    #[error(
        "wrong restic password for {repository} (check password_file {})",
        password_file.display()
    )]
    WrongPassword {
        repository: String,
        password_file: PathBuf,
        exit_code: Option<i32>,
    },
    #[error("no restic repository at {repository} (check `repository`, or `restic init` it)")]
    NoRepository {
        repository: String,
        exit_code: Option<i32>,
    },
    #[error(
        "restic repository {repository} is locked by another process ({stderr}); `restic unlock` if it is stale"
    )]
    Locked {
        repository: String,
        exit_code: Option<i32>,
        stderr: String,
    },
    #[error("cannot read restic password_file {}: {stderr}", password_file.display())]
    PasswordFile {
        password_file: PathBuf,
        exit_code: Option<i32>,
        stderr: String,
    },
    /// Any other failure: the exit code (`None`: killed) and stderr's last line.
    #[error("restic failed ({}): {stderr}", exit_text(*exit_code))]
    Failed {
        exit_code: Option<i32>,
        stderr: String,
    },
    /// `restic check` ran and found the repository damaged (exit 1).
    #[error("restic check found problems in {repository}: {detail}")]
    CheckFailed {
        repository: String,
        exit_code: Option<i32>,
        detail: String,
    },
    #[error("unexpected `restic {command} --json` output: {reason}")]
    Output {
        command: &'static str,
        reason: String,
    },
    #[error("snapshot {id}: bad time {time:?}: {reason}")]
    BadTime {
        id: String,
        time: String,
        reason: String,
    },
}

fn exit_text(code: Option<i32>) -> String {
    code.map(|c| format!("exit code {c}"))
        .unwrap_or_else(|| "killed".into())
}

impl ResticError {
    /// restic's exit code, when it ran and exited.
    pub fn exit_code(&self) -> Option<i32> {
        match self {
            Self::WrongPassword { exit_code, .. }
            | Self::NoRepository { exit_code, .. }
            | Self::Locked { exit_code, .. }
            | Self::PasswordFile { exit_code, .. }
            | Self::Failed { exit_code, .. }
            | Self::CheckFailed { exit_code, .. } => *exit_code,
            _ => None,
        }
    }

    /// What to fix, by kind of failure (`None`: nothing more specific than the message).
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::NotInstalled => Some("install restic (apt-get install restic)"),
            Self::WrongPassword { .. } | Self::PasswordFile { .. } => {
                Some("check the source's password_file: restic reads the password from it")
            }
            Self::NoRepository { .. } => Some("check `repository`, or `restic init` it"),
            Self::Locked { .. } => Some("`restic unlock` if the lock is stale"),
            Self::CheckFailed { .. } => {
                Some("the repository is damaged: back up again and see `restic check --read-data`")
            }
            _ => None,
        }
    }
}

/// A restic failure of a preview or an action.
impl From<ResticError> for crate::action::ActionError {
    fn from(e: ResticError) -> Self {
        use crate::action::ActionError;
        let message = e.to_string();
        match e {
            ResticError::NotInstalled | ResticError::Spawn { .. } => {
                ActionError::Unreachable(message)
            }
            ResticError::NoRepository { .. } => ActionError::NotFound(message),
            ResticError::Output { .. } | ResticError::BadTime { .. } => ActionError::Backend {
                message,
                status: None,
            },
            e => ActionError::Command {
                message,
                exit_code: e.exit_code(),
            },
        }
    }
}

pub fn parse_snapshots(json: &str) -> Result<Vec<RestorePoint>, ResticError> {
    if json.trim() == "null" {
        return Ok(Vec::new());
    }
    let snaps: Vec<Snapshot> =
        serde_json::from_str(json.trim()).map_err(|e| ResticError::Output {
            command: "snapshots",
            reason: e.to_string(),
        })?;
    let mut out = Vec::with_capacity(snaps.len());
    for s in snaps {
        let time: Timestamp = s
            .time
            .parse()
            .map_err(|e: jiff::Error| ResticError::BadTime {
                id: s.id.clone(),
                time: s.time.clone(),
                reason: e.to_string(),
            })?;
        let id = if s.short_id.is_empty() {
            s.id.chars().take(8).collect()
        } else {
            s.short_id.clone()
        };
        let mut p = RestorePoint::ok(id, time);
        p.size = s.summary.and_then(|x| x.total_bytes_processed);
        p.message = Some(
            format!("{} {}", s.hostname, s.paths.join(" "))
                .trim()
                .to_string(),
        );
        out.push(p);
    }
    Ok(out)
}

/// `restic stats --json` (restore-size mode).
pub fn parse_stats(json: &str) -> Result<u64, ResticError> {
    #[derive(serde::Deserialize)]
    struct Stats {
        total_size: u64,
    }
    // restic may print progress lines before the JSON object.
    let line = json
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .unwrap_or("");
    serde_json::from_str::<Stats>(line)
        .map(|s| s.total_size)
        .map_err(|e| ResticError::Output {
            command: "stats",
            reason: e.to_string(),
        })
}

fn spawn_error(e: std::io::Error) -> ResticError {
    if e.kind() == std::io::ErrorKind::NotFound {
        ResticError::NotInstalled
    } else {
        ResticError::Spawn {
            reason: e.to_string(),
        }
    }
}

impl Restic {
    /// Turn restic's exit code and stderr into an error an operator can act on.
    /// restic ≥ 0.17 has dedicated exit codes; older versions (Debian 12 ships
    /// 0.14) only say it in the message, so both are recognised.
    pub fn classify(&self, code: Option<i32>, stderr: &str) -> ResticError {
        let lower = stderr.to_ascii_lowercase();
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let last = crate::text::sanitize(last).into_owned();
        if code == Some(12) || lower.contains("wrong password") {
            ResticError::WrongPassword {
                repository: self.repository.clone(),
                password_file: self.password_file.clone(),
                exit_code: code,
            }
        } else if code == Some(10)
            || lower.contains("is there a repository at the following location")
            || lower.contains("repository does not exist")
        {
            ResticError::NoRepository {
                repository: self.repository.clone(),
                exit_code: code,
            }
        } else if code == Some(11)
            || lower.contains("unable to create lock")
            || lower.contains("already locked")
        {
            ResticError::Locked {
                repository: self.repository.clone(),
                exit_code: code,
                stderr: last,
            }
        } else if lower.contains("reading password from file")
            || lower.contains("no such file") && lower.contains("password")
        {
            ResticError::PasswordFile {
                password_file: self.password_file.clone(),
                exit_code: code,
                stderr: last,
            }
        } else {
            ResticError::Failed {
                exit_code: code,
                stderr: last,
            }
        }
    }

    pub fn command(&self) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new("restic");
        cmd.env("RESTIC_REPOSITORY", &self.repository)
            .env("RESTIC_PASSWORD_FILE", &self.password_file)
            .env_remove("RESTIC_PASSWORD")
            .env_remove("RESTIC_PASSWORD_COMMAND")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        cmd
    }

    /// Run `restic ARGS`, returning stdout, or the classified error.
    pub async fn run(&self, args: &[&str]) -> Result<String, ResticError> {
        let out = self
            .command()
            .args(args)
            .output()
            .await
            .map_err(spawn_error)?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(self.classify(out.status.code(), &String::from_utf8_lossy(&out.stderr)))
        }
    }

    pub async fn snapshots(&self) -> Result<Vec<RestorePoint>, ResticError> {
        parse_snapshots(&self.run(&["snapshots", "--json", "--no-lock"]).await?)
    }

    /// Restore size of one snapshot.
    pub async fn snapshot_size(&self, id: &str) -> Result<u64, ResticError> {
        parse_stats(&self.run(&["stats", "--json", "--no-lock", id]).await?)
    }

    /// `restic check` (optionally reading a subset of the data). `Ok` is
    /// restic's own summary line.
    pub async fn check(&self, subset: Option<&str>) -> Result<String, ResticError> {
        let mut args = vec!["check"];
        let flag;
        if let Some(s) = subset {
            flag = format!("--read-data-subset={s}");
            args.push(&flag);
        }
        let out = self
            .command()
            .args(&args)
            .output()
            .await
            .map_err(spawn_error)?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            let last = stdout
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no errors were found");
            Ok(format!(
                "restic check: {}",
                crate::text::sanitize(last.trim())
            ))
        } else {
            // Wrong password, no repository, locked: say that. Any other
            // failure of `check` is what it found wrong with the data.
            let ResticError::Failed { exit_code, .. } = self.classify(out.status.code(), &stderr)
            else {
                return Err(self.classify(out.status.code(), &stderr));
            };
            let detail: Vec<&str> = stdout
                .lines()
                .chain(stderr.lines())
                .filter(|l| l.contains("error") || l.contains("Fatal"))
                .take(3)
                .collect();
            Err(ResticError::CheckFailed {
                repository: self.repository.clone(),
                exit_code,
                detail: crate::text::sanitize(&detail.join(" / ")).into_owned(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_json_parses_with_times_ids_and_new_style_sizes() {
        let json = r#"[
          {"time":"2026-01-31T14:30:00.123456789+01:00","tree":"t","paths":["/srv/files"],
           "hostname":"files-1","username":"root","id":"4f2a9c1e0b7d55aa","short_id":"4f2a9c1e"},
          {"time":"2026-01-31T15:00:00Z","paths":["/srv/files"],"hostname":"files-1",
           "id":"99aa00bbccddeeff","short_id":"99aa00bb","summary":{"total_bytes_processed":5242880}}
        ]"#;
        let pts = parse_snapshots(json).unwrap();
        assert_eq!(pts[0].id, "4f2a9c1e");
        assert_eq!(
            pts[0].time,
            "2026-01-31T13:30:00.123456789Z"
                .parse::<Timestamp>()
                .unwrap()
        );
        assert_eq!(pts[0].size, None);
        assert_eq!(pts[1].size, Some(5_242_880));
        let e = parse_snapshots("<html>500</html>").unwrap_err();
        assert!(
            matches!(
                e,
                ResticError::Output {
                    command: "snapshots",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("restic snapshots"), "{e}");
        assert_eq!(parse_snapshots("null").unwrap().len(), 0);
        assert_eq!(
            parse_stats("scanning...\n{\"total_size\":1234,\"total_file_count\":3}\n").unwrap(),
            1234
        );
    }

    #[test]
    fn exit_codes_and_messages_become_clear_errors_with_the_hint_from_the_variant() {
        use crate::action::ActionError;
        let r = Restic {
            repository: "/srv/restic".into(),
            password_file: "/run/secrets/restic".into(),
        };
        let e = r.classify(Some(12), "");
        assert_eq!(
            e,
            ResticError::WrongPassword {
                repository: "/srv/restic".into(),
                password_file: "/run/secrets/restic".into(),
                exit_code: Some(12),
            }
        );
        assert!(e.to_string().contains("wrong restic password"), "{e}");
        assert!(e.hint().unwrap().contains("password_file"));
        // restic 0.14 says it only in the message, with exit code 1.
        let e = r.classify(Some(1), "Fatal: wrong password or no key found\n");
        assert!(
            matches!(
                e,
                ResticError::WrongPassword {
                    exit_code: Some(1),
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .contains("check password_file /run/secrets/restic"),
            "{e}"
        );
        let e = r.classify(
            Some(1),
            "Fatal: unable to open config file: stat /srv/restic/config: no such file or directory\nIs there a repository at the following location?\n/srv/restic\n",
        );
        assert!(matches!(e, ResticError::NoRepository { .. }), "{e:?}");
        assert!(
            e.to_string()
                .contains("no restic repository at /srv/restic")
        );
        assert!(e.hint().unwrap().contains("restic init"));
        assert!(matches!(ActionError::from(e), ActionError::NotFound(_)));
        let e = r.classify(
            Some(11),
            "unable to create lock in backend: repository is already locked by PID 4711\n",
        );
        assert!(
            matches!(&e, ResticError::Locked { stderr, .. } if stderr.contains("PID 4711")),
            "{e:?}"
        );
        assert!(e.hint().unwrap().contains("restic unlock"));
        let e = r.classify(Some(3), "Fatal: \x1b[31mboom\n");
        assert!(
            matches!(&e, ResticError::Failed { exit_code: Some(3), stderr } if !stderr.contains('\x1b')),
            "{e:?}"
        );
        assert!(e.to_string().contains("exit code 3"), "{e}");
        assert_eq!(e.hint(), None);
        assert_eq!(
            ActionError::from(e),
            ActionError::Command {
                message: "restic failed (exit code 3): Fatal: boom".into(),
                exit_code: Some(3)
            }
        );
        assert!(matches!(
            ActionError::from(ResticError::NotInstalled),
            ActionError::Unreachable(_)
        ));
    }
}
