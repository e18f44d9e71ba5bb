//! The projection of an event, read from either API's shape.

use super::{Key, meta_key};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;

/// The longest event message kept: the API server does not bound core
/// `v1` messages (`events.k8s.io/v1` caps `note` at 1 KiB), and an event is
/// kept for every object in the watched namespaces.
pub const EVENT_MESSAGE_MAX: usize = 2048;

/// One event, as either API writes it. `events.k8s.io/v1` events (what
/// current controllers emit) are the same objects as core `v1` events; read
/// through core `v1`, they carry `series` (`count`, `lastObservedTime`) and
/// `eventTime` instead of `count` and `first`/`lastTimestamp`, so both
/// shapes are read here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSummary {
    pub key: Key,
    /// `Pod`, `Deployment`, `Node`…
    pub object_kind: String,
    /// The involved object's namespace (empty for cluster-scoped objects).
    pub object_namespace: String,
    pub object_name: String,
    /// `Warning` or `Normal`.
    pub type_: String,
    pub reason: String,
    pub message: String,
    /// Occurrences: `series.count`, else `count`, else 1.
    pub count: i32,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// Who reported it: `kubelet`, `default-scheduler`…
    pub source: String,
}

impl EventSummary {
    pub fn is_warning(&self) -> bool {
        self.type_ == "Warning"
    }
}

impl From<&Event> for EventSummary {
    fn from(e: &Event) -> Self {
        let created = e.metadata.creation_timestamp.as_ref().map(|t| t.0);
        let event_time = e.event_time.as_ref().map(|t| t.0);
        let series = e.series.as_ref();
        let mut message = e.message.clone().unwrap_or_default();
        if message.len() > EVENT_MESSAGE_MAX {
            let mut cut = EVENT_MESSAGE_MAX;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push('…');
        }
        let key = meta_key(&e.metadata);
        let kind = e.involved_object.kind.clone().unwrap_or_default();
        EventSummary {
            object_kind: kind.clone(),
            // Older reporters leave it out for objects in the event's own
            // namespace; nodes have none (their events live in `default`).
            object_namespace: match (&e.involved_object.namespace, kind.as_str()) {
                (Some(ns), _) => ns.clone(),
                (None, "Node") => String::new(),
                (None, _) => key.namespace.clone(),
            },
            object_name: e.involved_object.name.clone().unwrap_or_default(),
            type_: e.type_.clone().unwrap_or_else(|| "Normal".into()),
            reason: e.reason.clone().unwrap_or_default(),
            message,
            count: series.and_then(|s| s.count).or(e.count).unwrap_or(1).max(1),
            first: e
                .first_timestamp
                .as_ref()
                .map(|t| t.0)
                .or(event_time)
                .or(created),
            last: series
                .and_then(|s| s.last_observed_time.as_ref())
                .map(|t| t.0)
                .or(e.last_timestamp.as_ref().map(|t| t.0))
                .or(event_time)
                .or(created),
            source: e
                .reporting_component
                .clone()
                .filter(|c| !c.is_empty())
                .or_else(|| e.source.as_ref().and_then(|s| s.component.clone()))
                .unwrap_or_default(),
            key,
        }
    }
}
