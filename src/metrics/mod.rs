//! Metrics: PromQL range and instant queries against a configured
//! `[[prometheus]]`, typed series, units, step per chart column, top N and
//! legends (no UI here), plus the demo's simulated Prometheus.

pub mod api;
pub mod chart;
pub mod demo;
pub mod parse;
pub mod shape;
pub mod units;

pub use api::{Answered, MetricsApi, MetricsError, PromClient, RangeQuery};
pub use parse::{Labels, Point, QueryResult, Sample, Series};
pub use units::Unit;
