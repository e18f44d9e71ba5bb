//! Text helpers shared by every pane: terminal-safety sanitising, width-aware
//! truncation, and human durations/ages.

mod format;
mod sanitize;

pub use format::{
    DurationError, age, count, error_chain, human_bytes, human_duration, parse_duration, truncate,
};
pub use sanitize::{SanitizingWriter, sanitize, sanitize_multiline};
