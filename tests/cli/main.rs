//! The command line as a user meets it: help, config, headless actions,
//! report and doctor — run as real processes with an isolated HOME/data dir.

use std::path::Path;
mod gone;
#[path = "../support/isolated.rs"]
mod isolated;
#[path = "../support/output.rs"]
mod output;

use output::text;
use std::process::{Command, Output};

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
        isolated::warroom(self.path())
            .args(args)
            .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
            .output()
            .unwrap()
    }
}

/// Every subcommand: --help, each completion script and the man page name them all.
const COMMANDS: [&str; 9] = [
    "report",
    "action",
    "logs",
    "exec",
    "runbook",
    "doctor",
    "config",
    "completions",
    "man",
];

const QUIET: &str = "[kubernetes]\nenabled = false\n[docker]\nenabled = false\n";

#[test]
fn help_explains_every_command() {
    let e = Env::new("");
    let out = e.run(&["--help"]);
    assert!(out.status.success());
    let t = text(&out);
    for word in COMMANDS
        .iter()
        .chain(&["--demo", "--read-only", "NO_COLOR"])
    {
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
    let t = text(&out);
    assert!(t.contains("audit log"));
    // Every source that is not configured is marked – and says how, Loki too.
    for source in ["prom", "am", "loki"] {
        let line = t
            .lines()
            .find(|l| l.contains(&format!(" {source} ")))
            .unwrap_or_else(|| panic!("no {source} line:\n{t}"));
        assert!(
            line.starts_with("– ") && line.contains("not configured"),
            "{line}"
        );
    }
    assert!(t.contains("add [loki] url"), "{t}");
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

fn audit_entries(e: &Env) -> Vec<serde_json::Value> {
    let path = e.path().join("data/audit.jsonl");
    std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("every audit line is one JSON object"))
        .collect()
}

#[test]
fn exec_says_how_output_is_treated_and_refuses_in_demo() {
    let e = Env::new(QUIET);
    let t = text(&e.run(&["exec", "--help"]));
    assert!(
        t.contains("sanitised") && t.contains("-t") && t.contains("pod/NAME"),
        "{t}"
    );
    let out = e.run(&["--demo", "exec", "container/web", "--", "ls", "/"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("no processes to exec into"),
        "{}",
        text(&out)
    );
    let entries = audit_entries(&e);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["action"], "exec");
    assert_eq!(entries[0]["result"], "refused");
    assert_eq!(entries[0]["demo"], true);
    assert_eq!(entries[0]["preview"], "ls /");
    let out = e.run(&["--read-only", "exec", "pod/api", "-n", "shop", "--", "ls"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("read-only"), "{}", text(&out));
    let entries = audit_entries(&e);
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[1]["target"], "pod/api");
    assert_eq!(entries[1]["result"], "refused");
}

#[test]
fn a_demo_dry_run_prints_the_preview_and_is_audited_as_demo() {
    let e = Env::new(QUIET);
    let out = e.run(&[
        "--demo",
        "action",
        "restart",
        "container/toolboxai-backend-1",
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("toolboxai-backend-1"),
        "preview names the target:\n{t}"
    );
    let entries = audit_entries(&e);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let a = &entries[0];
    assert_eq!(a["result"], "dry-run");
    assert_eq!(a["demo"], true);
    assert_eq!(a["action"], "restart");
    assert_eq!(a["origin"], "cli");
    assert!(
        a["target"]
            .as_str()
            .unwrap()
            .contains("toolboxai-backend-1")
    );
    assert!(!a["who"].as_str().unwrap_or_default().is_empty(), "{a}");

    // Without --yes or --dry-run and no TTY, nothing runs: refused, audited.
    let out = e.run(&[
        "--demo",
        "action",
        "restart",
        "container/toolboxai-backend-1",
    ]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--yes"), "{}", text(&out));
    let out = e.run(&[
        "--demo",
        "action",
        "restart",
        "container/toolboxai-backend-1",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let results: Vec<_> = audit_entries(&e)
        .iter()
        .map(|a| a["result"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        results.last().map(String::as_str),
        Some("ok"),
        "{results:?}"
    );
}

#[test]
fn secrets_from_credential_files_never_reach_output_logs_or_audit() {
    let e = Env::new("");
    let secret = "tok-9f8e7d6c5b4a-never-print-me";
    let token = e.path().join("am.token");
    std::fs::write(&token, secret).unwrap();
    let config = format!(
        "{QUIET}[[alertmanager]]\nname = \"main\"\nurl = \"http://127.0.0.1:1\"\nbearer_token_file = \"{}\"\n\
         [loki]\nurl = \"http://127.0.0.1:1\"\nbasic_auth = {{ username = \"ops\", password_file = \"{}\" }}\n",
        token.display(),
        token.display()
    );
    std::fs::write(e.path().join("config.toml"), config).unwrap();
    let mut seen = String::new();
    for args in [
        &["report"][..],
        &["doctor"][..],
        &[
            "action",
            "silence",
            "alertname=X",
            "--duration",
            "1h",
            "--comment",
            "t",
            "--yes",
        ][..],
        &["logs", "{app=\"x\"}", "--since", "5m"][..],
    ] {
        seen.push_str(&text(&e.run(args)));
    }
    for entry in walk(e.path()) {
        if entry == token {
            continue;
        }
        if let Ok(s) = std::fs::read_to_string(&entry) {
            seen.push_str(&s);
        }
    }
    assert!(
        seen.contains("127.0.0.1:1"),
        "the commands ran against the endpoints:\n{seen}"
    );
    assert!(!seen.contains(secret), "a secret leaked:\n{seen}");
    assert!(!seen.contains("b3BzOnRvay"), "a basic-auth header leaked");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "{}", text(out));
    String::from_utf8(out.stdout.clone()).expect("UTF-8 on stdout")
}

/// What bash offers for the last of `words` (shell words, `""` for an empty
/// one) with the bash completion script sourced.
fn bash_completes(script: &Path, words: &str) -> Vec<String> {
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            r#"source "$0"; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1));
               _warroom warroom "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}";
               printf '%s\n' "${{COMPREPLY[@]}}""#
        ))
        .arg(script)
        .output()
        .unwrap();
    stdout(&out).lines().map(str::to_string).collect()
}

#[test]
fn completions_for_every_shell_come_from_the_real_commands() {
    let e = Env::new("");
    let bash = stdout(&e.run(&["completions", "bash"]));
    assert!(
        bash.contains("_warroom() {") && bash.contains("complete -F _warroom"),
        "{bash}"
    );
    for command in COMMANDS.iter().chain(&["rollout-undo", "lint", "export"]) {
        assert!(bash.contains(command), "bash completion lacks {command}");
    }
    // bash really completes from it: commands, nested commands, values.
    let script = e.path().join("warroom.bash");
    std::fs::write(&script, &bash).unwrap();
    assert_eq!(bash_completes(&script, "warroom ru"), ["runbook"]);
    assert_eq!(
        bash_completes(&script, "warroom action rollout-u"),
        ["rollout-undo"]
    );
    let runbook = bash_completes(&script, r#"warroom runbook """#);
    assert!(
        ["lint", "run", "export"]
            .iter()
            .all(|c| runbook.iter().any(|w| w == c)),
        "{runbook:?}"
    );
    let shells = bash_completes(&script, r#"warroom completions """#);
    assert!(shells.iter().any(|w| w == "fish"), "{shells:?}");

    let fish = stdout(&e.run(&["completions", "fish"]));
    assert!(fish.contains("complete -c warroom"), "{fish}");
    for command in COMMANDS {
        assert!(
            fish.contains(&format!("-a \"{command}\"")),
            "fish completion lacks {command}"
        );
    }
    for (shell, marker) in [
        ("zsh", "#compdef warroom"),
        ("elvish", "edit:completion:arg-completer[warroom]"),
        (
            "powershell",
            "Register-ArgumentCompleter -Native -CommandName 'warroom'",
        ),
    ] {
        let script = stdout(&e.run(&["completions", shell]));
        assert!(script.contains(marker), "{shell}:\n{script}");
        assert!(script.contains("runbook") && script.contains("rollout-undo"));
    }
}

#[test]
fn completions_for_an_unknown_shell_are_a_usage_error() {
    let e = Env::new("");
    let out = e.run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid value 'tcsh'")
            && err.contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{err}"
    );
}

#[test]
fn man_prints_warroom_1_and_out_writes_a_page_per_command() {
    let e = Env::new("");
    let page = stdout(&e.run(&["man"]));
    let lines: Vec<&str> = page.lines().collect();
    let title = lines
        .iter()
        .position(|l| l.starts_with(".TH warroom 1 "))
        .unwrap_or_else(|| panic!("no .TH title:\n{page}"));
    // Before the title only roff requests (the apostrophe preamble).
    assert!(lines[..title].iter().all(|l| l.starts_with('.')), "{page}");
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SUBCOMMANDS"] {
        assert!(lines.contains(&format!(".SH {section}").as_str()), "{page}");
    }
    let plain = page.replace(r"\-", "-");
    for command in COMMANDS {
        assert!(
            plain.contains(&format!("warroom-{command}(1)")),
            "warroom.1 does not name warroom-{command}(1):\n{page}"
        );
    }
    assert!(!plain.contains("warroom-help(1)"), "help has no page");
    assert!(plain.contains("--read-only") && plain.contains("WARROOM_DATA_DIR"));

    let dir = e.path().join("share/man/man1");
    let out = e.run(&["man", "--out", dir.to_str().unwrap()]);
    let listed: Vec<std::path::PathBuf> = stdout(&out).lines().map(Into::into).collect();
    let mut on_disk: Vec<_> = walk(&dir);
    on_disk.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(sorted, on_disk, "prints exactly the pages it wrote");
    assert_eq!(listed[0], dir.join("warroom.1"));
    assert_eq!(std::fs::read_to_string(&listed[0]).unwrap(), page);
    let version = env!("CARGO_PKG_VERSION");
    for command in COMMANDS
        .iter()
        .chain(&["runbook-run", "action-rollout-undo", "config-init"])
    {
        let file = dir.join(format!("warroom-{command}.1"));
        let sub = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{}: {e}; wrote {listed:?}", file.display()));
        assert!(
            sub.contains(&format!(".TH warroom-{command} 1  \"warroom {version}\"")),
            "{sub}"
        );
    }
    let run = std::fs::read_to_string(dir.join("warroom-runbook-run.1")).unwrap();
    assert!(
        run.contains(r"\-\-resume") && run.contains(r"\-\-dry\-run"),
        "{run}"
    );
}

#[test]
fn completions_and_man_read_no_config_and_write_no_data_dir() {
    // As in a packager's build root: a config that would not load does not
    // matter, and nothing is logged: the answer comes from the clap
    // definitions before config and logging start.
    let e = Env::new("[general]\nsource_timeout = \"soon\"\n");
    for args in [&["completions", "zsh"][..], &["man"][..]] {
        let out = e.run(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out));
    }
    assert!(!e.path().join("data").exists(), "{:?}", walk(e.path()));
    // Every other command starts logging into the data dir.
    e.run(&["config", "path"]);
    assert!(e.path().join("data/logs").is_dir());
}

/// A config or runbook saved as Latin-1 is refused like a TOML or Markdown
/// error, at the line and column of its first bad byte (not `FILE:0`).
#[test]
fn files_that_are_not_utf8_are_errors_at_their_line_and_column() {
    let e = Env::new("");
    std::fs::write(
        e.path().join("config.toml"),
        b"[kubernetes]\ncontext = \"caf\xe9\"\n",
    )
    .unwrap();
    let out = e.run(&["report"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(
            "config.toml: invalid UTF-8 at line 2, column 15 (byte 0xe9): save the file as UTF-8"
        ),
        "{}",
        text(&out)
    );

    let e = Env::new(QUIET);
    let runbook = e.path().join("latin1.md");
    std::fs::write(
        &runbook,
        b"# Restore\n\n## Stop the caf\xe9\n\n```sh\ntrue\n```\n",
    )
    .unwrap();
    let out = e.run(&["runbook", "lint", runbook.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "{}:3: invalid UTF-8 at column 16 (byte 0xe9): save the file as UTF-8",
            runbook.display()
        )),
        "{}",
        text(&out)
    );
}
