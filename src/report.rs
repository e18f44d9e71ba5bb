//! What a pane contributes to `warroom report`: its [`ReportSection`] of
//! [`Problem`]s. The report is built from the same pane models the console
//! renders; `headless::report` runs the sources, collects the sections and
//! prints them (JSON has one top-level key per source kind).

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    /// A symbol that reads without colour (NO_COLOR, 16-colour terminals).
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Critical => "✗",
            Self::Warning => "!",
            Self::Info => "·",
        }
    }
}

/// One thing that needs attention.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Short reason: `CrashLoopBackOff`, `unhealthy`, `RPO breach`.
    pub reason: String,
    /// The explanation: last termination, probe output, age vs RPO.
    pub detail: String,
    /// Domain-specific fields (`health`, `labels`, `source`, `rpo`…), flattened into the JSON object.
    #[serde(flatten)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

impl Problem {
    pub fn new(
        severity: Severity,
        name: impl Into<String>,
        reason: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            name: name.into(),
            namespace: None,
            reason: reason.into(),
            detail: detail.into(),
            fields: BTreeMap::new(),
        }
    }

    pub fn namespace(mut self, ns: impl Into<String>) -> Self {
        self.namespace = Some(ns.into());
        self
    }

    pub fn field(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.fields.insert(key.to_string(), value.into());
        self
    }
}

/// One source kind's part of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportSection {
    /// `ok`, `problems`, `unreachable`, `not configured`.
    pub status: String,
    /// Per-source status lines (`k8s:prod connected`, `am:main unreachable: …`).
    pub sources: Vec<String>,
    /// A one-line summary: `42 pods, 2 problems`.
    pub summary: String,
    pub problems: Vec<Problem>,
}

impl ReportSection {
    pub fn new(summary: impl Into<String>, mut problems: Vec<Problem>) -> Self {
        problems.sort_by(|a, b| {
            a.severity
                .cmp(&b.severity)
                .then_with(|| a.name.cmp(&b.name))
        });
        let status = if problems.is_empty() {
            "ok"
        } else {
            "problems"
        };
        Self {
            status: status.into(),
            sources: Vec::new(),
            summary: summary.into(),
            problems,
        }
    }
}
