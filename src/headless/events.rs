//! `warroom events [-n NS | -A] [--warnings] [--since 1h] [--format table|json]`:
//! one list of the events (paged, as kubectl does), grouped by involved
//! object with warnings first (`workloads::events`), printed as a kubectl
//! style table or as JSON. Exit 0 when listed (whatever the events say), 1
//! when the cluster could not be asked, 2 for a bad flag.

use crate::cli::{EventsArgs, EventsFormat};
use crate::config::Config;
use crate::out::Out;
use crate::runtime::Mode;
use crate::workloads::client::KubeSource;
use crate::workloads::error::KubeError;
use crate::workloads::events::{EventGroup, EventQuery, group};
use crate::workloads::model::EventSummary;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Event;
use kube::api::{Api, ListParams};
use serde::Serialize;
use std::process::ExitCode;

/// Events per page of the list (kubectl's default chunk size).
const PAGE: u32 = 500;

/// Which namespaces to list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    All,
    Namespaces(Vec<String>),
}

pub async fn run(cfg: &Config, mode: Mode, args: EventsArgs, out: &Out) -> ExitCode {
    let fail = |code: u8, message: &str, hint: Option<&str>| {
        let _ = out.error(format!("error: {message}"));
        if let Some(h) = hint {
            let _ = out.error(format!("  hint: {h}"));
        }
        ExitCode::from(code)
    };
    let now = Timestamp::now();
    let since = match args.since.as_deref().map(crate::text::parse_duration) {
        None => None,
        Some(Ok(d)) => Some(now - jiff::SignedDuration::try_from(d).unwrap_or_default()),
        Some(Err(e)) => return fail(2, &format!("--since: {e}"), None),
    };
    let query = EventQuery {
        warnings_only: args.warnings,
        since,
        text: None,
    };
    let source = KubeSource::new(None, cfg.kubernetes.context.clone());
    let scope = scope(cfg, mode, &source, &args);
    let events = if mode.demo {
        let _ = out.error("DEMO: the simulated estate's events (no cluster was contacted)");
        let estate = crate::workloads::demo::estate(now);
        estate
            .events
            .values()
            .filter(|e| scope.includes(&e.object_namespace))
            .cloned()
            .collect()
    } else {
        if !cfg.kubernetes.enabled {
            return fail(
                1,
                "Kubernetes is disabled in the config ([kubernetes] enabled = false)",
                None,
            );
        }
        match list(&source, args.kube.context.as_deref(), &scope).await {
            Ok(events) => events,
            Err(e) => return fail(1, &e.to_string(), Some(e.hint())),
        }
    };
    let groups = group(&events, &query);
    let printed = match args.format {
        EventsFormat::Json => out.line(to_json(&groups)),
        EventsFormat::Table => {
            if groups.is_empty() {
                out.error(match &scope {
                    Scope::All => "No events found.".to_string(),
                    Scope::Namespaces(ns) => format!("No events found in {}.", ns.join(", ")),
                })
            } else {
                out.print(table(&groups, scope == Scope::All, now))
            }
        }
    };
    match printed {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away; `main` notices through `Out::gone`.
        Err(_) => ExitCode::from(crate::out::EXIT_GONE),
    }
}

/// `-A`; else `-n`; else the config's watched namespaces; else the
/// context's namespace (kubectl's default). The demo estate is all of its
/// namespaces.
fn scope(cfg: &Config, mode: Mode, source: &KubeSource, args: &EventsArgs) -> Scope {
    if args.all_namespaces {
        return Scope::All;
    }
    if let Some(ns) = &args.kube.namespace {
        return Scope::Namespaces(vec![ns.clone()]);
    }
    if mode.demo {
        return Scope::All;
    }
    let watched = &cfg.kubernetes.namespaces;
    if watched.iter().any(|n| n == "*") {
        return Scope::All;
    }
    if !watched.is_empty() {
        return Scope::Namespaces(watched.clone());
    }
    let (_, ns) = super::exec::pod_location(source, &args.kube);
    Scope::Namespaces(vec![ns])
}

impl Scope {
    fn includes(&self, namespace: &str) -> bool {
        match self {
            Self::All => true,
            Self::Namespaces(ns) => ns.iter().any(|n| n == namespace),
        }
    }
}

async fn list(
    source: &KubeSource,
    context: Option<&str>,
    scope: &Scope,
) -> Result<Vec<EventSummary>, KubeError> {
    let (client, _) = source.client(context).await?;
    let apis: Vec<Api<Event>> = match scope {
        Scope::All => vec![Api::all(client)],
        Scope::Namespaces(ns) => ns
            .iter()
            .map(|n| Api::namespaced(client.clone(), n))
            .collect(),
    };
    let mut out = Vec::new();
    for api in apis {
        let mut params = ListParams::default().limit(PAGE);
        loop {
            let page = api.list(&params).await?;
            out.extend(page.items.iter().map(EventSummary::from));
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(token) => params = params.continue_token(&token),
                None => break,
            }
        }
    }
    Ok(out)
}

/// kubectl's columns, one line per event in group order (the object named on
/// each line, so the output greps and sorts).
fn table(groups: &[EventGroup], with_namespace: bool, now: Timestamp) -> String {
    let age =
        |t: Option<Timestamp>| t.map_or_else(|| "<unknown>".into(), |t| crate::text::age(t, now));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header = vec![
        "LAST SEEN",
        "FIRST SEEN",
        "TYPE",
        "REASON",
        "OBJECT",
        "COUNT",
        "MESSAGE",
    ];
    if with_namespace {
        header.insert(0, "NAMESPACE");
    }
    rows.push(header.into_iter().map(String::from).collect());
    for g in groups {
        for e in &g.events {
            let mut row = vec![
                age(e.last),
                age(e.first),
                e.type_.clone(),
                e.reason.clone(),
                g.object.arg(),
                e.count.to_string(),
                // One line per event: a message's own newlines are spaces.
                e.message.split_whitespace().collect::<Vec<_>>().join(" "),
            ];
            if with_namespace {
                row.insert(
                    0,
                    if g.object.namespace.is_empty() {
                        "-".into()
                    } else {
                        g.object.namespace.clone()
                    },
                );
            }
            rows.push(
                row.iter()
                    .map(|c| crate::text::sanitize(c).into_owned())
                    .collect(),
            );
        }
    }
    crate::text::columns(&rows)
}

/// One event in `--format json`: flat, in the table's order.
#[derive(Serialize)]
struct JsonEvent<'a> {
    object: &'a crate::workloads::events::ObjectRef,
    #[serde(rename = "type")]
    type_: &'a str,
    reason: &'a str,
    message: &'a str,
    count: i32,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
    source: &'a str,
    name: &'a str,
}

fn to_json(groups: &[EventGroup]) -> String {
    let events: Vec<JsonEvent<'_>> = groups
        .iter()
        .flat_map(|g| {
            g.events.iter().map(move |e| JsonEvent {
                object: &g.object,
                type_: &e.type_,
                reason: &e.reason,
                message: &e.message,
                count: e.count,
                first_seen: e.first,
                last_seen: e.last,
                source: &e.source,
                name: &e.key.name,
            })
        })
        .collect();
    crate::text::to_json_pretty(&events).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
