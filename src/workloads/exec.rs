//! Running one command in a pod's container, as `kubectl exec` does: a
//! SelfSubjectAccessReview for `create pods/exec` first (a refusal names the
//! permission and nothing is run), the pod read to pick the container (its
//! `kubectl.kubernetes.io/default-container` annotation, else the first),
//! then the `exec` subresource over kube-rs's WebSocket: stdin, stdout and
//! stderr pumped, terminal sizes sent on the resize channel, and the exit code
//! read from the final `Status`.
//!
//! Where the bytes go (raw or sanitised), where stdin comes from and when the
//! terminal is resized is the caller's choice, handed in as [`ExecIo`].

use super::error::{ExecError, KubeError};
use super::rbac;
pub use crate::target::{ExecIo, SessionEnd};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{Api, AttachParams, TerminalSize};
use std::io::Write;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// The annotation kubectl reads for the container to exec into by default.
pub const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";

/// What to run, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodExecRequest {
    pub namespace: String,
    pub pod: String,
    /// `-c`; `None`: the pod's default container.
    pub container: Option<String>,
    /// The command and its arguments (never empty).
    pub command: Vec<String>,
    /// Attach stdin (`-i`): the caller sends it through [`ExecIo::stdin`].
    pub stdin: bool,
    /// Give the command a TTY (`-t`): its output arrives as one stream.
    pub tty: bool,
}

/// The pod's container names, in spec order: regular ones, then init and
/// ephemeral ones (which may be exec'd into while they run).
pub fn container_names(pod: &Pod) -> Vec<String> {
    let Some(spec) = &pod.spec else {
        return Vec::new();
    };
    let regular = spec.containers.iter().map(|c| c.name.clone());
    let init = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| c.name.clone());
    let ephemeral = spec
        .ephemeral_containers
        .iter()
        .flatten()
        .map(|c| c.name.clone());
    regular.chain(init).chain(ephemeral).collect()
}

/// The container `kubectl exec` picks without `-c`: the one the
/// default-container annotation names when the pod has it, else the first.
pub fn default_container(pod: &Pod) -> Option<String> {
    let regular: Vec<&str> = pod
        .spec
        .iter()
        .flat_map(|s| s.containers.iter().map(|c| c.name.as_str()))
        .collect();
    let annotated = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CONTAINER))
        .map(String::as_str)
        .filter(|name| container_names(pod).iter().any(|c| c == name));
    annotated.or(regular.first().copied()).map(str::to_string)
}

/// The container to run in: `asked` if the pod has it, else its default.
pub fn choose_container(pod: &Pod, asked: Option<&str>) -> Result<String, ExecError> {
    let known = container_names(pod);
    let pod_name = || {
        format!(
            "{}/{}",
            pod.metadata.namespace.as_deref().unwrap_or_default(),
            pod.metadata.name.as_deref().unwrap_or_default()
        )
    };
    match asked {
        Some(c) if known.iter().any(|k| k == c) => Ok(c.to_string()),
        Some(c) => Err(ExecError::UnknownContainer {
            pod: pod_name(),
            asked: c.to_string(),
            known,
        }),
        None => default_container(pod).ok_or_else(|| ExecError::UnknownContainer {
            pod: pod_name(),
            asked: String::new(),
            known,
        }),
    }
}

