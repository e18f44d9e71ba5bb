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

use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The commented config `warroom config init` writes.
pub const DEFAULT_CONFIG: &str = include_str!("../docs/config.default.toml");

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub general: General,
    pub kubernetes: Kubernetes,
    pub docker: Docker,
    pub prometheus: Vec<HttpEndpoint>,
    pub alertmanager: Vec<HttpEndpoint>,
    pub alerts: Alerts,
    pub loki: Option<Loki>,
    pub logs: Logs,
    pub backups: Vec<BackupSource>,
    pub runbooks: Runbooks,
}

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
}

impl Default for General {
    fn default() -> Self {
        Self {
            theme: "default".into(),
            read_only: false,
            source_timeout: Duration::from_secs(10),
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
}

impl Default for Kubernetes {
    fn default() -> Self {
        Self {
            enabled: true,
            context: None,
            namespaces: Vec::new(),
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
}

impl Default for Alerts {
    fn default() -> Self {
        Self {
            group_by: vec!["alertname".into()],
            ack_duration: Duration::from_secs(15 * 60),
        }
    }
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

/// What is wrong with the config file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigProblem {
    /// The TOML parser (or serde) refused it. `rendered` is the parser's own
    /// text (line, column, the line with a caret), `message` the bare reason.
    #[error("{rendered}")]
    Syntax { message: String, rendered: String },
    /// A key serde cannot deny because its table is flattened.
    #[error("{section}: unknown key `{key}`{}", unknown_key_hint(key, allowed))]
    UnknownKey {
        /// `[[alertmanager]] #1`, `[loki]`.
        section: String,
        key: String,
        allowed: Vec<&'static str>,
    },
    #[error("[[{section}]] name {name:?} is used twice")]
    DuplicateName { section: &'static str, name: String },
    #[error(
        "{section}{} url {url:?}: {reason}",
        name.as_ref().map(|n| format!(" {n}:")).unwrap_or_default()
    )]
    BadUrl {
        /// `[[prometheus]]`, `[[alertmanager]]`, `[loki]`.
        section: String,
        name: Option<String>,
        url: String,
        reason: String,
    },
    /// The file exists but cannot be read.
    #[error("{reason}")]
    Read {
        kind: std::io::ErrorKind,
        reason: String,
    },
}

fn unknown_key_hint(key: &str, allowed: &[&str]) -> String {
    if ["token", "bearer_token", "password", "secret"].contains(&key) {
        " — secrets are never written in the config: put it in a file and name it with \
         bearer_token_file or basic_auth.password_file"
            .to_string()
    } else {
        let mut all = allowed.to_vec();
        all.sort_unstable();
        format!(" (expected one of: {})", all.join(", "))
    }
}

/// A config problem the UI shows as a warning banner (and headless commands
/// as an error): the file, where in it (when the parser knows), and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line of the problem, when the TOML parser located it.
    pub line: Option<usize>,
    /// 1-based column (in characters) on that line.
    pub column: Option<usize>,
    pub problem: Box<ConfigProblem>,
}

impl ConfigError {
    fn new(path: &Path, problem: ConfigProblem) -> Self {
        Self {
            path: path.to_path_buf(),
            line: None,
            column: None,
            problem: Box::new(problem),
        }
    }

    /// A TOML/serde error, located in `text`.
    fn syntax(path: &Path, text: &str, e: &toml::de::Error) -> Self {
        let (line, column) = match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                (
                    Some(before.matches('\n').count() + 1),
                    Some(before[line_start..].chars().count() + 1),
                )
            }
            None => (None, None),
        };
        Self {
            line,
            column,
            ..Self::new(
                path,
                ConfigProblem::Syntax {
                    message: e.message().to_string(),
                    rendered: e.to_string().trim_end().to_string(),
                },
            )
        }
    }

