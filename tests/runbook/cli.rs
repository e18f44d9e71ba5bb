use crate::common::{Env, GroupGuard, live_group, step_pid, wait_for};
use warroom::runbook::journal::{self, Entry};
use warroom::runbook::walker::StepStatus;

#[test]
fn lint_reports_every_problem_as_file_line_message() {
    let env = Env::new();
    let good = env.write("good.md", "## A\n\n```sh\necho a\n```\n");
    let bad = env.write(
        "bad.md",
        "---\nparams:\n  - name: ns\n---\n## A\n\n```sh {colour=red}\necho {{nope}}\n```\n\n```warroom\nreboot now\n```\n",
    );
    let out = env.run(&[
        "runbook",
        "lint",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.code(), 1, "{}", out.all());
    let err = out.stderr();
    let b = bad.display().to_string();
    assert!(
        err.contains(&format!("{b}:7: unknown attribute `colour`")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{b}:8: undeclared parameter `{{{{nope}}}}`")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{b}:12: unknown action `reboot`")),
        "{err}"
    );
    assert!(
        out.stdout().contains("good.md: ok (1 steps"),
        "{}",
        out.all()
    );
    let out = env.run(&["runbook", "lint", good.to_str().unwrap()]);
    assert_eq!(out.code(), 0, "{}", out.all());
}

#[test]
fn param_values_never_break_out_of_their_shell_word() {
    let env = Env::new();
    let rb = env.write(
        "inject.md",
        "---\nparams:\n  - name: name\n---\n## Greet\n\n```sh\necho hello {{name}}\necho \"$PWD\" > /dev/null\n```\n\n```check\necho {{name}} | grep -c touch\n```\n\n```wait {interval=100ms timeout=10s}\ntest -n {{name}}\n```\n",
    );
    for (i, value) in [
        "x;touch pwned",
        "$(touch pwned)",
        "`touch pwned`",
        "x' ; touch pwned ; echo '",
        "x\ntouch pwned",
        "x && touch pwned",
        "|touch pwned",
    ]
    .iter()
    .enumerate()
    {
        let out = env.run(&[
            "runbook",
            "run",
            rb.to_str().unwrap(),
            "--yes",
            "--param",
            &format!("name={value}"),
        ]);
        assert_eq!(out.code(), 0, "case {i} {value:?}: {}", out.all());
        assert!(
            !env.path().join("pwned").exists(),
            "case {i}: {value:?} ran touch:\n{}",
            out.all()
        );
        let first = value.lines().next().unwrap();
        assert!(
            out.stdout().contains(&format!("hello {first}")),
            "case {i}: {}",
            out.all()
        );
    }
}

/// A `{{param}}` the author put inside quotes would let a value end those
/// quotes: lint names it, and `run` (which lints first) runs nothing.
#[test]
fn quoted_params_are_refused_by_lint_and_run_before_anything_runs() {
    let env = Env::new();
    for (i, (lang, line)) in [
        ("sh", "echo '{{name}}'"),
        ("bash", "echo \"{{name}}\""),
        ("shell", "echo \"prefix-{{name}}\""),
        ("check", "test -n '{{name}}'"),
        ("wait {timeout=5s}", "test -n \"{{name}}\""),
    ]
    .iter()
    .enumerate()
    {
        let rb = env.write(
            &format!("quoted{i}.md"),
            &format!(
                "---\nparams:\n  - name: name\n---\n## First\n\n```sh\ntouch first-ran\n```\n\n## Greet\n\n```{lang}\n{line}\n```\n"
            ),
        );
        let out = env.run(&["runbook", "lint", rb.to_str().unwrap()]);
        assert_eq!(out.code(), 1, "{lang}: {}", out.all());
        let want = format!("{}:14: `{{{{name}}}}` is inside ", rb.display());
        assert!(out.stderr().contains(&want), "{lang}: {}", out.all());
        assert!(out.stderr().contains("write it bare"), "{}", out.all());
        for value in ["x';touch pwned;'", "x\";touch pwned;\"", "$(touch pwned)"] {
            let out = env.run(&[
                "runbook",
                "run",
                rb.to_str().unwrap(),
                "--yes",
                "--param",
                &format!("name={value}"),
            ]);
            assert_ne!(out.code(), 0, "{lang} {value:?}: {}", out.all());
            assert!(out.stderr().contains(&want), "{lang}: {}", out.all());
            assert!(
                !env.path().join("pwned").exists(),
                "{lang} {value:?} ran touch"
            );
            assert!(
                !env.path().join("first-ran").exists(),
                "a runbook that does not lint runs no step at all"
            );
        }
    }
    assert!(
        journal::all(&env.journals()).is_empty(),
        "no run was opened"
    );
}

