//! `graph_memory` / `graph_cpu` on the demo estate.

use super::test_support::{loaded, pctx, render};
use crate::pane::testing::Press;
use crate::pane::{Jump, Outcome, Pane};
use crate::workloads::model::Kind;

#[test]
fn a_workloads_memory_is_graphed_with_its_pods_limit() {
    let mut p = loaded();
    p.press("toggle_view", &pctx());
    p.set_filter("backend");
    render(&mut p, 80, 24, false);
    p.table.selected = p
        .rows
        .iter()
        .position(|r| r.kind == Kind::Deployment && r.key.name == "backend")
        .expect("deployment/backend listed");
    let Outcome::Jump(Jump::Metrics {
        expr, threshold, ..
    }) = p.press("graph_memory", &pctx())
    else {
        panic!("no jump")
    };
    assert!(
        expr.contains(r#"namespace="toolboxai", pod=~"backend-[a-z0-9]+-[a-z0-9]+""#),
        "{expr}"
    );
    assert!(
        expr.starts_with("sum by (pod) (container_memory_working_set_bytes"),
        "{expr}"
    );
    assert_eq!(
        threshold,
        Some(512.0 * 1024.0 * 1024.0),
        "backend's 512Mi limit"
    );
    let Outcome::Jump(Jump::Metrics {
        expr, threshold, ..
    }) = p.press("graph_cpu", &pctx())
    else {
        panic!("no jump")
    };
    assert!(expr.contains("container_cpu_usage_seconds_total"), "{expr}");
    assert_eq!(threshold, None);
}

#[test]
fn a_controller_matches_its_pods_names_only() {
    let re = regex::Regex::new(&format!(
        "^{}$",
        crate::workloads::pane_metrics::pod_pattern(Kind::Deployment, "backend")
    ))
    .unwrap();
    assert!(re.is_match("backend-7d9f8b6c5-x2x9q"));
    assert!(!re.is_match("backend-worker-7d9f8b6c5-x2x9q"));
    let re = regex::Regex::new(&format!(
        "^{}$",
        crate::workloads::pane_metrics::pod_pattern(Kind::StatefulSet, "pg.main")
    ))
    .unwrap();
    assert!(re.is_match("pg.main-0"));
    assert!(!re.is_match("pgxmain-0"));
}
