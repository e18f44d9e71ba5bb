//! The alert model: alerts as each source reports them, merged across sources,
//! grouped by the `[alerts] group_by` labels and ordered by severity.
//! Pure data and functions; the pane and the report both build on it.

use super::matcher::{Filter, Matcher};
use crate::source::SourceId;
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub type Labels = BTreeMap<String, String>;

/// Ordered so that `max()` is the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertSeverity {
    None,
    Info,
    Warning,
    Critical,
}

impl AlertSeverity {
    /// From the `severity` label, accepting the spellings rule authors use.
    pub fn from_label(v: Option<&str>) -> Self {
        match v.map(str::to_ascii_lowercase).as_deref() {
            Some("critical" | "crit" | "page" | "error" | "high" | "disaster" | "p1") => {
                Self::Critical
            }
            Some("warning" | "warn" | "medium" | "p2" | "p3") => Self::Warning,
            Some("info" | "informational" | "low" | "notice" | "p4" | "p5") => Self::Info,
            _ => Self::None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::Warning => "warning",
            Self::Info => "info",
            Self::None => "none",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Self::Critical => "✗",
            Self::Warning => "!",
            Self::Info => "·",
            Self::None => " ",
        }
    }

    pub fn to_report(self) -> crate::report::Severity {
        match self {
            Self::Critical => crate::report::Severity::Critical,
            Self::Warning => crate::report::Severity::Warning,
            Self::Info | Self::None => crate::report::Severity::Info,
        }
    }
}

/// Ordered by how much it needs attention: firing first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertState {
    Firing,
    Pending,
    Inhibited,
    Silenced,
}

impl AlertState {
    /// The word shown for the state; a silence that is only acks reads
    /// `acked` (someone is on it) instead of `silenced` (muted as noise).
    pub fn label(self, acked: bool) -> &'static str {
        if acked { "acked" } else { self.as_str() }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Pending => "pending",
            Self::Inhibited => "inhibited",
            Self::Silenced => "silenced",
        }
    }

    /// Someone or something already deals with it.
    pub fn is_suppressed(self) -> bool {
        matches!(self, Self::Inhibited | Self::Silenced)
    }

    /// The state of one alert reported by two sources: Alertmanager knows about
    /// silences and inhibitions, Prometheus about pending.
    fn combine(self, other: Self) -> Self {
        use AlertState::*;
        match (self, other) {
            (Silenced, _) | (_, Silenced) => Silenced,
            (Inhibited, _) | (_, Inhibited) => Inhibited,
            (Firing, _) | (_, Firing) => Firing,
            _ => Pending,
        }
    }
}

/// One alert as one source reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub labels: Labels,
    pub annotations: Labels,
    pub state: AlertState,
    /// Prometheus `activeAt`, Alertmanager `startsAt`.
    pub active_at: Option<Timestamp>,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
    pub generator_url: Option<String>,
    /// The alerting rule's PromQL expression: from Prometheus' rules, or
    /// Alertmanager's `generatorURL` (its `g0.expr`).
    pub expr: Option<String>,
}

impl Alert {
    pub fn new(labels: Labels, state: AlertState) -> Self {
        Self {
            labels,
            annotations: Labels::new(),
            state,
            active_at: None,
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
            generator_url: None,
            expr: None,
        }
    }

    pub fn name(&self) -> &str {
        self.labels
            .get("alertname")
            .map(String::as_str)
            .unwrap_or("?")
    }

    pub fn severity(&self) -> AlertSeverity {
        AlertSeverity::from_label(self.labels.get("severity").map(String::as_str))
    }

