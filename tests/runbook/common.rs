use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A scratch dir holding runbooks, markers, and the data dir (journals, audit).
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn data(&self) -> PathBuf {
        self.path().join("data")
    }

    pub fn journals(&self) -> PathBuf {
        self.data().join("journals")
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    /// `warroom ARGS` with the data dir inside the scratch dir, no TTY on stdin.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_warroom"));
        c.args(args)
            .current_dir(self.path())
            .env("WARROOM_DATA_DIR", self.data())
            .env("WARROOM_CONFIG", self.path().join("no-config.toml"))
            .env("WARROOM_USER", "tester")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Out {
        let o = self.cmd(args).output().expect("run warroom");
        Out(o)
    }
}

pub struct Out(pub Output);

impl Out {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    pub fn all(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout(), self.stderr())
    }
}

/// Wait until `cond` holds (polling), or panic with `what`.
pub fn wait_for(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < end {
        if cond() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

/// The pid a step's shell wrote (`echo $$ > FILE`), once the whole line is there.
pub fn step_pid(what: &str, pidfile: &std::path::Path) -> i32 {
    wait_for(what, 60, || {
        std::fs::read_to_string(pidfile).is_ok_and(|s| s.ends_with('\n'))
    });
    std::fs::read_to_string(pidfile)
        .unwrap()
        .trim()
        .parse()
        .expect("a pid in the pid file")
}

/// Kills a process group on drop (a step's shell left behind by kill -9).
pub struct GroupGuard(pub Option<i32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // SAFETY: signalling a process group this test started.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
    }
}

/// Live members of process group `pgrp`. Killed processes may linger as
/// zombies until their new parent reaps them: those do not count.
pub fn live_group(pgrp: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let rest = stat.rsplit_once(") ").map(|(_, r)| r)?;
            let f: Vec<&str> = rest.split_whitespace().collect();
            (f.len() > 2 && f[2] == pgrp.to_string() && f[0] != "Z" && f[0] != "X").then_some(pid)
        })
        .collect()
}
