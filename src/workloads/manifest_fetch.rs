//! Fetching one object's live manifest, and revealing one Secret value.
//!
//! A manifest is one GET of the object's path ([`ObjectId::path`]), asked
//! for when the operator wants it and never kept in the store or watched.
//! `get <plural>` is reviewed first (a SelfSubjectAccessReview), so a
//! refusal names the permission instead of surfacing as a bare 403.
//!
//! Revealing a Secret's value is the one read warroom treats as an action:
//! refused in read-only mode, and written to the audit log (who, where,
//! which key, its size — never the value) *before* the value is handed back.
//! An audit entry that cannot be written means no reveal.
//!
//! The same functions serve `warroom get`, the live worker and the demo
//! worker ([`Lookup::Demo`]: the object synthesised from the demo estate).

use super::Sessions;
use super::error::KubeError;
use super::manifest::{self, Manifest, ManifestKind, ObjectId, Syntax};
use crate::audit::{AuditEntry, AuditError, AuditLog};
use crate::source::UpdateTx;
use serde_json::Value;
use std::path::PathBuf;

/// Why a manifest could not be shown or a value not revealed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ManifestError {
    /// No client for the context (kubeconfig, connection).
    #[error(transparent)]
    Connect(#[from] KubeError),
    /// The worker has no client yet (the console is still connecting).
    #[error("not connected to the cluster yet: try again once the status line says connected")]
    NotConnected,
    /// RBAC does not allow `get <resource>` (the review said so, or the GET
    /// answered 403).
    #[error("not allowed to get {resource} {scope}: {reason}")]
    Denied {
        resource: &'static str,
        /// `in namespace shop`, `cluster-wide`.
        scope: String,
        reason: String,
    },
    /// The API server has no such object.
    #[error("no such {} {}", .0.kind.arg(), .0.qualified())]
    NotFound(ObjectId),
    /// The GET failed otherwise.
    #[error("get {what}: {source}")]
    Call { what: String, source: KubeError },
    /// Only a Secret has values to reveal.
    #[error("{0} is not a secret: only a secret's keys can be revealed")]
    NotASecret(String),
    /// The Secret has no such key.
    #[error("secret {secret} has no key {asked:?} (it has: {})", list(keys))]
    NoSuchKey {
        secret: String,
        asked: String,
        keys: Vec<String>,
    },
    /// The value is not base64 (a hand-edited object).
    #[error("{0}")]
    Undecodable(String),
    /// `--read-only`: revealing is refused like any action.
    #[error("read-only mode: revealing a secret value is disabled (restart without --read-only)")]
    ReadOnly,
    /// The audit entry could not be written, so the value was not revealed.
    #[error("not revealed, because the audit entry could not be written: {0}")]
    Audit(String),
    /// Writing the saved manifest failed.
    #[error("cannot write {}: {reason}", path.display())]
    Save { path: PathBuf, reason: String },
}

fn list(keys: &[String]) -> String {
    if keys.is_empty() {
        "no keys".into()
    } else {
        keys.join(", ")
    }
}

impl ManifestError {
    /// What the operator can do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::Connect(k) => Some(k.hint().into()),
            Self::Call { source, .. } => Some(source.hint().into()),
            Self::Denied {
                resource, scope, ..
            } => {
                let ns = scope
                    .strip_prefix("in namespace ")
                    .map(|n| format!(" -n {n}"))
                    .unwrap_or_default();
                Some(format!(
                    "ask for RBAC `get` on `{resource}` (check with `kubectl auth can-i get {resource}{ns}`)"
                ))
            }
            Self::NotFound(id) => Some(if id.kind.namespaced() {
                format!(
                    "list them: kubectl get {} -n {}",
                    id.kind.plural(),
                    id.namespace
                )
            } else {
                format!("list them: kubectl get {}", id.kind.plural())
            }),
            Self::NotConnected
            | Self::NotASecret(_)
            | Self::NoSuchKey { .. }
            | Self::Undecodable(_)
            | Self::ReadOnly => None,
            Self::Audit(_) => Some(
                "make the audit log writable (it is in the data dir; WARROOM_DATA_DIR moves it)"
                    .into(),
            ),
            Self::Save { .. } => Some("pick another file (the directory must be writable)".into()),
        }
    }

    /// A refusal (read-only, RBAC) rather than a failure, for the audit entry.
    fn refused(&self) -> bool {
        matches!(self, Self::ReadOnly | Self::Denied { .. })
    }
}

