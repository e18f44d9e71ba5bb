//! When whoever reads warroom's output goes away — `warroom report | head`,
//! a killed tmux pane, a dropped SSH session — warroom ends quietly with
//! exit status 74 (EX_IOERR): no panic, its journal intact and resumable.

use super::{Env, QUIET};
use crate::isolated;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const GONE: i32 = 74;
/// The exit status of a Rust program that panicked.
const PANICKED: i32 = 101;

/// A pipe whose reading end is already closed: every write is EPIPE.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    writer
}

/// Every line warroom logged (its log goes to `DATA/logs`).
fn log_text(env: &Env) -> String {
    let dir = env.path().join("data/logs");
    let mut text = String::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
    }
    text
}

fn wait(child: &mut Child, within: Duration) -> ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("warroom did not end within {within:?} after its output went away");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One step that appends to `mark`, so a test can count its runs.
fn runbook(mark: &std::path::Path) -> String {
    format!(
        "---\ntitle: Gone\n---\n# Gone\n\n## Write a mark\n\n```sh\necho done >> '{}'\n```\n",
        mark.display()
    )
}

#[test]
fn a_closed_stdout_ends_each_headless_command_quietly() {
    let env = Env::new(QUIET);
    let mark = env.path().join("mark");
    let file = env.path().join("gone.md");
    std::fs::write(&file, runbook(&mark)).unwrap();
    let runbook = file.to_str().unwrap();
    for args in [
        &["--demo", "report"][..],
        &["--demo", "report", "--format", "json"],
        &["doctor"],
        &["config", "path"],
        &["runbook", "lint", runbook],
        &[
            "--demo",
            "action",
            "restart",
            "container/toolboxai-backend-1",
            "--dry-run",
        ],
        &["runbook", "run", runbook, "--yes"],
    ] {
        let out = isolated::warroom(env.path())
            .args(args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(GONE), "{args:?}: {stderr}");
        // Quiet: `| head` is normal use, not an error to report.
        assert!(stderr.is_empty(), "{args:?} said: {stderr}");
    }

    // The run whose stdout went away before its first step is open, its
    // journal intact: --resume runs the step, once.
    let out = env.run(&["runbook", "run", runbook, "--resume", "--yes"]);
    assert!(out.status.success(), "{}", crate::output::text(&out));
    let marks = std::fs::read_to_string(&mark).unwrap_or_default();
    assert_eq!(marks, "done\n", "the step ran once");
}

#[test]
fn closed_stdout_and_stderr_end_an_error_quietly_not_in_a_panic() {
    let env = Env::new(QUIET);
    let out = isolated::warroom(env.path())
        .args(["runbook", "lint", "/nonexistent/runbook.md"])
        .stdout(closed_pipe())
        .stderr(closed_pipe())
        .status()
        .unwrap();
    assert_eq!(out.code(), Some(GONE), "not {PANICKED}: a panic");
}

/// A pseudo-terminal: (master, slave), 80x24.
fn pty() -> (std::fs::File, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two fds into the given ints; nothing else is
    // passed but the size, which it only reads.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    for fd in [master, slave] {
        // openpty's fds are inherited by children unless marked: a master
        // the console inherited would keep its own terminal alive.
        // SAFETY: fcntl on an fd just opened, with a plain flag.
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
    }
    // SAFETY: both fds were just opened by openpty and are owned here alone.
    unsafe {
        (
            std::fs::File::from_raw_fd(master),
            OwnedFd::from_raw_fd(slave),
        )
    }
}

/// Read `master` until `want` shows up (or fail after `within`).
fn read_until(master: &mut std::fs::File, want: &str, within: Duration) {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        let mut poll = libc::pollfd {
            fd: master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, for at most 100 ms.
        if unsafe { libc::poll(&mut poll, 1, 100) } > 0 {
            let n = master.read(&mut buf).unwrap_or(0);
            seen.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&seen).contains(want) {
                return;
            }
        }
    }
    panic!(
        "no {want:?} on the terminal within {within:?}: {}",
        String::from_utf8_lossy(&seen)
    );
}

/// The console's terminal is killed under it (the pty's master closes, as
/// when tmux kills the pane): at its next frame warroom ends with 74, and
/// logs why, without a panic. Keys come from a second pty that stays open,
/// so it is the failed write that ends it, not the end of input.
#[test]
fn the_console_ends_quietly_when_its_terminal_goes_away() {
    let env = Env::new(QUIET);
    let (mut keys, keys_slave) = pty();
    let (mut screen, screen_slave) = pty();
    let mut cmd = isolated::warroom(env.path());
    cmd.arg("--demo")
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(keys_slave))
        .stdout(Stdio::from(screen_slave.try_clone().unwrap()))
        .stderr(Stdio::from(screen_slave));
    // SAFETY: setsid is async-signal-safe. A new session has no controlling
    // terminal, so nothing of the test's own terminal reaches warroom and no
    // SIGHUP ends it before it writes.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child: Child = cmd.spawn().expect("start the console");
    read_until(&mut screen, "DEMO", Duration::from_secs(30));
    drop(screen);
    keys.write_all(b"2").unwrap();
    let status = wait(&mut child, Duration::from_secs(20));
    let log = log_text(&env);
    assert_eq!(status.code(), Some(GONE), "log:\n{log}");
    assert!(!log.contains("panic"), "log:\n{log}");
    assert!(log.contains("the terminal is gone"), "log:\n{log}");
}
