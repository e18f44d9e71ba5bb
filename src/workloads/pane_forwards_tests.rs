use super::test_support::*;
use super::*;
use crate::pane::testing::Press;
use crate::workloads::ForwardChange;
use crate::workloads::portforward::{ForwardEvent, ForwardStats, Listener};

fn forward_form(p: &mut WorkloadsPane, name_prefix: &str, kind: Kind) -> Form<WForm> {
    p.press("toggle_view", &pctx());
    p.set_filter(name_prefix);
    render(p, 80, 24, false);
    let i = p
        .rows
        .iter()
        .position(|r| r.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} {name_prefix} listed"));
    p.table.selected = i;
    match p.press("port_forward", &pctx()) {
        Outcome::Form(f) => f,
        o => panic!("not a form: {o:?}"),
    }
}

#[test]
fn the_form_names_the_selection_and_its_pods_declared_ports() {
    let mut p = loaded();
    let f = forward_form(&mut p, "backend", Kind::Deployment);
    assert_eq!(f.fields[0].value, "deployment/backend");
    assert_eq!(f.fields[1].value, "8080", "the pod's container port");
    assert!(f.title.contains("prod/toolboxai"), "{}", f.title);
    // Edited to the service, any free local port.
    let out = p.on_form(
        f.payload,
        &["svc/backend".into(), "0:http 9090".into()],
        &pctx(),
    );
    let Outcome::Command(Command::PortForward { id, request }) = out else {
        panic!("{out:?}")
    };
    assert_eq!(request.namespace, "toolboxai");
    assert_eq!(request.target.to_string(), "service/backend");
    assert_eq!(request.ports_text(), ":http 9090");
    assert!(p.forwards.open, "the list shows the new forward");
    assert_eq!(
        p.forwards.rows[&id].state,
        super::super::forwards::RowState::Starting
    );
}

#[test]
fn a_bad_port_or_target_starts_nothing_and_says_why() {
    let mut p = loaded();
    let f = forward_form(&mut p, "backend", Kind::Deployment);
    let out = p.on_form(
        f.payload.clone(),
        &["deployment/backend".into(), "80:".into()],
        &pctx(),
    );
    let Outcome::Notify(m) = out else {
        panic!("{out:?}")
    };
    assert!(
        m.contains("remote port is missing") && m.contains("nothing was started"),
        "{m}"
    );
    let out = p.on_form(f.payload, &["ingress/x".into(), "80".into()], &pctx());
    assert!(matches!(out, Outcome::Notify(m) if m.contains("the kind is one of")));
    assert!(p.forwards.rows.is_empty());
}

#[test]
fn read_only_offers_no_port_forward() {
    let mut p = loaded();
    let ro = PaneCtx {
        read_only: true,
        now: now(),
    };
    assert!(matches!(p.press("port_forward", &ro), Outcome::Notify(m) if m.contains("read-only")));
    let f = forward_form(&mut p, "backend", Kind::Deployment);
    let out = p.on_form(
        f.payload,
        &["deployment/backend".into(), "8080".into()],
        &ro,
    );
    assert!(
        matches!(out, Outcome::Notify(m) if m.contains("read-only")),
        "no command sent"
    );
}

#[test]
fn the_list_follows_the_worker_and_stops_the_selected_forward() {
    let mut p = loaded();
    let f = forward_form(&mut p, "backend", Kind::Deployment);
    let Outcome::Command(Command::PortForward { id, .. }) = p.on_form(
        f.payload,
        &["svc/backend".into(), "8080:http".into()],
        &pctx(),
    ) else {
        panic!()
    };
    let listening = ForwardEvent::Listening {
        pod: "backend-7d9f8b6c5-x2x9q".into(),
        listeners: vec![Listener {
            addr: "127.0.0.1:8080".parse().unwrap(),
            remote: 8080,
        }],
    };
    assert!(p.apply(Update::Forward {
        id,
        change: ForwardChange::Event(listening)
    }));
    let stats = ForwardStats {
        active: 1,
        connections: 3,
        bytes_in: 3 << 20,
        bytes_out: 2048,
        ..Default::default()
    };
    p.apply(Update::Forward {
        id,
        change: ForwardChange::Event(ForwardEvent::Stats(stats)),
    });
    p.apply(Update::Forward {
        id,
        change: ForwardChange::Event(ForwardEvent::Moved {
            from: "backend-7d9f8b6c5-x2x9q".into(),
            to: "backend-7d9f8b6c5-k8s2p".into(),
        }),
    });
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(text.contains("port-forwards (1)"), "{text}");
    assert!(text.contains("127.0.0.1:8080 → 8080"), "{text}");
    assert!(text.contains("1/3"), "{text}");
    assert!(
        text.contains("→ pod backend-7d9f8b6c5-k8s2p"),
        "the pod it goes to now: {text}"
    );
    assert!(text.contains("3.0 MiB / 2.0 KiB"), "{text}");
    assert!(text.contains("↻ backend-7d9f8b6c5-x2x9q gone"), "{text}");
    // At 20x5 it still draws (cut, not broken).
    render(&mut p, 20, 5, false);

    assert_eq!(
        p.press("stop_forward", &pctx()),
        Outcome::Command(Command::StopForward(id))
    );
    assert!(p.forwards.rows.is_empty());
    // Esc closes the list; the workload selection is where it was.
    assert_eq!(p.press("back", &pctx()), Outcome::Handled);
    assert!(!p.forwards.open);
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(!text.contains("port-forwards"), "{text}");
}

