//! A real restic repository: snapshots with times and sizes, `check` shown as
//! the verification, a wrong password as a clear error, restore to a target.

use crate::support::{actions, capture, config};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use warroom::action::{ActionError, ActionSpec, Confirm};
use warroom::source::Report;
use warroom::source::{SourceStatus, WorkerCtx};

struct Repo {
    dir: tempfile::TempDir,
    /// restic's repository id: warroom's own restic runs cache under it.
    id: String,
}

impl Drop for Repo {
    fn drop(&mut self) {
        // warroom runs restic with the user's default cache; remove what this
        // throwaway repository left there.
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
        if let Some(b) = base
            && !self.id.is_empty()
        {
            let _ = std::fs::remove_dir_all(b.join("restic").join(&self.id));
        }
    }
}

impl Repo {
    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    fn password_file(&self) -> PathBuf {
        self.dir.path().join("password")
    }
    fn files(&self) -> PathBuf {
        self.dir.path().join("files")
    }

    fn restic(&self, args: &[&str]) -> String {
        let out = Command::new("restic")
            .args(args)
            .env("RESTIC_REPOSITORY", self.repo())
            .env("RESTIC_PASSWORD_FILE", self.password_file())
            .env("RESTIC_CACHE_DIR", self.dir.path().join("cache"))
            .output()
            .unwrap_or_else(|e| {
                panic!("restic is not installed ({e}); .ci/setup.d/backups.sh installs it")
            });
        assert!(
            out.status.success(),
            "restic {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A repository with two snapshots of a small file tree.
    fn new() -> Self {
        let mut r = Repo {
            dir: tempfile::tempdir().unwrap(),
            id: String::new(),
        };
        std::fs::write(r.password_file(), "correct horse battery staple\n").unwrap();
        std::fs::create_dir_all(r.files().join("invoices")).unwrap();
        std::fs::write(
            r.files().join("invoices/2026-01.csv"),
            "id,total\n1,12.50\n",
        )
        .unwrap();
        r.restic(&["init"]);
        let conf: serde_json::Value = serde_json::from_str(&r.restic(&["cat", "config"])).unwrap();
        r.id = conf["id"].as_str().unwrap_or_default().to_string();
        r.restic(&["backup", "--host", "files-1", r.files().to_str().unwrap()]);
        std::fs::write(
            r.files().join("invoices/2026-02.csv"),
            "id,total\n2,99.00\n".repeat(500),
        )
        .unwrap();
        r.restic(&["backup", "--host", "files-1", r.files().to_str().unwrap()]);
        r
    }

    fn config(&self, password_file: &Path, extra: &str) -> String {
        format!(
            "[[backups]]\nname = \"files\"\nkind = \"restic\"\nrepository = {:?}\npassword_file = {:?}\nrpo = \"4h\"\n{extra}\n",
            self.repo().display().to_string(),
            password_file.display().to_string()
        )
    }
}

/// Run the source's worker until it reports data or a settled failure.
async fn first_report(
    cfg_text: &str,
    data: &Path,
) -> (Option<warroom::backups::model::SourceData>, SourceStatus) {
    let cfg = config(cfg_text);
    let mut backend = warroom::backups::live_with(&cfg, data);
    let worker = backend.workers.remove(0);
    let (ctx, mut rx, _ctx_tx) = WorkerCtx::detached(64);
    let task = tokio::spawn(worker.run(ctx));
    let mut got = None;
    let result = loop {
        let u = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("restic worker reported nothing within 60s")
            .expect("channel closed");
        match u {
            Report::Data(warroom::backups::Update::Source(d)) => got = Some(*d),
            Report::Status {
                status: SourceStatus::Loading,
                ..
            } => {}
            Report::Status { status, .. } => break (got, status),
        }
    };
    task.abort();
    result
}

#[tokio::test]
async fn snapshots_are_listed_with_times_sizes_and_the_check_result() {
    let repo = Repo::new();
    let data = tempfile::tempdir().unwrap();
    let started = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(5);
    let (scan, status) = first_report(&repo.config(&repo.password_file(), ""), data.path()).await;
    assert!(
        matches!(status, SourceStatus::Connected { .. }),
        "{status:?}"
    );
    let scan = scan.expect("data before Connected");
    assert_eq!(scan.points.len(), 2, "{:?}", scan.points);
    for p in &scan.points {
        assert!(
            p.time > started && p.time <= jiff::Timestamp::now(),
            "{p:?}"
        );
        assert_eq!(p.id.len(), 8, "short snapshot id: {}", p.id);
        assert!(
            p.size.is_some_and(|s| s > 0),
            "size from restic stats: {p:?}"
        );
    }
    // The second snapshot holds the extra file: it restores to more bytes.
    assert!(
        scan.points[0].size > scan.points[1].size,
        "{:?}",
        scan.points
    );
    let v = scan
        .verification
        .clone()
        .expect("restic check ran and was recorded");
    assert!(v.ok, "{v:?}");
    assert!(v.message.contains("no errors"), "{}", v.message);
    let sum = scan.summary(jiff::Timestamp::now());
    assert_eq!(sum.freshness, warroom::backups::model::Freshness::Ok);
}

#[tokio::test]
async fn a_wrong_password_or_missing_repository_is_a_clear_error() {
    let repo = Repo::new();
    let data = tempfile::tempdir().unwrap();
    let wrong = repo.dir.path().join("wrong-password");
    std::fs::write(&wrong, "hunter2\n").unwrap();
    let (scan, status) = first_report(&repo.config(&wrong, ""), data.path()).await;
    assert!(scan.is_none());
    match status {
        SourceStatus::Unreachable { reason, hint } => {
            assert!(reason.contains("wrong restic password"), "{reason}");
            assert!(
                reason.contains(wrong.to_str().unwrap()),
                "names the file: {reason}"
            );
            assert!(!reason.contains("hunter2"), "never the secret");
            assert!(hint.contains("password_file"), "{hint}");
        }
        other => panic!("expected unreachable, got {other:?}"),
    }
    let text = format!(
        "[[backups]]\nname = \"files\"\nkind = \"restic\"\nrepository = {:?}\npassword_file = {:?}\nrpo = \"4h\"\n",
        repo.dir.path().join("nothing-here").display().to_string(),
        repo.password_file().display().to_string()
    );
    let (_, status) = first_report(&text, data.path()).await;
    assert!(
        matches!(&status, SourceStatus::Unreachable { reason, .. } if reason.contains("no restic repository at")),
        "{status:?}"
    );
}

#[tokio::test]
async fn restore_brings_the_files_back_and_check_verifies_the_repository() {
    let repo = Repo::new();
    let data = tempfile::tempdir().unwrap();
    let target = repo.dir.path().join("restored");
    let cfg = config(&repo.config(
        &repo.password_file(),
        &format!(
            "target = {:?}\nread_data_subset = \"50%\"",
            target.display().to_string()
        ),
    ));
    let door = actions(&cfg, data.path());

    let spec = ActionSpec::Restore {
        source: "files".into(),
        point: None,
    };
    let preview = door.preview(&spec).await.unwrap();
    assert_eq!(preview.confirm, Confirm::Typed("files".into()));
    let text = preview.to_text();
    assert!(
        text.contains("restic restore ") && text.contains("--target"),
        "{text}"
    );
    let (progress, lines) = capture();
    let outcome = door
        .execute(&spec, &preview, "test", progress)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", lines.lock().unwrap().join("\n")));
    assert!(outcome.restore_point_time.is_some());
    let restored = target.join(repo.files().strip_prefix("/").unwrap());
    assert_eq!(
        std::fs::read_to_string(restored.join("invoices/2026-01.csv")).unwrap(),
        "id,total\n1,12.50\n"
    );
    assert!(
        restored.join("invoices/2026-02.csv").exists(),
        "newest snapshot restored"
    );

    let verify = ActionSpec::VerifyBackup {
        source: "files".into(),
        point: None,
    };
    let pv = door.preview(&verify).await.unwrap();
    assert!(
        pv.to_text().contains("--read-data-subset=50%"),
        "{}",
        pv.to_text()
    );
    let ok = door
        .execute(&verify, &pv, "test", capture().0)
        .await
        .unwrap();
    assert!(ok.summary.contains("no errors"), "{}", ok.summary);

    // Bit rot: flip bytes inside every pack, keeping the sizes (a truncated
    // pack is an I/O error restic 0.14 retries with backoff for up to ~90 s;
    // a flipped byte is a hash mismatch it reports at once). Check must fail
    // and say so.
    let packs = walk(&repo.repo().join("data"));
    assert!(!packs.is_empty(), "packs written");
    for pack in packs {
        let mut bytes = std::fs::read(&pack).unwrap();
        let mid = bytes.len() / 2;
        for b in bytes.iter_mut().skip(mid).take(16) {
            *b ^= 0xff;
        }
        // restic writes packs read-only.
        let mut perm = std::fs::metadata(&pack).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perm.set_readonly(false);
        std::fs::set_permissions(&pack, perm).unwrap();
        std::fs::write(&pack, bytes).unwrap();
    }
    let pv = door.preview(&verify).await.unwrap();
    let err = door
        .execute(&verify, &pv, "test", capture().0)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ActionError::Command {
                exit_code: Some(1),
                ..
            }
        ),
        "restic check exits 1 on damage: {err:?}"
    );
    assert!(
        err.to_string().contains("restic check found problems"),
        "{err}"
    );
    let v = warroom::backups::store::VerificationStore::new(data.path())
        .get("files")
        .unwrap();
    assert!(!v.ok);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
