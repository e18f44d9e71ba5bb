//! Loki's HTTP answers (`query_range`, `labels`/`label values`, volume
//! matrices) and the tail WebSocket's text frames. The client reads bodies
//! with reqwest's `text()`, which decodes lossily, and tungstenite hands over
//! text frames as `str`: so the input is decoded lossily here too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warroom::logs::Direction;
use warroom::logs::loki::parse;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let _ = parse::query_lines(&body, Direction::Backward);
    let _ = parse::query_lines(&body, Direction::Forward);
    let _ = parse::matrix(&body);
    let _ = parse::names(&body);
    let _ = parse::tail_frame(&body);
});
