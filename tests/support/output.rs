//! What a test process printed, for assertion messages. Shared by the test
//! crates that run the warroom binary: `#[path = "../support/output.rs"] mod output;`.

use std::process::Output;

/// stdout then stderr, lossily decoded.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
