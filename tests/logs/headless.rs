//! `warroom logs` end to end: the binary against a wiremock Loki.

use crate::fake_loki::{self, Entry};
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const T0: i128 = 1_769_869_800_000_000_000;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new(loki_url: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            format!("[loki]\nurl = \"{loki_url}\"\n[kubernetes]\nenabled = false\n[docker]\nenabled = false\n"),
        )
        .unwrap();
        Self { dir }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_warroom"))
            .arg("logs")
            .args(args)
            .env("WARROOM_CONFIG", self.dir.path().join("config.toml"))
            .env("WARROOM_DATA_DIR", self.dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }
}

fn e(ts: i128, line: String) -> Entry {
    fake_loki::entry("api", ts, &line)
}

/// No ESC, BEL or C1 control anywhere in the output.
fn assert_terminal_safe(out: &[u8]) {
    let text = String::from_utf8(out.to_vec()).expect("utf-8 output");
    for (i, c) in text.chars().enumerate() {
        assert!(
            c != '\u{1b}' && c != '\u{7}' && !('\u{80}'..='\u{9f}').contains(&c),
            "control {c:?} at char {i}"
        );
    }
}

const EVIL: &str = "user=\u{1b}]0;pwned\u{7}bob \u{1b}]52;c;Y3VybCBldmlsfHNo\u{1b}\\ \u{1b}[31mRED\u{1b}[0m \u{9b}2J csi8 \u{85}nel bell\u{7} done";

#[tokio::test]
async fn output_is_sanitised_keeps_the_text_and_pages_in_batches() {
    let mut entries: Vec<Entry> = (0..2500)
        .map(|i| e(T0 + i as i128 * 1_000_000, format!("line {i}")))
        .collect();
    entries.push(e(T0 + 5_000_000_000, EVIL.to_string()));
    let (server, qr) = fake_loki::start(entries).await;
    let env = Env::new(&server.uri());
    let from = "2026-01-31T14:30:00Z";
    let to = "2026-01-31T14:31:00Z";
    let out = env.run(&[
        r#"{app="api"}"#,
        "--from",
        from,
        "--to",
        to,
        "--limit",
        "2200",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_terminal_safe(&out.stdout);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2200, "the limit is honoured across batches");
    let first = lines[0];
    assert!(
        first.starts_with("2026-01-31T14:30:05.000Z {app=\"api\", level=\"info\"} user=bob"),
        "{first}"
    );
    assert!(
        first.contains("RED") && first.contains("done") && first.contains("csi8"),
        "{first}"
    );
    let unique: std::collections::HashSet<&&str> = lines.iter().collect();
    assert_eq!(unique.len(), lines.len(), "no duplicates across pages");
    assert!(
        qr.seen.lock().unwrap().len() >= 3,
        "batches of at most 1000"
    );
    assert!(
        qr.seen
            .lock()
            .unwrap()
            .iter()
            .all(|(_, _, limit, _)| *limit <= 1000)
    );
    // Raw and jsonl are terminal-safe too; jsonl keeps the raw text, escaped.
    let out = env.run(&[
        r#"{app="api"}"#,
        "--from",
        from,
        "--to",
        to,
        "--limit",
        "1",
        "--output",
        "raw",
    ]);
    assert_terminal_safe(&out.stdout);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("user=bob "));
    let out = env.run(&[
        r#"{app="api"}"#,
        "--from",
        from,
        "--to",
        to,
        "--limit",
        "1",
        "--output",
        "jsonl",
    ]);
    assert_terminal_safe(&out.stdout);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["line"], EVIL, "jsonl round-trips the original line");
    assert_eq!(v["labels"]["app"], "api");
    assert_eq!(v["ts_ns"], (T0 + 5_000_000_000).to_string());
}

#[tokio::test]
async fn forward_prints_oldest_first() {
    let entries: Vec<Entry> = (0..5)
        .map(|i| e(T0 + i as i128, format!("line {i}")))
        .collect();
    let (server, _) = fake_loki::start(entries).await;
    let env = Env::new(&server.uri());
    let out = env.run(&[
        "{app=\"api\"}",
        "--from",
        "2026-01-31T14:00:00Z",
        "--forward",
        "--output",
        "raw",
    ]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "line 0\nline 1\nline 2\nline 3\nline 4\n"
    );
}

#[tokio::test]
async fn long_lines_print_whole_and_a_10mb_line_does_not_hang() {
    let long = format!("start {} end", "a".repeat(20_000));
    let huge = format!("{}\u{1b}[2J tail", "b".repeat(10 * 1024 * 1024));
    let (server, _) = fake_loki::start(vec![e(T0, long.clone()), e(T0 + 1, huge)]).await;
    let env = Env::new(&server.uri());
    let started = Instant::now();
    let out = env.run(&[
        "{app=\"api\"}",
        "--from",
        "2026-01-31T14:00:00Z",
        "--output",
        "raw",
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_terminal_safe(&out.stdout);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].ends_with(" tail") && lines[0].len() > 10 * 1024 * 1024);
    assert_eq!(lines[1], long, "a 20 kB line is printed whole");
}

#[tokio::test]
async fn a_bad_query_exits_non_zero_with_lokis_words() {
    let server = MockServer::start().await;
    let msg = "parse error at line 1, col 1: syntax error: unexpected IDENTIFIER";
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/query_range"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("content-type", "text/plain")
                .set_body_string(msg),
        )
        .mount(&server)
        .await;
    let env = Env::new(&server.uri());
    let out = env.run(&["app=api"]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(msg), "{err}");
    assert!(err.contains("fix the LogQL syntax"), "{err}");
}

#[test]
fn not_configured_and_bad_sources_say_how_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "[general]\nsource_timeout = \"2s\"\n[kubernetes]\nenabled = false\n[docker]\nenabled = false\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_warroom"))
            .arg("logs")
            .args(args)
            .env("WARROOM_CONFIG", dir.path().join("config.toml"))
            .env("WARROOM_DATA_DIR", dir.path())
            .output()
            .unwrap()
    };
    let out = run(&["{app=\"x\"}"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("[loki] url"));
    let out = run(&["--source", "pod:nonamespace"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("pod:NAMESPACE/NAME"));
    let out = run(&["--source", "container:web"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("docker"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_demo_answers_queries_and_parse_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args([
            "logs",
            "--demo",
            r#"{app="postgres"} |= "FATAL""#,
            "--since",
            "1h",
            "--limit",
            "5",
        ])
        .env("WARROOM_DATA_DIR", dir.path())
        .env("WARROOM_CONFIG", dir.path().join("none.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(
        text.lines()
            .all(|l| l.contains("FATAL") && l.contains("app=\"postgres\""))
    );
}
