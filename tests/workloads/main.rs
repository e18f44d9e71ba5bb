//! Workloads against the kmock Kubernetes API emulator over real HTTP.

#[path = "../support/kmock.rs"]
mod kmock;
#[path = "../support/output.rs"]
mod output;

mod actions;
mod events;
mod exec;
mod fixtures;
mod harness;
mod headless;
mod manifest;
mod nodes;
mod perf;
mod portforward;
mod support;
mod watch;
