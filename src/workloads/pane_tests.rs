//! The pane on the demo estate: snapshots at 80x24, colours, keys → outcomes.

use super::*;
use crate::pane::testing::{Press, payload};
use crate::pane::{PaneCtx, RenderCtx, SourceState};
use crate::source::{SourceId, SourceKind, SourceStatus};
use crate::target::LogTarget;
use crate::theme::Theme;
use std::collections::BTreeMap;

fn now() -> Timestamp {
    "2026-03-14T03:12:00Z".parse().unwrap()
}

fn loaded() -> WorkloadsPane {
    loaded_in(&["toolboxai", "toolboxai-staging"])
}

fn loaded_in(namespaces: &[&str]) -> WorkloadsPane {
    let mut p = WorkloadsPane::new(&Config::default());
    p.apply(Update::Context(ContextInfo {
        context: "prod".into(),
        namespaces: namespaces.iter().map(|n| n.to_string()).collect(),
        contexts: vec!["prod".into(), "staging".into()],
    }));
    for kind in [
        Kind::Pod,
        Kind::Deployment,
        Kind::ReplicaSet,
        Kind::StatefulSet,
        Kind::Job,
        Kind::CronJob,
        Kind::Event,
        Kind::Node,
    ] {
        let objects = crate::workloads::demo::objects(now())
            .into_iter()
            .filter(|o| o.kind() == kind)
            .collect();
        p.apply(Update::Reset {
            kind,
            namespace: None,
            objects,
        });
    }
    p.apply(Update::Access {
        namespace: "toolboxai-staging".into(),
        verdicts: vec![(Perm::DeletePods, Some("RBAC: role oncall-readonly".into()))],
    });
    p
}

fn pctx() -> PaneCtx {
    PaneCtx {
        read_only: false,
        now: now(),
    }
}

fn render(p: &mut WorkloadsPane, w: u16, h: u16, read_only: bool) -> Buffer {
    let theme = Theme::fallback(false);
    let keymap =
        crate::keymap::Keymap::for_pane::<crate::workloads::Action>(crate::pane::PaneId::Workloads);
    let mut sources = BTreeMap::new();
    sources.insert(
        SourceId::new(SourceKind::Kubernetes, "prod"),
        SourceState {
            status: SourceStatus::Connected {
                detail: "prod v1.30.4".into(),
            },
            last_data: Some(now()),
            since: now(),
        },
    );
    let ctx = RenderCtx {
        theme: &theme,
        keymap: &keymap,
        now: now(),
        read_only,
        demo: true,
        sources: &sources,
    };
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    p.prepare(now());
    p.render(area, &mut buf, &ctx);
    buf
}

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

fn select(p: &mut WorkloadsPane, name_prefix: &str) {
    p.set_filter(name_prefix);
    render(p, 80, 24, false);
    assert!(!p.rows.is_empty(), "{name_prefix} not listed");
}

#[test]
fn actions_become_requests_for_the_owning_controller() {
    let mut p = loaded();
    select(&mut p, "backend-6f4d");
    match p.press("delete_pod", &pctx()) {
        Outcome::Request(ActionSpec::DeletePod(t)) => {
            assert!(t.name.starts_with("backend-6f4d9c8b7-"));
            assert_eq!(t.namespace.as_deref(), Some("toolboxai"));
            assert_eq!(t.context.as_deref(), Some("prod"));
        }
        o => panic!("{o:?}"),
    }
    match p.press("rollout_restart", &pctx()) {
        Outcome::Request(ActionSpec::RolloutRestart(t)) => {
            assert_eq!(
                (t.kind.as_str(), t.name.as_str()),
                ("deployment", "backend")
            );
        }
        o => panic!("{o:?}"),
    }
    let Outcome::Form(f) = p.press("rollout_undo", &pctx()) else {
        panic!()
    };
    assert!(
        f.title
            .contains("history: 8 (2.15.0), 7 (2.14.3), 6 (2.14.1)"),
        "{}",
        f.title
    );
    match p.on_form(f.payload, &["7".into()], &pctx()) {
        Outcome::Request(ActionSpec::RolloutUndo {
            target,
            to_revision,
        }) => {
            assert_eq!(target.name, "backend");
            assert_eq!(to_revision, Some(7));
        }
        o => panic!("{o:?}"),
    }
    let Outcome::Form(f) = p.press("scale", &pctx()) else {
        panic!()
    };
    assert_eq!(f.fields[0].value, "3");
    assert!(matches!(
        p.on_form(f.payload, &["0".into()], &pctx()),
        Outcome::Request(ActionSpec::Scale { replicas: 0, .. })
    ));
    let form = payload(&p.press("scale", &pctx()));
    assert!(matches!(
        p.on_form(form, &["-2".into()], &pctx()),
        Outcome::Notify(_)
    ));
}

