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
