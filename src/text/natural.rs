//! Natural order for names an operator reads: `svc-2` before `svc-10`.
//!
//! A name is read as a sequence of tokens: each run of ASCII digits is one
//! number (compared by value, however long: no integer is parsed, so a
//! 40-digit run cannot overflow), every other character is itself, lowercased.
//! A number sorts where a digit character would (after `-`, before `a`).
//! Names equal under that reading (`a01` and `a1`, `Web` and `web`) are
//! ordered by their bytes, so the order is total and never depends on the
//! input order: `a01` < `a1`, `Web` < `web`.

use std::cmp::Ordering;
use std::str::Chars;

/// Compare two names in natural order (see the module docs).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut ta, mut tb) = (Tokens::new(a), Tokens::new(b));
    loop {
        match (ta.next(), tb.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => match x.cmp(&y) {
                Ordering::Equal => {}
                o => return o,
            },
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Token<'a> {
    /// A digit run without its leading zeros (`""` is zero).
    Num(&'a str),
    Char(char),
}

impl Token<'_> {
    /// What a number compares as against a character: a digit.
    fn as_char(&self) -> char {
        match self {
            Token::Num(_) => '0',
            Token::Char(c) => *c,
        }
    }
}

impl Ord for Token<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Token::Num(x), Token::Num(y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
            // A character token is never an ASCII digit, so a number against
            // a character is decided by the digit's place among characters.
            _ => self.as_char().cmp(&other.as_char()),
        }
    }
}

impl PartialOrd for Token<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

struct Tokens<'a> {
    rest: &'a str,
    /// The rest of a character's lowercase form (`İ` lowercases to two).
    lower: Option<std::char::ToLowercase>,
}

impl<'a> Tokens<'a> {
    fn new(s: &'a str) -> Self {
        Self {
            rest: s,
            lower: None,
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        if let Some(c) = self.lower.as_mut().and_then(Iterator::next) {
            return Some(Token::Char(c));
        }
        self.lower = None;
        let digits = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            let (run, rest) = self.rest.split_at(digits);
            self.rest = rest;
            return Some(Token::Num(run.trim_start_matches('0')));
        }
        let mut chars: Chars<'a> = self.rest.chars();
        let c = chars.next()?;
        self.rest = chars.as_str();
        let mut lower = c.to_lowercase();
        let first = lower.next().unwrap_or(c);
        self.lower = Some(lower);
        Some(Token::Char(first))
    }
}

#[cfg(test)]
mod tests {
    use super::natural_cmp;
    use std::cmp::Ordering::{Equal, Greater, Less};

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        v.sort_by(|a, b| natural_cmp(a, b));
        v
    }

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(natural_cmp("svc-2", "svc-10"), Less);
        assert_eq!(natural_cmp("svc-10", "svc-2"), Greater);
        assert_eq!(
            sorted(&["svc-10", "svc-1", "svc-100", "svc-2", "svc-20"]),
            ["svc-1", "svc-2", "svc-10", "svc-20", "svc-100"]
        );
        assert_eq!(
            sorted(&["shop-web-10", "shop-web-9", "shop-api-1", "shop-db-1"]),
            ["shop-api-1", "shop-db-1", "shop-web-9", "shop-web-10"]
        );
        // Several numbers in one name.
        assert_eq!(natural_cmp("v1.10.2", "v1.9.12"), Greater);
        assert_eq!(natural_cmp("a2b10", "a2b9"), Greater);
    }

    #[test]
    fn leading_zeros_are_the_same_number_then_bytes_decide() {
        assert_eq!(natural_cmp("a01", "a1"), Less, "byte order: '0' < '1'");
        assert_eq!(natural_cmp("a1", "a01"), Greater);
        assert_eq!(natural_cmp("a01", "a2"), Less, "01 is one, before two");
        assert_eq!(natural_cmp("a010", "a9"), Greater, "010 is ten");
        assert_eq!(
            natural_cmp("x0", "x000"),
            Less,
            "all zero is zero; then bytes"
        );
        assert_eq!(natural_cmp("x000", "x1"), Less, "all zero is zero");
        assert_eq!(natural_cmp("a01", "a01"), Equal);
    }

    #[test]
    fn huge_digit_runs_do_not_overflow() {
        let big = format!("n{}", "9".repeat(60));
        let bigger = format!("n1{}", "0".repeat(60));
        assert_eq!(natural_cmp(&big, &bigger), Less);
        assert_eq!(natural_cmp(&bigger, &big), Greater);
        let padded = format!("n{}{}", "0".repeat(100), "9".repeat(60));
        assert_eq!(natural_cmp(&padded, &bigger), Less);
        assert_eq!(
            natural_cmp(&padded, &big),
            Less,
            "padding only breaks the tie"
        );
        assert_eq!(
            natural_cmp("n18446744073709551616", "n18446744073709551615"),
            Greater,
            "past u64::MAX"
        );
    }

    #[test]
    fn case_insensitive_first_then_bytes() {
        assert_eq!(natural_cmp("Beta", "alpha"), Greater);
        assert_eq!(natural_cmp("alpha", "Beta"), Less);
        assert_eq!(natural_cmp("Web", "web"), Less, "equal but for case: bytes");
        assert_eq!(natural_cmp("web", "Web"), Greater);
        assert_eq!(natural_cmp("ÉCOLE", "école"), Less);
    }

    #[test]
    fn numbers_sort_among_characters_as_digits_do() {
        assert_eq!(natural_cmp("a", "a1"), Less, "a prefix first");
        assert_eq!(natural_cmp("a-b", "a1"), Less, "'-' < digits");
        assert_eq!(natural_cmp("a1", "ab"), Less, "digits < letters");
        assert_eq!(natural_cmp("a_1", "a1"), Greater, "'_' > digits");
        assert_eq!(natural_cmp("", "0"), Less);
        assert_eq!(natural_cmp("", ""), Equal);
    }

    #[test]
    fn the_order_is_total_and_consistent() {
        let names = [
            "", "0", "00", "1", "01", "a", "A", "a0", "a00", "a1", "a01", "A1", "a-1", "a_1",
            "a1b", "a1B", "a10", "a9", "ab", "aB", "b", "İx", "i̇x", "ix", "z99", "z099", "é", "e",
        ];
        for a in names {
            assert_eq!(natural_cmp(a, a), Equal, "{a:?}");
            for b in names {
                let ab = natural_cmp(a, b);
                assert_eq!(ab, natural_cmp(b, a).reverse(), "{a:?} {b:?}");
                assert_eq!(ab == Equal, a == b, "{a:?} {b:?}");
                for c in names {
                    if ab != Greater && natural_cmp(b, c) != Greater {
                        assert_ne!(natural_cmp(a, c), Greater, "{a:?} {b:?} {c:?}");
                    }
                }
            }
        }
    }
}
