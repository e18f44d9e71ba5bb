//! One polling worker per `[[prometheus]]` and per `[[alertmanager]]`: each has
//! its own source id and status, so one dead endpoint never hides the others.
//! Polls at the entry's `interval`; after errors it backs off exponentially
//! (stale first while data exists, then unreachable with the config key to fix).

use super::actions::SilenceError;
use super::client::{self, ClientError, HttpClient};
use super::model::Snapshot;
use super::{Command, Update};
use crate::config::HttpEndpoint;
use crate::source::{Probe, SourceId, SourceKind, SourceStatus, Worker, WorkerCtx};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Backoff never waits longer than this between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// What a worker polls: one full snapshot plus a status detail.
#[async_trait::async_trait]
pub trait Poll: Send + Sync + 'static {
    async fn poll(&self) -> Result<(Snapshot, String), ClientError>;
    /// The hint shown when the source is unreachable with `error`.
    fn hint(&self, error: &ClientError) -> String;
    /// Snapshots of the past sent before the first poll (the demo's backstory).
    fn history(&self) -> Vec<Snapshot> {
        Vec::new()
    }
}

pub struct PollWorker<P: Poll> {
    id: SourceId,
    interval: Duration,
    poller: P,
    /// Rung by the action handler after a silence changed, to poll at once.
    nudge: Arc<Notify>,
}

impl<P: Poll> PollWorker<P> {
    pub fn new(id: SourceId, interval: Duration, poller: P, nudge: Arc<Notify>) -> Self {
        Self {
            id,
            interval: interval.max(Duration::from_millis(200)),
            poller,
            nudge,
        }
    }
}

/// The wait before the next poll after `failures` consecutive errors.
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    let factor = 1u32 << failures.min(10);
    interval
        .saturating_mul(factor)
        .min(MAX_BACKOFF.max(interval))
}

#[async_trait::async_trait]
impl<P: Poll> Worker for PollWorker<P> {
    type Update = crate::alerts::Update;
    type Command = crate::alerts::Command;

    fn id(&self) -> SourceId {
        self.id.clone()
    }

    async fn run(self: Box<Self>, mut ctx: WorkerCtx<Self::Update, Self::Command>) {
        if !ctx.status(&self.id, SourceStatus::Loading).await {
            return;
        }
        for snap in self.poller.history() {
            let u = Update::Snapshot(Box::new(snap));
            if ctx.updates.send(u).await.is_err() {
                return;
            }
        }
        let mut failures = 0u32;
        let mut have_data = false;
        let mut commands_open = true;
        loop {
            let status = match self.poller.poll().await {
                Ok((snap, detail)) => {
                    failures = 0;
                    have_data = true;
                    if ctx
                        .updates
                        .send(Update::Snapshot(Box::new(snap)))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    SourceStatus::Connected { detail }
                }
                Err(error) => {
                    failures += 1;
                    let reason = crate::text::sanitize(&error.to_string()).into_owned();
                    let down = Update::Down {
                        source: self.id.clone(),
                        reason: reason.clone(),
                    };
                    if ctx.updates.send(down).await.is_err() {
                        return;
                    }
                    if have_data && failures < 2 {
                        SourceStatus::Stale { reason }
                    } else {
                        SourceStatus::Unreachable {
                            hint: self.poller.hint(&error),
                            reason,
                        }
                    }
                }
            };
            if !ctx.status(&self.id, status).await {
                return;
            }
            let sleep = tokio::time::sleep(backoff(self.interval, failures));
            tokio::pin!(sleep);
            loop {
                tokio::select! {
                    _ = &mut sleep => break,
                    _ = self.nudge.notified() => break,
                    cmd = ctx.commands.recv(), if commands_open => match cmd {
                        Some(Command::Refresh) => break,
                        None => commands_open = false,
                    },
                }
            }
            if ctx.updates.is_closed() {
                return;
            }
        }
    }

    async fn probe(&self) -> Probe {
        match self.poller.poll().await {
            Ok((snap, detail)) => Probe {
                source: self.id.to_string(),
                ok: true,
                detail: format!(
                    "{detail}; {} alerts{}",
                    snap.alerts.len(),
                    if snap.broken_rules.is_empty() {
                        String::new()
                    } else {
                        format!(", {} broken rules", snap.broken_rules.len())
                    }
                ),
                hint: String::new(),
            },
            Err(e) => Probe {
                source: self.id.to_string(),
                ok: false,
                hint: self.poller.hint(&e),
                detail: crate::text::sanitize(&e.to_string()).into_owned(),
            },
        }
    }
}

/// A client built once its secret files can be read; rebuilt while they cannot.
struct LazyClient {
    ep: HttpEndpoint,
    client: Mutex<Option<HttpClient>>,
}

impl LazyClient {
    fn new(ep: HttpEndpoint) -> Self {
        Self {
            ep,
            client: Mutex::new(None),
        }
    }

    fn get(&self) -> Result<HttpClient, ClientError> {
        let mut guard = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = guard.as_ref() {
            return Ok(c.clone());
        }
        let c = HttpClient::new(&self.ep)?;
        *guard = Some(c.clone());
        Ok(c)
    }
}

