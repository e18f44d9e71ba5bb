//! What one domain may name of another: the things a pane asks another
//! domain's workers for, without importing that domain. The logs pane follows
//! a pod's or a container's log stream; the workloads and containers workers
//! serve it; the runtime routes the request (see `runtime::panes`).

/// Whose log stream a viewer shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    /// A LogQL query against `[loki]`.
    Loki {
        query: String,
    },
    Pod {
        context: Option<String>,
        namespace: String,
        name: String,
        container: Option<String>,
        /// The previous (terminated) container instance.
        previous: bool,
    },
    Container {
        name: String,
    },
}

impl std::fmt::Display for LogTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Loki { query } => write!(f, "{query}"),
            Self::Pod {
                namespace,
                name,
                container,
                previous,
                ..
            } => {
                write!(f, "pod {namespace}/{name}")?;
                if let Some(c) = container {
                    write!(f, "/{c}")?;
                }
                if *previous {
                    write!(f, " (previous)")?;
                }
                Ok(())
            }
            Self::Container { name } => write!(f, "container {name}"),
        }
    }
}

/// A pod's or a container's log stream, asked of the worker that can serve it.
#[derive(Debug, Clone, PartialEq)]
pub enum LogStreamRequest {
    /// Start (or replace) the stream for a pod or container target.
    Open {
        target: LogTarget,
        follow: bool,
        since_seconds: Option<i64>,
        tail_lines: Option<usize>,
    },
    /// Stop the pod (`pod: true`) or container stream.
    Stop { pod: bool },
}

/// Which output stream a line came from (containers and pods mark stderr).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stream {
    #[default]
    Stdout,
    Stderr,
}

/// One log line as every source delivers it. `text` is raw (unsanitised): the
/// viewer sanitises at display time, so search and copy see the original.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// Nanoseconds since the epoch, when the source gives one.
    pub ts_ns: Option<i128>,
    pub stream: Stream,
    /// Stream labels (Loki) or `pod`/`container` labels, shared between lines.
    pub labels: std::sync::Arc<Vec<(String, String)>>,
    pub text: String,
}

impl LogLine {
    /// A line without labels (tests, demo, simple sources).
    pub fn new(ts_ns: Option<i128>, text: impl Into<String>) -> Self {
        Self {
            ts_ns,
            stream: Stream::Stdout,
            labels: Default::default(),
            text: text.into(),
        }
    }

    /// `{app="api", level="error"}`.
    pub fn labels_text(&self) -> String {
        crate::target::labels_text(&self.labels)
    }
}

/// A slice of a pod's or container's log stream, from the worker that serves
/// it to the logs pane (the runtime delivers it as the logs domain's update).
#[derive(Debug)]
pub enum LogChunk {
    /// A batch of lines for one target, oldest first.
    Lines {
        target: LogTarget,
        lines: Vec<LogLine>,
    },
    /// The stream ended (container exited, pod deleted) or failed.
    Ended {
        target: LogTarget,
        error: Option<String>,
    },
    /// The pod is gone: the API answered 404 for its log. Its logs can only
    /// come from a log store now.
    Gone { target: LogTarget },
}

/// One pod or container log stream being served: its lines and its end go
/// to the logs pane as the serving domain's update (`wrap`, e.g.
/// `workloads::Update::LogStream`).
pub struct LogSink<U> {
    tx: crate::source::UpdateTx<U>,
    target: LogTarget,
    wrap: fn(LogChunk) -> U,
}

impl<U: Send> LogSink<U> {
    pub fn new(tx: crate::source::UpdateTx<U>, target: LogTarget, wrap: fn(LogChunk) -> U) -> Self {
        Self { tx, target, wrap }
    }

    /// A batch of lines, oldest first; `false` once the app has gone away.
    pub async fn lines(&self, lines: Vec<LogLine>) -> bool {
        let target = self.target.clone();
        self.tx
            .send((self.wrap)(LogChunk::Lines { target, lines }))
            .await
            .is_ok()
    }

