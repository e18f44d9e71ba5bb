//! The commands that run without the console: `report`, `action`, `logs`,
//! `events`, `get`, `metrics`, `exec`, `port-forward`, `runbook`, `doctor`. They sit beside the console, above the runtime: each
//! wires the same domains the console does and prints what it finds, with
//! kubectl's and docker's conventions for output and exit codes.

pub mod action;
pub mod doctor;
pub mod events;
pub mod exec;
pub mod get;
pub mod logs;
pub mod metrics;
pub mod port_forward;
pub mod report;
pub mod runbook;
