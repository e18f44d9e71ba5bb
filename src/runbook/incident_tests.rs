//! Observed changes in an incident, end to end through the worker: fed through
//! the pane (`Pane::on_observed`) into the timeline channel, coalesced into
//! the journal, shown in the pane, exported; and an incident resumed by the
//! next worker on the same journal dir, refused to a second one.

use super::journal::{self, Entry};
use super::pane::RunbookPane;
use super::worker::RunbookWorker;
use super::{Command, Update};
use crate::action::Actions;
use crate::observed::{Change, Observed, Place};
use crate::pane::Pane;
use crate::source::{Report, Worker, WorkerCtx};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

struct Console {
    rx: mpsc::Receiver<Report<Update>>,
    cmds: Option<broadcast::Sender<Command>>,
    worker: tokio::task::JoinHandle<()>,
    /// The pane the worker's updates are applied to, as the console does.
    pane: RunbookPane,
}

impl Console {
    async fn start(data: &Path) -> Self {
        let actions = Actions::new(
            crate::audit::AuditLog::new(data.join("audit.jsonl")),
            false,
            false,
        );
        let w = Box::new(RunbookWorker {
            paths: Vec::new(),
            actions: Arc::new(actions),
            journal_dir: data.join("journals"),
            demo: false,
            resume_incident: true,
        });
        let (ctx, rx, cmds) = WorkerCtx::detached(4096);
        let worker = tokio::spawn(w.run(ctx));
        let mut c = Self {
            rx,
            cmds: Some(cmds),
            worker,
            pane: RunbookPane::new(),
        };
        c.until("attach", |u| matches!(u, Update::Attach(_))).await;
        c
    }

    fn send(&self, cmd: Command) {
        self.cmds.as_ref().unwrap().send(cmd).unwrap();
    }

    /// Apply updates to the pane until one matches `f`; returns its text
    /// for a notice (empty otherwise).
    async fn until(&mut self, what: &str, mut f: impl FnMut(&Update) -> bool) -> String {
        let fut = async {
            loop {
                match self.rx.recv().await {
                    Some(Report::Data(u)) => {
                        let hit = f(&u);
                        let text = match &u {
                            Update::Notice { text, .. } => text.clone(),
                            _ => String::new(),
                        };
                        self.pane.apply(u);
                        if hit {
                            return text;
                        }
                    }
                    Some(_) => {}
                    None => panic!("worker stopped while waiting for {what}"),
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(20), fut)
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
    }

    async fn notice(&mut self, what: &str, has: &str) -> String {
        self.until(
            what,
            |u| matches!(u, Update::Notice { text, .. } if text.contains(has)),
        )
        .await
    }

    /// Hand a batch to the pane as the app does after each batch of updates.
    fn observe(&mut self, batch: &[Observed]) {
        self.pane.on_observed(batch);
    }

    /// The pane's drawn text.
    fn screen(&mut self) -> String {
        let sources = Default::default();
        let scene = crate::ui::testing::Scene::at(jiff::Timestamp::now(), &sources);
        let buf = crate::ui::testing::draw(&mut self.pane, 120, 30, &scene);
        crate::ui::buffer_text(&buf)
    }

    /// End the worker as the console's end does (its command channel closes).
    async fn quit(mut self) {
        self.cmds = None;
        tokio::time::timeout(Duration::from_secs(20), self.worker)
            .await
            .expect("worker ends")
            .unwrap();
    }
}

fn crash(at: jiff::Timestamp, pod: &str) -> Observed {
    Observed::new(
        at,
        Change::PodCrashed,
        Place::in_namespace("shop", format!("pod/{pod}")).with_context(Some("prod-eu".into())),
        "OOMKilled, exit 137",
    )
}

fn observed_entries(dir: &Path) -> Vec<Entry> {
    let l = journal::all(&dir.join("journals"));
    assert_eq!(l.len(), 1, "one journal");
    l[0].entries
        .iter()
        .filter(|e| matches!(e, Entry::Observed { .. } | Entry::ObservedDropped { .. }))
        .cloned()
        .collect()
}

fn exported(notice: &str) -> String {
    let path = notice
        .split("timeline exported to ")
        .nth(1)
        .expect("an export notice");
    std::fs::read_to_string(PathBuf::from(path.trim())).unwrap()
}

#[tokio::test]
async fn observations_are_dropped_without_an_incident_and_coalesced_into_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Console::start(dir.path()).await;
    let now = jiff::Timestamp::now();
    // Nothing open: nothing is written anywhere.
    c.observe(&[crash(now, "api-1")]);
    c.send(Command::IncidentStart {
        title: "checkout down".into(),
    });
    c.notice("incident opened", "incident \"checkout down\" opened")
        .await;
    c.until(
        "the timeline",
        |u| matches!(u, Update::Timeline(t) if t.reset),
    )
    .await;
    assert!(observed_entries(dir.path()).is_empty());
    // 200 crashes of one pod, in batches as updates arrive, an alert with
    // controls in its summary, and a console action.
    for b in 0..20 {
        let batch: Vec<Observed> = (0..10)
            .map(|i| crash(now + jiff::SignedDuration::from_secs(b * 10 + i), "api-1"))
            .collect();
        c.observe(&batch);
    }
    c.observe(&[Observed::new(
        now,
        Change::AlertFired,
        Place::object("alert/HighErrorRate{service=\"checkout\"}"),
        "5xx above 5%\x1b]52;c;aGk=\x07\x1b[2J",
    )]);
    c.until("the merged count", |u| {
        matches!(u, Update::Timeline(t) if t.lines.iter().any(|(_, l)| l.what == "alert fired"))
    })
    .await;
    // The journal has the first crash and the alert; the repeats are counted.
    let written = observed_entries(dir.path());
    assert_eq!(written.len(), 2, "{written:?}");
    let Entry::Observed { detail, seen, .. } = &written[1] else {
        panic!("{written:?}")
    };
    assert!(detail.starts_with("5xx above 5%"), "{detail}");
    assert!(
        !detail.contains('\x1b') && !detail.contains('\x07'),
        "sanitised before the journal: {detail:?}"
    );
    assert!(seen.is_some(), "stamped when written");
    let screen = c.screen();
    assert!(screen.contains("pod crashed ×200"), "{screen}");
    assert!(
        screen.contains("prod-eu:shop/pod/api-1  OOMKilled, exit 137"),
        "{screen}"
    );
    assert!(screen.contains("alert fired"), "{screen}");
    assert_eq!(screen.matches("pod crashed").count(), 1, "{screen}");
    // An export writes the count first: one more journal line, one line in the export.
    c.send(Command::Export);
    let n = c.notice("export", "timeline exported to ").await;
    let md = exported(&n);
    let written = observed_entries(dir.path());
    assert_eq!(written.len(), 3, "{written:?}");
    assert!(
        matches!(&written[2], Entry::Observed { count: 199, .. }),
        "{written:?}"
    );
    assert_eq!(md.matches("pod crashed").count(), 1, "{md}");
    assert!(md.contains("pod crashed ×200 ("), "{md}");
    assert!(md.contains("alert fired: alert/HighErrorRate"), "{md}");
    for text in [&md, &screen] {
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text}");
    }
    // The incident ends: nothing more is recorded.
    c.send(Command::IncidentEnd);
    c.notice("closed", "closed").await;
    c.until("closed", |u| matches!(u, Update::Closed { .. }))
        .await;
    c.observe(&[crash(now, "api-2")]);
    c.send(Command::Refresh);
    c.until("catalog", |u| matches!(u, Update::Catalog(_)))
        .await;
    assert_eq!(observed_entries(dir.path()).len(), 3);
    c.quit().await;
}

