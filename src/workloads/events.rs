//! Events grouped by the object they are about, the way an on-call engineer
//! reads them: objects with warnings first, the most recently active first,
//! and inside each object its warnings first, newest first. Used by the
//! console's events view and by `warroom events`.

use super::model::EventSummary;
use jiff::Timestamp;
use serde::Serialize;

/// The object an event is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    /// Empty for cluster-scoped objects (nodes).
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    pub fn of(e: &EventSummary) -> Self {
        Self {
            kind: e.object_kind.clone(),
            namespace: e.object_namespace.clone(),
            name: e.object_name.clone(),
        }
    }

    /// `Pod shop/api-7d9`, `Node worker-3`.
    pub fn label(&self) -> String {
        if self.namespace.is_empty() {
            format!("{} {}", self.kind, self.name)
        } else {
            format!("{} {}/{}", self.kind, self.namespace, self.name)
        }
    }

    /// kubectl's `pod/api-7d9`.
    pub fn arg(&self) -> String {
        format!("{}/{}", self.kind.to_lowercase(), self.name)
    }
}

/// Which events to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventQuery {
    pub warnings_only: bool,
    /// Only events last seen at or after this time.
    pub since: Option<Timestamp>,
    /// Case-insensitive substring of the object, reason or message.
    pub text: Option<String>,
}

impl EventQuery {
    /// `text` as typed after `/` (empty: no text filter).
    pub fn with_text(mut self, text: &str) -> Self {
        let t = text.trim().to_lowercase();
        self.text = (!t.is_empty()).then_some(t);
        self
    }

    pub fn matches(&self, e: &EventSummary) -> bool {
        if self.warnings_only && !e.is_warning() {
            return false;
        }
        if let Some(since) = self.since
            && e.last.is_none_or(|t| t < since)
        {
            return false;
        }
        match &self.text {
            None => true,
            Some(t) => [
                &e.object_kind,
                &e.object_namespace,
                &e.object_name,
                &e.reason,
                &e.message,
            ]
            .iter()
            .any(|f| f.to_lowercase().contains(t.as_str())),
        }
    }
}

/// Every event about one object, with the totals the group header shows.
#[derive(Debug, Clone, PartialEq)]
pub struct EventGroup {
    pub object: ObjectRef,
    /// Warning events (not occurrences).
    pub warnings: usize,
    /// Occurrences of every event in the group.
    pub count: i64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// Warnings first, then newest first.
    pub events: Vec<EventSummary>,
}

/// Group `events` by involved object, in reading order (see the module doc).
pub fn group<'a>(
    events: impl IntoIterator<Item = &'a EventSummary>,
    query: &EventQuery,
) -> Vec<EventGroup> {
    let mut by_object: std::collections::HashMap<ObjectRef, Vec<&EventSummary>> =
        Default::default();
    for e in events.into_iter().filter(|e| query.matches(e)) {
        by_object.entry(ObjectRef::of(e)).or_default().push(e);
    }
    let mut groups: Vec<EventGroup> = by_object
        .into_iter()
        .map(|(object, mut events)| {
            events.sort_by(|a, b| {
                b.is_warning()
                    .cmp(&a.is_warning())
                    .then(b.last.cmp(&a.last))
                    .then(a.reason.cmp(&b.reason))
                    .then(a.key.cmp(&b.key))
            });
            EventGroup {
                object,
                warnings: events.iter().filter(|e| e.is_warning()).count(),
                count: events.iter().map(|e| i64::from(e.count)).sum(),
                first: events.iter().filter_map(|e| e.first.or(e.last)).min(),
                last: events.iter().filter_map(|e| e.last).max(),
                events: events.into_iter().cloned().collect(),
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        (b.warnings > 0)
            .cmp(&(a.warnings > 0))
            .then(b.last.cmp(&a.last))
            .then(a.object.cmp(&b.object))
    });
    groups
}

/// One line of the events view: an object's header, or one of its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventRow {
    Group(usize),
    Event(usize, usize),
}

impl EventRow {
    pub fn group(self) -> usize {
        match self {
            Self::Group(g) | Self::Event(g, _) => g,
        }
    }
}

/// The groups as rows: each header followed by its events.
pub fn rows(groups: &[EventGroup]) -> Vec<EventRow> {
    let mut out =
        Vec::with_capacity(groups.len() + groups.iter().map(|g| g.events.len()).sum::<usize>());
    for (g, group) in groups.iter().enumerate() {
        out.push(EventRow::Group(g));
        out.extend((0..group.events.len()).map(|e| EventRow::Event(g, e)));
    }
    out
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
