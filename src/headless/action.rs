//! `warroom action VERB …`: the same preview → confirm → execute → audit flow
//! as the console, on the command line.
//!
//! `--dry-run` prints the preview and changes nothing; `--yes` answers every
//! confirmation; without either, warroom asks on a TTY and refuses otherwise
//! (a cron job must say `--yes` to change anything).

use crate::action::{ActionArgs, Confirm, Disposition, Progress};
use crate::config::Config;
use crate::out::Out;
use crate::runtime::{Mode, wire};
use color_eyre::eyre::{Result, eyre};
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

pub async fn run(cfg: &Config, mode: Mode, args: ActionArgs, out: &Out) -> Result<ExitCode> {
    let spec = args.verb.into_spec()?;
    let wiring = wire(cfg, mode, crate::audit::AuditLog::default_location());
    let actions = wiring.actions;
    let preview = actions
        .preview(&spec)
        .await
        .map_err(|e| eyre!("{}: {e}", spec.verb()))?;
    out.print(preview.to_text())?;
    if args.dry_run {
        actions.record_not_run(&spec, &preview, "cli", Disposition::DryRun)?;
        out.line("dry run: nothing was changed")?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(b) = &preview.blocked {
        actions.record_not_run(&spec, &preview, "cli", Disposition::Refused)?;
        return Err(eyre!("not allowed: {b}"));
    }
    if !args.yes && preview.confirm != Confirm::None {
        if !std::io::stdin().is_terminal() {
            actions.record_not_run(&spec, &preview, "cli", Disposition::Refused)?;
            return Err(eyre!(
                "refusing to act without confirmation: no TTY to ask on (pass --yes, or --dry-run to look)"
            ));
        }
        if !ask(&preview.confirm, out)? {
            actions.record_not_run(&spec, &preview, "cli", Disposition::Cancelled)?;
            out.line("cancelled: nothing was changed")?;
            return Ok(ExitCode::from(1));
        }
    }
    let progress = {
        // A progress line that cannot be printed is lost, not fatal: the
        // action runs to its end and is audited; the result line then fails.
        let out = out.clone();
        Progress::new(move |line| {
            let _ = out.line(format_args!("  | {}", crate::text::sanitize(&line)));
        })
    };
    match actions.execute(&spec, &preview, "cli", progress).await {
        Ok(outcome) => {
            out.line(format_args!(
                "✓ {}",
                if outcome.summary.is_empty() {
                    format!("{} done", spec.verb())
                } else {
                    outcome.summary
                }
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(eyre!("{} failed: {e}", spec.verb())),
    }
}

fn ask(confirm: &Confirm, out: &Out) -> Result<bool> {
    match confirm {
        Confirm::Typed(word) => out.print(format_args!("Type {word} to confirm: "))?,
        _ => out.print("Proceed? [y/N] ")?,
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim();
    Ok(match confirm {
        Confirm::Typed(word) => line == word,
        _ => matches!(line, "y" | "Y" | "yes"),
    })
}
