//! The tables of `config.toml`, one struct per section, with their defaults.

use serde::{Deserialize, Deserializer};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct General {
    /// Embedded theme name (`default`, `sixteen`) or a file path.
    pub theme: String,
    /// Hide and refuse every action that changes something.
    pub read_only: bool,
    /// Per-source timeout for `warroom report` and `warroom doctor`.
    #[serde(deserialize_with = "de_duration")]
    pub source_timeout: Duration,
    /// The console draws worker updates at most once per this interval
    /// (keys draw at once): a burst of watch events costs one frame.
    #[serde(deserialize_with = "de_duration")]
    pub frame_interval: Duration,
}

impl Default for General {
    fn default() -> Self {
        Self {
            theme: "default".into(),
            read_only: false,
            source_timeout: Duration::from_secs(10),
            frame_interval: Duration::from_millis(50),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Kubernetes {
    pub enabled: bool,
    /// kubeconfig context; default: the kubeconfig's current context.
    pub context: Option<String>,
    /// Namespaces to watch: one, several, or `["*"]` for all. Empty: the
    /// context's default namespace.
    pub namespaces: Vec<String>,
    /// Local addresses the console's port-forwards listen on. Empty:
    /// 127.0.0.1 only (nothing else on the network can reach a forward).
    pub forward_addresses: Vec<std::net::IpAddr>,
}

impl Default for Kubernetes {
    fn default() -> Self {
        Self {
            enabled: true,
            context: None,
            namespaces: Vec::new(),
            forward_addresses: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Docker {
    pub enabled: bool,
    /// `unix:///var/run/docker.sock`, `tcp://host:2375`, `ssh://user@host`.
    /// Default: `DOCKER_HOST`, else the local socket.
    pub host: Option<String>,
}

impl Default for Docker {
    fn default() -> Self {
        Self {
            enabled: true,
            host: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    pub password_file: PathBuf,
}

/// A Prometheus or Alertmanager endpoint.
// No `deny_unknown_fields` where `flatten` is used: serde does not support the pair.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct HttpEndpoint {
    pub name: String,
    pub url: String,
    #[serde(flatten)]
    pub auth: HttpAuth,
    /// Poll interval.
    #[serde(default = "default_interval", deserialize_with = "de_duration")]
    pub interval: Duration,
}

fn default_interval() -> Duration {
    Duration::from_secs(15)
}

/// Credentials and TLS settings shared by every HTTP source.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct HttpAuth {
    pub bearer_token_file: Option<PathBuf>,
    pub basic_auth: Option<BasicAuth>,
    /// Extra CA certificate (PEM) to trust.
    pub ca_file: Option<PathBuf>,
    /// TLS verification is on unless this is explicitly false.
    #[serde(default = "yes")]
    pub tls_verify: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Alerts {
    /// Labels alerts are grouped by.
    pub group_by: Vec<String>,
    /// How long the one-key "ack" silence lasts.
    #[serde(deserialize_with = "de_duration")]
    pub ack_duration: Duration,
    /// How the console tells of a newly firing alert, per severity.
    pub notify: AlertNotify,
}

impl Default for Alerts {
    fn default() -> Self {
        Self {
            group_by: vec!["alertname".into()],
            ack_duration: Duration::from_secs(15 * 60),
            notify: AlertNotify::default(),
        }
    }
}

/// `[alerts.notify]`: per severity, what a newly firing alert does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertNotify {
    pub critical: Ring,
    pub warning: Ring,
    pub info: Ring,
    /// Alerts without a severity label warroom recognises.
    pub none: Ring,
}

impl Default for AlertNotify {
    fn default() -> Self {
        Self {
            critical: Ring::Bell,
            warning: Ring::Off,
            info: Ring::Off,
            none: Ring::Off,
        }
    }
}

/// What telling of an alert does to the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ring {
    Off,
    /// The terminal bell (BEL).
    Bell,
    /// The bell and a desktop notification (OSC 9 and OSC 777, passed
    /// through tmux).
    Notify,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Loki {
    pub url: String,
    /// Sent as `X-Scope-OrgID` for multi-tenant Loki.
    pub org_id: Option<String>,
    #[serde(flatten)]
    pub auth: HttpAuth,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Logs {
    /// Lines kept per log view; older lines are evicted (and counted on screen).
    pub ring_lines: usize,
    /// Display cut for very long lines (the expand view shows all of it).
    pub max_line_display: usize,
}

impl Default for Logs {
    fn default() -> Self {
        Self {
            ring_lines: 50_000,
            max_line_display: 2_000,
        }
    }
}

/// One `[[backups]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct BackupSource {
    pub name: String,
    /// Recovery point objective: the newest good restore point must be younger.
    #[serde(deserialize_with = "de_duration")]
    pub rpo: Duration,
    #[serde(flatten)]
    pub kind: BackupKind,
    /// Verification command template (`{path}` is the restore point, shell-quoted).
    pub verify: Option<String>,
    /// Restore command template, e.g. `gunzip -c {path} | psql -d shop`.
    pub restore: Option<String>,
    /// Safety backup of the target taken before a restore.
    pub pre_restore: Option<String>,
    /// What a restore overwrites, shown in the preview (e.g. `postgres db shop`).
    pub target: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum BackupKind {
    Directory {
        path: PathBuf,
        #[serde(default = "default_pattern")]
        pattern: String,
        /// strftime format for the time in the file name, when not one of the
        /// recognised `YYYYMMDD_HHMMSS` / `YYYY-MM-DDTHH-MM-SS`.
        time_format: Option<String>,
    },
    Restic {
        repository: String,
        password_file: PathBuf,
        /// e.g. `5%` for `restic check --read-data-subset`.
        read_data_subset: Option<String>,
    },
    Cronjob {
        namespace: String,
        cronjob: String,
        context: Option<String>,
    },
    Velero {
        #[serde(default = "default_velero_ns")]
        namespace: String,
        schedule: Option<String>,
        context: Option<String>,
    },
}

fn default_pattern() -> String {
    "*".into()
}

fn default_velero_ns() -> String {
    "velero".into()
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Runbooks {
    /// Directories (or files) holding Markdown runbooks.
    pub paths: Vec<PathBuf>,
}

/// Durations as humans write them: `30s`, `15m`, `1h30m`.
pub fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    crate::text::parse_duration(&s).map_err(serde::de::Error::custom)
}
