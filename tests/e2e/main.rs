//! End to end: the real binary in a real terminal (tmux, 80x24).
//!
//! Uses the release binary when it exists (`.ci/test` builds it first), else the
//! test profile's; `WARROOM_E2E_BIN` overrides. Each test runs its own tmux
//! server (`-L`) so tests never see each other's sessions.

#[path = "../support/kmock.rs"]
mod kmock;

mod bell;
mod detach;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("WARROOM_E2E_BIN") {
        return PathBuf::from(p);
    }
    let debug = PathBuf::from(env!("CARGO_BIN_EXE_warroom"));
    // target/<profile>/warroom → target/release/warroom
    let release = debug
        .parent()
        .and_then(Path::parent)
        .map(|t| t.join("release/warroom"));
    match release {
        Some(r) if r.exists() => r,
        _ => debug,
    }
}

struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    /// Start `warroom ARGS` in an 80x24 session; after it exits the wrapper
    /// prints its exit status and the terminal mode, then waits.
    fn start(name: &str, args: &str, config: Option<&str>) -> Self {
        Self::start_with(name, args, config, "")
    }

    /// The same, with `exports` (`KUBECONFIG=…`) in the session's environment.
    fn start_with(name: &str, args: &str, config: Option<&str>, exports: &str) -> Self {
        assert!(
            Command::new("tmux")
                .arg("-V")
                .output()
                .is_ok_and(|o| o.status.success()),
            "tmux is not installed (.ci/run installs it): the end-to-end tests need it"
        );
        let dir = tempfile::tempdir().unwrap();
        let socket = format!("warroom-e2e-{name}-{}", std::process::id());
        let cfg = dir.path().join("config.toml");
        std::fs::write(&cfg, config.unwrap_or("")).unwrap();
        let script = format!(
            "export HOME={home} WARROOM_DATA_DIR={home}/data WARROOM_CONFIG={cfg} TERM=xterm-256color {exports}; \
             {bin} {args}; echo \"WARROOM_EXIT=$?\"; stty -a | tr ' ' '\\n' | grep -x -e '-\\?icanon' -e '-\\?echo'; echo WARROOM_DONE; sleep 60",
            home = dir.path().display(),
            cfg = cfg.display(),
            bin = binary().display(),
        );
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-x",
                "80",
                "-y",
                "24",
                "sh",
                "-c",
                &script,
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux new-session failed");
        Self { socket, dir }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Wait until the screen satisfies `pred`; panic with the screen if not.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(15) {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn warroom_pid(&self) -> Option<String> {
        let shell = self.tmux(&["display", "-p", "#{pane_pid}"]);
        let out = Command::new("pgrep")
            .args(["-P", shell.trim()])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .map(str::to_string)
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn assert_restored(screen: &str, t: &Tmux) {
    assert!(
        screen.contains("WARROOM_EXIT=0"),
        "exit status not 0:\n{screen}"
    );
    assert!(
        screen.lines().any(|l| l.trim() == "icanon"),
        "terminal left in raw mode:\n{screen}"
    );
    assert!(
        screen.lines().any(|l| l.trim() == "echo"),
        "echo left off:\n{screen}"
    );
    assert_eq!(
        t.tmux(&["display", "-p", "#{alternate_on}"]).trim(),
        "0",
        "still in the alternate screen"
    );
    assert_eq!(
        t.tmux(&["display", "-p", "#{cursor_flag}"]).trim(),
        "1",
        "cursor left hidden"
    );
}

#[test]
fn demo_walks_every_pane_opens_help_and_palette_and_quits_cleanly() {
    let t = Tmux::start("walk", "--demo", None);
    let first = t.wait_for("the console", |s| {
        s.contains("Workloads") && s.contains("DEMO")
    });
    assert!(
        first.lines().next().unwrap().contains("Runbook"),
        "all pane names fit at 80 columns:\n{first}"
    );
    let body = |s: &str| s.lines().skip(1).take(21).collect::<Vec<_>>().join("\n");
    let mut seen = vec![body(&first)];
    for (key, pane) in [
        ("2", "Containers"),
        ("3", "Alerts"),
        ("4", "Logs"),
        ("5", "Backups"),
        ("6", "Runbook"),
        ("1", "Workloads"),
    ] {
        t.keys(&[key]);
        let s = t.wait_for(pane, |s| body(s).contains(pane));
        seen.push(body(&s));
    }
    seen.dedup();
    assert!(seen.len() >= 6, "every pane shows its own body");
    t.keys(&["?"]);
    let help = t.wait_for("help overlay", |s| s.contains("Help"));
    assert!(help.contains("workloads (this pane)"), "{help}");
    // A page is the window's height (the shared clamped scroll): the next
    // page reaches the navigation keys, the last the global ones.
    t.keys(&["PageDown"]);
    t.wait_for("help scrolled to the navigation keys", |s| {
        s.contains("navigation")
    });
    // One page at a time, each drawn before the next, until the global keys
    // have been shown (a page may end inside their section: where depends on
    // how many keys come before).
    let mut help = t.screen();
    let mut shown = help.clone();
    for _ in 0..8 {
        if shown.contains("quit") && shown.contains("palette") {
            break;
        }
        let before = help.clone();
        t.keys(&["PageDown"]);
        help = t.wait_for("the next help page", |s| s != before);
        shown.push_str(&help);
    }
    assert!(
        shown.contains("quit"),
        "never reached the global keys:\n{help}"
    );
    assert!(shown.contains("palette"), "{help}");
    t.keys(&["Escape"]);
    t.wait_for("help closed", |s| !s.contains("Help — keys"));
    t.keys(&[":"]);
    t.wait_for("palette", |s| s.contains("Command palette"));
    t.keys(&["h", "e", "l", "p"]);
    t.wait_for("palette match", |s| s.contains("Show this help"));
    t.keys(&["Escape"]);
    t.wait_for("palette closed", |s| !s.contains("Command palette"));
    t.keys(&["q"]);
    let end = t.wait_for("exit", |s| s.contains("WARROOM_DONE"));
    assert_restored(&end, &t);
}

#[test]
fn sigterm_restores_the_terminal() {
    let t = Tmux::start("term", "--demo", None);
    t.wait_for("the console", |s| s.contains("DEMO"));
    let pid = t.warroom_pid().expect("warroom process");
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let end = t.wait_for("exit", |s| s.contains("WARROOM_DONE"));
    assert_restored(&end, &t);
}

#[test]
fn an_idle_console_writes_nothing_to_the_terminal() {
    // Every source off: nothing changes, so nothing may be drawn.
    let cfg = "[kubernetes]\nenabled = false\n[docker]\nenabled = false\n";
    let t = Tmux::start("idle", "", Some(cfg));
    t.wait_for("the console", |s| s.contains("Workloads"));
    std::thread::sleep(Duration::from_millis(500));
    let out = t.dir.path().join("pipe.out");
    t.tmux(&["pipe-pane", "-o", &format!("cat >> {}", out.display())]);
    std::thread::sleep(Duration::from_secs(3));
    let idle_bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    assert_eq!(
        idle_bytes, 0,
        "an idle console wrote {idle_bytes} bytes in 3 s"
    );
    t.keys(&["2"]);
    t.wait_for("pane switch", |s| {
        s.lines().skip(1).any(|l| l.contains("Containers"))
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) > 0,
        "the pipe captured nothing after a key: the test would be blind"
    );
    t.keys(&["q"]);
    let end = t.wait_for("exit", |s| s.contains("WARROOM_DONE"));
    assert_restored(&end, &t);
}

#[test]
fn a_malformed_config_is_shown_not_fatal() {
    let t = Tmux::start("badcfg", "", Some("[kubernetes\nenabled = false\n"));
    let s = t.wait_for("warning banner", |s| s.contains("⚠"));
    assert!(s.contains("config"), "{s}");
    t.keys(&["?"]);
    let help = t.wait_for("warnings in help", |s| s.contains("Warnings"));
    assert!(
        help.contains("config.toml"),
        "the warning names the file:\n{help}"
    );
    t.keys(&["Escape"]);
    t.wait_for("help closed", |s| !s.contains("Help — keys"));
    t.keys(&["q"]);
    let end = t.wait_for("exit", |s| s.contains("WARROOM_DONE"));
    assert_restored(&end, &t);
}

/// The audit log's text and its `exec` entry (panics when there is none).
fn exec_entry(t: &Tmux) -> (String, serde_json::Value) {
    let audit = std::fs::read_to_string(t.dir.path().join("data/audit.jsonl")).unwrap();
    let entry = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["action"] == "exec")
        .unwrap_or_else(|| panic!("no exec entry in the audit log:\n{audit}"));
    (audit, entry)
}

/// A container for one test, removed when dropped.
struct Sleeper(String);

impl Sleeper {
    fn start(name: &str) -> Self {
        // Short enough for the NAME column at 80 columns.
        let name = format!("e2e-{name}-{}", std::process::id() % 100_000);
        let _ = Command::new("docker").args(["rm", "-f", &name]).output();
        let out = Command::new("docker")
            .args([
                "run",
                "-d",
                "--name",
                &name,
                "--label",
                "warroom-e2e=1",
                "warroom-test/busybox",
                "/bin/sleep",
                "600",
            ])
            .output()
            .expect("docker is installed (.ci/setup.d/containers.sh builds the test image)");
        assert!(
            out.status.success(),
            "docker run: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self(name)
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rm", "-f", &self.0]).output();
    }
}

/// From the console's start, the Containers pane filtered to `c` alone.
fn select_container(t: &Tmux, c: &Sleeper) {
    t.wait_for("the console", |s| s.contains("1 Workloads"));
    t.keys(&["2"]);
    t.wait_for("the container in the list", |s| s.contains(&c.0));
    t.keys(&["/"]);
    t.keys(&["-l", &c.0]);
    t.keys(&["Enter"]);
    t.wait_for("only our container", |s| {
        s.contains("Containers") && s.contains(&c.0) && !s.contains("filter:")
    });
}

#[test]
fn a_shell_in_a_container_takes_the_terminal_and_gives_the_console_back() {
    let c = Sleeper::start("shell");
    // Only Docker (the machine's engine) is configured: the rest say so.
    let t = Tmux::start("shell", "", Some(""));
    select_container(&t, &c);
    t.keys(&["x"]);
    t.wait_for("the shell, named before it connects", |s| {
        s.contains(&format!("warroom: shell in container/{}", c.0))
    });
    t.wait_for("the container's prompt", |s| s.contains("/ #"));
    t.keys(&["-l", "echo hi-$((6*7))"]);
    t.keys(&["Enter"]);
    t.wait_for("the command's output", |s| s.contains("hi-42"));
    // The remote TTY follows the terminal's size.
    t.tmux(&["resize-window", "-x", "100", "-y", "30"]);
    std::thread::sleep(Duration::from_millis(300));
    t.keys(&["-l", "/bin/busybox stty size"]);
    t.keys(&["Enter"]);
    t.wait_for("the new size inside the container", |s| {
        s.lines().any(|l| l.trim() == "30 100")
    });
    t.keys(&["-l", "exit 0"]);
    t.keys(&["Enter"]);
    let after = t.wait_for("the console back with the result", |s| {
        s.contains("exited 0 after")
    });
    assert!(
        after.lines().next().unwrap_or("").contains("1 Workloads"),
        "the console's frame is back:\n{after}"
    );
    assert!(
        !after.contains("hi-42") && !after.contains("/ #"),
        "nothing of the session is left on the console's screen:\n{after}"
    );
    assert_eq!(
        t.tmux(&["display", "-p", "#{alternate_on}"]).trim(),
        "1",
        "the console is in the alternate screen again"
    );
    // The session is in the audit log, from the console, without its output.
    let (audit, entry) = exec_entry(&t);
    assert_eq!(entry["origin"], "tui", "{entry}");
    assert_eq!(entry["target"], format!("container/{}", c.0), "{entry}");
    assert_eq!(entry["exit_code"], 0, "{entry}");
    assert!(!audit.contains("hi-42"), "the output is never audited");
    t.keys(&["q"]);
    let end = t.wait_for("exit", |s| s.contains("WARROOM_DONE"));
    assert_restored(&end, &t);
}

/// kmock serving one running pod that is not ready (a problem, so it is the
/// first row): `shop/api-7d9-x2x9q`, container `api`.
fn pod_cluster() -> kmock::Kmock {
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "api-7d9-x2x9q", "namespace": "shop",
            "creationTimestamp": "2026-03-14T01:00:00Z"},
        "spec": {"nodeName": "node-a", "containers": [{"name": "api", "image": "shop/api:2.3.1"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [{"name": "api", "image": "shop/api:2.3.1", "imageID": "",
                "ready": false, "restartCount": 0,
                "state": {"running": {"startedAt": "2026-03-14T01:00:05Z"}}}]}});
    let ns =
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}});
    kmock::Kmock::start(&serde_json::json!([ns, pod]))
}

