//! `warroom port-forward`: the real binary against kmock, whose test server
//! serves the pods' `portforward` subresource as the kubelet's WebSocket
//! port-forward (v4.channel.k8s.io, data and error channel per port, the
//! port prefix on each channel's first frame), connecting to a REAL local
//! TCP echo server (tests/support/kmock_server.py).

use crate::exec::warroom;
use crate::fixtures;
use crate::headless::audit;
use crate::kmock::Kmock;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// A TCP echo server on 127.0.0.1 (one thread per connection); its port.
fn echo_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for sock in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut r = sock.try_clone().unwrap();
                let mut w = sock;
                let _ = std::io::copy(&mut r, &mut w);
            });
        }
    });
    port
}

fn api_pod(name: &str, ready: bool, ready_since: &str) -> Value {
    let mut p = fixtures::pod("shop", name, None, fixtures::running());
    p["spec"]["containers"][0]["ports"] = json!([{"name": "http", "containerPort": 8080}]);
    p["status"]["conditions"] = json!([{"type": "Ready", "status": if ready {"True"} else {"False"},
        "lastTransitionTime": ready_since}]);
    p
}

fn estate(pods: Vec<Value>) -> Value {
    let mut all = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "shop"},
            "spec": {"selector": {"app": "api"},
                     "ports": [{"name": "web", "port": 80, "targetPort": "http"}]}}),
    ];
    all.extend(pods);
    Value::Array(all)
}

/// A running `warroom port-forward`, its stdout and stderr read line by line.
struct Forward {
    child: Child,
    lines: mpsc::Receiver<String>,
    errs: mpsc::Receiver<String>,
}

impl Forward {
    fn start(k: &Kmock, data: &Path, args: &[&str]) -> Self {
        let mut child = warroom(k, data)
            .arg("port-forward")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = lines_of(child.stdout.take().unwrap());
        let errs = lines_of(child.stderr.take().unwrap());
        Self { child, lines, errs }
    }

    fn line(&self) -> String {
        self.lines.recv_timeout(WAIT).expect("a line on stdout")
    }

    fn err_line(&self) -> String {
        self.errs.recv_timeout(WAIT).expect("a line on stderr")
    }

    /// The local port of the first `Forwarding from 127.0.0.1:PORT -> REMOTE`.
    fn listening(&self, remote: u16) -> u16 {
        let line = self.line();
        let rest = line
            .strip_prefix("Forwarding from 127.0.0.1:")
            .unwrap_or_else(|| panic!("{line:?}"));
        let (port, to) = rest.split_once(" -> ").unwrap();
        assert_eq!(to, remote.to_string(), "{line}");
        port.parse().unwrap()
    }

    /// SIGTERM, as a supervisor or ctrl-c ends it; the exit code.
    fn interrupt(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.child.wait().unwrap().code()
    }
}

fn lines_of(r: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Send `payload` through 127.0.0.1:`port` and read the same length back.
fn round_trip(port: u16, payload: &[u8]) -> Vec<u8> {
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(WAIT)).unwrap();
    let mut w = sock.try_clone().unwrap();
    let out = payload.to_vec();
    let writer = std::thread::spawn(move || w.write_all(&out).unwrap());
    let mut back = vec![0u8; payload.len()];
    sock.read_exact(&mut back).unwrap();
    writer.join().unwrap();
    back
}

