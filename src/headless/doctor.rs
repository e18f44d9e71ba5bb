//! `warroom doctor`: check every configured source and say how to fix what fails.

use crate::config::{Config, ConfigError};
use crate::out::Out;
use crate::runtime::{Mode, probe_all, wire};
use crate::source::SourceStatus;
use std::process::ExitCode;

pub async fn run(
    cfg: &Config,
    path: &std::path::Path,
    config_error: Option<&ConfigError>,
    mode: Mode,
    out: &Out,
) -> color_eyre::Result<ExitCode> {
    let mut failed = false;
    out.line(format_args!("warroom doctor — config {}", path.display()))?;
    match config_error {
        Some(e) => {
            failed = true;
            out.line(format_args!("✗ config        {}", e.message()))?;
            out.line("                fix the file, or move it away to run on defaults")?;
        }
        None if path.exists() => out.line("✓ config        parsed")?,
        None => out.line(
            "– config        not found (defaults in use; `warroom config init` writes one)",
        )?,
    }
    let wiring = wire(cfg, mode, crate::audit::AuditLog::default_location());
    for (id, status) in &wiring.idle {
        let text = match status {
            SourceStatus::NotConfigured { hint } => format!("not configured: {hint}"),
            SourceStatus::Disabled => "disabled".to_string(),
            other => format!("{other:?}"),
        };
        out.line(format_args!("– {:<13} {text}", id.to_string()))?;
    }
    for p in probe_all(&wiring.workers, cfg.general.source_timeout).await {
        // A worker that runs without its source (Loki: pod and container
        // logs still stream) probes ok with a "not configured" detail: shown
        // like the idle ones, with how to configure it, and not a failure.
        let unconfigured = p.ok && p.detail.starts_with("not configured");
        let glyph = match (p.ok, unconfigured) {
            (true, true) => "–",
            (true, false) => "✓",
            (false, _) => "✗",
        };
        out.line(format_args!(
            "{glyph} {:<13} {}",
            p.source,
            crate::text::sanitize(&p.detail)
        ))?;
        if unconfigured && !p.hint.is_empty() {
            out.line(format_args!("                {}", p.hint))?;
        }
        if !p.ok {
            failed = true;
            if !p.hint.is_empty() {
                out.line(format_args!("                {}", p.hint))?;
            }
        }
    }
    let audit = crate::paths::audit_log();
    out.line(format_args!("· audit log     {}", audit.display()))?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
