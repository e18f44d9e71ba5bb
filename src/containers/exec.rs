//! Running one command in a running container, as `docker exec` does:
//! create an exec (stdout and stderr attached, stdin and a TTY when asked),
//! start it attached, pump the streams, then inspect it for the exit code.
//!
//! This module only talks to the engine: where the bytes go (raw or
//! sanitised), where stdin comes from and when the terminal is resized is the
//! caller's choice, handed in as [`ExecIo`].

use super::error::{ContainerError, DockerError};
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{ResizeExecOptions, StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use futures::StreamExt;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// What to run, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecRequest {
    /// The container's name or id.
    pub container: String,
    /// The command and its arguments (never empty).
    pub cmd: Vec<String>,
    /// Attach stdin (`-i`): the caller sends it through [`ExecIo::stdin`].
    pub stdin: bool,
    /// Give the command a TTY (`-t`): its output arrives as one stream.
    pub tty: bool,
    /// The TTY's size `(cols, rows)` from the start (engines before API 1.42
    /// ignore it and get the first [`ExecIo::resize`] instead).
    pub console_size: Option<(u16, u16)>,
    /// The detach sequence, in Docker's format. warroom catches it itself
    /// (see [`ExecIo::detached`]) and the engine never sees it whole; it is
    /// given so that the engine's own default (ctrl-p,ctrl-q) does not act
    /// when other keys are configured — the engine's detaching ends the
    /// command, the client's leaves it running.
    pub detach_keys: Option<String>,
}

pub use crate::target::{ExecIo, SessionEnd};

/// After the output ends, the engine may need a moment to record the exit code.
const EXIT_CODE_WAIT: Duration = Duration::from_secs(5);

/// Run `req` in its container and return the command's exit code.
pub async fn run(
    docker: &Docker,
    req: &ExecRequest,
    io: ExecIo<'_>,
) -> Result<SessionEnd, ContainerError> {
    let name = &req.container;
    let created = docker
        .create_exec(
            name,
            ExecConfig {
                attach_stdin: Some(req.stdin),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(req.tty),
                console_size: req
                    .console_size
                    .map(|(cols, rows)| vec![usize::from(rows), usize::from(cols)]),
                cmd: Some(req.cmd.clone()),
                detach_keys: req.detach_keys.clone(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| match DockerError::from(&e) {
            DockerError::Engine { status: 404, .. } => ContainerError::NoSuchContainer {
                name: name.clone(),
                after: Some("nothing was run"),
            },
            source => ContainerError::Call {
                what: format!("exec in {name}"),
                source,
            },
        })?;
    let id = created.id;
    let started = docker
        .start_exec(
            &id,
            Some(StartExecOptions {
                detach: false,
                tty: req.tty,
                output_capacity: None,
            }),
        )
        .await
        .map_err(|e| ContainerError::call(format!("starting exec in {name}"), &e))?;
    let StartExecResults::Attached {
        mut output,
        mut input,
    } = started
    else {
        return Err(ContainerError::Call {
            what: format!("starting exec in {name}"),
            source: DockerError::Other("the engine detached the session".into()),
        });
    };
    let ExecIo {
        stdout,
        stderr,
        mut stdin,
        mut resize,
        mut detached,
    } = io;
    let local = |what: &'static str| {
        move |e: std::io::Error| ContainerError::Local {
            what,
            reason: e.to_string(),
        }
    };
    loop {
        tokio::select! {
            chunk = output.next() => match chunk {
                Some(Ok(LogOutput::StdErr { message })) => {
                    stderr.write_all(&message).and_then(|()| stderr.flush()).map_err(local("writing stderr"))?;
                }
                Some(Ok(LogOutput::StdOut { message } | LogOutput::Console { message })) => {
                    stdout.write_all(&message).and_then(|()| stdout.flush()).map_err(local("writing stdout"))?;
                }
                Some(Ok(LogOutput::StdIn { .. })) => {}
                Some(Err(e)) => return Err(ContainerError::call(format!("reading the output of exec in {name}"), &e)),
                None => break,
            },
            data = recv(&mut stdin), if stdin.is_some() => match data {
                Some(bytes) => {
                    if input.write_all(&bytes).await.and(input.flush().await).is_err() {
                        // The command stopped reading (it exited): its output
                        // and exit code still follow.
                        stdin = None;
                    }
                }
                None => {
                    // EOF: half-close, so `cat` and friends see the end.
                    let _ = input.shutdown().await;
                    stdin = None;
                }
            },
            size = recv(&mut resize), if resize.is_some() => match size {
                Some((cols, rows)) => {
                    // A resize the engine refuses leaves the session as it was.
                    let _ = docker
                        .resize_exec(&id, ResizeExecOptions { height: rows, width: cols })
                        .await;
                }
                None => resize = None,
            },
            // Detached: the connection closes on return, the command goes on
            // (with a TTY the engine keeps its stdin open), as after the
            // docker CLI's ctrl-p,ctrl-q.
            () = fired(&mut detached), if detached.is_some() => return Ok(SessionEnd::Detached),
        }
    }
    let code = exit_code(docker, &id, name).await?;
    Ok(SessionEnd::Exited(i32::try_from(code).unwrap_or(255)))
}

/// The next item of an optional channel (pending forever without one; the
/// `select!` guards keep that branch off then).
async fn recv<T>(rx: &mut Option<mpsc::Receiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Whether the operator typed the detach keys (pending until then, and
/// forever when the channel closes without it).
async fn fired(rx: &mut Option<tokio::sync::oneshot::Receiver<()>>) {
    let typed = match rx.as_mut() {
        Some(r) => r.await.is_ok(),
        None => false,
    };
    if !typed {
        // Stdin ended without them: never again.
        *rx = None;
        std::future::pending::<()>().await;
    }
}

/// The exit code, once the engine says the command is no longer running.
async fn exit_code(docker: &Docker, id: &str, name: &str) -> Result<i64, ContainerError> {
    let deadline = tokio::time::Instant::now() + EXIT_CODE_WAIT;
    loop {
        let inspected = docker
            .inspect_exec(id)
            .await
            .map_err(|e| ContainerError::call(format!("inspecting exec in {name}"), &e))?;
        match (inspected.running, inspected.exit_code) {
            (Some(false) | None, Some(code)) => return Ok(code),
            _ if tokio::time::Instant::now() >= deadline => {
                return Err(ContainerError::Call {
                    what: format!("inspecting exec in {name}"),
                    source: DockerError::Other(format!(
                        "no exit code within {}s of the output ending",
                        EXIT_CODE_WAIT.as_secs()
                    )),
                });
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}
