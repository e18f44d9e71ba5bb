//! `warroom report` against the real engine.

use crate::harness::{Scope, docker};
use std::process::Command;
use std::time::Duration;

#[test]
fn report_lists_the_unhealthy_container_with_its_probe_output() {
    let scope = Scope::new("report");
    let sick = scope.name("sick");
    let fine = scope.name("fine");
    scope.healthy("sick", &["--label", "com.docker.compose.service=api"]);
    scope.healthy("fine", &[]);
    scope.wait_inspect(
        &sick,
        "{{.State.Health.Status}}",
        "healthy",
        Duration::from_secs(20),
    );
    scope.wait_inspect(
        &fine,
        "{{.State.Health.Status}}",
        "healthy",
        Duration::from_secs(20),
    );
    docker(&["exec", &sick, "rm", "/tmp/h"]);
    scope.wait_inspect(
        &sick,
        "{{.State.Health.Status}}",
        "unhealthy",
        Duration::from_secs(20),
    );

    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[kubernetes]\nenabled = false\n[general]\nsource_timeout = \"20s\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["report", "--format", "json"])
        .env("WARROOM_CONFIG", &cfg)
        .env("WARROOM_DATA_DIR", dir.path().join("data"))
        .env("DOCKER_HOST", "unix:///var/run/docker.sock")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "problems → exit 1; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let section = &v["containers"];
    assert_eq!(section["status"], "problems", "{section}");
    let problems = section["problems"].as_array().unwrap();
    let p = problems
        .iter()
        .find(|p| p["name"] == sick.as_str())
        .unwrap_or_else(|| panic!("{sick} not in {section}"));
    assert_eq!(p["health"], "unhealthy");
    assert_eq!(p["reason"], "unhealthy");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("/tmp/h"),
        "detail is the probe output: {detail}"
    );
    assert_eq!(p["project"], "wrtest");
    assert!(
        !problems.iter().any(|p| p["name"] == fine.as_str()),
        "healthy containers are not problems"
    );
    assert!(
        section["sources"][0]
            .as_str()
            .unwrap_or("")
            .contains("docker"),
        "{section}"
    );
}
