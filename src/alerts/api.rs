//! Wire types of the Prometheus HTTP API (`/api/v1/alerts`, `/api/v1/rules`)
//! and Alertmanager API v2, and their conversion into the model.
//!
//! Everything not needed is ignored, and every field a server may omit — or
//! that only newer versions send (`mutedBy`, silence `annotations`,
//! `routeLabels`) — is optional, so an older or newer server still decodes.

use super::matcher::{Matcher, Op};
use super::model::{Alert, AlertState, BrokenRule, Labels, Silence, SilenceState};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

fn ts(s: &Option<String>) -> Option<Timestamp> {
    let t: Timestamp = s.as_deref()?.parse().ok()?;
    // Prometheus reports "0001-01-01T00:00:00Z" for never.
    (t.as_second() > 0).then_some(t)
}

// ---- Prometheus -------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct PromEnvelope<T> {
    pub status: String,
    pub data: Option<T>,
    pub error: Option<String>,
    #[serde(rename = "errorType")]
    pub error_type: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PromAlerts {
    #[serde(default)]
    pub alerts: Vec<PromAlert>,
}

#[derive(Debug, Deserialize)]
pub struct PromAlert {
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    #[serde(default)]
    pub state: String,
    #[serde(rename = "activeAt")]
    pub active_at: Option<String>,
}

impl PromAlert {
    /// `inactive` alerts are dropped.
    pub fn into_model(self) -> Option<Alert> {
        let state = match self.state.as_str() {
            "firing" => AlertState::Firing,
            "pending" => AlertState::Pending,
            _ => return None,
        };
        let mut a = Alert::new(self.labels, state);
        a.annotations = self.annotations;
        a.active_at = ts(&self.active_at);
        Some(a)
    }
}

#[derive(Debug, Deserialize)]
pub struct PromRules {
    #[serde(default)]
    pub groups: Vec<PromRuleGroup>,
}

#[derive(Debug, Deserialize)]
pub struct PromRuleGroup {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub rules: Vec<PromRule>,
}

#[derive(Debug, Deserialize)]
pub struct PromRule {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub health: String,
    #[serde(rename = "lastError")]
    pub last_error: Option<String>,
    /// The rule's PromQL expression.
    #[serde(default)]
    pub query: String,
    /// `alerting` or `recording`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

impl PromRules {
    /// Each alerting rule's expression by alert name (the first group's,
    /// when two groups name the same alert).
    pub fn expressions(&self) -> std::collections::HashMap<&str, &str> {
        let mut by_name = std::collections::HashMap::new();
        for r in self.groups.iter().flat_map(|g| &g.rules) {
            if r.kind == "alerting" && !r.query.is_empty() {
                by_name.entry(r.name.as_str()).or_insert(r.query.as_str());
            }
        }
        by_name
    }

    pub fn total(&self) -> usize {
        self.groups.iter().map(|g| g.rules.len()).sum()
    }

    pub fn broken(&self) -> Vec<BrokenRule> {
        self.groups
            .iter()
            .flat_map(|g| {
                g.rules
                    .iter()
                    .filter(|r| r.health == "err")
                    .map(|r| BrokenRule {
                        group: g.name.clone(),
                        name: r.name.clone(),
                        health: r.health.clone(),
                        last_error: r.last_error.clone().unwrap_or_default(),
                    })
            })
            .collect()
    }
}

#[derive(Debug, Deserialize)]
pub struct PromBuildInfo {
    #[serde(default)]
    pub version: String,
}

// ---- Alertmanager v2 -----------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct AmAlert {
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub annotations: Labels,
    #[serde(rename = "startsAt")]
    pub starts_at: Option<String>,
    #[serde(rename = "generatorURL")]
    pub generator_url: Option<String>,
    pub status: Option<AmAlertStatus>,
}

#[derive(Debug, Deserialize)]
pub struct AmAlertStatus {
    #[serde(default)]
    pub state: String,
    #[serde(rename = "silencedBy", default)]
    pub silenced_by: Option<Vec<String>>,
    #[serde(rename = "inhibitedBy", default)]
    pub inhibited_by: Option<Vec<String>>,
    /// Alertmanager ≥ 0.27: muted by a time interval.
    #[serde(rename = "mutedBy", default)]
    pub muted_by: Option<Vec<String>>,
}

