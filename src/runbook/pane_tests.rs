//! Pane tests: snapshots at 80x24 of the list and the walker, the forms and
//! commands each key produces, and the timeline hand-off.

use super::pane::RunbookPane;
use super::view::{CatalogEntry, PlanView, RunView, TimelineTx, Unfinished};
use super::walker::Walker;
use super::{Command, Update};
use crate::action::{ActionOutcome, ActionSpec, Confirm};
use crate::pane::testing::Press;
use crate::pane::{Outcome, Pane, PaneCtx};
use crate::ui::testing::Scene;
use ratatui::buffer::Buffer;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn now() -> jiff::Timestamp {
    "2026-01-31T15:00:00Z".parse().unwrap()
}

fn pctx() -> PaneCtx {
    PaneCtx {
        read_only: false,
        now: now(),
    }
}

fn draw(p: &mut RunbookPane, w: u16, h: u16) -> Buffer {
    let sources = BTreeMap::new();
    let scene = Scene {
        demo: true,
        ..Scene::at(now(), &sources)
    };
    crate::ui::testing::draw(p, w, h, &scene)
}

/// The shipped runbooks (docs/runbooks): real-estate params, secrets included.
const SHIPPED: &[(&str, &str)] = &[
    (
        "restart-service.md",
        include_str!("../../docs/runbooks/restart-service.md"),
    ),
    (
        "rollback-deployment.md",
        include_str!("../../docs/runbooks/rollback-deployment.md"),
    ),
    (
        "restore-database.md",
        include_str!("../../docs/runbooks/restore-database.md"),
    ),
    (
        "dr-drill.md",
        include_str!("../../docs/runbooks/dr-drill.md"),
    ),
];

fn shipped(name: &str) -> Arc<super::model::Runbook> {
    let text = SHIPPED.iter().find(|(n, _)| *n == name).unwrap().1;
    Arc::new(super::parse::parse(text, &Path::new("/srv/runbooks").join(name)).unwrap())
}

fn catalog() -> Vec<CatalogEntry> {
    let mut c: Vec<CatalogEntry> = SHIPPED
        .iter()
        .map(|(name, _)| CatalogEntry {
            path: Path::new("/srv/runbooks").join(name),
            runbook: Ok(shipped(name)),
            unfinished: None,
        })
        .collect();
    c[2].unfinished = Some(Unfinished {
        run_id: "20260131T140000Z-aaaa".into(),
        changes: vec![],
        damage: None,
    });
    c.push(CatalogEntry {
        path: PathBuf::from("/srv/runbooks/broken.md"),
        runbook: Err("/srv/runbooks/broken.md:7: unknown attribute `colour`".into()),
        unfinished: None,
    });
    c
}

fn with_catalog() -> RunbookPane {
    let mut p = RunbookPane::new();
    p.apply(Update::Catalog(catalog()));
    p
}

fn command(o: super::pane::Out) -> Command {
    match o {
        Outcome::Command(c) => c,
        other => panic!("expected a runbook command, got {other:?}"),
    }
}

fn restore_run() -> RunView {
    let rb = shipped("restore-database.md");
    let mut w = Walker::for_runbook(&rb);
    w.started = Some("2026-01-31T14:35:00Z".parse().unwrap());
    w.mark_done(0, now()).unwrap();
    w.start(1, now()).unwrap();
    w.finish(1, true, false, now()).unwrap();
    w.start(2, now()).unwrap();
    w.finish(2, false, false, now()).unwrap();
    let mut results = BTreeMap::new();
    results.insert(
        2,
        "failed: `verify-backup`: needs a [[backups]] source".to_string(),
    );
    RunView {
        run_id: "20260131T143500Z-0a1b".into(),
        title: rb.meta.title.clone(),
        runbook: Some(rb),
        walker: w,
        results,
        actions: vec!["14:44:30 ✓ silence 'alertname=PostgresDown'".into()],
        journal: PathBuf::from("/data/journals/20260131T143500Z-0a1b.jsonl"),
        resumed: false,
    }
}

