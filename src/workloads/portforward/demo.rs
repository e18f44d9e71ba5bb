//! `--demo`'s port-forward: the simulated estate has no pods to reach, so
//! each forward listens for real on the local port asked for and answers
//! every connection with an HTTP response that says it is simulated; the
//! console's list, counters and audit entries are the real ones.

use super::engine::{EventSink, ForwardEvent, ForwardRequest, ForwardStats, Listener};
use super::error::ForwardError;
use super::spec::{LocalPort, RemotePort};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The demo pod's port for a spec: a number as written, 8080 for a name.
fn remote(r: &RemotePort) -> u16 {
    match r {
        RemotePort::Number(n) => *n,
        RemotePort::Name(_) => 8080,
    }
}

/// The next connection on any of the listeners, and its pod port.
async fn accept_any(
    bound: &[(TcpListener, u16)],
) -> (std::io::Result<(tokio::net::TcpStream, SocketAddr)>, u16) {
    let futs: Vec<_> = bound
        .iter()
        .map(|(l, to)| Box::pin(async move { (l.accept().await, *to) }))
        .collect();
    futures::future::select_all(futs).await.0
}

pub async fn run(
    req: ForwardRequest,
    events: EventSink,
    stop: impl std::future::Future<Output = ()>,
) -> Result<ForwardStats, ForwardError> {
    let ip = req
        .addresses
        .first()
        .copied()
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let pod = match req.target.kind {
        super::spec::TargetKind::Pod => req.target.name.clone(),
        _ => format!("{}-demo", req.target.name),
    };
    let mut listeners = Vec::new();
    let mut bound = Vec::new();
    for spec in &req.ports {
        let to = remote(&spec.remote);
        let local = match spec.local {
            LocalPort::Same => to,
            LocalPort::Any => 0,
            LocalPort::Fixed(n) => n,
        };
        let addr = SocketAddr::new(ip, local);
        let l = super::engine::bind(addr).await?;
        listeners.push(Listener {
            addr: l.local_addr().unwrap_or(addr),
            remote: to,
        });
        bound.push((l, to));
    }
    events(ForwardEvent::Listening {
        pod: pod.clone(),
        listeners,
    });
    let mut stats = ForwardStats::default();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return Ok(stats),
            (accepted, to) = accept_any(&bound) => {
                let Ok((mut sock, _)) = accepted else { continue };
                let local = sock.local_addr().unwrap_or_else(|_| SocketAddr::new(ip, 0));
                events(ForwardEvent::Connection { local });
                stats.connections += 1;
                let mut buf = [0u8; 4096];
                let n = tokio::time::timeout(std::time::Duration::from_millis(200), sock.read(&mut buf))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(0);
                let body = format!(
                    "DEMO: simulated {} in namespace {}, pod {pod} port {to}\n",
                    req.target, req.namespace
                );
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
                stats.bytes_out += n as u64;
                stats.bytes_in += reply.len() as u64;
                events(ForwardEvent::Stats(stats.clone()));
            }
        }
    }
}
