//! Formatting helpers: ages and durations the way an on-call engineer reads them
//! ("3m", "2h5m", "4d"), byte sizes, and display-width-aware truncation.

use std::time::Duration;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `1 problem`, `3 problems`: a count with its noun.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Compact human duration: `45s`, `3m`, `2h5m`, `4d3h`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => {
            let (h, m) = (s / 3600, (s % 3600) / 60);
            if m == 0 {
                format!("{h}h")
            } else {
                format!("{h}h{m}m")
            }
        }
        _ => {
            let (d, h) = (s / 86400, (s % 86400) / 3600);
            if h == 0 {
                format!("{d}d")
            } else {
                format!("{d}d{h}h")
            }
        }
    }
}

/// Age of `then` relative to `now`, as [`human_duration`]; future times read `0s`.
pub fn age(then: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let secs = now.as_second().saturating_sub(then.as_second()).max(0) as u64;
    human_duration(Duration::from_secs(secs))
}

/// An error and its causes as one line, each cause once: client libraries
/// (hyper, kube, bollard) put the part an operator acts on ("Connection
/// refused") in the source chain, which `Display` hides. Not sanitised.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let t = c.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        cause = c.source();
    }
    text
}

/// A duration that does not parse, with what was typed and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad duration {input:?}: {reason} (use e.g. 30s, 15m, 2h, 1h30m)")]
pub struct DurationError {
    pub input: String,
    pub reason: String,
}

/// Parse `30s`, `15m`, `2h`, `1h30m`, `7d` (humantime syntax).
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    humantime::parse_duration(s.trim()).map_err(|e| DurationError {
        input: s.to_string(),
        reason: e.to_string(),
    })
}

/// `1.5 GiB`, `320 KiB`, `12 B`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Cut `s` to at most `width` display columns, ending with `…` when cut.
pub fn truncate(s: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if s.width() <= width {
        return std::borrow::Cow::Borrowed(s);
    }
    if width == 0 {
        return std::borrow::Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    std::borrow::Cow::Owned(out)
}

/// Rows as aligned columns, kubectl's way: each column as wide as its
/// widest cell (display width), three spaces between, the last column not
/// padded, one row per line. Cells are printed as given (sanitise first).
pub fn columns(rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if widths.len() <= i {
                widths.push(0);
            }
            widths[i] = widths[i].max(cell.width());
        }
    }
    let mut out = String::new();
    for row in rows {
        let last = row.len().saturating_sub(1);
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                out.extend(std::iter::repeat_n(' ', widths[i] - cell.width() + 3));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_by_display_width_and_leave_the_last_unpadded() {
        let rows = vec![
            vec!["TYPE".to_string(), "OBJECT".into(), "MESSAGE".into()],
            vec!["Warning".into(), "pod/api-7d9".into(), "Back-off".into()],
            vec!["Normal".into(), "pod/数据".into(), "Pulled".into()],
        ];
        assert_eq!(
            columns(&rows),
            "TYPE      OBJECT        MESSAGE\n\
             Warning   pod/api-7d9   Back-off\n\
             Normal    pod/数据      Pulled\n"
        );
    }

    /// An error with a message and a source, like hyper's.
    #[derive(Debug)]
    struct Wrapped(&'static str, std::io::Error);
    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.1)
        }
    }

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(count(0, "problem"), "0 problems");
        assert_eq!(count(1, "problem"), "1 problem");
        assert_eq!(count(15, "container"), "15 containers");
    }

    #[test]
    fn durations_read_like_an_operator_would_say_them() {
        assert_eq!(human_duration(Duration::from_secs(45)), "45s");
        assert_eq!(human_duration(Duration::from_secs(180)), "3m");
        assert_eq!(human_duration(Duration::from_secs(7500)), "2h5m");
        assert_eq!(human_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(
            human_duration(Duration::from_secs(4 * 86400 + 3 * 3600)),
            "4d3h"
        );
    }

    #[test]
    fn parse_duration_accepts_compound_and_rejects_garbage() {
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration(" 15m ").unwrap(), Duration::from_secs(900));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let outer = std::io::Error::other(Wrapped("client error (Connect)", io));
        assert_eq!(
            error_chain(&outer),
            "client error (Connect): Connection refused",
            "a cause already in the message is not repeated"
        );
        let e = parse_duration("soon").unwrap_err();
        assert_eq!(e.input, "soon");
        assert!(e.to_string().contains("\"soon\""), "{e}");
    }

    #[test]
    fn truncate_respects_display_width() {
        assert_eq!(truncate("hello", 10), "hello");
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("日本語テキスト", 5), "日本…");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }
}
