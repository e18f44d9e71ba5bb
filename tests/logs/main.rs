//! Logs domain integration tests: a wiremock Loki answering with the exact
//! documented response shapes, a tokio-tungstenite tail server, the worker,
//! `warroom logs` end to end, and the sanitiser property.

mod fake_loki;
mod headless;
mod http;
mod sanitize;
mod stream;
mod tail;
mod worker;

/// reqwest is built with `rustls-no-provider`: the process needs one provider.
pub fn tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