#[test]
fn without_yes_and_without_a_tty_confirmed_steps_refuse() {
    let env = Env::new();
    let rb = env.write(
        "confirm.md",
        "## Look\n\n```check\ntrue\n```\n\n## Change\n\n```sh\ntouch changed\n```\n",
    );
    let out = env.run(&["runbook", "run", rb.to_str().unwrap()]);
    assert_eq!(out.code(), 1, "{}", out.all());
    assert!(out.stderr().contains("no TTY"), "{}", out.all());
    assert!(
        out.stdout().contains("step 1 passed"),
        "checks need no confirmation: {}",
        out.all()
    );
    assert!(!env.path().join("changed").exists());
    // The refused run stays open; --resume --yes finishes it.
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--resume", "--yes"]);
    assert_eq!(out.code(), 0, "{}", out.all());
    assert!(env.path().join("changed").exists());
    assert!(out.stdout().contains("at step 2"), "{}", out.all());
}

#[test]
fn a_run_stops_at_the_first_failure_with_a_non_zero_exit() {
    let env = Env::new();
    let rb = env.write(
        "fail.md",
        "## One\n\n```sh\necho one\n```\n\n## Two\n\n```sh\necho failing >&2; exit 3\n```\n\n## Three\n\n```sh\ntouch three\n```\n",
    );
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--yes"]);
    assert_eq!(out.code(), 1, "{}", out.all());
    assert!(
        out.stderr()
            .contains("step 2 (Two) failed: exit status 3, expected 0"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout().contains("| failing"),
        "stderr is captured too: {}",
        out.all()
    );
    assert!(!env.path().join("three").exists());
    let l = journal::latest(&env.journals(), &rb, false).expect("journal");
    let st = l.statuses();
    assert_eq!(st[&0].0, StepStatus::Passed);
    assert_eq!(st[&1].0, StepStatus::Failed);
    assert!(!st.contains_key(&2));
    assert!(l.finished().is_none(), "a failed run stays resumable");
    // Output is stored beside the journal with its hash.
    let (file, sha) = l
        .entries
        .iter()
        .find_map(|e| match e {
            Entry::StepFinished {
                step: 1,
                output_file: Some(f),
                output_sha256: Some(s),
                ..
            } => Some((f.clone(), s.clone())),
            _ => None,
        })
        .expect("output file");
    let bytes = std::fs::read(env.journals().join(&file)).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("failing"));
    assert_eq!(warroom::runbook::parse::sha256_hex(&bytes), sha);
}

#[test]
fn dry_run_shows_rendered_commands_and_journals_nothing() {
    let env = Env::new();
    let rb = env.write(
        "dry.md",
        "---\nparams:\n  - name: svc\n    default: web\n  - name: pw\n    secret: true\n    default: s3cr3t-value\n---\n## Restart\n\n```sh\nsystemctl restart {{svc}} --password {{pw}}\ntouch ran\n```\n",
    );
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--dry-run"]);
    assert_eq!(out.code(), 0, "{}", out.all());
    assert!(
        out.stdout()
            .contains("systemctl restart web --password '***'"),
        "{}",
        out.all()
    );
    assert!(!out.stdout().contains("s3cr3t-value"));
    assert!(!env.path().join("ran").exists());
    assert!(journal::all(&env.journals()).is_empty());
}

