//! The worker end to end: catalog and status, open → params → start, plan →
//! run with live output, `warroom` blocks through the door, console actions
//! into the timeline, incidents, export.

use super::journal::{self, Entry};
use super::view::{ActionRecord, Prompt, TimelineMsg};
use super::walker::StepStatus;
use super::worker::RunbookWorker;
use super::{Command, Update};
use crate::action::{ActionHandler, ActionOutcome, ActionSpec, Actions, Domain, Preview, Progress};
use crate::source::{Report, SourceStatus, Worker, WorkerCtx};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

#[derive(Default)]
struct Docker(Mutex<Vec<String>>);

#[async_trait::async_trait]
impl ActionHandler for Docker {
    async fn preview(&self, spec: &ActionSpec) -> Result<Preview, crate::action::ActionError> {
        Ok(Preview::new(
            format!("restart {}", spec.target()),
            "test docker",
        ))
    }
    async fn execute(
        &self,
        spec: &ActionSpec,
        progress: Progress,
    ) -> Result<ActionOutcome, crate::action::ActionError> {
        progress.line("container restarted");
        self.0.lock().unwrap().push(spec.to_string());
        Ok(ActionOutcome {
            summary: "restarted".into(),
            restore_point_time: None,
        })
    }
}

const RB: &str = "---\ntitle: Restart web\nparams:\n  - name: who\n    required: true\n---\n## Greet\n\n```sh\necho hello {{who}}\n```\n\n## Restart\n\n```warroom\nrestart container/web\n```\n\n## Check\n\n```check\ntrue\n```\n";

struct Harness {
    rx: mpsc::Receiver<Report<Update>>,
    cmds: broadcast::Sender<Command>,
    _dir: tempfile::TempDir,
    journals: std::path::PathBuf,
    rb: std::path::PathBuf,
    docker: Arc<Docker>,
}

