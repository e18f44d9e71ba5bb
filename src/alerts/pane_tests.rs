//! The alerts pane's keys, forms, jumps and report: silence, ack, expire,
//! acks shown apart from silences, and the Alertmanager choice.

use super::model::*;
use super::pane::AlertsPane;
use super::test_support::{am, ctx, estate, pane_with_estate, render, snap, ts};
use crate::action::ActionSpec;
use crate::config::Config;
use crate::pane::testing::Press;
use crate::pane::{Jump, Outcome, Pane, PaneCtx};
use std::time::Duration;

// ---- pane keys, forms, jumps, report ----------------------------------------------------

#[test]
fn silence_form_prefills_matchers_and_targets_the_reporting_alertmanager() {
    let mut p = pane_with_estate();
    let Outcome::Form(form) = p.press("silence", &ctx()) else {
        panic!("expected a form")
    };
    assert!(
        form.title.contains("2 alert(s) on am:main"),
        "{}",
        form.title
    );
    assert_eq!(
        form.fields[0].value,
        r#"alertname="ServiceDown" namespace="ridendine" severity="critical""#
    );
    let values = vec![
        form.fields[0].value.clone(),
        "30m".into(),
        "restarting dispatch".into(),
    ];
    match p.on_form(form.payload.clone(), &values, &ctx()) {
        Outcome::Request(ActionSpec::Silence {
            matchers,
            duration,
            comment,
            alertmanager,
        }) => {
            assert_eq!(matchers.len(), 3);
            assert_eq!(duration, Duration::from_secs(1800));
            assert_eq!(comment, "restarting dispatch");
            assert_eq!(alertmanager.as_deref(), Some("main"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_silence_form_without_comment_or_with_bad_input_comes_back() {
    let mut p = pane_with_estate();
    let Outcome::Form(form) = p.press("silence", &ctx()) else {
        panic!()
    };
    for (values, err) in [
        (
            vec![form.fields[0].value.clone(), "30m".into(), "".into()],
            "comment",
        ),
        (
            vec![form.fields[0].value.clone(), "soon".into(), "x".into()],
            "soon",
        ),
        (
            vec!["alertname=~\"(\"".into(), "30m".into(), "x".into()],
            "regex",
        ),
    ] {
        match p.on_form(form.payload.clone(), &values, &ctx()) {
            Outcome::Many(v) => {
                assert!(matches!(&v[0], Outcome::Form(f) if f.fields[1].value == values[1]));
                assert!(
                    matches!(&v[1], Outcome::Notify(t) if t.contains(err)),
                    "{v:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn ack_is_one_key_for_a_short_silence_and_read_only_refuses() {
    let mut cfg = Config::default();
    cfg.alerts.ack_duration = Duration::from_secs(600);
    let mut p = AlertsPane::new(&cfg);
    let (a, _) = estate();
    p.apply(super::Update::Snapshot(Box::new(a)));
    match p.press("ack", &ctx()) {
        Outcome::Request(ActionSpec::Silence {
            duration, comment, ..
        }) => {
            assert_eq!(duration, Duration::from_secs(600));
            assert!(comment.starts_with("ack by "));
        }
        other => panic!("{other:?}"),
    }
    let ro = PaneCtx {
        read_only: true,
        now: ts(0),
    };
    for action in ["ack", "silence", "expire_silence"] {
        assert!(
            matches!(p.press(action, &ro), Outcome::Notify(t) if t.contains("read-only")),
            "{action}"
        );
    }
}

#[test]
fn expire_from_the_silences_view_and_from_a_silenced_alert() {
    let mut p = pane_with_estate();
    p.press("toggle_silences", &ctx());
    let want = Outcome::Request(ActionSpec::ExpireSilence {
        id: "sil-1".into(),
        alertmanager: Some("main".into()),
    });
    assert_eq!(p.press("expire_silence", &ctx()), want);
    p.press("toggle_silences", &ctx());
    p.press("bottom", &ctx());
    p.press("up", &ctx());
    assert_eq!(
        p.press("expire_silence", &ctx()),
        want,
        "DiskSpaceLow is silenced by sil-1"
    );
}

#[test]
fn jumps_go_to_runbook_logs_and_workload() {
    let mut p = pane_with_estate();
    p.press("select", &ctx()); // expand ServiceDown
    p.press("down", &ctx()); // its first alert (dispatch)
    // The runbook jump carries the alert: its labels fill the runbook's
    // params and the run records it.
    let Outcome::Jump(Jump::Runbook { path, alert }) = p.press("open_runbook", &ctx()) else {
        panic!("expected a runbook jump")
    };
    assert_eq!(
        path,
        std::path::PathBuf::from("docs/runbooks/restart-service.md")
    );
    let alert = alert.expect("the alert travels with the jump");
    assert_eq!(alert.name, "ServiceDown");
    assert_eq!(alert.labels["job"], "dispatch");
    assert_eq!(
        alert.fingerprint,
        crate::alerts::model::fingerprint(&alert.labels)
    );
    // Logs over the alert's window: from 15 minutes before it became active.
    let started = alert.starts_at.expect("the estate says when it started");
    assert_eq!(
        p.press("jump_logs", &ctx()),
        Outcome::Jump(Jump::LogQuery {
            query: r#"{namespace="ridendine", job="dispatch"}"#.into(),
            from: Some(started - jiff::SignedDuration::from_mins(15)),
        })
    );
    assert_eq!(
        p.press("jump_target", &ctx()),
        Outcome::Jump(Jump::Workload {
            namespace: Some("ridendine".into()),
            name: "dispatch".into()
        })
    );
    p.press("down", &ctx()); // routing: no runbook annotation
    assert!(
        matches!(p.press("open_runbook", &ctx()), Outcome::Notify(t) if t.contains("no runbook_url"))
    );
}

#[test]
fn report_lists_firing_and_silenced_alerts_and_broken_rules() {
    let p = pane_with_estate();
    let r = p.report(jiff::Timestamp::now()).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    let problems = v["problems"].as_array().unwrap();
    let down = problems
        .iter()
        .find(|x| x["name"] == "ServiceDown")
        .unwrap();
    assert_eq!(down["severity"], "critical");
    assert_eq!(down["state"], "firing");
    assert!(down["labels"]["job"].as_str().is_some());
    assert_eq!(down["source"], "am:main,prom:main");
    let disk = problems
        .iter()
        .find(|x| x["name"] == "DiskSpaceLow")
        .unwrap();
    assert_eq!(disk["state"], "silenced");
    assert_eq!(disk["silenced"], true);
    let rule = problems
        .iter()
        .find(|x| x["state"] == "broken_rule")
        .unwrap();
    assert_eq!(rule["name"], "redis:memory_used:ratio");
    assert!(
        problems.iter().all(|x| x["name"] != "HighLatency"),
        "pending is not firing"
    );
    assert!(r.summary.contains("2 firing"), "{}", r.summary);
}

// ---- acks and the Alertmanager choice ------------------------------------------

/// The estate with a second ServiceDown silenced by an ack (`ack by …`).
fn pane_with_an_ack() -> AlertsPane {
    let mut p = AlertsPane::new(&Config::default());
    let (mut a, b) = estate();
    a.alerts[1].state = AlertState::Silenced;
    a.alerts[1].silenced_by = vec!["ack-1".into()];
    a.silences.push(Silence {
        id: "ack-1".into(),
        matchers: vec![super::matcher::Matcher::eq("job", "routing")],
        state: SilenceState::Active,
        created_by: "alice@bastion-1".into(),
        comment: "ack by alice@bastion-1".into(),
        starts_at: Some(ts(-60)),
        ends_at: Some(ts(840)),
        alertmanager: "main".into(),
    });
    for s in [b, a] {
        p.apply(super::Update::Snapshot(Box::new(s)));
    }
    p
}

#[test]
fn acknowledged_alerts_are_shown_apart_from_silenced_ones() {
    let mut p = pane_with_an_ack();
    let text = crate::ui::buffer_text(&render(&mut p, 100, 24, false));
    assert!(
        text.contains("1 silenced · 1 acked"),
        "the title counts them apart:\n{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("silenced") && l.contains("DiskSpaceLow")),
        "a plain silence still reads silenced:\n{text}"
    );
    // The ServiceDown group: one firing, one acked; expanded, the acked row says so.
    p.press("select", &ctx());
    let text = crate::ui::buffer_text(&render(&mut p, 100, 24, false));
    assert!(
        text.lines()
            .any(|l| l.contains("acked") && l.contains("routing")),
        "{text}"
    );
    // karma's acks count too; a silence that is not an ack does not.
    let mut s = Silence {
        id: "k".into(),
        matchers: vec![],
        state: SilenceState::Active,
        created_by: "karma".into(),
        comment: "ACK! This alert was acknowledged using karma".into(),
        starts_at: None,
        ends_at: None,
        alertmanager: "main".into(),
    };
    assert!(s.is_ack());
    s.comment = "acknowledged upstream outage".into();
    assert!(!s.is_ack());

    let report = p.report(jiff::Timestamp::now()).unwrap();
    let json = serde_json::to_value(&report.problems).unwrap();
    let acked: Vec<&serde_json::Value> = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["acked"] == true)
        .collect();
    assert_eq!(acked.len(), 1, "{json:#}");
    assert_eq!(acked[0]["labels"]["job"], "routing");
}

#[test]
fn with_several_alertmanagers_the_silence_form_lets_the_operator_choose() {
    let mut p = pane_with_estate();
    // One Alertmanager: no choice to make, no field.
    let Outcome::Form(form) = p.press("silence", &ctx()) else {
        panic!()
    };
    assert_eq!(form.fields.len(), 3);
    p.apply(super::Update::Snapshot(Box::new(snap(am("dr"), 0, vec![]))));
    let Outcome::Form(form) = p.press("silence", &ctx()) else {
        panic!()
    };
    assert_eq!(form.fields.len(), 4);
    assert_eq!(form.fields[3].value, "main", "prefilled: the reporting one");
    assert!(
        form.fields[3].label.contains("dr, main"),
        "{}",
        form.fields[3].label
    );
    let mut values: Vec<String> = form.fields.iter().map(|f| f.value.clone()).collect();
    values[2] = "failover test".into();
    values[3] = "staging".into();
    match p.on_form(form.payload.clone(), &values, &ctx()) {
        Outcome::Many(v) => {
            let Some(Outcome::Form(again)) = v.first() else {
                panic!("{v:?}")
            };
            assert!(
                again.title.contains("no Alertmanager named \"staging\""),
                "{}",
                again.title
            );
            assert_eq!(again.fields[3].value, "staging", "what was typed is kept");
        }
        o => panic!("{o:?}"),
    }
    values[3] = "dr".into();
    match p.on_form(form.payload.clone(), &values, &ctx()) {
        Outcome::Request(ActionSpec::Silence { alertmanager, .. }) => {
            assert_eq!(alertmanager.as_deref(), Some("dr"));
        }
        o => panic!("{o:?}"),
    }
}
