//! A running forward: local listeners, and for every connection accepted
//! one stream over the pod's `portforward` subresource (kube-rs's
//! WebSocket client; one WebSocket per connection, as kubectl's WebSocket
//! tunnel does), copied both ways with the bytes counted.
//!
//! The pod behind a service or controller is re-resolved when a connection
//! finds it gone (the event says from which pod to which); a `pod/NAME`
//! forward whose pod is gone ends, as kubectl's does. The pod is watched
//! ([`follow`]), so its going is known when it happens — the list and the
//! headless output say so at once, and the next connection does not have to
//! fail first to find out. Events go to the
//! caller's sink (printed by the headless command, sent to the pane by the
//! worker); the counters are sent as [`ForwardEvent::Stats`] at most once a
//! second, and only when they changed.

use super::error::ForwardError;
use super::resolve::{self, Resolved};
use super::spec::{ForwardTarget, PortSpec, TargetKind};
use crate::workloads::error::KubeError;
use crate::workloads::rbac;
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// What to forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardRequest {
    pub namespace: String,
    pub target: ForwardTarget,
    pub ports: Vec<PortSpec>,
    /// Local addresses to listen on (kubectl's `--address`); 127.0.0.1 when empty.
    pub addresses: Vec<IpAddr>,
}

impl ForwardRequest {
    fn addresses(&self) -> Vec<IpAddr> {
        if self.addresses.is_empty() {
            vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]
        } else {
            self.addresses.clone()
        }
    }

    /// `8080:80 :9090` as the operator asked it.
    pub fn ports_text(&self) -> String {
        let specs: Vec<String> = self.ports.iter().map(ToString::to_string).collect();
        specs.join(" ")
    }
}

/// One local listener and the pod port it forwards to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listener {
    pub addr: SocketAddr,
    pub remote: u16,
}

/// What a forward has carried so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForwardStats {
    /// Connections open now.
    pub active: u64,
    /// Connections accepted in all.
    pub connections: u64,
    /// Bytes from the local clients to the pod.
    pub bytes_out: u64,
    /// Bytes from the pod to the local clients.
    pub bytes_in: u64,
    /// Connections that failed (could not reach the pod, or the pod's side refused).
    pub errors: u64,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardEvent {
    /// Listening: every local address and the pod port behind it.
    Listening {
        pod: String,
        listeners: Vec<Listener>,
    },
    /// A local client connected (kubectl's "Handling connection for 8080").
    Connection { local: SocketAddr },
    /// The pod went away; connections now go to another one.
    Moved { from: String, to: String },
    /// The pod went away and no other one can take its place yet (the
    /// forward keeps listening and tries again).
    Waiting { gone: String, reason: String },
    /// One connection failed; the forward goes on.
    ConnectionError { local: SocketAddr, error: String },
    /// The counters changed.
    Stats(ForwardStats),
}

/// Where events go.
pub type EventSink = Arc<dyn Fn(ForwardEvent) + Send + Sync>;