#[test]
fn list_snapshot_shows_runbooks_state_and_lint_errors() {
    let mut p = with_catalog();
    p.press("bottom", &pctx());
    let buf = draw(&mut p, 80, 24);
    let text = crate::ui::buffer_text(&buf);
    insta::assert_snapshot!("list_80x24", text);
    assert!(
        text.contains("unknown attribute `colour`"),
        "the selected broken runbook shows why"
    );
    let theme = crate::theme::Theme::fallback(false);
    let y = text
        .lines()
        .position(|l| l.contains("broken.md:7"))
        .unwrap() as u16;
    assert_eq!(
        buf[(1, y)].fg,
        theme.critical.fg.unwrap(),
        "lint errors read as critical"
    );
    let _ = draw(&mut p, 20, 5);
}

#[test]
fn enter_asks_for_params_with_secrets_masked_and_starts_the_run() {
    let mut p = with_catalog();
    p.press("down", &pctx());
    p.press("down", &pctx());
    // restore-database has an unfinished run and a secret param: secrets are asked again.
    let Outcome::Form(f) = p.press("select", &pctx()) else {
        panic!("expected the secrets form")
    };
    assert!(
        f.title.contains("Resume run 20260131T140000Z-aaaa"),
        "{}",
        f.title
    );
    assert_eq!(f.fields.len(), 1);
    assert!(f.fields[0].secret);
    let c = command(p.on_form(f.payload.clone(), &["postgresql://x".into()], &pctx()));
    assert_eq!(
        c,
        Command::Resume {
            path: PathBuf::from("/srv/runbooks/restore-database.md"),
            secrets: vec![("database_url".into(), "postgresql://x".into())],
            force: false
        }
    );
    // dr-drill has no run yet: its params, defaults filled, secret masked.
    p.press("down", &pctx());
    let Outcome::Form(f) = p.press("select", &pctx()) else {
        panic!("expected the params form")
    };
    assert!(f.title.starts_with("Start: Quarterly"), "{}", f.title);
    let scratch = f
        .fields
        .iter()
        .position(|x| x.label.starts_with("scratch_url"))
        .unwrap();
    assert!(f.fields[scratch].secret);
    assert_eq!(f.fields[0].value, "/var/backups/postgres");
    let values: Vec<String> = f
        .fields
        .iter()
        .map(|x| {
            if x.value.is_empty() {
                "v".into()
            } else {
                x.value.clone()
            }
        })
        .collect();
    let Command::Start { path, params, .. } =
        command(p.on_form(f.payload.clone(), &values, &pctx()))
    else {
        panic!()
    };
    assert!(path.ends_with("dr-drill.md"));
    assert!(params.contains(&("backup_dir".into(), "/var/backups/postgres".into())));
    // A broken runbook says why instead of opening.
    p.press("bottom", &pctx());
    let Outcome::Notify(msg) = p.press("select", &pctx()) else {
        panic!()
    };
    assert!(msg.contains("broken.md:7"));
}

#[test]
fn walker_snapshot_with_a_typed_plan_awaiting_confirmation() {
    let mut p = with_catalog();
    p.apply(Update::Run(Box::new(restore_run())));
    assert_eq!(
        p.selected_step(),
        Some(2),
        "opens at the first step not passed"
    );
    // x on a failed step retries it (the worker re-plans it).
    assert_eq!(
        command(p.press("run_step", &pctx())),
        Command::Retry { step: 2 }
    );
    p.press("down", &pctx());
    assert_eq!(
        command(p.press("run_step", &pctx())),
        Command::Plan { step: 3 }
    );
    p.apply(Update::Plan(Box::new(PlanView {
        step: 3,
        text: "  [warroom]\n    restore postgres\n    │ Restore postgres from app_20260131_143000.sql.gz\n    │   where: postgres database shop\n".into(),
        confirm: Confirm::Typed("postgres".into()),
        error: None,
    })));
    let buf = draw(&mut p, 80, 24);
    let text = crate::ui::buffer_text(&buf);
    insta::assert_snapshot!("walker_plan_80x24", text);
    assert!(
        !text.contains("OVER RTO") && text.contains("25m / RTO 2h"),
        "{text}"
    );
    // Enter asks for the typed word; a wrong word runs nothing.
    let Outcome::Form(f) = p.press("select", &pctx()) else {
        panic!()
    };
    assert!(matches!(
        p.on_form(f.payload.clone(), &["postgre".into()], &pctx()),
        Outcome::Notify(_)
    ));
    assert_eq!(
        command(p.on_form(f.payload.clone(), &["postgres".into()], &pctx())),
        Command::Run { step: 3 }
    );
    let _ = draw(&mut p, 20, 5);
}

