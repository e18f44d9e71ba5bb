use super::test_support::*;
use super::*;
use crate::pane::testing::{Press, payload};
use crate::workloads::manifest::{ManifestKind, ObjectId, Syntax, project};
use crate::workloads::manifest_fetch::{Answer, ManifestError, Request};
use crate::workloads::pane_manifest::ManifestForm;

/// The worker's answer to a fetch, from the demo estate.
fn fetched(id: &ObjectId) -> Update {
    let json = crate::workloads::demo::manifest_object(now(), id).expect("in the demo estate");
    let mut m = project(id.clone(), json, Syntax::Yaml);
    m.demo = true;
    Update::Manifest(Box::new(Answer::Fetched {
        id: id.clone(),
        result: Ok(m),
    }))
}

fn fetch_of(o: &Out) -> ObjectId {
    match o {
        Outcome::Command(Command::Manifest(Request::Fetch(id))) => id.clone(),
        other => panic!("no fetch: {other:?}"),
    }
}

/// The pane on the backend deployment's manifest, as the worker answered it.
fn on_backend() -> WorkloadsPane {
    let mut p = loaded();
    let jump = crate::pane::Jump::Workload {
        namespace: Some("toolboxai".into()),
        name: "backend".into(),
    };
    assert_eq!(p.on_jump(&jump, &pctx()), Outcome::Handled);
    let id = fetch_of(&p.press("manifest", &pctx()));
    assert_eq!(
        id,
        ObjectId::new(ManifestKind::Deployment, "toolboxai", "backend")
    );
    let buf = render(&mut p, 80, 24, false);
    assert!(crate::ui::buffer_text(&buf).contains("Fetching deployment/backend"));
    assert!(p.apply(fetched(&id)));
    p
}

fn view(p: &WorkloadsPane) -> &crate::workloads::manifest_view::ManifestView {
    p.manifest.as_ref().expect("the viewer is open")
}

/// Put the cursor on the first line containing `text`.
fn cursor_to(p: &mut WorkloadsPane, text: &str) {
    let v = p.manifest.as_mut().unwrap();
    v.cursor = (0..v.len())
        .find(|i| v.line(*i).contains(text))
        .unwrap_or_else(|| panic!("no line with {text:?}"));
}

#[test]
fn y_shows_the_manifest_searchable_with_matches_highlighted() {
    let mut p = on_backend();
    p.set_filter("backend");
    assert!(view(&p).matches.len() >= 3, "{:?}", view(&p).matches);
    assert_eq!(p.filter_text, "", "the list filter is untouched");
    let first = view(&p).cursor;
    assert_eq!(p.press("switch_namespace", &pctx()), Outcome::Handled);
    assert!(view(&p).cursor > first, "n: the next match");
    assert_eq!(p.press("nodes", &pctx()), Outcome::Handled);
    assert_eq!(view(&p).cursor, first, "N: back");
    let buf = render(&mut p, 80, 24, false);
    insta::assert_snapshot!("manifest_80x24", crate::ui::buffer_text(&buf));
    // The match is drawn in the match style.
    let theme = crate::theme::Theme::fallback(false);
    let text = crate::ui::buffer_text(&buf);
    let (row, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("app: backend"))
        .unwrap();
    let col = line.find("backend").unwrap();
    let col = line[..col].chars().count() as u16;
    assert_eq!(buf[(col, row as u16)].bg, theme.search_match.bg.unwrap());
    for (w, h) in [(20, 5), (1, 1), (80, 3), (200, 4)] {
        render(&mut p, w, h, false);
    }
    // Long lines are cut, and right scrolls them sideways.
    assert_eq!(p.press("right", &pctx()), Outcome::Handled);
    let shown = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(shown.contains("│ace: toolboxai"), "{shown}");
    // Another view closes the viewer rather than opening beneath it.
    assert_eq!(p.press("events", &pctx()), Outcome::Handled);
    assert!(p.manifest.is_none() && p.events.open);
}

