//! The freshness model: pure functions from restore points to "is this source
//! inside its RPO?". No I/O here, so every rule is tested with generated times.

use jiff::Timestamp;
use std::path::PathBuf;
use std::time::Duration;

/// Share of the RPO after which a source is flagged before it actually breaches.
pub const WARNING_RATIO: f64 = 0.8;

/// One restore point: a dump file, a restic snapshot, a Job run, a Velero Backup.
#[derive(Debug, Clone, PartialEq)]
pub struct RestorePoint {
    /// What the operator names it by: file name, short snapshot id, Backup name.
    pub id: String,
    /// When the data was captured.
    pub time: Timestamp,
    pub size: Option<u64>,
    /// Only successful points count for freshness and restore.
    pub ok: bool,
    /// Why it failed, or phase/warnings for Velero.
    pub message: Option<String>,
    /// The file, for directory sources.
    pub path: Option<PathBuf>,
    /// When the backend will delete it (Velero `expiration`).
    pub expires: Option<Timestamp>,
}

impl RestorePoint {
    pub fn ok(id: impl Into<String>, time: Timestamp) -> Self {
        Self {
            id: id.into(),
            time,
            size: None,
            ok: true,
            message: None,
            path: None,
            expires: None,
        }
    }
}

/// The result of the last verification (kept apart from the last backup:
/// a fresh backup that was never verified is a different risk).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Verification {
    pub at: Timestamp,
    pub point: String,
    pub ok: bool,
    pub message: String,
}

/// The last thing that went wrong with a source's backups.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub at: Timestamp,
    pub message: String,
}

/// Everything one source reported in its latest scan.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceData {
    pub name: String,
    /// `directory`, `restic`, `cronjob`, `velero`.
    pub kind: &'static str,
    pub rpo: Duration,
    /// Newest first.
    pub points: Vec<RestorePoint>,
    pub verification: Option<Verification>,
    pub failure: Option<Failure>,
    /// Conditions the operator should see beside freshness
    /// ("scheduled at 14:00 but not succeeded since 13:00").
    pub flags: Vec<String>,
    /// Where the source lives: path, repository, namespace/cronjob.
    pub location: String,
}

impl SourceData {
    pub fn new(name: impl Into<String>, kind: &'static str, rpo: Duration) -> Self {
        Self {
            name: name.into(),
            kind,
            rpo,
            points: Vec::new(),
            verification: None,
            failure: None,
            flags: Vec::new(),
            location: String::new(),
        }
    }

    /// Sort points newest first and derive the last failure from failed points
    /// when the backend gave none of its own.
    pub fn normalise(&mut self) {
        self.points
            .sort_by(|a, b| b.time.cmp(&a.time).then(a.id.cmp(&b.id)));
        if self.failure.is_none()
            && let Some(p) = self.points.iter().find(|p| !p.ok)
        {
            self.failure = Some(Failure {
                at: p.time,
                message: format!(
                    "{}: {}",
                    p.id,
                    p.message.as_deref().unwrap_or("failed without a message")
                ),
            });
        }
    }

    /// Record the last verification; a point that failed it stops counting
    /// as good, so freshness and the default restore point skip it (restoring
    /// a dump known to be truncated is the last thing an incident needs).
    pub fn set_verification(&mut self, v: Option<Verification>) {
        if let Some(v) = &v
            && !v.ok
            && let Some(p) = self.points.iter_mut().find(|p| p.id == v.point && p.ok)
        {
            p.ok = false;
            p.message = Some(format!(
                "failed verification {}: {}",
                v.at.strftime("%Y-%m-%d %H:%M UTC"),
                v.message
            ));
        }
        self.verification = v;
    }

    /// The newest successful restore point.
    pub fn newest_good(&self) -> Option<&RestorePoint> {
        self.points.iter().filter(|p| p.ok).max_by_key(|p| p.time)
    }

    /// A point by id, or the newest successful one.
    pub fn find(&self, id: Option<&str>) -> Option<&RestorePoint> {
        match id {
            Some(id) => self.points.iter().find(|p| p.id == id),
            None => self.newest_good(),
        }
    }

    pub fn summary(&self, now: Timestamp) -> Summary {
        let newest = self.newest_good();
        let age = newest.map(|p| age(p.time, now));
        let good: Vec<&RestorePoint> = self.points.iter().filter(|p| p.ok).collect();
        let mut trend: Vec<&RestorePoint> =
            good.iter().copied().filter(|p| p.size.is_some()).collect();
        trend.sort_by_key(|p| p.time);
        Summary {
            freshness: freshness(newest.map(|p| p.time), self.rpo, now),
            newest_time: newest.map(|p| p.time),
            newest_id: newest.map(|p| p.id.clone()),
            age,
            count: good.len(),
            total_size: self.points.iter().filter_map(|p| p.size).sum(),
            oldest: good.iter().map(|p| p.time).min(),
            sizes: trend.iter().filter_map(|p| p.size).collect(),
        }
    }
}

/// Where a source stands against its RPO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Freshness {
    /// No successful restore point at all: as bad as a breach.
    NoBackup,
    Breach,
    /// Older than 80% of the RPO.
    Warning,
    Ok,
}

impl Freshness {
    pub fn symbol(self) -> &'static str {
        match self {
            Self::NoBackup | Self::Breach => "✗",
            Self::Warning => "!",
            Self::Ok => "✓",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NoBackup => "no backup",
            Self::Breach => "RPO breach",
            Self::Warning => "near RPO",
            Self::Ok => "ok",
        }
    }

    pub fn severity(self) -> Option<crate::report::Severity> {
        match self {
            Self::NoBackup | Self::Breach => Some(crate::report::Severity::Critical),
            Self::Warning => Some(crate::report::Severity::Warning),
            Self::Ok => None,
        }
    }
}