#[test]
fn esc_cancels_a_plan_and_manual_steps_are_marked_not_run() {
    let mut p = with_catalog();
    let mut run = restore_run();
    run.walker = Walker::for_runbook(run.runbook.as_ref().unwrap());
    p.apply(Update::Run(Box::new(run)));
    assert!(matches!(p.press("run_step", &pctx()), Outcome::Notify(m) if m.contains("manual")));
    assert_eq!(
        command(p.press("mark_done", &pctx())),
        Command::MarkDone { step: 0 }
    );
    p.press("down", &pctx());
    command(p.press("run_step", &pctx()));
    p.apply(Update::Plan(Box::new(PlanView {
        step: 1,
        text: "  [warroom]\n    scale deployment/backend --replicas 0\n".into(),
        confirm: Confirm::Yes,
        error: None,
    })));
    assert!(matches!(p.press("back", &pctx()), Outcome::Notify(m) if m.contains("cancelled")));
    assert!(p.plan.is_none());
    // Skip asks why; an empty reason does not skip.
    let Outcome::Form(f) = p.press("skip", &pctx()) else {
        panic!()
    };
    assert!(matches!(
        p.on_form(f.payload.clone(), &["  ".into()], &pctx()),
        Outcome::Notify(_)
    ));
    assert_eq!(
        command(p.on_form(f.payload.clone(), &["db is fine".into()], &pctx())),
        Command::Skip {
            step: 1,
            reason: "db is fine".into()
        }
    );
    let Outcome::Form(f) = p.press("note", &pctx()) else {
        panic!()
    };
    assert!(f.fields[0].multiline);
    assert_eq!(
        command(p.on_form(
            f.payload.clone(),
            &["paged the DBA\nno answer".into()],
            &pctx()
        )),
        Command::Note {
            step: Some(1),
            text: "paged the DBA\nno answer".into()
        }
    );
    let Outcome::Form(f) = p.press("abort", &pctx()) else {
        panic!()
    };
    assert!(matches!(
        p.on_form(f.payload.clone(), &["no".into()], &pctx()),
        Outcome::Notify(_)
    ));
    assert_eq!(
        command(p.on_form(f.payload.clone(), &["abort".into()], &pctx())),
        Command::Abort
    );
    let ro = PaneCtx {
        read_only: true,
        now: now(),
    };
    assert!(matches!(p.press("run_step", &ro), Outcome::Notify(m) if m.contains("read-only")));
}

#[test]
fn running_step_streams_output_ticks_and_makes_quit_ask() {
    let mut p = with_catalog();
    let mut run = restore_run();
    p.apply(Update::Run(Box::new(run.clone())));
    assert!(p.busy().is_none() && !p.wants_tick());
    run.walker.retry(2).unwrap();
    run.walker.start(2, now()).unwrap();
    run.results.clear();
    p.apply(Update::StepRunning { step: 2 });
    p.apply(Update::Run(Box::new(run)));
    let lines: Vec<String> = (1..=40).map(|i| format!("restoring table {i}")).collect();
    p.apply(Update::Output(lines));
    p.apply(Update::Output(vec!["✗ psql: connection refused".into()]));
    assert_eq!(
        p.busy().as_deref(),
        Some("runbook step 3 (Verify the newest backup) is running")
    );
    assert!(p.wants_tick());
    assert!(matches!(p.press("run_step", &pctx()), Outcome::Notify(m) if m.contains("running")));
    let buf = draw(&mut p, 80, 24);
    let text = crate::ui::buffer_text(&buf);
    insta::assert_snapshot!("walker_running_80x24", text);
    assert!(
        text.contains("restoring table 40"),
        "the newest output is on screen"
    );
    assert!(
        !text.contains("restoring table 1\n"),
        "only the tail that fits"
    );
}

