//! Alertmanager v2 bodies (`/api/v2/alerts`, `/alerts/groups`, `/silences`,
//! `/status`), decoded as the client decodes them (`serde_json::from_slice`),
//! then projected into the model the pane shows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warroom::alerts::api::{AmAlert, AmAlertGroup, AmSilence, AmStatus};

fuzz_target!(|data: &[u8]| {
    if let Ok(alerts) = serde_json::from_slice::<Vec<AmAlert>>(data) {
        for a in alerts {
            let _ = a.into_model();
        }
    }
    if let Ok(groups) = serde_json::from_slice::<Vec<AmAlertGroup>>(data) {
        for g in groups {
            for a in g.alerts {
                let _ = a.into_model();
            }
        }
    }
    if let Ok(silences) = serde_json::from_slice::<Vec<AmSilence>>(data) {
        for s in silences {
            for m in &s.matchers {
                let _ = m.to_matcher();
            }
            let _ = s.into_model("fuzz");
        }
    }
    if let Ok(status) = serde_json::from_slice::<AmStatus>(data) {
        let _ = status.detail();
    }
});
