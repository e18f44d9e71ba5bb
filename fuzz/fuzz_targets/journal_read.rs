//! The run journal reader on arbitrary bytes. `runbook::journal::read` (journal_read.rs) is
//! `fs::read` then `parse_bytes`, so the bytes API is the whole reader; the
//! rest is what resume, `runbook show` and `runbook export` derive from it.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use warroom::runbook::{export, journal as journal_read};

fuzz_target!(|data: &[u8]| {
    // A path that does not exist: export may look beside the journal for the
    // runbook, and must cope with it being gone.
    let path = Path::new("/nonexistent/warroom-fuzz/run.jsonl");
    let l = journal_read::parse_bytes(path, data);
    let _ = l.run_id();
    let _ = l.runbook();
    let _ = l.has_start();
    let _ = l.acknowledged();
    let _ = l.unacknowledged();
    let _ = l.is_damaged();
    let _ = l.bad_entry_errors();
    let _ = l.started();
    let _ = l.finished();
    let _ = l.step_refs();
    let _ = l.unfinished_groups();
    let _ = l.statuses();
    let _ = journal_read::damaged_error(Path::new("fuzz.md"), &l);
    if l.has_start() {
        let _ = export::achieved(&l);
        let _ = export::markdown(&l);
    }
});
