//! Literal text matching for search and include/exclude filters, smart-case:
//! an all-lower-case needle matches any case, one with capitals matches exactly.
//! The case-sensitive path is a prebuilt `memmem` finder, so filtering a full
//! ring costs tens of milliseconds, not seconds (see `benches/logs.rs`). The
//! smart-case path for an ASCII needle is a prebuilt SIMD (Teddy) searcher for
//! every case variant of the needle's first bytes, so it costs about the same.

use aho_corasick::Span;
use aho_corasick::packed;
use memchr::memmem::Finder;

#[derive(Debug, Clone)]
pub struct Matcher {
    needle: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Exact(Finder<'static>),
    /// ASCII-only needle, compared case-insensitively without allocating.
    AsciiFold(AsciiFold),
    /// Non-ASCII lower-case needle: a case-insensitive regex.
    Unicode(regex::Regex),
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.needle == other.needle
    }
}

impl Matcher {
    /// `None` for an empty needle (matches everything: no filter).
    pub fn new(needle: &str) -> Option<Self> {
        if needle.is_empty() {
            return None;
        }
        let smart_insensitive = !needle.chars().any(char::is_uppercase);
        let kind = if !smart_insensitive {
            Kind::Exact(Finder::new(needle.as_bytes()).into_owned())
        } else if needle.is_ascii() {
            Kind::AsciiFold(AsciiFold::new(needle))
        } else {
            match regex::RegexBuilder::new(&regex::escape(needle))
                .case_insensitive(true)
                .build()
            {
                Ok(r) => Kind::Unicode(r),
                Err(_) => Kind::Exact(Finder::new(needle.as_bytes()).into_owned()),
            }
        };
        Some(Self {
            needle: needle.to_string(),
            kind,
        })
    }

    pub fn needle(&self) -> &str {
        &self.needle
    }

    pub fn is_match(&self, hay: &str) -> bool {
        match &self.kind {
            Kind::Exact(f) => f.find(hay.as_bytes()).is_some(),
            Kind::AsciiFold(a) => a.find(hay.as_bytes(), 0).is_some(),
            Kind::Unicode(r) => r.is_match(hay),
        }
    }

    /// Byte ranges of every non-overlapping match (for highlighting).
    pub fn find_all(&self, hay: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        match &self.kind {
            Kind::Exact(f) => {
                let n = f.needle().len();
                out.extend(f.find_iter(hay.as_bytes()).map(|s| (s, s + n)));
            }
            Kind::AsciiFold(a) => {
                let n = a.lower.len();
                let mut from = 0;
                while let Some(s) = a.find(hay.as_bytes(), from) {
                    out.push((s, s + n));
                    from = s + n;
                }
            }
            Kind::Unicode(r) => out.extend(r.find_iter(hay).map(|m| (m.start(), m.end()))),
        }
        out
    }
}

/// Case-insensitive search for an ASCII needle (ASCII case folding only:
/// `eq_ignore_ascii_case`, so e.g. the Kelvin sign does not match `k`).
#[derive(Debug, Clone)]
struct AsciiFold {
    /// The needle, ASCII lower case.
    lower: Vec<u8>,
    /// Every case variant of the first [`PREFIX`] bytes (at most 8), found
    /// in one SIMD pass; `None` where Teddy is unavailable (no SSSE3/NEON).
    prefix: Option<packed::Searcher>,
}

/// Teddy fingerprints at most three bytes, so a longer prefix (more variants)
/// would not filter candidates any better.
const PREFIX: usize = 3;

impl AsciiFold {
    fn new(needle: &str) -> Self {
        let lower = needle.to_ascii_lowercase().into_bytes();
        let mut variants: Vec<Vec<u8>> = vec![Vec::new()];
        for &b in &lower[..lower.len().min(PREFIX)] {
            let upper = b.to_ascii_uppercase();
            let mut next = Vec::with_capacity(variants.len() * 2);
            for v in &variants {
                next.push([v.as_slice(), &[b]].concat());
                if upper != b {
                    next.push([v.as_slice(), &[upper]].concat());
                }
            }
            variants = next;
        }
        let prefix = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(&variants)
            .build();
        Self { lower, prefix }
    }