#[derive(Default)]
struct Counters {
    active: AtomicU64,
    connections: AtomicU64,
    bytes_out: AtomicU64,
    bytes_in: AtomicU64,
    errors: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Counters {
    fn snapshot(&self) -> ForwardStats {
        ForwardStats {
            active: self.active.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
            bytes_out: self.bytes_out.load(Ordering::Relaxed),
            bytes_in: self.bytes_in.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            last_error: self.last_error.lock().ok().and_then(|e| e.clone()),
        }
    }
}

/// What every connection shares.
struct Shared {
    client: kube::Client,
    req: ForwardRequest,
    /// The pod and ports connections go to now.
    current: tokio::sync::Mutex<Resolved>,
    counters: Counters,
    events: EventSink,
    /// Set when a `pod/NAME` forward's pod is gone: the forward ends with it.
    lost: tokio::sync::watch::Sender<Option<ForwardError>>,
}

/// A forward that ended in error, with what it carried until then (all
/// zero when it never started listening), so the audit entry is true.
#[derive(Debug, Clone, PartialEq)]
pub struct Failed {
    pub error: ForwardError,
    pub carried: ForwardStats,
}

impl From<ForwardError> for Failed {
    fn from(error: ForwardError) -> Self {
        Self {
            error,
            carried: ForwardStats::default(),
        }
    }
}

/// Check `create pods/portforward`, resolve the target, listen, and forward
/// until `stop` resolves (or the pod of a `pod/NAME` forward is gone).
/// Returns what was carried.
pub async fn run(
    client: kube::Client,
    req: ForwardRequest,
    events: EventSink,
    stop: impl std::future::Future<Output = ()>,
) -> Result<ForwardStats, Failed> {
    let ns = req.namespace.clone();
    match rbac::review(&client, "create", "", "pods", Some("portforward"), &ns).await {
        Ok(None) => {}
        Ok(Some(reason)) => {
            return Err(ForwardError::Denied {
                namespace: ns,
                reason,
            }
            .into());
        }
        Err(e) => return Err(ForwardError::Review(Box::new(e)).into()),
    }
    let resolved = resolve::resolve(&client, &ns, &req.target, &req.ports).await?;
    let bound = listen(&req.addresses(), &resolved).await?;
    events(ForwardEvent::Listening {
        pod: resolved.pod.clone(),
        listeners: bound
            .iter()
            .map(|(l, index)| Listener {
                addr: l
                    .local_addr()
                    .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0))),
                remote: resolved.ports[*index].remote,
            })
            .collect(),
    });
    let (lost, mut lost_rx) = tokio::sync::watch::channel(None);
    let shared = Arc::new(Shared {
        client,
        req,
        current: tokio::sync::Mutex::new(resolved),
        counters: Counters::default(),
        events,
        lost,
    });
    let mut tasks = JoinSet::new();
    for (listener, index) in bound {
        tasks.spawn(accept(listener, index, shared.clone()));
    }
    tasks.spawn(follow(shared.clone()));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut sent = ForwardStats::default();
    tokio::pin!(stop);
    let ended = loop {
        tokio::select! {
            () = &mut stop => break None,
            changed = lost_rx.changed() => {
                if changed.is_err() { break None; }
                if let Some(e) = lost_rx.borrow().clone() { break Some(e); }
            }
            _ = tick.tick() => {
                let now = shared.counters.snapshot();
                if now != sent {
                    (shared.events)(ForwardEvent::Stats(now.clone()));
                    sent = now;
                }
            }
        }
    };
    // Listeners and open connections end with the forward.
    tasks.shutdown().await;
    let last = shared.counters.snapshot();
    if last != sent {
        (shared.events)(ForwardEvent::Stats(last.clone()));
    }
    match ended {
        Some(error) => Err(Failed {
            error,
            carried: last,
        }),
        None => Ok(last),
    }
}

/// Follow the pod connections go to. When it goes, a `pod/NAME` forward
/// ends (kubectl's "lost connection to pod"); any other moves to the pod its
/// target resolves to now, or says it waits for one and tries again.
async fn follow(shared: Arc<Shared>) {
    let ns = shared.req.namespace.clone();
    loop {
        let pod = shared.current.lock().await.pod.clone();
        let why = super::follow::until_gone(shared.client.clone(), &ns, &pod).await;
        let mut wait = Duration::from_secs(1);
        let mut said = false;
        loop {
            let mut current = shared.current.lock().await;
            if current.pod != pod {
                // A connection found it gone first and moved on.
                break;
            }
            if shared.req.target.kind == TargetKind::Pod {
                let lost = ForwardError::Lost {
                    pod: format!("{ns}/{pod}"),
                    reason: why,
                };
                let _ = shared.lost.send(Some(lost));
                return;
            }
            match resolve::resolve(&shared.client, &ns, &shared.req.target, &shared.req.ports).await
            {
                Ok(next) => {
                    (shared.events)(ForwardEvent::Moved {
                        from: pod.clone(),
                        to: next.pod.clone(),
                    });
                    *current = next;
                    break;
                }
                Err(e) => {
                    drop(current);
                    if !said {
                        (shared.events)(ForwardEvent::Waiting {
                            gone: pod.clone(),
                            reason: crate::text::sanitize(&e.to_string()).into_owned(),
                        });
                        said = true;
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(10));
                }
            }
        }
    }
}

/// Bind every (address, port) pair; `(listener, index into resolved.ports)`.
/// A port picked by the system for the first address is reused for the
/// others, so one forward has one local port per remote port.
async fn listen(
    addresses: &[IpAddr],
    resolved: &Resolved,
) -> Result<Vec<(TcpListener, usize)>, ForwardError> {
    let mut bound = Vec::new();
    for (index, pair) in resolved.ports.iter().enumerate() {
        let mut port = pair.local;
        for ip in addresses {
            let l = bind(SocketAddr::new(*ip, port)).await?;
            if port == 0 {
                port = l.local_addr().map(|a| a.port()).unwrap_or(0);
            }
            bound.push((l, index));
        }
    }
    Ok(bound)
}

