//! A forward's audit entries: one when it starts (what listens where, the
//! pod it goes to) and one when it ends (how long, connections, bytes each
//! way, errors) — or one saying why it never started. Never the bytes.

use super::engine::{ForwardStats, Listener};
use crate::audit::{AuditEntry, AuditLog};

/// Who asked for which forward, where.
#[derive(Debug, Clone)]
pub struct ForwardAudit {
    pub audit: AuditLog,
    /// `cli` or `tui`.
    pub origin: String,
    /// `service/api`.
    pub target: String,
    /// `context/namespace`.
    pub location: String,
    /// The ports as asked (`8080:80 :9090`).
    pub ports: String,
    pub demo: bool,
}

impl ForwardAudit {
    fn write(
        &self,
        result: &str,
        message: String,
        started: Option<jiff::Timestamp>,
    ) -> Result<(), crate::audit::AuditError> {
        self.audit.append(&AuditEntry {
            ts: jiff::Timestamp::now(),
            who: crate::identity::operator(),
            origin: self.origin.clone(),
            action: "port-forward".into(),
            target: self.target.clone(),
            location: self.location.clone(),
            preview: self.ports.clone(),
            result: result.into(),
            message,
            demo: self.demo.then_some(true),
            started,
            exit_code: None,
            restore_point_time: None,
        })
    }

    /// Listening: `127.0.0.1:8080 -> api-7d9:8080`.
    pub fn started(
        &self,
        pod: &str,
        listeners: &[Listener],
    ) -> Result<(), crate::audit::AuditError> {
        let to: Vec<String> = listeners
            .iter()
            .map(|l| format!("{} -> {pod}:{}", l.addr, l.remote))
            .collect();
        self.write("started", format!("forwarding {}", to.join(", ")), None)
    }

    /// Ended (stopped, or lost with `error`), with what it carried.
    pub fn ended(
        &self,
        started: jiff::Timestamp,
        stats: &ForwardStats,
        error: Option<&str>,
    ) -> Result<(), crate::audit::AuditError> {
        let carried = summary(stats);
        match error {
            None => self.write("ok", format!("stopped: {carried}"), Some(started)),
            Some(e) => self.write("error", format!("{e}; {carried}"), Some(started)),
        }
    }

    /// Never started: `refused` (read-only, RBAC) or `error`.
    pub fn not_started(&self, result: &str, why: &str) -> Result<(), crate::audit::AuditError> {
        self.write(result, why.to_string(), None)
    }
}

/// `3 connections, 1.0 MiB in, 1.0 MiB out, 0 errors`.
pub fn summary(s: &ForwardStats) -> String {
    use crate::text::{count, human_bytes};
    format!(
        "{}, {} in, {} out, {}",
        count(s.connections as usize, "connection"),
        human_bytes(s.bytes_in),
        human_bytes(s.bytes_out),
        count(s.errors as usize, "error"),
    )
}
