//! Docker Engine answers: `GET /containers/{id}/json` and one stats sample,
//! decoded into bollard's types with serde_json (as bollard does), then
//! projected into the Containers pane's model.
#![no_main]

use bollard::models::{ContainerInspectResponse, ContainerStatsResponse};
use libfuzzer_sys::fuzz_target;
use warroom::containers::model::{from_inspect, stats_from};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = serde_json::from_slice::<ContainerInspectResponse>(data) {
        let c = from_inspect(&r);
        let _ = c.is_running();
        let _ = c.last_probe();
        let _ = c.last_failed_output();
        let _ = c.uptime(jiff::Timestamp::UNIX_EPOCH);
        let _ = c.group();
        let _ = c.matches("web");
    }
    if let Ok(s) = serde_json::from_slice::<ContainerStatsResponse>(data) {
        let _ = stats_from(&s);
    }
});