    /// The problem without the file name (`warroom doctor` prints the file apart).
    pub fn message(&self) -> String {
        self.problem.to_string()
    }
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
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(ConfigError::new(
                path,
                ConfigProblem::Read {
                    kind: e.kind(),
                    reason: e.to_string(),
                },
            )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_in_flattened_sections_are_errors_and_inline_secrets_are_refused() {
        let err = |text: &str| {
            Config::parse(text, Path::new("c.toml"))
                .unwrap_err()
                .message()
        };
        let inline =
            "[[alertmanager]]\nname = \"a\"\nurl = \"http://x\"\nbearer_token = \"s3cr3t\"\n";
        assert!(matches!(
            *Config::parse(inline, Path::new("c.toml")).unwrap_err().problem,
            ConfigProblem::UnknownKey { section, key, .. } if section == "[[alertmanager]] #1" && key == "bearer_token"
        ));
        let e = err(inline);
        assert!(
            e.contains("[[alertmanager]] #1: unknown key `bearer_token`"),
            "{e}"
        );
        assert!(
            e.contains("bearer_token_file") && !e.contains("s3cr3t"),
            "{e}"
        );
        let e = err("[loki]\nurl = \"http://x\"\norgid = \"t\"\n");
        assert!(
            e.contains("[loki]: unknown key `orgid`") && e.contains("org_id"),
            "{e}"
        );
        let e = err(
            "[[backups]]\nname = \"pg\"\nkind = \"directory\"\npath = \"/b\"\nrpo = \"1h\"\npatern = \"*.gz\"\n",
        );
        assert!(
            e.contains("[[backups]] #1: unknown key `patern`") && e.contains("pattern"),
            "{e}"
        );
        // Every documented key is still accepted.
        Config::parse(
            "[[prometheus]]\nname = \"p\"\nurl = \"http://x\"\ninterval = \"30s\"\ntls_verify = false\n\
             [loki]\nurl = \"http://l\"\norg_id = \"t\"\nca_file = \"/ca.pem\"\n\
             [[backups]]\nname = \"r\"\nkind = \"restic\"\nrepository = \"/r\"\npassword_file = \"/p\"\nrpo = \"4h\"\nverify = \"x\"\n",
            Path::new("c.toml"),
        )
        .unwrap();
    }

    #[test]
    fn the_default_config_written_by_init_parses() {
        let cfg = Config::parse(DEFAULT_CONFIG, Path::new("default.toml")).unwrap();
        assert!(cfg.kubernetes.enabled);
        assert_eq!(cfg.general.source_timeout, Duration::from_secs(10));
    }

    #[test]
    fn a_full_config_parses_every_section() {
        let text = r#"
            [general]
            theme = "sixteen"
            read_only = true
            [kubernetes]
            context = "prod"
            namespaces = ["shop", "payments"]
            [docker]
            host = "tcp://10.0.0.5:2375"
            [[prometheus]]
            name = "main"
            url = "http://prometheus:9090"
            interval = "30s"
            [[alertmanager]]
            name = "am1"
            url = "https://am.example:9093"
            bearer_token_file = "/run/secrets/am-token"
            ca_file = "/etc/ssl/internal-ca.pem"
            [loki]
            url = "http://loki:3100"
            org_id = "tenant-a"
            basic_auth = { username = "ops", password_file = "/run/secrets/loki" }
            [[backups]]
            name = "postgres"
            kind = "directory"
            path = "/var/backups/postgres"
            pattern = "app_*.sql.gz"
            rpo = "15m"
            restore = "gunzip -c {path} | psql -d shop"
            [[backups]]
            name = "files"
            kind = "restic"
            repository = "/srv/restic"
            password_file = "/run/secrets/restic"
            rpo = "4h"
            [runbooks]
            paths = ["/srv/runbooks"]
        "#;
        let cfg = Config::parse(text, Path::new("c.toml")).unwrap();
        assert!(cfg.general.read_only);
        assert_eq!(cfg.kubernetes.namespaces, ["shop", "payments"]);
        assert_eq!(cfg.prometheus[0].interval, Duration::from_secs(30));
        assert!(cfg.alertmanager[0].auth.tls_verify);
        assert_eq!(cfg.loki.unwrap().auth.basic_auth.unwrap().username, "ops");
        assert!(matches!(cfg.backups[0].kind, BackupKind::Directory { .. }));
        assert_eq!(cfg.backups[1].rpo, Duration::from_secs(4 * 3600));
    }

    #[test]
    fn malformed_config_reports_file_line_and_key() {
        let err = Config::parse(
            "[kubernetes]\nnamespaces = \"shop\"\n",
            Path::new("/etc/w.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("/etc/w.toml: "), "{err}");
        assert_eq!((err.line, err.column), (Some(2), Some(14)), "{err}");
        assert!(
            err.message().contains("line 2, column 14"),
            "{}",
            err.message()
        );
        assert!(
            matches!(&*err.problem, ConfigProblem::Syntax { message, .. } if message.contains("expected a sequence")),
            "{err:?}"
        );
        let err = Config::parse(
            "[general]\nsource_timeout = \"soon\"\n",
            Path::new("w.toml"),
        )
        .unwrap_err();
        assert!(err.message().contains("soon"), "{}", err.message());
        assert_eq!(err.line, Some(2));
        let err = Config::parse("[genral]\n", Path::new("w.toml")).unwrap_err();
        assert!(err.message().contains("genral"), "{}", err.message());
        assert_eq!(err.line, Some(1));
        let err = Config::parse(
            "[[alertmanager]]\nname='a'\nurl='not a url'\n",
            Path::new("w.toml"),
        )
        .unwrap_err();
        assert!(
            matches!(&*err.problem, ConfigProblem::BadUrl { section, name: Some(n), url, .. }
                if section == "[[alertmanager]]" && n == "a" && url == "not a url"),
            "{err:?}"
        );
        assert!(
            err.message()
                .starts_with("[[alertmanager]] a: url \"not a url\": "),
            "{}",
            err.message()
        );
        let err = Config::parse(
            "[loki]\nurl = \"::\"\n[[backups]]\nname='pg'\nkind='directory'\npath='/b'\nrpo='1h'\n[[backups]]\nname='pg'\nkind='directory'\npath='/c'\nrpo='1h'\n",
            Path::new("w.toml"),
        )
        .unwrap_err();
        assert_eq!(
            *err.problem,
            ConfigProblem::DuplicateName {
                section: "backups",
                name: "pg".into()
            }
        );
        assert_eq!(err.message(), "[[backups]] name \"pg\" is used twice");
    }

    #[test]
    fn secrets_are_read_from_files_and_errors_name_only_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("token");
        std::fs::write(&p, "s3cr3t\n").unwrap();
        assert_eq!(read_secret(&p).unwrap(), "s3cr3t");
        let err = read_secret(&dir.path().join("missing")).unwrap_err();
        assert!(err.contains("missing") && !err.contains("s3cr3t"));
    }
}