/// Wait until the forward watches pod `name` (a watch request selecting it).
fn watching(k: &Kmock, name: &str) {
    let selector = format!("fieldSelector=metadata.name%3D{name}");
    let start = std::time::Instant::now();
    while !k.requests().iter().any(|r| {
        let q = r["query"].as_str().unwrap_or("");
        q.contains("watch=true") && q.contains(&selector)
    }) {
        assert!(
            start.elapsed() < WAIT,
            "the forward never watched pod {name}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn payload(len: usize) -> Vec<u8> {
    // Every byte value, in an order that exposes a dropped or reordered frame.
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

#[test]
fn a_service_forward_carries_a_megabyte_intact_to_its_ready_pod_and_is_audited() {
    let k = Kmock::start(&estate(vec![
        api_pod("api-unready", false, "2026-03-14T01:00:00Z"),
        api_pod("api-ready", true, "2026-03-14T01:00:10Z"),
    ]));
    let data = tempfile::tempdir().unwrap();
    k.forward_port("shop", "api-ready", 8080, echo_server());
    let f = Forward::start(&k, data.path(), &["svc/api", "-n", "shop", "0:web"]);
    // Service port `web` (80) → target port `http` → the pod's 8080.
    let port = f.listening(8080);
    assert_ne!(port, 0);

    let sent = payload(1 << 20);
    let back = round_trip(port, &sent);
    assert!(back == sent, "the megabyte came back changed");
    assert_eq!(f.line(), format!("Handling connection for {port}"));

    let forwards = k.portforwards();
    let upgraded: Vec<&Value> = forwards.iter().filter(|r| r["upgraded"] == true).collect();
    assert_eq!(upgraded.len(), 1, "{forwards:?}");
    assert_eq!(
        upgraded[0]["pod"], "api-ready",
        "the ready pod, not the other"
    );
    assert_eq!(upgraded[0]["ports"], json!([8080]));

    assert_eq!(f.interrupt(), Some(0), "interrupted is a normal end");
    let entries: Vec<Value> = audit(data.path())
        .into_iter()
        .filter(|e| e["action"] == "port-forward")
        .collect();
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["result"], "started");
    assert_eq!(entries[0]["target"], "service/api");
    assert_eq!(entries[0]["preview"], ":web");
    let msg = entries[0]["message"].as_str().unwrap();
    assert_eq!(
        msg,
        format!("forwarding 127.0.0.1:{port} -> api-ready:8080")
    );
    assert_eq!(entries[1]["result"], "ok");
    assert!(entries[1]["started"].is_string(), "{:?}", entries[1]);
    assert_eq!(
        entries[1]["message"],
        "stopped: 1 connection, 1.0 MiB in, 1.0 MiB out, 0 errors"
    );
}

#[test]
fn when_the_pod_behind_a_service_goes_away_the_forward_moves_to_another_at_once() {
    let k = Kmock::start(&estate(vec![
        api_pod("api-old", true, "2026-03-14T01:00:00Z"),
        api_pod("api-new", true, "2026-03-14T02:00:00Z"),
    ]));
    let data = tempfile::tempdir().unwrap();
    k.forward_port("shop", "api-old", 8080, echo_server());
    k.forward_port("shop", "api-new", 8080, echo_server());
    let f = Forward::start(&k, data.path(), &["svc/api", "-n", "shop", "0:80"]);
    let port = f.listening(8080);
    assert_eq!(round_trip(port, b"first"), b"first");

    // The pod is watched: its going is said before any connection tries it.
    // (kmock, unlike an API server, does not replay what a watch missed
    // between its list and its start: delete once the watch is on.)
    watching(&k, "api-old");
    k.delete("/api/v1/namespaces/shop/pods/api-old");
    assert_eq!(f.err_line(), "pod api-old is gone: forwarding to api-new");
    assert_eq!(round_trip(port, b"second"), b"second");
    let pods: Vec<Value> = k.portforwards().iter().map(|r| r["pod"].clone()).collect();
    assert_eq!(
        pods,
        [json!("api-old"), json!("api-new")],
        "no connection was first sent to the pod that went"
    );
    assert_eq!(f.interrupt(), Some(0));
}

#[test]
fn a_refused_port_or_a_severed_connection_fails_one_connection_not_the_forward() {
    let k = Kmock::start(&estate(vec![api_pod(
        "api-1",
        true,
        "2026-03-14T01:00:00Z",
    )]));
    let data = tempfile::tempdir().unwrap();
    let f = Forward::start(&k, data.path(), &["pod/api-1", "-n", "shop", "0:http"]);
    let port = f.listening(8080);

    // Nothing listens in the pod: the kubelet's refusal arrives on the
    // port's error channel and ends that one connection.
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(WAIT)).unwrap();
    let mut buf = [0u8; 16];
    assert!(matches!(sock.read(&mut buf), Ok(0)), "closed, nothing read");
    let err = f.err_line();
    assert!(
        err.starts_with(
            "error: the pod's side of port 8080: error forwarding port 8080 to pod api-1"
        ),
        "{err}"
    );

    // Now it listens; a session the server drops mid-way ends that
    // connection, and the next one works.
    k.forward_port("shop", "api-1", 8080, echo_server());
    let mut sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(WAIT)).unwrap();
    sock.write_all(b"hello").unwrap();
    let mut back = [0u8; 5];
    sock.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"hello");
    assert_eq!(k.sever(), 1);
    assert_eq!(
        sock.read(&mut buf).unwrap_or(0),
        0,
        "the severed connection ends"
    );
    assert_eq!(round_trip(port, b"again"), b"again");
    assert_eq!(f.interrupt(), Some(0));
    let end = audit(data.path()).pop().unwrap();
    let msg = end["message"].as_str().unwrap();
    assert!(
        msg.starts_with("stopped: 3 connections,") && msg.ends_with("1 error"),
        "{msg}"
    );
}

#[test]
fn a_pod_forward_ends_when_its_pod_is_gone_and_audits_what_it_carried() {
    let k = Kmock::start(&estate(vec![api_pod(
        "api-1",
        true,
        "2026-03-14T01:00:00Z",
    )]));
    let data = tempfile::tempdir().unwrap();
    k.forward_port("shop", "api-1", 8080, echo_server());
    let mut f = Forward::start(&k, data.path(), &["pod/api-1", "-n", "shop", "0:8080"]);
    let port = f.listening(8080);
    assert_eq!(round_trip(port, b"hello"), b"hello");
    // No connection is needed to find out: the watch sees the pod go.
    watching(&k, "api-1");
    k.delete("/api/v1/namespaces/shop/pods/api-1");
    let status = f.child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    let errs: Vec<String> = f.errs.try_iter().collect();
    assert!(
        errs.iter()
            .any(|l| l == "error: lost connection to pod shop/api-1: it was deleted"),
        "{errs:?}"
    );
    let end = audit(data.path()).pop().unwrap();
    assert_eq!(end["result"], "error");
    let msg = end["message"].as_str().unwrap();
    assert!(
        msg.ends_with("; 1 connection, 5 B in, 5 B out, 0 errors"),
        "what it carried until the pod went: {msg}"
    );
}

