//! Live manifests: what `kubectl get -o yaml` shows, made safe to display.
//!
//! [`project`] turns an object's JSON (one GET, never kept in the store) into
//! YAML with `metadata.managedFields` dropped, the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation collapsed to
//! a size note (it repeats the object and, for a Secret, its values), a
//! Secret's `data`/`stringData` replaced by their keys and decoded sizes, and
//! every control sequence neutralised ([`crate::text::sanitize_multiline`]).
//! The YAML emitter is `serde_norway` (a maintained `serde_yaml` fork), so
//! strings that need quoting are quoted by the emitter, not by hand.
//!
//! [`ManifestKind`] names the kinds the Workloads pane shows (plus
//! ConfigMaps and Secrets) with their API paths; the fetch is in
//! [`super::manifest_fetch`], the view in [`super::manifest_view`].

use base64::Engine;
use serde_json::Value;

/// A manifest's text is cut at this size, with a visible note.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

/// The annotation `kubectl apply` writes: a copy of the applied object.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// A kind whose manifest can be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ManifestKind {
    Pod,
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
    Service,
    Node,
    ConfigMap,
    Secret,
}

impl ManifestKind {
    pub const ALL: [ManifestKind; 11] = [
        Self::Pod,
        Self::Deployment,
        Self::StatefulSet,
        Self::DaemonSet,
        Self::ReplicaSet,
        Self::Job,
        Self::CronJob,
        Self::Service,
        Self::Node,
        Self::ConfigMap,
        Self::Secret,
    ];

    /// `(group, version, plural, namespaced)`.
    pub fn api(self) -> (&'static str, &'static str, &'static str, bool) {
        match self {
            Self::Pod => ("", "v1", "pods", true),
            Self::Deployment => ("apps", "v1", "deployments", true),
            Self::StatefulSet => ("apps", "v1", "statefulsets", true),
            Self::DaemonSet => ("apps", "v1", "daemonsets", true),
            Self::ReplicaSet => ("apps", "v1", "replicasets", true),
            Self::Job => ("batch", "v1", "jobs", true),
            Self::CronJob => ("batch", "v1", "cronjobs", true),
            Self::Service => ("", "v1", "services", true),
            Self::Node => ("", "v1", "nodes", false),
            Self::ConfigMap => ("", "v1", "configmaps", true),
            Self::Secret => ("", "v1", "secrets", true),
        }
    }

    pub fn plural(self) -> &'static str {
        self.api().2
    }

    pub fn namespaced(self) -> bool {
        self.api().3
    }

    /// `pod`, `deployment`… as in `kubectl get KIND/NAME`.
    pub fn arg(self) -> &'static str {
        match self {
            Self::Pod => "pod",
            Self::Deployment => "deployment",
            Self::StatefulSet => "statefulset",
            Self::DaemonSet => "daemonset",
            Self::ReplicaSet => "replicaset",
            Self::Job => "job",
            Self::CronJob => "cronjob",
            Self::Service => "service",
            Self::Node => "node",
            Self::ConfigMap => "configmap",
            Self::Secret => "secret",
        }
    }

    /// kubectl's names and short names: `po`, `pods`, `deploy`, `svc`, `cm`…
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.to_ascii_lowercase();
        let short = match s.as_str() {
            "po" => Some(Self::Pod),
            "deploy" => Some(Self::Deployment),
            "sts" => Some(Self::StatefulSet),
            "ds" => Some(Self::DaemonSet),
            "rs" => Some(Self::ReplicaSet),
            "cj" => Some(Self::CronJob),
            "svc" => Some(Self::Service),
            "no" => Some(Self::Node),
            "cm" => Some(Self::ConfigMap),
            _ => None,
        };
        short.or_else(|| {
            Self::ALL
                .into_iter()
                .find(|k| s == k.arg() || s == k.plural())
        })
    }

    /// The pane's kind, when it has a manifest (events are not shown this way).
    pub fn from_kind(kind: super::model::Kind) -> Option<Self> {
        use super::model::Kind;
        Some(match kind {
            Kind::Pod => Self::Pod,
            Kind::Deployment => Self::Deployment,
            Kind::ReplicaSet => Self::ReplicaSet,
            Kind::StatefulSet => Self::StatefulSet,
            Kind::DaemonSet => Self::DaemonSet,
            Kind::Job => Self::Job,
            Kind::CronJob => Self::CronJob,
            Kind::Node => Self::Node,
            Kind::Event => return None,
        })
    }
}

