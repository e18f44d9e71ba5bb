//! A kmock Kubernetes API emulator for integration tests: real HTTP, real
//! kube-rs clients, no cluster.
//!
//! Use it from any integration-test crate with
//! `#[path = "../support/kmock.rs"] mod kmock;` — it depends only on `std`,
//! `serde_json` and `tempfile`. The server is `kmock_server.py` beside this
//! file (read its docstring for the control endpoints), run by the Python in
//! the venv that `.ci/setup.d/workloads.sh` creates at `/opt/warroom-venv`
//! (override with `WARROOM_KMOCK_PYTHON`).
//!
//! ```ignore
//! let k = Kmock::start(&serde_json::json!([pod("shop", "web-1")]));
//! std::env::set_var("KUBECONFIG", k.kubeconfig());   // or build a kube::Config from it
//! k.fail_next("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web", 403, 1, "denied");
//! let dep = k.get("/apis/apps/v1/namespaces/shop/deployments/web").unwrap();
//! k.stop();  k.restart();   // same port, same objects
//! ```
//! The emulator's limits (from kmock itself): label selectors are ignored,
//! every PATCH is a JSON merge patch, no controllers run (nothing creates
//! pods for a deployment), `resourceVersion` never changes, and a watch
//! replays every stored object as ADDED before streaming changes.
//! If the emulator cannot start, `start` panics saying what is missing —
//! a test that needs it must fail, never pass silently.
#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The bearer token written into the kubeconfig (kmock accepts any).
pub const TOKEN: &str = "kmock-test-token";
/// The kubeconfig's context name.
pub const CONTEXT: &str = "kmock";

/// A running emulator; stopped (and its temp dir removed) on drop.
pub struct Kmock {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    python: PathBuf,
}

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("WARROOM_KMOCK_PYTHON") {
        return PathBuf::from(p);
    }
    PathBuf::from("/opt/warroom-venv/bin/python")
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/kmock_server.py")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

impl Kmock {
    /// Start an emulator holding `objects` (a JSON array of Kubernetes objects).
    pub fn start(objects: &Value) -> Self {
        let dir = tempfile::tempdir().expect("temp dir for kmock");
        let python = python();
        assert!(
            python.exists(),
            "kmock emulator cannot start: {} is missing — run `.ci/setup.d/workloads.sh` \
             (creates /opt/warroom-venv with `pip install kmock`) or set WARROOM_KMOCK_PYTHON",
            python.display()
        );
        std::fs::write(dir.path().join("objects.json"), objects.to_string()).unwrap();
        let mut k = Self {
            child: None,
            port: free_port(),
            dir,
            python,
        };
        k.spawn();
        k.write_kubeconfig(None);
        k
    }