fn scope(namespace: &str) -> String {
    if namespace.is_empty() {
        "cluster-wide".into()
    } else {
        format!("in namespace {namespace}")
    }
}

/// The object's JSON: `get <plural>` reviewed, then one GET. Nothing is kept.
pub async fn get_json(client: &kube::Client, id: &ObjectId) -> Result<Value, ManifestError> {
    let (group, _, plural, _) = id.kind.api();
    let denied = |reason: String| ManifestError::Denied {
        resource: plural,
        scope: scope(&id.namespace),
        reason,
    };
    // A review that cannot be made (an old server, SSARs not allowed) gives
    // no verdict: the GET goes ahead, and the API server enforces RBAC on it.
    match super::rbac::review(client, "get", group, plural, None, &id.namespace).await {
        Ok(Some(reason)) => return Err(denied(reason)),
        Ok(None) => {}
        Err(e) => tracing::debug!("access review for get {plural}: {e}"),
    }
    let what = format!("{} {}", id.kind.arg(), id.qualified());
    let request = kube::core::Request::new(id.collection())
        .get(&id.encoded_name(), &Default::default())
        .map_err(|e| ManifestError::Call {
            what: what.clone(),
            source: KubeError::Other(e.to_string()),
        })?;
    client
        .request::<Value>(request)
        .await
        .map_err(|e| match KubeError::from(&e) {
            KubeError::Api { code: 404, .. } => ManifestError::NotFound(id.clone()),
            KubeError::Api {
                code: 403, message, ..
            } => denied(message),
            source => ManifestError::Call { what, source },
        })
}

/// Where an object's JSON comes from.
#[derive(Clone)]
pub enum Lookup {
    Live(kube::Client),
    /// Synthesised from the demo estate (`None`: the estate has no such object).
    Demo(Option<Value>),
}

impl Lookup {
    pub async fn get(self, id: &ObjectId) -> Result<Value, ManifestError> {
        match self {
            Self::Live(client) => get_json(&client, id).await,
            Self::Demo(found) => found.ok_or_else(|| ManifestError::NotFound(id.clone())),
        }
    }

    fn demo(&self) -> bool {
        matches!(self, Self::Demo(_))
    }
}

/// The manifest as shown: one GET, projected (see [`manifest::project`]).
pub async fn fetch(
    lookup: Lookup,
    id: &ObjectId,
    syntax: Syntax,
) -> Result<Manifest, ManifestError> {
    let demo = lookup.demo();
    let json = lookup.get(id).await?;
    let mut m = manifest::project(id.clone(), json, syntax);
    m.demo = demo;
    Ok(m)
}

/// `key`'s value in the Secret `object`.
pub fn secret_key(id: &ObjectId, object: &Value, key: &str) -> Result<Vec<u8>, ManifestError> {
    if id.kind != ManifestKind::Secret {
        return Err(ManifestError::NotASecret(id.arg()));
    }
    match manifest::secret_value(object, key) {
        Some(Ok(bytes)) => Ok(bytes),
        Some(Err(e)) => Err(ManifestError::Undecodable(e)),
        None => Err(ManifestError::NoSuchKey {
            secret: id.qualified(),
            asked: key.into(),
            keys: manifest::secret_keys(object),
        }),
    }
}

/// Who reveals, from where: what the audit entry says besides the key.
#[derive(Debug, Clone)]
pub struct RevealAudit {
    pub audit: AuditLog,
    /// `cli` or `tui`.
    pub origin: &'static str,
    /// `context/namespace`.
    pub location: String,
    pub demo: bool,
}

/// The audit log's verb for a reveal.
pub const REVEAL: &str = "reveal-secret";

impl RevealAudit {
    /// One entry: the key and the value's size when shown, the reason when
    /// not. Never the value.
    pub fn record(
        &self,
        id: &ObjectId,
        key: &str,
        result: Result<usize, &ManifestError>,
    ) -> Result<(), AuditError> {
        let (result, message) = match result {
            Ok(size) => (
                "ok",
                format!("value shown ({})", crate::text::count(size, "byte")),
            ),
            Err(e) if e.refused() => ("refused", e.to_string()),
            Err(e) => ("error", e.to_string()),
        };
        self.audit.append(&AuditEntry {
            ts: jiff::Timestamp::now(),
            who: crate::identity::operator(),
            origin: self.origin.into(),
            action: REVEAL.into(),
            target: id.arg(),
            location: self.location.clone(),
            preview: format!("reveal key {key}"),
            result: result.into(),
            message,
            demo: self.demo.then_some(true),
            started: None,
            exit_code: None,
            restore_point_time: None,
        })
    }
}

