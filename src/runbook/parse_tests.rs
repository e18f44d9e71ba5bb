//! Parser tests: every construct, every error with its line number, and a
//! property test that arbitrary input never panics.

use super::model::*;
use super::parse::{LintErrors, parse};
use std::path::Path;
use std::time::Duration;

fn ok(text: &str) -> Runbook {
    parse(text, Path::new("rb.md")).unwrap_or_else(|e| panic!("{e}"))
}

fn errs(text: &str) -> LintErrors {
    parse(text, Path::new("rb.md")).expect_err("should not lint")
}

fn has(e: &LintErrors, line: usize, needle: &str) {
    assert!(
        e.errors
            .iter()
            .any(|x| x.line == line && x.message.contains(needle)),
        "expected line {line} containing {needle:?}, got:\n{e}"
    );
}

const FULL: &str = r#"---
title: Roll back a bad deployment
service: shop-web
severity: critical
rto: 30m
rpo: 15m
shell: sh
params:
  - name: deployment
    description: the deployment to roll back
    required: true
    regex: "[a-z0-9-]+"
  - name: namespace
    default: shop
  - name: token
    secret: true
    default: abc
---
# Ignored heading (front matter has the title)

Use this when error rates jump after a release.

## Look at the rollout

Check the history first.

```sh {name=history confirm=none timeout=30s}
kubectl rollout history deployment/{{deployment}} -n {{namespace}}
```

```yaml
shown: only
```

## Roll back

```warroom
rollout-undo deployment/{{deployment}} -n {{namespace}}
```

```check {expect-exit=0 expect-output="successfully rolled out" retry=2 on-error=continue}
kubectl rollout status deployment/{{deployment}} -n {{namespace}}
```

## Wait for health

```wait {interval=2s timeout=1m confirm=yes}
curl -fsS http://web/health
```

## Tell the channel

Post in #incident that the rollback is done.
"#;

#[test]
fn a_full_runbook_parses_every_construct() {
    let rb = ok(FULL);
    assert_eq!(rb.meta.title, "Roll back a bad deployment");
    assert_eq!(rb.meta.service.as_deref(), Some("shop-web"));
    assert_eq!(rb.meta.severity.as_deref(), Some("critical"));
    assert_eq!(rb.meta.rto, Some(Duration::from_secs(1800)));
    assert_eq!(rb.meta.rpo, Some(Duration::from_secs(900)));
    assert_eq!(rb.meta.shell, "sh");
    assert_eq!(rb.params.len(), 3);
    assert!(rb.params[0].required);
    assert_eq!(rb.params[0].regex.as_deref(), Some("[a-z0-9-]+"));
    assert_eq!(rb.params[1].default.as_deref(), Some("shop"));
    assert!(rb.params[2].secret);
    assert_eq!(rb.intro, "Use this when error rates jump after a release.");
    assert_eq!(rb.steps.len(), 4);

    let s0 = &rb.steps[0];
    assert_eq!((s0.title.as_str(), s0.line), ("Look at the rollout", 23));
    assert_eq!(s0.blocks.len(), 2);
    assert_eq!(s0.blocks[0].kind, BlockKind::Shell);
    assert_eq!(s0.blocks[0].line, 27);
    assert_eq!(s0.blocks[0].attrs.name.as_deref(), Some("history"));
    assert_eq!(s0.blocks[0].attrs.confirm, ConfirmLevel::None);
    assert_eq!(s0.blocks[0].attrs.timeout, Some(Duration::from_secs(30)));
    assert_eq!(s0.blocks[1].kind, BlockKind::Other("yaml".into()));
    assert!(s0.prose.contains("Check the history first."));
    assert!(
        s0.prose.contains("shown: only"),
        "shown blocks stay in the prose"
    );
    assert!(
        !s0.prose.contains("kubectl"),
        "runnable blocks are not prose"
    );
    assert!(!s0.is_manual());

    let s1 = &rb.steps[1];
    assert_eq!(s1.blocks[0].kind, BlockKind::Warroom);
    assert_eq!(
        s1.blocks[0].attrs.confirm,
        ConfirmLevel::Yes,
        "actions ask by default"
    );
    let check = &s1.blocks[1];
    assert_eq!(check.kind, BlockKind::Check);
    assert_eq!(check.attrs.confirm, ConfirmLevel::None, "checks do not ask");
    assert_eq!(
        check.attrs.expect_output.as_deref(),
        Some("successfully rolled out")
    );
    assert_eq!(check.attrs.retry, 2);
    assert_eq!(check.attrs.on_error, OnError::Continue);

    let w = &rb.steps[2].blocks[0];
    assert_eq!(w.kind, BlockKind::Wait);
    assert_eq!(w.attrs.interval, Duration::from_secs(2));
    assert_eq!(w.attrs.timeout, Some(Duration::from_secs(60)));
    assert_eq!(rb.steps[2].confirm(), ConfirmLevel::Yes);

    assert!(rb.steps[3].is_manual());
    assert_eq!(
        rb.steps[3].prose,
        "Post in #incident that the rollback is done."
    );
}

