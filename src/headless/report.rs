//! `warroom report`: run every source until it settles, collect each pane's
//! section, and print the health review as Markdown or JSON.

use crate::cli::Format;
use crate::out::Out;
use crate::report::ReportSection;
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::ExitCode;

/// Collect and print the report; exit 1 when anything needs attention.
pub async fn run(
    cfg: &crate::config::Config,
    mode: crate::runtime::Mode,
    format: Format,
    out: &Out,
) -> color_eyre::Result<ExitCode> {
    let report = collect(cfg, mode).await;
    match format {
        Format::Json => out.line(report.to_json())?,
        Format::Md => out.print(report.to_markdown())?,
    }
    Ok(if report.has_problems() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub generated_at: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demo: Option<bool>,
    #[serde(flatten)]
    pub sections: BTreeMap<String, ReportSection>,
}

impl Report {
    /// True when any section has a problem or an unreachable source (exit status 1).
    pub fn has_problems(&self) -> bool {
        self.sections
            .values()
            .any(|s| s.status != "ok" && s.status != "not configured")
    }

    /// Pretty JSON with every control escaped: the data as the sources gave
    /// it, safe to print.
    pub fn to_json(&self) -> String {
        crate::text::to_json_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# warroom health report\n\n");
        if let Some(t) = self.generated_at {
            out.push_str(&format!(
                "Generated {}",
                t.strftime("%Y-%m-%d %H:%M:%S UTC")
            ));
            if self.demo == Some(true) {
                out.push_str(" — **DEMO estate**");
            }
            out.push_str("\n\n");
        }
        for (name, s) in &self.sections {
            out.push_str(&format!(
                "## {} — {}\n\n{}\n\n",
                capitalise(name),
                s.status,
                crate::text::sanitize(&s.summary)
            ));
            for src in &s.sources {
                // Versions and reasons come from the sources: one line each.
                out.push_str(&format!("- source {}\n", crate::text::sanitize(src)));
            }
            if !s.sources.is_empty() {
                out.push('\n');
            }
            if !s.problems.is_empty() {
                out.push_str("| | name | reason | detail |\n|---|---|---|---|\n");
                for p in &s.problems {
                    let name = match &p.namespace {
                        Some(ns) => format!("{ns}/{}", p.name),
                        None => p.name.clone(),
                    };
                    out.push_str(&format!(
                        "| {} | {} | {} | {} |\n",
                        p.severity.symbol(),
                        md_cell(&name),
                        md_cell(&p.reason),
                        md_cell(&p.detail)
                    ));
                }
                out.push('\n');
            }
        }
        out
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Table cells: one line, pipes escaped, control sequences neutralised.
fn md_cell(s: &str) -> String {
    crate::text::sanitize(s).replace('|', "\\|")
}

/// Run every source headless until each has settled (or `source_timeout`
/// passed), feed the panes, and collect their sections.
pub async fn collect(cfg: &crate::config::Config, mode: crate::runtime::Mode) -> Report {
    use crate::runtime::{Hub, wire};
    use crate::source::{SourceId, SourceStatus};

    let wiring = wire(cfg, mode, crate::audit::AuditLog::default_location());
    let mut panes = wiring.panes;
    panes.sort_by_key(|p| p.id());
    let mut hub = Hub::start(wiring.workers, wiring.idle);
    let expected = hub.expected.clone();
    let statuses = hub
        .settle(cfg.general.source_timeout, |u| {
            if let Some(p) = u.pane() {
                panes[p.index()].apply(u);
            }
        })
        .await;
    let timeout = humantime::format_duration(cfg.general.source_timeout).to_string();
    let mut report = Report {
        generated_at: Some(jiff::Timestamp::now()),
        demo: mode.demo.then_some(true),
        ..Default::default()
    };
    for pane in &panes {
        let id = pane.id();
        if id == crate::pane::PaneId::Runbook {
            continue;
        }
        let mine: Vec<&SourceId> = expected
            .iter()
            .filter(|s| id.sources().contains(&s.kind))
            .collect();
        let mut lines = Vec::new();
        let (mut unreachable, mut configured) = (0, 0);
        for sid in &mine {
            let line = match statuses.get(sid) {
                Some(SourceStatus::Connected { detail }) => {
                    format!("{sid} connected {detail}").trim_end().to_string()
                }
                Some(SourceStatus::NotConfigured { hint }) => {
                    format!("{sid} not configured ({hint})")
                }
                Some(SourceStatus::Disabled) => format!("{sid} disabled"),
                Some(SourceStatus::Stale { reason }) => format!("{sid} stale: {reason}"),
                Some(SourceStatus::Unreachable { reason, .. }) => {
                    format!("{sid} unreachable: {reason}")
                }
                Some(SourceStatus::Loading) | None => {
                    format!("{sid} unreachable: no answer within {timeout}")
                }
            };
            match statuses.get(sid) {
                Some(SourceStatus::NotConfigured { .. } | SourceStatus::Disabled) => {}
                Some(SourceStatus::Connected { .. }) => configured += 1,
                _ => {
                    configured += 1;
                    unreachable += 1;
                }
            }
            lines.push(line);
        }
        let mut section = pane
            .report(jiff::Timestamp::now())
            .unwrap_or_else(|| ReportSection::new("", Vec::new()));
        section.sources = lines;
        if configured == 0 {
            section.status = "not configured".into();
        } else if unreachable > 0 && section.problems.is_empty() {
            section.status = "unreachable".into();
        }
        if section.summary.is_empty() {
            section.summary =
                format!("{configured} source(s) configured, {unreachable} unreachable");
        }
        report.sections.insert(id.section().to_string(), section);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Problem, Severity};

    #[test]
    fn json_has_one_key_per_kind_and_flattened_fields() {
        let mut r = Report::default();
        r.sections.insert(
            "containers".into(),
            ReportSection::new(
                "3 containers",
                vec![
                    Problem::new(
                        Severity::Critical,
                        "shop-db",
                        "unhealthy",
                        "pg_isready: no response",
                    )
                    .field("health", "unhealthy"),
                ],
            ),
        );
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["containers"]["problems"][0]["health"], "unhealthy");
        assert_eq!(v["containers"]["status"], "problems");
        assert!(r.has_problems());
        let md = r.to_markdown();
        assert!(md.contains("## Containers — problems"));
        assert!(md.contains("| ✗ | shop-db | unhealthy | pg_isready: no response |"));
    }
}
