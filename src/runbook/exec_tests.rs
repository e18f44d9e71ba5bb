//! Rendering `warroom` action lines: a parameter value stays one word of one
//! action, whatever spaces, quotes or newlines it holds.

use super::exec::{Params, plan};
use super::parse::parse;
use crate::action::{ActionHandler, ActionOutcome, ActionSpec, Actions, Domain, Preview, Progress};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

struct Any;

#[async_trait::async_trait]
impl ActionHandler for Any {
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, crate::action::ActionError> {
        Ok(Preview::new(
            format!("{} {}", spec.verb(), spec.target()),
            "test",
        ))
    }
    async fn execute(
        &self,
        _: &ActionSpec,
        _: Progress,
    ) -> Result<ActionOutcome, crate::action::ActionError> {
        Err(crate::action::ActionError::Invalid(
            "not in this test".into(),
        ))
    }
}

fn actions(dir: &Path) -> Actions {
    let mut a = Actions::new(
        crate::audit::AuditLog::new(dir.join("audit.jsonl")),
        false,
        false,
    );
    a.register(Domain::Docker, Arc::new(Any));
    a.register(Domain::Alertmanager, Arc::new(Any));
    a
}

const RB: &str = "---\nparams:\n  - name: why\n  - name: c\n---\n## Act\n\n```warroom\nsilence alertname=Down --comment {{why}}\nrestart container/{{c}}\n```\n";

async fn planned(why: &str, c: &str) -> super::exec::Plan {
    let dir = tempfile::tempdir().unwrap();
    let rb = parse(RB, Path::new("rb.md")).unwrap();
    let values: BTreeMap<String, String> = [("why", why), ("c", c)]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    plan(&rb, 0, &Params::new(&rb, values), &actions(dir.path())).await
}

#[tokio::test]
async fn action_values_with_spaces_quotes_and_newlines_stay_one_word() {
    for why in [
        "db restore in progress",
        "it's \"fine\" --duration 1s",
        "x' --alertmanager evil '",
        "two\nrestart container/other",
        "$(touch pwned) `id` ; #",
    ] {
        let p = planned(why, "web").await;
        assert_eq!(p.error(), None, "{why:?}");
        let specs: Vec<&ActionSpec> = p.blocks[0].actions.iter().map(|(s, _)| s).collect();
        assert_eq!(specs.len(), 2, "{why:?}: {specs:?}");
        match specs[0] {
            ActionSpec::Silence {
                comment,
                alertmanager,
                duration,
                matchers,
            } => {
                assert_eq!(comment, why);
                assert_eq!(alertmanager, &None);
                assert_eq!(matchers, &["alertname=Down"]);
                assert_eq!(*duration, std::time::Duration::from_secs(3600));
            }
            other => panic!("{why:?}: {other:?}"),
        }
        assert!(
            matches!(specs[1], ActionSpec::ContainerRestart { .. }),
            "{specs:?}"
        );
    }
}

#[tokio::test]
async fn an_action_value_that_would_read_as_an_option_is_refused() {
    let p = planned("--alertmanager=evil", "web").await;
    let e = p.error().expect("refused");
    assert_eq!(
        e,
        &super::exec::PlanError::OptionLike {
            name: "why".into(),
            verb: "silence".into()
        }
    );
    assert!(e.to_string().contains("read as an option"), "{e}");
    assert!(
        !p.blocks[0]
            .actions
            .iter()
            .any(|(s, _)| matches!(s, ActionSpec::Silence { .. })),
        "the refused line is not parsed: {p:?}"
    );
    // Inside a word (`container/{{c}}`) a leading dash is just text.
    let p = planned("why", "-x").await;
    assert_eq!(p.error(), None);
}

/// Answers every action with success and a restore point, like a restore.
struct Restorer;

const RESTORE_POINT: i64 = 1_800_000_000;

#[async_trait::async_trait]
impl ActionHandler for Restorer {
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, crate::action::ActionError> {
        Ok(Preview::new(
            format!("{} {}", spec.verb(), spec.target()),
            "test",
        ))
    }
    async fn execute(
        &self,
        _: &ActionSpec,
        _: Progress,
    ) -> Result<ActionOutcome, crate::action::ActionError> {
        Ok(ActionOutcome {
            summary: "restored".into(),
            restore_point_time: Some(jiff::Timestamp::from_second(RESTORE_POINT).unwrap()),
        })
    }
}

/// The action is on disk while the step still runs: the shell block after it
/// greps the journal (what a `kill -9` at that moment would leave), then the
/// step fails. The action is journaled once, between start and finish.
#[tokio::test]
async fn actions_are_journaled_as_soon_as_they_return() {
    use super::journal::{self, Entry};
    let dir = tempfile::tempdir().unwrap();
    let journals = dir.path().join("journals");
    let text = "---\nparams:\n  - name: dir\n---\n## Restore then fail\n\n```warroom\nrestart container/web\n```\n\n```sh\ngrep -h '\"type\":\"action\"' {{dir}}/*.jsonl > {{dir}}/seen\nexit 3\n```\n";
    let rb = parse(text, &dir.path().join("rb.md")).unwrap();
    let mut a = Actions::new(
        crate::audit::AuditLog::new(dir.path().join("audit.jsonl")),
        false,
        false,
    );
    a.register(Domain::Docker, Arc::new(Restorer));
    let values = [("dir".to_string(), journals.display().to_string())].into();
    let mut s = super::session::Session::start(rb, values, &journals).unwrap();
    let plan = s.plan(0, &a).await;
    assert_eq!(plan.error(), None);
    let res = s.run_step(&plan, &a, Arc::new(|_| {})).await.unwrap();
    assert!(!res.passed, "the shell block fails after the action");

    let seen = std::fs::read_to_string(journals.join("seen")).unwrap();
    assert_eq!(
        seen.lines().count(),
        1,
        "journaled before the step ended: {seen:?}"
    );
    assert!(seen.contains("\"restore_point_time\""), "{seen}");

    let l = journal::load(&s.journal.path).unwrap();
    let kinds: Vec<&str> = l
        .entries
        .iter()
        .map(|e| match e {
            Entry::RunStarted { .. } => "run",
            Entry::StepStarted { .. } => "start",
            Entry::StepProcess { .. } => "process",
            Entry::Action { .. } => "action",
            Entry::StepFinished { .. } => "finish",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["run", "start", "action", "process", "finish"],
        "written once, in order"
    );
    assert!(l.entries.iter().any(|e| matches!(
        e,
        Entry::Action { step: Some(0), ok: true, restore_point_time: Some(t), .. }
            if t.as_second() == RESTORE_POINT
    )));
}