/// Which object: kind, namespace (empty for nodes) and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectId {
    pub kind: ManifestKind,
    pub namespace: String,
    pub name: String,
}

impl ObjectId {
    pub fn new(kind: ManifestKind, namespace: impl Into<String>, name: impl Into<String>) -> Self {
        let namespace = if kind.namespaced() {
            namespace.into()
        } else {
            String::new()
        };
        Self {
            kind,
            namespace,
            name: name.into(),
        }
    }

    /// `secret/db-credentials`.
    pub fn arg(&self) -> String {
        format!("{}/{}", self.kind.arg(), self.name)
    }

    /// The GET path: `/api/v1/namespaces/NS/pods/NAME`.
    pub fn path(&self) -> String {
        format!("{}/{}", self.collection(), self.encoded_name())
    }

    /// The path of the object's collection: `/api/v1/namespaces/NS/pods`.
    pub fn collection(&self) -> String {
        let (group, version, plural, namespaced) = self.kind.api();
        let base = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        if namespaced {
            format!("{base}/namespaces/{}/{plural}", encode(&self.namespace))
        } else {
            format!("{base}/{plural}")
        }
    }

    /// The name as a path segment (a `/` in it cannot climb the path).
    pub fn encoded_name(&self) -> String {
        encode(&self.name)
    }

    /// `shop/db-credentials`, or the bare name of a cluster-scoped object.
    pub fn qualified(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A projected manifest, ready to show, copy or save.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub object: ObjectId,
    /// The YAML (or JSON) text, sanitised, possibly cut at [`MAX_BYTES`].
    pub text: String,
    /// A Secret's keys (of `data` and `stringData`), in order.
    pub secret_keys: Vec<String>,
    /// Synthesised from the demo estate.
    pub demo: bool,
}

/// Output syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Syntax {
    #[default]
    Yaml,
    Json,
}

/// `<redacted, 16 bytes>`.
pub fn redacted(bytes: usize) -> String {
    format!("<redacted, {}>", crate::text::count(bytes, "byte"))
}

/// The object as shown: managedFields dropped, last-applied collapsed,
/// Secret values replaced by their sizes. Returns the Secret's keys.
pub fn redact(object: &mut Value) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut)
            && let Some(v) = ann.get_mut(LAST_APPLIED)
        {
            let size = v.as_str().map_or(0, str::len);
            *v = Value::String(format!("<{} omitted>", crate::text::count(size, "byte")));
        }
    }
    if object.get("kind").and_then(Value::as_str) == Some("Secret") {
        for field in ["data", "stringData"] {
            let Some(map) = object.get_mut(field).and_then(Value::as_object_mut) else {
                continue;
            };
            for (k, v) in map.iter_mut() {
                let size = match (field, v.as_str()) {
                    ("data", Some(b64)) => decoded_len(b64),
                    (_, Some(s)) => Some(s.len()),
                    _ => None,
                };
                *v = Value::String(match size {
                    Some(n) => redacted(n),
                    None => "<redacted, not base64>".into(),
                });
                keys.push(k.clone());
            }
        }
    }
    keys
}

fn decoded_len(b64: &str) -> Option<usize> {
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()
        .map(|b| b.len())
}

/// A Secret's keys, as [`redact`] lists them: `data`, then `stringData`.
pub fn secret_keys(secret: &Value) -> Vec<String> {
    ["data", "stringData"]
        .into_iter()
        .filter_map(|f| secret.get(f).and_then(Value::as_object))
        .flat_map(|m| m.keys().cloned())
        .collect()
}

