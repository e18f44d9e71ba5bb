//! Restart, stop and start: previews that say what will happen, and the live
//! handler that does it through the engine API.
//!
//! The preview is a pure function of the container as inspected, shared by
//! the live and demo handlers, so both say the same things: the current state,
//! what the action does (signal, stop timeout, the health check starting over)
//! and whether the restart policy will bring the container back.

use super::client::{self, Endpoint};
use super::error::ContainerError;
use super::model::{Container, RestartPolicy, RunState};
use crate::action::{
    ActionError, ActionHandler, ActionOutcome, ActionSpec, Confirm, Preview, PreviewLine, Progress,
};
use crate::text::{human_duration, sanitize};
use bollard::Docker;
use bollard::query_parameters::{RestartContainerOptionsBuilder, StopContainerOptionsBuilder};
use std::time::Duration;

/// The container an action names, or an error for anything not ours.
pub fn target(spec: &ActionSpec) -> Result<(&'static str, &str), ActionError> {
    match spec {
        ActionSpec::ContainerRestart { name } => Ok(("restart", name)),
        ActionSpec::ContainerStop { name } => Ok(("stop", name)),
        ActionSpec::ContainerStart { name } => Ok(("start", name)),
        other => Err(ActionError::Unsupported {
            handler: "Docker",
            verb: other.verb(),
        }),
    }
}

fn current(c: &Container, now: jiff::Timestamp) -> String {
    let mut s = format!("now: {}", c.state.label());
    if let Some(up) = c.uptime(now) {
        s.push_str(&format!(", up {}", human_duration(up)));
    }
    if c.healthcheck.is_some() {
        s.push_str(&format!(
            ", health {} (failing streak {})",
            c.health.label(),
            c.failing_streak
        ));
    }
    s.push_str(&format!(", {} restarts", c.restart_count));
    if c.state == RunState::Exited {
        s.push_str(&format!(", exit code {}", c.exit_code));
    }
    s
}

fn health_restart(c: &Container) -> Option<String> {
    let hc = c.healthcheck.as_ref()?;
    let period = hc
        .start_period
        .map(|p| format!(" (start period {})", human_duration(p)))
        .unwrap_or_default();
    Some(format!(
        "the health check starts over: \"starting\" until its first pass{period}"
    ))
}

/// What the preview says for `verb` on `c` (None: no such container).
pub fn preview(
    verb: &str,
    name: &str,
    c: Option<&Container>,
    location: &str,
    now: jiff::Timestamp,
) -> Preview {
    let shown = sanitize(name).into_owned();
    let title = match verb {
        "restart" => format!("Restart container {shown}"),
        "stop" => format!("Stop container {shown}"),
        _ => format!("Start container {shown}"),
    };
    let mut p = Preview::new(title, location);
    let Some(c) = c else {
        p.blocked = Some(format!("no container named {shown} on {location}"));
        return p;
    };
    p.lines.push(PreviewLine::Heading(current(c, now)));
    if let (Some(pr), Some(sv)) = (&c.project, &c.service) {
        p.lines.push(PreviewLine::Text(format!(
            "compose project {} · service {}",
            sanitize(pr),
            sanitize(sv)
        )));
    }
    let stop_how = format!(
        "SIGTERM, then SIGKILL after {}s if it has not exited",
        c.stop_timeout
    );
    let policy = c.restart_policy.label();
    match verb {
        "restart" => {
            if c.is_running() {
                p.lines
                    .push(PreviewLine::Removed(format!("stop it: {stop_how}")));
            } else {
                p.lines.push(PreviewLine::Text(
                    "it is not running: restart just starts it".into(),
                ));
            }
            p.lines.push(PreviewLine::Added("start it again".into()));
            if let Some(h) = health_restart(c) {
                p.lines.push(PreviewLine::Text(h));
            }
            p.lines.push(PreviewLine::Text(
                "a manual restart does not count towards the restart count".into(),
            ));
            p.summary = format!("restart {name} ({})", c.state.label());
        }
        "stop" => {
            if !c.is_running() && c.state != RunState::Paused {
                p.blocked = Some(format!("{shown} is not running ({})", c.state.label()));
                return p;
            }
            p.lines
                .push(PreviewLine::Removed(format!("stop it: {stop_how}")));
            p.lines.push(PreviewLine::Warning(match c.restart_policy {
                RestartPolicy::Always => format!(
                    "restart policy {policy}: it stays stopped now, but WILL come back when the Docker daemon restarts"
                ),
                RestartPolicy::UnlessStopped => format!(
                    "restart policy {policy}: it will NOT come back, not even after a daemon restart"
                ),
                _ => format!(
                    "restart policy {policy}: it will NOT come back until someone starts it"
                ),
            }));
            if let Some(sv) = &c.service {
                p.lines.push(PreviewLine::Text(format!(
                    "`docker compose up -d {}` or warroom's start brings it back",
                    sanitize(sv)
                )));
            }
            p.summary = format!("stop {name} (policy {policy})");
            // Taking a service down is the dangerous one: type its name.
            p.confirm = Confirm::Typed(name.to_string());
        }
        _ => {
            if c.is_running() {
                p.blocked = Some(format!("{shown} is already running"));
                return p;
            }
            p.lines.push(PreviewLine::Added("start it".into()));
            if let Some(h) = health_restart(c) {
                p.lines.push(PreviewLine::Text(h));
            }
            if c.oom_killed {
                p.lines.push(PreviewLine::Warning(
                    "it was OOM-killed last time: it may run out of memory again".into(),
                ));
            }
            p.summary = format!("start {name} ({})", c.state.label());
        }
    }
    p
}

