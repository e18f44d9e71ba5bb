//! `ssh://` Docker hosts: the engine reached through a real OpenSSH server on
//! loopback, the way an SRE reaches a remote host's engine.
//!
//! sshd runs from a temp dir with its own host key and one authorised key.
//! The client side never touches `~/.ssh`: an `ssh` wrapper first on the
//! warroom process's PATH adds `-F` with a config naming the test host
//! (`warroom-test-ssh`: loopback, the port, the key), and XDG_STATE_HOME
//! keeps the control sockets in the temp dir.

use crate::harness::{Scope, docker};
use crate::output::text;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";

struct Sshd {
    child: Child,
    dir: tempfile::TempDir,
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Sshd {
    fn start() -> Self {
        assert!(
            Path::new(SSHD).exists(),
            "these tests need OpenSSH's server ({SSHD}): apt-get install openssh-server \
             (.ci/setup.d/containers.sh installs it)"
        );
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for key in ["host_key", "id"] {
            run(Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(d.join(key)));
        }
        std::fs::copy(d.join("id.pub"), d.join("authorized_keys")).unwrap();
        // sshd's privilege-separation directory (absent where sshd never ran).
        let _ = std::fs::create_dir_all("/run/sshd");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::write(
            d.join("sshd_config"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
                 AuthorizedKeysFile {d}/authorized_keys\nPubkeyAuthentication yes\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n\
                 PidFile {d}/sshd.pid\n",
                d = d.display()
            ),
        )
        .unwrap();
        std::fs::write(
            d.join("ssh_config"),
            format!(
                "Host warroom-test-ssh\n  HostName 127.0.0.1\n  Port {port}\n  IdentityFile {d}/id\n  \
                 IdentitiesOnly yes\n  UserKnownHostsFile {d}/known_hosts\n  LogLevel ERROR\n",
                d = d.display()
            ),
        )
        .unwrap();
        std::fs::create_dir_all(d.join("bin")).unwrap();
        let wrapper = d.join("bin/ssh");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec /usr/bin/ssh -F {}/ssh_config \"$@\"\n",
                d.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(d.join("sshd_config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(d.join("sshd.log")).unwrap())
            .spawn()
            .expect("start sshd");
        let end = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < end,
                "sshd did not listen: {}",
                std::fs::read_to_string(d.join("sshd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `warroom ARGS` with the Docker host `ssh://USER@warroom-test-ssh`.
    fn warroom(&self, args: &[&str]) -> Output {
        let d = self.path();
        let cfg = d.join("config.toml");
        std::fs::write(
            &cfg,
            format!(
                "[kubernetes]\nenabled = false\n[general]\nsource_timeout = \"30s\"\n\
                 [docker]\nhost = \"ssh://{}@warroom-test-ssh\"\n",
                warroom::identity::user()
            ),
        )
        .unwrap();
        let path = format!(
            "{}:{}",
            d.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Command::new(env!("CARGO_BIN_EXE_warroom"))
            .args(args)
            .env("PATH", path)
            .env("XDG_STATE_HOME", d.join("state"))
            .env("WARROOM_CONFIG", &cfg)
            .env("WARROOM_DATA_DIR", d.join("data"))
            .env_remove("DOCKER_HOST")
            .output()
            .unwrap()
    }

    fn audit(&self) -> PathBuf {
        self.path().join("data/audit.jsonl")
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn an_ssh_docker_host_is_checked_and_acted_on_through_sshd() {
    let sshd = Sshd::start();
    let scope = Scope::new("ssh");
    let web = scope.name("web");
    scope.healthy("web", &[]);

    let doctor = sshd.warroom(&["doctor"]);
    let t = text(&doctor);
    assert!(doctor.status.success(), "{t}");
    let line = t.lines().find(|l| l.contains(" docker ")).unwrap_or("");
    assert!(
        line.starts_with("✓") && line.contains("at ssh://") && line.contains("warroom-test-ssh"),
        "{t}"
    );

    // A restart over ssh: State.StartedAt changes, and the audit says where.
    let before = docker(&["inspect", "-f", "{{.State.StartedAt}}", &web]);
    let target = format!("container/{web}");
    let out = sshd.warroom(&["action", "restart", &target, "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let after = docker(&["inspect", "-f", "{{.State.StartedAt}}", &web]);
    assert_ne!(before, after, "restarted through ssh");
    let audit = std::fs::read_to_string(sshd.audit()).unwrap();
    let entry: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(entry["result"], "ok", "{entry}");
    assert!(
        entry["where"].as_str().unwrap_or("").contains("ssh://"),
        "{entry}"
    );
}

#[test]
fn an_ssh_host_that_refuses_the_key_fails_doctor_naming_it() {
    let sshd = Sshd::start();
    // No authorised key: ssh fails in batch mode, and doctor names the host.
    std::fs::write(sshd.path().join("authorized_keys"), "").unwrap();
    let out = sshd.warroom(&["doctor"]);
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    let line = t.lines().find(|l| l.contains(" docker ")).unwrap_or("");
    assert!(
        line.starts_with("✗") && line.contains("ssh://") && line.contains("Permission denied"),
        "ssh's own reason is shown: {t}"
    );
}
