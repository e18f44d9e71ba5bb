//! Neutralise terminal control sequences in text that came from outside.
//!
//! Log lines, alert annotations, Kubernetes event messages and health-probe output
//! are attacker-controlled. Written raw they can move the cursor, rewrite the window
//! title (OSC 0), write the clipboard (OSC 52), or hide text with CR/backspace
//! overprinting. Everything that reaches a ratatui buffer from a source goes through
//! [`sanitize`] (one line) or [`sanitize_multiline`].
//!
//! Policy: escape sequences (CSI, OSC, DCS, SOS, PM, APC, and two-byte ESC
//! sequences) and their 8-bit C1 introducers are removed whole; other C0 controls
//! and DEL become visible Unicode control pictures (`␍`, `␈`, `␇`, `␡`); other C1
//! controls become `�`; tabs expand to spaces at 8-column stops.

use std::borrow::Cow;
use unicode_width::UnicodeWidthChar;

const TAB_WIDTH: usize = 8;

/// Sanitise one display line. Newlines become `␊` so the result is one row.
pub fn sanitize(input: &str) -> Cow<'_, str> {
    if is_clean(input, false) {
        return Cow::Borrowed(input);
    }
    Cow::Owned(clean(input, false))
}

/// Sanitise text that may span lines: `\n` is kept, a `\r\n` pair becomes `\n`.
pub fn sanitize_multiline(input: &str) -> String {
    if is_clean(input, true) {
        return input.to_owned();
    }
    clean(input, true)
}

/// A writer that passes a byte stream on through [`sanitize_multiline`], for
/// output from outside that goes straight to the operator's terminal
/// (`warroom exec` without `-t`). Whole lines go on at once; a partial line
/// goes on at once too unless it could be the start of an escape sequence or
/// ends inside a UTF-8 character, which waits for the rest (or for
/// [`SanitizingWriter::finish`]). An escape sequence split across writes is
/// therefore removed whole, never half-written raw.
pub struct SanitizingWriter<W: std::io::Write> {
    inner: W,
    pending: Vec<u8>,
}

/// A partial line longer than this goes on even if it may hold an unfinished
/// sequence: the sanitiser drops an unterminated sequence, so nothing raw
/// escapes, and memory stays bounded.
const MAX_PENDING: usize = 64 * 1024;

impl<W: std::io::Write> SanitizingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }

    /// Write what is still held back (sanitised) and return the inner writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.end()?;
        Ok(self.inner)
    }

    /// Write what is still held back (sanitised) and flush, keeping the
    /// writer: the end of one command's output on a shared stream.
    pub fn end(&mut self) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        self.emit(&rest)?;
        self.inner.flush()
    }

    fn emit(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let clean = sanitize_multiline(&String::from_utf8_lossy(bytes));
        self.inner.write_all(clean.as_bytes())
    }

    /// How much of `pending` can go on now.
    fn ready(&self) -> usize {
        let lines = self
            .pending
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let tail = &self.pending[lines..];
        let complete = std::str::from_utf8(tail).is_ok_and(|t| {
            !t.chars()
                .any(|c| c == '\u{1b}' || ('\u{80}'..='\u{9f}').contains(&c))
        });
        if complete || tail.len() > MAX_PENDING {
            self.pending.len()
        } else {
            lines
        }
    }
}

impl<W: std::io::Write> std::io::Write for SanitizingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let n = self.ready();
        let ready: Vec<u8> = self.pending.drain(..n).collect();
        self.emit(&ready)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn is_clean(input: &str, keep_newlines: bool) -> bool {
    input
        .chars()
        .all(|c| !(c < ' ' || ('\u{7f}'..='\u{9f}').contains(&c)) || (keep_newlines && c == '\n'))
}

/// What kind of string an introducer opens, and so what ends it.
#[derive(Clone, Copy, PartialEq)]
enum Seq {
    /// CSI: parameter and intermediate bytes, then one final byte 0x40..=0x7e.
    Csi,
    /// OSC, DCS, SOS, PM, APC: everything up to ST (`ESC \` or U+009C) or BEL.
    Str,
}

fn clean(input: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(input.len());
    let mut col = 0usize;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        let seq = match c {
            '\u{1b}' => match chars.peek().copied() {
                Some('[') => {
                    chars.next();
                    Some(Seq::Csi)
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    Some(Seq::Str)
                }
                Some(next) => {
                    // Two-byte escape (ESC 7, ESC c, ESC ( B ...): drop ESC, the
                    // byte after it and, for charset designations, the set name.
                    chars.next();
                    if matches!(next, '(' | ')' | '*' | '+' | '#' | '%') {
                        chars.next();
                    }
                    continue;
                }
                None => continue,
            },
            '\u{9b}' => Some(Seq::Csi),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => Some(Seq::Str),
            _ => None,
        };
        match seq {
            Some(Seq::Csi) => skip_csi(&mut chars),
            Some(Seq::Str) => skip_string(&mut chars),
            None => push_visible(&mut out, &mut col, c, &mut chars, keep_newlines),
        }
    }
    out
}

fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        // Anything outside the parameter/intermediate range ends a malformed
        // sequence; it is consumed too, since it was part of the attack.
        if !(' '..='?').contains(&c) {
            return;
        }
    }
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

