//! Text helpers shared by every pane: terminal-safety sanitising, JSON that is
//! safe to print, reading the operator's files as UTF-8, width-aware
//! truncation, human durations/ages, and the natural order of names.

mod format;
mod json;
mod natural;
mod sanitize;
mod utf8;

pub use format::{
    DurationError, age, columns, count, error_chain, human_bytes, human_duration, parse_duration,
    truncate,
};
pub use json::{to_json_line, to_json_pretty};
pub use natural::natural_cmp;
pub use sanitize::{SanitizingWriter, sanitize, sanitize_multiline};
pub use utf8::{NotUtf8, ReadTextError, decode, read_text};
