//! Reading the operator's own files (config, keymap, theme, runbook) as text.
//!
//! `std::fs::read_to_string` says only "stream did not contain valid UTF-8";
//! an operator with a Latin-1 config needs to know where. Every load site
//! reads through [`read_text`] so a bad byte gets the same kind of message as
//! a TOML or Markdown error: its line and column.

use std::path::Path;

/// Where a file stops being UTF-8: the first bad byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid UTF-8 at line {line}, column {column} (byte 0x{byte:02x}): save the file as UTF-8"
)]
pub struct NotUtf8 {
    /// 1-based line of the bad byte.
    pub line: usize,
    /// 1-based column, in characters, on that line.
    pub column: usize,
    /// The bad byte itself.
    pub byte: u8,
}

impl NotUtf8 {
    /// The problem without its line, for `FILE:LINE: message` formats.
    pub fn on_its_line(&self) -> String {
        format!(
            "invalid UTF-8 at column {} (byte 0x{:02x}): save the file as UTF-8",
            self.column, self.byte
        )
    }
}

/// Why a text file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadTextError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    NotUtf8(#[from] NotUtf8),
}

/// Read `path` as UTF-8 text; on a bad byte, say where it is.
pub fn read_text(path: &Path) -> Result<String, ReadTextError> {
    Ok(decode(std::fs::read(path)?)?)
}

/// `bytes` as a `String`, or where its first invalid UTF-8 byte is.
pub fn decode(bytes: Vec<u8>) -> Result<String, NotUtf8> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        // Everything before `at` is valid UTF-8 by definition.
        let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        NotUtf8 {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            byte: bytes[at],
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bad_byte_is_located_by_line_and_character_column() {
        let text = b"[general]\ntheme = \"d\xc3\xa9faut\xff\"\n".to_vec();
        let e = decode(text).unwrap_err();
        assert_eq!(
            e,
            NotUtf8 {
                line: 2,
                column: 16,
                byte: 0xff
            }
        );
        assert_eq!(
            e.to_string(),
            "invalid UTF-8 at line 2, column 16 (byte 0xff): save the file as UTF-8"
        );
    }

    #[test]
    fn a_truncated_sequence_and_a_first_byte_are_located() {
        assert_eq!(
            decode(b"\xe9t\xe9".to_vec()).unwrap_err(),
            NotUtf8 {
                line: 1,
                column: 1,
                byte: 0xe9
            }
        );
        let e = decode(b"ok\n\nend \xe2\x82".to_vec()).unwrap_err();
        assert_eq!((e.line, e.column, e.byte), (3, 5, 0xe2));
    }

    #[test]
    fn valid_text_and_missing_files() {
        assert_eq!(decode("ünïcode ✓\n".into()).unwrap(), "ünïcode ✓\n");
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_text(&dir.path().join("none.toml")),
            Err(ReadTextError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound
        ));
    }
}
