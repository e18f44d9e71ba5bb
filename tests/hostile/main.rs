//! Every headless command against hostile sources: real Prometheus and
//! Alertmanager (Debian) carrying escape sequences in the labels,
//! annotations and silences they accept, test servers speaking the
//! Prometheus, Alertmanager and Loki APIs with controls in every string
//! field (versions and alert names included, which the real ones refuse),
//! a real Docker container whose logs, health probe and labels print them,
//! and a runbook full of them.
//!
//! What the operator relies on: whatever the sources say, nothing warroom
//! prints on stdout or stderr — any command, any format, errors included —
//! holds a raw ESC, BEL, C1 control or DEL, so reading a report or a log in
//! a terminal cannot write the clipboard (OSC 52), retitle the window or
//! move the cursor. JSON keeps the data (escaped), text shows it visibly.
//! `warroom exec` is the exception by design (its bytes pass through with
//! `-t` or into a pipe) and is not run here.

#[allow(dead_code)] // the crate uses the servers, not every helper
#[path = "../alerts/harness.rs"]
mod alerts_harness;
mod docker;
mod fakes;
#[path = "../support/isolated.rs"]
mod isolated;
mod kube;
#[path = "../support/output.rs"]
mod output;
mod runbook;
mod sources;

use std::path::{Path, PathBuf};
use std::process::Output;

/// Controls of every kind around a visible marker: OSC 52 (clipboard), a
/// CSI colour, 8-bit CSI, NEL, DEL, a DCS string and a bare BEL.
pub const EVIL: &str = "HOSTILE\u{1b}]52;c;Y3VybCBldmlsfHNo\u{7}\u{1b}[31mred\u{1b}[0m \u{9b}2J\u{85}nel\u{7f}del\u{1b}P+q\u{1b}\\ bell\u{7}";

/// The same as printf(1) octal escapes, for shell commands and probes.
pub const EVIL_PRINTF: &str = r"HOSTILE\033]52;c;Y3VybCBldmlsfHNo\007\033[31mred\033[0m \302\2332J\302\205nel\177del\033P+q\033\\ bell\007";

/// The raw terminal controls, as bytes on the wire: ESC, BEL, DEL, and C1
/// (U+0080–U+009F) as UTF-8 (`C2 80`–`C2 9F`).
pub fn controls(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for (i, w) in bytes.windows(2).enumerate() {
        if w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1]) {
            found.push(format!("C1 U+00{:02X} at byte {i}", w[1]));
        }
    }
    for (i, b) in bytes.iter().enumerate() {
        if matches!(b, 0x1b | 0x07 | 0x7f) {
            found.push(format!("0x{b:02x} at byte {i}"));
        }
    }
    found
}

/// A data dir and a config for the binary, isolated from the machine's.
pub struct Env {
    dir: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

impl Env {
    pub fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Self {
            dir,
            vars: Vec::new(),
        }
    }

    /// The same, with `name=value` in every command's environment.
    pub fn with_var(mut self, name: &str, value: &str) -> Self {
        self.vars.push((name.into(), value.into()));
        self
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn run(&self, args: &[&str]) -> Output {
        // The engine named in the config, not the machine's DOCKER_HOST.
        isolated::warroom(self.path())
            .args(args)
            .env_remove("DOCKER_HOST")
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap()
    }
}

/// What the commands printed, checked together so one run names every
/// command that leaked a control.
#[derive(Default)]
pub struct Findings {
    leaks: Vec<String>,
}

impl Findings {
    /// Run `args`, record any control on stdout or stderr, and return the
    /// output for the command's own checks.
    pub fn run(&mut self, env: &Env, args: &[&str]) -> Output {
        let out = env.run(args);
        let name = args
            .iter()
            .map(|a| output::printable(a.as_bytes()))
            .collect::<Vec<_>>()
            .join(" ");
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let found = controls(bytes);
            if !found.is_empty() {
                self.leaks.push(format!(
                    "warroom {name}: {stream} holds {}:\n{}",
                    found[..found.len().min(4)].join(", "),
                    output::printable(bytes)
                ));
            }
        }
        out
    }

    pub fn assert_none(self) {
        assert!(
            self.leaks.is_empty(),
            "raw terminal controls reached the operator:\n\n{}",
            self.leaks.join("\n\n")
        );
    }
}

/// The hostile marker got through (sanitised): the test did feed the
/// command hostile data, it did not pass by printing nothing.
pub fn shows_marker(out: &Output, what: &str) {
    let text = output::text(out);
    assert!(
        text.contains("HOSTILE"),
        "{what}: the hostile text does not show at all:\n{}",
        output::printable(text.as_bytes())
    );
}