/// Listen on `addr`; a refusal names the address (in use, not this host's).
pub(super) async fn bind(addr: SocketAddr) -> Result<TcpListener, ForwardError> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| ForwardError::Listen {
            addr: addr.to_string(),
            reason: e.to_string(),
        })
}

async fn accept(listener: TcpListener, index: usize, shared: Arc<Shared>) {
    let mut conns = JoinSet::new();
    loop {
        let sock = match listener.accept().await {
            Ok((sock, _peer)) => sock,
            Err(e) => {
                // Out of descriptors and the like: wait instead of spinning.
                tracing::warn!("port-forward accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let local = sock
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        (shared.events)(ForwardEvent::Connection { local });
        let c = &shared.counters;
        c.connections.fetch_add(1, Ordering::Relaxed);
        c.active.fetch_add(1, Ordering::Relaxed);
        let shared = shared.clone();
        conns.spawn(async move {
            if let Err(error) = connection(sock, index, &shared).await {
                let c = &shared.counters;
                c.errors.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut last) = c.last_error.lock() {
                    *last = Some(error.clone());
                }
                (shared.events)(ForwardEvent::ConnectionError { local, error });
            }
            shared.counters.active.fetch_sub(1, Ordering::Relaxed);
        });
        // Reap finished connections so the set holds only open ones.
        while conns.try_join_next().is_some() {}
    }
}

/// Open the pod side, re-resolving once if the pod is gone. The lock is
/// held only to read or replace the target, never across a connect, so
/// concurrent connections open their WebSockets side by side.
async fn open(shared: &Shared, index: usize) -> Result<(kube::api::Portforwarder, u16), String> {
    let ns = &shared.req.namespace;
    let pods: Api<Pod> = Api::namespaced(shared.client.clone(), ns);
    let mut moved = false;
    loop {
        let (pod, remote) = {
            let current = shared.current.lock().await;
            (current.pod.clone(), current.ports[index].remote)
        };
        let e = match pods.portforward(&pod, &[remote]).await {
            Ok(pf) => return Ok((pf, remote)),
            Err(e) => KubeError::from(&e),
        };
        let gone = matches!(e, KubeError::Api { code: 404, .. });
        let why = crate::text::sanitize(&e.to_string()).into_owned();
        if !gone || moved {
            return Err(format!("forwarding to {ns}/{pod}:{remote}: {why}"));
        }
        if shared.req.target.kind == TargetKind::Pod {
            let lost = ForwardError::Lost {
                pod: format!("{ns}/{pod}"),
                reason: why,
            };
            let _ = shared.lost.send(Some(lost));
            return Err(format!("pod {ns}/{pod} is gone"));
        }
        moved = true;
        let mut current = shared.current.lock().await;
        if current.pod != pod {
            // Another connection found it gone first and moved on.
            continue;
        }
        let next = resolve::resolve(&shared.client, ns, &shared.req.target, &shared.req.ports)
            .await
            .map_err(|e| format!("pod {ns}/{pod} is gone and {e}"))?;
        (shared.events)(ForwardEvent::Moved {
            from: pod,
            to: next.pod.clone(),
        });
        *current = next;
    }
}

/// One local connection, carried to the pod until either side closes.
async fn connection(sock: TcpStream, index: usize, shared: &Shared) -> Result<(), String> {
    let (mut pf, remote) = open(shared, index).await?;
    let Some(stream) = pf.take_stream(remote) else {
        return Err(format!("no stream for port {remote}"));
    };
    let pod_error = pf.take_error(remote);
    let (local_r, local_w) = sock.into_split();
    let (pod_r, pod_w) = tokio::io::split(stream);
    let c = &shared.counters;
    let carry = async {
        tokio::join!(
            copy(local_r, pod_w, &c.bytes_out),
            copy(pod_r, local_w, &c.bytes_in)
        )
    };
    let refused = async {
        match pod_error {
            Some(e) => e.await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = carry => {}
        Some(message) = refused => {
            let text = crate::text::sanitize(&message).into_owned();
            return Err(format!("the pod's side of port {remote}: {text}"));
        }
    }
    // Both directions are done: wait for the WebSocket to close (its own
    // errors at that point change nothing for this connection).
    let _ = pf.join().await;
    Ok(())
}

/// Copy until EOF, counting, then close the write side (a half-close
/// travels on: the pod's server sees the client's end of request).
async fn copy(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    count: &AtomicU64,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        count.fetch_add(n as u64, Ordering::Relaxed);
    }
    let _ = to.shutdown().await;
}
