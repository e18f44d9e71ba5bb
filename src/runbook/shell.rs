//! Running one shell script: `SHELL -c SCRIPT` in its own process group,
//! stdout and stderr streamed line by line (long lines cut), the whole group
//! killed on timeout.

use super::exec::{MAX_OUTPUT, Output};
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// Longest single line streamed to the screen.
const MAX_LINE: usize = 4096;

pub(super) struct ShellRun {
    pub exit: Option<i32>,
    pub output: String,
    pub error: Option<String>,
}

/// `shell -c script` in its own process group; stdout and stderr streamed
/// line by line; the whole group killed on timeout.
pub(super) async fn run_shell(
    shell: &str,
    script: &str,
    timeout: Option<Duration>,
    out: &Output,
) -> ShellRun {
    let mut cmd = tokio::process::Command::new(shell);
    cmd.arg("-c")
        .arg(script)
        .envs(out.env())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    die_with_parent(&mut cmd);
    // Watch for Ctrl-C / hang-up before the command starts: registered any
    // later, a signal arriving in between would kill warroom by the default
    // action and leave the step unjournaled.
    let interrupted = interrupted();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let msg = format!("cannot start `{shell}`: {e} (set `shell:` in the front matter)");
            out.line(&format!("✗ {msg}"));
            return ShellRun {
                exit: None,
                output: String::new(),
                error: Some(msg),
            };
        }
    };
    let pid = child.id();
    // process_group(0): the group id is the child's pid.
    if let Some(pgid) = pid.and_then(|p| i32::try_from(p).ok()) {
        out.process_started(pgid);
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(64);
    let mut readers = Vec::new();
    if let Some(s) = child.stdout.take() {
        readers.push(tokio::spawn(pump(s, tx.clone())));
    }
    if let Some(s) = child.stderr.take() {
        readers.push(tokio::spawn(pump(s, tx.clone())));
    }
    drop(tx);
    let mut captured = String::new();
    let mut pending: Vec<u8> = Vec::new();
    let collect = async {
        while let Some(chunk) = rx.recv().await {
            pending.extend_from_slice(&chunk);
            while let Some(nl) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=nl).collect();
                emit(&line[..line.len() - 1], out, &mut captured);
            }
            if pending.len() > MAX_LINE {
                let line: Vec<u8> = std::mem::take(&mut pending);
                emit(&line, out, &mut captured);
            }
        }
        if !pending.is_empty() {
            emit(&pending, out, &mut captured);
        }
        child.wait().await
    };
    let limit = async {
        match timeout {
            Some(t) => {
                tokio::time::sleep(t).await;
                format!("timed out after {}", crate::text::human_duration(t))
            }
            None => std::future::pending().await,
        }
    };
    // The command runs in its own process group (so a timeout can kill all of
    // it), which also means the terminal's Ctrl-C and an SSH hang-up do not
    // reach it: pass them on, or it would outlive warroom and run twice on resume.
    let status = tokio::select! {
        s = collect => s,
        msg = limit => return stopped(pid, readers, out, msg),
        sig = interrupted => return stopped(pid, readers, out, format!("interrupted by {sig}: the command was killed")),
    };
    match status {
        Ok(s) => ShellRun {
            exit: s.code(),
            output: captured,
            error: None,
        },
        Err(e) => ShellRun {
            exit: None,
            output: captured,
            error: Some(format!("waiting for `{shell}` failed: {e}")),
        },
    }
}

fn stopped(
    pid: Option<u32>,
    readers: Vec<tokio::task::JoinHandle<()>>,
    out: &Output,
    msg: String,
) -> ShellRun {
    kill_group(pid);
    out.line(&format!("✗ {msg}"));
    for r in readers {
        r.abort();
    }
    ShellRun {
        exit: None,
        output: String::new(),
        error: Some(msg),
    }
}

/// Resolves when SIGINT, SIGTERM or SIGHUP arrives (never, if they cannot be
/// watched). The handlers are installed when this is called, not when the
/// returned future is first polled.
fn interrupted() -> impl std::future::Future<Output = &'static str> {
    use tokio::signal::unix::{SignalKind, signal};
    let signals = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    );
    async move {
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = signals else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => "SIGINT",
            _ = term.recv() => "SIGTERM",
            _ = hup.recv() => "SIGHUP",
        }
    }
}

fn emit(bytes: &[u8], out: &Output, captured: &mut String) {
    let line = String::from_utf8_lossy(bytes);
    let line = line.trim_end_matches('\r');
    if captured.len() < MAX_OUTPUT {
        captured.push_str(line);
        captured.push('\n');
    }
    out.line(line);
}

