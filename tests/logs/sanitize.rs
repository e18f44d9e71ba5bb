//! Terminal safety as a property: whatever bytes a log line holds, sanitised
//! output never contains ESC, BEL or a C1 control, and printable text survives.

use proptest::prelude::*;
use warroom::text::{sanitize, sanitize_multiline};

/// Characters weighted towards the dangerous ones.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        3 => prop::sample::select(vec![
            '\u{1b}', '\u{7}', '\u{8}', '\r', '\n', '\t', '\u{7f}', '[', ']', '\\', ';', 'P', 'X', '^', '_',
            '(', '#', '0', '5', '2', 'm', 'c', '\u{9b}', '\u{9c}', '\u{9d}', '\u{90}', '\u{98}', '\u{9e}',
            '\u{9f}', '\u{85}', '\u{80}', '\u{8d}',
        ]),
        2 => (0x20u8..0x7f).prop_map(|b| b as char),
    ]
}

fn unsafe_char(c: char) -> bool {
    c == '\u{1b}' || c == '\u{7}' || ('\u{80}'..='\u{9f}').contains(&c)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_escape_bel_or_c1_survives(chars in prop::collection::vec(hostile_char(), 0..300)) {
        let input: String = chars.into_iter().collect();
        let one = sanitize(&input);
        prop_assert!(!one.chars().any(unsafe_char), "{:?} -> {:?}", input, one);
        prop_assert!(!one.chars().any(|c| c < ' '), "single line has no C0 at all: {:?}", one);
        let multi = sanitize_multiline(&input);
        prop_assert!(!multi.chars().any(unsafe_char), "{:?} -> {:?}", input, multi);
        prop_assert!(!multi.chars().any(|c| c < ' ' && c != '\n'), "{:?}", multi);
    }

    #[test]
    fn printable_text_is_kept_unchanged(s in "[ -~äöü日本✓]{0,200}") {
        prop_assert_eq!(sanitize(&s), s.as_str());
    }

    #[test]
    fn text_around_an_escape_sequence_is_kept(a in "[a-z ]{0,40}", b in "[a-z ]{0,40}", params in "[0-9;]{0,8}") {
        let s = format!("{a}\u{1b}[{params}m{b}\u{1b}]0;title\u{7}!");
        prop_assert_eq!(sanitize(&s), format!("{a}{b}!"));
    }
}