    fn spawn(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mut child = Command::new(&self.python)
                .arg(script())
                .arg("--port")
                .arg(self.port.to_string())
                .arg("--objects")
                .arg(self.dir.path().join("objects.json"))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::from(
                    std::fs::File::create(self.dir.path().join("server.log")).unwrap(),
                ))
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "kmock emulator cannot start: {}: {e}",
                        self.python.display()
                    )
                });
            let mut line = String::new();
            let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
            if line.starts_with("READY") {
                self.child = Some(child);
                return;
            }
            let _ = child.kill();
            let _ = child.wait();
            // The port may still be held by the previous instance for a moment.
            if Instant::now() > deadline {
                panic!(
                    "kmock emulator did not start on port {}: {}",
                    self.port,
                    std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A kubeconfig (context [`CONTEXT`], token [`TOKEN`]) pointing at the emulator.
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// Rewrite the kubeconfig with `namespace` as the context's default namespace.
    pub fn write_kubeconfig(&self, namespace: Option<&str>) {
        let ns = namespace
            .map(|n| format!("    namespace: {n}\n"))
            .unwrap_or_default();
        let text = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: {CONTEXT}\nclusters:\n- name: kmock\n  cluster:\n    server: {}\ncontexts:\n- name: {CONTEXT}\n  context:\n    cluster: kmock\n    user: tester\n{ns}users:\n- name: tester\n  user:\n    token: {TOKEN}\n",
            self.url()
        );
        std::fs::write(self.kubeconfig(), text).unwrap();
    }

    /// One HTTP request; returns the status and the body parsed as JSON (or
    /// `Value::String` of the raw body when it is not JSON).
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        http(self.port, method, path, body).unwrap_or_else(|e| panic!("kmock {method} {path}: {e}"))
    }

    /// GET an object back (`None` when the emulator answers 404).
    pub fn get(&self, path: &str) -> Option<Value> {
        match self.request("GET", path, None) {
            (200, v) => Some(v),
            (404, _) => None,
            (s, v) => panic!("GET {path}: HTTP {s}: {v}"),
        }
    }

    /// Create an object through the API (a watch sees ADDED).
    pub fn create(&self, collection_path: &str, obj: &Value) -> Value {
        match self.request("POST", collection_path, Some(obj)) {
            (200 | 201, v) => v,
            (s, v) => panic!("POST {collection_path}: HTTP {s}: {v}"),
        }
    }

    /// Merge-patch an object through the API (a watch sees MODIFIED).
    pub fn patch(&self, path: &str, patch: &Value) -> Value {
        match self.request("PATCH", path, Some(patch)) {
            (200, v) => v,
            (s, v) => panic!("PATCH {path}: HTTP {s}: {v}"),
        }
    }

    /// Delete an object through the API (a watch sees DELETED).
    pub fn delete(&self, path: &str) {
        match self.request("DELETE", path, None) {
            (200 | 202, _) => {}
            (s, v) => panic!("DELETE {path}: HTTP {s}: {v}"),
        }
    }

    /// The next `count` `method` requests to exactly `path` answer a
    /// Kubernetes `Status` with `status` and `message`, changing nothing.
    pub fn fail_next(&self, method: &str, path: &str, status: u16, count: u32, message: &str) {
        self.control(
            "fail",
            serde_json::json!({"method": method, "path": path, "status": status, "count": count, "message": message}),
        );
    }

    /// As [`Kmock::fail_next`], only for requests whose query string
    /// contains `query` (`watch=true`: the watches, not the lists).
    pub fn fail_next_query(&self, path: &str, query: &str, status: u16, count: u32, message: &str) {
        self.control(
            "fail",
            serde_json::json!({"method": "GET", "path": path, "query": query, "status": status, "count": count, "message": message}),
        );
    }

    /// SelfSubjectAccessReviews for `verb` on `resource` (in `namespace`, or
    /// any) answer `allowed: false` with `reason`. Others are allowed.
    pub fn deny(&self, verb: &str, resource: &str, namespace: Option<&str>, reason: &str) {
        self.control(
            "ssar",
            serde_json::json!({"verb": verb, "resource": resource, "namespace": namespace, "allowed": false, "reason": reason}),
        );
    }

    /// What `GET /api/v1/namespaces/NS/pods/POD/log` answers.
    pub fn set_logs(
        &self,
        ns: &str,
        pod: &str,
        container: Option<&str>,
        previous: bool,
        text: &str,
    ) {
        self.control(
            "logs",
            serde_json::json!({"namespace": ns, "pod": pod, "container": container, "previous": previous, "text": text}),
        );
    }

    /// `{"method", "path"}` of every Kubernetes API request so far.
    pub fn requests(&self) -> Vec<Value> {
        match self.request("GET", "/__kmock__/requests", None) {
            (200, Value::Array(v)) => v,
            (s, v) => panic!("kmock requests: HTTP {s}: {v}"),
        }
    }

    /// Every request that reached a pod's `exec` subresource: `namespace`,
    /// `pod`, `container`, `command`, `stdin`, `tty`, and `started` (a local
    /// process ran).
    pub fn execs(&self) -> Vec<Value> {
        match self.request("GET", "/__kmock__/execs", None) {
            (200, Value::Array(v)) => v,
            (s, v) => panic!("kmock execs: HTTP {s}: {v}"),
        }
    }

    /// Every exec resize frame received: `namespace`, `pod`, `Width`, `Height`.
    pub fn exec_resizes(&self) -> Vec<Value> {
        match self.request("GET", "/__kmock__/exec-resizes", None) {
            (200, Value::Array(v)) => v,
            (s, v) => panic!("kmock exec-resizes: HTTP {s}: {v}"),
        }
    }

    /// SelfSubjectAccessReviews for `verb` on `resource`/`subresource` (in
    /// `namespace`, or any) answer `allowed: false` with `reason`.
    pub fn deny_sub(
        &self,
        verb: &str,
        resource: &str,
        subresource: &str,
        namespace: Option<&str>,
        reason: &str,
    ) {
        self.control(
            "ssar",
            serde_json::json!({"verb": verb, "resource": resource, "subresource": subresource,
                "namespace": namespace, "allowed": false, "reason": reason}),
        );
    }

    /// The pod's `port` is the real local TCP server on 127.0.0.1:`to`
    /// (what the port-forward subresource connects to).
    pub fn forward_port(&self, namespace: &str, pod: &str, port: u16, to: u16) {
        self.control(
            "portforward",
            serde_json::json!({"namespace": namespace, "pod": pod, "port": port, "to": to}),
        );
    }

    /// Every request that reached a pod's `portforward` subresource:
    /// `namespace`, `pod`, `ports`, `upgraded`.
    pub fn portforwards(&self) -> Vec<Value> {
        match self.request("GET", "/__kmock__/portforwards", None) {
            (200, Value::Array(v)) => v,
            (s, v) => panic!("kmock portforwards: HTTP {s}: {v}"),
        }
    }

    /// Drop every open exec and port-forward WebSocket at once (no close
    /// frame, no Status); returns how many there were.
    pub fn sever(&self) -> u64 {
        let (s, v) = self.request("POST", "/__kmock__/sever", Some(&serde_json::json!({})));
        assert_eq!(s, 200, "kmock sever: {v}");
        v["severed"].as_u64().unwrap_or(0)
    }

    fn control(&self, what: &str, body: Value) {
        let (s, v) = self.request("POST", &format!("/__kmock__/{what}"), Some(&body));
        assert_eq!(s, 200, "kmock control {what}: {v}");
    }

    /// Stop the server (connections are refused until [`restart`]). The
    /// stored objects are kept for the restart; injected failures, SSAR rules
    /// and logs are not.
    pub fn stop(&mut self) {
        if self.child.is_none() {
            return;
        }
        if let Ok((200, objs)) = http(self.port, "GET", "/__kmock__/dump", None) {
            std::fs::write(self.dir.path().join("objects.json"), objs.to_string()).unwrap();
        }
        self.kill();
    }

    /// Start again on the same port with the objects held when stopped.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Kmock {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A minimal HTTP/1.1 client (`Connection: close`), so the harness needs no
/// HTTP crate and works from sync and async tests alike.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<(u16, Value), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let ctype = if method == "PATCH" {
        "application/merge-patch+json"
    } else {
        "application/json"
    };
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, rest) = text.split_once("\r\n\r\n").ok_or("no HTTP header end")?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line: {head}"))?;
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let payload = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    let value = serde_json::from_str(&payload).unwrap_or(Value::String(payload));
    Ok((status, value))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}