fn age(then: Timestamp, now: Timestamp) -> Duration {
    Duration::from_secs(now.as_second().saturating_sub(then.as_second()).max(0) as u64)
}

/// Classify the newest good point's age against the RPO.
pub fn freshness(newest: Option<Timestamp>, rpo: Duration, now: Timestamp) -> Freshness {
    let Some(t) = newest else {
        return Freshness::NoBackup;
    };
    let age = age(t, now);
    if age > rpo {
        Freshness::Breach
    } else if age.as_secs_f64() >= rpo.as_secs_f64() * WARNING_RATIO {
        Freshness::Warning
    } else {
        Freshness::Ok
    }
}

/// What the pane and the report show per source.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub freshness: Freshness,
    pub newest_time: Option<Timestamp>,
    pub newest_id: Option<String>,
    pub age: Option<Duration>,
    /// Successful points.
    pub count: usize,
    pub total_size: u64,
    /// Retention: the oldest point still kept.
    pub oldest: Option<Timestamp>,
    /// Sizes of successful points, oldest first (the trend).
    pub sizes: Vec<u64>,
}

/// Order for display: breaches (and sources with no backup) first, then
/// warnings, then by name.
pub fn sort_sources(sources: &mut [SourceData], now: Timestamp) {
    sources.sort_by_cached_key(|s| (s.summary(now).freshness, s.name.clone()));
}

/// A one-line sparkline of sizes (the last `width` points), scaled to the range
/// seen, so a dump that suddenly shrinks stands out.
pub fn sparkline(sizes: &[u64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let tail = &sizes[sizes.len().saturating_sub(width)..];
    let (Some(min), Some(max)) = (tail.iter().min(), tail.iter().max()) else {
        return String::new();
    };
    tail.iter()
        .map(|&v| {
            if max == min {
                BARS[3]
            } else {
                let i = ((v - min) as f64 / (max - min) as f64 * 7.0).round() as usize;
                BARS[i.min(7)]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-01-31T14:30:00Z".parse().unwrap()
    }

    fn ago(mins: i64) -> Timestamp {
        now() - jiff::SignedDuration::from_mins(mins)
    }

    fn src(name: &str, rpo_mins: u64, ages: &[i64]) -> SourceData {
        let mut s = SourceData::new(name, "directory", Duration::from_secs(rpo_mins * 60));
        for (i, a) in ages.iter().enumerate() {
            let mut p = RestorePoint::ok(format!("p{i}"), ago(*a));
            p.size = Some(1000 + i as u64 * 10);
            s.points.push(p);
        }
        s.normalise();
        s
    }

    #[test]
    fn freshness_is_ok_warning_at_80_percent_and_breach_past_rpo() {
        let rpo = Duration::from_secs(15 * 60);
        assert_eq!(freshness(Some(ago(5)), rpo, now()), Freshness::Ok);
        assert_eq!(freshness(Some(ago(11)), rpo, now()), Freshness::Ok);
        assert_eq!(freshness(Some(ago(12)), rpo, now()), Freshness::Warning);
        assert_eq!(freshness(Some(ago(15)), rpo, now()), Freshness::Warning);
        assert_eq!(freshness(Some(ago(16)), rpo, now()), Freshness::Breach);
        assert_eq!(freshness(None, rpo, now()), Freshness::NoBackup);
        // A clock-skewed future point is fresh, not negative.
        assert_eq!(freshness(Some(ago(-3)), rpo, now()), Freshness::Ok);
    }

    #[test]
    fn only_successful_points_count_as_newest() {
        let mut s = src("pg", 15, &[30, 45]);
        let mut failed = RestorePoint::ok("broken", ago(1));
        failed.ok = false;
        failed.message = Some("pg_dump: connection refused".into());
        s.points.push(failed);
        s.normalise();
        let sum = s.summary(now());
        assert_eq!(sum.newest_id.as_deref(), Some("p0"));
        assert_eq!(sum.age, Some(Duration::from_secs(30 * 60)));
        assert_eq!(sum.freshness, Freshness::Breach);
        assert_eq!(sum.count, 2);
        assert!(s.failure.unwrap().message.contains("connection refused"));
    }

    #[test]
    fn summary_counts_sizes_and_retention() {
        let s = src("pg", 60, &[10, 70, 24 * 60 * 30]);
        let sum = s.summary(now());
        assert_eq!(sum.count, 3);
        assert_eq!(sum.total_size, 1000 + 1010 + 1020);
        assert_eq!(sum.oldest, Some(ago(24 * 60 * 30)));
        // Oldest first for the trend.
        assert_eq!(sum.sizes, vec![1020, 1010, 1000]);
        assert_eq!(sum.freshness, Freshness::Ok);
        assert_eq!(s.find(Some("p1")).unwrap().time, ago(70));
        assert_eq!(s.find(None).unwrap().id, "p0");
    }

    #[test]
    fn breaches_sort_first_then_warnings_then_ok() {
        let mut all = vec![
            src("a-ok", 60, &[5]),
            src("b-warn", 60, &[50]),
            src("c-breach", 15, &[120]),
            src("d-empty", 15, &[]),
        ];
        sort_sources(&mut all, now());
        let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["d-empty", "c-breach", "b-warn", "a-ok"]);
    }

    #[test]
    fn sparkline_scales_to_range_and_keeps_the_tail() {
        assert_eq!(sparkline(&[1, 2, 3, 4, 5, 6, 7, 8], 8), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(&[5, 5, 5], 8), "▄▄▄");
        assert_eq!(sparkline(&[100, 0, 100], 2), "▁█");
        assert_eq!(sparkline(&[], 8), "");
    }
}
