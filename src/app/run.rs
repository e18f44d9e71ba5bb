//! The main loop: `tokio::select!` over terminal events, worker updates,
//! action events, signals and — only while something animates — a clock tick.
//! Each turn applies inputs to the [`App`], carries out its [`Effect`]s, and
//! draws when the [`FramePacer`] says so — keys at once, worker updates at
//! most once per `frame_interval` — writing only if the rendered frame
//! differs from the one on screen.
//!
//! A terminal that fails a write or a read has gone away (the tmux pane or
//! the SSH session was killed): the loop ends with [`Ended::TerminalGone`]
//! instead of an error, because nobody is left to read one — the guard
//! restores what it can, `main` flushes the log and exits non-zero, quietly.
//! The journals and the audit log need nothing more: each entry is fsynced
//! when it is written.

use super::pacer::FramePacer;
use super::{App, Effect};
use crate::action::{
    ActionError, ActionOutcome, ActionSpec, Actions, Disposition, Preview, Progress,
};
use crate::runtime::Hub;
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::buffer::Buffer;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How the console ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The operator quit, or SIGTERM/SIGHUP asked it to.
    Quit,
    /// A write to or read from the terminal failed: it is gone.
    TerminalGone,
}

/// The terminal failed: say so in the log (the only reader left) and end.
fn gone(what: &str, e: &dyn std::fmt::Display) -> Ended {
    tracing::info!("the terminal is gone ({what}: {e}); ending the console");
    Ended::TerminalGone
}

/// Results of spawned action tasks.
pub enum ActionEvent {
    Preview {
        id: u64,
        result: Result<Preview, ActionError>,
    },
    Progress {
        id: u64,
        line: String,
    },
    Done {
        id: u64,
        spec: ActionSpec,
        result: Result<ActionOutcome, ActionError>,
    },
}

/// Carries out effects: worker commands and action tasks.
pub struct EffectRunner {
    pub actions: Arc<Actions>,
    pub events: mpsc::UnboundedSender<ActionEvent>,
    pub origin: String,
}

impl EffectRunner {
    /// Returns false when the effect asks to quit.
    pub fn run(&self, hub: &Hub, app: &mut App, effect: Effect) -> bool {
        match effect {
            Effect::Quit => return false,
            Effect::Command(cmd) => hub.send(cmd),
            Effect::Preview { id, spec } => {
                let (actions, tx) = (self.actions.clone(), self.events.clone());
                tokio::spawn(async move {
                    let result = actions.preview(&spec).await;
                    let _ = tx.send(ActionEvent::Preview { id, result });
                });
            }
            Effect::Execute { id, spec, preview } => {
                let (actions, tx, origin) = (
                    self.actions.clone(),
                    self.events.clone(),
                    self.origin.clone(),
                );
                tokio::spawn(async move {
                    let ptx = tx.clone();
                    let progress = Progress::new(move |line| {
                        let _ = ptx.send(ActionEvent::Progress { id, line });
                    });
                    let result = actions.execute(&spec, &preview, &origin, progress).await;
                    let _ = tx.send(ActionEvent::Done { id, spec, result });
                });
            }
            Effect::Cancelled { spec, preview } => {
                if let Err(e) = self.actions.record_not_run(
                    &spec,
                    &preview,
                    &self.origin,
                    Disposition::Cancelled,
                ) {
                    app.notify(e.to_string(), true);
                }
            }
            // The main loop runs sessions itself: they take the terminal.
            Effect::Attach(_) => {}
            Effect::Copy(text) => {
                if let Err(e) = crate::tui::copy_osc52(&text) {
                    app.notify(format!("copy failed: {e}"), true);
                }
            }
        }
        true
    }
}

/// How the loop runs, from the config.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Handed to the sessions the console starts (`warroom exec`).
    pub config_file: std::path::PathBuf,
    /// At most one frame per interval for worker updates (`[general]
    /// frame_interval`); keys draw at once.
    pub frame_interval: Duration,
    /// `[exec] detach_keys`, named when a session starts.
    pub detach_keys: crate::detach::DetachKeys,
}