#[test]
fn copy_and_save_send_the_projection_and_a_failed_save_keeps_the_viewer() {
    let mut p = on_backend();
    let Outcome::Copy(text) = p.press("manifest", &pctx()) else {
        panic!("y in the viewer copies")
    };
    assert!(text.contains("kind: Deployment") && !text.contains("managedFields"));
    let o = p.press("save_manifest", &pctx());
    let form = crate::pane::testing::form_in(&o).unwrap();
    assert!(
        form.fields[0]
            .value
            .ends_with("manifests/deployment-toolboxai-backend.yaml"),
        "{}",
        form.fields[0].value
    );
    let o = p.on_form(payload(&o), &["/tmp/x/backend.yaml".into()], &pctx());
    let Outcome::Command(Command::Manifest(Request::Save { path, text: saved })) = o else {
        panic!("no save: {o:?}")
    };
    assert_eq!((path.to_str(), saved), (Some("/tmp/x/backend.yaml"), text));
    p.apply(Update::Manifest(Box::new(Answer::Saved {
        path: path.clone(),
        result: Err(ManifestError::Save {
            path,
            reason: "Permission denied".into(),
        }),
    })));
    let shown = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(
        shown.contains("✗ cannot write /tmp/x/backend.yaml"),
        "{shown}"
    );
    assert!(view(&p).manifest().is_some(), "nothing lost");
}

#[test]
fn a_secret_key_is_revealed_only_after_its_name_is_typed_and_never_kept() {
    let mut p = on_backend();
    cursor_to(&mut p, "name: backend-db");
    let secret = fetch_of(&p.press("select", &pctx()));
    assert_eq!(
        secret,
        ObjectId::new(ManifestKind::Secret, "toolboxai", "backend-db")
    );
    p.apply(fetched(&secret));
    let shown = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(
        shown.contains("DATABASE_PASSWORD: <redacted, 29 bytes>"),
        "{shown}"
    );

    cursor_to(&mut p, "kind: Secret");
    assert!(
        matches!(p.press("reveal_secret", &pctx()), Outcome::Notify(m) if m.contains("move to a key"))
    );
    cursor_to(&mut p, "DATABASE_PASSWORD");
    let ro = PaneCtx {
        read_only: true,
        ..pctx()
    };
    assert!(matches!(p.press("reveal_secret", &ro), Outcome::Notify(m) if m.contains("read-only")));
    let o = p.press("reveal_secret", &pctx());
    let form = payload(&o);
    assert_eq!(
        form,
        crate::workloads::Form::Manifest(ManifestForm::Reveal {
            id: secret.clone(),
            key: "DATABASE_PASSWORD".into()
        })
    );
    // The wrong name, or read-only by the time it is typed: nothing asked.
    let wrong = p.on_form(form.clone(), &["DATABASE_USER".into()], &pctx());
    assert!(matches!(wrong, Outcome::Notify(m) if m.contains("not revealed")));
    let late = p.on_form(form.clone(), &["DATABASE_PASSWORD".into()], &ro);
    assert!(matches!(late, Outcome::Notify(m) if m.contains("read-only")));
    let o = p.on_form(form, &["DATABASE_PASSWORD".into()], &pctx());
    assert_eq!(
        o,
        Outcome::Command(Command::Manifest(Request::Reveal {
            id: secret.clone(),
            key: "DATABASE_PASSWORD".into()
        }))
    );
    let revealed = |value: &str| {
        Update::Manifest(Box::new(Answer::Revealed {
            id: secret.clone(),
            key: "DATABASE_PASSWORD".into(),
            result: Ok(value.into()),
        }))
    };
    assert!(p.apply(revealed("demo-only-not-a-real-password")));
    let shown = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(
        shown.contains("DATABASE_PASSWORD: demo-only-not-a-real-password"),
        "{shown}"
    );
    let Outcome::Copy(copied) = p.press("manifest", &pctx()) else {
        panic!("copy")
    };
    assert!(
        !copied.contains("demo-only"),
        "a copy is the projection, not the value"
    );

    assert_eq!(p.press("back", &pctx()), Outcome::Handled);
    assert_eq!(
        view(&p).id.kind,
        ManifestKind::Deployment,
        "back to the manifest the Secret was opened from"
    );
    assert!(view(&p).revealed.is_none());
    assert!(
        !p.apply(revealed("late")),
        "an answer for another viewer is dropped"
    );
    assert_eq!(p.press("back", &pctx()), Outcome::Handled);
    assert!(p.manifest.is_none(), "closed: the value went with it");
    assert!(
        !p.apply(revealed("late")),
        "an answer for a closed viewer is dropped"
    );
    assert!(p.manifest.is_none());
    let shown = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(
        !shown.contains("demo-only") && !shown.contains("late"),
        "{shown}"
    );
}