#[test]
fn disallowed_and_read_only_actions_are_refused_with_the_reason() {
    let mut p = loaded();
    p.set_filter("toolboxai-staging");
    render(&mut p, 80, 24, false);
    p.press("toggle_view", &pctx());
    render(&mut p, 80, 24, false);
    let i = p
        .rows
        .iter()
        .position(|r| r.kind == Kind::Pod)
        .expect("a staging pod");
    p.table.selected = i;
    match p.press("delete_pod", &pctx()) {
        Outcome::Notify(m) => assert!(
            m.contains("unavailable") && m.contains("oncall-readonly"),
            "{m}"
        ),
        o => panic!("{o:?}"),
    }
    p.press("select", &pctx());
    let text = crate::ui::buffer_text(&render(&mut p, 120, 40, false));
    assert!(
        text.contains("delete unavailable: RBAC: role oncall-readonly"),
        "{text}"
    );
    let ro = PaneCtx {
        read_only: true,
        now: now(),
    };
    assert!(
        matches!(p.press("rollout_restart", &ro), Outcome::Notify(m) if m.contains("read-only"))
    );
    let text = crate::ui::buffer_text(&render(&mut p, 120, 40, true));
    assert!(text.contains("read-only: no actions"));
}

#[test]
fn logs_jump_to_the_pod_stream_previous_for_the_crashed_container() {
    let mut p = loaded();
    select(&mut p, "backend-6f4d");
    match p.press("previous_logs", &pctx()) {
        Outcome::Jump(Jump::LogStream(LogTarget::Pod {
            namespace,
            name,
            container,
            previous,
            context,
        })) => {
            assert_eq!(namespace, "toolboxai");
            assert!(name.starts_with("backend-6f4d9c8b7-"));
            assert_eq!(container.as_deref(), Some("backend"));
            assert!(previous);
            assert_eq!(context.as_deref(), Some("prod"));
        }
        o => panic!("{o:?}"),
    }
    // On a deployment, logs go to its most troubled pod.
    p.set_filter("");
    p.press("toggle_view", &pctx());
    render(&mut p, 80, 24, false);
    p.table.selected = p
        .rows
        .iter()
        .position(|r| r.kind == Kind::Deployment && r.key.name == "backend")
        .unwrap();
    match p.press("logs", &pctx()) {
        Outcome::Jump(Jump::LogStream(LogTarget::Pod { name, previous, .. })) => {
            assert!(name.starts_with("backend-6f4d9c8b7-"), "{name}");
            assert!(!previous);
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn context_and_namespace_switches_go_to_the_worker() {
    let mut p = loaded();
    assert_eq!(
        p.context_label().as_deref(),
        Some("prod/toolboxai,toolboxai-staging")
    );
    let Outcome::Form(f) = p.press("switch_context", &pctx()) else {
        panic!()
    };
    assert!(f.title.contains("staging"));
    assert_eq!(
        p.on_form(f.payload, &["staging".into()], &pctx()),
        Outcome::Command(Command::SwitchContext("staging".into()))
    );
    assert_eq!(
        p.on_command(
            crate::workloads::PaletteCommand::Namespaces,
            "shop, payments",
            &pctx()
        ),
        Outcome::Command(Command::SwitchNamespaces(vec![
            "shop".into(),
            "payments".into()
        ]))
    );
    assert_eq!(
        p.on_command(
            crate::workloads::PaletteCommand::Context(Some("staging".into())),
            "",
            &pctx()
        ),
        Outcome::Command(Command::SwitchContext("staging".into()))
    );
    assert!(
        p.palette_commands()
            .iter()
            .any(|c| c.name == "context staging")
    );
    // A switch drops the old context's objects.
    p.apply(Update::Context(ContextInfo {
        context: "staging".into(),
        ..Default::default()
    }));
    assert!(p.store.is_empty());
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

/// The crash-looping backend pod, given a second (healthy) container so the
/// log form has a choice to offer.
fn two_container_backend(p: &mut WorkloadsPane) -> String {
    select(p, "backend-6f4d");
    let key = p.selected(now()).unwrap().1;
    let pod = p.store.pods.get_mut(&key).unwrap();
    let mut sidecar = pod.containers[0].clone();
    sidecar.name = "istio-proxy".into();
    sidecar.ready = true;
    sidecar.last = None;
    sidecar.restarts = 0;
    pod.containers.push(sidecar);
    key.name
}

#[test]
fn logs_of_a_multi_container_pod_ask_for_container_and_since() {
    let mut p = loaded();
    let name = two_container_backend(&mut p);
    let Outcome::Form(f) = p.press("previous_logs", &pctx()) else {
        panic!("no form")
    };
    assert!(
        matches!(f.payload, crate::workloads::Form::Logs(_)),
        "{:?}",
        f.payload
    );
    assert!(f.title.contains("backend, istio-proxy"), "{}", f.title);
    assert!(
        f.title.starts_with("Previous logs of toolboxai/"),
        "{}",
        f.title
    );
    // Prefilled with the automatic pick: the container that crashed.
    assert_eq!(f.fields[0].value, "backend");
    assert_eq!(f.fields[1].value, "");
    match p.on_form(f.payload, &["istio-proxy".into(), "".into()], &pctx()) {
        Outcome::Jump(Jump::LogStream(LogTarget::Pod {
            name: n,
            container,
            previous,
            ..
        })) => {
            assert_eq!(n, name);
            assert_eq!(container.as_deref(), Some("istio-proxy"));
            assert!(previous, "previous keeps its own key");
        }
        o => panic!("{o:?}"),
    }
    // A since starts the stream that far back.
    let form = payload(&p.press("logs", &pctx()));
    match p.on_form(form, &[" backend ".into(), "1h30m".into()], &pctx()) {
        Outcome::Jump(Jump::LogStreamSince {
            target:
                LogTarget::Pod {
                    container,
                    previous: false,
                    ..
                },
            since_seconds,
        }) => {
            assert_eq!(container.as_deref(), Some("backend"));
            assert_eq!(since_seconds, 5400);
        }
        o => panic!("{o:?}"),
    }
}

#[test]
fn log_form_refuses_unknown_containers_and_bad_durations() {
    let mut p = loaded();
    two_container_backend(&mut p);
    let form = payload(&p.press("logs", &pctx()));
    match p.on_form(form, &["web".into(), "15m".into()], &pctx()) {
        Outcome::Notify(m) => {
            assert!(m.contains("\"web\""), "{m}");
            assert!(m.contains("backend, istio-proxy"), "{m}");
        }
        o => panic!("{o:?}"),
    }
    for bad in ["15 minutes ago", "-5m", "0s", "soon"] {
        let form = payload(&p.press("logs", &pctx()));
        match p.on_form(form, &["backend".into(), bad.into()], &pctx()) {
            Outcome::Notify(m) => assert!(m.contains("15m") && m.contains(bad), "{m}"),
            o => panic!("{bad}: {o:?}"),
        }
    }
}

#[test]
fn logs_of_a_single_container_pod_need_no_form() {
    let mut p = loaded();
    select(&mut p, "backend-6f4d");
    assert!(matches!(
        p.press("logs", &pctx()),
        Outcome::Jump(Jump::LogStream(LogTarget::Pod { .. }))
    ));
    // …but the since key asks, prefilled with the one container.
    let Outcome::Form(f) = p.press("logs_since", &pctx()) else {
        panic!("logs_since always asks")
    };
    assert!(f.title.starts_with("Logs of "), "{}", f.title);
    let only = f.fields[0].value.clone();
    assert!(!only.is_empty());
    match p.on_form(f.payload, &[only.clone(), "2h".into()], &pctx()) {
        Outcome::Jump(Jump::LogStreamSince {
            target: LogTarget::Pod { container, .. },
            since_seconds,
        }) => {
            assert_eq!(container, Some(only));
            assert_eq!(since_seconds, 7200);
        }
        o => panic!("{o:?}"),
    }
}

fn ask(ns: &str) -> super::Out {
    Outcome::Command(Command::CheckAccess {
        namespace: ns.into(),
    })
}

/// Watching all namespaces, where the worker only reviews cluster-wide.
fn loaded_everywhere() -> WorkloadsPane {
    let mut p = loaded_in(&["*"]);
    p.access.clear();
    p.apply(Update::Access {
        namespace: "*".into(),
        verdicts: Perm::ALL
            .iter()
            .map(|perm| (*perm, Some("not allowed cluster-wide".into())))
            .collect(),
    });
    p
}

#[test]
fn all_namespaces_ask_once_for_the_selected_namespace_and_use_its_verdict() {
    let mut p = loaded_everywhere();
    select(&mut p, "backend-6f4d");
    // Moving onto the pod asks about its namespace, once.
    assert_eq!(
        p.press("select", &pctx()),
        Outcome::Many(vec![Outcome::Handled, ask("toolboxai")])
    );
    assert_eq!(p.press("down", &pctx()), Outcome::Handled);
    // Unanswered yet: the cluster-wide "no" is not taken as final.
    match p.press("rollout_restart", &pctx()) {
        Outcome::Notify(m) => assert!(m.contains("checking your access in namespace toolboxai")),
        o => panic!("{o:?}"),
    }
    // Every review failed: still unknown, so the next attempt asks again.
    p.apply(Update::Access {
        namespace: "toolboxai".into(),
        verdicts: vec![],
    });
    match p.press("rollout_restart", &pctx()) {
        Outcome::Many(v) => assert_eq!(v[0], ask("toolboxai")),
        o => panic!("{o:?}"),
    }
    // Edit rights in this namespace only: the action is offered.
    p.apply(Update::Access {
        namespace: "toolboxai".into(),
        verdicts: vec![(Perm::PatchDeployments, None), (Perm::DeletePods, None)],
    });
    assert!(matches!(
        p.press("rollout_restart", &pctx()),
        Outcome::Request(ActionSpec::RolloutRestart(t)) if t.name == "backend"
    ));
    let text = crate::ui::buffer_text(&render(&mut p, 120, 40, false));
    assert!(!text.contains("delete unavailable"), "{text}");
    // A permission the namespace review did not answer falls back to cluster-wide.
    assert_eq!(
        p.denied("toolboxai", Perm::PatchStatefulSets).as_deref(),
        Some("not allowed cluster-wide")
    );
}

#[test]
fn all_namespaces_a_namespaced_no_is_final_and_asking_starts_afresh_per_context() {
    let mut p = loaded_everywhere();
    // Healthy staging pods are only in the tree.
    p.press("toggle_view", &pctx());
    select(&mut p, "backend-8c9d");
    p.table.selected = p.rows.iter().position(|r| r.kind == Kind::Pod).unwrap();
    match p.press("delete_pod", &pctx()) {
        Outcome::Many(v) => {
            assert_eq!(v[0], ask("toolboxai-staging"));
            assert!(matches!(&v[1], Outcome::Notify(m) if m.contains("try again")));
        }
        o => panic!("{o:?}"),
    }
    p.apply(Update::Access {
        namespace: "toolboxai-staging".into(),
        verdicts: vec![(Perm::DeletePods, Some("role oncall-readonly".into()))],
    });
    assert!(matches!(
        p.press("delete_pod", &pctx()),
        Outcome::Notify(m) if m == "delete pod unavailable: role oncall-readonly"
    ));
    // A new context forgets verdicts and what was asked.
    p.apply(Update::Context(ContextInfo {
        context: "staging".into(),
        namespaces: vec!["*".into()],
        contexts: vec![],
    }));
    assert!(p.access.is_empty() && p.access_asked.is_empty());
}

#[test]
fn watched_namespaces_are_reviewed_up_front_so_nothing_is_asked() {
    let mut p = loaded();
    p.press("toggle_view", &pctx());
    select(&mut p, "backend-8c9d");
    p.table.selected = p.rows.iter().position(|r| r.kind == Kind::Pod).unwrap();
    assert_eq!(p.press("select", &pctx()), Outcome::Handled);
    assert!(matches!(
        p.press("delete_pod", &pctx()),
        Outcome::Notify(m) if m.contains("unavailable: RBAC: role oncall-readonly")
    ));
}
