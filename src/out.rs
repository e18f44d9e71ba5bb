//! The one edge between warroom and the operator's stdout and stderr.
//!
//! Every headless command, every format and every error message is written
//! through an [`Out`], never with `println!`/`eprintln!` (clippy's
//! `print_stdout`/`print_stderr` lints and `disallowed-methods` hold that,
//! see `clippy.toml`). Out does two things at that edge:
//!
//! - **Sanitise.** Both streams go through [`SanitizingWriter`]: escape
//!   sequences are removed and other controls made visible, exactly as the
//!   console does, so an alert annotation or a Loki error carrying OSC 52
//!   cannot write the operator's clipboard when a report is read in a
//!   terminal. JSON is made safe before it gets here (`text::to_json_pretty`
//!   escapes every control), so it passes unchanged and keeps its data.
//! - **Fail, never panic.** A write to a closed pipe or a terminal that went
//!   away (EPIPE, EIO) is an [`OutError`] for the caller to stop on, and Out
//!   remembers it: `main` then ends quietly with [`EXIT_GONE`] instead of
//!   trying to tell a reader who is no longer there.
//!
//! The exceptions are deliberate and live elsewhere: `warroom exec` passes a
//! session's bytes through (`-t`, or into a pipe), and `completions`/`man`
//! print scripts generated from warroom's own definitions.

use crate::text::SanitizingWriter;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// The exit status when stdout or stderr went away: `EX_IOERR` of sysexits.h.
pub const EXIT_GONE: u8 = 74;

/// One of the two output streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl std::fmt::Display for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
        })
    }
}

/// A write to stdout or stderr failed: whoever read it is gone (a closed
/// pipe, a killed tmux pane or SSH session).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot write to {stream}: {}", self.reason())]
pub struct OutError {
    pub stream: Stream,
    pub kind: io::ErrorKind,
    /// The errno, when the system gave one (EIO has no `ErrorKind` of its own).
    pub os_error: Option<i32>,
}

impl OutError {
    fn reason(&self) -> String {
        match self.os_error {
            Some(code) => io::Error::from_raw_os_error(code).to_string(),
            None => self.kind.to_string(),
        }
    }
}

type Sink = Box<dyn Write + Send>;

struct Shared {
    stdout: Mutex<SanitizingWriter<Sink>>,
    stderr: Mutex<SanitizingWriter<Sink>>,
    /// The first write that failed.
    gone: OnceLock<OutError>,
}

/// The process's stdout and stderr, sanitised and fallible. Cheap to clone:
/// clones share the streams (a progress callback holds one).
#[derive(Clone)]
pub struct Out(Arc<Shared>);

impl Out {
    /// The process's own stdout and stderr.
    #[allow(clippy::disallowed_methods)] // the one place that may name them
    pub fn std() -> Self {
        Self::over(Box::new(io::stdout()), Box::new(io::stderr()))
    }

    /// An Out over two sinks (tests, and [`Out::capture`]).
    pub fn over(stdout: Sink, stderr: Sink) -> Self {
        Self(Arc::new(Shared {
            stdout: Mutex::new(SanitizingWriter::new(stdout)),
            stderr: Mutex::new(SanitizingWriter::new(stderr)),
            gone: OnceLock::new(),
        }))
    }

    /// An Out writing into memory, and what it wrote (for tests).
    pub fn capture() -> (Self, Captured) {
        let captured = Captured::default();
        let out = Self::over(
            Box::new(captured.stdout.clone()),
            Box::new(captured.stderr.clone()),
        );
        (out, captured)
    }

    /// `text` on stdout as it is (a block that ends in its own newline, or a
    /// prompt), flushed so a prompt shows before the answer is read.
    pub fn print(&self, text: impl std::fmt::Display) -> Result<(), OutError> {
        self.write(Stream::Stdout, text.to_string().as_bytes(), true)
    }

    /// One line on stdout.
    pub fn line(&self, text: impl std::fmt::Display) -> Result<(), OutError> {
        self.write(Stream::Stdout, format!("{text}\n").as_bytes(), false)
    }

    /// One line on stderr: errors, warnings and what must stay out of a pipe.
    pub fn error(&self, text: impl std::fmt::Display) -> Result<(), OutError> {
        self.write(Stream::Stderr, format!("{text}\n").as_bytes(), false)
    }

