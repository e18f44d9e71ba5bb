//! Params from the alert a runbook was opened from: the operator who came
//! from `HighErrorRate{deployment="api", namespace="ridendine"}` should not
//! have to retype (or mistype) what the alert already said.

use super::model::Param;
use std::collections::BTreeMap;

/// The value the alert's labels give each param: the label the param names
/// in its front matter (`label: deployment`), else a label of the param's own
/// name. Secret params are never filled from labels, nor are values with
/// control characters (an escape sequence in a label is not a deployment
/// name, and a form must not show it raw). The values are still checked
/// against each param's `regex` when the run starts.
pub fn from_alert(params: &[Param], labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    params
        .iter()
        .filter(|p| !p.secret)
        .filter_map(|p| {
            let label = p.label.as_deref().unwrap_or(&p.name);
            labels
                .get(label)
                .filter(|v| !v.is_empty() && !v.chars().any(char::is_control))
                .map(|v| (p.name.clone(), v.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn labels_fill_params_of_their_name_or_the_label_they_name() {
        let params = vec![
            Param {
                name: "deployment".into(),
                default: Some("backend".into()),
                regex: Some("[a-z0-9-]+".into()),
                ..Default::default()
            },
            Param {
                name: "ns".into(),
                label: Some("namespace".into()),
                default: Some("toolboxai".into()),
                ..Default::default()
            },
            Param {
                name: "health_url".into(),
                required: true,
                ..Default::default()
            },
            Param {
                name: "severity".into(),
                secret: true,
                ..Default::default()
            },
        ];
        let alert = labels(&[
            ("alertname", "HighErrorRate"),
            ("deployment", "api"),
            ("namespace", "ridendine"),
            ("severity", "critical"),
            ("health_url", ""),
        ]);
        let hostile = labels(&[("deployment", "api\x1b]52;c;AAAA\x07")]);
        assert!(from_alert(&params, &hostile).is_empty());
        assert_eq!(
            from_alert(&params, &alert),
            labels(&[("deployment", "api"), ("ns", "ridendine")]),
            "named label, own-name label; empty and secret ones are not filled"
        );
    }
}
