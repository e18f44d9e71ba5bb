//! `warroom get KIND/NAME [-n NS] [--context CTX] [-o yaml|json] [--reveal KEY]`:
//! one object's live manifest, as `kubectl get -o yaml` shows it but with
//! `managedFields` dropped, the last-applied annotation collapsed and a
//! Secret's values shown as their sizes (`workloads::manifest`).
//!
//! `--reveal KEY` prints one decoded value of a Secret instead: refused
//! with `--read-only`, and written to the audit log (never the value)
//! before it is printed. Like everything warroom prints, the value goes
//! through `Out`'s sanitiser: escape sequences in it never reach the
//! terminal. Exit 0 shown, 1 the object could not be read (unreachable,
//! refused, not found, no such key), 2 a bad argument.

use crate::audit::AuditLog;
use crate::cli::{GetArgs, GetFormat};
use crate::config::Config;
use crate::out::Out;
use crate::runtime::Mode;
use crate::workloads::client::KubeSource;
use crate::workloads::manifest::{ManifestKind, ObjectId, Syntax};
use crate::workloads::manifest_fetch::{self, Lookup, ManifestError, RevealAudit};
use std::process::ExitCode;

pub async fn run(cfg: &Config, mode: Mode, args: GetArgs, out: &Out) -> ExitCode {
    run_with(cfg, mode, args, AuditLog::default_location(), out).await
}

async fn run_with(cfg: &Config, mode: Mode, args: GetArgs, audit: AuditLog, out: &Out) -> ExitCode {
    let fail = |code: u8, message: &str, hint: Option<&str>| {
        let _ = out.error(format!("error: {message}"));
        if let Some(h) = hint {
            let _ = out.error(format!("  hint: {h}"));
        }
        ExitCode::from(code)
    };
    let failed = |e: &ManifestError| fail(1, &e.to_string(), e.hint().as_deref());
    let (kind, name) = (args.target.kind, args.target.name.clone());
    if args.reveal.is_some() && kind != ManifestKind::Secret {
        return fail(
            2,
            &format!(
                "--reveal: {} is not a secret; only a secret has keys to reveal",
                kind.arg()
            ),
            None,
        );
    }
    let source = KubeSource::new(None, cfg.kubernetes.context.clone());
    let (context, namespace) = if mode.demo {
        let ns = args
            .kube
            .namespace
            .clone()
            .unwrap_or_else(|| "toolboxai".into());
        (format!("{} (DEMO)", crate::workloads::demo::CONTEXT), ns)
    } else {
        let (context, ns) = super::exec::pod_location(&source, &args.kube);
        (context.unwrap_or_else(|| "-".into()), ns)
    };
    let id = ObjectId::new(kind, namespace, name);
    let reveal = args.reveal.as_ref().map(|key| {
        let audit = RevealAudit {
            audit,
            origin: "cli",
            location: format!("{context}/{}", id.namespace),
            demo: mode.demo,
        };
        (key.clone(), audit)
    });
    // Refused before any cluster is asked; the refusal is audited too.
    if let Some((key, audit)) = &reveal
        && mode.read_only
    {
        let e = ManifestError::ReadOnly;
        if let Err(a) = audit.record(&id, key, Err(&e)) {
            let _ = out.error(format!("warroom: {a}"));
        }
        return failed(&e);
    }
    let lookup = if mode.demo {
        let _ = out.error(
            "DEMO: a manifest synthesised from the simulated estate (no cluster was contacted)",
        );
        Lookup::Demo(crate::workloads::demo::manifest_object(
            jiff::Timestamp::now(),
            &id,
        ))
    } else {
        if !cfg.kubernetes.enabled {
            return fail(
                1,
                "Kubernetes is disabled in the config ([kubernetes] enabled = false)",
                None,
            );
        }
        let ctx = args.kube.context.as_deref();
        match source.client(ctx).await {
            Ok((client, _)) => Lookup::Live(client),
            Err(e) => return failed(&ManifestError::Connect(e)),
        }
    };
    let printed = match reveal {
        Some((key, audit)) => {
            match manifest_fetch::reveal(lookup, &id, &key, mode.read_only, &audit).await {
                Ok(value) => {
                    let mut text = String::from_utf8_lossy(&value).into_owned();
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                    out.print(text)
                }
                Err(e) => return failed(&e),
            }
        }
        None => {
            let syntax = match args.output {
                GetFormat::Yaml => Syntax::Yaml,
                GetFormat::Json => Syntax::Json,
            };
            match manifest_fetch::fetch(lookup, &id, syntax).await {
                Ok(m) => out.print(m.text),
                Err(e) => return failed(&e),
            }
        }
    };
    match printed {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away; `main` notices through `Out::gone`.
        Err(_) => ExitCode::from(crate::out::EXIT_GONE),
    }
}

#[cfg(test)]
#[path = "get_tests.rs"]
mod tests;
