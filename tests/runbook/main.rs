//! Runbook integration tests: the headless CLI against real bash (injection,
//! confirmation, stop-at-failure, kill -9 and resume, refused resume), the
//! export snapshot, and the shipped runbooks run end to end.

mod cli;
mod common;
mod damaged;
mod export;
mod shipped;
mod tui;