    /// Start of the leftmost match at or after `from`. All prefix variants
    /// have the same length, so the searcher reports the leftmost candidate;
    /// a candidate whose rest does not match moves the search one byte on.
    fn find(&self, hay: &[u8], from: usize) -> Option<usize> {
        let Some(pre) = &self.prefix else {
            return fold_find(hay, &self.lower, from);
        };
        let n = self.lower.len();
        let plen = n.min(PREFIX);
        // A prefix starting after `last` leaves no room for the whole needle.
        let last = hay.len().checked_sub(n)?;
        let end = last + plen;
        let mut at = from;
        while at <= last {
            let s = pre.find_in(hay, Span::from(at..end))?.start();
            if hay[s + plen..s + n].eq_ignore_ascii_case(&self.lower[plen..]) {
                return Some(s);
            }
            at = s + 1;
        }
        None
    }
}

/// Case-insensitive ASCII search: memchr on both cases of the first byte,
/// then compare the rest folded (the fallback without Teddy).
fn fold_find(hay: &[u8], lower: &[u8], from: usize) -> Option<usize> {
    let first = lower[0];
    let upper = first.to_ascii_uppercase();
    let mut i = from;
    while i + lower.len() <= hay.len() {
        let rel = if first == upper {
            memchr::memchr(first, &hay[i..])?
        } else {
            memchr::memchr2(first, upper, &hay[i..])?
        };
        let s = i + rel;
        if s + lower.len() > hay.len() {
            return None;
        }
        if hay[s..s + lower.len()].eq_ignore_ascii_case(lower) {
            return Some(s);
        }
        i = s + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_case() {
        let m = Matcher::new("timeout").unwrap();
        assert!(m.is_match("upstream TIMEOUT after 30s"));
        assert!(m.is_match("Timeout"));
        let m = Matcher::new("Timeout").unwrap();
        assert!(!m.is_match("timeout"));
        assert!(m.is_match("a Timeout"));
        assert!(Matcher::new("").is_none());
        let m = Matcher::new("größe").unwrap();
        assert!(m.is_match("GRÖSSE größe"));
    }

    #[test]
    fn find_all_gives_byte_ranges_for_highlighting() {
        let m = Matcher::new("err").unwrap();
        assert_eq!(m.find_all("err ERR x err"), vec![(0, 3), (4, 7), (10, 13)]);
        let m = Matcher::new("ERR").unwrap();
        assert_eq!(m.find_all("err ERR"), vec![(4, 7)]);
    }

    /// Realistic lines: mixed case, non-ASCII text, needles at both ends,
    /// lines shorter and longer than the SIMD searcher's minimum haystack,
    /// near-misses that share the needle's prefix.
    const LINES: &[&str] = &[
        "2026-01-31 14:30:00,123 ERROR [backend.api] request 7 GET /api/v1/courses/3 took 12ms",
        "2026-01-31 14:30:00,124 INFO [backend.api] request 8 GET /api/v1/courses/4 took 13ms",
        "2026-01-31 14:30:00,125 WARNING [celery] Task retry: upstream TimeOut after 30s (errno=110)",
        "level=error msg=\"tls handshake failed\" peer=10.0.0.7:443 err=\"EOF\"",
        "{\"level\":\"Error\",\"msg\":\"Größe überschritten: 5 MiB\",\"user\":\"Jürgen\"}",
        "ошибка: соединение сброшено (connection reset by peer) error",
        "错误 ERROR 超时 timeout 🔥 eRrOr",
        "errerrerror",
        "ERR",
        "e",
        "",
        "Erro",
        "took 5ms",
        "x TIMEOUT",
        "TIMEOUTx",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaA",
        "ıstanbul İzmir ſtop ǅemal ﬁle café CAFÉ naïve",
        "postgres: FATAL:  password authentication failed for user \"app\"; retrying connection to db:5432 in 5s ... still failing, ERROR",
    ];

    const NEEDLES: &[&str] = &[
        "error",
        "err",
        "e",
        "r",
        "erro",
        "errror",
        "timeout",
        "/api/v1/courses",
        "took 5ms",
        "ms",
        "5",
        "a",
        "aa",
        "aaaaa",
        "tls handshake",
        "eof\"",
        "connection",
        "error\n",
        "{",
        "failing, error",
        "caf",
        "stop",
        "file",
        "zmir",
    ];

    /// The reference: lower-case both, `contains`; match positions by trying
    /// every start.
    fn reference_find_all(hay: &str, lower: &str) -> Vec<(usize, usize)> {
        let (h, n) = (hay.as_bytes(), lower.len());
        let mut out = Vec::new();
        let mut i = 0;
        while i + n <= h.len() {
            if h[i..i + n].eq_ignore_ascii_case(lower.as_bytes()) {
                out.push((i, i + n));
                i += n;
            } else {
                i += 1;
            }
        }
        out
    }

    #[test]
    fn ascii_smart_case_matches_the_reference() {
        for needle in NEEDLES {
            let m = Matcher::new(needle).unwrap();
            assert!(matches!(m.kind, Kind::AsciiFold(_)), "{needle}");
            for line in LINES {
                // The lines hold no character whose Unicode lower case is
                // ASCII (see `ascii_needles_fold_ascii_only`), so Unicode
                // lower-casing is the same reference as ASCII folding here.
                let expected = line.to_lowercase().contains(needle);
                assert_eq!(m.is_match(line), expected, "{needle:?} in {line:?}");
                assert_eq!(
                    line.to_ascii_lowercase().contains(needle),
                    expected,
                    "{line:?}"
                );
                let all = m.find_all(line);
                assert_eq!(
                    all,
                    reference_find_all(line, needle),
                    "{needle:?} in {line:?}"
                );
                assert_eq!(all.is_empty(), !expected);
                for (s, e) in all {
                    assert!(line.is_char_boundary(s) && line.is_char_boundary(e));
                    assert!(line[s..e].eq_ignore_ascii_case(needle));
                }
                // The fallback without SIMD gives the same answers.
                let a = AsciiFold::new(needle);
                let slow = AsciiFold {
                    prefix: None,
                    ..a.clone()
                };
                for from in 0..=line.len() + 1 {
                    assert_eq!(
                        a.find(line.as_bytes(), from),
                        slow.find(line.as_bytes(), from),
                        "{needle:?} in {line:?} from {from}"
                    );
                }
            }
        }
    }

    #[test]
    fn needles_at_line_ends_and_in_long_lines() {
        let m = Matcher::new("error").unwrap();
        let pad = "x".repeat(200);
        for line in [
            format!("{pad}ERROR"),
            format!("ErRoR{pad}"),
            format!("{pad}errorERRORError{pad}"),
            format!("{pad}erro"),
        ] {
            assert_eq!(
                m.find_all(&line),
                reference_find_all(&line, "error"),
                "{line}"
            );
            assert_eq!(m.is_match(&line), line.to_lowercase().contains("error"));
        }
        assert_eq!(
            m.find_all(&format!("{pad}errorERRORError{pad}")),
            vec![(200, 205), (205, 210), (210, 215)]
        );
    }

    #[test]
    fn ascii_needles_fold_ascii_only() {
        // Unchanged behaviour: an ASCII needle folds ASCII letters only, so
        // the Kelvin sign (lower case `k`) and dotted İ (`i` + U+0307) do not
        // match, unlike `to_lowercase().contains`.
        assert!(!Matcher::new("k").unwrap().is_match("5 \u{212A}"));
        assert!(!Matcher::new("izmir").unwrap().is_match("İzmir"));
        assert!(Matcher::new("zmir").unwrap().is_match("İZMIR"));
        // Non-ASCII lower-case needles keep Unicode case folding.
        let m = Matcher::new("überschritten").unwrap();
        assert!(matches!(m.kind, Kind::Unicode(_)));
        assert!(m.is_match("GRÖSSE ÜBERSCHRITTEN"));
        assert_eq!(m.find_all("x ÜBERschritten"), vec![(2, 16)]);
        // A capital keeps the search exact.
        let m = Matcher::new("Error").unwrap();
        assert!(matches!(m.kind, Kind::Exact(_)));
        assert_eq!(m.find_all("error Error ERROR"), vec![(6, 11)]);
    }
}
