//! Metrics against the real thing: Prometheus from Debian scraping itself on
//! a free loopback port (the alerts tests' harness), and wiremock for the
//! answers a real Prometheus does not give (HTML pages, proxies' 5xx).
//! Run: `cargo test --test metrics`.

#[path = "../alerts/harness.rs"]
#[allow(dead_code)]
mod harness;
mod headless;
mod pane;
mod real;
mod wire;

use std::time::{Duration, Instant};
use warroom::config::HttpEndpoint;
use warroom::metrics::PromClient;

pub fn client(url: &str) -> PromClient {
    let dir = tempfile::tempdir().unwrap();
    let cfg = harness::config(Some(url), None, dir.path());
    PromClient::new(&cfg.prometheus[0]).unwrap()
}

pub fn endpoint(url: &str) -> HttpEndpoint {
    client(url).endpoint
}

pub fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Poll `f` until it answers `Some`, or fail saying what never came.
pub async fn eventually<T, F, Fut>(what: &str, secs: u64, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "{what} within {secs}s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// A Prometheus scraping itself (and a dead target as job `dispatch`).
pub fn prometheus() -> harness::Prometheus {
    harness::Prometheus::start(harness::free_port())
}
