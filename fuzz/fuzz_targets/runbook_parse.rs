//! The runbook Markdown parser and its lint (`warroom runbook lint` is
//! `parse::load`, i.e. `read_text` then `parse`), then what the console does
//! with a runbook that parsed: resolve the parameters' defaults, substitute
//! them into every block, and check the blocks' quoting.
#![no_main]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use warroom::runbook::{parse, quoting, subst};

fuzz_target!(|data: &[u8]| {
    // `load` refuses a file that is not UTF-8, naming where: do the same.
    let text = match warroom::text::decode(data.to_vec()) {
        Ok(text) => text,
        Err(at) => {
            let _ = at.on_its_line();
            return;
        }
    };
    let rb = match parse::parse(&text, Path::new("fuzz.md")) {
        Ok(rb) => rb,
        Err(lint) => {
            // The lint report is what the operator reads: build it in full.
            assert!(!lint.lines().is_empty(), "a lint error with no lines");
            return;
        }
    };
    let values: BTreeMap<String, String> = subst::resolve(&rb.params, &[]).unwrap_or_default();
    let masked = BTreeSet::new();
    for step in &rb.steps {
        for block in &step.blocks {
            let _ = subst::render(&block.body, &block.kind, &values, &masked);
            let _ = quoting::unsafe_refs(&block.body, &block.kind);
        }
    }
});
