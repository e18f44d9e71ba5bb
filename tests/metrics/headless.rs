//! `warroom metrics` as a user runs it: against the real Prometheus, and in
//! the demo.

use super::{eventually, prometheus};
use std::process::{Command, Output};

fn run(prom_url: Option<&str>, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = String::from("[kubernetes]\nenabled = false\n[docker]\nenabled = false\n");
    if let Some(u) = prom_url {
        cfg.push_str(&format!("[[prometheus]]\nname = \"main\"\nurl = \"{u}\"\n"));
    }
    let path = dir.path().join("config.toml");
    std::fs::write(&path, cfg).unwrap();
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .arg("metrics")
        .args(args)
        .env("WARROOM_CONFIG", &path)
        .env("WARROOM_DATA_DIR", dir.path().join("data"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn table_json_and_csv_from_a_real_prometheus() {
    let prom = prometheus();
    let url = prom.url();
    let q = "process_resident_memory_bytes";
    let table = eventually("a few samples of resident memory", 30, || async {
        let o = run(Some(&url), &[q, "--since", "30s", "--step", "1s"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let t = stdout(&o);
        (t.lines().count() == 2).then_some(t)
    })
    .await;
    let line = table.lines().nth(1).unwrap();
    // One series: all its labels, the value in MiB, a sparkline.
    assert!(
        line.starts_with("process_resident_memory_bytes, instance="),
        "{table}"
    );
    assert!(line.contains(" MiB  "), "{table}");
    assert!(line.chars().any(|c| ('▁'..='█').contains(&c)), "{table}");

    let o = run(
        Some(&url),
        &[q, "--since", "30s", "--step", "1s", "-o", "json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["unit"], "bytes");
    assert_eq!(v["step_seconds"], 1);
    let series = v["series"].as_array().unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0]["metric"]["job"], "self");
    let values = series[0]["values"].as_array().unwrap();
    assert!(!values.is_empty() && values[0][1].as_str().unwrap().parse::<f64>().unwrap() > 1e6);

    let csv = eventually("both targets scraped", 30, || async {
        let o = run(
            Some(&url),
            &["up", "--since", "20s", "--step", "5s", "-o", "csv"],
        );
        let csv = stdout(&o);
        csv.contains("dispatch").then_some(csv)
    })
    .await;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("timestamp,value,__name__,instance,job,namespace")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.iter()
            .any(|r| r.contains(",0,up,") && r.ends_with(",dispatch,ridendine")),
        "{csv}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains(",1,up,") && r.ends_with(",self,")),
        "{csv}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_query_exits_1_with_prometheus_error_and_a_bad_flag_2() {
    let prom = prometheus();
    let o = run(Some(&prom.url()), &["sum(rate(up[5m])"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    // Prometheus' words, with the position (2.42: `1:17: parse error: unclosed left parenthesis`).
    assert!(
        e.contains("error: bad_data: ") && e.contains("1:17: parse error"),
        "{e}"
    );
    assert!(e.contains("hint: fix the PromQL query"), "{e}");
    assert!(stdout(&o).is_empty());
    let o = run(Some(&prom.url()), &["up", "--since", "soon"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = run(Some(&prom.url()), &["up", "-o", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn unreachable_or_unconfigured_exits_1_with_the_hint() {
    let port = super::harness::free_port();
    let o = run(Some(&format!("http://127.0.0.1:{port}")), &["up"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("cannot connect") && e.contains("hint: check [[prometheus]] name = \"main\""),
        "{e}"
    );
    let o = run(None, &["up"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no [[prometheus]] is configured"));
    let o = run(None, &["up", "--prometheus", "other"]);
    assert!(stderr(&o).contains("no [[prometheus]] named \"other\""));
}

#[test]
fn the_demo_says_demo_and_draws_series() {
    let o = run(
        None,
        &["--demo", "sum by (service) (rate(http_requests_total[5m]))"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).starts_with("DEMO:"), "{}", stderr(&o));
    let t = stdout(&o);
    assert!(
        t.starts_with("SERIES") && t.contains("service=\"checkout\""),
        "{t}"
    );
    assert_eq!(t.lines().count(), 5);
}
