//! `kind = "directory"`: dump files in a directory, one restore point per file.

use super::model::{RestorePoint, SourceData};
use jiff::Timestamp;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

static COMPACT: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"(\d{8})_(\d{6})").expect("valid regex"));
static ISOISH: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})").expect("valid regex")
});

/// The capture time written in a file name: `app_20260131_143000.sql.gz`,
/// `app_2026-01-31T14-30-00.dump`, or `time_format` (strftime) anywhere in the
/// name. Times without a zone are UTC, as backup scripts conventionally write them.
pub fn time_from_name(name: &str, time_format: Option<&str>) -> Option<Timestamp> {
    if let Some(fmt) = time_format {
        return (0..name.len())
            .filter(|i| name.is_char_boundary(*i))
            .find_map(|i| parse_with(fmt, &name[i..]));
    }
    if let Some(c) = COMPACT.captures(name) {
        let s = format!("{}T{}", &c[1], &c[2]);
        if let Ok(dt) = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%S", &s) {
            return dt
                .to_zoned(jiff::tz::TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp());
        }
    }
    if let Some(c) = ISOISH.captures(name) {
        let s = format!("{}T{}:{}:{}", &c[1], &c[2], &c[3], &c[4]);
        if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
            return dt
                .to_zoned(jiff::tz::TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp());
        }
    }
    None
}

fn parse_with(fmt: &str, input: &str) -> Option<Timestamp> {
    let (bdt, _) = jiff::fmt::strtime::BrokenDownTime::parse_prefix(fmt, input).ok()?;
    if let Ok(ts) = bdt.to_timestamp() {
        return Some(ts);
    }
    let dt = bdt.to_datetime().ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// Why a backup directory could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("pattern {pattern:?}: {reason}")]
    Pattern { pattern: String, reason: String },
    #[error("{}: {reason}", dir.display())]
    ReadDir {
        dir: PathBuf,
        kind: std::io::ErrorKind,
        reason: String,
    },
}

/// Why a dump file failed its built-in verification. `name` is the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyFileError {
    #[error("{name}: cannot read checksum sidecar: {reason}")]
    Sidecar { name: String, reason: String },
    #[error(
        "{name}: checksum mismatch (sidecar {}, file {})",
        short(want),
        short(got)
    )]
    Mismatch {
        name: String,
        want: String,
        got: String,
    },
    /// A truncated or corrupt `.gz`.
    #[error("{name}: gzip integrity check failed: {reason}")]
    Gzip { name: String, reason: String },
    #[error("{name}: empty file")]
    Empty { name: String },
    #[error("{name}: unreadable: {reason}")]
    Unreadable { name: String, reason: String },
    #[error("{name}: {reason}")]
    Io { name: String, reason: String },
}

/// List the files matching `pattern` in `dir` (not recursive) as restore
/// points. Checksum sidecars (`*.sha256`) are never points themselves.
pub fn scan(
    dir: &Path,
    pattern: &str,
    time_format: Option<&str>,
) -> Result<Vec<RestorePoint>, ScanError> {
    let pat = glob::Pattern::new(pattern).map_err(|e| ScanError::Pattern {
        pattern: pattern.to_string(),
        reason: e.to_string(),
    })?;
    let entries = std::fs::read_dir(dir).map_err(|e| ScanError::ReadDir {
        dir: dir.to_path_buf(),
        kind: e.kind(),
        reason: e.to_string(),
    })?;
    let mut points = Vec::new();
    for entry in entries {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".sha256") || !pat.matches(&name) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let time = time_from_name(&name, time_format).or_else(|| {
            meta.modified()
                .ok()
                .and_then(|m| Timestamp::try_from(m).ok())
        });
        let Some(time) = time else { continue };
        let mut p = RestorePoint::ok(name, time);
        p.size = Some(meta.len());
        // An empty dump is what a failed `pg_dump | gzip` leaves behind.
        if meta.len() == 0 {
            p.ok = false;
            p.message = Some("empty file".into());
        }
        p.path = Some(entry.path());
        points.push(p);
    }
    Ok(points)
}

/// Scan a configured directory source into its model.
pub fn load(
    name: &str,
    rpo: std::time::Duration,
    dir: &Path,
    pattern: &str,
    time_format: Option<&str>,
) -> Result<SourceData, ScanError> {
    let mut data = SourceData::new(name, "directory", rpo);
    data.location = format!("{}/{}", dir.display(), pattern);
    data.points = scan(dir, pattern, time_format)?;
    data.normalise();
    Ok(data)
}

