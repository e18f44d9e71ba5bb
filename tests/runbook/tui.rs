//! The console end to end in tmux: open a runbook from `[runbooks] paths`,
//! mark a manual step done, preview and run a command step with live output,
//! `q` asks while it runs, and the journal records the completed run.

use crate::common::{Env, wait_for};
use std::process::Command;
use warroom::runbook::journal;

struct Tmux(String);

impl Tmux {
    fn capture(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn keys(&self, keys: &[&str]) {
        let ok = Command::new("tmux")
            .args(["send-keys", "-t", &self.0])
            .args(keys)
            .status()
            .expect("tmux");
        assert!(ok.success());
    }
    fn wait(&self, what: &str) {
        let mut last = String::new();
        let found = (0..200).any(|_| {
            last = self.capture();
            if last.contains(what) {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
            false
        });
        assert!(found, "screen never showed {what:?}:\n{last}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .status();
    }
}

#[test]
fn walk_a_runbook_in_the_console() {
    assert!(
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success()),
        "tmux is needed for the console end-to-end test (apt-get install tmux)"
    );
    let env = Env::new();
    let books = env.path().join("books");
    std::fs::create_dir(&books).unwrap();
    let rb = books.join("e2e.md");
    let go = env.path().join("go");
    std::fs::write(
        &rb,
        format!(
            "---\ntitle: E2E drill\nrto: 10m\n---\n## Look around\n\nCheck the dashboards.\n\n## Run it\n\n```sh {{timeout=2m}}\necho e2e-output-marker\nwhile [ ! -e {} ]; do sleep 0.1; done\necho e2e-finished\n```\n",
            go.display()
        ),
    )
    .unwrap();
    let config = env.write(
        "config.toml",
        &format!("[kubernetes]\nenabled = false\n[docker]\nenabled = false\n[runbooks]\npaths = [{:?}]\n", books.display().to_string()),
    );
    let name = format!("warroom-rb-{}", std::process::id());
    let cmdline = format!(
        "env WARROOM_DATA_DIR={} WARROOM_CONFIG={} WARROOM_USER=tester {}",
        env.data().display(),
        config.display(),
        env!("CARGO_BIN_EXE_warroom")
    );
    let ok = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-x",
            "80",
            "-y",
            "24",
            "-s",
            &name,
            &cmdline,
        ])
        .status()
        .unwrap();
    assert!(ok.success(), "tmux new-session failed");
    let t = Tmux(name);
    t.wait("Workloads");
    t.keys(&["6"]);
    t.wait("E2E drill");
    t.keys(&["Enter"]);
    t.wait("Step 1/2");
    t.keys(&["d"]);
    t.wait("Step 2/2");
    t.keys(&["x"]);
    t.wait("Will run");
    assert!(t.capture().contains("echo e2e-output-marker"));
    t.keys(&["Enter"]);
    // The plan already showed `echo e2e-output-marker`: wait for the pane to
    // know the step runs (the worker's StepRunning), or `q` may race it.
    t.wait("▶ running");
    t.wait("e2e-output-marker");
    t.keys(&["q"]);
    t.wait("runbook step 2 (Run it) is running");
    t.keys(&["n"]);
    std::fs::write(&go, "").unwrap();
    t.wait("e2e-finished");
    t.wait("E2E drill completed in");
    let screen = t.capture();
    assert!(screen.contains("completed"), "{screen}");
    assert!(screen.contains("/ RTO 10m"), "{screen}");
    t.keys(&["q"]);
    wait_for("the console to quit", 10, || {
        !Command::new("tmux")
            .args(["has-session", "-t", &t.0])
            .status()
            .unwrap()
            .success()
    });
    let l = journal::latest(&env.journals(), &rb, false).expect("journal");
    assert_eq!(l.finished(), Some("completed"));
}
