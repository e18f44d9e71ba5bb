//! Alerts against the real thing: Prometheus and Alertmanager from Debian,
//! started on free loopback ports (see `harness.rs`), and a wiremock server for
//! broken responses. Run: `cargo test --test alerts`.

mod console;
mod harness;
mod malformed;
mod observed;
mod real;
