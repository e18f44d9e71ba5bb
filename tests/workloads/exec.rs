//! `warroom exec pod/NAME`: the real binary against kmock, whose test server
//! serves the pods' `exec` subresource over the Kubernetes channel protocol
//! with a real local process behind it (tests/support/kmock_server.py).

use crate::fixtures;
use crate::headless::audit;
use crate::kmock::Kmock;
use crate::output::{run_with_stdin, text};
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn estate() -> Value {
    let mut multi = fixtures::pod("shop", "api-7d9-x2x9q", None, fixtures::running());
    multi["metadata"]["annotations"] = json!({"kubectl.kubernetes.io/default-container": "api"});
    multi["spec"]["containers"] = json!([
        {"name": "istio-proxy", "image": "istio/proxyv2:1.22.0"},
        {"name": "api", "image": "shop/api:2.3.1"}
    ]);
    json!([
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
        fixtures::pod("shop", "checkout-1", None, fixtures::running()),
        multi,
    ])
}

/// The emulator holding [`estate`], and a data dir for warroom.
fn started() -> (Kmock, tempfile::TempDir) {
    (Kmock::start(&estate()), tempfile::tempdir().unwrap())
}

/// The warroom binary against `k`, its data in `data`, Docker off.
pub(crate) fn warroom(k: &Kmock, data: &Path) -> Command {
    let cfg = data.join("config.toml");
    std::fs::write(&cfg, "[docker]\nenabled = false\n").unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_warroom"));
    c.args(["--config", cfg.to_str().unwrap()])
        .env("KUBECONFIG", k.kubeconfig())
        .env("WARROOM_DATA_DIR", data)
        .env("NO_COLOR", "1");
    c
}

/// `warroom ARGS` with `stdin` piped in (and closed after).
fn exec(k: &Kmock, data: &Path, args: &[&str], stdin: &[u8]) -> Output {
    run_with_stdin(warroom(k, data).args(args), stdin)
}

/// `warroom exec pod/NAME -n shop ARGS…`, no stdin.
fn in_shop(k: &Kmock, data: &Path, pod: &str, args: &[&str]) -> Output {
    let target = format!("pod/{pod}");
    let mut all = vec!["exec", target.as_str(), "-n", "shop"];
    all.extend_from_slice(args);
    exec(k, data, &all, b"")
}

