//! The config file: `Config::load` is `read_text` (strict UTF-8, naming the
//! bad byte) then `Config::parse`; the error is rendered as the operator
//! sees it.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use warroom::config::Config;

fuzz_target!(|data: &[u8]| {
    let text = match warroom::text::decode(data.to_vec()) {
        Ok(text) => text,
        Err(at) => {
            let _ = at.on_its_line();
            return;
        }
    };
    if let Err(e) = Config::parse(&text, Path::new("config.toml")) {
        let _ = e.to_string();
    }
});
