//! Backups integration tests against real components: dump directories on
//! disk, a real PostgreSQL server, a real restic repository, and the
//! `warroom` binary for the headless flow.

mod directory;
mod kube;
mod postgres;
mod restic;
mod support;
