//! The command line as a user meets it: help, config, headless actions,
//! report and doctor — run as real processes with an isolated HOME/data dir.

use std::path::Path;
use std::process::{Command, Output, Stdio};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(config: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(args)
            .env("HOME", self.path())
            .env("WARROOM_DATA_DIR", self.path().join("data"))
            .env("WARROOM_CONFIG", self.path().join("config.toml"))
            .env("XDG_CONFIG_HOME", self.path().join("xdg"))
            .env_remove("KUBECONFIG")
            .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const QUIET: &str = "[kubernetes]\nenabled = false\n[docker]\nenabled = false\n";

#[test]
fn help_explains_every_command() {
    let e = Env::new("");
    let out = e.run(&["--help"]);
    assert!(out.status.success());
    let t = text(&out);
    for word in [
        "--demo",
        "--read-only",
        "report",
        "action",
        "logs",
        "runbook",
        "doctor",
        "config",
        "NO_COLOR",
    ] {
        assert!(t.contains(word), "--help lacks {word}:\n{t}");
    }
    let t = text(&e.run(&["action", "--help"]));
    assert!(
        t.contains("rollout-undo") && t.contains("silence") && t.contains("restore"),
        "{t}"
    );
}

#[test]
fn config_init_writes_a_default_that_show_then_reads() {
    let e = Env::new("");
    let cfg = e.path().join("fresh/config.toml");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(args)
            .env("WARROOM_CONFIG", &cfg)
            .env("WARROOM_DATA_DIR", e.path().join("data"))
            .output()
            .unwrap()
    };
    assert!(text(&run(&["config", "path"])).contains("does not exist"));
    assert!(run(&["config", "init"]).status.success());
    assert!(cfg.exists());
    let again = run(&["config", "init"]);
    assert!(
        !again.status.success() && text(&again).contains("already exists"),
        "init must not overwrite"
    );
    let show = run(&["config", "show"]);
    assert!(show.status.success(), "{}", text(&show));
    assert!(text(&show).contains("source_timeout"));
}

#[test]
fn headless_commands_refuse_a_malformed_config_and_say_where() {
    let e = Env::new("[general]\nsource_timeout = \"soon\"\n");
    let out = e.run(&["report"]);
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out);
    assert!(t.contains("config.toml") && t.contains("soon"), "{t}");
    let doctor = e.run(&["doctor"]);
    assert_eq!(doctor.status.code(), Some(1), "{}", text(&doctor));
    assert!(text(&doctor).contains("✗ config"));
}

#[test]
fn doctor_with_nothing_configured_passes_and_says_how_to_configure() {
    let e = Env::new(QUIET);
    let out = e.run(&["doctor"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("audit log"));
}

#[test]
fn an_action_without_its_source_fails_clearly_and_changes_nothing() {
    let e = Env::new(QUIET);
    let out = e.run(&[
        "action",
        "rollout-undo",
        "deployment/web",
        "-n",
        "shop",
        "--yes",
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("[kubernetes]"), "{}", text(&out));
    let out = e.run(&["action", "scale", "pod/web", "--replicas", "2"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("kind must be"), "{}", text(&out));
}

#[test]
fn read_only_refuses_every_mutating_action() {
    let e = Env::new(QUIET);
    let out = e.run(&[
        "--read-only",
        "--demo",
        "action",
        "restart",
        "container/api",
        "--yes",
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("read-only"), "{}", text(&out));
}
