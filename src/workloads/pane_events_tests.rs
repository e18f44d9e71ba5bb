use super::test_support::*;
use super::*;
use crate::pane::testing::Press;
use crate::workloads::events::EventRow;
use crate::workloads::model::{EventSummary, Object};

fn event(
    name: &str,
    kind: &str,
    object: &str,
    type_: &str,
    reason: &str,
    mins_ago: i64,
) -> EventSummary {
    use jiff::ToSpan;
    EventSummary {
        key: Key::new("toolboxai", name),
        object_kind: kind.into(),
        object_namespace: if kind == "Node" {
            String::new()
        } else {
            "toolboxai".into()
        },
        object_name: object.into(),
        type_: type_.into(),
        reason: reason.into(),
        message: format!("{reason} for {object}"),
        count: 2,
        first: Some(now() - (mins_ago + 30).minutes()),
        last: Some(now() - mins_ago.minutes()),
        source: "deployment-controller".into(),
    }
}

fn opened() -> WorkloadsPane {
    let mut p = loaded();
    assert_eq!(p.press("events", &pctx()), Outcome::Handled);
    render(&mut p, 80, 24, false);
    p
}

#[test]
fn the_events_view_lists_warnings_first_grouped_by_object() {
    let mut p = opened();
    let buf = render(&mut p, 80, 24, false);
    insta::assert_snapshot!("events_80x24", crate::ui::buffer_text(&buf));
    let groups = &p.events.groups;
    assert!(!groups.is_empty());
    let first_normal_only = groups
        .iter()
        .position(|g| g.warnings == 0)
        .unwrap_or(groups.len());
    assert!(
        groups[..first_normal_only].iter().all(|g| g.warnings > 0)
            && groups[first_normal_only..].iter().all(|g| g.warnings == 0),
        "objects with warnings lead"
    );
    for g in groups {
        let w = g.events.iter().take_while(|e| e.is_warning()).count();
        assert_eq!(
            w,
            g.warnings,
            "{}: warnings first inside the group",
            g.object.label()
        );
    }
    let text = crate::ui::buffer_text(&buf);
    assert!(text.contains("events —"), "{text}");
    assert!(text.contains("⚠ BackOff"), "{text}");
}

#[test]
fn enter_on_an_event_opens_the_object_it_is_about() {
    let mut p = opened();
    let row = p
        .events
        .rows
        .iter()
        .position(|r| matches!(r, EventRow::Event(g, e) if p.events.groups[*g].events[*e].reason == "FailedScheduling"))
        .expect("the demo's FailedScheduling event");
    p.events.table.selected = row;
    let object = p.events.selected_object().unwrap().clone();
    assert_eq!(p.press("select", &pctx()), Outcome::Handled);
    assert!(!p.events.open, "the view closes on the object");
    assert_eq!(
        p.detail,
        Some((
            Kind::Pod,
            Key::new(object.namespace.clone(), object.name.clone())
        ))
    );
    let text = crate::ui::buffer_text(&render(&mut p, 80, 40, false));
    assert!(text.contains(&format!("Pod {}", object.name)), "{text}");
}

#[test]
fn the_filter_narrows_events_and_new_events_show_without_a_key() {
    let mut p = opened();
    let before = p.events.rows.len();
    p.set_filter("insufficient memory");
    render(&mut p, 80, 24, false);
    assert_eq!(p.events.groups.len(), 1, "only the unschedulable pod");
    assert!(p.events.groups[0].object.name.starts_with("vanna-api"));

    p.set_filter("");
    p.apply(Update::Apply(Object::Event(event(
        "api.rollout",
        "Deployment",
        "backend",
        "Warning",
        "ProgressDeadlineExceeded",
        0,
    ))));
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert_eq!(p.events.rows.len(), before + 2, "a new group and its event");
    assert!(text.contains("deployment/backend"), "{text}");
    assert_eq!(
        p.events.groups[0].object.name, "backend",
        "the newest warning leads"
    );
}

#[test]
fn the_selection_stays_on_its_event_when_others_arrive() {
    let mut p = opened();
    p.events.table.selected = 1;
    let kept = p.events.selected_object().unwrap().clone();
    p.apply(Update::Apply(Object::Event(event(
        "n.1",
        "Node",
        "worker-9",
        "Warning",
        "NodeNotReady",
        0,
    ))));
    render(&mut p, 80, 24, false);
    assert_eq!(p.events.selected_object(), Some(&kept));
    assert_eq!(p.events.groups[0].object.kind, "Node");
    // A node has no detail here yet: enter says its state instead.
    p.events.table.selected = 0;
    let out = p.press("select", &pctx());
    assert!(
        matches!(&out, Outcome::Notify(m) if m.contains("worker-9")),
        "{out:?}"
    );
    assert!(p.events.open);
    assert_eq!(p.press("back", &pctx()), Outcome::Handled);
    assert!(!p.events.open);
}
