//! Kubernetes objects as the API server sends them: a Pod and a Node decoded
//! into k8s-openapi's types (serde_json, as kube does) and projected into the
//! summaries the Workloads pane shows; and any object through the manifest
//! projection (redact Secrets, emit YAML and JSON, sanitise, bound).
#![no_main]

use k8s_openapi::api::core::v1::{Node, Pod};
use libfuzzer_sys::fuzz_target;
use warroom::workloads::manifest::{self, ManifestKind, ObjectId, Syntax};
use warroom::workloads::model::{NodeSummary, PodSummary};

fuzz_target!(|data: &[u8]| {
    if let Ok(pod) = serde_json::from_slice::<Pod>(data) {
        let _ = PodSummary::from(&pod);
    }
    if let Ok(node) = serde_json::from_slice::<Node>(data) {
        let _ = NodeSummary::from(&node);
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        // The kind decides whether the Secret redaction applies.
        let kind = if value.get("kind").and_then(|k| k.as_str()) == Some("Secret") {
            ManifestKind::Secret
        } else {
            ManifestKind::Pod
        };
        let _ = manifest::secret_keys(&value);
        let id = ObjectId::new(kind, "default", "fuzz");
        for syntax in [Syntax::Yaml, Syntax::Json] {
            let m = manifest::project(id.clone(), value.clone(), syntax);
            let refs = manifest::secret_refs(&m.text);
            for line in m.text.lines() {
                let _ = manifest::key_on_line(line, &m.secret_keys);
            }
            drop(refs);
        }
    }
});