async fn pump(mut r: impl tokio::io::AsyncRead + Unpin, tx: tokio::sync::mpsc::Sender<Vec<u8>>) {
    let mut buf = vec![0u8; 8192];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if tx.send(buf[..n].to_vec()).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// On Linux, the shell gets SIGKILL when warroom dies, even by `kill -9`
/// (which no signal handler sees), so a step does not go on running unseen.
/// Only the shell itself: processes it started in the background survive in
/// its group, which is why a resume also checks the journaled group.
#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut tokio::process::Command) {
    // SAFETY: getpid is async-signal-safe.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the hook runs in the forked child before exec and calls only
    // async-signal-safe functions (prctl, getppid).
    unsafe {
        cmd.pre_exec(move || {
            // The death signal follows the thread that forked; tokio spawns
            // from its runtime threads, which live as long as warroom does.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // warroom died between fork and prctl: the signal will never come.
            if libc::getppid() != parent {
                return Err(std::io::Error::other(
                    "warroom exited while starting the command",
                ));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_: &mut tokio::process::Command) {}

/// Live (not zombie) processes in process group `pgid`. Reads /proc on
/// Linux, since a dead member nobody reaped yet must not count; elsewhere
/// asks kill(2), which cannot tell zombies apart.
pub(super) fn group_members(pgid: i32) -> Vec<i32> {
    if pgid <= 1 {
        return Vec::new();
    }
    if let Ok(rd) = std::fs::read_dir("/proc") {
        return rd
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| {
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                    return false;
                };
                // `pid (comm) state ppid pgrp ...`; comm may contain spaces.
                let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
                let f: Vec<&str> = rest.split_whitespace().collect();
                f.len() > 2 && f[2] == pgid.to_string() && !matches!(f[0], "Z" | "X")
            })
            .collect();
    }
    // SAFETY: signal 0 only checks that the group exists.
    if unsafe { libc::kill(-pgid, 0) } == 0 {
        vec![pgid]
    } else {
        Vec::new()
    }
}

/// Slack between a command's spawn and its journal entry, and for clock
/// granularity (start times are in clock ticks).
const START_SLACK: std::time::Duration = std::time::Duration::from_secs(5);

/// [`group_members`] of a group journaled at `journaled`, unless the group
/// is provably someone else's: its leader (pid == pgid) started well after
/// the journal entry, i.e. the old group died and the id was reused by a new
/// session or group. Without a reliable start time, the members count (a
/// false refusal, overridable with `--force`, beats running a step twice).
pub(super) fn group_members_since(pgid: i32, journaled: jiff::Timestamp) -> Vec<i32> {
    let live = group_members(pgid);
    match process_start(pgid) {
        Some(leader) if leader_is_newer(leader, journaled) => Vec::new(),
        _ => live,
    }
}

fn leader_is_newer(leader_start: jiff::Timestamp, journaled: jiff::Timestamp) -> bool {
    leader_start.duration_since(journaled)
        > jiff::SignedDuration::try_from(START_SLACK).unwrap_or_default()
}

/// When process `pid` started: boot time (`btime` in /proc/stat) plus its
/// `starttime` in clock ticks (field 22 of /proc/PID/stat). Linux only.
pub(super) fn process_start(pid: i32) -> Option<jiff::Timestamp> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(") ")?.1;
    // Fields after `(comm)`: state is field 3 overall, starttime field 22.
    let ticks: i64 = rest.split_whitespace().nth(22 - 3)?.parse().ok()?;
    let boot: i64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz <= 0 {
        return None;
    }
    let nanos = boot as i128 * 1_000_000_000 + ticks as i128 * 1_000_000_000 / hz as i128;
    jiff::Timestamp::from_nanosecond(nanos).ok()
}

fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid
        && let Ok(pid) = i32::try_from(pid)
    {
        // SAFETY: kill(2) on our own child's process group.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;

    #[test]
    fn a_reused_process_group_id_is_not_taken_for_the_journaled_command() {
        let before = jiff::Timestamp::now();
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .expect("spawn sleep");
        let pgid = child.id() as i32;
        let started = process_start(pgid).expect("start time from /proc");
        let skew = started.duration_since(before).abs();
        assert!(
            skew < jiff::SignedDuration::from_secs(2),
            "start {started} vs spawn {before}"
        );
        // Journaled at the spawn: the group is ours and still running.
        assert_eq!(group_members_since(pgid, before), vec![pgid]);
        // Journaled an hour ago: this group started long after, so the old
        // one died and its id was reused — not a reason to refuse a resume.
        let hour_ago = before - jiff::SignedDuration::from_hours(1);
        assert!(group_members_since(pgid, hour_ago).is_empty());
        child.kill().ok();
        child.wait().ok();
        assert!(group_members_since(pgid, before).is_empty(), "reaped: gone");
    }
}
