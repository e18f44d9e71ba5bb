//! One watcher task: list, then stream changes, for one kind in one
//! namespace (or all), telling the supervisor when its data is current and
//! when it fails.
//!
//! Its own backoff, not kube-runtime's: that one is reset by every event,
//! so a watch that fails right after each successful list (objects without
//! a `resourceVersion`, a proxy cutting long polls) re-listed twice a
//! second forever. Here the wait grows from 1 s to 60 s and is reset only
//! once the watch has run without error for [`STEADY`]; and until then a
//! re-list that works does not report the source healthy again, so the
//! status names the failing kind steadily instead of flickering.

use super::error::KubeError;
use super::model::{Kind, Object};
use crate::source::UpdateTx;
use crate::workloads::Update;
use futures::StreamExt;
use kube::api::Api;
use kube::runtime::watcher;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What a watcher task tells the supervisor.
#[derive(Debug)]
pub(super) enum Signal {
    Loaded(Kind, Option<String>),
    Failed(Kind, Option<String>, KubeError),
}

/// How long a watch must run without error to count as healthy again.
const STEADY: Duration = Duration::from_secs(10);
const FIRST_WAIT: Duration = Duration::from_secs(1);
const MAX_WAIT: Duration = Duration::from_secs(60);

/// The wait before the next attempt: doubling while failures keep coming,
/// back to the first once the watch has been steady.
#[derive(Debug)]
pub(super) struct Backoff {
    next: Duration,
    /// The watch's last (re)list, while no error followed it.
    up_since: Option<Instant>,
    /// A failure happened since the watch was last steady.
    troubled: bool,
}

impl Backoff {
    pub(super) fn new() -> Self {
        Self {
            next: FIRST_WAIT,
            up_since: None,
            troubled: false,
        }
    }

    /// The list worked: the watch is up (not yet steady).
    pub(super) fn listed(&mut self, now: Instant) {
        self.up_since = Some(now);
    }

    /// It failed: how long to wait before trying again.
    pub(super) fn failed(&mut self, now: Instant) -> Duration {
        if self.steady(now) {
            self.next = FIRST_WAIT;
        }
        self.up_since = None;
        self.troubled = true;
        let wait = self.next;
        self.next = (self.next * 2).min(MAX_WAIT);
        wait
    }

    fn steady(&self, now: Instant) -> bool {
        self.up_since
            .is_some_and(|t| now.saturating_duration_since(t) >= STEADY)
    }

    /// When the watch, up now, will have been steady (None: not up, or
    /// nothing to prove because it never failed).
    pub(super) fn healthy_at(&self) -> Option<Instant> {
        self.up_since.filter(|_| self.troubled).map(|t| t + STEADY)
    }

    /// Steady again: the next failure starts from the first wait.
    pub(super) fn recovered(&mut self) {
        self.troubled = false;
        self.next = FIRST_WAIT;
    }
}

/// Run one watcher until aborted. A failure (of the list or of the watch)
/// is signalled and waited out by [`Backoff`]; after an error once loaded
/// a fresh watcher re-lists, replacing the stale objects.
pub(super) async fn watch<K>(
    api: Api<K>,
    kind: Kind,
    ns: Option<String>,
    convert: fn(&K) -> Object,
    tx: UpdateTx<crate::workloads::Update>,
    signals: mpsc::Sender<Signal>,
) where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    let mut backoff = Backoff::new();
    loop {
        let stream = watcher(api.clone(), watcher::Config::default());
        futures::pin_mut!(stream);
        let mut buffer = Vec::new();
        let mut loaded = false;
        loop {
            // Once the re-listed watch has run long enough, say so.
            let healthy_at = backoff.healthy_at();
            let ev = tokio::select! {
                ev = stream.next() => ev,
                () = sleep_until(healthy_at), if healthy_at.is_some() => {
                    backoff.recovered();
                    let _ = signals.send(Signal::Loaded(kind, ns.clone())).await;
                    continue;
                }
            };
            let Some(ev) = ev else { break };
            let update = match ev {
                Ok(watcher::Event::Init) => {
                    buffer.clear();
                    continue;
                }
                Ok(watcher::Event::InitApply(o)) => {
                    buffer.push(convert(&o));
                    continue;
                }
                Ok(watcher::Event::InitDone) => {
                    let objects = std::mem::take(&mut buffer);
                    if tx
                        .send(Update::Reset {
                            kind,
                            namespace: ns.clone(),
                            objects,
                        })
                        .await
                        .is_err()
                    {
                        return;
                    }
                    loaded = true;
                    backoff.listed(Instant::now());
                    // After trouble, current data is not yet a healthy source.
                    if backoff.healthy_at().is_none() {
                        let _ = signals.send(Signal::Loaded(kind, ns.clone())).await;
                    }
                    continue;
                }
                Ok(watcher::Event::Apply(o)) => Update::Apply(convert(&o)),
                Ok(watcher::Event::Delete(o)) => Update::Delete {
                    kind,
                    key: convert(&o).key(),
                },
                Err(e) => {
                    let e = KubeError::from_watch(&e);
                    let _ = signals.send(Signal::Failed(kind, ns.clone(), e)).await;
                    tokio::time::sleep(backoff.failed(Instant::now())).await;
                    if loaded {
                        break;
                    }
                    continue;
                }
            };
            if tx.send(update).await.is_err() {
                return;
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_between_failures_does_not_reset_the_wait() {
        let t0 = Instant::now();
        let mut b = Backoff::new();
        let mut waits = Vec::new();
        let mut t = t0;
        for _ in 0..8 {
            b.listed(t);
            t += Duration::from_millis(50); // the watch fails right after the list
            let w = b.failed(t);
            waits.push(w.as_secs());
            t += w;
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert!(b.healthy_at().is_none(), "down: not up, so not healthy");
        b.listed(t);
        assert_eq!(b.healthy_at(), Some(t + STEADY), "healthy once steady");
        // Steady for long enough: the next failure starts over.
        let w = b.failed(t + STEADY + Duration::from_secs(1));
        assert_eq!(w, FIRST_WAIT);
    }

    #[test]
    fn a_watch_that_never_failed_is_healthy_at_once() {
        let mut b = Backoff::new();
        b.listed(Instant::now());
        assert_eq!(b.healthy_at(), None, "nothing to prove");
    }
}