/// Name each failed side request in the status text, so a partial picture
/// does not pass for a complete one on the status line or in `doctor`.
fn push_partial(detail: &mut String, snap: &Snapshot) {
    for (what, err) in &snap.partial {
        detail.push_str(&format!(
            "; {what} unavailable: {}",
            crate::text::sanitize(err)
        ));
    }
}

pub struct PromPoller {
    client: LazyClient,
    version: Mutex<Option<String>>,
}

impl PromPoller {
    pub fn new(ep: HttpEndpoint) -> Self {
        Self {
            client: LazyClient::new(ep),
            version: Mutex::new(None),
        }
    }
}

#[async_trait::async_trait]
impl Poll for PromPoller {
    async fn poll(&self) -> Result<(Snapshot, String), ClientError> {
        let c = self.client.get()?;
        let snap = client::prometheus_snapshot(&c, &self.client.ep.name).await?;
        let cached = self
            .version
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let version = match cached {
            Some(v) => v,
            // Old servers lack buildinfo; that is no reason to call them down.
            None => {
                let v = client::prometheus_version(&c)
                    .await
                    .unwrap_or_else(|_| "version ?".into());
                *self.version.lock().unwrap_or_else(|p| p.into_inner()) = Some(v.clone());
                v
            }
        };
        let mut detail = if snap.rules_at.is_some() {
            format!("{version}, {} rules", snap.rules_total)
        } else {
            version
        };
        if !snap.broken_rules.is_empty() {
            detail.push_str(&format!(", {} broken", snap.broken_rules.len()));
        }
        push_partial(&mut detail, &snap);
        Ok((snap, detail))
    }

    fn hint(&self, error: &ClientError) -> String {
        error.hint(SourceKind::Prometheus, &self.client.ep)
    }
}

pub struct AmPoller {
    client: LazyClient,
}

impl AmPoller {
    pub fn new(ep: HttpEndpoint) -> Self {
        Self {
            client: LazyClient::new(ep),
        }
    }
}

#[async_trait::async_trait]
impl Poll for AmPoller {
    async fn poll(&self) -> Result<(Snapshot, String), ClientError> {
        let c = self.client.get()?;
        let (snap, status) = tokio::join!(
            client::alertmanager_snapshot(&c, &self.client.ep.name),
            client::am_status(&c)
        );
        let mut snap = snap?;
        // `/api/v2/status` only feeds the version line: never a reason to drop alerts.
        let version = match status {
            Ok(s) => s.detail(),
            Err(e) => {
                snap.partial.push(("status".into(), e.to_string()));
                "version ?".into()
            }
        };
        let mut detail = version;
        if snap.silences_at.is_some() {
            let active = snap
                .silences
                .iter()
                .filter(|s| s.state == super::model::SilenceState::Active)
                .count();
            detail.push_str(&format!(", {active} active silences"));
        }
        push_partial(&mut detail, &snap);
        Ok((snap, detail))
    }

    fn hint(&self, error: &ClientError) -> String {
        error.hint(SourceKind::Alertmanager, &self.client.ep)
    }
}

/// The live [`AmApi`](super::actions::AmApi): configured Alertmanagers over HTTP.
pub struct LiveAm {
    pub endpoints: Vec<HttpEndpoint>,
    pub nudges: std::collections::HashMap<String, Arc<Notify>>,
}

impl LiveAm {
    fn client(&self, am: &str) -> Result<HttpClient, SilenceError> {
        let ep = self
            .endpoints
            .iter()
            .find(|e| e.name == am)
            .ok_or_else(|| SilenceError::UnknownAlertmanager {
                name: am.to_string(),
                configured: self.endpoints.iter().map(|e| e.name.clone()).collect(),
            })?;
        Ok(HttpClient::new(ep)?)
    }
}

#[async_trait::async_trait]
impl super::actions::AmApi for LiveAm {
    fn names(&self) -> Vec<String> {
        self.endpoints.iter().map(|e| e.name.clone()).collect()
    }

    async fn alerts(&self, am: &str) -> Result<Vec<super::model::Alert>, SilenceError> {
        let c = self.client(am)?;
        Ok(client::am_alerts(&c)
            .await?
            .into_iter()
            .map(super::api::AmAlert::into_model)
            .collect())
    }

    async fn silences(&self, am: &str) -> Result<Vec<super::model::Silence>, SilenceError> {
        Ok(client::am_silences(&self.client(am)?, am).await?)
    }

    async fn create(
        &self,
        am: &str,
        s: &super::api::PostableSilence,
    ) -> Result<String, SilenceError> {
        Ok(client::am_create_silence(&self.client(am)?, s).await?)
    }

    async fn expire(&self, am: &str, id: &str) -> Result<(), SilenceError> {
        Ok(client::am_expire_silence(&self.client(am)?, id).await?)
    }

    fn changed(&self, am: &str) {
        if let Some(n) = self.nudges.get(am) {
            n.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let i = Duration::from_secs(15);
        assert_eq!(backoff(i, 0), i);
        assert_eq!(backoff(i, 1), Duration::from_secs(30));
        assert_eq!(backoff(i, 3), Duration::from_secs(120));
        assert_eq!(backoff(i, 30), MAX_BACKOFF);
        assert_eq!(
            backoff(Duration::from_secs(600), 2),
            Duration::from_secs(600)
        );
    }
}
