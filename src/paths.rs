//! Where warroom keeps its files: the platform config and data dirs from
//! `directories` (e.g. `~/.config/warroom`, `~/.local/share/warroom` on Linux),
//! overridable for tests and unusual setups with `WARROOM_CONFIG` (one file) and
//! `WARROOM_DATA_DIR` (a directory).

use std::path::PathBuf;

fn project() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "warroom")
}

/// Directory for `config.toml`, `keymap.toml`, and user themes.
pub fn config_dir() -> PathBuf {
    project()
        .map(|p| p.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".warroom"))
}

/// The config file to read: `--config`, else `WARROOM_CONFIG`, else `config_dir()/config.toml`.
pub fn config_file(cli: Option<&std::path::Path>) -> PathBuf {
    if let Some(p) = cli {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("WARROOM_CONFIG").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    config_dir().join("config.toml")
}

/// Directory for the audit log, runbook journals, query history and the tracing log.
pub fn data_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("WARROOM_DATA_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    project()
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".warroom-data"))
}

pub fn audit_log() -> PathBuf {
    data_dir().join("audit.jsonl")
}

pub fn journal_dir() -> PathBuf {
    data_dir().join("journals")
}
