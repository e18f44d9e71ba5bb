//! Shared helpers: configs, the action door, progress capture.

use std::path::Path;
use std::sync::{Arc, Mutex};
use warroom::action::{Actions, Domain, Progress};
use warroom::audit::AuditLog;
use warroom::config::Config;

pub fn config(text: &str) -> Config {
    Config::parse(text, Path::new("test.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// The action door with the live backups handler, auditing into `data`.
pub fn actions(cfg: &Config, data: &Path) -> Actions {
    let backend = warroom::backups::live_with(cfg, data);
    let mut a = Actions::new(AuditLog::new(data.join("audit.jsonl")), false, false);
    a.register(Domain::Backups, backend.actions.expect("backups handler"));
    a
}

/// A progress sink whose lines the test can read.
pub fn capture() -> (Progress, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l2 = lines.clone();
    (Progress::new(move |l| l2.lock().unwrap().push(l)), lines)
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// `app_YYYYMMDD_HHMMSS.sql.gz` for a time `mins` minutes ago.
pub fn dump_name(mins_ago: i64) -> (String, jiff::Timestamp) {
    let t = jiff::Timestamp::now() - jiff::SignedDuration::from_mins(mins_ago);
    let t = jiff::Timestamp::from_second(t.as_second()).unwrap();
    (format!("app_{}.sql.gz", t.strftime("%Y%m%d_%H%M%S")), t)
}
