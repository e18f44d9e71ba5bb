//! The pane on the demo estate, rendered: snapshots at 80x24, colours, the
//! filter, sanitising, and the report. Keys → outcomes are in
//! `pane_actions_tests.rs`.

use super::test_support::{loaded, now, pctx, render};
use super::*;
use crate::pane::testing::Press;
use crate::theme::Theme;

fn find(buf: &Buffer, text: &str) -> Option<(u16, u16)> {
    let t = crate::ui::buffer_text(buf);
    t.lines().enumerate().find_map(|(y, l)| {
        l.find(text)
            .map(|bx| (l[..bx].chars().count() as u16, y as u16))
    })
}

#[test]
fn problems_list_puts_critical_first_with_last_termination() {
    let mut p = loaded();
    let buf = render(&mut p, 80, 24, false);
    insta::assert_snapshot!("problems_80x24", crate::ui::buffer_text(&buf));
    let rows = &p.rows;
    assert_eq!(
        rows[0].health.severity,
        Some(crate::report::Severity::Critical)
    );
    assert!(rows.iter().any(|r| r.last == "OOMKilled (137)"));
    // Severity carries colour: the crash-looping pod's reason is drawn critical.
    let theme = Theme::fallback(false);
    // (The first row is selected and drawn in the selection style.)
    let (x, y) = find(&buf, "ImagePullBackOff").expect("image pull listed");
    assert_eq!(buf[(x, y)].fg, theme.critical.fg.unwrap_or_default());
    let (x, y) = find(&buf, "NotReady").expect("not-ready pod listed");
    assert_eq!(buf[(x, y)].fg, theme.warning.fg.unwrap_or_default());
}

#[test]
fn tree_shows_deployment_replicasets_and_pods() {
    let mut p = loaded();
    assert_eq!(p.press("toggle_view", &pctx()), Outcome::Handled);
    let buf = render(&mut p, 80, 24, false);
    insta::assert_snapshot!("tree_80x24", crate::ui::buffer_text(&buf));
    let depths: Vec<(u8, Kind)> = p.rows.iter().take(4).map(|r| (r.depth, r.kind)).collect();
    assert_eq!(depths[0], (0, Kind::Deployment));
    assert_eq!(depths[1], (1, Kind::ReplicaSet));
    assert_eq!(depths[2], (2, Kind::Pod));
}

#[test]
fn detail_shows_containers_last_state_probes_events_and_owner_chain() {
    let mut p = loaded();
    p.set_filter("backend-6f4d");
    render(&mut p, 80, 24, false);
    assert_eq!(p.press("select", &pctx()), Outcome::Handled);
    let buf = render(&mut p, 80, 40, false);
    let text = crate::ui::buffer_text(&buf);
    insta::assert_snapshot!("detail_crashloop_80x40", text);
    assert!(text.contains("Terminated: OOMKilled (137)"));
    assert!(text.contains("Pod backend-6f4d9c8b7-"));
    assert!(
        text.contains("← ReplicaSet backend-6f4d9c8b7 ← Deployment"),
        "{text}"
    );
    assert!(text.contains("BackOff"));
    let buf = render(&mut p, 80, 24, false);
    insta::assert_snapshot!("detail_crashloop_80x24", crate::ui::buffer_text(&buf));
    assert_eq!(p.press("back", &pctx()), Outcome::Handled);
    assert!(p.detail.is_none());
}

#[test]
fn the_detail_never_scrolls_past_its_end() {
    let mut p = loaded();
    p.set_filter("backend-6f4d");
    render(&mut p, 80, 24, false);
    p.press("select", &pctx());
    // A short window, so the detail is longer than it.
    render(&mut p, 80, 14, false);
    // Far more than the detail holds: before the shared scroll, the offset
    // ran on and the panel went blank.
    for _ in 0..200 {
        p.press("page_down", &pctx());
    }
    let text = crate::ui::buffer_text(&render(&mut p, 80, 14, false));
    assert!(
        text.contains("Actions"),
        "the last lines stay on screen at the bottom:\n{text}"
    );
    // One step up from the end moves by one line, not by the 200 pages pressed.
    let at_end = p.detail_scroll.offset();
    assert!(at_end > 0, "the detail is longer than 14 rows:\n{text}");
    p.press("up", &pctx());
    assert_eq!(p.detail_scroll.offset(), at_end - 1);
}

#[test]
fn tiny_and_empty_renders_do_not_panic_and_empty_says_why() {
    let mut p = loaded();
    render(&mut p, 20, 5, false);
    p.press("toggle_view", &pctx());
    render(&mut p, 20, 5, false);
    let mut empty = WorkloadsPane::new(&Config::default());
    let text = crate::ui::buffer_text(&render(&mut empty, 80, 10, false));
    assert!(text.contains("No Kubernetes objects yet"), "{text}");
    assert!(text.contains("k8s:prod"), "{text}");
}

#[test]
fn filter_by_label_name_or_reason() {
    let mut p = loaded();
    p.set_filter("app=celery-worker");
    render(&mut p, 80, 24, false);
    assert!(!p.rows.is_empty());
    assert!(
        p.rows
            .iter()
            .all(|r| r.key.name.starts_with("celery-worker"))
    );
    p.set_filter("imagepull");
    render(&mut p, 80, 24, false);
    assert!(
        p.rows.iter().all(|r| r.health.reason == "ImagePullBackOff"),
        "{:?}",
        p.rows
    );
    p.set_filter("nothing-like-this");
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(text.contains("Nothing matches"));
}

#[test]
fn report_lists_problems_with_namespace_name_reason_detail() {
    let p = loaded();
    let section = p.report(now()).unwrap();
    let v = serde_json::to_value(&section).unwrap();
    let problems = v["problems"].as_array().unwrap();
    let crash = problems
        .iter()
        .find(|x| x["reason"] == "CrashLoopBackOff")
        .expect("crash loop in report");
    assert_eq!(crash["namespace"], "toolboxai");
    assert!(
        crash["name"]
            .as_str()
            .unwrap()
            .starts_with("backend-6f4d9c8b7-")
    );
    assert!(
        crash["detail"]
            .as_str()
            .unwrap()
            .starts_with("last exit OOMKilled (137)")
    );
    assert!(problems.iter().any(|x| x["reason"] == "ImagePullBackOff"));
    assert!(problems.iter().all(|x| x["reason"] != "Completed"));
    assert_eq!(section.status, "problems");
}

#[test]
fn escape_sequences_from_the_cluster_never_reach_the_screen() {
    let mut p = loaded();
    let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "evil-pod", "namespace": "toolboxai", "labels": {"app": "evil"}},
        "spec": {"containers": [{"name": "x\u{1b}[2J", "image": "evil:1"}]},
        "status": {"phase": "Pending", "containerStatuses": [{"name": "x\u{1b}[2J", "image": "evil:1",
            "imageID": "", "ready": false, "restartCount": 0,
            "state": {"waiting": {"reason": "CreateContainerConfigError",
                "message": "secret \"a\u{1b}]52;c;SGVsbG8=\u{7}\" not found\r\nfake line"}}}]}
    }))
    .unwrap();
    p.apply(Update::Apply(crate::workloads::model::Object::Pod(
        Box::new((&pod).into()),
    )));
    p.set_filter("evil");
    let list = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(list.contains("CreateContainer"), "{list}");
    p.press("select", &pctx());
    let detail = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    for text in [list, detail] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\r'),
            "{text:?}"
        );
    }
}
