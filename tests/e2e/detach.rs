//! The detach key (`[exec] detach_keys`, default ctrl-p,ctrl-q) leaves a
//! shell the console handed the terminal to: a Docker exec goes on running
//! in the container; a Kubernetes exec ends with its connection. Either
//! way the console comes back and says which.

use super::{Sleeper, Tmux, assert_restored, exec_entry, select_container};
use std::process::Command;

/// The processes of a container, as the engine sees them (`docker top`:
/// the test image has no `ps`).
fn processes(container: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args(["top", container, "-o", "pid,args"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

#[test]
fn detaching_from_a_container_shell_leaves_it_running_and_the_console_says_so() {
    let c = Sleeper::start("detach");
    // A shell rule for the test image: the first shell it lacks, then sh.
    let t = Tmux::start(
        "detach",
        "",
        Some(
            "[kubernetes]\nenabled = false\n[[exec.shells]]\nimage = \"warroom-test/busybox\"\nshell = [\"nosuchsh\", \"sh\"]\n",
        ),
    );
    select_container(&t, &c);
    t.keys(&["x"]);
    t.wait_for("the shell, named with the detach keys", |s| {
        let s = s.replace('\n', "");
        s.contains(&format!("warroom: shell in container/{}", c.0))
            && s.contains("ctrl-p,ctrl-q detaches")
    });
    t.wait_for("the container's prompt", |s| s.contains("/ #"));
    t.keys(&["-l", "echo shell-is-$0"]);
    t.keys(&["Enter"]);
    t.wait_for("the configured shell list fell through to sh", |s| {
        s.contains("shell-is-sh")
    });
    let before = processes(&c.0);
    assert_eq!(before.len(), 2, "sleep and the shell: {before:?}");
    // The pair detaches (a lone ctrl-p passing on is the detector's unit test).
    t.keys(&["C-p", "C-q"]);
    let after = t.wait_for("the console back, saying the shell goes on", |s| {
        s.lines().next().unwrap_or("").contains("1 Workloads") && s.contains("detached from shell")
    });
    assert!(!after.contains("shell-is-sh"), "{after}");
    let still = processes(&c.0);
    assert_eq!(still, before, "the shell still runs in the container");
    let (_, entry) = exec_entry(&t);
    assert_eq!(entry["origin"], "tui", "{entry}");
    assert!(
        entry["message"]
            .as_str()
            .unwrap()
            .starts_with("detached: it goes on running in the container"),
        "{entry}"
    );
    assert!(
        entry["preview"].as_str().unwrap().contains("nosuchsh sh"),
        "the configured shells were tried: {entry}"
    );
    t.keys(&["q"]);
    let end = t.wait_for("exit", |s| s.contains("WARROOM_DONE"));
    assert_restored(&end, &t);
}

#[test]
fn detaching_from_a_pod_shell_ends_the_session_and_the_console_says_why() {
    let k = super::pod_cluster();
    let exports = format!("KUBECONFIG={}", k.kubeconfig().display());
    // Another sequence than the default, as a user who needs ctrl-p sets it.
    let t = Tmux::start_with(
        "poddetach",
        "",
        Some(
            "[kubernetes]\nnamespaces = [\"shop\"]\n[docker]\nenabled = false\n[exec]\ndetach_keys = \"ctrl-],x\"\n",
        ),
        &exports,
    );
    t.wait_for("the pod in the problems list", |s| {
        s.contains("api-7d9-x2x9q")
    });
    t.keys(&["x"]);
    t.wait_for("the shell, named with its detach keys", |s| {
        let s = s.replace('\n', "");
        s.contains("warroom: shell in shop/api-7d9-x2x9q") && s.contains("ctrl-],x detaches")
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    t.keys(&["-l", "echo in-pod-$((6*7))"]);
    t.keys(&["Enter"]);
    t.wait_for("the command's output", |s| s.contains("in-pod-42"));
    // (A lone first key passing on is the detector's unit test: what
    // ctrl-] does in the remote shell is the shell's business.)
    t.keys(&["C-]", "x"]);
    // (At 80 columns the status line shows the start of `detached from shell in shop/…`.)
    let after = t.wait_for("the console back with why the shell ended", |s| {
        s.lines().next().unwrap_or("").contains("1 Workloads") && s.contains("detached from shell")
    });
    assert!(!after.contains("in-pod-42"), "{after}");
    let (_, entry) = exec_entry(&t);
    assert!(
        entry["message"]
            .as_str()
            .unwrap()
            .starts_with("detached: a Kubernetes exec ends with its connection"),
        "{entry}"
    );
    assert_eq!(entry["exit_code"], serde_json::Value::Null, "{entry}");
    t.keys(&["q"]);
    let end = t.wait_for("exit", |s| s.contains("WARROOM_DONE"));
    assert_restored(&end, &t);
}
