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

pub fn parse_snapshots(json: &str) -> Result<Vec<RestorePoint>, String> {
    if json.trim() == "null" {
        return Ok(Vec::new());
    }
    let snaps: Vec<Snapshot> = serde_json::from_str(json.trim())
        .map_err(|e| format!("unexpected `restic snapshots --json` output: {e}"))?;
    let mut out = Vec::with_capacity(snaps.len());
    for s in snaps {
        let time: Timestamp = s
            .time
            .parse()
            .map_err(|e| format!("snapshot {}: bad time {:?}: {e}", s.id, s.time))?;
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
pub fn parse_stats(json: &str) -> Result<u64, String> {
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
        .map_err(|e| format!("unexpected `restic stats --json` output: {e}"))
}

impl Restic {
    /// Turn restic's exit code and stderr into an error an operator can act on.
    /// restic ≥ 0.17 has dedicated exit codes; older versions (Debian 12 ships
    /// 0.14) only say it in the message, so both are recognised.
    pub fn classify(&self, code: Option<i32>, stderr: &str) -> String {
        let lower = stderr.to_ascii_lowercase();
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let last = crate::text::sanitize(last);
        if code == Some(12) || lower.contains("wrong password") {
            format!(
                "wrong restic password for {} (check password_file {})",
                self.repository,
                self.password_file.display()
            )
        } else if code == Some(10)
            || lower.contains("is there a repository at the following location")
            || lower.contains("repository does not exist")
        {
            format!(
                "no restic repository at {} (check `repository`, or `restic init` it)",
                self.repository
            )
        } else if code == Some(11)
            || lower.contains("unable to create lock")
            || lower.contains("already locked")
        {
            format!(
                "restic repository {} is locked by another process ({last}); `restic unlock` if it is stale",
                self.repository
            )
        } else if lower.contains("reading password from file")
            || lower.contains("no such file") && lower.contains("password")
        {
            format!(
                "cannot read restic password_file {}: {last}",
                self.password_file.display()
            )
        } else {
            let code = code
                .map(|c| format!("exit code {c}"))
                .unwrap_or_else(|| "killed".into());
            format!("restic failed ({code}): {last}")
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
    pub async fn run(&self, args: &[&str]) -> Result<String, String> {
        let out = self.command().args(args).output().await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                "restic is not installed (apt-get install restic)".to_string()
            } else {
                format!("cannot run restic: {e}")
            }
        })?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(self.classify(out.status.code(), &String::from_utf8_lossy(&out.stderr)))
        }
    }

    pub async fn snapshots(&self) -> Result<Vec<RestorePoint>, String> {
        parse_snapshots(&self.run(&["snapshots", "--json", "--no-lock"]).await?)
    }

    /// Restore size of one snapshot.
    pub async fn snapshot_size(&self, id: &str) -> Result<u64, String> {
        parse_stats(&self.run(&["stats", "--json", "--no-lock", id]).await?)
    }

    /// `restic check` (optionally reading a subset of the data). `Ok` is
    /// restic's own summary line.
    pub async fn check(&self, subset: Option<&str>) -> Result<String, String> {
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
            .map_err(|e| format!("cannot run restic: {e}"))?;
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
            let classified = self.classify(out.status.code(), &stderr);
            if !classified.starts_with("restic failed") {
                return Err(classified);
            }
            let detail: Vec<&str> = stdout
                .lines()
                .chain(stderr.lines())
                .filter(|l| l.contains("error") || l.contains("Fatal"))
                .take(3)
                .collect();
            Err(format!(
                "restic check found problems in {}: {}",
                self.repository,
                crate::text::sanitize(&detail.join(" / "))
            ))
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
        assert!(
            parse_snapshots("<html>500</html>")
                .unwrap_err()
                .contains("restic snapshots")
        );
        assert_eq!(parse_snapshots("null").unwrap().len(), 0);
        assert_eq!(
            parse_stats("scanning...\n{\"total_size\":1234,\"total_file_count\":3}\n").unwrap(),
            1234
        );
    }

    #[test]
    fn exit_codes_and_messages_become_clear_errors() {
        let r = Restic {
            repository: "/srv/restic".into(),
            password_file: "/run/secrets/restic".into(),
        };
        assert!(r.classify(Some(12), "").contains("wrong restic password"));
        assert!(
            r.classify(Some(1), "Fatal: wrong password or no key found\n")
                .contains("check password_file /run/secrets/restic")
        );
        assert!(
            r.classify(Some(10), "")
                .contains("no restic repository at /srv/restic")
        );
        assert!(
            r.classify(Some(11), "unable to create lock")
                .contains("locked")
        );
        assert!(
            r.classify(Some(3), "Fatal: \x1b[31mboom\n")
                .contains("exit code 3")
        );
        assert!(
            !r.classify(Some(3), "Fatal: \x1b[31mboom\n")
                .contains('\x1b')
        );
    }
}
