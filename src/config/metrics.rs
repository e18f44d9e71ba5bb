//! `[metrics]`: how the Metrics pane queries and draws.

use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Metrics {
    /// How often a range that ends at now is queried again.
    #[serde(deserialize_with = "super::de_duration")]
    pub refresh: Duration,
    /// Series drawn at most (the top by last value); the rest are counted.
    pub top: usize,
    /// `braille` (default) or `block`, where the font lacks braille.
    pub markers: Markers,
    /// What a pod's or workload's CPU and memory graphs ask (cAdvisor's
    /// series by default). `$namespace` and `$pod` become quoted PromQL
    /// strings: `$pod` a regex matching the pod or the workload's pods.
    pub pod_cpu: String,
    pub pod_memory: String,
    /// The same for a Docker container: `$name`.
    pub container_cpu: String,
    pub container_memory: String,
    /// The board: labelled sparklines the pane opens on.
    pub panels: Vec<Panel>,
}

/// One `[[metrics.panels]]`: a named query drawn as a sparkline with its
/// current value; `enter` on it opens the chart.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    #[serde(deserialize_with = "non_empty")]
    pub name: String,
    #[serde(deserialize_with = "non_empty")]
    pub query: String,
    /// What the values measure; inferred from the query when left out.
    #[serde(default)]
    pub unit: Option<PanelUnit>,
    /// A value at or above it is drawn as critical (and the chart draws the line).
    #[serde(default)]
    pub threshold: Option<f64>,
}

/// A panel's unit, as written in the config.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PanelUnit {
    #[serde(alias = "b")]
    Bytes,
    #[serde(alias = "s")]
    Seconds,
    /// A 0–1 ratio, shown as a percentage.
    #[serde(alias = "percent")]
    Ratio,
    None,
}

fn non_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        return Err(serde::de::Error::custom("must not be empty"));
    }
    Ok(s)
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Markers {
    #[default]
    Braille,
    Block,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            refresh: Duration::from_secs(15),
            top: 10,
            markers: Markers::Braille,
            pod_cpu: r#"sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=$namespace, pod=~$pod, container!="", container!="POD"}[5m]))"#.into(),
            pod_memory: r#"sum by (pod) (container_memory_working_set_bytes{namespace=$namespace, pod=~$pod, container!="", container!="POD"})"#.into(),
            container_cpu: "sum by (name) (rate(container_cpu_usage_seconds_total{name=$name}[5m]))".into(),
            container_memory: "sum by (name) (container_memory_working_set_bytes{name=$name})".into(),
            panels: Vec::new(),
        }
    }
}

/// `template` with each `$key` replaced by its value as a PromQL string
/// literal (quoted and escaped, so a name cannot end the selector).
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    // Longest keys first, so `$pod` does not eat the start of `$pod_name`.
    let mut sorted: Vec<&(&str, &str)> = values.iter().collect();
    sorted.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    for (k, v) in sorted {
        // A JSON string is a valid PromQL (Go-style) string literal.
        let quoted = serde_json::to_string(v).unwrap_or_else(|_| "\"\"".into());
        out = out.replace(&format!("${k}"), &quoted);
    }
    out
}

/// The example board (`docs/metrics-panels.toml`): what `warroom config
/// init` writes commented out, and what `--demo` shows.
pub const EXAMPLE_PANELS: &str = include_str!("../../docs/metrics-panels.toml");

/// The example board, parsed.
pub fn example_panels() -> Vec<Panel> {
    #[derive(Deserialize)]
    struct File {
        metrics: Board,
    }
    #[derive(Deserialize)]
    struct Board {
        panels: Vec<Panel>,
    }
    toml::from_str::<File>(EXAMPLE_PANELS)
        .map(|f| f.metrics.panels)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_board_parses_and_a_panel_needs_a_name_and_query() {
        let panels = example_panels();
        assert!(panels.len() >= 5, "{panels:?}");
        assert!(panels.iter().any(|p| p.threshold.is_some()));
        let bad = "[[metrics.panels]]\nname = \"x\"\nquery = \" \"\n";
        let err = crate::config::Config::parse(bad, std::path::Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("must not be empty"), "{err}");
        let bad = "[[metrics.panels]]\nname = \"x\"\nquery = \"up\"\nunit = \"furlongs\"\n";
        let err = crate::config::Config::parse(bad, std::path::Path::new("c.toml")).unwrap_err();
        assert!(err.to_string().contains("unit"), "{err}");
    }

    #[test]
    fn placeholders_become_quoted_strings() {
        let m = Metrics::default();
        let q = fill(&m.pod_memory, &[("namespace", "shop"), ("pod", "api-.*")]);
        assert!(q.contains(r#"namespace="shop", pod=~"api-.*""#), "{q}");
        let q = fill(&m.container_cpu, &[("name", "evil\"}[5m]) or vector(1) #")]);
        assert!(q.contains(r#"name="evil\"}[5m]) or vector(1) #""#), "{q}");
    }
}
