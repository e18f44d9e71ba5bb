//! Prometheus' alerting API bodies, decoded as the alerts client decodes them
//! (`serde_json::from_slice` of the whole body into `PromEnvelope<T>`), then
//! projected into the model. One input is tried as every endpoint's answer:
//! the shapes overlap, and a body meant for one endpoint can arrive at another.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warroom::alerts::api::{PromAlerts, PromBuildInfo, PromEnvelope, PromRules};

fuzz_target!(|data: &[u8]| {
    if let Ok(env) = serde_json::from_slice::<PromEnvelope<PromAlerts>>(data) {
        let _ = warroom::text::sanitize(&env.status);
        if let Some(alerts) = env.data {
            for a in alerts.alerts {
                let _ = a.into_model();
            }
        }
    }
    if let Ok(PromEnvelope {
        data: Some(rules), ..
    }) = serde_json::from_slice::<PromEnvelope<PromRules>>(data)
    {
        let _ = rules.expressions();
        let _ = rules.total();
        let _ = rules.broken();
    }
    let _ = serde_json::from_slice::<PromEnvelope<PromBuildInfo>>(data);
});