fn push_visible(
    out: &mut String,
    col: &mut usize,
    c: char,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    keep_newlines: bool,
) {
    match c {
        '\t' => {
            let pad = TAB_WIDTH - (*col % TAB_WIDTH);
            out.extend(std::iter::repeat_n(' ', pad));
            *col += pad;
        }
        '\n' if keep_newlines => {
            out.push('\n');
            *col = 0;
        }
        '\r' if keep_newlines && chars.peek() == Some(&'\n') => {}
        '\r' if chars.peek().is_none() => {} // a trailing CR is a line ending, not an overprint
        c if c < ' ' => {
            // U+2400 + code is the Control Pictures block: ␀ ␇ ␈ ␍ ␊ ...
            out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'));
            *col += 1;
        }
        '\u{7f}' => {
            out.push('\u{2421}');
            *col += 1;
        }
        c if ('\u{80}'..='\u{9f}').contains(&c) => {
            out.push('\u{fffd}');
            *col += 1;
        }
        c => {
            out.push(c);
            *col += c.width().unwrap_or(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_control(s: &str) -> bool {
        s.chars()
            .any(|c| c == '\u{1b}' || c == '\u{7}' || ('\u{80}'..='\u{9f}').contains(&c))
    }

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        let line = "level=error msg=\"connection refused\" ✓ 日本";
        assert!(matches!(sanitize(line), Cow::Borrowed(_)));
        assert_eq!(sanitize(line), line);
    }

    #[test]
    fn csi_colour_and_cursor_sequences_are_removed() {
        assert_eq!(
            sanitize("\x1b[31mERROR\x1b[0m disk full"),
            "ERROR disk full"
        );
        assert_eq!(sanitize("a\x1b[2J\x1b[Hb"), "ab");
        assert_eq!(sanitize("x\x1b[?1049hy"), "xy");
    }

    #[test]
    fn osc_title_and_clipboard_writes_are_removed() {
        assert_eq!(sanitize("\x1b]0;pwned\x07ok"), "ok");
        assert_eq!(sanitize("\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x1b\\ok"), "ok");
        assert_eq!(sanitize("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"), "link");
    }

    #[test]
    fn dcs_sos_pm_apc_strings_are_removed() {
        for intro in ['P', 'X', '^', '_'] {
            let s = format!("a\x1b{intro}payload\x1b\\b");
            assert_eq!(sanitize(&s), "ab", "introducer {intro}");
        }
    }

    #[test]
    fn eight_bit_c1_controls_are_removed_or_replaced() {
        assert_eq!(sanitize("a\u{9b}31mb"), "ab");
        assert_eq!(sanitize("a\u{9d}0;title\u{9c}b"), "ab");
        assert_eq!(sanitize("a\u{85}b"), "a\u{fffd}b");
    }

    #[test]
    fn bell_backspace_and_overprinting_become_visible() {
        assert_eq!(sanitize("ding\x07"), "ding␇");
        assert_eq!(
            sanitize("secret\x08\x08\x08\x08\x08\x08public"),
            "secret␈␈␈␈␈␈public"
        );
        assert_eq!(sanitize("rm -rf /\rls"), "rm -rf /␍ls");
        assert_eq!(sanitize("line\r"), "line");
        assert_eq!(sanitize("del\x7f"), "del␡");
    }

    #[test]
    fn tabs_expand_to_eight_column_stops() {
        assert_eq!(sanitize("a\tb"), "a       b");
        assert_eq!(sanitize("abcdefgh\tc"), "abcdefgh        c");
    }

    #[test]
    fn newlines_are_visible_in_single_line_and_kept_in_multiline() {
        assert_eq!(sanitize("one\ntwo"), "one␊two");
        assert_eq!(
            sanitize_multiline("one\r\ntwo\n\x1b[1mthree"),
            "one\ntwo\nthree"
        );
    }

    #[test]
    fn unterminated_sequences_swallow_the_rest_but_never_leak_escape() {
        assert_eq!(sanitize("ok\x1b]0;never ends"), "ok");
        assert_eq!(sanitize("ok\x1b["), "ok");
        assert_eq!(sanitize("ok\x1b"), "ok");
        assert!(!has_control(&sanitize("\x1b\x1b\x1b[[[\u{9b}\u{9b}")));
    }

    /// The terminal path of `warroom exec`: OSC 52 (clipboard write) and
    /// colour codes never reach the terminal, even split across writes, and
    /// the text around them does.
    #[test]
    fn sanitizing_writer_removes_sequences_split_across_writes() {
        use std::io::Write;
        let mut w = SanitizingWriter::new(Vec::new());
        for chunk in [
            &b"out\n\x1b]52;c;AA"[..],
            b"AA\x07x",
            b" \x1b[3",
            b"1mred\n",
            b"caf\xc3",
            b"\xa9 ",
            b"plain",
        ] {
            w.write_all(chunk).unwrap();
        }
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(text, "out\nx red\ncafé plain");
        assert!(!has_control(&text), "{text:?}");
    }

    #[test]
    fn sanitizing_writer_passes_plain_partial_lines_on_at_once() {
        use std::io::Write;
        let mut w = SanitizingWriter::new(Vec::new());
        w.write_all(b"password: ").unwrap();
        assert_eq!(w.inner, b"password: ", "a prompt is not held back");
        w.write_all(b"\x1b[2J").unwrap();
        assert_eq!(
            w.inner, b"password: ",
            "a sequence is held until it is whole"
        );
        assert_eq!(w.finish().unwrap(), b"password: ");
    }
}
