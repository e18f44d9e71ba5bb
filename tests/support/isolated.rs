//! The warroom binary with its own HOME, config and data dir under `dir`, so
//! a test never reads or writes the machine's. Shared by the test crates that
//! run it: `#[path = "../support/isolated.rs"] mod isolated;`.

use std::path::Path;
use std::process::{Command, Stdio};

/// `warroom` reading `dir/config.toml`, keeping its data in `dir/data`, with
/// no kubeconfig and stdin closed.
pub fn warroom(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_warroom"));
    cmd.env("HOME", dir)
        .env("WARROOM_DATA_DIR", dir.join("data"))
        .env("WARROOM_CONFIG", dir.join("config.toml"))
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null());
    cmd
}