    /// stdout as an `io::Write`, for code that streams (log lines).
    pub fn stdout(&self) -> Writer {
        Writer {
            out: self.clone(),
            stream: Stream::Stdout,
        }
    }

    /// Write out what the sanitiser still holds (a last line without a
    /// newline that may have held an escape) and flush both streams.
    pub fn finish(&self) -> Result<(), OutError> {
        for stream in [Stream::Stdout, Stream::Stderr] {
            let done = self.lock(stream).end();
            done.map_err(|e| self.failed(stream, &e))?;
        }
        Ok(())
    }

    /// The first write that failed, if one did: the reader is gone.
    pub fn gone(&self) -> Option<OutError> {
        self.0.gone.get().copied()
    }

    fn lock(&self, stream: Stream) -> MutexGuard<'_, SanitizingWriter<Sink>> {
        let m = match stream {
            Stream::Stdout => &self.0.stdout,
            Stream::Stderr => &self.0.stderr,
        };
        // A panic while printing leaves the writer usable.
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self, stream: Stream, bytes: &[u8], flush: bool) -> Result<(), OutError> {
        let mut w = self.lock(stream);
        let done = w.write_all(bytes).and_then(|()| match flush {
            true => w.flush(),
            false => Ok(()),
        });
        drop(w);
        done.map_err(|e| self.failed(stream, &e))
    }

    fn failed(&self, stream: Stream, e: &io::Error) -> OutError {
        let err = OutError {
            stream,
            kind: e.kind(),
            os_error: e.raw_os_error(),
        };
        self.0.gone.get_or_init(|| err);
        err
    }
}

/// One stream of an [`Out`] as an `io::Write`; errors are recorded like
/// those of [`Out::line`].
pub struct Writer {
    out: Out,
    stream: Stream,
}

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out
            .write(self.stream, buf, false)
            .map(|()| buf.len())
            .map_err(|e| io::Error::new(e.kind, e))
    }

    fn flush(&mut self) -> io::Result<()> {
        let done = self.out.lock(self.stream).flush();
        done.map_err(|e| io::Error::new(self.out.failed(self.stream, &e).kind, e))
    }
}

/// A byte buffer shared between a test and the [`Out`] writing into it.
#[derive(Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    /// What was written so far, lossily decoded.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What an [`Out::capture`] wrote, per stream.
#[derive(Clone, Default)]
pub struct Captured {
    pub stdout: Buffer,
    pub stderr: Buffer,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that went away: every write fails as a closed pipe does.
    struct Closed;
    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn both_streams_are_sanitised_at_the_edge() {
        let (out, got) = Out::capture();
        out.line("version 2.0\u{1b}]52;c;Y3VybA==\u{7} \u{9b}2Jok")
            .unwrap();
        out.error("loki: \u{1b}[31mparse error\u{1b}[0m\u{7f}")
            .unwrap();
        out.finish().unwrap();
        assert_eq!(got.stdout.text(), "version 2.0 ok\n");
        assert_eq!(got.stderr.text(), "loki: parse error␡\n");
    }

    #[test]
    fn a_sequence_split_across_writes_is_removed_whole() {
        let (out, got) = Out::capture();
        let mut w = out.stdout();
        let (head, tail) = ("a\u{1b}]0;ti", "tle\u{7}b");
        write!(w, "{head}").unwrap();
        w.flush().unwrap();
        writeln!(w, "{tail}").unwrap();
        assert_eq!(got.stdout.text(), "ab\n");
    }

    #[test]
    fn a_closed_stream_is_an_error_and_remembered_not_a_panic() {
        let out = Out::over(Box::new(Closed), Box::new(Buffer::default()));
        assert_eq!(out.gone(), None);
        let e = out.line("report").unwrap_err();
        assert_eq!(
            e,
            OutError {
                stream: Stream::Stdout,
                kind: io::ErrorKind::BrokenPipe,
                os_error: None,
            }
        );
        assert_eq!(e.to_string(), "cannot write to stdout: broken pipe");
        assert_eq!(out.gone(), Some(e));
        assert!(out.stdout().write_all(b"more\n").is_err());
        assert_eq!(out.clone().gone(), Some(e), "clones share the streams");
    }
}