    /// The stream ended (`error`: why, when it failed).
    pub async fn end(self, error: Option<String>) {
        let chunk = LogChunk::Ended {
            target: self.target,
            error,
        };
        let _ = self.tx.send((self.wrap)(chunk)).await;
    }
}

/// `{k="v", …}` as LogQL writes a stream selector.
pub fn labels_text(labels: &[(String, String)]) -> String {
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", quote(v)))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

/// A LogQL/Go string literal.
pub fn quote(v: &str) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| format!("\"{v}\""))
}

/// Where one exec session's bytes come from and go to: the same for a
/// container (`containers::exec`) and a pod (`workloads::exec`); the caller
/// (headless `warroom exec`) chooses raw or sanitised output, stdin and sizes.
pub struct ExecIo<'a> {
    pub stdout: &'a mut dyn std::io::Write,
    pub stderr: &'a mut dyn std::io::Write,
    /// Chunks for the command's stdin; the channel closing is EOF.
    pub stdin: Option<tokio::sync::mpsc::Receiver<Vec<u8>>>,
    /// Terminal sizes `(cols, rows)` for the remote TTY, the first one right
    /// after the start.
    pub resize: Option<tokio::sync::mpsc::Receiver<(u16, u16)>>,
    /// Fires when the operator typed the detach keys ([`crate::detach`]):
    /// the session ends on this side.
    pub detached: Option<tokio::sync::oneshot::Receiver<()>>,
}

/// How a session ended, when warroom did not lose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// The command exited with this code.
    Exited(i32),
    /// The operator typed the detach keys: the session was left, the
    /// command may go on (a Docker exec does; a Kubernetes one cannot).
    Detached,
}

/// What a terminal session runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachTarget {
    Container {
        name: String,
    },
    /// A pod's container; `None`s are the CLI's defaults (the kubeconfig's
    /// context, the pod's default container).
    Pod {
        context: Option<String>,
        namespace: String,
        name: String,
        container: Option<String>,
    },
}

impl AttachTarget {
    /// The `warroom exec` arguments naming it: `container/NAME`, or
    /// `pod/NAME -n NS [-c C] [--context CTX]`.
    pub fn cli_args(&self) -> Vec<String> {
        let mut args = vec![self.to_string()];
        if let Self::Pod {
            context,
            namespace,
            container,
            ..
        } = self
        {
            args.extend(["-n".into(), namespace.clone()]);
            if let Some(c) = container {
                args.extend(["-c".into(), c.clone()]);
            }
            if let Some(ctx) = context {
                args.extend(["--context".into(), ctx.clone()]);
            }
        }
        args
    }
}

impl std::fmt::Display for AttachTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Container { name } => write!(f, "container/{name}"),
            Self::Pod { name, .. } => write!(f, "pod/{name}"),
        }
    }
}

impl AttachTarget {
    /// What the operator reads: `shop/api-7d9` for a pod (kubectl's
    /// namespace/name), `container/api` for a container.
    pub fn label(&self) -> String {
        match self {
            Self::Container { .. } => self.to_string(),
            Self::Pod {
                namespace, name, ..
            } => format!("{namespace}/{name}"),
        }
    }