/// Run the console until the operator quits or a signal arrives.
pub async fn run(
    mut app: App,
    mut hub: Hub,
    actions: Arc<Actions>,
    options: RunOptions,
) -> color_eyre::Result<Ended> {
    let mut guard = crate::tui::TerminalGuard::enter()?;
    let (action_tx, mut action_rx) = mpsc::unbounded_channel();
    let runner = EffectRunner {
        actions,
        events: action_tx,
        origin: "tui".into(),
    };
    let mut terminal_events = EventStream::new();
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut last_frame: Option<Buffer> = None;
    let mut pacer = FramePacer::new(options.frame_interval);
    loop {
        if pacer.due(Instant::now()) {
            if let Err(e) = draw(&mut guard, &mut app, &mut last_frame) {
                return Ok(gone("draw", &e));
            }
            pacer.drawn(Instant::now());
            for cmd in app.after_frame() {
                hub.send(cmd);
            }
        }
        let tick = app.wants_tick();
        let frame_due = pacer.waiting().then(|| pacer.deadline()).flatten();
        let mut effects = Vec::new();
        tokio::select! {
            ev = terminal_events.next() => match ev {
                Some(Ok(Event::Key(key))) => { effects = app.handle_key(key); pacer.urgent(); }
                Some(Ok(Event::Resize(..))) => { last_frame = None; pacer.urgent(); }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Ok(gone("read", &e)),
                None => return Ok(gone("read", &"end of input")),
            },
            Some(update) = hub.updates.recv() => {
                let mut changed = app.apply(update);
                // Drain what else is queued: a burst is applied in one turn.
                while let Ok(update) = hub.updates.try_recv() {
                    changed |= app.apply(update);
                }
                if changed {
                    pacer.stale();
                }
                for a in app.take_announcements() {
                    if let Err(e) = crate::tui::announce(&a) {
                        return Ok(gone("write", &e));
                    }
                }
                app.pass_observations();
            }
            Some(ev) = action_rx.recv() => {
                match ev {
                    ActionEvent::Preview { id, result } => app.preview_ready(id, result),
                    ActionEvent::Progress { id, line } => app.action_progress(id, line),
                    ActionEvent::Done { id, spec, result } => app.action_done(id, &spec, result),
                }
                pacer.urgent();
            }
            // Updates arrived since the last frame: draw them when the
            // interval is up.
            _ = tokio::time::sleep_until(frame_due.unwrap_or_else(Instant::now).into()), if frame_due.is_some() => {}
            _ = tokio::time::sleep(Duration::from_millis(250)), if tick => { app.tick(); pacer.urgent(); }
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
        }
        for effect in effects {
            if let Effect::Attach(session) = effect {
                let back = attach(
                    &mut guard,
                    &mut app,
                    &mut hub,
                    terminal_events,
                    &session,
                    &options,
                )
                .await;
                terminal_events = match back {
                    Ok(events) => events,
                    Err(e) => return Ok(gone("taking the terminal back", &e)),
                };
                last_frame = None;
                pacer.urgent();
                continue;
            }
            if !runner.run(&hub, &mut app, effect) {
                return Ok(Ended::Quit);
            }
        }
    }
    Ok(Ended::Quit)
}

/// Render off-screen; touch the terminal only if the frame changed.
fn draw(
    guard: &mut crate::tui::TerminalGuard,
    app: &mut App,
    last: &mut Option<Buffer>,
) -> std::io::Result<()> {
    let size = guard.terminal.size()?;
    let frame = crate::app::draw::render_to_buffer(app, size.width, size.height, app.clock.now());
    if last.as_ref() == Some(&frame) {
        return Ok(());
    }
    guard.terminal.draw(|f| {
        let area = f.area();
        let buf = f.buffer_mut();
        if buf.area == frame.area {
            buf.content.clone_from(&frame.content);
        } else {
            buf.merge(&frame);
            let _ = area;
        }
    })?;
    *last = Some(frame);
    Ok(())
}

