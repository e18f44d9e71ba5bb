//! JSON that is safe to print on a terminal and keeps every byte of the data.
//!
//! serde_json escapes C0 controls (U+0000–U+001F) inside strings but writes DEL
//! and the C1 controls (U+0080–U+009F) raw; some terminals act on those (U+009B
//! is CSI, U+009D OSC). Outside strings JSON holds only ASCII punctuation,
//! digits, letters and whitespace, so any such character in serde_json's output
//! is inside a string and escaping it as `\u00XX` yields the same document.

use serde::Serialize;

/// `v` as pretty-printed JSON with every control escaped.
pub fn to_json_pretty<T: Serialize + ?Sized>(v: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(v).map(escape_controls)
}

/// `v` as one line of JSON (JSONL) with every control escaped.
pub fn to_json_line<T: Serialize + ?Sized>(v: &T) -> Result<String, serde_json::Error> {
    serde_json::to_string(v).map(escape_controls)
}

fn needs_escape(c: char) -> bool {
    ('\u{7f}'..='\u{9f}').contains(&c)
}

/// Escape DEL and C1 in serde_json output (which has already escaped C0).
fn escape_controls(json: String) -> String {
    if !json.chars().any(needs_escape) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c0_c1_and_del_are_escaped_and_the_data_is_kept() {
        let evil = "a\u{1b}]52;c;eA==\u{7}b\u{9b}2Jc\u{85}d\u{7f}e\u{9f}";
        let v = serde_json::json!({ evil: [evil] });
        for json in [to_json_pretty(&v).unwrap(), to_json_line(&v).unwrap()] {
            assert!(
                !json
                    .chars()
                    .any(|c| (c < ' ' && c != '\n') || needs_escape(c)),
                "{json:?}"
            );
            assert!(
                json.contains(r"\u009b") && json.contains(r"\u007f"),
                "{json}"
            );
            let back: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(back, v, "the same document");
        }
    }

    #[test]
    fn clean_json_is_unchanged() {
        let v = serde_json::json!({"name": "shop-db ✓ 日本", "n": 1});
        assert_eq!(
            to_json_line(&v).unwrap(),
            serde_json::to_string(&v).unwrap()
        );
    }
}