impl Harness {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let books = dir.path().join("runbooks");
        std::fs::create_dir(&books).unwrap();
        let rb = books.join("restart-web.md");
        std::fs::write(&rb, RB).unwrap();
        std::fs::write(books.join("broken.md"), "## A\n\n```sh {x=1}\ntrue\n```\n").unwrap();
        let docker = Arc::new(Docker::default());
        let mut actions = Actions::new(
            crate::audit::AuditLog::new(dir.path().join("audit.jsonl")),
            false,
            false,
        );
        actions.register(Domain::Docker, docker.clone());
        let journals = dir.path().join("journals");
        let w = Box::new(RunbookWorker {
            paths: vec![books],
            actions: Arc::new(actions),
            journal_dir: journals.clone(),
            demo: false,
            resume_incident: true,
        });
        let (ctx, rx, cmds) = WorkerCtx::detached(1024);
        tokio::spawn(w.run(ctx));
        Self {
            rx,
            cmds,
            _dir: dir,
            journals,
            rb,
            docker,
        }
    }

    fn send(&self, c: Command) {
        self.cmds.send(c).unwrap();
    }

    /// The next update matching `f` (others are skipped).
    async fn until<T>(&mut self, what: &str, mut f: impl FnMut(Report<Update>) -> Option<T>) -> T {
        let fut = async {
            loop {
                match self.rx.recv().await {
                    Some(u) => {
                        if let Some(t) = f(u) {
                            return t;
                        }
                    }
                    None => panic!("worker stopped while waiting for {what}"),
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(20), fut)
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
    }

    async fn run_view(
        &mut self,
        what: &str,
        f: impl Fn(&super::view::RunView) -> bool,
    ) -> super::view::RunView {
        self.until(what, |u| match u {
            Report::Data(Update::Run(v)) if f(&v) => Some(*v),
            _ => None,
        })
        .await
    }
}

#[tokio::test]
async fn a_run_through_the_worker_with_actions_and_a_timeline() {
    let mut h = Harness::start();
    let tl = h
        .until("attach", |u| match u {
            Report::Data(Update::Attach(tx)) => Some(tx),
            _ => None,
        })
        .await;
    let cat = h
        .until("catalog", |u| match u {
            Report::Data(Update::Catalog(c)) => Some(c),
            _ => None,
        })
        .await;
    assert_eq!(cat.len(), 2);
    assert!(
        cat[0]
            .runbook
            .as_ref()
            .unwrap_err()
            .contains("broken.md:3: unknown attribute `x`")
    );
    let status = h
        .until("status", |u| match u {
            Report::Status { status, .. } => Some(status),
            _ => None,
        })
        .await;
    assert_eq!(
        status,
        SourceStatus::Connected {
            detail: "2 runbooks".into()
        }
    );

    h.send(Command::Open {
        path: h.rb.clone(),
        alert: None,
    });
    let prompt = h
        .until("params prompt", |u| match u {
            Report::Data(Update::Prompt(p)) => Some(p),
            _ => None,
        })
        .await;
    assert!(matches!(prompt, Prompt::Params { ref params, .. } if params[0].name == "who"));
    h.send(Command::Start {
        path: h.rb.clone(),
        params: vec![("who".into(), "world; touch pwned".into())],
        alert: None,
    });
    let v = h.run_view("run opened", |_| true).await;
    assert_eq!(v.walker.current(), Some(0));

    h.send(Command::Plan { step: 0 });
    let plan = h
        .until("plan", |u| match u {
            Report::Data(Update::Plan(p)) => Some(p),
            _ => None,
        })
        .await;
    assert!(
        plan.text.contains("echo hello 'world; touch pwned'"),
        "{}",
        plan.text
    );
    h.send(Command::Run { step: 0 });
    let out = h
        .until("output", |u| match u {
            Report::Data(Update::Output(l)) if l.iter().any(|x| x.contains("hello world")) => {
                Some(l)
            }
            _ => None,
        })
        .await;
    assert!(
        out.iter().any(|l| l == "hello world; touch pwned"),
        "{out:?}"
    );
    h.run_view("step 1 passed", |v| {
        v.walker.status(0) == StepStatus::Passed
    })
    .await;

    // Running without a fresh plan is refused: the operator confirms what they saw.
    h.send(Command::Run { step: 1 });
    h.until("refusal", |u| match u {
        Report::Data(Update::Notice { text, error: true })
            if text.contains("preview the step first") =>
        {
            Some(())
        }
        _ => None,
    })
    .await;
    h.send(Command::Plan { step: 1 });
    h.until("plan 2", |u| {
        matches!(u, Report::Data(Update::Plan(_))).then_some(())
    })
    .await;
    h.send(Command::Run { step: 1 });
    let v = h
        .run_view("step 2 passed", |v| {
            v.walker.status(1) == StepStatus::Passed
        })
        .await;
    assert_eq!(
        h.docker.0.lock().unwrap().as_slice(),
        ["restart container/web"]
    );
    assert!(
        v.actions
            .iter()
            .any(|a| a.contains("restart container/web"))
    );

    // A console action taken elsewhere lands in the run's timeline.
    tl.0.send(TimelineMsg::Action(ActionRecord {
        spec: ActionSpec::ContainerStop {
            name: "cache".into(),
        },
        result: Err(crate::action::ActionError::Denied {
            message: "permission denied".into(),
            status: 403,
        }),
    }))
    .unwrap();
    h.run_view("action recorded", |v| {
        v.actions.iter().any(|a| a.contains("stop container/cache"))
    })
    .await;

    h.send(Command::Note {
        step: Some(2),
        text: "checked by hand too".into(),
    });
    h.send(Command::Plan { step: 2 });
    h.until("plan 3", |u| {
        matches!(u, Report::Data(Update::Plan(_))).then_some(())
    })
    .await;
    h.send(Command::Run { step: 2 });
    let v = h.run_view("completed", |v| v.walker.is_complete()).await;
    assert!(v.walker.recovered.is_some());

    let l = journal::load(&v.journal).unwrap();
    assert_eq!(l.finished(), Some("completed"));
    assert!(l.entries.iter().any(|e| matches!(e, Entry::Action { origin, ok: false, command, .. } if origin == "tui" && command == "stop container/cache")));
    assert!(l.entries.iter().any(|e| matches!(
        e,
        Entry::Action {
            step: Some(1),
            ok: true,
            ..
        }
    )));
    assert!(
        l.entries
            .iter()
            .any(|e| matches!(e, Entry::Note { text, .. } if text == "checked by hand too"))
    );

    // Incidents: a timeline without a runbook.
    h.send(Command::IncidentStart {
        title: "cache outage".into(),
    });
    h.until("incident opened", |u| match u {
        Report::Data(Update::Notice { text, .. })
            if text.contains("incident \"cache outage\" opened") =>
        {
            Some(())
        }
        _ => None,
    })
    .await;
    tl.0.send(TimelineMsg::Action(ActionRecord {
        spec: ActionSpec::ContainerRestart {
            name: "cache".into(),
        },
        result: Ok(ActionOutcome {
            summary: "restarted".into(),
            restore_point_time: None,
        }),
    }))
    .unwrap();
    h.run_view("incident action", |v| {
        v.actions
            .iter()
            .any(|a| a.contains("restart container/cache"))
    })
    .await;
    h.send(Command::IncidentEnd);
    let path = h
        .until("export", |u| match u {
            Report::Data(Update::Notice { text, .. }) => text
                .strip_prefix("timeline exported to ")
                .map(std::path::PathBuf::from),
            _ => None,
        })
        .await;
    let md = std::fs::read_to_string(&path).unwrap();
    assert!(md.starts_with("# Incident timeline: cache outage"), "{md}");
    assert!(
        md.contains("action `restart container/cache` ok (console (tui)"),
        "{md}"
    );
    let incidents: Vec<_> = journal::all(&h.journals)
        .into_iter()
        .filter(|l| l.runbook().is_empty())
        .collect();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].finished(), Some("completed"));
}

