//! runbook lint, run (dry and for real), export: a runbook whose title,
//! headings, prose, parameters and command output carry controls.

use crate::{EVIL, EVIL_PRINTF, Env, Findings, shows_marker};

fn hostile_runbook() -> String {
    // YAML refuses raw controls, so the front matter uses its escapes;
    // Markdown takes them raw.
    format!(
        r#"---
title: "HOSTILE\e]0;pwned\a title \x9b2J"
params:
  - name: who
    default: "HOSTILE\e[31mred\x7f"
---
# {EVIL} runbook

Introduction {EVIL}.

## Print {EVIL}

Prose {EVIL}.

```sh
printf '{EVIL_PRINTF}\n'; echo {{{{who}}}}
```
"#
    )
}

/// Problems the lint quotes back: an unknown front-matter key and a bad
/// block attribute, both hostile.
fn broken_runbook() -> String {
    format!(
        r#"---
"HOSTILE\e]0;x\a\x9b": 1
---
# Broken

## Step {EVIL}

```sh {{timeout={EVIL}}}
true
```
"#
    )
}

#[test]
fn runbook_commands_are_terminal_safe() {
    let env = Env::new("[kubernetes]\nenabled = false\n[docker]\nenabled = false\n");
    let good = env.file("hostile.md", &hostile_runbook());
    let bad = env.file(&format!("broken{EVIL}.md"), &broken_runbook());
    let (good, bad) = (good.to_str().unwrap(), bad.to_str().unwrap());
    let mut found = Findings::default();

    let lint = found.run(&env, &["runbook", "lint", good]);
    assert!(
        lint.status.success(),
        "{}",
        crate::output::printable(&lint.stderr)
    );
    let lint = found.run(&env, &["runbook", "lint", bad]);
    assert!(!lint.status.success());
    shows_marker(&lint, "runbook lint (errors)");
    for args in [
        &["runbook", "run", good, "--dry-run"][..],
        &["runbook", "run", good, "--yes"],
        &["runbook", "export", good],
    ] {
        let out = found.run(&env, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            crate::output::printable(&out.stderr)
        );
        shows_marker(&out, &args.join(" "));
    }
    let refused = found.run(&env, &["runbook", "run", bad, "--yes"]);
    assert!(!refused.status.success());
    shows_marker(&refused, "runbook run (a broken runbook)");
    found.assert_none();
}
