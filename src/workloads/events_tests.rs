use super::*;
use k8s_openapi::api::core::v1::Event;
use serde_json::json;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A core `v1` event as the kubelet writes it (count, first/lastTimestamp).
fn core(
    name: &str,
    (kind, obj): (&str, &str),
    (type_, reason): (&str, &str),
    count: i32,
    (first, last): (&str, &str),
) -> EventSummary {
    let e: Event = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": "shop", "creationTimestamp": first},
        "involvedObject": {"kind": kind, "name": obj, "namespace": "shop", "apiVersion": "v1"},
        "type": type_, "reason": reason, "message": format!("{reason} on {obj}"),
        "count": count, "firstTimestamp": first, "lastTimestamp": last,
        "source": {"component": "kubelet", "host": "worker-2"}
    }))
    .unwrap();
    EventSummary::from(&e)
}

#[test]
fn core_v1_events_read_count_first_and_last_seen() {
    let e = core(
        "api.1",
        ("Pod", "api-7d9"),
        ("Warning", "BackOff"),
        27,
        ("2026-12-02T10:00:00Z", "2026-12-02T12:30:00Z"),
    );
    assert_eq!(e.count, 27);
    assert_eq!(e.first, Some(ts("2026-12-02T10:00:00Z")));
    assert_eq!(e.last, Some(ts("2026-12-02T12:30:00Z")));
    assert_eq!(e.source, "kubelet");
    assert_eq!(e.object_namespace, "shop");
    assert!(e.is_warning());
}

#[test]
fn events_k8s_io_series_give_count_and_last_observed_time() {
    // What an events.k8s.io/v1 event (scheduler, controllers) looks like
    // read through core v1: eventTime, series, reportingComponent, no count.
    let e: Event = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": "db-0.17f", "namespace": "shop", "creationTimestamp": "2026-12-02T11:00:00Z"},
        "involvedObject": {"kind": "Pod", "name": "db-0", "namespace": "shop"},
        "type": "Warning", "reason": "FailedScheduling",
        "message": "0/3 nodes are available: 3 Insufficient memory.",
        "eventTime": "2026-12-02T11:00:00.000000Z",
        "series": {"count": 14, "lastObservedTime": "2026-12-02T11:40:00.000000Z"},
        "reportingComponent": "default-scheduler", "reportingInstance": "default-scheduler-cp-1",
        "action": "Scheduling"
    }))
    .unwrap();
    let e = EventSummary::from(&e);
    assert_eq!(e.count, 14);
    assert_eq!(e.first, Some(ts("2026-12-02T11:00:00Z")));
    assert_eq!(e.last, Some(ts("2026-12-02T11:40:00Z")));
    assert_eq!(e.source, "default-scheduler");
}

#[test]
fn node_events_have_no_namespace_and_huge_messages_are_cut() {
    let e: Event = serde_json::from_value(json!({
        "metadata": {"name": "worker-3.1", "namespace": "default"},
        "involvedObject": {"kind": "Node", "name": "worker-3"},
        "type": "Normal", "reason": "NodeNotReady", "message": "x".repeat(1 << 20)
    }))
    .unwrap();
    let e = EventSummary::from(&e);
    assert_eq!(e.object_namespace, "");
    assert_eq!(e.count, 1);
    assert!(e.message.len() <= crate::workloads::model::EVENT_MESSAGE_MAX + '…'.len_utf8());
    assert_eq!(ObjectRef::of(&e).label(), "Node worker-3");
}

fn estate() -> Vec<EventSummary> {
    vec![
        // checkout: only Normal events, the most recent of all.
        core(
            "co.1",
            ("Pod", "checkout-5f"),
            ("Normal", "Pulled"),
            1,
            ("2026-12-02T12:00:00Z", "2026-12-02T12:59:00Z"),
        ),
        // api: a warning an hour ago, and a recent normal event.
        core(
            "api.1",
            ("Pod", "api-7d9"),
            ("Normal", "Started"),
            3,
            ("2026-12-02T10:00:00Z", "2026-12-02T12:50:00Z"),
        ),
        core(
            "api.2",
            ("Pod", "api-7d9"),
            ("Warning", "BackOff"),
            25,
            ("2026-12-02T10:05:00Z", "2026-12-02T11:50:00Z"),
        ),
        core(
            "api.3",
            ("Pod", "api-7d9"),
            ("Warning", "Unhealthy"),
            4,
            ("2026-12-02T10:01:00Z", "2026-12-02T11:00:00Z"),
        ),
        // The deployment: one older warning.
        core(
            "dep.1",
            ("Deployment", "api"),
            ("Warning", "ProgressDeadlineExceeded"),
            1,
            ("2026-12-02T09:00:00Z", "2026-12-02T09:00:00Z"),
        ),
    ]
}

#[test]
fn objects_with_warnings_come_first_newest_first_and_their_warnings_lead() {
    let events = estate();
    let groups = group(&events, &EventQuery::default());
    let order: Vec<String> = groups.iter().map(|g| g.object.label()).collect();
    assert_eq!(
        order,
        [
            "Pod shop/api-7d9",
            "Deployment shop/api",
            "Pod shop/checkout-5f"
        ]
    );
    let api = &groups[0];
    assert_eq!(api.warnings, 2);
    assert_eq!(api.count, 32);
    assert_eq!(api.first, Some(ts("2026-12-02T10:00:00Z")));
    assert_eq!(api.last, Some(ts("2026-12-02T12:50:00Z")));
    let reasons: Vec<&str> = api.events.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons, ["BackOff", "Unhealthy", "Started"]);
}

#[test]
fn warnings_since_and_text_narrow_the_groups() {
    let events = estate();
    let warnings = group(
        &events,
        &EventQuery {
            warnings_only: true,
            ..Default::default()
        },
    );
    assert_eq!(warnings.len(), 2);
    assert!(
        warnings
            .iter()
            .all(|g| g.events.iter().all(|e| e.is_warning()))
    );

    let recent = group(
        &events,
        &EventQuery {
            since: Some(ts("2026-12-02T11:30:00Z")),
            ..Default::default()
        },
    );
    let recent: Vec<&str> = recent.iter().map(|g| g.object.name.as_str()).collect();
    assert_eq!(recent, ["api-7d9", "checkout-5f"]);

    let text = group(&events, &EventQuery::default().with_text("  DEADLINE "));
    assert_eq!(text.len(), 1);
    assert_eq!(text[0].object.kind, "Deployment");
}

#[test]
fn rows_put_each_header_before_its_events() {
    let events = estate();
    let groups = group(&events, &EventQuery::default());
    let rows = rows(&groups);
    assert_eq!(rows.len(), 3 + 5);
    assert_eq!(rows[0], EventRow::Group(0));
    assert_eq!(rows[1], EventRow::Event(0, 0));
    assert_eq!(rows[4], EventRow::Group(1));
    assert_eq!(rows[7].group(), 2);
}