#[test]
fn a_refused_permission_or_read_only_forwards_nothing_and_says_why() {
    let k = Kmock::start(&estate(vec![api_pod(
        "api-1",
        true,
        "2026-03-14T01:00:00Z",
    )]));
    let data = tempfile::tempdir().unwrap();
    k.deny_sub(
        "create",
        "pods",
        "portforward",
        Some("shop"),
        "RBAC: no portforward for on-call",
    );
    let out = warroom(&k, data.path())
        .args(["port-forward", "pod/api-1", "-n", "shop", "8080"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("you may not create pods/portforward in namespace shop: RBAC: no portforward for on-call"),
        "{err}"
    );
    assert!(
        err.contains("kubectl auth can-i create pods/portforward"),
        "{err}"
    );
    let out = warroom(&k, data.path())
        .args([
            "--read-only",
            "port-forward",
            "pod/api-1",
            "-n",
            "shop",
            "8080",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only mode"));
    assert!(k.portforwards().is_empty(), "nothing reached the pod");
    let results: Vec<Value> = audit(data.path())
        .iter()
        .map(|e| e["result"].clone())
        .collect();
    assert_eq!(results, [json!("refused"), json!("refused")]);
}

#[test]
fn bad_ports_and_targets_are_refused_before_connecting() {
    let k = Kmock::start(&estate(vec![api_pod(
        "api-1",
        true,
        "2026-03-14T01:00:00Z",
    )]));
    let data = tempfile::tempdir().unwrap();
    let out = warroom(&k, data.path())
        .args(["port-forward", "svc/api", "-n", "shop", "8443"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("service/api has no service port 8443 (it has: 80/web)"),
        "{err}"
    );
    let out = warroom(&k, data.path())
        .args(["port-forward", "ingress/api", "8080"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a usage error, as clap reports it"
    );
}

/// The console's side: the pane asks the live worker for a forward, the
/// list follows it (listening, the pod, bytes), and stopping it ends it
/// with both audit entries written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_forward_runs_in_the_worker_and_the_list_follows_it() {
    use warroom::workloads::portforward::{ForwardEvent, ForwardRequest, ForwardTarget, PortSpec};
    use warroom::workloads::{Command, ForwardChange};
    let k = Kmock::start(&estate(vec![api_pod(
        "api-1",
        true,
        "2026-03-14T01:00:00Z",
    )]));
    k.forward_port("shop", "api-1", 8080, echo_server());
    let mut r = crate::support::Running::start(&k, &["shop"]);
    r.connected().await;
    let request = ForwardRequest {
        namespace: "shop".into(),
        target: ForwardTarget::parse("svc/api").unwrap(),
        ports: PortSpec::parse_list("0:web").unwrap(),
        addresses: Vec::new(),
    };
    r.commands
        .send(Command::PortForward { id: 7, request })
        .unwrap();
    r.until("listening", 20, |r| {
        r.forwards
            .iter()
            .any(|(_, c)| matches!(c, ForwardChange::Event(ForwardEvent::Listening { .. })))
    })
    .await;
    let Some((7, ForwardChange::Event(ForwardEvent::Listening { pod, listeners }))) =
        r.forwards.last().cloned()
    else {
        panic!("{:?}", r.forwards)
    };
    assert_eq!(pod, "api-1");
    let port = listeners[0].addr.port();
    let sent = payload(256 * 1024);
    let back = tokio::task::spawn_blocking(move || round_trip(port, &sent))
        .await
        .unwrap();
    assert_eq!(back.len(), 256 * 1024);
    r.until("the bytes counted", 20, |r| {
        r.forwards.iter().any(|(_, c)| {
            matches!(c, ForwardChange::Event(ForwardEvent::Stats(s)) if s.bytes_in == 256 * 1024 && s.bytes_out == 256 * 1024)
        })
    })
    .await;
    r.commands.send(Command::StopForward(7)).unwrap();
    r.until("ended", 20, |r| {
        r.forwards
            .iter()
            .any(|(_, c)| *c == ForwardChange::Ended(None))
    })
    .await;
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no longer listening"
    );
    let audit = audit(r.audit_dir.path());
    let results: Vec<&Value> = audit.iter().map(|e| &e["result"]).collect();
    assert_eq!(results, [&json!("started"), &json!("ok")], "{audit:?}");
    assert_eq!(audit[0]["origin"], "tui");
    assert!(
        audit[1]["message"]
            .as_str()
            .unwrap()
            .contains("256.0 KiB in, 256.0 KiB out")
    );
}
