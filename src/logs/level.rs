//! Log level detection: from a `level` label, a logfmt/JSON `level` field, a
//! glog prefix (`E0102 …`) or a keyword (`ERROR`, `WARN`…) near the start.
//! Done once per line at ingest and kept beside it in the ring.

/// Ordered by severity so filters can say "warn and above".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    #[default]
    Unknown,
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

/// How far into a line to look: levels are written near the start, and a
/// 10 MB line must not cost 10 MB of scanning at ingest.
const HEAD: usize = 512;

impl Level {
    /// `error`, `ERR`, `warning`, `W`, `crit`… (case-insensitive).
    pub fn parse(word: &str) -> Level {
        match word.to_ascii_lowercase().as_str() {
            "trace" | "trc" | "t" => Level::Trace,
            "debug" | "dbg" | "d" => Level::Debug,
            "info" | "inf" | "i" | "notice" | "information" => Level::Info,
            "warn" | "warning" | "wrn" | "w" => Level::Warn,
            "error" | "err" | "e" | "eror" => Level::Error,
            "fatal" | "critical" | "crit" | "panic" | "emerg" | "alert" | "f" => Level::Fatal,
            _ => Level::Unknown,
        }
    }

    /// One letter that reads without colour.
    pub fn glyph(self) -> &'static str {
        match self {
            Level::Unknown => " ",
            Level::Trace => "T",
            Level::Debug => "D",
            Level::Info => "I",
            Level::Warn => "W",
            Level::Error => "E",
            Level::Fatal => "F",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Unknown => "unknown",
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    pub fn is_error(self) -> bool {
        self >= Level::Error
    }
}

const KEYS: [&str; 5] = ["level", "severity", "lvl", "loglevel", "detected_level"];

/// The level of a line with these stream labels.
pub fn detect(labels: &[(String, String)], text: &str) -> Level {
    // In KEYS order, not label order: the stream's own `level` wins over
    // Loki 3's `detected_level` guess (which sorts first alphabetically).
    for key in KEYS {
        if let Some((_, v)) = labels.iter().find(|(k, _)| k == key) {
            let l = Level::parse(v);
            if l != Level::Unknown {
                return l;
            }
        }
    }
    detect_text(text)
}

/// The level written in the line itself.
pub fn detect_text(text: &str) -> Level {
    let head = &text.as_bytes()[..text.len().min(HEAD)];
    if let Some(l) = field_level(head) {
        return l;
    }
    if let Some(l) = glog_level(head) {
        return l;
    }
    keyword_level(head)
}

/// `level=error`, `"level":"error"`, `level: warn`, `severity="WARNING"`.
fn field_level(head: &[u8]) -> Option<Level> {
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    for key in KEYS {
        let key = key.as_bytes();
        let mut from = 0;
        while let Some(pos) = memchr::memmem::find(&lower[from..], key) {
            let at = from + pos;
            from = at + key.len();
            let before_ok = at == 0 || !is_word(lower[at - 1]);
            if !before_ok {
                continue;
            }
            let mut i = at + key.len();
            if i < lower.len() && lower[i] == b'"' {
                i += 1;
            }
            while i < lower.len() && lower[i] == b' ' {
                i += 1;
            }
            if i >= lower.len() || !(lower[i] == b'=' || lower[i] == b':') {
                continue;
            }
            i += 1;
            while i < lower.len() && (lower[i] == b' ' || lower[i] == b'"' || lower[i] == b'\'') {
                i += 1;
            }
            let start = i;
            while i < lower.len() && lower[i].is_ascii_alphabetic() {
                i += 1;
            }
            let word = std::str::from_utf8(&lower[start..i]).unwrap_or("");
            let l = Level::parse(word);
            if l != Level::Unknown {
                return Some(l);
            }
        }
    }
    None
}

/// klog/glog: `E0102 15:04:05.000000 1 file.go:12] msg`.
fn glog_level(head: &[u8]) -> Option<Level> {
    if head.len() > 6
        && matches!(head[0], b'I' | b'W' | b'E' | b'F')
        && head[1..5].iter().all(u8::is_ascii_digit)
        && head[5] == b' '
    {
        return Some(Level::parse(std::str::from_utf8(&head[..1]).unwrap_or("")));
    }
    None
}

/// The first level keyword written as a word: `ERROR`, `[warn]`, `Error:`,
/// `Traceback`, `Exception in thread`. Lower-case words count only in brackets
/// or before a colon, so "no error found" is not an error.
fn keyword_level(head: &[u8]) -> Level {
    let text = String::from_utf8_lossy(head);
    if text.starts_with("Traceback (most recent call last)") || text.contains("Exception in thread")
    {
        return Level::Error;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut words = 0;
    while i < bytes.len() && words < 12 {
        if !bytes[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        words += 1;
        let word = &text[start..i];
        if word.len() < 3 {
            continue;
        }
        let upper = word.bytes().all(|b| b.is_ascii_uppercase());
        let bracketed = start > 0 && matches!(bytes[start - 1], b'[' | b'<' | b'(');
        let colon = bytes.get(i) == Some(&b':');
        let capitalised = word.as_bytes()[0].is_ascii_uppercase();
        if upper || bracketed || (colon && capitalised) {
            let l = Level::parse(word);
            if l != Level::Unknown {
                return l;
            }
        }
    }
    Level::Unknown
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_level_label_beats_detected_level() {
        let labels = vec![
            ("detected_level".to_string(), "info".to_string()),
            ("level".to_string(), "error".to_string()),
        ];
        assert_eq!(detect(&labels, "no keyword here"), Level::Error);
        // Loki 3's detected_level alone levels an unlabelled stream.
        let labels = vec![("detected_level".to_string(), "warn".to_string())];
        assert_eq!(detect(&labels, "no keyword here"), Level::Warn);
        // "unknown" is Loki's shrug: the text decides.
        let labels = vec![("detected_level".to_string(), "unknown".to_string())];
        assert_eq!(detect(&labels, "ERROR boom"), Level::Error);
    }

    #[test]
    fn the_level_label_wins() {
        let labels = vec![("level".to_string(), "warn".to_string())];
        assert_eq!(
            detect(&labels, "ERROR but the label says warn"),
            Level::Warn
        );
    }

    #[test]
    fn logfmt_json_glog_and_keywords_are_recognised() {
        assert_eq!(
            detect_text("ts=1 level=error msg=\"db down\""),
            Level::Error
        );
        assert_eq!(
            detect_text(r#"{"ts":"x","level":"warning","msg":"slow"}"#),
            Level::Warn
        );
        assert_eq!(detect_text(r#"{"severity": "INFO"}"#), Level::Info);
        assert_eq!(
            detect_text("E0102 15:04:05.000000 1 main.go:12] boom"),
            Level::Error
        );
        assert_eq!(
            detect_text("2026-01-31 14:30:00,123 ERROR [backend] refused"),
            Level::Error
        );
        assert_eq!(detect_text("[warn] pool nearly exhausted"), Level::Warn);
        assert_eq!(
            detect_text("Traceback (most recent call last):"),
            Level::Error
        );
        assert_eq!(
            detect_text("GET /health 200 no error found"),
            Level::Unknown
        );
        assert_eq!(detect_text("sublevel=error"), Level::Unknown);
    }

    #[test]
    fn only_the_head_of_a_huge_line_is_scanned() {
        let mut s = "x".repeat(10_000_000);
        s.push_str(" ERROR");
        assert_eq!(detect_text(&s), Level::Unknown);
    }
}