#[test]
fn console_actions_go_to_the_worker_and_the_palette_opens_incidents() {
    let mut p = RunbookPane::new();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    p.apply(Update::Attach(TimelineTx(tx)));
    let spec = ActionSpec::ContainerRestart {
        name: "toolboxai-backend-1".into(),
    };
    p.on_action_done(
        &spec,
        &Ok(ActionOutcome {
            summary: "restarted".into(),
            restore_point_time: None,
        }),
    );
    let Ok(super::view::TimelineMsg::Action(rec)) = rx.try_recv() else {
        panic!("recorded")
    };
    assert_eq!(rec.spec, spec);
    assert!(
        p.palette_commands()
            .iter()
            .any(|c| c.name == "incident start" && c.takes_arg)
    );
    assert_eq!(
        command(p.on_command(
            crate::runbook::PaletteCommand::IncidentStart,
            "db outage",
            &pctx()
        )),
        Command::IncidentStart {
            title: "db outage".into()
        }
    );
    assert!(matches!(
        p.on_command(crate::runbook::PaletteCommand::IncidentStart, " ", &pctx()),
        Outcome::Notify(_)
    ));
    assert_eq!(
        command(p.on_command(crate::runbook::PaletteCommand::IncidentEnd, "", &pctx())),
        Command::IncidentEnd
    );
    // A jump from an alert's runbook_url opens that runbook.
    let j = crate::pane::Jump::Runbook {
        path: PathBuf::from("/srv/runbooks/x.md"),
        alert: None,
    };
    assert_eq!(
        command(p.on_jump(&j, &pctx())),
        Command::Open {
            path: PathBuf::from("/srv/runbooks/x.md"),
            alert: None,
        }
    );
}

#[test]
fn a_changed_unfinished_run_needs_force_and_its_secrets_or_starts_anew() {
    let mut c = catalog();
    c[2].unfinished = Some(Unfinished {
        run_id: "r1".into(),
        changes: vec!["step 4 \"Restore the newest verified backup\" changed".into()],
        damage: None,
    });
    let mut p = RunbookPane::new();
    p.apply(Update::Catalog(c));
    p.press("down", &pctx());
    p.press("down", &pctx());
    let text = crate::ui::buffer_text(&draw(&mut p, 80, 24));
    assert!(text.contains("! changed run"), "{text}");
    let Outcome::Form(f) = p.press("select", &pctx()) else {
        panic!()
    };
    assert!(f.title.contains("step 4"), "{}", f.title);
    assert!(f.fields[1].secret);
    let Command::Resume { force, secrets, .. } = command(p.on_form(
        f.payload.clone(),
        &["force".into(), "pg://x".into()],
        &pctx(),
    )) else {
        panic!()
    };
    assert!(force);
    assert_eq!(
        secrets,
        [("database_url".to_string(), "pg://x".to_string())]
    );
    let Outcome::Form(f) = p.press("select", &pctx()) else {
        panic!()
    };
    assert!(matches!(
        command(p.on_form(f.payload.clone(), &["new".into(), String::new()], &pctx())),
        Command::Abandon { .. }
    ));
}

#[test]
fn filter_narrows_the_list() {
    let mut p = with_catalog();
    p.set_filter("roll");
    assert_eq!(p.visible().len(), 1);
    let Outcome::Form(f) = p.press("select", &pctx()) else {
        panic!()
    };
    assert!(f.title.contains("Roll back"));
}

