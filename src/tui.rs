//! Terminal setup and, above all, teardown.
//!
//! [`TerminalGuard`] enters raw mode and the alternate screen and restores the
//! terminal when dropped — on `q`, on `?`-propagated errors, and during panic
//! unwinding. The panic hook restores too (and first), so the panic message is
//! printed on a sane terminal instead of being lost in the alternate screen —
//! for panics of the UI (main) thread; a worker's panic is only logged and
//! shown as that source's status (see `runtime::supervise`).
//!
//! The console owns the terminal: it writes stdout itself (ratatui frames,
//! built from sanitised text), not through `out::Out`, which is for the
//! commands without it.
#![allow(clippy::disallowed_methods)]

use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{Stdout, Write, stdout};
use std::mem::ManuallyDrop;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

pub struct TerminalGuard {
    /// Dropped by hand (see `Drop`): ratatui's own drop reports a cursor it
    /// cannot show with `eprintln!`, which panics on a terminal that is gone.
    pub terminal: ManuallyDrop<Term>,
}

impl TerminalGuard {
    pub fn enter() -> std::io::Result<Self> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        let mut out = stdout();
        if let Err(e) = execute!(out, terminal::EnterAlternateScreen, cursor::Hide) {
            restore();
            return Err(e);
        }
        let terminal = Terminal::new(CrosstermBackend::new(stdout())).inspect_err(|_| restore())?;
        Ok(Self {
            terminal: ManuallyDrop::new(terminal),
        })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        // Once ratatui knows the cursor is shown, its drop has nothing to
        // say. If the terminal cannot take even that (a killed pane, a
        // dropped SSH session), the Terminal is left to the process's end
        // rather than dropped into a panic.
        if self.terminal.show_cursor().is_ok() {
            // SAFETY: dropped once, here, and the field is not used again.
            unsafe { ManuallyDrop::drop(&mut self.terminal) }
        }
    }
}

/// Leave the alternate screen, show the cursor, leave raw mode. Safe to call twice.
pub fn restore() {
    let mut out = stdout();
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            // The UI runs on the main thread. A panic elsewhere (a source
            // worker) is caught by tokio and reported in the status bar by
            // the hub's supervisor; restoring the terminal or printing to
            // stderr then would wreck a console that keeps running.
            if std::thread::current().name() != Some("main") {
                tracing::error!("panic off the UI thread: {info}");
                return;
            }
            restore();
            tracing::error!("panic: {info}");
            previous(info);
        }));
    });
}

/// Write `text` to the system clipboard with OSC 52 (works over SSH; inside
/// tmux it needs `set -g set-clipboard on`).
pub fn copy_osc52(text: &str) -> std::io::Result<()> {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut out = stdout();
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}
