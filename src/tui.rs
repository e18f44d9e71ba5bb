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

/// The bytes that tell of `a`: BEL, and for [`Ring::Notify`] a desktop
/// notification as OSC 9 (iTerm2, WezTerm, kitty, Windows Terminal) and OSC
/// 777 (VTE, foot). Inside tmux an OSC is wrapped in its DCS passthrough
/// (`ESC P tmux; … ESC \`, each ESC doubled); tmux rings BEL itself. The
/// text is remote (alert labels and annotations): control characters and
/// the `;` that separates OSC 777's fields are removed, and it is cut short.
///
/// [`Ring::Notify`]: crate::config::Ring::Notify
pub fn announcement_bytes(a: &crate::pane::Announcement, in_tmux: bool) -> Vec<u8> {
    use crate::config::Ring;
    let clean = |s: &str, max: usize| -> String {
        s.chars()
            .map(|c| if c.is_control() || c == ';' { ' ' } else { c })
            .take(max)
            .collect()
    };
    let mut out = vec![0x07];
    if a.ring != Ring::Notify {
        return out;
    }
    let (title, body) = (clean(&a.title, 80), clean(&a.body, 200));
    let oscs = [
        format!("\x1b]9;{title}: {body}\x07"),
        format!("\x1b]777;notify;{title};{body}\x07"),
    ];
    for osc in oscs {
        if in_tmux {
            out.extend_from_slice(b"\x1bPtmux;");
            out.extend_from_slice(osc.replace('\x1b', "\x1b\x1b").as_bytes());
            out.extend_from_slice(b"\x1b\\");
        } else {
            out.extend_from_slice(osc.as_bytes());
        }
    }
    out
}

/// Write [`announcement_bytes`] to the terminal, between frames.
pub fn announce(a: &crate::pane::Announcement) -> std::io::Result<()> {
    let in_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
    let mut out = stdout();
    out.write_all(&announcement_bytes(a, in_tmux))?;
    out.flush()
}

#[cfg(test)]
mod announce_tests {
    use super::announcement_bytes;
    use crate::config::Ring;
    use crate::pane::Announcement;

    fn a(ring: Ring, body: &str) -> Announcement {
        Announcement {
            title: "HighErrorRate (critical)".into(),
            body: body.into(),
            ring,
        }
    }

    #[test]
    fn a_bell_is_one_bel() {
        assert_eq!(announcement_bytes(&a(Ring::Bell, "x"), false), b"\x07");
        assert_eq!(announcement_bytes(&a(Ring::Bell, "x"), true), b"\x07");
    }

    #[test]
    fn a_notification_is_osc_9_and_777_wrapped_for_tmux() {
        let plain = announcement_bytes(&a(Ring::Notify, "5xx at 7%"), false);
        assert_eq!(
            String::from_utf8(plain).unwrap(),
            "\x07\x1b]9;HighErrorRate (critical): 5xx at 7%\x07\x1b]777;notify;HighErrorRate (critical);5xx at 7%\x07"
        );
        let tmux = String::from_utf8(announcement_bytes(&a(Ring::Notify, "5xx"), true)).unwrap();
        assert_eq!(
            tmux,
            "\x07\x1bPtmux;\x1b\x1b]9;HighErrorRate (critical): 5xx\x07\x1b\\\x1bPtmux;\x1b\x1b]777;notify;HighErrorRate (critical);5xx\x07\x1b\\"
        );
    }

    #[test]
    fn remote_text_cannot_end_the_sequence_or_add_fields() {
        let b = announcement_bytes(&a(Ring::Notify, "x\x07\x1b]52;c;AAAA\x07;y"), false);
        let s = String::from_utf8(b).unwrap();
        // Exactly the three BELs this function writes, and two ESCs.
        assert_eq!(s.matches('\x07').count(), 3, "{s:?}");
        assert_eq!(s.matches('\x1b').count(), 2, "{s:?}");
        assert!(!s.contains("52;c"), "{s:?}");
    }
}
