use super::test_support::*;
use super::*;
use crate::pane::testing::Press;
use crate::workloads::model::{NodeSummary, Object};

fn opened() -> WorkloadsPane {
    let mut p = loaded();
    assert_eq!(p.press("nodes", &pctx()), Outcome::Handled);
    render(&mut p, 80, 24, false);
    p
}

#[test]
fn the_nodes_view_lists_troubled_nodes_first_with_their_pods() {
    let mut p = opened();
    p.apply(Update::Apply(Object::Node(NodeSummary {
        name: "ip-10-0-9-99.eu-west-1.compute.internal".into(),
        ready: false,
        message: Some("NodeStatusUnknown: Kubelet stopped posting node status.".into()),
        since: Some(now() - jiff::SignedDuration::from_mins(7)),
        pressure: vec![("MemoryPressure".into(), Some(now()))],
        taints: vec!["node.kubernetes.io/unreachable:NoExecute".into()],
        kubelet: "v1.30.4".into(),
        ..Default::default()
    })));
    let buf = render(&mut p, 80, 24, false);
    insta::assert_snapshot!("nodes_80x24", crate::ui::buffer_text(&buf));
    assert_eq!(
        p.nodes.rows[0].node.name,
        "ip-10-0-9-99.eu-west-1.compute.internal"
    );
    assert_eq!(p.nodes.rows[0].status(), "NotReady,MemoryPressure");
    let pods: usize = p.nodes.rows.iter().map(|r| r.pods).sum();
    let scheduled = p.store.pods.values().filter(|x| x.node.is_some()).count();
    assert_eq!(pods, scheduled, "every scheduled pod counted on its node");
    assert!(p.nodes.rows.iter().any(|r| r.problems > 0));
}

#[test]
fn cordon_uncordon_and_drain_request_previewed_actions_on_the_selected_node() {
    let mut p = opened();
    let node = p.nodes.selected().unwrap().to_string();
    let Outcome::Request(ActionSpec::Cordon(t)) = p.press("cordon", &pctx()) else {
        panic!("cordon is a request")
    };
    assert_eq!(
        (t.kind.as_str(), t.name.as_str(), t.namespace.as_deref()),
        ("node", node.as_str(), None)
    );
    assert_eq!(t.context.as_deref(), Some("prod"));
    assert!(matches!(
        p.press("uncordon", &pctx()),
        Outcome::Request(ActionSpec::Uncordon(_))
    ));
    // Drain asks how long to retry evictions a budget holds back.
    let out = p.press("drain", &pctx());
    let form = crate::pane::testing::form_in(&out).expect("drain asks for a timeout");
    assert_eq!(form.fields[0].value, "5m", "five minutes offered");
    let drain_form = WForm::Drain { node: node.clone() };
    let Outcome::Request(ActionSpec::Drain {
        target,
        pods,
        timeout,
    }) = p.on_form(drain_form.clone(), &["90s".into()], &pctx())
    else {
        panic!("drain is a request")
    };
    assert!(pods.is_none(), "the preview pins the pods");
    assert_eq!(
        (timeout.as_secs(), target.name.as_str()),
        (90, node.as_str())
    );
    for bad in ["soon", "0s", "48h"] {
        assert!(
            matches!(p.on_form(drain_form.clone(), &[bad.into()], &pctx()), Outcome::Notify(m) if m.contains("drain")),
            "{bad}"
        );
    }

    let ro = PaneCtx {
        read_only: true,
        ..pctx()
    };
    assert!(matches!(p.press("drain", &ro), Outcome::Notify(m) if m.contains("read-only")));
    p.apply(Update::Access {
        namespace: "*".into(),
        verdicts: vec![(Perm::PatchNodes, Some("RBAC: role oncall-readonly".into()))],
    });
    assert!(
        matches!(p.press("cordon", &pctx()), Outcome::Notify(m) if m.contains("oncall-readonly"))
    );
}

#[test]
fn outside_the_view_node_actions_need_a_node_row() {
    let mut p = loaded();
    render(&mut p, 80, 24, false);
    assert!(matches!(p.press("drain", &pctx()), Outcome::Notify(m) if m.contains("select a node")));
}