#[test]
fn defaults_without_front_matter() {
    let rb = ok("# Restart web\n\nintro\n\n## Restart\n\n```bash\nsystemctl restart web\n```\n");
    assert_eq!(rb.meta.title, "Restart web", "the H1 is the title");
    assert_eq!(rb.meta.shell, "bash");
    assert_eq!(rb.meta.rto, None);
    let b = &rb.steps[0].blocks[0];
    assert_eq!(b.kind, BlockKind::Shell);
    assert_eq!(b.attrs.confirm, ConfirmLevel::Yes);
    assert_eq!(b.attrs.timeout, None);
    let rb = ok("## Wait\n\n```wait\ntrue\n```\n");
    assert_eq!(rb.meta.title, "rb", "the file name is the last resort");
    let w = &rb.steps[0].blocks[0].attrs;
    assert_eq!(w.interval, DEFAULT_INTERVAL);
    assert_eq!(w.timeout, Some(DEFAULT_WAIT_TIMEOUT));
    // `shell` and `sh` are shell blocks too; tildes fence as well.
    let rb = ok("## A\n\n~~~shell\necho a\n~~~\n\n```sh\necho b\n```\n");
    assert!(
        rb.steps[0]
            .blocks
            .iter()
            .all(|b| b.kind == BlockKind::Shell)
    );
}

#[test]
fn step_hash_changes_only_with_the_step() {
    let a = ok("## One\n\n```sh\necho 1\n```\n\n## Two\n\n```sh\necho 2\n```\n");
    let b = ok("## One\n\n```sh\necho 1\n```\n\n## Two\n\n```sh\necho CHANGED\n```\n");
    assert_eq!(a.steps[0].hash, b.steps[0].hash);
    assert_ne!(a.steps[1].hash, b.steps[1].hash);
    assert_ne!(a.hash, b.hash);
}

#[test]
fn quoted_attribute_values() {
    let rb = ok(
        "## A\n\n```sh {name=\"restart the api\" expect-output='ok \\d+' confirm=typed}\necho ok 1\n```\n",
    );
    let a = &rb.steps[0].blocks[0].attrs;
    assert_eq!(a.name.as_deref(), Some("restart the api"));
    assert_eq!(a.expect_output.as_deref(), Some(r"ok \d+"));
    assert_eq!(a.confirm, ConfirmLevel::Typed);
}

