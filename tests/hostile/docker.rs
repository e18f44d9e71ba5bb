//! One real container on the machine's Docker engine whose logs, health
//! probe output and Compose labels carry every kind of control.

use crate::EVIL_PRINTF;
use std::time::{Duration, Instant};

#[allow(dead_code)] // the crate needs the CLI helper and the image, not the worker
#[path = "../containers/harness.rs"]
mod harness;

pub use harness::docker;

/// Removed (with `docker rm -f`) on drop, even when the test fails.
pub struct Hostile {
    pub name: String,
}

impl Hostile {
    /// Started and unhealthy: its probe fails, printing hostile output.
    ///
    /// Not `harness::Scope`: its first use sweeps every labelled test
    /// container on the engine, and this crate may run beside the
    /// containers tests.
    pub fn start() -> Self {
        let have = std::process::Command::new("docker")
            .args(["image", "inspect", harness::IMAGE])
            .output();
        assert!(
            have.is_ok_and(|o| o.status.success()),
            "the Docker image {} is missing (or the engine is not reachable): \
             run .ci/setup.d/containers.sh as root",
            harness::IMAGE
        );
        let name = format!("wrt-hostile-{}", std::process::id());
        let project = format!("com.docker.compose.project={}", crate::EVIL);
        let service = format!("com.docker.compose.service={}", crate::EVIL);
        let probe = format!("printf '{EVIL_PRINTF}\\n'; exit 1");
        let main =
            format!("printf '{EVIL_PRINTF}\\n'; trap 'exit 0' TERM; while true; do sleep 1; done");
        docker(&[
            "run",
            "-d",
            "--name",
            &name,
            "--label",
            harness::LABEL,
            "--label",
            &project,
            "--label",
            &service,
            "--health-cmd",
            &probe,
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
            "--stop-timeout",
            "2",
            harness::IMAGE,
            "sh",
            "-c",
            &main,
        ]);
        let c = Self { name };
        c.wait_unhealthy();
        c
    }

    fn wait_unhealthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = docker(&["inspect", "-f", "{{.State.Health.Status}}", &self.name]);
            if got == "unhealthy" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} is {got:?}, not unhealthy, after 30s",
                self.name
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        // Best effort: a panic here, while a failed test unwinds, aborts.
        let _ = std::process::Command::new("docker")
            .args(["rm", "-f", &self.name])
            .output();
    }
}