#[tokio::test]
async fn an_open_incident_survives_a_restart_into_one_journal_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Console::start(dir.path()).await;
    a.send(Command::IncidentStart {
        title: "db outage".into(),
    });
    a.notice("opened", "opened").await;
    a.until("timeline", |u| matches!(u, Update::Timeline(t) if t.reset))
        .await;
    let t0 = jiff::Timestamp::now();
    a.observe(&[crash(t0, "db-0"), crash(t0, "db-0")]);
    a.until(
        "the crash line",
        |u| matches!(u, Update::Timeline(t) if t.lines.iter().any(|(_, l)| l.count == 2)),
    )
    .await;
    a.send(Command::Note {
        step: None,
        text: "failing over to the replica".into(),
    });
    a.notice("note", "note added").await;
    // While this console holds the incident, a second one must not write to it.
    let mut b = Console::start(dir.path()).await;
    let refused = b.notice("refusal", "open in another warroom process").await;
    assert!(refused.contains("db outage"), "{refused}");
    b.quit().await;
    // The first console goes away (a dropped SSH session ends the process).
    a.quit().await;

    let mut c = Console::start(dir.path()).await;
    let resumed = c.notice("resumed", "resumed (opened ").await;
    assert!(
        resumed.contains("incident \"db outage\" resumed"),
        "{resumed}"
    );
    c.until(
        "the old lines",
        |u| matches!(u, Update::Timeline(t) if t.reset),
    )
    .await;
    let screen = c.screen();
    assert!(screen.contains("pod crashed ×2"), "{screen}");
    assert!(screen.contains("failing over"), "{screen}");
    let t1 = t0 + jiff::SignedDuration::from_mins(20);
    c.observe(&[Observed::new(
        t1,
        Change::RolloutCompleted,
        Place::in_namespace("db", "statefulset/db"),
        "3/3 ready",
    )]);
    c.until("the new line", |u| {
        matches!(u, Update::Timeline(t) if t.lines.iter().any(|(_, l)| l.what == "rollout completed"))
    })
    .await;
    c.send(Command::Export);
    let md = exported(&c.notice("export", "timeline exported to ").await);
    let (before, after) = md
        .split_once("run resumed by")
        .expect("resumed in the export");
    assert!(before.contains("pod crashed ×2"), "{md}");
    assert!(before.contains("failing over to the replica"), "{md}");
    assert!(
        after.contains("rollout completed: db/statefulset/db"),
        "{md}"
    );
    assert_eq!(journal::all(&dir.path().join("journals")).len(), 1);
    c.quit().await;
}