impl AmAlert {
    pub fn into_model(self) -> Alert {
        let st = self.status.unwrap_or(AmAlertStatus {
            state: "active".into(),
            silenced_by: None,
            inhibited_by: None,
            muted_by: None,
        });
        let silenced_by = st.silenced_by.unwrap_or_default();
        let inhibited_by = st.inhibited_by.unwrap_or_default();
        let muted = st.muted_by.is_some_and(|m| !m.is_empty());
        let state = if !silenced_by.is_empty() {
            AlertState::Silenced
        } else if !inhibited_by.is_empty() || (st.state == "suppressed" && muted) {
            AlertState::Inhibited
        } else if st.state == "suppressed" {
            AlertState::Silenced
        } else {
            AlertState::Firing
        };
        let mut a = Alert::new(self.labels, state);
        a.annotations = self.annotations;
        a.active_at = ts(&self.starts_at);
        a.expr = self.generator_url.as_deref().and_then(generator_expr);
        a.generator_url = self.generator_url;
        a.silenced_by = silenced_by;
        a.inhibited_by = inhibited_by;
        a
    }
}

/// The expression in a Prometheus `generatorURL`
/// (`http://prom:9090/graph?g0.expr=…&g0.tab=1`), as Prometheus writes it.
pub fn generator_expr(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == "g0.expr")
        .map(|(_, v)| v.into_owned())
        .filter(|e| !e.trim().is_empty())
}

/// `/api/v2/alerts/groups`: only used to decode newer fields tolerantly.
#[derive(Debug, Deserialize)]
pub struct AmAlertGroup {
    #[serde(default)]
    pub labels: Labels,
    #[serde(default)]
    pub alerts: Vec<AmAlert>,
    /// Newer Alertmanagers name the route's labels.
    #[serde(rename = "routeLabels", default)]
    pub route_labels: Option<Labels>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct AmMatcher {
    pub name: String,
    pub value: String,
    #[serde(rename = "isRegex", default)]
    pub is_regex: bool,
    /// Absent before Alertmanager 0.22: equal.
    #[serde(rename = "isEqual", default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl AmMatcher {
    pub fn from_matcher(m: &Matcher) -> Self {
        Self {
            name: m.name.clone(),
            value: m.value.clone(),
            is_regex: m.op.is_regex(),
            is_equal: m.op.is_equal(),
        }
    }

    pub fn to_matcher(&self) -> Matcher {
        let op = match (self.is_regex, self.is_equal) {
            (false, true) => Op::Eq,
            (false, false) => Op::Ne,
            (true, true) => Op::Re,
            (true, false) => Op::Nre,
        };
        // Go's RE2 and Rust's regex agree on almost everything; a pattern Rust
        // rejects is kept as text (and matches nothing) rather than lost.
        Matcher::new(&self.name, op, &self.value)
            .unwrap_or_else(|_| Matcher::eq(&self.name, &format!("\u{0}unparsed:{}", self.value)))
    }
}

#[derive(Debug, Deserialize)]
pub struct AmSilence {
    pub id: String,
    #[serde(default)]
    pub matchers: Vec<AmMatcher>,
    pub status: Option<AmSilenceStatus>,
    #[serde(rename = "createdBy", default)]
    pub created_by: String,
    #[serde(default)]
    pub comment: String,
    #[serde(rename = "startsAt")]
    pub starts_at: Option<String>,
    #[serde(rename = "endsAt")]
    pub ends_at: Option<String>,
    /// Newer Alertmanagers carry silence annotations; accepted, not shown.
    #[serde(default)]
    pub annotations: Option<Labels>,
}

#[derive(Debug, Deserialize)]
pub struct AmSilenceStatus {
    pub state: String,
}

impl AmSilence {
    pub fn into_model(self, alertmanager: &str) -> Silence {
        Silence {
            matchers: self.matchers.iter().map(AmMatcher::to_matcher).collect(),
            state: SilenceState::parse(
                self.status.as_ref().map(|s| s.state.as_str()).unwrap_or(""),
            ),
            created_by: self.created_by,
            comment: self.comment,
            starts_at: ts(&self.starts_at),
            ends_at: ts(&self.ends_at),
            id: self.id,
            alertmanager: alertmanager.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PostableSilence {
    pub matchers: Vec<AmMatcher>,
    #[serde(rename = "startsAt")]
    pub starts_at: String,
    #[serde(rename = "endsAt")]
    pub ends_at: String,
    #[serde(rename = "createdBy")]
    pub created_by: String,
    pub comment: String,
}

#[derive(Debug, Deserialize)]
pub struct SilenceCreated {
    #[serde(rename = "silenceID")]
    pub silence_id: String,
}

#[derive(Debug, Deserialize)]
pub struct AmStatus {
    #[serde(rename = "versionInfo")]
    pub version_info: Option<AmVersion>,
    pub cluster: Option<AmCluster>,
}

#[derive(Debug, Deserialize)]
pub struct AmVersion {
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Deserialize)]
pub struct AmCluster {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub peers: Option<Vec<serde_json::Value>>,
}

impl AmStatus {
    /// `v0.25.0, cluster ready (3 peers)`.
    pub fn detail(&self) -> String {
        let v = self
            .version_info
            .as_ref()
            .map(|v| format!("v{}", v.version.trim_start_matches('v')))
            .unwrap_or_else(|| "version ?".into());
        match &self.cluster {
            Some(c) if c.status == "disabled" || c.status.is_empty() => format!("{v}, no cluster"),
            Some(c) => {
                let peers = c.peers.as_ref().map_or(0, Vec::len);
                format!("{v}, cluster {} ({peers} peers)", c.status)
            }
            None => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_expression_comes_from_the_rules_api_or_the_generator_url() {
        let r: PromRules = serde_json::from_str(
            r#"{"groups":[{"name":"svc","rules":[
                {"name":"ServiceDown","type":"alerting","query":"up == 0","health":"ok"},
                {"name":"job:up","type":"recording","query":"sum(up)","health":"ok"}]}]}"#,
        )
        .unwrap();
        let e = r.expressions();
        assert_eq!(e.get("ServiceDown"), Some(&"up == 0"));
        assert_eq!(e.get("job:up"), None, "recording rules raise no alerts");
        assert_eq!(
            generator_expr(
                "http://prom:9090/graph?g0.expr=sum%28rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29%29+%3E+0.05&g0.tab=1"
            )
            .as_deref(),
            Some(r#"sum(rate(http_requests_total{code=~"5.."}[5m])) > 0.05"#)
        );
        assert_eq!(generator_expr("not a url"), None);
        assert_eq!(generator_expr("http://prom:9090/graph?g0.tab=1"), None);
    }

    #[test]
    fn alertmanager_alerts_decode_old_and_new_shapes() {
        let json = r#"[
          {"labels":{"alertname":"A"},"annotations":{},"startsAt":"2026-01-31T14:30:00Z",
           "status":{"state":"suppressed","silencedBy":["s1"],"inhibitedBy":[]},"fingerprint":"f"},
          {"labels":{"alertname":"B"},"status":{"state":"suppressed","silencedBy":[],"inhibitedBy":[],"mutedBy":["nights"]}},
          {"labels":{"alertname":"C"},"status":{"state":"active","silencedBy":null,"inhibitedBy":["x"]}},
          {"labels":{"alertname":"D"}}
        ]"#;
        let alerts: Vec<AmAlert> = serde_json::from_str(json).unwrap();
        let states: Vec<_> = alerts.into_iter().map(|a| a.into_model().state).collect();
        assert_eq!(
            states,
            [
                AlertState::Silenced,
                AlertState::Inhibited,
                AlertState::Inhibited,
                AlertState::Firing
            ]
        );
        let groups: Vec<AmAlertGroup> = serde_json::from_str(
            r#"[{"labels":{"alertname":"A"},"receiver":{"name":"r"},"alerts":[],"routeLabels":{"team":"db"}}]"#,
        )
        .unwrap();
        assert_eq!(groups[0].route_labels.as_ref().unwrap()["team"], "db");
    }

