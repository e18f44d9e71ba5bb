//! Backups: newest good restore point per source against its RPO; verify and restore.
//!
//! - [`model`]: the pure freshness model (ok / warning at 80% / breach);
//! - [`directory`], [`restic`], [`kube`]: reading each kind of source;
//! - [`source`] + [`worker`]: one worker per `[[backups]]` entry, re-scanning;
//! - [`plan`], [`exec`], [`actions`]: verify/restore previews and execution;
//! - [`pane`]: the view; [`demo`]: the simulated estate.

pub mod actions;
pub mod demo;
pub mod directory;
pub mod exec;
pub mod kube;
pub mod model;
pub mod pane;
#[cfg(test)]
mod pane_tests;
pub mod plan;
pub mod restic;
pub mod source;
pub mod store;
mod view;
pub mod worker;

use crate::config::Config;
use crate::source::{Backend, SourceId, SourceKind, SourceStatus};
use std::path::Path;
use std::sync::Arc;

crate::actions! {
    /// The backups pane's keymap section.
    pub enum Action {
        Verify = ("verify", "Verify the selected restore point"),
        Restore = ("restore", "Restore (dry-run preview, typed confirmation)"),
    }
}

/// Worker → pane messages.
#[derive(Debug)]
pub enum Update {
    /// A full scan of one source (replaces what the pane had for it).
    Source(Box<model::SourceData>),
}

/// Pane → worker messages.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Re-scan now (`None`: every source).
    Rescan { source: Option<String> },
}

/// The pane, before any data has arrived.
pub fn pane(cfg: &Config) -> pane::BackupsPane {
    pane::BackupsPane::new(cfg)
}

/// Workers and action handler for the configured sources.
pub fn live(cfg: &Config) -> Backend<Update, Command> {
    live_with(cfg, &crate::paths::data_dir())
}

/// [`live`] with verification results kept under `data_dir`.
pub fn live_with(cfg: &Config, data_dir: &Path) -> Backend<Update, Command> {
    if cfg.backups.is_empty() {
        return Backend {
            idle: vec![(
                SourceId::new(SourceKind::Backups, ""),
                SourceStatus::NotConfigured {
                    hint: "add a [[backups]] entry (name, kind = directory|restic|cronjob|velero, rpo) to config.toml".into(),
                },
            )],
            ..Default::default()
        };
    }
    let store = store::VerificationStore::new(data_dir);
    let sources: Vec<source::LiveSource> = cfg
        .backups
        .iter()
        .map(|b| source::LiveSource::new(b.clone(), store.clone()))
        .collect();
    Backend {
        workers: sources
            .iter()
            .map(|s| {
                Box::new(worker::BackupWorker { source: s.clone() })
                    as crate::source::DynWorker<crate::backups::Update, crate::backups::Command>
            })
            .collect(),
        actions: Some(Arc::new(actions::LiveActions { sources })),
        idle: Vec::new(),
    }
}

/// The simulated estate for `--demo`.
pub fn demo() -> Backend<Update, Command> {
    demo::backend()
}
