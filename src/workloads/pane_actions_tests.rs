//! The pane on the demo estate, keys → outcomes: incident actions for the
//! owning controller, refusals (RBAC, read-only), log jumps and the log form,
//! context and namespace switches, and access reviews per namespace.

use super::test_support::{loaded, loaded_in, now, pctx, render};
use super::*;
use crate::pane::PaneCtx;
use crate::pane::testing::{Press, payload};
use crate::target::LogTarget;

fn select(p: &mut WorkloadsPane, name_prefix: &str) {
    p.set_filter(name_prefix);
    render(p, 80, 24, false);
    assert!(!p.rows.is_empty(), "{name_prefix} not listed");
}

/// Select the first listed row of `kind` (named `name`, when given).
fn select_row(p: &mut WorkloadsPane, kind: Kind, name: Option<&str>) {
    let i = p
        .rows
        .iter()
        .position(|r| r.kind == kind && name.is_none_or(|n| r.key.name == n))
        .unwrap_or_else(|| panic!("no {kind:?} {name:?} listed"));
    p.table.selected = i;
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
    select_row(&mut p, Kind::Pod, None);
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

/// A running two-container pod as the API server lists it, with kubectl's
/// default-container annotation.
fn sidecar_pod() -> crate::workloads::Object {
    let pod: k8s_openapi::api::core::v1::Pod = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "api-7d9c4b8f6-x2x9q", "namespace": "toolboxai",
            "creationTimestamp": "2026-03-14T01:00:00Z",
            "annotations": {"kubectl.kubernetes.io/default-container": "api"}},
        "spec": {"containers": [
            {"name": "istio-proxy", "image": "istio/proxyv2:1.22.0"},
            {"name": "api", "image": "toolboxai/api:2.3.1"}],
            // `kubectl debug`: one still running, one that has ended.
            "ephemeralContainers": [
            {"name": "debugger-k2x", "image": "busybox:1.36"},
            {"name": "debugger-old", "image": "busybox:1.36"}]},
        "status": {"phase": "Running",
          "ephemeralContainerStatuses": [
            {"name": "debugger-k2x", "image": "busybox:1.36", "imageID": "", "ready": false,
             "restartCount": 0, "state": {"running": {"startedAt": "2026-03-14T02:00:00Z"}}},
            {"name": "debugger-old", "image": "busybox:1.36", "imageID": "", "ready": false,
             "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
          "containerStatuses": [
            {"name": "istio-proxy", "image": "istio/proxyv2:1.22.0", "imageID": "", "ready": true,
             "restartCount": 0, "state": {"running": {"startedAt": "2026-03-14T01:00:05Z"}}},
            {"name": "api", "image": "toolboxai/api:2.3.1", "imageID": "", "ready": true,
             "restartCount": 0, "state": {"running": {"startedAt": "2026-03-14T01:00:05Z"}}}]}
    }))
    .unwrap();
    crate::workloads::Object::Pod(Box::new((&pod).into()))
}

fn attach(o: Out) -> crate::target::Attach {
    match o {
        Outcome::Attach(a) => a,
        o => panic!("not an attach: {o:?}"),
    }
}

#[test]
fn shell_on_a_controller_opens_its_most_troubled_pod() {
    let mut p = loaded();
    select(&mut p, "backend");
    select_row(&mut p, Kind::Deployment, Some("backend"));
    let a = attach(p.press("shell", &pctx()));
    assert!(a.shell);
    let crate::target::AttachTarget::Pod {
        context,
        namespace,
        name,
        container,
    } = &a.target
    else {
        panic!("{a:?}")
    };
    assert_eq!(
        (context.as_deref(), namespace.as_str()),
        (Some("prod"), "toolboxai")
    );
    assert!(
        name.starts_with("backend-6f4d9c8b7-"),
        "the crashlooping pod: {name}"
    );
    assert_eq!(container.as_deref(), Some("backend"), "its only container");
    assert_eq!(
        a.target.cli_args()[1..],
        ["-n", "toolboxai", "-c", "backend", "--context", "prod"]
    );
}