/// A Secret's value for `key` from its JSON (`data` decoded, else
/// `stringData`), as bytes. `None`: no such key.
pub fn secret_value(secret: &Value, key: &str) -> Option<Result<Vec<u8>, String>> {
    if let Some(v) = secret.get("data").and_then(|d| d.get(key)) {
        let s = v.as_str().unwrap_or_default();
        return Some(
            base64::engine::general_purpose::STANDARD
                .decode(s.trim())
                .map_err(|e| format!("the value of {key} is not base64: {e}")),
        );
    }
    secret
        .get("stringData")
        .and_then(|d| d.get(key))
        .map(|v| Ok(v.as_str().unwrap_or_default().as_bytes().to_vec()))
}

/// The whole projection: redacted, emitted, sanitised, bounded.
pub fn project(object: ObjectId, mut value: Value, syntax: Syntax) -> Manifest {
    let secret_keys = redact(&mut value);
    let emitted = match syntax {
        Syntax::Yaml => {
            serde_norway::to_string(&value).unwrap_or_else(|e| format!("# cannot emit YAML: {e}\n"))
        }
        Syntax::Json => crate::text::to_json_pretty(&value)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .unwrap_or_else(|e| format!("cannot emit JSON: {e}\n")),
    };
    let text = bound(crate::text::sanitize_multiline(&emitted));
    Manifest {
        object,
        text,
        secret_keys,
        demo: false,
    }
}

/// Cut at [`MAX_BYTES`] (on a line boundary) with a note saying so.
fn bound(mut text: String) -> String {
    if text.len() <= MAX_BYTES {
        return text;
    }
    let total = text.len();
    let mut cut = MAX_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let cut = text[..cut].rfind('\n').map_or(cut, |i| i + 1);
    text.truncate(cut);
    text.push_str(&format!(
        "# … cut here: the manifest is {}, more than warroom shows ({}); use kubectl get -o yaml for all of it\n",
        crate::text::human_bytes(total as u64),
        crate::text::human_bytes(MAX_BYTES as u64)
    ));
    text
}

/// The Secret a manifest line names: `secretName: X`, `name: X` inside a
/// `secretKeyRef:`/`secretRef:` block (or on the block's own line), or an
/// `imagePullSecrets` entry. One entry per line of `text` (`None`: none).
pub fn secret_refs(text: &str) -> Vec<Option<String>> {
    let lines: Vec<&str> = text.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let value = |l: &str, key: &str| -> Option<String> {
        let t = l.trim_start().trim_start_matches("- ");
        let v = t.strip_prefix(key)?.strip_prefix(':')?.trim();
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        (!v.is_empty()).then(|| v.to_string())
    };
    let mut out = vec![None; lines.len()];
    for (i, l) in lines.iter().enumerate() {
        if let Some(v) = value(l, "secretName") {
            out[i] = Some(v);
            continue;
        }
        let t = l.trim_start().trim_start_matches("- ");
        let block = ["secretKeyRef:", "secretRef:", "imagePullSecrets:"].contains(&t);
        if !block {
            continue;
        }
        let own = indent(l);
        let pull = t == "imagePullSecrets:";
        let mut first = None;
        for (j, m) in lines.iter().enumerate().skip(i + 1) {
            // A list under `imagePullSecrets:` may sit at the key's own indent.
            let inside =
                indent(m) > own || (pull && indent(m) == own && m.trim_start().starts_with("- "));
            if !inside {
                break;
            }
            if let Some(v) = value(m, "name") {
                out[j] = Some(v.clone());
                first.get_or_insert(v);
            }
        }
        if !pull {
            out[i] = first;
        }
    }
    out
}

/// The Secret key a line of a Secret's manifest shows (`password: <redacted…>`).
pub fn key_on_line<'a>(line: &str, keys: &'a [String]) -> Option<&'a str> {
    if !line.contains("<redacted") {
        return None;
    }
    let (k, _) = line.trim_start().split_once(": ")?;
    let k = k.trim_matches(|c| c == '"' || c == '\'');
    keys.iter().find(|x| x.as_str() == k).map(String::as_str)
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