#[test]
fn attribute_errors_name_the_fence_line() {
    let e = errs("intro\n\n## A\n\n```sh {colour=red}\necho\n```\n");
    has(&e, 5, "unknown attribute `colour`");
    let e = errs("## A\n\n```sh {timeout=soon}\necho\n```\n");
    has(&e, 3, "timeout: bad duration \"soon\"");
    let e = errs("## A\n\n```sh {timeout=0s}\necho\n```\n");
    has(&e, 3, "longer than 0");
    let e = errs("## A\n\n```check {confirm=maybe}\necho\n```\n");
    has(&e, 3, "expected none, yes or typed");
    let e = errs("## A\n\n```sh {on-error=ignore}\necho\n```\n");
    has(&e, 3, "expected stop or continue");
    let e = errs("## A\n\n```sh {retry=many}\necho\n```\n");
    has(&e, 3, "retry");
    let e = errs("## A\n\n```sh {expect-exit=x}\necho\n```\n");
    has(&e, 3, "expected an exit status");
    let e = errs("## A\n\n```check {expect-output=\"(\"}\necho\n```\n");
    has(&e, 3, "bad regex");
    let e = errs("## A\n\n```sh {interval=5s}\necho\n```\n");
    has(&e, 3, "only applies to `wait`");
    let e = errs("## A\n\n```warroom {expect-exit=1}\nrestart container/x\n```\n");
    has(&e, 3, "only applies to commands");
    let e = errs("## A\n\n```sh {name=a name=b}\necho\n```\n");
    has(&e, 3, "given twice");
    let e = errs("## A\n\n```sh {confirm}\necho\n```\n");
    has(&e, 3, "needs a value");
    let e = errs("## A\n\n```sh name=x\necho\n```\n");
    has(&e, 3, "{key=value ...}");
    let e = errs("## A\n\n```sh {name=\"x}\necho\n```\n");
    has(&e, 3, "unbalanced quotes");
    // Attributes of languages that are only shown are not ours to judge.
    ok("## A\n\n```python title=\"x\"\nprint(1)\n```\n");
}

#[test]
fn undeclared_params_are_reported_at_their_own_line() {
    let text =
        "---\nparams:\n  - name: ns\n---\n\n## A\n\n```sh\necho {{ns}}\necho {{nope}}\n```\n";
    let e = errs(text);
    assert_eq!(e.errors.len(), 1, "{e}");
    has(&e, 10, "undeclared parameter `{{nope}}`");
    assert!(e.to_string().starts_with("rb.md:10: "), "{e}");
    // Shown blocks may contain template syntax freely.
    ok("## A\n\n```yaml\nvalue: {{ .Values.x }} {{whatever}}\n```\n");
}

#[test]
fn params_inside_quotes_are_lint_errors_that_say_write_it_bare() {
    // Lines: 6 `## A`, 8 fence, 9.. bodies (each block is 3 lines + a blank).
    let text = "---\nparams:\n  - name: p\n---\n\n## A\n\n```sh\necho '{{p}}'\n```\n\n```bash\necho \"{{p}}\"\n```\n\n```shell\necho \"prefix-{{p}}\"\n```\n\n```check\ntest $'{{ p }}'\n```\n\n```wait {timeout=5s}\ntest -n \"$(echo '{{p}}')\"\n```\n\n```warroom\nrestart 'container/{{p}}'\n```\n\n```sh\necho {{p}} prefix-{{p}} \"$(echo {{p}})\"\n```\n\n```text\nshown '{{p}}'\n```\n";
    let e = errs(text);
    has(&e, 9, "`{{p}}` is inside single quotes");
    has(&e, 13, "`{{p}}` is inside double quotes");
    has(&e, 17, "inside double quotes");
    has(&e, 21, "inside `$'...'` quotes");
    has(&e, 25, "inside single quotes");
    has(&e, 29, "inside single quotes");
    for x in &e.errors {
        assert!(x.message.contains("write it bare"), "{e}");
    }
    assert_eq!(
        e.errors.len(),
        6,
        "bare forms and shown blocks are fine: {e}"
    );
    assert!(
        e.to_string()
            .starts_with("rb.md:9: `{{p}}` is inside single quotes"),
        "{e}"
    );
}

#[test]
fn values_a_second_shell_parses_need_a_safe_regex() {
    // Line 8: `## A`, 10: fence, 11: the ssh line, 12: the bash -c line.
    let text = "---\nparams:\n  - name: host\n  - name: unit\n  - name: svc\n    regex: \"[a-z0-9-]+\"\n---\n## A\n\n```sh\nssh {{host}} systemctl restart {{unit}}\nsudo bash -c {{unit}}\nssh {{host}} systemctl restart {{svc}}\n```\n";
    let e = errs(text);
    has(
        &e,
        11,
        "`{{unit}}` reaches a second shell through `ssh (the remote shell)`",
    );
    has(&e, 12, "through `bash -c`");
    assert_eq!(
        e.errors.len(),
        2,
        "the destination and a regex-restricted value are fine: {e}"
    );
    assert!(e.errors[0].message.contains("regex:"), "{e}");
}