#[test]
fn a_refused_reveal_is_shown_with_its_reason() {
    let mut p = loaded();
    let secret = ObjectId::new(ManifestKind::Secret, "toolboxai", "backend-db");
    p.manifest = Some(crate::workloads::manifest_view::ManifestView::new(
        secret.clone(),
    ));
    p.apply(fetched(&secret));
    p.apply(Update::Manifest(Box::new(Answer::Revealed {
        id: secret,
        key: "DATABASE_USER".into(),
        result: Err(ManifestError::ReadOnly),
    })));
    assert!(view(&p).revealed.is_none());
    let shown = crate::ui::buffer_text(&render(&mut p, 80, 24, false));
    assert!(shown.contains("✗ read-only mode"), "{shown}");
}

#[test]
fn escape_sequences_in_a_manifest_or_a_value_never_reach_the_screen() {
    let mut p = loaded();
    let id = ObjectId::new(ManifestKind::ConfigMap, "toolboxai", "evil");
    p.manifest = Some(crate::workloads::manifest_view::ManifestView::new(
        id.clone(),
    ));
    let obj = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "evil", "labels": {"x": "\u{1b}]0;pwned\u{7}"}},
        "data": {"osc52": "\u{1b}]52;c;ZXZpbA==\u{7}", "csi": "a\u{1b}[2Jb\u{9b}31m"}});
    p.apply(Update::Manifest(Box::new(Answer::Fetched {
        id: id.clone(),
        result: Ok(project(id, obj, Syntax::Yaml)),
    })));
    p.set_filter("\u{1b}[31m52");
    let buf = render(&mut p, 80, 24, false);
    let raw = buf
        .content()
        .iter()
        .flat_map(|c| c.symbol().chars())
        .find(|c| c.is_control() || ('\u{80}'..='\u{9f}').contains(c));
    assert_eq!(raw, None, "{}", crate::ui::buffer_text(&buf));
}

#[test]
fn in_the_nodes_view_y_fetches_the_selected_node() {
    let mut p = loaded();
    p.press("nodes", &pctx());
    render(&mut p, 80, 24, false);
    let node = p.nodes.selected().unwrap().to_string();
    let id = fetch_of(&p.press("manifest", &pctx()));
    assert_eq!(id, ObjectId::new(ManifestKind::Node, "", node));
    assert_eq!(id.path(), format!("/api/v1/nodes/{}", id.name));
    assert_eq!(p.press("back", &pctx()), Outcome::Handled);
    assert!(p.nodes.open, "back in the nodes view");
}

#[test]
fn a_manifest_too_big_for_the_clipboard_is_not_copied() {
    let mut p = loaded();
    let id = ObjectId::new(ManifestKind::ConfigMap, "toolboxai", "big");
    let data: serde_json::Map<String, serde_json::Value> = (0..20_000)
        .map(|i| (format!("key-{i:05}"), "x".repeat(80).into()))
        .collect();
    let obj = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "big"}, "data": data});
    p.manifest = Some(crate::workloads::manifest_view::ManifestView::new(
        id.clone(),
    ));
    p.apply(Update::Manifest(Box::new(Answer::Fetched {
        id: id.clone(),
        result: Ok(project(id, obj, Syntax::Yaml)),
    })));
    assert!(
        matches!(p.press("manifest", &pctx()), Outcome::Notify(m) if m.contains("too big for the clipboard"))
    );
}

#[test]
fn y_in_the_events_view_and_e_back_to_it() {
    let mut p = loaded();
    p.press("events", &pctx());
    render(&mut p, 80, 24, false);
    fetch_of(&p.press("manifest", &pctx()));
    assert!(p.manifest.is_some());
    assert_eq!(p.press("events", &pctx()), Outcome::Handled);
    assert!(
        p.manifest.is_none() && p.events.open,
        "back in the events view"
    );
}