/// Runs container actions against the engine at `endpoint`.
pub struct LiveActions {
    pub endpoint: Endpoint,
}

impl LiveActions {
    async fn docker(&self) -> Result<Docker, ContainerError> {
        Ok(client::connect(&self.endpoint).await.map(|(d, _)| d)?)
    }

    async fn find(docker: &Docker, name: &str) -> Result<Option<Container>, ContainerError> {
        super::worker::inspect(docker, name)
            .await
            .map_err(|source| ContainerError::Call {
                what: format!("inspecting {name}"),
                source,
            })
    }
}

#[async_trait::async_trait]
impl ActionHandler for LiveActions {
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, ActionError> {
        let (verb, name) = target(spec)?;
        let docker = self.docker().await?;
        let c = Self::find(&docker, name).await?;
        Ok(preview(
            verb,
            name,
            c.as_ref(),
            &self.endpoint.host,
            jiff::Timestamp::now(),
        ))
    }

    async fn execute(
        &self,
        spec: &ActionSpec,
        progress: Progress,
    ) -> Result<ActionOutcome, ActionError> {
        let (verb, name) = target(spec)?;
        let docker = self.docker().await?;
        let before =
            Self::find(&docker, name)
                .await?
                .ok_or_else(|| ContainerError::NoSuchContainer {
                    name: name.to_string(),
                    after: Some("nothing was changed"),
                })?;
        // The engine answers stop/restart only once the container has stopped.
        let wait = Duration::from_secs(before.stop_timeout.max(0) as u64) + client::REQUEST_TIMEOUT;
        let docker = docker.with_timeout(wait);
        let t = i32::try_from(before.stop_timeout).unwrap_or(10);
        let fail = |e: bollard::errors::Error| ContainerError::call(format!("{verb} {name}"), &e);
        match verb {
            "restart" => {
                progress.line(format!("restarting {name} (stop timeout {t}s)…"));
                let opts = RestartContainerOptionsBuilder::new().t(t).build();
                docker
                    .restart_container(name, Some(opts))
                    .await
                    .map_err(fail)?;
            }
            "stop" => {
                progress.line(format!("stopping {name} (stop timeout {t}s)…"));
                let opts = StopContainerOptionsBuilder::new().t(t).build();
                docker
                    .stop_container(name, Some(opts))
                    .await
                    .map_err(fail)?;
            }
            _ => {
                progress.line(format!("starting {name}…"));
                docker.start_container(name, None).await.map_err(fail)?;
            }
        }
        let after = Self::find(&docker, name)
            .await?
            .ok_or_else(|| ContainerError::GoneAfter {
                verb,
                name: name.to_string(),
            })?;
        let mut summary = format!("{verb} {name}: now {}", after.state.label());
        if after.is_running()
            && let Some(st) = after.started_at
        {
            summary.push_str(&format!(" (started {st})"));
        }
        if after.state == RunState::Exited {
            summary.push_str(&format!(", exit code {}", after.exit_code));
        }
        progress.line(summary.clone());
        Ok(ActionOutcome {
            summary,
            restore_point_time: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::containers::testdata::container;

    fn now() -> jiff::Timestamp {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn stop_preview_says_whether_the_policy_brings_it_back_and_asks_for_the_name() {
        let c = container("unhealthy");
        let p = preview(
            "stop",
            "shop-api-1",
            Some(&c),
            "unix:///var/run/docker.sock",
            now(),
        );
        let text = p.to_text();
        assert!(text.contains("now: running"), "{text}");
        assert!(
            text.contains("health unhealthy (failing streak 4)"),
            "{text}"
        );
        assert!(
            text.contains("unless-stopped: it will NOT come back"),
            "{text}"
        );
        assert_eq!(p.confirm, Confirm::Typed("shop-api-1".into()));
        assert!(p.blocked.is_none());
        let mut always = c.clone();
        always.restart_policy = RestartPolicy::Always;
        let text = preview("stop", "shop-api-1", Some(&always), "h", now()).to_text();
        assert!(
            text.contains("WILL come back when the Docker daemon restarts"),
            "{text}"
        );
    }

    #[test]
    fn restart_preview_explains_the_health_check_starting_over() {
        let c = container("unhealthy");
        let p = preview("restart", "shop-api-1", Some(&c), "h", now());
        let text = p.to_text();
        assert!(text.contains("SIGTERM, then SIGKILL after 10s"), "{text}");
        assert!(text.contains("start period 2s"), "{text}");
        assert_eq!(p.confirm, Confirm::Yes);
    }

    #[test]
    fn impossible_actions_are_blocked_with_the_reason() {
        let p = preview("restart", "ghost", None, "tcp://127.0.0.1:2375", now());
        assert!(p.blocked.unwrap().contains("no container named ghost"));
        let running = container("healthy");
        let p = preview("start", "shop-web-1", Some(&running), "h", now());
        assert!(p.blocked.unwrap().contains("already running"));
        let exited = container("exited");
        let p = preview("stop", "shop-migrate-1", Some(&exited), "h", now());
        assert!(p.blocked.unwrap().contains("not running"));
        let oom = container("oomkilled");
        let text = preview("start", "shop-postgres-1", Some(&oom), "h", now()).to_text();
        assert!(text.contains("OOM-killed last time"), "{text}");
    }
}