    #[test]
    fn silences_decode_with_and_without_is_equal_and_annotations() {
        let json = r#"[{"id":"1","matchers":[{"name":"a","value":"b","isRegex":false}],
            "status":{"state":"active"},"createdBy":"me","comment":"c",
            "startsAt":"2026-01-31T14:30:00Z","endsAt":"2026-01-31T15:30:00Z"},
           {"id":"2","matchers":[{"name":"a","value":"b.*","isRegex":true,"isEqual":false}],
            "status":{"state":"expired"},"createdBy":"me","comment":"c","annotations":{"k":"v"}}]"#;
        let s: Vec<AmSilence> = serde_json::from_str(json).unwrap();
        let m: Vec<Silence> = s.into_iter().map(|s| s.into_model("am")).collect();
        assert_eq!(m[0].matchers_text(), r#"a="b""#);
        assert_eq!(m[1].matchers_text(), r#"a!~"b.*""#);
        assert_eq!(m[1].state, SilenceState::Expired);
    }

    #[test]
    fn prometheus_rules_report_broken_ones() {
        let json = r#"{"groups":[{"name":"g","file":"f","rules":[
          {"type":"alerting","name":"Ok","health":"ok"},
          {"type":"recording","name":"Bad","health":"err","lastError":"many-to-many matching not allowed"}]}]}"#;
        let r: PromRules = serde_json::from_str(json).unwrap();
        assert_eq!(r.total(), 2);
        let b = r.broken();
        assert_eq!(b.len(), 1);
        assert!(b[0].last_error.contains("many-to-many"));
    }
}