/// Check `create pods/exec`, pick the container, run `req` and return the
/// command's exit code.
pub async fn run(
    client: &kube::Client,
    req: &PodExecRequest,
    io: ExecIo<'_>,
) -> Result<SessionEnd, ExecError> {
    let ns = &req.namespace;
    let where_ = format!("{ns}/{}", req.pod);
    match rbac::review(client, "create", "", "pods", Some("exec"), ns).await {
        Ok(None) => {}
        Ok(Some(reason)) => {
            return Err(ExecError::Denied {
                namespace: ns.clone(),
                reason,
            });
        }
        Err(e) => return Err(ExecError::Review(Box::new(e))),
    }
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let pod = pods
        .get(&req.pod)
        .await
        .map_err(|e| match KubeError::from(&e) {
            KubeError::Api { code: 404, .. } => ExecError::NoSuchPod {
                namespace: ns.clone(),
                name: req.pod.clone(),
            },
            source => ExecError::Call {
                what: format!("reading pod {where_}"),
                source,
            },
        })?;
    let container = choose_container(&pod, req.container.as_deref())?;
    let params = AttachParams {
        container: Some(container),
        stdin: req.stdin,
        stdout: true,
        // With a TTY the remote side has one output stream (kube-rs and the
        // API server refuse both).
        stderr: !req.tty,
        tty: req.tty,
        ..Default::default()
    };
    let mut attached = pods
        .exec(&req.pod, req.command.clone(), &params)
        .await
        .map_err(|e| ExecError::Call {
            what: format!("exec in {where_}"),
            source: KubeError::from(&e),
        })?;
    let status = attached.take_status();
    let ExecIo {
        stdout,
        stderr,
        stdin,
        resize,
        detached,
    } = io;
    let mut remote_stdin = attached.stdin();
    let sizes = attached.terminal_size();
    let out = attached.stdout();
    let err = attached.stderr();
    // Input runs beside the output: the command may wait for EOF before
    // printing (`cat`), or exit while stdin still has more.
    let feeder = tokio::spawn(async move {
        let Some(mut rx) = stdin else {
            return;
        };
        if let Some(w) = remote_stdin.as_mut() {
            while let Some(bytes) = rx.recv().await {
                if w.write_all(&bytes).await.and(w.flush().await).is_err() {
                    return;
                }
            }
            // EOF: dropping the writer makes kube-rs send the v5 close frame.
            let _ = w.shutdown().await;
        }
        drop(remote_stdin);
    });
    let resizer = sizes
        .zip(resize)
        .map(|(tx, rx)| tokio::spawn(send_sizes(rx, tx)));
    let status = async move {
        match status {
            Some(s) => s.await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(status);
    let (mut out, mut err) = (out, err);
    // The status future resolves when the session ends: with the `Status`,
    // or with nothing when the connection dropped. kube-rs then leaves the
    // output streams open (it drops its writers without shutting them), so
    // reading them to EOF would wait forever: drain what is buffered, briefly.
    let left = async move {
        let typed = match detached {
            Some(rx) => rx.await.is_ok(),
            None => false,
        };
        if !typed {
            std::future::pending::<()>().await;
        }
    };
    let ended = tokio::select! {
        pumped = pump(&mut out, &mut err, stdout, stderr, None) => {
            pumped.map(|()| None)
        }
        st = &mut status => Ok(Some(st)),
        // Detached: a Kubernetes exec lives only as long as its connection,
        // which ends when `attached` is dropped on return.
        () = left => {
            feeder.abort();
            if let Some(r) = resizer {
                r.abort();
            }
            return Ok(SessionEnd::Detached);
        }
    };
    let result = match ended {
        Ok(None) => Ok(status.await),
        Ok(Some(st)) => {
            let idle = Some(std::time::Duration::from_millis(300));
            pump(&mut out, &mut err, stdout, stderr, idle)
                .await
                .map(|()| st)
        }
        Err(e) => Err(e),
    };
    feeder.abort();
    if let Some(r) = resizer {
        r.abort();
    }
    exit_code(result?.as_ref(), &where_).map(SessionEnd::Exited)
}

/// Forward terminal sizes `(cols, rows)` to the session's resize channel.
pub async fn send_sizes(
    mut rx: mpsc::Receiver<(u16, u16)>,
    mut tx: futures::channel::mpsc::Sender<TerminalSize>,
) {
    use futures::SinkExt;
    while let Some((cols, rows)) = rx.recv().await {
        let size = TerminalSize {
            width: cols,
            height: rows,
        };
        if tx.send(size).await.is_err() {
            return;
        }
    }
}

/// Copy the remote stdout and stderr to the local writers until both end.
/// With `idle`, stop once neither stream has had anything for that long
/// (draining after the session ended).
async fn pump(
    out: &mut Option<impl AsyncRead + Unpin>,
    err: &mut Option<impl AsyncRead + Unpin>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    idle: Option<std::time::Duration>,
) -> Result<(), ExecError> {
    let local = |what: &'static str| {
        move |e: std::io::Error| ExecError::Local {
            what,
            reason: e.to_string(),
        }
    };
    let mut ob = vec![0u8; 16 * 1024];
    let mut eb = vec![0u8; 16 * 1024];
    while out.is_some() || err.is_some() {
        tokio::select! {
            n = read(out, &mut ob), if out.is_some() => match n {
                Ok(0) | Err(_) => *out = None,
                Ok(n) => stdout.write_all(&ob[..n]).and_then(|()| stdout.flush()).map_err(local("writing stdout"))?,
            },
            n = read(err, &mut eb), if err.is_some() => match n {
                Ok(0) | Err(_) => *err = None,
                Ok(n) => stderr.write_all(&eb[..n]).and_then(|()| stderr.flush()).map_err(local("writing stderr"))?,
            },
            () = quiet(idle) => return Ok(()),
        }
    }
    Ok(())
}

async fn quiet(idle: Option<std::time::Duration>) {
    match idle {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

async fn read<R: AsyncRead + Unpin>(r: &mut Option<R>, buf: &mut [u8]) -> std::io::Result<usize> {
    match r {
        Some(r) => r.read(buf).await,
        None => std::future::pending().await,
    }
}

/// The exit code a final `Status` carries: 0 on `Success`, the `ExitCode`
/// cause on `NonZeroExitCode`; any other failure is the server's reason.
pub fn exit_code(status: Option<&Status>, pod: &str) -> Result<i32, ExecError> {
    let Some(s) = status else {
        return Err(ExecError::NoStatus(pod.to_string()));
    };
    if s.status.as_deref() == Some("Success") {
        return Ok(0);
    }
    let reason = s.reason.as_deref().unwrap_or_default();
    let code = (reason == "NonZeroExitCode")
        .then_some(s.details.as_ref())
        .flatten()
        .and_then(|d| d.causes.as_ref())
        .into_iter()
        .flatten()
        .find(|c| c.reason.as_deref() == Some("ExitCode"))
        .and_then(|c| c.message.as_deref()?.trim().parse::<i32>().ok());
    match code {
        Some(code) => Ok(code),
        None => {
            let clean = |t: &str| crate::text::sanitize(t).into_owned();
            Err(ExecError::Failed {
                pod: pod.to_string(),
                reason: (!reason.is_empty()).then(|| clean(reason)),
                message: clean(s.message.as_deref().unwrap_or("the session failed")),
            })
        }
    }
}

#[cfg(test)]
#[path = "exec_tests.rs"]
mod tests;
