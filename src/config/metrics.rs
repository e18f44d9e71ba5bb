//! `[metrics]`: how the Metrics pane queries and draws.

use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Metrics {
    /// How often a range that ends at now is queried again.
    #[serde(deserialize_with = "super::de_duration")]
    pub refresh: Duration,
    /// Series drawn at most (the top by last value); the rest are counted.
    pub top: usize,
    /// `braille` (default) or `block`, where the font lacks braille.
    pub markers: Markers,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Markers {
    #[default]
    Braille,
    Block,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            refresh: Duration::from_secs(15),
            top: 10,
            markers: Markers::Braille,
        }
    }
}
