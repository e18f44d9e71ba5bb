//! Prometheus' query API answers, parsed into typed results: a matrix of
//! series, a vector of samples, a scalar or a string. Sample values are the
//! strings Prometheus sends (`"1.5"`, `"NaN"`, `"+Inf"`, `"-Inf"`), parsed
//! straight from the borrowed text, so a 50 × 11,000-point answer allocates
//! one `Vec` per series and nothing per point.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One series' labels, `__name__` included when Prometheus kept it.
pub type Labels = BTreeMap<String, String>;

/// A point: unix time in seconds and the value (NaN and ±Inf kept).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub t: f64,
    pub v: f64,
}

impl Serialize for Point {
    /// As Prometheus writes it: `[t, "v"]`, so NaN and ±Inf survive JSON.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&self.t)?;
        t.serialize_element(&value_text(self.v))?;
        t.end()
    }
}

/// A value as Prometheus spells it.
pub fn value_text(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        v.to_string()
    }
}

/// A value from Prometheus' text: Go's `strconv.ParseFloat` spellings.
pub fn parse_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct PointVisitor;
        impl<'de> Visitor<'de> for PointVisitor {
            type Value = Point;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a [time, \"value\"] pair")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Point, A::Error> {
                let t: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let v: Value = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                Ok(Point { t, v: v.0 })
            }
        }
        d.deserialize_seq(PointVisitor)
    }
}

/// A sample value, parsed from the string without keeping it.
struct Value(f64);

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sample value string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
                parse_value(s)
                    .map(Value)
                    .ok_or_else(|| E::custom(format!("not a sample value: {s:?}")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
                Ok(Value(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
                Ok(Value(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value(v as f64))
            }
        }
        d.deserialize_any(V)
    }
}

/// One series of a range query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    #[serde(rename = "metric", default)]
    pub labels: Labels,
    #[serde(rename = "values", default)]
    pub points: Vec<Point>,
}

impl Series {
    /// The newest finite value (a trailing NaN is a gap, not a value).
    pub fn last_value(&self) -> Option<f64> {
        self.points
            .iter()
            .rev()
            .map(|p| p.v)
            .find(|v| v.is_finite())
    }

    /// The value at the point nearest `t`, if one lies within `tolerance` seconds.
    pub fn value_at(&self, t: f64, tolerance: f64) -> Option<f64> {
        let i = self.points.partition_point(|p| p.t < t);
        let near = [i.checked_sub(1), Some(i)]
            .into_iter()
            .flatten()
            .filter_map(|i| self.points.get(i))
            .min_by(|a, b| (a.t - t).abs().total_cmp(&(b.t - t).abs()))?;
        ((near.t - t).abs() <= tolerance).then_some(near.v)
    }
}

/// One sample of an instant query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    #[serde(rename = "metric", default)]
    pub labels: Labels,
    #[serde(rename = "value")]
    pub point: Point,
}

/// What a query answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
pub enum QueryResult {
    Matrix(Vec<Series>),
    Vector(Vec<Sample>),
    Scalar(Point),
    String { t: f64, value: String },
}

impl QueryResult {
    /// Every result as series: a vector's sample is a one-point series, a
    /// scalar an unlabelled one (what the chart and the table draw).
    pub fn into_series(self) -> Vec<Series> {
        match self {
            Self::Matrix(s) => s,
            Self::Vector(v) => v
                .into_iter()
                .map(|s| Series {
                    labels: s.labels,
                    points: vec![s.point],
                })
                .collect(),
            Self::Scalar(p) => vec![Series {
                labels: Labels::new(),
                points: vec![p],
            }],
            Self::String { .. } => Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum RawResult {
    Matrix(Vec<Series>),
    Vector(Vec<Sample>),
    Scalar(Point),
    String((f64, String)),
}

/// `{"status": …, "data": …, "errorType": …, "error": …, "warnings": […]}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Envelope<T> {
    pub status: String,
    pub data: Option<T>,
    #[serde(default)]
    pub error_type: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// A query answer's data, converted to the public type.
pub(crate) fn query_data(env: Envelope<RawData>) -> Envelope<QueryResult> {
    Envelope {
        status: env.status,
        data: env.data.map(|d| match d.0 {
            RawResult::Matrix(s) => QueryResult::Matrix(s),
            RawResult::Vector(v) => QueryResult::Vector(v),
            RawResult::Scalar(p) => QueryResult::Scalar(p),
            RawResult::String((t, value)) => QueryResult::String { t, value },
        }),
        error_type: env.error_type,
        error: env.error,
        warnings: env.warnings,
    }
}

#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct RawData(RawResult);

/// Parse a query answer's body (any status: errors come in the envelope).
pub(crate) fn parse_query(body: &[u8]) -> Result<Envelope<QueryResult>, serde_json::Error> {
    serde_json::from_slice::<Envelope<RawData>>(body).map(query_data)
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
