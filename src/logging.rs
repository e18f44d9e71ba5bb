//! Tracing goes to a daily-rolling file in the data dir: stdout belongs to the TUI.
//! `WARROOM_LOG` (env-filter syntax, default `warroom=info`) sets the level.

use std::path::PathBuf;
use tracing_appender::non_blocking::WorkerGuard;

/// Start file logging; keep the guard alive for the life of the program so
/// buffered lines are flushed on exit. Returns the log directory for `--help`/doctor.
pub fn init() -> Option<(WorkerGuard, PathBuf)> {
    let dir = crate::paths::data_dir().join("logs");
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("warroom")
        .filename_suffix("log")
        .max_log_files(7)
        .build(&dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("WARROOM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warroom=info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some((guard, dir))
}
