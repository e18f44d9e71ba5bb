//! Test scaffolding: the engine check, the test image, labelled containers
//! that clean themselves up, and a live worker on a channel.

use std::process::Command;
use std::sync::Once;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use warroom::containers::client::Endpoint;
use warroom::containers::worker::LiveWorker;
use warroom::event::Update;

pub const IMAGE: &str = "warroom-test/busybox";
pub const LABEL: &str = "warroom-test=1";

/// Run the docker CLI; panics with its stderr on failure.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run the docker CLI ({e}): the containers tests need Docker installed")
        });
    assert!(
        out.status.success(),
        "docker {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Remove every container with `label`. Best effort: this runs from `Drop`,
/// often while a failed test unwinds, and a panic there aborts the whole test
/// binary. A failure is printed; `engine()` sweeps leftovers on the next run.
fn remove_labelled(label: &str) {
    let filter = format!("label={label}");
    let listed = match Command::new("docker")
        .args(["ps", "-aq", "--filter", &filter])
        .output()
    {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        Ok(o) => {
            eprintln!(
                "cleanup: docker ps --filter {filter} failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return;
        }
        Err(e) => {
            eprintln!("cleanup: cannot run docker ps ({e})");
            return;
        }
    };
    let ids: Vec<&str> = listed.split_whitespace().collect();
    if ids.is_empty() {
        return;
    }
    let mut args = vec!["rm", "-f"];
    args.extend(&ids);
    match Command::new("docker").args(&args).output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => eprintln!(
            "cleanup: docker rm -f {} failed: {}",
            ids.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => eprintln!("cleanup: cannot run docker rm ({e})"),
    }
}

/// The engine answers, the image exists, and leftovers of earlier runs are gone.
pub fn engine() {
    static READY: Once = Once::new();
    READY.call_once(|| {
        let info = Command::new("docker").args(["info", "--format", "{{.ServerVersion}}"]).output();
        match info {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!(
                "the Docker engine is not reachable (`docker info` failed: {}); the containers tests need it",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => panic!("cannot run `docker info` ({e}); the containers tests need the Docker engine"),
        }
        let have = Command::new("docker").args(["image", "inspect", IMAGE]).output();
        if !have.is_ok_and(|o| o.status.success()) {
            let setup = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/setup.d/containers.sh");
            let st = Command::new("bash")
                .args(["-c", &format!("set -e; source {setup}")])
                .status()
                .expect("run the containers setup script");
            assert!(st.success(), "building {IMAGE} with {setup} failed");
        }
        remove_labelled(LABEL);
    });
}

/// Containers started by one test; all removed on drop.
pub struct Scope {
    scope: String,
}

impl Scope {
    pub fn new(test: &str) -> Self {
        engine();
        let scope = format!("{}-{}", std::process::id(), test);
        remove_labelled(&format!("warroom-test-scope={scope}"));
        Self { scope }
    }

    pub fn name(&self, suffix: &str) -> String {
        format!("wrt-{}-{suffix}", self.scope)
    }

    fn labelled(&self, verb: &[&str], suffix: &str, extra: &[&str], cmd: &[&str]) -> String {
        let name = self.name(suffix);
        let scope_label = format!("warroom-test-scope={}", self.scope);
        let mut args = verb.to_vec();
        args.extend_from_slice(&["--name", &name, "--label", LABEL, "--label", &scope_label]);
        args.extend_from_slice(extra);
        args.push(IMAGE);
        args.extend_from_slice(cmd);
        docker(&args)
    }

    /// `docker run -d` with our labels, `extra` flags, and `cmd`; returns the id.
    pub fn run(&self, suffix: &str, extra: &[&str], cmd: &[&str]) -> String {
        self.labelled(&["run", "-d"], suffix, extra, cmd)
    }

    /// `docker create` (not started) with our labels; returns the id.
    pub fn create(&self, suffix: &str, cmd: &[&str]) -> String {
        self.labelled(&["create"], suffix, &[], cmd)
    }

    /// A container that is healthy while /tmp/h exists; probes every second.
    pub fn healthy(&self, suffix: &str, extra: &[&str]) -> String {
        let mut flags = vec![
            "--health-cmd",
            "cat /tmp/h",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
            "--health-timeout",
            "2s",
            "--stop-timeout",
            "3",
            "--label",
            "com.docker.compose.project=wrtest",
        ];
        flags.extend_from_slice(extra);
        self.run(
            suffix,
            &flags,
            &[
                "sh",
                "-c",
                "trap 'exit 0' TERM; echo ok > /tmp/h; while true; do sleep 1; done",
            ],
        )
    }

    /// Poll `docker inspect -f FORMAT` until `want` (test setup only).
    pub fn wait_inspect(&self, name: &str, format: &str, want: &str, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let got = docker(&["inspect", "-f", format, name]);
            if got == want {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{name}: {format} is {got:?}, wanted {want:?} within {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        remove_labelled(&format!("warroom-test-scope={}", self.scope));
    }
}

/// The warroom binary with a config for the local engine (Kubernetes off)
/// in `dir` and its data dir (audit log) in `dir/data`.
pub fn warroom(dir: &std::path::Path) -> Command {
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        "[kubernetes]\nenabled = false\n[docker]\nhost = \"unix:///var/run/docker.sock\"\n[general]\nsource_timeout = \"20s\"\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_warroom"));
    cmd.env("WARROOM_CONFIG", &cfg)
        .env("WARROOM_DATA_DIR", dir.join("data"))
        .env_remove("DOCKER_HOST");
    cmd
}

/// A live worker on a channel, as the app runs it.
pub struct Running {
    pub rx: mpsc::Receiver<Update>,
    pub commands: broadcast::Sender<warroom::containers::Command>,
    task: tokio::task::JoinHandle<()>,
    pub seen: Vec<String>,
}

impl Running {
    pub fn start(host: &str) -> Self {
        let worker = Box::new(LiveWorker {
            endpoint: Endpoint::resolve_with(Some(host), None),
        });
        let (rx, commands, task) = warroom::runtime::start_alone(worker, 1024);
        Self {
            rx,
            commands,
            task,
            seen: Vec::new(),
        }
    }

    pub fn local() -> Self {
        Self::start("unix:///var/run/docker.sock")
    }

    pub fn send(&self, cmd: warroom::containers::Command) {
        self.commands.send(cmd).expect("worker is listening");
    }

    /// Wait for an update `f` accepts; panics listing what did arrive.
    pub async fn wait_for<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        mut f: impl FnMut(&Update) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(u)) => {
                    if let Some(t) = f(&u) {
                        return t;
                    }
                    let mut s = format!("{u:?}");
                    s.truncate(200);
                    self.seen.push(s);
                }
                Ok(None) => panic!("worker channel closed while waiting for {what}"),
                Err(_) => panic!(
                    "no {what} within {timeout:?}; last updates:\n{}",
                    self.seen
                        .iter()
                        .rev()
                        .take(8)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
            }
        }
    }

    pub fn is_running(&self) -> bool {
        !self.task.is_finished()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback port nothing listens on.
pub fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
