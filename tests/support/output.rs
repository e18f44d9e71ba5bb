//! What a test process printed, for assertion messages. Shared by the test
//! crates that run the warroom binary: `#[path = "../support/output.rs"] mod output;`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// stdout then stderr, lossily decoded.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Run `cmd` with `stdin` piped in (and closed after), capturing its output.
#[allow(dead_code)] // not every crate that includes this file pipes stdin
pub fn run_with_stdin(cmd: &mut Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run warroom");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// `bytes` as text with terminal controls written as escapes (`\u{1b}`), for
/// assertion messages about hostile output that must not drive the terminal
/// reading the test log.
#[allow(dead_code)] // only the crates that print hostile output use it
pub fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| match c {
            '\n' => "\n".to_string(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}
