//! The unit of a query's values, inferred from the metric it reads
//! (Prometheus' naming conventions: `_bytes`, `_seconds`, `_ratio`,
//! `_total` counters), and values formatted in it.

/// What the values measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Bytes,
    Seconds,
    /// A 0–1 ratio, shown as a percentage.
    Ratio,
    #[default]
    None,
}

impl Unit {
    /// From a config value (`bytes`, `seconds`, `ratio`/`percent`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bytes" | "b" => Some(Self::Bytes),
            "seconds" | "s" => Some(Self::Seconds),
            "ratio" | "percent" | "%" => Some(Self::Ratio),
            "" | "none" => Some(Self::None),
            _ => None,
        }
    }
}

/// What was inferred from a query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inferred {
    pub unit: Unit,
    /// The metric the query reads, when one was found.
    pub metric: Option<String>,
    /// A bare counter: the query to draw instead (`rate(x_total[5m])`).
    pub suggest: Option<String>,
}

/// PromQL words that are not metric names.
const KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "offset",
    "bool",
    "and",
    "or",
    "unless",
    "atan2",
    "inf",
    "nan",
    // Aggregations: `sum by (job) (…)` puts the grouping before the `(`.
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "group",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "count_values",
    "limitk",
    "limit_ratio",
];

/// A PromQL keyword or aggregation, never a metric name.
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// The metric names a query reads, in order: identifiers that are not
/// functions (followed by `(`), keywords, label names inside `{…}` or in a
/// `by (…)` list, or durations inside `[…]`; strings are skipped.
pub fn metric_names(query: &str) -> Vec<String> {
    let b = query.as_bytes();
    let (mut i, mut out) = (0, Vec::new());
    let (mut braces, mut brackets) = (0i32, 0i32);
    let mut grouping = false; // inside `by (…)` / `without (…)` / `on (…)`
    while i < b.len() {
        let c = b[i];
        match c {
            b'"' | b'\'' | b'`' => {
                i += 1;
                while i < b.len() && b[i] != c {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                continue;
            }
            b'{' => braces += 1,
            b'}' => braces -= 1,
            b'[' => brackets += 1,
            b']' => brackets -= 1,
            b')' if grouping => grouping = false,
            b'#' => break,
            _ => {}
        }
        if c.is_ascii_alphabetic() || c == b'_' || c == b':' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b':') {
                i += 1;
            }
            let word = &query[start..i];
            let next = query[i..].trim_start();
            let lower = word.to_ascii_lowercase();
            if matches!(lower.as_str(), "by" | "without" | "on" | "ignoring")
                || lower.starts_with("group_")
            {
                grouping = next.starts_with('(');
            } else if braces == 0
                && brackets == 0
                && !grouping
                && !next.starts_with('(')
                && !KEYWORDS.contains(&lower.as_str())
            {
                out.push(word.to_string());
            }
            continue;
        }
        // A number (`0.95`, `1e3`, `5m`) is not a name.
        if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    out
}

/// The unit of a query's values, from the first metric it reads.
pub fn infer(query: &str) -> Inferred {
    let names = metric_names(query);
    let Some(metric) = names.first().cloned() else {
        return Inferred::default();
    };
    let base = ["_bucket", "_sum", "_count", "_total"]
        .iter()
        .find_map(|s| metric.strip_suffix(s))
        .unwrap_or(&metric);
    let counted = metric.ends_with("_count") || metric.ends_with("_bucket");
    let unit = if counted && !query.contains("histogram_quantile") {
        // `x_seconds_count` counts observations; a quantile over buckets is in the unit.
        Unit::None
    } else if base.ends_with("_bytes") {
        Unit::Bytes
    } else if base.ends_with("_seconds") {
        Unit::Seconds
    } else if base.ends_with("_ratio") || base.ends_with("_ratio:rate5m") {
        Unit::Ratio
    } else {
        Unit::None
    };
    let bare_counter = metric.ends_with("_total") && names.len() == 1 && is_bare(query);
    let suggest = bare_counter.then(|| format!("rate({}[5m])", query.trim()));
    Inferred {
        unit,
        metric: Some(metric),
        suggest,
    }
}

/// No function or operator around the selector: `x_total{job="a"}`.
fn is_bare(query: &str) -> bool {
    let q = query.trim();
    !q.contains('(') && !q.contains('[')
}

/// A value in its unit, about four significant digits: `1.5 GiB`,
/// `230 ms`, `4.2%`, `12.3k`. NaN and ±Inf as Prometheus spells them.
pub fn format(v: f64, unit: Unit) -> String {
    if !v.is_finite() {
        return super::parse::value_text(v);
    }
    match unit {
        Unit::Bytes => {
            const UNITS: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
            let (mut x, mut i) = (v.abs(), 0);
            while x >= 1024.0 && i < UNITS.len() - 1 {
                x /= 1024.0;
                i += 1;
            }
            format!("{}{} {}", sign(v), trim(x), UNITS[i])
        }
        Unit::Seconds => {
            let x = v.abs();
            let (x, u) = if x == 0.0 {
                (0.0, "s")
            } else if x < 1e-3 {
                (x * 1e6, "µs")
            } else if x < 1.0 {
                (x * 1e3, "ms")
            } else if x < 120.0 {
                (x, "s")
            } else if x < 7200.0 {
                (x / 60.0, "min")
            } else {
                (x / 3600.0, "h")
            };
            format!("{}{} {u}", sign(v), trim(x))
        }
        Unit::Ratio => format!("{}%", trim_signed(v * 100.0)),
        Unit::None => {
            let x = v.abs();
            let (x, s) = if x >= 1e12 {
                (x / 1e12, "T")
            } else if x >= 1e9 {
                (x / 1e9, "G")
            } else if x >= 1e6 {
                (x / 1e6, "M")
            } else if x >= 1e4 {
                (x / 1e3, "k")
            } else {
                (x, "")
            };
            format!("{}{}{s}", sign(v), trim(x))
        }
    }
}

fn sign(v: f64) -> &'static str {
    if v < 0.0 { "-" } else { "" }
}

fn trim_signed(v: f64) -> String {
    format!("{}{}", sign(v), trim(v.abs()))
}

/// At most 4 significant digits, no trailing zeros: `1.5`, `230`, `0.0123`.
fn trim(x: f64) -> String {
    let decimals = if x == 0.0 || x >= 1000.0 {
        0
    } else if x >= 100.0 {
        1
    } else if x >= 10.0 {
        2
    } else if x >= 1.0 {
        3
    } else {
        // Small values keep 3 significant digits.
        (3 - x.log10().floor() as i32).clamp(3, 9) as usize
    };
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
#[path = "units_tests.rs"]
mod tests;