#[test]
fn a_shell_in_a_pod_takes_the_terminal_and_gives_the_console_back() {
    let k = pod_cluster();
    let exports = format!("KUBECONFIG={}", k.kubeconfig().display());
    let t = Tmux::start_with(
        "podshell",
        "",
        Some("[kubernetes]\nnamespaces = [\"shop\"]\n[docker]\nenabled = false\n"),
        &exports,
    );
    t.wait_for("the pod in the problems list", |s| {
        s.contains("api-7d9-x2x9q")
    });
    t.keys(&["x"]);
    t.wait_for("the shell, named before it connects", |s| {
        s.contains("warroom: shell in shop/api-7d9-x2x9q (container api")
    });
    // The test server runs a real local shell for the pod, behind the
    // Kubernetes channel protocol.
    std::thread::sleep(Duration::from_millis(500));
    t.keys(&["-l", "echo in-pod-$((6*7))"]);
    t.keys(&["Enter"]);
    t.wait_for("the command's output", |s| s.contains("in-pod-42"));
    t.keys(&["-l", "exit 0"]);
    t.keys(&["Enter"]);
    // (At 80 columns the status line shows the start of `shell in shop/… exited 0 after …`.)
    let after = t.wait_for("the console back with the result", |s| {
        s.lines().next().unwrap_or("").contains("1 Workloads") && s.contains("shell in shop/api-7")
    });
    assert!(
        !after.contains("in-pod-42"),
        "the console's frame is back, nothing of the session on it:\n{after}"
    );
    let execs = k.execs();
    assert_eq!(execs.len(), 1, "{execs:?}");
    let (_, entry) = exec_entry(&t);
    assert_eq!(entry["origin"], "tui", "{entry}");
    assert_eq!(entry["target"], "pod/api-7d9-x2x9q", "{entry}");
    assert_eq!(entry["exit_code"], 0, "{entry}");
    t.keys(&["q"]);
    let end = t.wait_for("exit", |s| s.contains("WARROOM_DONE"));
    assert_restored(&end, &t);
}