#[test]
fn secrets_stay_out_of_the_journal_and_the_output_files() {
    let env = Env::new();
    let rb = env.write(
        "secret.md",
        "---\nparams:\n  - name: pw\n    secret: true\n    required: true\n---\n## Use it\n\n```sh\necho the password is {{pw}}\n```\n",
    );
    let out = env.run(&[
        "runbook",
        "run",
        rb.to_str().unwrap(),
        "--yes",
        "--param",
        "pw=hunter2-very-secret",
    ]);
    assert_eq!(out.code(), 0, "{}", out.all());
    assert!(
        !out.stdout().contains("hunter2-very-secret"),
        "{}",
        out.all()
    );
    let mut found = 0;
    for entry in walk(&env.journals()) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(
            !text.contains("hunter2-very-secret"),
            "{}: {text}",
            entry.display()
        );
        found += 1;
    }
    assert!(found >= 2, "journal and output file");
}

fn read_lines(env: &Env, f: &str) -> usize {
    std::fs::read_to_string(env.path().join(f))
        .unwrap_or_default()
        .lines()
        .count()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
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

/// Step two starts a background `sleep` once (a command that outlives its
/// shell), then its shell waits for `go`.
const KILL_RB: &str = "---\nparams:\n  - name: dir\n---\n## One\n\n```sh\necho one >> {{dir}}/one\n```\n\n## Two\n\n```sh {timeout=2m}\n[ -e {{dir}}/two.bg ] || { sleep 300 & echo $! > {{dir}}/two.bg; }\necho $$ > {{dir}}/two.pid\necho started >> {{dir}}/two\nwhile [ ! -e {{dir}}/go ]; do sleep 0.1; done\necho two done\n```\n\n## Three\n\n```check\necho three >> {{dir}}/three\n```\n";

#[test]
fn kill_9_mid_step_leaves_a_journal_that_loads_and_resumes_at_that_step() {
    let env = Env::new();
    let rb = env.write("kill.md", KILL_RB);
    let dir = env.path().to_str().unwrap().to_string();
    let mut child = env
        .cmd(&[
            "runbook",
            "run",
            rb.to_str().unwrap(),
            "--yes",
            "--param",
            &format!("dir={dir}"),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn warroom");
    let step_pid = step_pid("step 2 to start", &env.path().join("two.pid"));
    // Whatever fails below, the step's background `sleep 300` does not outlive the test.
    let _guard = GroupGuard(Some(step_pid));
    let bg: i32 = std::fs::read_to_string(env.path().join("two.bg"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: SIGKILL to the warroom process this test spawned.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGKILL);
    }
    let status = child.wait().unwrap();
    assert!(!status.success());
    // The step's shell dies with warroom (PR_SET_PDEATHSIG); the background
    // command it started lives on in the step's process group.
    // (Its last `sleep 0.1` may take a moment to finish.)
    wait_for("only the background sleep to be left of step 2", 10, || {
        live_group(step_pid) == [bg]
    });

    let l = journal::latest(&env.journals(), &rb, true).expect("the journal loads after kill -9");
    let st = l.statuses();
    assert_eq!(st[&0].0, StepStatus::Passed);
    assert_eq!(
        st[&1].0,
        StepStatus::Running,
        "killed in the middle of step 2"
    );
    // A crash in the middle of a write leaves a torn line; it must not matter.
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(&l.path)
        .unwrap()
        .write_all(b"{\"type\":\"step_finished\",\"ts\":\"20")
        .unwrap();
    assert!(journal::load(&l.path).unwrap().torn);

    assert!(
        l.entries.iter().any(|e| matches!(
            e,
            Entry::StepProcess { step: 1, pgid, .. } if *pgid == step_pid
        )),
        "the step's process group is journaled"
    );

    // Resuming now would run step 2 again beside what is left of it.
    std::fs::write(env.path().join("go"), "").unwrap();
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--resume", "--yes"]);
    assert_eq!(out.code(), 2, "{}", out.all());
    let err = out.stderr();
    assert!(err.contains("still running"), "{err}");
    assert!(
        err.contains(&format!("process group {step_pid} (pids {bg})")),
        "{err}"
    );
    assert_eq!(read_lines(&env, "two"), 1, "step 2 was not run again");

    // The operator stops it; then the resume goes ahead.
    // SAFETY: SIGKILL to the process group of the step this test ran.
    unsafe {
        libc::kill(-step_pid, libc::SIGKILL);
    }
    wait_for("the step's group to die", 10, || {
        live_group(step_pid).is_empty()
    });
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--resume", "--yes"]);
    assert_eq!(out.code(), 0, "{}", out.all());
    assert!(out.stdout().contains("resuming run"), "{}", out.all());
    assert!(out.stdout().contains("at step 2"), "{}", out.all());
    let read = |f: &str| std::fs::read_to_string(env.path().join(f)).unwrap_or_default();
    assert_eq!(
        read("one").lines().count(),
        1,
        "passed steps are not re-run"
    );
    assert_eq!(
        read("two").lines().count(),
        2,
        "the interrupted step runs again"
    );
    assert_eq!(read("three").lines().count(), 1);
    let l = journal::load(&l.path).expect("loads after resume");
    assert!(!l.torn, "the torn tail was cut before appending");
    assert_eq!(l.finished(), Some("completed"));
    assert!(
        l.entries
            .iter()
            .any(|e| matches!(e, Entry::Resumed { forced: false, .. }))
    );
    // Nothing left to resume now.
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--resume", "--yes"]);
    assert_eq!(out.code(), 2, "{}", out.all());
    assert!(out.stderr().contains("no unfinished run"), "{}", out.all());
}

#[test]
fn resume_is_refused_when_the_runbook_changed_unless_forced() {
    let env = Env::new();
    let v1 = "## Prepare\n\n```sh\necho prepare >> prepared\n```\n\n## Apply\n\n```sh\ntest -e allow\n```\n";
    let rb = env.write("change.md", v1);
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--yes"]);
    assert_eq!(out.code(), 1, "{}", out.all());
    std::fs::write(env.path().join("allow"), "").unwrap();
    env.write("change.md", &v1.replace("echo prepare", "echo PREPARE"));
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--resume", "--yes"]);
    assert_eq!(out.code(), 2, "{}", out.all());
    let err = out.stderr();
    assert!(err.contains("refusing to resume"), "{err}");
    assert!(err.contains("step 1 \"Prepare\" changed"), "{err}");
    assert!(err.contains("--force"), "{err}");
    let out = env.run(&[
        "runbook",
        "run",
        rb.to_str().unwrap(),
        "--resume",
        "--yes",
        "--force",
    ]);
    assert_eq!(out.code(), 0, "{}", out.all());
    let prepared = std::fs::read_to_string(env.path().join("prepared")).unwrap();
    assert_eq!(
        prepared.lines().count(),
        1,
        "step 1 passed before and is not re-run"
    );
    let l = journal::latest(&env.journals(), &rb, false).unwrap();
    assert!(
        l.entries
            .iter()
            .any(|e| matches!(e, Entry::Resumed { forced: true, .. }))
    );

    // The export of that run names what happened, in order.
    let out = env.run(&["runbook", "export", rb.to_str().unwrap(), "--format", "md"]);
    assert_eq!(out.code(), 0, "{}", out.all());
    let md = out.stdout();
    assert!(md.starts_with("# Incident timeline: change"), "{md}");
    let failed = md.find("step 2: Apply **failed**").expect(&md);
    let resumed = md.find("run resumed by tester@").expect(&md);
    let passed = md.find("step 2: Apply **passed**").expect(&md);
    assert!(failed < resumed && resumed < passed, "{md}");
    assert!(md.contains("exit status: 1"), "{md}");
    let out = env.run(&[
        "runbook",
        "export",
        rb.to_str().unwrap(),
        "--run",
        "nope",
        "--format",
        "md",
    ]);
    assert_eq!(out.code(), 2);
    assert!(out.stderr().contains("no run \"nope\""), "{}", out.all());
}

#[test]
fn wait_blocks_retry_until_they_pass_and_checks_match_output() {
    let env = Env::new();
    let rb = env.write(
        "wait.md",
        "## Wait for the file\n\n```sh {confirm=none}\n(sleep 1; echo ready > flag) >/dev/null 2>&1 &\n```\n\n```wait {interval=200ms timeout=20s}\ngrep -q ready flag\n```\n\n## Check output\n\n```check {expect-output=\"^status: (ok|green)$\"}\necho 'status: green'\n```\n\n## Exit 2 expected\n\n```check {expect-exit=2}\nexit 2\n```\n",
    );
    let out = env.run(&["runbook", "run", rb.to_str().unwrap()]);
    assert_eq!(out.code(), 0, "{}", out.all());
    assert!(out.stdout().contains("(wait, try 2)"), "{}", out.all());
    let out2 = env.write(
        "badcheck.md",
        "## Check output\n\n```check {expect-output=\"^status: ok$\"}\necho 'status: degraded'\n```\n",
    );
    let out = env.run(&["runbook", "run", out2.to_str().unwrap()]);
    assert_eq!(out.code(), 1, "{}", out.all());
    assert!(
        out.stderr()
            .contains("output does not match /^status: ok$/"),
        "{}",
        out.all()
    );
}

#[test]
fn timeouts_kill_the_command() {
    let env = Env::new();
    let rb = env.write("slow.md", "## Slow\n\n```sh {timeout=1s}\nsleep 30\n```\n");
    let t = std::time::Instant::now();
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--yes"]);
    assert_eq!(out.code(), 1, "{}", out.all());
    assert!(out.stderr().contains("timed out after 1s"), "{}", out.all());
    assert!(t.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn shipped_runbooks_lint_clean_through_the_cli() {
    let env = Env::new();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/runbooks");
    let files: Vec<String> = [
        "restart-service.md",
        "rollback-deployment.md",
        "restore-database.md",
        "dr-drill.md",
    ]
    .iter()
    .map(|f| dir.join(f).display().to_string())
    .collect();
    let mut args = vec!["runbook", "lint"];
    args.extend(files.iter().map(String::as_str));
    let out = env.run(&args);
    assert_eq!(out.code(), 0, "{}", out.all());
    assert_eq!(out.stdout().matches(": ok (").count(), 4, "{}", out.all());
}

/// `--demo` + `runbook run --yes`: the demo runbooks (written to
/// `<data dir>/demo-runbooks` by the run itself) complete in the simulated
/// estate, every step done, and the audit log holds their demo actions.
#[test]
fn demo_runbooks_run_to_the_end_in_the_demo_estate() {
    let env = Env::new();
    let demo = env.data().join("demo-runbooks");
    let cases: [(&str, &[&str], &[&str]); 4] = [
        (
            "restart-service.md",
            &["container=toolboxai-backend-1"],
            &[
                "\"action\":\"silence\"",
                "\"target\":\"container/toolboxai-backend-1\"",
            ],
        ),
        (
            "rollback-deployment.md",
            &["deployment=backend", "namespace=toolboxai"],
            &["\"action\":\"rollout-undo\""],
        ),
        (
            "restore-database.md",
            &["backup_source=postgres-orders", "replicas=2"],
            &[
                "\"action\":\"verify-backup\"",
                "\"action\":\"restore\"",
                "\"action\":\"scale\"",
            ],
        ),
        (
            "dr-drill.md",
            &["backup_source=postgres-orders"],
            &["\"action\":\"restore\"", "\"action\":\"restart\""],
        ),
    ];
    for (name, params, actions) in cases {
        let rb = demo.join(name);
        let mut args = vec!["--demo", "runbook", "run", rb.to_str().unwrap(), "--yes"];
        for p in params {
            args.extend(["--param", p]);
        }
        let out = env.run(&args);
        assert_eq!(out.code(), 0, "{name}: {}", out.all());
        assert!(
            out.stdout().contains("(DEMO)"),
            "{name} is labelled DEMO: {}",
            out.all()
        );
        let l = journal::latest(&env.journals(), &rb, false).expect("journal");
        assert_eq!(l.finished(), Some("completed"), "{name}: {}", out.all());
        let steps = warroom::runbook::parse::load(&rb).unwrap().steps.len();
        let st = l.statuses();
        assert_eq!(st.len(), steps, "{name}: every step journaled");
        assert!(
            st.values()
                .all(|(s, _)| matches!(s, StepStatus::Passed | StepStatus::ManualDone)),
            "{name}: {st:?}"
        );
        // Every check ran and passed (none is skipped or faked).
        let checks: Vec<_> = l
            .entries
            .iter()
            .filter_map(|e| match e {
                Entry::StepFinished { checks, .. } => Some(checks.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        assert!(!checks.is_empty(), "{name} checks something");
        assert!(checks.iter().all(|c| c.passed), "{name}: {checks:?}");
        // The actions went through the demo handlers and the action door.
        let origin = format!("\"origin\":\"runbook:{}\"", l.run_id());
        let audit = std::fs::read_to_string(env.data().join("audit.jsonl")).unwrap();
        let mine: Vec<&str> = audit.lines().filter(|x| x.contains(&origin)).collect();
        for a in actions {
            assert!(
                mine.iter().any(|x| x.contains(a)
                    && x.contains("\"result\":\"ok\"")
                    && x.contains("\"demo\":true")),
                "{name}: no demo {a} in the audit log:\n{audit}"
            );
        }
        assert!(
            mine.iter().all(|x| x.contains("\"demo\":true")),
            "{name}: {mine:?}"
        );
    }
}

#[test]
fn read_only_mode_runs_nothing_but_allows_a_dry_run() {
    let env = Env::new();
    let rb = env.write("ro.md", "## Change\n\n```sh\ntouch changed\n```\n");
    let out = env.run(&[
        "--read-only",
        "runbook",
        "run",
        rb.to_str().unwrap(),
        "--yes",
    ]);
    assert_eq!(out.code(), 2, "{}", out.all());
    assert!(out.stderr().contains("read-only mode"), "{}", out.all());
    assert!(!env.path().join("changed").exists());
    let out = env.run(&[
        "--read-only",
        "runbook",
        "run",
        rb.to_str().unwrap(),
        "--dry-run",
    ]);
    assert_eq!(out.code(), 0, "{}", out.all());
    let out = env.run(&[
        "runbook",
        "run",
        rb.to_str().unwrap(),
        "--resume",
        "--dry-run",
    ]);
    assert_eq!(out.code(), 2, "{}", out.all());
    assert!(!env.path().join("changed").exists());
}

/// Ctrl-C (or an SSH hang-up) while a step runs: the step's whole process
/// group is killed, the step is journaled as failed with the reason, and the
/// run can be resumed — the command never keeps running behind warroom's back.
#[test]
fn sigint_mid_step_kills_the_command_and_journals_the_interruption() {
    let env = Env::new();
    let dir = env.path().display().to_string();
    let rb = env.write(
        "int.md",
        &format!("## Long\n\n```sh\necho $$ > {dir}/pid\nsleep 60 &\nwait\n```\n"),
    );
    let child = env
        .cmd(&["runbook", "run", rb.to_str().unwrap(), "--yes"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = step_pid("the step to start", &env.path().join("pid"));
    let _guard = GroupGuard(Some(pid));
    // SAFETY: signalling the warroom process this test spawned.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    wait_for("the step's process group to die", 10, || {
        live_group(pid).is_empty()
    });
    let l = journal::latest(&env.journals(), &rb, true).expect("resumable");
    assert!(l.entries.iter().any(|e| matches!(e, Entry::StepFinished { status: StepStatus::Failed, error: Some(err), .. } if err.contains("SIGINT"))));
}

/// A second warroom (say, a new SSH session while the old run still goes)
/// cannot resume a run another process has open: steps would run twice.
#[test]
fn a_run_open_in_another_process_cannot_be_resumed() {
    let env = Env::new();
    let dir = env.path().display().to_string();
    let rb = env.write(
        "lock.md",
        &format!("## Wait\n\n```sh {{timeout=2m}}\necho $$ > {dir}/pid\nwhile [ ! -e {dir}/go ]; do sleep 0.1; done\n```\n"),
    );
    let child = env
        .cmd(&["runbook", "run", rb.to_str().unwrap(), "--yes"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = step_pid("the step to start", &env.path().join("pid"));
    let _guard = GroupGuard(Some(pid));
    let out = env.run(&["runbook", "run", rb.to_str().unwrap(), "--resume", "--yes"]);
    std::fs::write(env.path().join("go"), "").unwrap();
    let first = child.wait_with_output().unwrap();
    assert_eq!(out.code(), 2, "{}", out.all());
    assert!(
        out.stderr().contains("is open in another warroom process"),
        "{}",
        out.all()
    );
    assert!(first.status.success(), "the first run finishes undisturbed");
}
