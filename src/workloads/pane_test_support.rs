//! Fixtures the workloads pane tests share: the demo estate loaded at a
//! fixed time, the pane context, and rendering into a buffer.

use super::*;
use crate::pane::{PaneCtx, SourceState};
use crate::source::{SourceId, SourceKind, SourceStatus};
use crate::ui::testing::{Scene, draw};
use std::collections::BTreeMap;

pub(super) fn now() -> Timestamp {
    "2026-03-14T03:12:00Z".parse().unwrap()
}

pub(super) fn loaded() -> WorkloadsPane {
    loaded_in(&["toolboxai", "toolboxai-staging"])
}

pub(super) fn loaded_in(namespaces: &[&str]) -> WorkloadsPane {
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

pub(super) fn pctx() -> PaneCtx {
    PaneCtx {
        read_only: false,
        now: now(),
    }
}

pub(super) fn render(p: &mut WorkloadsPane, w: u16, h: u16, read_only: bool) -> Buffer {
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
    let scene = Scene {
        read_only,
        demo: true,
        ..Scene::at(now(), &sources)
    };
    draw(p, w, h, &scene)
}
