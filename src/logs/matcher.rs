//! Literal text matching for search and include/exclude filters, smart-case:
//! an all-lower-case needle matches any case, one with capitals matches exactly.
//! The case-sensitive path is a prebuilt `memmem` finder, so filtering a full
//! ring costs tens of milliseconds, not seconds (see `benches/logs.rs`).

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
    AsciiFold(Finder<'static>, Vec<u8>),
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
            let lower = needle.to_ascii_lowercase().into_bytes();
            // Search for the rarest-looking anchor: the needle itself in lower
            // case finds most real-world hits (logs are mostly lower case); the
            // fold check below catches the rest.
            Kind::AsciiFold(Finder::new(&lower).into_owned(), lower)
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
            Kind::AsciiFold(f, lower) => {
                f.find(hay.as_bytes()).is_some() || fold_find(hay.as_bytes(), lower, 0).is_some()
            }
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
            Kind::AsciiFold(_, lower) => {
                let mut from = 0;
                while let Some(s) = fold_find(hay.as_bytes(), lower, from) {
                    out.push((s, s + lower.len()));
                    from = s + lower.len();
                }
            }
            Kind::Unicode(r) => out.extend(r.find_iter(hay).map(|m| (m.start(), m.end()))),
        }
        out
    }
}

/// Case-insensitive ASCII search: memchr on both cases of the first byte,
/// then compare the rest folded.
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
}