/// `--demo`: `f` on a workload asks target and ports, the forward listens
/// for real (answering that it is simulated), the list counts the
/// connection, `X` stops it, and the audit log has its start and end.
#[test]
fn a_demo_port_forward_from_the_console_listens_counts_and_stops() {
    use std::io::{Read, Write};
    let t = Tmux::start("forward", "--demo", None);
    t.wait_for("the console", |s| {
        s.contains("Workloads") && s.contains("DEMO")
    });
    t.keys(&["f"]);
    t.wait_for("the form", |s| s.contains("Port-forward in prod/"));
    // The ports field: any free local port to the pod's 8080.
    t.keys(&["Tab"]);
    t.keys(&["BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace"]);
    t.keys(&["-l", "0:8080"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("the forward listening", |s| s.contains("✓ forwarding"));
    let port: u16 = s
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no local port on screen:\n{s}"));
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    sock.read_to_string(&mut reply).unwrap();
    assert!(reply.contains("DEMO: simulated"), "{reply}");
    t.wait_for("the connection counted", |s| s.contains("0/1"));
    t.keys(&["X"]);
    t.wait_for("stopped", |s| s.contains("No port-forwards"));
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "no longer listening"
    );
    let audit = std::fs::read_to_string(t.dir.path().join("data/audit.jsonl")).unwrap();
    let results: Vec<String> = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["action"] == "port-forward")
        .map(|e| format!("{} {}", e["result"], e["demo"]))
        .collect();
    assert_eq!(results, ["\"started\" true", "\"ok\" true"], "{audit}");
    t.keys(&["q"]);
    let end = t.wait_for("exit", |s| s.contains("WARROOM_DONE"));
    assert_restored(&end, &t);
}