/// Reveal `key` of the Secret `id`: refused when `read_only`, audited
/// (refusals and failures too), and handed back only once its audit entry
/// is written.
pub async fn reveal(
    lookup: Lookup,
    id: &ObjectId,
    key: &str,
    read_only: bool,
    audit: &RevealAudit,
) -> Result<Vec<u8>, ManifestError> {
    let result = async {
        if read_only {
            return Err(ManifestError::ReadOnly);
        }
        if id.kind != ManifestKind::Secret {
            return Err(ManifestError::NotASecret(id.arg()));
        }
        let object = lookup.get(id).await?;
        secret_key(id, &object, key)
    }
    .await;
    let recorded = audit.record(id, key, result.as_ref().map(Vec::len));
    match (result, recorded) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(e)) => Err(ManifestError::Audit(e.to_string())),
        (Err(e), Err(audit)) => {
            tracing::warn!("audit of a failed reveal: {audit}");
            Err(e)
        }
        (Err(e), Ok(())) => Err(e),
    }
}

/// A revealed value, sanitised for the screen. Its `Debug` gives only its
/// size, so a logged update or a test failure never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct RevealedValue(pub String);

impl std::fmt::Debug for RevealedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "<revealed, {}>",
            crate::text::count(self.0.len(), "byte")
        )
    }
}

impl From<&str> for RevealedValue {
    fn from(s: &str) -> Self {
        Self(s.into())
    }
}

/// What the pane asks the worker about manifests.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// One GET, shown as YAML.
    Fetch(ObjectId),
    /// One key of a Secret, after the operator typed its name.
    Reveal { id: ObjectId, key: String },
    /// Write the shown text to a file.
    Save { path: PathBuf, text: String },
}

/// The worker's answers.
#[derive(Debug)]
pub enum Answer {
    Fetched {
        id: ObjectId,
        result: Result<Manifest, ManifestError>,
    },
    /// The value as text, sanitised (it is shown, never written raw).
    Revealed {
        id: ObjectId,
        key: String,
        result: Result<RevealedValue, ManifestError>,
    },
    Saved {
        path: PathBuf,
        result: Result<(), ManifestError>,
    },
}

/// Serve one request off the worker's loop. `lookup`: `None` while the
/// live worker has no client; `location`: `context/namespace` prefix for
/// the audit (`context`).
pub fn serve(
    request: Request,
    lookup: Option<Lookup>,
    context: &str,
    sessions: &Sessions,
    tx: UpdateTx<super::Update>,
) {
    let context = context.to_string();
    let sessions = sessions.clone();
    tokio::spawn(async move {
        let answer = match request {
            Request::Fetch(id) => {
                let result = match lookup {
                    Some(l) => fetch(l, &id, Syntax::Yaml).await,
                    None => Err(ManifestError::NotConnected),
                };
                Answer::Fetched { id, result }
            }
            Request::Reveal { id, key } => {
                let audit = RevealAudit {
                    audit: sessions.audit.clone(),
                    origin: "tui",
                    location: format!("{context}/{}", id.namespace),
                    demo: lookup.as_ref().is_some_and(Lookup::demo),
                };
                let result = match lookup {
                    Some(l) => reveal(l, &id, &key, sessions.read_only, &audit).await,
                    None => Err(ManifestError::NotConnected),
                };
                let result = result.map(|v| {
                    RevealedValue(crate::text::sanitize(&String::from_utf8_lossy(&v)).into_owned())
                });
                Answer::Revealed { id, key, result }
            }
            Request::Save { path, text } => {
                let p = path.clone();
                let result = tokio::task::spawn_blocking(move || save(&p, &text))
                    .await
                    .unwrap_or_else(|e| {
                        Err(ManifestError::Save {
                            path: path.clone(),
                            reason: e.to_string(),
                        })
                    });
                Answer::Saved { path, result }
            }
        };
        let _ = tx.send(super::Update::Manifest(Box::new(answer))).await;
    });
}

/// Write `text` to `path`, creating its directory.
fn save(path: &std::path::Path, text: &str) -> Result<(), ManifestError> {
    let failed = |e: std::io::Error| ManifestError::Save {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    std::fs::write(path, text).map_err(failed)
}

#[cfg(test)]
#[path = "manifest_fetch_tests.rs"]
mod tests;
