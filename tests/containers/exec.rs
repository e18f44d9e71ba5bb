//! `warroom exec container/NAME`: output, stdin, exit codes, refusals and the
//! audit entry, through the real binary against the machine's engine.

use crate::harness::{Scope, docker, warroom};
use crate::output::{run_with_stdin, text};
use std::path::Path;
use std::process::Output;
use warroom::audit::{AuditEntry, AuditLog};

/// A running container that does nothing, for commands to run in.
struct Sleeper {
    /// Removes the container on drop.
    _scope: Scope,
    name: String,
    target: String,
    dir: tempfile::TempDir,
}

fn sleeper(test: &str) -> Sleeper {
    let scope = Scope::new(test);
    scope.run("box", &[], &["sleep", "600"]);
    let name = scope.name("box");
    Sleeper {
        _scope: scope,
        target: format!("container/{name}"),
        name,
        dir: tempfile::tempdir().unwrap(),
    }
}

/// `warroom ARGS`, with `stdin` piped in (and closed after).
fn exec(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    run_with_stdin(warroom(dir).args(args), stdin)
}

fn audit(dir: &Path) -> Vec<AuditEntry> {
    AuditLog::new(dir.join("data/audit.jsonl")).read_all()
}

#[test]
fn output_streams_and_exit_code_pass_through_and_the_session_is_audited() {
    let Sleeper { target, dir, .. } = &sleeper("exec-codes");
    let script = "echo out; echo err >&2; exit 3";
    let out = exec(dir.path(), &["exec", target, "--", "sh", "-c", script], b"");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");
    let entries = audit(dir.path());
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!((e.action.as_str(), e.result.as_str()), ("exec", "ok"));
    assert_eq!(&e.target, target);
    assert_eq!(e.location, "unix:///var/run/docker.sock");
    assert_eq!(e.preview, "sh -c 'echo out; echo err >&2; exit 3'");
    assert_eq!(e.exit_code, Some(3));
    assert!(e.started.is_some_and(|s| s <= e.ts), "{e:?}");
    let line = std::fs::read_to_string(dir.path().join("data/audit.jsonl")).unwrap();
    assert!(
        !line.contains("\"out\\n\"") && !line.contains("err\\n"),
        "no output in the log: {line}"
    );

    // A command the engine cannot run: docker's 126/127, from the engine.
    let out = exec(dir.path(), &["exec", target, "--", "/no/such/binary"], b"");
    let code = out.status.code().unwrap();
    assert!(code == 126 || code == 127, "{code}: {}", text(&out));
    assert_eq!(audit(dir.path())[1].exit_code, Some(code));
}

#[test]
fn interactive_forwards_stdin_until_eof() {
    let Sleeper { target, dir, .. } = &sleeper("exec-stdin");
    let out = exec(dir.path(), &["exec", target, "-i", "--", "cat"], b"hello\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello\n");
    // Without -i the command's stdin is closed: cat reads nothing.
    let out = exec(dir.path(), &["exec", target, "--", "cat"], b"hello\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn a_missing_or_stopped_container_exits_1_naming_it() {
    let scope = Scope::new("exec-missing");
    scope.create("stopped", &["sleep", "600"]);
    let dir = tempfile::tempdir().unwrap();
    for (suffix, says) in [("ghost", "no container named"), ("stopped", "not running")] {
        let name = scope.name(suffix);
        let target = format!("container/{name}");
        let out = exec(dir.path(), &["exec", &target, "--", "ls"], b"");
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&name) && stderr.contains(says), "{stderr}");
    }
    let results: Vec<_> = audit(dir.path()).into_iter().map(|e| e.result).collect();
    assert_eq!(results, ["error", "error"]);
}

#[test]
fn read_only_refuses_before_running_anything_and_is_audited() {
    let Sleeper {
        name, target, dir, ..
    } = &sleeper("exec-ro");
    let args = ["--read-only", "exec", target, "--", "touch", "/tmp/marker"];
    let out = exec(dir.path(), &args, b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("read-only"),
        "{}",
        text(&out)
    );
    let listed = docker(&["exec", name, "ls", "/tmp"]);
    assert!(
        !listed.contains("marker"),
        "the command ran: /tmp has {listed:?}"
    );
    let entries = audit(dir.path());
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        (entries[0].action.as_str(), entries[0].result.as_str()),
        ("exec", "refused")
    );
    assert_eq!(entries[0].preview, "touch /tmp/marker");
    // The same command without --read-only does run: the check above can fail.
    let out = exec(dir.path(), &args[1..], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(docker(&["exec", name, "ls", "/tmp"]).contains("marker"));
}

/// Into a pipe the bytes pass unchanged (the caller asked for them); a
/// terminal gets them sanitised (`text::SanitizingWriter`'s unit tests).
#[test]
fn escape_sequences_reach_a_pipe_raw() {
    let Sleeper { target, dir, .. } = &sleeper("exec-raw");
    let script = r"printf '\033]52;c;AAAA\007x'";
    let out = exec(dir.path(), &["exec", target, "--", "sh", "-c", script], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(out.stdout, b"\x1b]52;c;AAAA\x07x");
}