#[tokio::test]
async fn the_console_shows_a_damaged_run_and_starts_nothing_over_it() {
    let mut h = Harness::start();
    h.until("catalog", |u| match u {
        Report::Data(Update::Catalog(_)) => Some(()),
        _ => None,
    })
    .await;
    let rb = super::parse::load(&h.rb).unwrap();
    let values = std::collections::BTreeMap::from([("who".to_string(), "ops".to_string())]);
    let path = {
        let s = super::session::Session::start(rb, values.clone(), &h.journals).unwrap();
        s.journal.path.clone()
    };
    // A bad line in the middle: an entry after it, so it is not a torn tail.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    use std::io::Write as _;
    f.write_all(b"{\"type\":\"step_fin\xff\xff\n{\"type\":\"note\",\"ts\":\"2026-01-31T14:00:00Z\",\"operator\":\"a\",\"text\":\"x\"}\n")
        .unwrap();
    h.send(Command::Refresh);
    let rb_path = h.rb.clone();
    let damage = h
        .until("damaged catalog", |u| match u {
            Report::Data(Update::Catalog(c)) => c
                .iter()
                .find(|e| e.path == rb_path)
                .and_then(|e| e.unfinished.as_ref()?.damage.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        damage,
        (
            format!(
                "{}:2: bad journal entry: not UTF-8 (invalid byte at column 18)",
                path.display()
            ),
            1
        )
    );
    h.send(Command::Open {
        path: h.rb.clone(),
        alert: None,
    });
    let text = h
        .until("refusal", |u| match u {
            Report::Data(Update::Notice { text, error: true }) => Some(text),
            Report::Data(Update::Run(_)) => panic!("a run was opened over a damaged journal"),
            _ => None,
        })
        .await;
    assert!(
        text.contains("refusing to start a fresh run") && text.contains("--force"),
        "{text}"
    );
    h.send(Command::Start {
        path: h.rb.clone(),
        params: values.into_iter().collect(),
        alert: None,
    });
    let text = h
        .until("refusal to start", |u| match u {
            Report::Data(Update::Notice { text, error: true }) => Some(text),
            Report::Data(Update::Run(_)) => panic!("a run was started over a damaged journal"),
            _ => None,
        })
        .await;
    assert!(text.contains(":2: bad journal entry"), "{text}");
    assert_eq!(journal::all(&h.journals).len(), 1, "no new journal");
}

const ROLLBACK: &str = "---\ntitle: Roll back\nparams:\n  - name: deployment\n    default: backend\n    regex: \"[a-z0-9-]+\"\n  - name: ns\n    label: namespace\n    default: toolboxai\n---\n## Undo\n\n```sh\necho undo {{deployment}} in {{ns}}\n```\n";

fn high_error_rate(deployment: &str) -> crate::target::AlertContext {
    let labels: BTreeMap<String, String> = [
        ("alertname", "HighErrorRate"),
        ("deployment", deployment),
        ("namespace", "ridendine"),
        ("severity", "critical"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    crate::target::AlertContext {
        name: "HighErrorRate".into(),
        fingerprint: crate::target::label_fingerprint(&labels),
        labels,
        starts_at: Some("2026-01-31T14:30:00Z".parse().unwrap()),
        sources: vec!["alertmanager:main".into()],
    }
}

/// Open from an alert → the form prefilled from its labels and marked →
/// the run records the alert in its journal and export; a label value that
/// fails the param's regex is refused, and nothing starts.
#[tokio::test]
async fn a_runbook_opened_from_an_alert_takes_its_labels_and_records_it() {
    let mut h = Harness::start();
    let path = h.rb.with_file_name("rollback.md");
    std::fs::write(&path, ROLLBACK).unwrap();
    let mut pane = super::pane::RunbookPane::new();

    // The alert pane's jump becomes an Open carrying the alert.
    let alert = high_error_rate("api");
    let jump = crate::pane::Jump::Runbook {
        path: path.clone(),
        alert: Some(Box::new(alert.clone())),
    };
    let crate::pane::Outcome::Command(open) = crate::pane::Pane::on_jump(
        &mut pane,
        &jump,
        &crate::pane::PaneCtx {
            read_only: false,
            now: jiff::Timestamp::now(),
        },
    ) else {
        panic!("expected a command")
    };
    h.send(open);
    let prompt = h
        .until("params prompt", |u| match u {
            Report::Data(Update::Prompt(p)) => Some(p),
            _ => None,
        })
        .await;
    let crate::pane::Outcome::Form(form) = pane.prompt_form(prompt) else {
        panic!("expected the params form")
    };
    assert_eq!(form.title, "Start: Roll back (from alert HighErrorRate)");
    let fields: Vec<(&str, &str)> = form
        .fields
        .iter()
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("deployment [from the alert]", "api"),
            ("ns [from the alert]", "ridendine"),
        ],
        "the alert's values, not the defaults backend/toolboxai"
    );
    let values: Vec<String> = form.fields.iter().map(|f| f.value.clone()).collect();
    let ctx = crate::pane::PaneCtx {
        read_only: false,
        now: jiff::Timestamp::now(),
    };
    let crate::pane::Outcome::Command(start) =
        crate::pane::Pane::on_form(&mut pane, form.payload.clone(), &values, &ctx)
    else {
        panic!("expected a start command")
    };
    h.send(start);
    let v = h.run_view("run opened", |_| true).await;
    let journal = journal::read(&v.journal).unwrap();
    let Some(Entry::RunStarted {
        params,
        alert: recorded,
        ..
    }) = journal.entries.first()
    else {
        panic!("{:?}", journal.entries.first())
    };
    assert_eq!(params["deployment"], "api");
    assert_eq!(params["ns"], "ridendine");
    assert_eq!(recorded.as_deref(), Some(&alert));
    let md = super::export::markdown(&journal);
    assert!(
        md.contains(&format!(
            "- Opened from alert: HighErrorRate{{deployment=\"api\", namespace=\"ridendine\", severity=\"critical\"}}, active since 2026-01-31 14:30:00Z (fingerprint `{}`, from alertmanager:main)",
            alert.fingerprint
        )),
        "{md}"
    );

    // A label that does not pass the regex is offered but refused at start.
    h.send(Command::Abort);
    let bad = high_error_rate("API_v2");
    h.send(Command::Start {
        path: path.clone(),
        params: vec![
            ("deployment".into(), "API_v2".into()),
            ("ns".into(), "ridendine".into()),
        ],
        alert: Some(Box::new(bad)),
    });
    let text = h
        .until("refusal", |u| match u {
            Report::Data(Update::Notice { text, error: true }) if text.contains("deployment") => {
                Some(text)
            }
            _ => None,
        })
        .await;
    assert!(text.contains("does not match /[a-z0-9-]+/"), "{text}");
    let runs = std::fs::read_dir(&h.journals).unwrap().count();
    assert_eq!(runs, 1, "the refused run wrote no journal");
}
