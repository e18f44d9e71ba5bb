//! Containers against the machine's real Docker engine (`docker info`).
//!
//! Every test runs real containers from `warroom-test/busybox` (built by
//! `.ci/setup.d/containers.sh`, or here if missing) with real health checks,
//! labelled `warroom-test=1` and removed on drop, even when a test fails. If
//! the engine is not reachable the tests fail and say so.

#[path = "../support/output.rs"]
mod output;

mod actions;
mod events;
mod exec;
mod harness;
mod logs;
mod report;
mod screen;
mod ssh;
mod unreachable;