#[test]
fn a_multi_container_pod_asks_which_prefilled_with_the_default() {
    let mut p = loaded();
    p.apply(Update::Apply(sidecar_pod()));
    // Healthy: listed in the tree, not among the problems.
    p.press("toggle_view", &pctx());
    select(&mut p, "api-7d9c4b8f6");
    select_row(&mut p, Kind::Pod, None);
    let Outcome::Form(f) = p.press("shell", &pctx()) else {
        panic!("a form")
    };
    assert!(
        f.title
            .ends_with("containers: istio-proxy, api, debugger-k2x"),
        "the running ephemeral container is offered, the ended one not: {}",
        f.title
    );
    assert_eq!(f.fields.len(), 1);
    assert_eq!(f.fields[0].value, "api", "the annotated default");
    // A shell rule for the debug image: its shell, run as it is.
    p.exec = toml::from_str::<crate::config::Exec>(
        "[[shells]]\nimage = \"busybox\"\nshell = [\"/bin/sh\"]",
    )
    .unwrap();
    let a = attach(p.on_form(f.payload.clone(), &["debugger-k2x".into()], &pctx()));
    assert_eq!(a.command, ["/bin/sh"]);
    let a = attach(p.on_form(f.payload.clone(), &["api".into()], &pctx()));
    assert_eq!(
        a.command[3..],
        ["warroom-shell", "bash", "sh"],
        "the default elsewhere"
    );
    let a = attach(p.on_form(f.payload, &["istio-proxy".into()], &pctx()));
    assert!(a.shell);
    assert!(
        matches!(&a.target, crate::target::AttachTarget::Pod { container: Some(c), .. } if c == "istio-proxy")
    );
    assert_eq!(a.describe(), "shell in toolboxai/api-7d9c4b8f6-x2x9q");
    assert_eq!(a.target.details(), " (container istio-proxy, context prod)");

    // exec: the container, then the command, split as a shell would.
    let Outcome::Form(f) = p.press("exec", &pctx()) else {
        panic!("a form")
    };
    assert_eq!(f.fields.len(), 2);
    let form = f.payload;
    let a = attach(p.on_form(
        form.clone(),
        &["api".into(), "sh -c 'ps aux | head'".into()],
        &pctx(),
    ));
    assert!(!a.shell);
    assert_eq!(a.command, ["sh", "-c", "ps aux | head"]);

    // Refusals run nothing.
    let o = p.on_form(form.clone(), &["web".into(), "ls".into()], &pctx());
    assert!(
        matches!(&o, Outcome::Notify(m) if m.contains("choose one of: istio-proxy, api")),
        "{o:?}"
    );
    let o = p.on_form(form.clone(), &["api".into(), "  ".into()], &pctx());
    assert!(
        matches!(&o, Outcome::Notify(m) if m.contains("no command")),
        "{o:?}"
    );
    let o = p.on_form(form.clone(), &["api".into(), "echo 'x".into()], &pctx());
    assert!(
        matches!(&o, Outcome::Notify(m) if m.contains("unbalanced")),
        "{o:?}"
    );
    let ro = PaneCtx {
        read_only: true,
        ..pctx()
    };
    assert!(matches!(
        p.on_form(form, &["api".into(), "ls".into()], &ro),
        Outcome::Notify(_)
    ));
}

#[test]
fn shell_and_exec_refuse_in_read_only_and_on_pods_not_running() {
    let mut p = loaded();
    select(&mut p, "backend-6f4d");
    let ro = PaneCtx {
        read_only: true,
        ..pctx()
    };
    for action in ["shell", "exec"] {
        let o = p.press(action, &ro);
        assert!(
            matches!(&o, Outcome::Notify(m) if m.contains("read-only")),
            "{o:?}"
        );
    }
    // The unschedulable pod has no process to join.
    select(&mut p, "vanna-api-6b5d");
    let o = p.press("shell", &pctx());
    assert!(
        matches!(&o, Outcome::Notify(m) if m.contains("not running")),
        "{o:?}"
    );
}