    /// `summary`, else `description`, else `message`.
    pub fn summary(&self) -> Option<&str> {
        ["summary", "description", "message"]
            .iter()
            .find_map(|k| self.annotations.get(*k))
            .map(String::as_str)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SilenceState {
    Active,
    Pending,
    Expired,
}

impl SilenceState {
    pub fn parse(s: &str) -> Self {
        match s {
            "active" => Self::Active,
            "pending" => Self::Pending,
            _ => Self::Expired,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Pending => "pending",
            Self::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub state: SilenceState,
    pub created_by: String,
    pub comment: String,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    /// The Alertmanager it lives on (its `[[alertmanager]] name`).
    pub alertmanager: String,
}

impl Silence {
    pub fn matches(&self, labels: &Labels) -> bool {
        !self.matchers.is_empty() && self.matchers.iter().all(|m| m.matches(labels))
    }

    /// An acknowledgement rather than a silence: warroom's ack (`ack by
    /// user@host`) or karma's (`ACK! …`). Acked alerts are shown apart:
    /// someone is on them, as opposed to muted as noise.
    pub fn is_ack(&self) -> bool {
        let c = self.comment.trim_start();
        c.starts_with(ACK_PREFIX) || c.starts_with("ACK!")
    }

    pub fn matchers_text(&self) -> String {
        self.matchers
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// How warroom's ack silences begin (see [`Silence::is_ack`]).
pub const ACK_PREFIX: &str = "ack by ";

/// A rule Prometheus could not evaluate (`health: err`): a broken rule is an
/// alert that can no longer fire, so it is shown as a problem.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenRule {
    pub group: String,
    pub name: String,
    pub health: String,
    pub last_error: String,
}

/// One complete poll of one source; replaces that source's previous snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub source: SourceId,
    pub at: Timestamp,
    pub alerts: Vec<Alert>,
    pub silences: Vec<Silence>,
    pub broken_rules: Vec<BrokenRule>,
    /// Alerting + recording rules seen (Prometheus).
    pub rules_total: usize,
    /// Side requests of this poll that failed while the alerts came through
    /// (`/api/v1/rules`, `/api/v2/silences`, `/api/v2/status`), as
    /// (what, error): a broken side call must not drop the alerts, but the
    /// operator has to see that part of the picture is missing.
    pub partial: Vec<(String, String)>,
    /// When `silences` were fetched; `None` when this poll's call failed (the
    /// pane then keeps the previous ones and their older time, shown stale).
    pub silences_at: Option<Timestamp>,
    /// When `broken_rules` / `rules_total` were fetched; `None` as above.
    pub rules_at: Option<Timestamp>,
}

impl Snapshot {
    pub fn new(source: SourceId, at: Timestamp) -> Self {
        Self {
            source,
            at,
            alerts: Vec::new(),
            silences: Vec::new(),
            broken_rules: Vec::new(),
            rules_total: 0,
            partial: Vec::new(),
            silences_at: Some(at),
            rules_at: Some(at),
        }
    }
}

/// One alert with every source that reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedAlert {
    pub alert: Alert,
    pub sources: Vec<SourceId>,
}

impl MergedAlert {
    /// What a jump from this alert carries to the next pane.
    pub fn context(&self) -> crate::target::AlertContext {
        crate::target::AlertContext {
            name: self.alert.name().to_string(),
            labels: self.alert.labels.clone(),
            starts_at: self.alert.active_at,
            fingerprint: fingerprint(&self.alert.labels),
            sources: self.sources.iter().map(ToString::to_string).collect(),
        }
    }

    pub fn sources_text(&self) -> String {
        self.sources
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

pub use crate::target::label_fingerprint as fingerprint;

/// Merge snapshots: the same label set from several sources is one alert.
/// Alertmanager adds Prometheus' external labels, so a Prometheus alert whose
/// labels are a subset of an Alertmanager alert's (same alertname) is that alert.
pub fn merge<'a>(snapshots: impl IntoIterator<Item = &'a Snapshot>) -> Vec<MergedAlert> {
    let mut snaps: Vec<&Snapshot> = snapshots.into_iter().collect();
    // Alertmanager first: its label sets are the supersets.
    snaps.sort_by_key(|s| {
        (
            s.source.kind != crate::source::SourceKind::Alertmanager,
            &s.source,
        )
    });
    let mut out: Vec<MergedAlert> = Vec::new();
    let mut exact: HashMap<Labels, usize> = HashMap::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for snap in snaps {
        let is_am = snap.source.kind == crate::source::SourceKind::Alertmanager;
        for a in &snap.alerts {
            let found = exact.get(&a.labels).copied().or_else(|| {
                if is_am {
                    return None;
                }
                by_name.get(a.name()).and_then(|idx| {
                    idx.iter().copied().find(|&i| {
                        a.labels
                            .iter()
                            .all(|(k, v)| out[i].alert.labels.get(k) == Some(v))
                    })
                })
            });
            match found {
                Some(i) => {
                    let m = &mut out[i];
                    if !m.sources.contains(&snap.source) {
                        m.sources.push(snap.source.clone());
                    }
                    m.alert.state = m.alert.state.combine(a.state);
                    m.alert.active_at = match (m.alert.active_at, a.active_at) {
                        (Some(x), Some(y)) => Some(x.min(y)),
                        (x, y) => x.or(y),
                    };
                    for (k, v) in &a.annotations {
                        m.alert
                            .annotations
                            .entry(k.clone())
                            .or_insert_with(|| v.clone());
                    }
                    for id in &a.silenced_by {
                        if !m.alert.silenced_by.contains(id) {
                            m.alert.silenced_by.push(id.clone());
                        }
                    }
                    for id in &a.inhibited_by {
                        if !m.alert.inhibited_by.contains(id) {
                            m.alert.inhibited_by.push(id.clone());
                        }
                    }
                    if m.alert.generator_url.is_none() {
                        m.alert.generator_url = a.generator_url.clone();
                    }
                    if m.alert.expr.is_none() {
                        m.alert.expr = a.expr.clone();
                    }
                }
                None => {
                    let i = out.len();
                    exact.insert(a.labels.clone(), i);
                    by_name.entry(a.name().to_string()).or_default().push(i);
                    out.push(MergedAlert {
                        alert: a.clone(),
                        sources: vec![snap.source.clone()],
                    });
                }
            }
        }
    }
    out
}

/// Alerts sharing the values of the `group_by` labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// `group_by` label values, `-` for a missing label.
    pub key: Vec<String>,
    /// Indices into the merged alerts, in display order.
    pub alerts: Vec<usize>,
    pub severity: AlertSeverity,
    /// The most urgent state inside the group.
    pub state: AlertState,
    pub firing: usize,
    pub pending: usize,
    pub suppressed: usize,
    pub since: Option<Timestamp>,
    /// Label names whose values differ between the group's alerts.
    pub differing: Vec<String>,
}

impl Group {
    pub fn title(&self) -> String {
        self.key.join(" · ")
    }
}

/// Group the alerts the filter lets through, most urgent group first: active
/// (firing/pending) before suppressed, then by severity, then what started first.
pub fn group(alerts: &[MergedAlert], group_by: &[String], filter: &Filter) -> Vec<Group> {
    let group_by: Vec<String> = if group_by.is_empty() {
        vec!["alertname".into()]
    } else {
        group_by.to_vec()
    };
    let mut map: BTreeMap<Vec<String>, Vec<usize>> = BTreeMap::new();
    for (i, m) in alerts.iter().enumerate() {
        if !filter.matches(&m.alert.labels, &m.alert.annotations) {
            continue;
        }
        let key = group_by
            .iter()
            .map(|l| m.alert.labels.get(l).cloned().unwrap_or_else(|| "-".into()))
            .collect();
        map.entry(key).or_default().push(i);
    }
    let mut groups: Vec<Group> = map
        .into_iter()
        .map(|(key, mut idx)| {
            idx.sort_by(|&a, &b| {
                let (x, y) = (&alerts[a].alert, &alerts[b].alert);
                x.state
                    .cmp(&y.state)
                    .then(y.severity().cmp(&x.severity()))
                    .then(x.active_at.cmp(&y.active_at))
                    .then(x.labels.cmp(&y.labels))
            });
            let items: Vec<&Alert> = idx.iter().map(|&i| &alerts[i].alert).collect();
            let count = |s: &[AlertState]| items.iter().filter(|a| s.contains(&a.state)).count();
            let mut names: BTreeSet<&String> = BTreeSet::new();
            for a in &items {
                names.extend(a.labels.keys());
            }
            let differing = names
                .into_iter()
                .filter(|n| !group_by.contains(n))
                .filter(|n| {
                    let first = items[0].labels.get(*n);
                    items.iter().any(|a| a.labels.get(*n) != first)
                })
                .cloned()
                .collect();
            Group {
                key,
                severity: items
                    .iter()
                    .map(|a| a.severity())
                    .max()
                    .unwrap_or(AlertSeverity::None),
                state: items
                    .iter()
                    .map(|a| a.state)
                    .min()
                    .unwrap_or(AlertState::Silenced),
                firing: count(&[AlertState::Firing]),
                pending: count(&[AlertState::Pending]),
                suppressed: count(&[AlertState::Silenced, AlertState::Inhibited]),
                since: items.iter().filter_map(|a| a.active_at).min(),
                differing,
                alerts: idx,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        a.state
            .is_suppressed()
            .cmp(&b.state.is_suppressed())
            .then(b.severity.cmp(&a.severity))
            .then(a.state.cmp(&b.state))
            .then(a.since.cmp(&b.since))
            .then(a.key.cmp(&b.key))
    });
    groups
}

/// Equality matchers that select exactly this alert's group (or the alert itself).
pub fn matchers_for(labels: &[&Labels], group_by: &[String]) -> Vec<Matcher> {
    let Some(first) = labels.first() else {
        return Vec::new();
    };
    if labels.len() == 1 {
        // One alert: every label except volatile ones pins it down.
        return first
            .iter()
            .filter(|(k, _)| !k.starts_with("__"))
            .map(|(k, v)| Matcher::eq(k, v))
            .collect();
    }
    let alertname = ["alertname".to_string()];
    let keys: Vec<&String> = if group_by.is_empty() {
        alertname.iter().collect()
    } else {
        group_by.iter().collect()
    };
    // Labels shared by the whole group narrow the silence to it without
    // silencing siblings that happen to share the alertname elsewhere.
    first
        .iter()
        .filter(|(k, v)| keys.contains(k) || labels.iter().all(|l| l.get(*k) == Some(v)))
        .filter(|(k, _)| !k.starts_with("__"))
        .map(|(k, v)| Matcher::eq(k, v))
        .collect()
}