#[test]
fn a_failed_forward_stays_listed_with_its_reason() {
    let mut p = loaded();
    let f = forward_form(&mut p, "backend", Kind::Deployment);
    let Outcome::Command(Command::PortForward { id, .. }) =
        p.on_form(f.payload, &["pod/backend-x".into(), "8080".into()], &pctx())
    else {
        panic!()
    };
    let why = "you may not create pods/portforward in namespace toolboxai: RBAC — ask for create";
    p.apply(Update::Forward {
        id,
        change: ForwardChange::Ended(Some(why.into())),
    });
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("✗ you may not create pods/portforward in namespace toolboxai: RBAC"),
        "the whole reason, below the list: {text}"
    );
}

#[test]
fn rbac_refusals_name_the_missing_permission_before_anything_starts() {
    let mut p = loaded();
    p.apply(Update::Access {
        namespace: "toolboxai".into(),
        verdicts: vec![
            (
                Perm::PortForwardPods,
                Some("not allowed to create pods/portforward in namespace toolboxai: RBAC".into()),
            ),
            (
                Perm::ExecPods,
                Some("not allowed to create pods/exec in namespace toolboxai: RBAC".into()),
            ),
        ],
    });
    p.press("toggle_view", &pctx());
    p.set_filter("backend");
    render(&mut p, 80, 24, false);
    let out = p.press("port_forward", &pctx());
    assert!(
        matches!(&out, Outcome::Notify(m) if m.contains("port-forward unavailable: not allowed to create pods/portforward")),
        "{out:?}"
    );
    let out = p.press("shell", &pctx());
    assert!(
        matches!(&out, Outcome::Notify(m) if m.contains("shell unavailable: not allowed to create pods/exec")),
        "{out:?}"
    );
}

/// Start a forward from the form; its id.
fn started(p: &mut WorkloadsPane, target: &str) -> u64 {
    let f = forward_form(p, "backend", Kind::Deployment);
    match p.on_form(f.payload, &[target.into(), "0:8080".into()], &pctx()) {
        Outcome::Command(Command::PortForward { id, .. }) => id,
        o => panic!("{o:?}"),
    }
}

#[test]
fn stop_all_stops_every_running_forward_and_clears_the_failed_ones() {
    let mut p = loaded();
    let a = started(&mut p, "svc/backend");
    let b = started(&mut p, "pod/backend-x");
    let failed = started(&mut p, "deployment/backend");
    p.apply(Update::Forward {
        id: failed,
        change: ForwardChange::Ended(Some("lost connection to pod".into())),
    });
    p.press("back", &pctx());
    // From the workload list too, not only inside the forwards list.
    let out = p.press("stop_all_forwards", &pctx());
    let Outcome::Many(all) = out else {
        panic!("{out:?}")
    };
    assert_eq!(
        all,
        vec![
            Outcome::Command(Command::StopForward(a)),
            Outcome::Command(Command::StopForward(b)),
            Outcome::Notify("stopped 2 port-forwards".into()),
        ],
        "the failed one has nothing left to stop"
    );
    assert!(p.forwards.rows.is_empty());
    assert!(matches!(
        p.press("stop_all_forwards", &pctx()),
        Outcome::Notify(m) if m == "no port-forwards to stop"
    ));
}

#[test]
fn a_service_forward_whose_pod_went_says_it_waits_for_another() {
    let mut p = loaded();
    let id = started(&mut p, "svc/backend");
    p.apply(Update::Forward {
        id,
        change: ForwardChange::Event(ForwardEvent::Listening {
            pod: "backend-7d9f8b6c5-x2x9q".into(),
            listeners: vec![],
        }),
    });
    p.apply(Update::Forward {
        id,
        change: ForwardChange::Event(ForwardEvent::Waiting {
            gone: "backend-7d9f8b6c5-x2x9q".into(),
            reason: "no ready pod behind service/backend".into(),
        }),
    });
    let text = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("backend-7d9f8b6c5-x2x9q gone; waiting: no ready pod behind service/backend"),
        "{text}"
    );
}
