use super::*;
use crate::workloads::manifest::{ManifestKind, Syntax, project};

fn view_of(lines: usize) -> ManifestView {
    let id = ObjectId::new(ManifestKind::ConfigMap, "shop", "big");
    let data: serde_json::Map<String, serde_json::Value> = (0..lines)
        .map(|i| {
            let v = if i % 10 == 3 { "needle here" } else { "hay" };
            (format!("k{i:03}"), v.into())
        })
        .collect();
    let obj = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "big", "namespace": "shop"}, "data": data});
    let mut v = ManifestView::new(id.clone());
    v.loaded(Ok(project(id, obj, Syntax::Yaml)));
    v
}

#[test]
fn search_finds_lines_and_n_and_shift_n_wrap_around() {
    let mut v = view_of(30);
    v.set_search("NEEDLE");
    assert_eq!(v.matches.len(), 3, "case-insensitive");
    let lines: Vec<&str> = v.matches.iter().map(|i| v.line(*i)).collect();
    assert!(lines.iter().all(|l| l.contains("needle")), "{lines:?}");
    let first = v.matches[0];
    assert_eq!(v.cursor, first, "the cursor goes to the first match");
    assert_eq!(v.match_position().as_deref(), Some("1/3"));
    assert!(v.next_match(true));
    assert!(v.next_match(true));
    assert_eq!(v.match_position().as_deref(), Some("3/3"));
    assert!(v.next_match(true));
    assert_eq!(v.cursor, first, "wraps to the first");
    assert!(v.next_match(false));
    assert_eq!(
        v.match_position().as_deref(),
        Some("3/3"),
        "and back to the last"
    );
    v.set_search("absent");
    assert!(!v.next_match(true));
    assert!(v.title().contains("/absent 0 matches"), "{}", v.title());
}

#[test]
fn the_scroll_keeps_the_cursor_on_screen_and_never_passes_the_end() {
    let mut v = view_of(100);
    let len = v.len();
    assert_eq!(v.clamp(20), 0);
    assert!(v.navigate(Nav::Bottom));
    assert_eq!(v.cursor, len - 1);
    assert_eq!(v.clamp(20), len - 20, "the last page, not past it");
    for _ in 0..5 {
        v.navigate(Nav::PageDown);
    }
    assert_eq!(v.cursor, len - 1, "clamped to the last line");
    v.navigate(Nav::Top);
    assert_eq!(v.clamp(20), 0);
    v.navigate(Nav::PageDown);
    assert_eq!(v.cursor, 20, "a page is the window's height");
    assert_eq!(v.clamp(20), 1);
    // The window grew taller than the manifest: from the top.
    assert_eq!(v.clamp(500), 0);
    assert!(!v.navigate(Nav::Select));
}

#[test]
fn a_failed_fetch_says_why_and_what_to_do() {
    let id = ObjectId::new(ManifestKind::Deployment, "shop", "gone");
    let mut v = ManifestView::new(id.clone());
    v.loaded(Err(ManifestError::NotFound(id)));
    assert!(v.manifest().is_none());
    assert_eq!(v.len(), 0);
    assert!(!v.next_match(true));
    assert_eq!(v.key_at_cursor(), None);
}

#[test]
fn left_and_right_scroll_long_lines_sideways_within_the_widest() {
    let id = ObjectId::new(ManifestKind::ConfigMap, "shop", "wide");
    let obj = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "wide"}, "data": {"k": "x".repeat(30)}});
    let mut v = ManifestView::new(id.clone());
    v.loaded(Ok(project(id, obj, Syntax::Yaml)));
    assert!(v.navigate(Nav::Left));
    assert_eq!(v.hscroll, 0);
    for _ in 0..10 {
        v.navigate(Nav::Right);
    }
    // `  k: xxx…` is 35 characters: the last step still shows its end.
    assert_eq!(v.hscroll, 27);
    assert_eq!(
        skip(vec![Span::raw("ab"), Span::raw("cdé f")], 3)
            .iter()
            .map(|s| s.content.to_string())
            .collect::<Vec<_>>(),
        ["dé f"]
    );
}
