//! A theme file merged over the embedded default. `Theme::load` takes a name
//! or a path and reads the file itself (strict UTF-8), so the input is written
//! to a file of this process's own and loaded from there, with and without
//! NO_COLOR.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use warroom::theme::Theme;

fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("warroom-fuzz-theme-{}.toml", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let p = path();
    std::fs::write(p, data).expect("the fuzz temp file is writable");
    let name = p.to_str().expect("the temp path is UTF-8");
    for no_color in [false, true] {
        match Theme::load(name, no_color) {
            Ok(t) => {
                let _ = t.roles();
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