/// Verify a dump file without any configured command: its `.sha256` sidecar
/// when there is one, and a gzip stream decoded to the end for `.gz` files (a
/// truncated upload fails here). `Ok` says what was checked.
pub fn verify_file(path: &Path) -> Result<String, VerifyFileError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let io = |e: std::io::Error| VerifyFileError::Io {
        name: name.clone(),
        reason: e.to_string(),
    };
    let mut checked = Vec::new();
    let sidecar = PathBuf::from(format!("{}.sha256", path.display()));
    if sidecar.exists() {
        let text = std::fs::read_to_string(&sidecar).map_err(|e| VerifyFileError::Sidecar {
            name: name.clone(),
            reason: e.to_string(),
        })?;
        let want = text
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let got = sha256_file(path).map_err(io)?;
        if want != got {
            return Err(VerifyFileError::Mismatch { name, want, got });
        }
        checked.push("sha256 matches sidecar".to_string());
    }
    if name.ends_with(".gz") {
        let f = std::fs::File::open(path).map_err(io)?;
        let mut dec = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(f));
        let mut buf = vec![0u8; 64 * 1024];
        let mut total: u64 = 0;
        loop {
            match dec.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => total += n as u64,
                Err(e) => {
                    return Err(VerifyFileError::Gzip {
                        name,
                        reason: e.to_string(),
                    });
                }
            }
        }
        checked.push(format!(
            "gzip stream intact ({} uncompressed)",
            crate::text::human_bytes(total)
        ));
    }
    if checked.is_empty() {
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.len() == 0 {
            return Err(VerifyFileError::Empty { name });
        }
        std::fs::File::open(path)
            .and_then(|mut f| std::io::copy(&mut f, &mut std::io::sink()))
            .map_err(|e| VerifyFileError::Unreadable {
                name: name.clone(),
                reason: e.to_string(),
            })?;
        checked.push(format!(
            "readable, {} (no checksum sidecar or known compression to check)",
            crate::text::human_bytes(meta.len())
        ));
    }
    Ok(format!("{name}: {}", checked.join("; ")))
}

fn short(hex: &str) -> &str {
    &hex[..hex.len().min(12)]
}

fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn times_come_from_recognised_name_formats() {
        assert_eq!(
            time_from_name("app_20260131_143000.sql.gz", None),
            Some(ts("2026-01-31T14:30:00Z"))
        );
        assert_eq!(
            time_from_name("shop-2026-01-31T14-30-05.dump", None),
            Some(ts("2026-01-31T14:30:05Z"))
        );
        assert_eq!(time_from_name("latest.sql.gz", None), None);
        // Not a real date: falls back (to mtime) rather than inventing one.
        assert_eq!(time_from_name("app_20261399_999999.sql.gz", None), None);
        assert_eq!(
            time_from_name("db.31-01-2026.1430.tar", Some("%d-%m-%Y.%H%M")),
            Some(ts("2026-01-31T14:30:00Z"))
        );
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn scan_lists_matching_files_with_times_sizes_and_mtime_fallback() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app_20260131_143000.sql.gz"), gz(b"x")).unwrap();
        std::fs::write(dir.path().join("app_20260131_143000.sql.gz.sha256"), "ab").unwrap();
        std::fs::write(dir.path().join("latest.sql.gz"), gz(b"y")).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "z").unwrap();
        std::fs::write(dir.path().join("app_20260131_141500.sql.gz"), "").unwrap();
        let mut pts = scan(dir.path(), "*.sql.gz", None).unwrap();
        pts.sort_by(|a, b| a.id.cmp(&b.id));
        let ids: Vec<&str> = pts.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "app_20260131_141500.sql.gz",
                "app_20260131_143000.sql.gz",
                "latest.sql.gz"
            ]
        );
        assert!(!pts[0].ok, "empty dump is not a good point");
        assert_eq!(pts[1].time, ts("2026-01-31T14:30:00Z"));
        assert!(pts[1].size.unwrap() > 0);
        // mtime: written just now.
        assert!((Timestamp::now() - pts[2].time).get_seconds().abs() < 60);
        let e = scan(&dir.path().join("nope"), "*", None).unwrap_err();
        assert!(
            matches!(&e, ScanError::ReadDir { dir: d, kind: std::io::ErrorKind::NotFound, .. } if d.ends_with("nope")),
            "{e:?}"
        );
        assert!(e.to_string().contains("nope"), "{e}");
        assert!(matches!(
            scan(dir.path(), "[", None),
            Err(ScanError::Pattern { .. })
        ));
    }

    #[test]
    fn verification_catches_truncated_gzip_and_checksum_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("app_20260131_143000.sql.gz");
        let body = gz(&vec![b'a'; 100_000]);
        std::fs::write(&good, &body).unwrap();
        assert!(verify_file(&good).unwrap().contains("gzip stream intact"));

        let cut = dir.path().join("app_20260131_141500.sql.gz");
        std::fs::write(&cut, &body[..body.len() / 2]).unwrap();
        let err = verify_file(&cut).unwrap_err();
        assert!(
            matches!(&err, VerifyFileError::Gzip { name, .. } if name == "app_20260131_141500.sql.gz"),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("app_20260131_141500.sql.gz: gzip integrity check failed: "),
            "{err}"
        );

        let digest = sha256_file(&good).unwrap();
        std::fs::write(
            dir.path().join("app_20260131_143000.sql.gz.sha256"),
            format!("{digest}  x\n"),
        )
        .unwrap();
        assert!(verify_file(&good).unwrap().contains("sha256 matches"));
        std::fs::write(
            dir.path().join("app_20260131_143000.sql.gz.sha256"),
            "00ff  x\n",
        )
        .unwrap();
        let err = verify_file(&good).unwrap_err();
        assert!(
            matches!(&err, VerifyFileError::Mismatch { want, .. } if want == "00ff"),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("checksum mismatch (sidecar 00ff, file ")
        );
    }
}
