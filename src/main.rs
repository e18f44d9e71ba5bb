// What warroom prints goes through `Out`, the sanitising and fallible edge.
#![warn(clippy::print_stdout, clippy::print_stderr)]

use clap::Parser;
use color_eyre::eyre::{Result, eyre};
use std::process::ExitCode;
use warroom::app::{App, AppOptions};
use warroom::audit::AuditLog;
use warroom::cli::{Cli, Cmd, ConfigCmd};
use warroom::out::Out;
use warroom::runtime::{Hub, Mode, wire};
use warroom::startup::Startup;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Out::std();
    if let Some(code) = cli.command.as_ref().and_then(|c| generated(c, &out)) {
        return code;
    }
    if let Err(e) = color_eyre::install() {
        let _ = out.error(format_args!("warning: {e}"));
    }
    // kube brings rustls' ring provider; make it the one process-wide provider
    // before any TLS client is built (reqwest and bollard would otherwise race).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let _log = warroom::logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let _ = out.error(format_args!("warroom: cannot start the async runtime: {e}"));
            return ExitCode::from(2);
        }
    };
    let code = match runtime.block_on(dispatch(cli, &out)) {
        Ok(code) => code,
        Err(e) if out.gone().is_some() => {
            tracing::info!("stopped: {e:#}");
            ExitCode::from(2)
        }
        Err(e) => {
            let _ = out.error(format_args!("warroom: {e:#}"));
            ExitCode::from(2)
        }
    };
    let _ = out.finish();
    // Whoever read stdout or stderr is gone (a closed pipe, a killed pane):
    // there is nobody to tell, so say it in the log and exit quietly.
    if let Some(gone) = out.gone() {
        tracing::info!("{gone}: exiting");
        return ExitCode::from(warroom::out::EXIT_GONE);
    }
    code
}

async fn dispatch(cli: Cli, out: &Out) -> Result<ExitCode> {
    let mut start = Startup::load(&cli);
    let mode = Mode {
        demo: cli.demo,
        read_only: start.config.general.read_only,
        console: cli.command.is_none(),
    };
    let headless_config_ok = || match &start.config_error {
        Some(e) if !cli.demo => Err(eyre!("config {e}")),
        _ => Ok(()),
    };
    match cli.command {
        None => {
            let theme = start.theme();
            let keymap = start.keymap();
            let wiring = wire(&start.config, mode, AuditLog::default_location());
            let app = App::new(
                wiring.panes,
                AppOptions {
                    clock: warroom::clock::Clock::system(),
                    keymap,
                    theme,
                    read_only: mode.read_only,
                    demo: mode.demo,
                    warnings: start.warnings,
                },
            );
            let hub = Hub::start(wiring.workers, wiring.idle);
            let ended = warroom::app::run::run(
                app,
                hub,
                wiring.actions,
                warroom::app::run::RunOptions {
                    config_file: start.config_path.clone(),
                    frame_interval: start.config.general.frame_interval,
                    detach_keys: start.config.exec.detach_keys.clone(),
                },
            )
            .await?;
            Ok(match ended {
                warroom::app::run::Ended::Quit => ExitCode::SUCCESS,
                // Quietly: whoever would read a message went with the terminal.
                warroom::app::run::Ended::TerminalGone => ExitCode::from(warroom::out::EXIT_GONE),
            })
        }
        Some(Cmd::Report { format }) => {
            headless_config_ok()?;
            warroom::headless::report::run(&start.config, mode, format, out).await
        }
        Some(Cmd::Action(args)) => {
            headless_config_ok()?;
            warroom::headless::action::run(&start.config, mode, args, out).await
        }
        Some(Cmd::Logs(args)) => {
            headless_config_ok()?;
            warroom::headless::logs::run(&start.config, mode, args, out).await
        }
        Some(Cmd::Exec(args)) => {
            headless_config_ok()?;
            Ok(warroom::headless::exec::run(&start.config, mode, args, out).await)
        }
        Some(Cmd::PortForward(args)) => {
            headless_config_ok()?;
            Ok(warroom::headless::port_forward::run(&start.config, mode, args, out).await)
        }
        Some(Cmd::Events(args)) => {
            headless_config_ok()?;
            Ok(warroom::headless::events::run(&start.config, mode, args, out).await)
        }
        Some(Cmd::Get(args)) => {
            headless_config_ok()?;
            Ok(warroom::headless::get::run(&start.config, mode, args, out).await)
        }
        Some(Cmd::Metrics(args)) => {
            headless_config_ok()?;
            Ok(warroom::headless::metrics::run(&start.config, mode, args, out).await)
        }
        Some(Cmd::Runbook { command }) => {
            headless_config_ok()?;
            warroom::headless::runbook::run(&start.config, mode, command, out).await
        }
        Some(Cmd::Doctor) => {
            warroom::headless::doctor::run(
                &start.config,
                &start.config_path,
                start.config_error.as_ref(),
                mode,
                out,
            )
            .await
        }
        Some(Cmd::Config { command }) => config_cmd(command, &start, out),
        Some(Cmd::Completions { .. } | Cmd::Man { .. }) => {
            unreachable!("answered by generated() before the runtime starts")
        }
    }
}

/// `warroom completions` and `warroom man` come from the clap definitions
/// alone: no config, log file or runtime, so they also run in a packager's
/// build sandbox. None for every other command. They write stdout directly,
/// unsanitised: scripts and roff made from warroom's own definitions, which a
/// sanitiser could only break.
#[allow(clippy::disallowed_methods)]
fn generated(cmd: &Cmd, out: &Out) -> Option<ExitCode> {
    use std::io::Write;
    let written = match cmd {
        Cmd::Completions { shell } => {
            std::io::stdout().write_all(&warroom::cli::completions(*shell))
        }
        Cmd::Man { out: None } => std::io::stdout().write_all(&warroom::cli::man_page()),
        Cmd::Man { out: Some(dir) } => warroom::cli::man_pages(dir).and_then(|pages| {
            let mut stdout = std::io::stdout().lock();
            pages
                .iter()
                .try_for_each(|page| writeln!(stdout, "{}", page.display()))
        }),
        _ => return None,
    };
    Some(match written {
        // `warroom man | head` is fine.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            let _ = out.error(format_args!("warroom: {e}"));
            ExitCode::from(2)
        }
        _ => ExitCode::SUCCESS,
    })
}

fn config_cmd(cmd: ConfigCmd, start: &Startup, out: &Out) -> Result<ExitCode> {
    let path = &start.config_path;
    match cmd {
        ConfigCmd::Path => {
            let state = if path.exists() {
                "exists"
            } else {
                "does not exist; `warroom config init` creates it"
            };
            out.line(format_args!("{} ({state})", path.display()))?;
            out.line(format_args!(
                "data dir: {}",
                warroom::paths::data_dir().display()
            ))?;
        }
        ConfigCmd::Init { force } => {
            if path.exists() && !force {
                return Err(eyre!(
                    "{} already exists (use --force to overwrite)",
                    path.display()
                ));
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, warroom::config::init_text())?;
            out.line(format_args!("wrote {}", path.display()))?;
        }
        ConfigCmd::Show => {
            if let Some(e) = &start.config_error {
                return Err(eyre!("config {e}"));
            }
            out.line(format_args!("# {}\n{:#?}", path.display(), start.config))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
