//! A time range for the panes that query over one (Logs, Metrics): a
//! preset relative to now, or absolute; parsed from what the operator types.

use std::time::Duration;

/// RFC 3339 UTC with milliseconds, or the raw number when out of range.
pub fn format_ts(ts_ns: i128) -> String {
    jiff::Timestamp::from_nanosecond(ts_ns)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|_| ts_ns.to_string())
}

pub const PRESETS: [(&str, u64); 5] = [
    ("5m", 300),
    ("15m", 900),
    ("1h", 3600),
    ("6h", 6 * 3600),
    ("24h", 24 * 3600),
];

/// A time or range the operator typed that does not work; the input is data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimeError {
    #[error(
        "bad time {input:?} (use RFC 3339 like 2026-01-31T14:30:00Z, a duration ago like 2h, or now)"
    )]
    BadTime { input: String },
    #[error("{from} is not before {to}")]
    NotBefore { from: String, to: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum TimeRange {
    Last(Duration),
    Absolute { from_ns: i128, to_ns: i128 },
}

impl Default for TimeRange {
    fn default() -> Self {
        Self::Last(Duration::from_secs(3600))
    }
}

impl TimeRange {
    /// (start, end) in nanoseconds, relative ranges ending at `now_ns`.
    pub fn bounds(&self, now_ns: i128) -> (i128, i128) {
        match self {
            Self::Last(d) => (now_ns - d.as_nanos() as i128, now_ns),
            Self::Absolute { from_ns, to_ns } => (*from_ns, *to_ns),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Self::Last(d) => format!("last {}", crate::text::human_duration(*d)),
            Self::Absolute { from_ns, to_ns } => format!(
                "{} → {}",
                format_ts(*from_ns),
                format_ts(*to_ns)
            ),
        }
    }

    /// From `from_ns` until now, kept relative so that it still ends at now
    /// as time passes (a window from an alert's start); whole minutes, at
    /// least one.
    pub fn since(from_ns: i128, now_ns: i128) -> Self {
        let secs = ((now_ns - from_ns).max(0) as u128).div_ceil(60_000_000_000) * 60;
        Self::Last(Duration::from_secs((secs as u64).max(60)))
    }

    /// Parse an absolute range from two RFC 3339 times (or `now`).
    pub fn absolute(from: &str, to: &str, now_ns: i128) -> Result<Self, TimeError> {
        let from_ns = parse_time(from, now_ns)?;
        let to_ns = parse_time(to, now_ns)?;
        if from_ns >= to_ns {
            return Err(TimeError::NotBefore {
                from: from.to_string(),
                to: to.to_string(),
            });
        }
        Ok(Self::Absolute { from_ns, to_ns })
    }
}

/// RFC 3339 (`2026-01-31T14:30:00Z`), a bare date-time taken as UTC, a
/// duration ago (`2h`), or `now`.
pub fn parse_time(s: &str, now_ns: i128) -> Result<i128, TimeError> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") || s.is_empty() {
        return Ok(now_ns);
    }
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t.as_nanosecond());
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>()
        && let Ok(z) = dt.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(z.timestamp().as_nanosecond());
    }
    if let Ok(d) = crate::text::parse_duration(s) {
        return Ok(now_ns - d.as_nanos() as i128);
    }
    Err(TimeError::BadTime {
        input: s.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_in_the_forms_operators_type() {
        let now = 1_800_000_000_000_000_000;
        assert_eq!(
            parse_time("2026-01-31T14:30:00Z", now).unwrap(),
            1_769_869_800_000_000_000
        );
        assert_eq!(
            parse_time("2026-01-31 14:30:00", now).unwrap(),
            1_769_869_800_000_000_000
        );
        assert_eq!(parse_time("1h", now).unwrap(), now - 3_600_000_000_000);
        assert_eq!(
            parse_time(" yesterday-ish", now),
            Err(TimeError::BadTime {
                input: "yesterday-ish".into()
            })
        );
        assert_eq!(
            TimeRange::absolute("2h", "3h", now),
            Err(TimeError::NotBefore {
                from: "2h".into(),
                to: "3h".into()
            })
        );
        assert_eq!(
            TimeRange::absolute("2h", "3h", now)
                .unwrap_err()
                .to_string(),
            "2h is not before 3h"
        );
        assert_eq!(TimeRange::default().bounds(now).1, now);
        // An alert active for 20m30s, with the 15-minute lead: 36 minutes.
        let from = now - (35 * 60 + 30) * 1_000_000_000;
        assert_eq!(
            TimeRange::since(from, now),
            TimeRange::Last(Duration::from_secs(36 * 60))
        );
        assert_eq!(
            TimeRange::since(now + 5, now),
            TimeRange::Last(Duration::from_secs(60))
        );
    }
}
