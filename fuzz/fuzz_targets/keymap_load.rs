//! A user keymap file merged over the embedded one for every pane, as
//! startup does (`runtime::load_keymap_file` is `read_text` then this), and
//! key names as `Key::parse` reads them from the file.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Not UTF-8: startup warns and uses the default keymap; nothing to parse.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (km, _warnings) = warroom::runtime::load_keymap(Some((text, Path::new("keymap.toml"))));
    for section in km.sections() {
        for b in km.bindings(section.name()) {
            for k in &b.keys {
                let _ = k.to_string();
            }
        }
    }
    for word in text.split_whitespace().take(64) {
        if let Ok(k) = warroom::keymap::Key::parse(word) {
            let _ = k.to_string();
        }
    }
});
