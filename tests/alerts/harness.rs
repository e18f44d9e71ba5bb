//! Real Prometheus and Alertmanager (Debian packages) on free loopback ports,
//! with temp storage, killed on Drop. A binary that is missing or does not
//! come up fails the test with a message naming it.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind a loopback port")
        .local_addr()
        .unwrap()
        .port()
}

fn find_binary(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{name}` is not installed: these tests need the Debian packages prometheus and \
                 prometheus-alertmanager (run `.ci/setup.d/alerts.sh` as root, or \
                 `apt-get install -y --no-install-recommends prometheus prometheus-alertmanager`)"
            )
        })
}

/// A child process and its temp dir; killed and reaped on Drop.
pub struct Proc {
    name: &'static str,
    child: Option<Child>,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl Proc {
    fn spawn(name: &'static str, bin: &str, args: &[String], dir: tempfile::TempDir) -> Self {
        let exe = find_binary(bin);
        let log = dir.path().join(format!("{bin}.log"));
        let out = std::fs::File::create(&log).expect("create log file");
        let child = Command::new(&exe)
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({}): {e}", exe.display()));
        Self {
            name,
            child: Some(child),
            _dir: dir,
            log,
        }
    }

    fn log_tail(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Wait until `url` answers 200, or fail naming the component and its log.
    fn wait_ready(&mut self, url: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "{} exited during startup ({status}); its log:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            if http_ok(url) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "{} did not become ready at {url} within 30s; its log:\n{}",
            self.name,
            self.log_tail()
        );
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A bare HTTP/1.0 GET on loopback: true on a 200 answer.
fn http_ok(url: &str) -> bool {
    use std::io::Write;
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let Ok(mut s) = std::net::TcpStream::connect(host) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if write!(s, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    matches!(s.read(&mut buf), Ok(n) if n >= 12 && &buf[9..12] == b"200")
}

pub struct Alertmanager {
    pub port: u16,
    pub proc: Proc,
}

impl Alertmanager {
    pub fn start(port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(
            &config,
            "route:\n  receiver: blackhole\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: blackhole\n",
        )
        .unwrap();
        let storage = dir.path().join("data");
        let args = vec![
            format!("--config.file={}", config.display()),
            format!("--storage.path={}", storage.display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--cluster.listen-address=".to_string(),
        ];
        let mut proc = Proc::spawn("Alertmanager", "prometheus-alertmanager", &args, dir);
        proc.wait_ready(&format!("http://127.0.0.1:{port}/-/ready"));
        Self { port, proc }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

pub struct Prometheus {
    pub port: u16,
    _proc: Proc,
}

impl Prometheus {
    /// Scrapes a dead loopback port as job `dispatch` (so `up == 0` fires
    /// ServiceDown at once) and itself, and carries a recording rule that
    /// fails every evaluation (a broken rule).
    pub fn start(am_port: u16) -> Self {
        Self::start_with_rules(am_port, "")
    }

    /// As [`Prometheus::start`], with more rule groups: YAML list items
    /// (`  - name: …`) appended to the `groups:` of the rules file.
    pub fn start_with_rules(am_port: u16, more_groups: &str) -> Self {
        let port = free_port();
        let dead = free_port();
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules.yml");
        std::fs::write(
            &rules,
            r#"groups:
  - name: warroom-test
    rules:
      - alert: ServiceDown
        expr: up == 0
        for: 0s
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.job }} is down"
          description: "Target {{ $labels.instance }} has been unreachable."
          runbook_url: "docs/runbooks/restart-service.md"
      - record: broken:up
        expr: up
        labels:
          job: same
          instance: same
          namespace: same
"#
            .to_string()
                + more_groups,
        )
        .unwrap();
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                r#"global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {rules}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:{am_port}']
scrape_configs:
  - job_name: dispatch
    static_configs:
      - targets: ['127.0.0.1:{dead}']
        labels:
          namespace: ridendine
  - job_name: self
    static_configs:
      - targets: ['127.0.0.1:{port}']
"#,
                rules = rules.display()
            ),
        )
        .unwrap();
        let storage = dir.path().join("tsdb");
        let args = vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", storage.display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--rules.alert.resend-delay=1s".to_string(),
        ];
        let mut proc = Proc::spawn("Prometheus", "prometheus", &args, dir);
        proc.wait_ready(&format!("http://127.0.0.1:{port}/-/ready"));
        Self { port, _proc: proc }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// `[[prometheus]]` + `[[alertmanager]]` config polling every second.
pub fn config(prom: Option<&str>, am: Option<&str>, dir: &Path) -> warroom::config::Config {
    let mut text = String::from("[kubernetes]\nenabled = false\n[docker]\nenabled = false\n");
    if let Some(p) = prom {
        text.push_str(&format!(
            "[[prometheus]]\nname = \"main\"\nurl = \"{p}\"\ninterval = \"1s\"\n"
        ));
    }
    if let Some(a) = am {
        text.push_str(&format!(
            "[[alertmanager]]\nname = \"main\"\nurl = \"{a}\"\ninterval = \"1s\"\n"
        ));
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, &text).unwrap();
    warroom::config::Config::parse(&text, &path).unwrap()
}
