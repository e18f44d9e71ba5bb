//! A Prometheus `/api/v1/query_range` (or `/query`) answer, through the same
//! decoder the Metrics pane's client uses on the response body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = warroom::metrics::api::parse_answer(data);
});