#[test]
fn the_selection_follows_the_walk() {
    let mut p = with_catalog();
    let mut run = restore_run();
    run.walker = Walker::for_runbook(run.runbook.as_ref().unwrap());
    p.apply(Update::Run(Box::new(run.clone())));
    assert_eq!(p.selected_step(), Some(0));
    run.walker.mark_done(0, now()).unwrap();
    p.apply(Update::Run(Box::new(run.clone())));
    assert_eq!(p.selected_step(), Some(1), "moves on once the step is done");
    // Looking back at an earlier step does not get yanked forward.
    p.press("up", &pctx());
    run.walker.note(None, "x").unwrap();
    p.apply(Update::Run(Box::new(run)));
    assert_eq!(p.selected_step(), Some(0));
}

#[test]
fn wrapped_output_lines_never_push_the_newest_off_screen() {
    let mut p = with_catalog();
    let mut run = restore_run();
    run.walker.retry(2).unwrap();
    run.walker.start(2, now()).unwrap();
    p.apply(Update::Run(Box::new(run)));
    p.apply(Update::StepRunning { step: 2 });
    let mut lines: Vec<String> = (0..30)
        .map(|i| format!("{i} {}", "x".repeat(150)))
        .collect();
    lines.push("newest-line".into());
    p.apply(Update::Output(lines));
    let text = crate::ui::buffer_text(&draw(&mut p, 80, 24));
    assert!(text.contains("newest-line"), "{text}");
}

#[test]
fn over_the_rto_and_failed_steps_read_as_critical() {
    let mut p = with_catalog();
    let mut run = restore_run();
    run.walker.started = Some("2026-01-31T12:00:00Z".parse().unwrap());
    p.apply(Update::Run(Box::new(run)));
    // Select another step: the selection has its own colours.
    p.press("down", &pctx());
    let buf = draw(&mut p, 80, 24);
    let text = crate::ui::buffer_text(&buf);
    assert!(text.contains("⏱ 3h / RTO 2h OVER RTO"), "{text}");
    let theme = crate::theme::Theme::fallback(false);
    let row = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() as u16;
    let clock_x = text
        .lines()
        .nth(row("OVER RTO") as usize)
        .unwrap()
        .chars()
        .position(|c| c == '⏱')
        .unwrap() as u16;
    assert_eq!(
        buf[(clock_x, row("OVER RTO"))].fg,
        theme.critical.fg.unwrap()
    );
    assert_eq!(buf[(1, row("✗ 3 Verify"))].fg, theme.critical.fg.unwrap());
    assert_eq!(buf[(1, row("✓ 1 Assess"))].fg, theme.ok.fg.unwrap());
}

#[test]
fn a_damaged_unfinished_run_is_shown_with_its_bad_line_and_enter_starts_nothing() {
    let mut c = catalog();
    c[2].unfinished = Some(Unfinished {
        run_id: "r1".into(),
        changes: vec![],
        damage: Some((
            "/data/journals/r1.jsonl:3: bad journal entry: not UTF-8 (invalid byte at column 9)"
                .into(),
            2,
        )),
    });
    let mut p = RunbookPane::new();
    p.apply(Update::Catalog(c));
    p.press("down", &pctx());
    p.press("down", &pctx());
    let text = crate::ui::buffer_text(&draw(&mut p, 120, 24));
    assert!(text.contains("! damaged run"), "{text}");
    assert!(
        text.contains("! damaged run: /data/journals/r1.jsonl:3: bad journal entry"),
        "{text}"
    );
    assert!(text.contains("--skip-bad-lines"), "{text}");
    let Outcome::Notify(msg) = p.press("select", &pctx()) else {
        panic!("Enter on a damaged run must not resume or start it")
    };
    assert!(
        msg.contains("r1.jsonl:3") && msg.contains("1 more") && msg.contains("--force"),
        "{msg}"
    );
}
