//! Property: whatever comes in, sanitised output holds no control character
//! a terminal would act on. `sanitize` keeps none (newlines become `␊`, tabs
//! become spaces); `sanitize_multiline` and `SanitizingWriter` keep `\n` only
//! (their documented exception). C1 (U+0080..=U+009F) is never kept: an
//! 8-bit CSI/OSC introducer is as live as ESC on many terminals.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use warroom::text::{SanitizingWriter, sanitize, sanitize_multiline};

/// C0 (which includes ESC 0x1b and BEL 0x07), DEL and C1, except `\n` when
/// the function under test keeps line breaks.
fn assert_clean(what: &str, input: &[u8], out: &str, keep_newline: bool) {
    for c in out.chars() {
        let control = c < ' ' || ('\u{7f}'..='\u{9f}').contains(&c);
        assert!(
            !control || (keep_newline && c == '\n'),
            "{what} kept control {c:?} (U+{:04X}) from input {input:?}: {out:?}",
            c as u32
        );
    }
}

fuzz_target!(|data: &[u8]| {
    // The line functions take &str: callers decode lossily (log lines, probe
    // output, annotations), so do the same here.
    let text = String::from_utf8_lossy(data);
    assert_clean("sanitize", data, &sanitize(&text), false);
    assert_clean("sanitize_multiline", data, &sanitize_multiline(&text), true);

    // The writer takes raw bytes in arbitrary pieces (a child's stdout): an
    // escape sequence or a UTF-8 character split across writes must not slip
    // through half-written. The first byte picks the piece size.
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let piece = usize::from(first % 16) + 1;
    let mut w = SanitizingWriter::new(Vec::new());
    for chunk in rest.chunks(piece) {
        w.write_all(chunk).expect("writing to a Vec cannot fail");
    }
    let bytes = w.finish().expect("writing to a Vec cannot fail");
    let out = std::str::from_utf8(&bytes).expect("SanitizingWriter output is UTF-8");
    assert_clean("SanitizingWriter", rest, out, true);
});