/// Hand the terminal to a session and take it back when it ends.
///
/// The console stops reading the terminal (the event stream is dropped, so
/// not one keystroke is taken from the session), leaves the alternate screen
/// and raw mode, and runs `warroom exec TARGET -i -t -- CMD` as a child on
/// the same terminal: the child owns raw mode, window-size changes and the
/// audit entry, exactly as the headless command does. When it has exited —
/// so nothing it printed can arrive later — the console takes the screen
/// back, redraws it whole, and says how the session ended.
#[allow(clippy::disallowed_methods)] // the console's own terminal, between frames
async fn attach(
    guard: &mut crate::tui::TerminalGuard,
    app: &mut App,
    hub: &mut Hub,
    events: EventStream,
    session: &crate::target::Attach,
    options: &RunOptions,
) -> std::io::Result<EventStream> {
    let (config_file, detach_keys) = (&options.config_file, &options.detach_keys);
    drop(events);
    crate::tui::restore();
    let what = session.describe();
    let mut out = std::io::stdout();
    {
        use std::io::Write;
        let how = if session.shell {
            "exit returns to the console"
        } else {
            "it returns to the console when it ends"
        };
        let how = format!("{how}; {detach_keys} detaches");
        // The target came from the container list: sanitised like any other text.
        let where_ = session.target.details();
        let _ = writeln!(
            out,
            "warroom: {}{} — {how}",
            crate::text::sanitize(&what),
            crate::text::sanitize(&where_)
        );
        let _ = out.flush();
    }
    let started = std::time::Instant::now();
    // Where the session says it was detached (and what became of it).
    static SESSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let result_file = std::env::temp_dir().join(format!(
        "warroom-session-{}-{}",
        std::process::id(),
        SESSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&result_file);
    let status = match std::env::current_exe() {
        Ok(exe) => {
            let mut child = tokio::process::Command::new(exe);
            if config_file.exists() {
                child.env("WARROOM_CONFIG", config_file);
            }
            child
                .args(["exec", "--origin", "tui", "-i", "-t"])
                .arg("--result-file")
                .arg(&result_file)
                .args(session.target.cli_args())
                .arg("--")
                .args(&session.command)
                .kill_on_drop(true);
            match child.spawn() {
                // Keep applying the workers' updates while the session runs
                // (nothing is drawn): a long shell must not stall every
                // watcher behind a full queue, and the console comes back
                // current.
                Ok(mut running) => loop {
                    tokio::select! {
                        status = running.wait() => break status,
                        Some(update) = hub.updates.recv() => {
                            app.apply(update);
                        }
                    }
                },
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    let elapsed =
        crate::text::human_duration(std::time::Duration::from_secs(started.elapsed().as_secs()));
    let detached = std::fs::read_to_string(&result_file).ok();
    let _ = std::fs::remove_file(&result_file);
    let was_detached = detached.is_some();
    let (text, failed) = match status {
        Ok(_) if let Some(what_now) = detached => (
            format!(
                "detached from {what} after {elapsed}: {}",
                crate::text::sanitize(what_now.trim())
            ),
            false,
        ),
        Ok(s) => match s.code() {
            Some(0) => (format!("{what} exited 0 after {elapsed}"), false),
            Some(code) => (format!("{what} exited {code} after {elapsed}"), true),
            None => (format!("{what} ended by a signal after {elapsed}"), true),
        },
        Err(e) => (format!("could not start {what}: {e}"), true),
    };
    if !session.shell && !was_detached {
        // One command: let its output be read before the console covers it.
        use std::io::Write;
        let _ = writeln!(
            out,
            "warroom: {text} — press Enter to return to the console"
        );
        let _ = out.flush();
        let _ = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)
        })
        .await;
    }
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        crossterm::cursor::Hide
    )?;
    // Redraw everything: the alternate screen came back blank. (Not
    // `Terminal::clear`, which asks the terminal where its cursor is — an
    // answer that may never come right after a session.)
    let size = guard.terminal.size()?;
    guard
        .terminal
        .resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))?;
    app.notify(text, failed);
    Ok(EventStream::new())
}