#[tokio::test]
async fn a_damaged_incident_journal_is_not_resumed_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let journals = dir.path().join("journals");
    let s = super::session::Session::incident("disk full", &journals).unwrap();
    let path = s.journal.path.clone();
    drop(s);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"type\":\"note\",\"garbage\n");
    bytes.extend_from_slice(b"{\"type\":\"run_finished\"}\n");
    std::fs::write(&path, &bytes).unwrap();
    let mut c = Console::start(dir.path()).await;
    let n = c.notice("refusal", "is not resumed").await;
    assert!(
        n.contains("disk full") && n.contains(":2: bad journal entry"),
        "{n}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the journal stays as it is"
    );
    c.quit().await;
}

#[test]
fn observed_entries_round_trip_and_old_lines_still_read() {
    let e = Entry::Observed {
        ts: "2026-12-03T03:10:00Z".parse().unwrap(),
        change: Change::PodCrashed,
        place: Place::in_namespace("shop", "pod/api-1"),
        detail: "OOMKilled".into(),
        count: 3,
        last: Some("2026-12-03T03:12:00Z".parse().unwrap()),
        seen: None,
    };
    let line = serde_json::to_string(&e).unwrap();
    assert!(line.contains(r#""type":"observed""#), "{line}");
    assert_eq!(serde_json::from_str::<Entry>(&line).unwrap(), e);
    // Written without the optional fields: one occurrence.
    let bare = r#"{"type":"observed","ts":"2026-12-03T03:10:00Z","change":"alert_fired","place":{"object":"alert/X"}}"#;
    match serde_json::from_str::<Entry>(bare).unwrap() {
        Entry::Observed {
            count,
            last,
            detail,
            ..
        } => assert_eq!((count, last, detail.as_str()), (1, None, "")),
        other => panic!("{other:?}"),
    }
    // A journal from before observed entries existed reads as it did.
    let old = concat!(
        r#"{"type":"run_started","run":"r1","ts":"2026-01-01T00:00:00Z","operator":"op","runbook":"","runbook_hash":"","title":"t","params":{},"steps":[]}"#,
        "\n",
        r#"{"type":"note","ts":"2026-01-01T00:01:00Z","operator":"op","text":"hi"}"#,
        "\n"
    );
    let l = journal::parse_bytes(Path::new("r1.jsonl"), old.as_bytes());
    assert!(l.bad.is_empty() && l.entries.len() == 2, "{:?}", l.bad);
}

fn line(i: i64) -> super::timeline::Line {
    let at = jiff::Timestamp::from_second(1_800_000_000 + i).unwrap();
    super::timeline::Line {
        at,
        last: at,
        count: 1,
        what: "alert fired".into(),
        place: format!("alert/A{i}"),
        detail: String::new(),
        tone: super::timeline::Tone::Bad,
    }
}

fn timeline(reset: bool, from: i64, to: i64) -> Update {
    Update::Timeline(Box::new(super::view::TimelineView {
        run_id: "r1".into(),
        reset,
        lines: (from..to).map(|i| (i as u64, line(i))).collect(),
    }))
}

#[test]
fn the_timeline_follows_its_end_unless_scrolled_back() {
    use crate::pane::{Input, Nav};
    let mut p = RunbookPane::new();
    let w = super::walker::Walker::for_runbook(&super::session::incident_runbook("x"));
    p.apply(Update::Run(Box::new(super::view::RunView {
        run_id: "r1".into(),
        title: "x".into(),
        runbook: None,
        walker: w,
        results: Default::default(),
        actions: Vec::new(),
        journal: PathBuf::new(),
        resumed: false,
    })));
    p.apply(timeline(true, 0, 50));
    let ctx = crate::pane::PaneCtx {
        read_only: false,
        now: jiff::Timestamp::now(),
    };
    let draw = |p: &mut RunbookPane| {
        let sources = Default::default();
        let scene = crate::ui::testing::Scene::at(jiff::Timestamp::now(), &sources);
        crate::ui::buffer_text(&crate::ui::testing::draw(p, 80, 16, &scene))
    };
    let s = draw(&mut p);
    assert!(s.contains("alert/A49") && !s.contains("alert/A30"), "{s}");
    // Scrolled back 5: new lines arrive below, the same lines stay in view.
    for _ in 0..5 {
        p.on_input(Input::Nav(Nav::Up), &ctx);
    }
    let s = draw(&mut p);
    assert!(s.contains("alert/A44") && !s.contains("alert/A45"), "{s}");
    p.apply(timeline(false, 50, 53));
    let s = draw(&mut p);
    assert!(s.contains("alert/A44") && !s.contains("alert/A45"), "{s}");
    assert!(s.contains("8 newer lines below"), "{s}");
    // Back at the end it follows again.
    p.on_input(Input::Nav(Nav::Bottom), &ctx);
    p.apply(timeline(false, 53, 54));
    let s = draw(&mut p);
    assert!(s.contains("alert/A53"), "{s}");
    assert!(s.contains("alert fired") && s.contains(":00:"), "{s}");
}