#[test]
fn output_streams_and_exit_code_pass_through_and_the_session_is_audited() {
    let (k, data) = started();
    let script = "echo out; echo err >&2; exit 3";
    let args = [
        "exec",
        "pod/checkout-1",
        "-n",
        "shop",
        "--",
        "sh",
        "-c",
        script,
    ];
    let out = exec(&k, data.path(), &args, b"");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "err\n");

    let execs = k.execs();
    assert_eq!(execs.len(), 1, "{execs:?}");
    assert_eq!(
        execs[0]["container"], "checkout",
        "the only container, named"
    );
    assert_eq!(execs[0]["command"], json!(["sh", "-c", script]));
    assert_eq!(
        (&execs[0]["stdin"], &execs[0]["tty"]),
        (&json!(false), &json!(false))
    );

    let entries = audit(data.path());
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(
        (e["action"].as_str(), e["result"].as_str()),
        (Some("exec"), Some("ok"))
    );
    assert_eq!(e["target"], "pod/checkout-1");
    assert_eq!(e["where"], "kmock/shop");
    assert_eq!(e["origin"], "cli");
    assert_eq!(e["preview"], "sh -c 'echo out; echo err >&2; exit 3'");
    assert_eq!(e["exit_code"], 3);
    assert!(e["started"].is_string(), "{e}");
    let line = std::fs::read_to_string(data.path().join("audit.jsonl")).unwrap();
    assert!(
        !line.contains("out\\n") && !line.contains("err\\n"),
        "no output: {line}"
    );

    // Success is exit 0.
    let out = in_shop(&k, data.path(), "checkout-1", &["--", "true"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn interactive_forwards_stdin_until_eof() {
    let (k, data) = started();
    let input = b"line one\nline two\n";
    let args = ["exec", "pod/checkout-1", "-n", "shop", "-i", "--", "cat"];
    let out = exec(&k, data.path(), &args, input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(out.stdout, input, "cat ended on EOF (the v5 close frame)");
    assert_eq!(k.execs()[0]["stdin"], true);

    // Without -i nothing is forwarded: cat sees EOF at once.
    let args = ["exec", "pod/checkout-1", "-n", "shop", "--", "cat"];
    let out = exec(&k, data.path(), &args, input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
}

#[test]
fn a_denied_review_names_the_permission_and_nothing_runs() {
    let (k, data) = started();
    k.deny_sub(
        "create",
        "pods",
        "exec",
        Some("shop"),
        "no exec for on-call",
    );
    let out = in_shop(&k, data.path(), "checkout-1", &["--", "touch", "/tmp/x"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("you may not create pods/exec in namespace shop: no exec for on-call"),
        "{err}"
    );
    assert!(err.contains("kubectl auth can-i create pods/exec"), "{err}");
    assert!(k.execs().is_empty(), "nothing reached the exec subresource");
    let e = &audit(data.path())[0];
    assert_eq!(
        (e["result"].as_str(), e["target"].as_str()),
        (Some("refused"), Some("pod/checkout-1"))
    );
    assert!(e["started"].is_null(), "{e}");

    // A rule on `create pods` alone does not touch `pods/exec`.
    let k = Kmock::start(&estate());
    k.deny("create", "pods", Some("shop"), "no pod creation");
    let out = in_shop(&k, data.path(), "checkout-1", &["--", "true"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn unknown_pods_and_containers_are_refused_before_anything_runs() {
    let (k, data) = started();
    let out = in_shop(&k, data.path(), "gone", &["--", "true"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("pod shop/gone not found — nothing was run"),
        "{}",
        text(&out)
    );

    let out = in_shop(
        &k,
        data.path(),
        "api-7d9-x2x9q",
        &["-c", "web", "--", "true"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("has no container \"web\" (it has: istio-proxy, api)"),
        "{}",
        text(&out)
    );
    assert!(k.execs().is_empty(), "{:?}", k.execs());
    let entries = audit(data.path());
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert!(
        entries
            .iter()
            .all(|e| e["result"] == "error" && e["started"].is_null())
    );
    assert_eq!(entries[1]["preview"], "-c web -- true");

    // The default container is the annotated one; -c picks another.
    let args = ["exec", "pod/api-7d9-x2x9q", "-n", "shop", "--", "true"];
    assert_eq!(exec(&k, data.path(), &args, b"").status.code(), Some(0));
    let args = [
        "exec",
        "pod/api-7d9-x2x9q",
        "-n",
        "shop",
        "-c",
        "istio-proxy",
        "--",
        "true",
    ];
    assert_eq!(exec(&k, data.path(), &args, b"").status.code(), Some(0));
    let execs = k.execs();
    let used: Vec<&Value> = execs.iter().map(|e| &e["container"]).collect();
    assert_eq!(used, [&json!("api"), &json!("istio-proxy")]);
}

/// With -t on a terminal (a pty from `script`), warroom sends the
/// terminal's size on the resize channel; the server applies it to the
/// command's pty, so `stty size` inside reads it back.
#[test]
fn a_tty_session_sends_the_terminal_size() {
    let (k, data) = started();
    let bin = env!("CARGO_BIN_EXE_warroom");
    let cfg = data.path().join("config.toml");
    std::fs::write(&cfg, "[docker]\nenabled = false\n").unwrap();
    let inner = format!(
        "stty cols 100 rows 30; {} --config {} exec pod/checkout-1 -n shop -t -- sh -c 'stty size'",
        shlex::try_quote(bin).unwrap(),
        shlex::try_quote(cfg.to_str().unwrap()).unwrap(),
    );
    let out = Command::new("script")
        .args(["-qec", &inner, "/dev/null"])
        .env("KUBECONFIG", k.kubeconfig())
        .env("WARROOM_DATA_DIR", data.path())
        .stdin(Stdio::null())
        .output()
        .expect("script(1) from util-linux");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{shown}{}", text(&out));
    let resizes = k.exec_resizes();
    assert!(
        resizes
            .iter()
            .any(|r| r["Width"] == 100 && r["Height"] == 30),
        "{resizes:?} / {shown}"
    );
    assert!(
        shown.contains("30 100"),
        "the remote pty got the size: {shown:?}"
    );
    assert_eq!(k.execs()[0]["tty"], true);
    assert_eq!(audit(data.path())[0]["exit_code"], 0);
}

/// The API server (or the network) drops the session mid-command: warroom
/// says so, exits 1 as kubectl does, and audits it as an error that ran.
#[test]
fn a_session_the_server_drops_ends_with_the_reason_and_is_audited() {
    let (k, data) = started();
    let mut child = warroom(&k, data.path())
        .args([
            "exec",
            "pod/checkout-1",
            "-n",
            "shop",
            "--",
            "sh",
            "-c",
            "echo up; sleep 30",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut out, &mut first).unwrap();
    assert_eq!(first, "up\n", "the command is running");
    let started = std::time::Instant::now();
    assert_eq!(k.sever(), 1, "one session open");
    let status = child.wait().unwrap();
    assert!(
        started.elapsed().as_secs() < 20,
        "it did not wait for the command"
    );
    assert_eq!(status.code(), Some(1));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        err.contains(
            "exec in shop/checkout-1: the connection ended without the command's exit status"
        ),
        "{err}"
    );
    let entry = audit(data.path()).pop().unwrap();
    assert_eq!(entry["result"], "error");
    assert!(entry["started"].is_string(), "it ran: {entry}");
}
