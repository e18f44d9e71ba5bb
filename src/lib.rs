//! warroom: a keyboard-driven terminal console for incidents.
//!
//! Data flows one way: **workers** (one per source, in `<domain>/`) do all I/O and
//! send typed [`event::Update`]s; the [`app::App`] state machine applies them to the
//! **panes** (pure state + rendering, see [`pane::Pane`]); panes answer keys with
//! [`pane::Outcome`]s that the main loop turns into worker commands or incident
//! **actions** (preview → confirm → execute → audit, see [`action`]).
//! `docs/architecture.md` draws the whole picture.

// What warroom prints goes through `out::Out`, the sanitising and fallible
// edge; a `println!` would write raw text and panic when the terminal is gone.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod action;
pub mod app;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod detach;
pub mod event;
pub mod headless;
pub mod http;
pub mod httpapi;
pub mod identity;
pub mod keymap;
pub mod logging;
pub mod memory;
pub mod observed;
pub mod out;
pub mod pane;
pub mod paths;
pub mod report;
pub mod runtime;
pub mod source;
pub mod startup;
pub mod target;
pub mod text;
pub mod theme;
pub mod timerange;
pub mod tui;
pub mod ui;

// Domains: each owns its worker(s), model, pane and action handler.
pub mod alerts;
pub mod backups;
pub mod containers;
pub mod logs;
pub mod metrics;
pub mod runbook;
pub mod workloads;