    /// What else says where a session runs: ` (container api, context prod)`
    /// for a pod (what is known), empty for a container.
    pub fn details(&self) -> String {
        let Self::Pod {
            context, container, ..
        } = self
        else {
            return String::new();
        };
        let parts: Vec<String> = [
            container.as_ref().map(|c| format!("container {c}")),
            context.as_ref().map(|c| format!("context {c}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    }
}

/// Runs the first of its arguments the container has; says which were
/// tried when none is there (exit 127, as a shell does for a missing command).
const SHELL_PICKER: &str = r#"for s in "$@"; do command -v "$s" >/dev/null 2>&1 && exec "$s"; done; echo "warroom: none of these shells is in the container: $*" >&2; exit 127"#;

/// A session the console hands the terminal over to: a shell, or one command,
/// with a TTY, until it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attach {
    pub target: AttachTarget,
    pub command: Vec<String>,
    /// An interactive shell (return at once when it exits) rather than one
    /// command (show its exit and wait for Enter, so its output can be read).
    pub shell: bool,
}

impl Attach {
    /// The first of `shells` the container has (`[exec] shell`, default
    /// `bash` then `sh`). One shell runs as it is, so an image without `sh`
    /// (distroless, `/busybox/sh`) can be named; several are tried by `sh`,
    /// each passed as an argument, never pasted into the script.
    pub fn shell(target: AttachTarget, shells: &[String]) -> Self {
        let command = match shells {
            [] => vec!["sh".into()],
            [one] => vec![one.clone()],
            several => {
                let mut c: Vec<String> = vec!["sh".into(), "-c".into(), SHELL_PICKER.into()];
                c.push("warroom-shell".into());
                c.extend(several.iter().cloned());
                c
            }
        };
        Self {
            target,
            command,
            shell: true,
        }
    }

    /// One command typed in a form, split as a shell would (quoting works
    /// as the operator expects; the words then run as given, no second shell
    /// parses them). `Err`: why nothing runs.
    pub fn typed(target: AttachTarget, typed: &str) -> Result<Self, String> {
        match shlex::split(typed.trim()) {
            Some(words) if !words.is_empty() => Ok(Self {
                target,
                command: words,
                shell: false,
            }),
            Some(_) => Err("exec: no command given: nothing was run".into()),
            None => Err(format!(
                "exec: unbalanced quotes in {:?}: nothing was run",
                crate::text::sanitize(typed.trim())
            )),
        }
    }

    /// `shell in container/api` or `echo hi in container/api`, for the status line.
    pub fn describe(&self) -> String {
        if self.shell {
            format!("shell in {}", self.target.label())
        } else {
            let cmd = shlex::try_join(self.command.iter().map(String::as_str))
                .unwrap_or_else(|_| self.command.join(" "));
            format!("`{cmd}` in {}", self.target.label())
        }
    }
}

/// How far before an alert became active the jumps from it look: the cause
/// usually shows a little before the symptom crossed its threshold.
pub const ALERT_LEAD: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The alert an operator came from. Jumps carry it so the next pane fills
/// in what the alert already said (a runbook's params, a log window), and
/// a run started from it records it in its journal and export.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AlertContext {
    /// `alertname`.
    pub name: String,
    pub labels: std::collections::BTreeMap<String, String>,
    /// When it became active (Prometheus `activeAt`, Alertmanager `startsAt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<jiff::Timestamp>,
    /// Alertmanager's fingerprint of the label set, as its UI and API show it.
    pub fingerprint: String,
    /// The sources that reported it (`alertmanager main`, `prometheus prom`).
    #[serde(default)]
    pub sources: Vec<String>,
}

impl AlertContext {
    /// Where a window over this alert starts: [`ALERT_LEAD`] before it
    /// became active (`None` when the source did not say when).
    pub fn window_start(&self) -> Option<jiff::Timestamp> {
        let lead = jiff::SignedDuration::try_from(ALERT_LEAD).ok()?;
        self.starts_at.and_then(|t| t.checked_sub(lead).ok())
    }
}

/// Alertmanager's fingerprint of a label set (`model.LabelSet.Fingerprint`
/// in prometheus/common): FNV-1a 64 over the label names in order, each name
/// and value followed by the 0xff separator, printed as 16 hex digits. The
/// same string Alertmanager's API and UI show, so a journal entry can be
/// matched against them.
pub fn label_fingerprint(labels: &std::collections::BTreeMap<String, String>) -> String {
    const OFFSET: u64 = 14695981039346656037;
    const PRIME: u64 = 1099511628211;
    let mut h = OFFSET;
    let mut add = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    };
    // A BTreeMap iterates its names in byte order, as Go's sort.Strings does.
    for (name, value) in labels {
        add(name.as_bytes());
        add(&[0xff]);
        add(value.as_bytes());
        add(&[0xff]);
    }
    format!("{h:016x}")
}