#[test]
fn warroom_lines_are_checked_against_the_action_verbs() {
    let text = "---\nparams:\n  - name: d\n---\n## A\n\n```warroom\n# a comment\nrollout-undo deployment/{{d}} -n shop\nreboot-everything now\nscale deployment/web\n```\n";
    let e = errs(text);
    has(&e, 10, "unknown action `reboot-everything`");
    has(&e, 11, "--replicas");
    assert_eq!(e.errors.len(), 2, "{e}");
}

#[test]
fn front_matter_errors_carry_the_yaml_line() {
    let e = errs("---\ntitle: x\nrto: soon\n---\n## A\n");
    has(&e, 3, "rto: bad duration \"soon\"");
    let e = errs("---\ntitle: x\nowner: bob\n---\n## A\n");
    has(&e, 3, "unknown field `owner`");
    let e = errs("---\nparams:\n  - name: a\n    colour: red\n---\n## A\n");
    has(&e, 4, "unknown field `colour`");
    let e = errs("---\nparams:\n  - name: a\n    label: k8s-namespace\n---\n## A\n");
    has(
        &e,
        4,
        "label `k8s-namespace` is not a Prometheus label name",
    );
    let rb = ok("---\nparams:\n  - name: ns\n    label: namespace\n---\n## A\n");
    assert_eq!(rb.params[0].label.as_deref(), Some("namespace"));
    let e = errs("---\nparams:\n  - name: a\n    regex: \"[\"\n---\n## A\n");
    has(&e, 4, "bad regex");
    let e = errs("---\ntitle: [unclosed\n---\n## A\n");
    assert!(e.errors[0].message.starts_with("front matter:"), "{e}");
    let e = errs("---\nparams:\n  - name: a\n    regex: \"[0-9]+\"\n    default: abc\n---\n## A\n");
    has(&e, 3, "does not match");
    let e = errs("---\nparams:\n  - name: a\n  - name: a\n  - name: \"b c\"\n---\n## A\n");
    has(&e, 2, "declared twice");
    has(&e, 5, "must be letters");
}

#[test]
fn structural_errors() {
    let e = errs("just prose, no steps\n");
    has(&e, 1, "no steps");
    let e = errs("intro\n\n```sh\necho before any step\n```\n\n## A\n");
    has(&e, 3, "before the first");
    let e = errs("## A\n\n```sh {bogus=1}\necho\n```\n\n## B\n\n```sh {timeout=x}\necho\n```\n");
    assert_eq!(e.errors.len(), 2, "every problem is reported at once");
    assert!(e.errors[0].line < e.errors[1].line);
}

#[test]
fn line_numbers_count_crlf_files_too() {
    let e = errs("## A\r\n\r\n```sh {bogus=1}\r\necho\r\n```\r\n");
    has(&e, 3, "unknown attribute");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("---\n".to_string()),
            Just("## Step\n".to_string()),
            Just("# T\n".to_string()),
            Just("```sh {timeout=5s name=\"a b\"}\n".to_string()),
            Just("```warroom\n".to_string()),
            Just("```check {expect-output=\"(\"}\n".to_string()),
            Just("```\n".to_string()),
            Just("params:\n  - name: x\n".to_string()),
            Just("echo {{x}} {{y}}\n".to_string()),
            Just("restart container/{{x}}\n".to_string()),
            Just("title: [\n".to_string()),
            "\\PC{0,40}\n",
            "[\\x00-\\x7f]{0,20}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn the_parser_never_panics(parts in proptest::collection::vec(fragment(), 0..20)) {
            let text: String = parts.concat();
            match parse(&text, Path::new("f.md")) {
                Ok(rb) => {
                    prop_assert!(!rb.steps.is_empty());
                    for s in &rb.steps {
                        prop_assert!(s.line >= 1);
                    }
                }
                Err(e) => {
                    let lines = text.lines().count().max(1);
                    for x in &e.errors {
                        prop_assert!(x.line <= lines + 1, "line {} of {}: {}", x.line, lines, x.message);
                    }
                }
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(s in "\\PC{0,300}") {
            let _ = parse(&s, Path::new("f.md"));
        }
    }
}
