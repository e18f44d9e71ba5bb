//! `config.toml`: which sources warroom watches and how it looks.
//!
//! Read from `--config FILE`, else `WARROOM_CONFIG`, else the platform config dir
//! (`warroom config path` prints it). Every section is optional: Kubernetes and
//! Docker are found the standard way (`KUBECONFIG`/`~/.kube/config`,
//! `DOCKER_HOST`/the local socket) unless `enabled = false`; the HTTP sources and
//! backups appear when configured. Secrets are never written in this file:
//! `bearer_token_file`, `basic_auth.password_file` and `password_file` name files
//! that hold them. `docs/config.md` documents every key; `warroom config init`
//! writes [`DEFAULT_CONFIG`], which a test keeps parseable.
mod error;
mod exec;
mod metrics;
mod sections;
#[cfg(test)]
mod tests;

pub use error::{ConfigError, ConfigProblem};
pub use exec::{Exec, ShellName, ShellRule};
pub use metrics::{EXAMPLE_PANELS, Markers, Metrics, Panel, PanelUnit, example_panels, fill};
pub use sections::{
    AlertNotify, Alerts, BackupKind, BackupSource, BasicAuth, Docker, General, HttpAuth,
    HttpEndpoint, Kubernetes, Logs, Loki, Ring, Runbooks, de_duration,
};
use serde::Deserialize;
use std::path::Path;

/// The commented config `warroom config init` writes.
pub const DEFAULT_CONFIG: &str = include_str!("../../docs/config.default.toml");

/// What `warroom config init` writes: [`DEFAULT_CONFIG`], then the example
/// Metrics board commented out (one source for it: `docs/metrics-panels.toml`).
pub fn init_text() -> String {
    let mut out = DEFAULT_CONFIG.trim_end().to_string();
    out.push_str("\n\n");
    for line in EXAMPLE_PANELS.lines() {
        match line {
            "" => out.push('\n'),
            l if l.starts_with('#') => out.push_str(&format!("{l}\n")),
            l => out.push_str(&format!("# {l}\n")),
        }
    }
    out
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub general: General,
    pub kubernetes: Kubernetes,
    pub docker: Docker,
    pub exec: Exec,
    pub prometheus: Vec<HttpEndpoint>,
    pub alertmanager: Vec<HttpEndpoint>,
    pub alerts: Alerts,
    pub loki: Option<Loki>,
    pub logs: Logs,
    pub metrics: Metrics,
    pub backups: Vec<BackupSource>,
    pub runbooks: Runbooks,
}
impl Config {
    /// Parse config text; errors carry line and column from the TOML parser.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::syntax(path, text, &e))?;
        unknown_flattened_keys(text).map_err(|p| ConfigError::new(path, p))?;
        cfg.validate().map_err(|p| ConfigError::new(path, p))?;
        Ok(cfg)
    }

    /// Load the config file. A missing file is not an error (all defaults);
    /// a malformed one is returned as an error for the caller to show.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        use crate::text::ReadTextError;
        match crate::text::read_text(path) {
            Ok(text) => Self::parse(&text, path),
            Err(ReadTextError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                Ok(Self::default())
            }
            Err(ReadTextError::Io(e)) => Err(ConfigError::new(
                path,
                ConfigProblem::Read {
                    kind: e.kind(),
                    reason: e.to_string(),
                },
            )),
            Err(ReadTextError::NotUtf8(at)) => Err(ConfigError::not_utf8(path, at)),
        }
    }

    fn validate(&self) -> Result<(), ConfigProblem> {
        let mut seen = std::collections::HashSet::new();
        for (section, name, url) in self
            .prometheus
            .iter()
            .map(|e| ("prometheus", &e.name, &e.url))
            .chain(
                self.alertmanager
                    .iter()
                    .map(|e| ("alertmanager", &e.name, &e.url)),
            )
        {
            if !seen.insert((section, name)) {
                return Err(ConfigProblem::DuplicateName {
                    section,
                    name: name.clone(),
                });
            }
            url::Url::parse(url).map_err(|e| ConfigProblem::BadUrl {
                section: format!("[[{section}]]"),
                name: Some(name.clone()),
                url: url.clone(),
                reason: e.to_string(),
            })?;
        }
        let mut names = std::collections::HashSet::new();
        for b in &self.backups {
            if !names.insert(&b.name) {
                return Err(ConfigProblem::DuplicateName {
                    section: "backups",
                    name: b.name.clone(),
                });
            }
        }
        if let Some(loki) = &self.loki {
            url::Url::parse(&loki.url).map_err(|e| ConfigProblem::BadUrl {
                section: "[loki]".into(),
                name: None,
                url: loki.url.clone(),
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }
}

/// Keys every HTTP source takes (see [`HttpAuth`]).
const AUTH_KEYS: &[&str] = &["bearer_token_file", "basic_auth", "ca_file", "tls_verify"];

/// serde ignores unknown keys in structs that use `flatten` (it cannot deny
/// them), so a typo there — or a secret pasted inline as `bearer_token = …` —
/// would be silently dropped and auth quietly missing. Check those tables
/// against the keys they accept.
fn unknown_flattened_keys(text: &str) -> Result<(), ConfigProblem> {
    let Ok(doc) = text.parse::<toml::Table>() else {
        return Ok(()); // the typed parse already reported it
    };
    let check = |section: String, table: &toml::Table, allowed: &[&'static str]| match table
        .keys()
        .find(|k| !allowed.contains(&k.as_str()))
    {
        Some(key) => Err(ConfigProblem::UnknownKey {
            section,
            key: key.clone(),
            allowed: allowed.to_vec(),
        }),
        None => Ok(()),
    };
    let tables = |key: &str| -> Vec<toml::Table> {
        match doc.get(key) {
            Some(toml::Value::Array(items)) => {
                items.iter().filter_map(|v| v.as_table().cloned()).collect()
            }
            Some(toml::Value::Table(t)) => vec![t.clone()],
            _ => Vec::new(),
        }
    };
    let with_auth = |keys: &[&'static str]| -> Vec<&'static str> {
        keys.iter().chain(AUTH_KEYS).copied().collect()
    };
    for kind in ["prometheus", "alertmanager"] {
        for (i, t) in tables(kind).iter().enumerate() {
            check(
                format!("[[{kind}]] #{}", i + 1),
                t,
                &with_auth(&["name", "url", "interval"]),
            )?;
        }
    }
    for t in tables("loki") {
        check("[loki]".into(), &t, &with_auth(&["url", "org_id"]))?;
    }
    for (i, t) in tables("backups").iter().enumerate() {
        let per_kind: &[&str] = match t.get("kind").and_then(|k| k.as_str()) {
            Some("directory") => &["path", "pattern", "time_format"],
            Some("restic") => &["repository", "password_file", "read_data_subset"],
            Some("cronjob") => &["namespace", "cronjob", "context"],
            Some("velero") => &["namespace", "schedule", "context"],
            _ => continue, // the typed parse names the bad kind
        };
        let common: [&'static str; 7] = [
            "name",
            "rpo",
            "kind",
            "verify",
            "restore",
            "pre_restore",
            "target",
        ];
        // Backups take no HTTP auth: their own keys only.
        let allowed: Vec<&'static str> = common.iter().chain(per_kind).copied().collect();
        check(format!("[[backups]] #{}", i + 1), t, &allowed)?;
    }
    Ok(())
}

/// Read a secret from the file a config key names, trimming the trailing newline.
/// The error names the file, never its content.
pub fn read_secret(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map(|s| s.trim_end_matches(['\n', '\r']).to_string())
        .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))
}
