//! Pane tests: snapshots at 80x24 from real inspect fixtures, colours that
//! carry meaning, keys, and the report section.

use super::model::{Container, Stats};
use super::pane::ContainersPane;
use super::testdata::container;
use super::{Command, Update};
use crate::action::ActionSpec;
use crate::pane::testing::Press;
use crate::pane::{Jump, Outcome, Pane, PaneCtx, SourceState};
use crate::source::{SourceId, SourceKind, SourceStatus};
use crate::target::LogTarget;
use crate::theme::Theme;
use crate::ui::testing::{Scene, draw};
use ratatui::buffer::Buffer;
use std::collections::BTreeMap;

fn now() -> jiff::Timestamp {
    "2026-11-23T09:31:27Z".parse().unwrap()
}

fn estate() -> Vec<Container> {
    let mut list: Vec<Container> = [
        "unhealthy",
        "healthy",
        "restarting",
        "oomkilled",
        "exited",
        "dead",
    ]
    .iter()
    .map(|n| {
        let mut c = container(n);
        c.id = format!("{n}-id");
        c
    })
    .collect();
    let mut standalone = container("healthy");
    standalone.id = "standalone-id".into();
    standalone.name = "registry-cache".into();
    standalone.project = None;
    standalone.service = None;
    standalone.healthcheck = None;
    standalone.health = super::model::Health::None;
    standalone.probes.clear();
    list.push(standalone);
    list
}

fn loaded() -> ContainersPane {
    let mut p = ContainersPane::new();
    p.apply(Update::Snapshot(estate()));
    p.apply(Update::Stats(vec![(
        "healthy-id".into(),
        Stats {
            cpu_percent: 12.4,
            mem_used: 181 << 20,
            mem_limit: 512 << 20,
        },
    )]));
    p
}

fn sources(status: SourceStatus) -> BTreeMap<SourceId, SourceState> {
    BTreeMap::from([(
        SourceId::new(SourceKind::Docker, ""),
        SourceState {
            status,
            last_data: Some("2026-11-23T09:29:27Z".parse().unwrap()),
            since: now(),
        },
    )])
}

fn render_with(p: &mut ContainersPane, w: u16, h: u16, status: SourceStatus, ro: bool) -> Buffer {
    let sources = sources(status);
    let scene = Scene {
        read_only: ro,
        ..Scene::at(now(), &sources)
    };
    draw(p, w, h, &scene)
}

fn connected() -> SourceStatus {
    SourceStatus::Connected {
        detail: "Docker 20.10.24, API 1.41".into(),
    }
}

fn render(p: &mut ContainersPane) -> Buffer {
    render_with(p, 80, 24, connected(), false)
}

fn ctx() -> PaneCtx {
    PaneCtx {
        read_only: false,
        now: now(),
    }
}

/// The style of the first cell of `needle` on the row containing `row_text`.
fn style_of(buf: &Buffer, row_text: &str, needle: &str) -> ratatui::style::Style {
    let text = crate::ui::buffer_text(buf);
    let (y, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(row_text))
        .unwrap_or_else(|| panic!("no row with {row_text:?} in\n{text}"));
    let col = line.find(needle).expect("needle on row");
    let x = line[..col].chars().count() as u16;
    buf[(x, y as u16)].style()
}

#[test]
fn list_shows_problems_first_then_projects() {
    let mut p = loaded();
    let buf = render(&mut p);
    insta::assert_snapshot!(crate::ui::buffer_text(&buf));
}

#[test]
fn health_is_coloured_by_meaning() {
    let mut p = loaded();
    let buf = render(&mut p);
    let theme = Theme::fallback(false);
    assert_eq!(
        style_of(&buf, "web-1", "healthy").fg,
        theme.ok.fg,
        "healthy is ok-coloured"
    );
    assert_eq!(
        style_of(&buf, "▾ shop", "shop").fg,
        theme.header.fg,
        "project headers"
    );
    // The unhealthy API under its project (not selected, so no selection style).
    let text = crate::ui::buffer_text(&buf);
    let api_row = text
        .lines()
        .filter(|l| l.contains("api-1") && l.contains("unhealthy"))
        .nth(1)
        .expect("api listed under its project too");
    assert_eq!(style_of(&buf, api_row, "unhealthy").fg, theme.critical.fg);
    assert_eq!(style_of(&buf, "Problems", "Problems").fg, theme.critical.fg);
}

#[test]
fn detail_shows_health_log_check_config_and_restart_policy() {
    let mut p = loaded();
    // The detail shows CPU and memory: its container's stats are asked for.
    assert_eq!(
        p.press("select", &ctx()),
        Outcome::Command(Command::WatchStats {
            ids: vec!["unhealthy-id".into()]
        })
    );
    let buf = render(&mut p);
    let text = crate::ui::buffer_text(&buf);
    assert!(text.contains("exit 1   probe: /tmp/h missing"), "{text}");
    assert!(text.contains("retries 2"), "{text}");
    assert!(text.contains("unless-stopped"), "{text}");
    insta::assert_snapshot!(text);
    assert_eq!(p.press("back", &ctx()), Outcome::Handled);
    assert_eq!(p.press("back", &ctx()), Outcome::Ignored);
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut p = loaded();
    render_with(&mut p, 20, 5, connected(), false);
    p.press("select", &ctx());
    render_with(&mut p, 20, 5, connected(), false);
    render_with(&mut p, 1, 1, connected(), false);
    let mut empty = ContainersPane::new();
    render_with(&mut empty, 20, 5, SourceStatus::Loading, false);
}

#[test]
fn unreachable_before_any_data_says_why_and_what_to_fix() {
    let mut p = ContainersPane::new();
    let buf = render_with(
        &mut p,
        80,
        24,
        SourceStatus::Unreachable {
            reason: "cannot reach the Docker engine at tcp://127.0.0.1:1: Connection refused"
                .into(),
            hint: "check [docker] host".into(),
        },
        false,
    );
    let text = crate::ui::buffer_text(&buf);
    assert!(
        text.contains("unreachable: cannot reach the Docker engine"),
        "{text}"
    );
    assert!(text.contains("[docker] host"), "{text}");
    assert!(
        p.report(now()).is_none(),
        "no data: the report shows the source status"
    );
}

#[test]
fn stale_data_stays_with_the_reason_on_top() {
    let mut p = loaded();
    let buf = render_with(
        &mut p,
        80,
        24,
        SourceStatus::Stale {
            reason: "event stream broke".into(),
        },
        false,
    );
    let text = crate::ui::buffer_text(&buf);
    assert!(
        text.contains("stale (data 2m old): event stream broke"),
        "{text}"
    );
    assert!(text.contains("web-1"), "{text}");
}

#[test]
fn keys_request_actions_jump_to_logs_and_respect_read_only() {
    let mut p = loaded();
    render(&mut p);
    // First row is the Problems header: the first problem is selected.
    let sel = p.selected().unwrap().name.clone();
    assert_eq!(sel, "shop-api-1", "criticals sort by name");
    match p.press("logs", &ctx()) {
        Outcome::Jump(Jump::LogStream(LogTarget::Container { name })) => assert_eq!(name, sel),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.press("restart", &ctx()),
        Outcome::Request(ActionSpec::ContainerRestart { name: sel.clone() })
    );
    let ro = PaneCtx {
        read_only: true,
        now: now(),
    };
    match p.press("stop", &ro) {
        Outcome::Notify(m) => assert!(m.contains("read-only"), "{m}"),
        other => panic!("{other:?}"),
    }
    let ro_text = crate::ui::buffer_text(&render_with(&mut p, 80, 24, connected(), true));
    assert!(
        !ro_text.contains("R restart"),
        "read-only hides the action hints"
    );
    assert!(ro_text.contains("read-only"), "{ro_text}");
}

#[test]
fn navigation_skips_headers_and_tells_the_worker_what_is_on_screen() {
    let mut p = loaded();
    render(&mut p);
    let mut names = Vec::new();
    let mut watched = None;
    for _ in 0..12 {
        if let Some(c) = p.selected() {
            names.push(c.name.clone());
        }
        match p.press("down", &ctx()) {
            Outcome::Command(Command::WatchStats { ids }) => watched = Some(ids),
            Outcome::Handled => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(names.len(), 12, "every step lands on a container");
    let ids = watched.expect("a WatchStats after the first move");
    assert!(ids.contains(&"healthy-id".to_string()), "{ids:?}");
    assert!(!ids.iter().any(|i| i.is_empty()));
    // Problems only hides healthy containers.
    p.press("toggle_all", &ctx());
    let text = crate::ui::buffer_text(&render(&mut p));
    assert!(!text.contains("web-1"), "{text}");
    assert!(text.contains("problems only"), "{text}");
}

#[test]
fn filter_events_and_removal_update_the_rows() {
    let mut p = loaded();
    p.set_filter("postgres");
    let text = crate::ui::buffer_text(&render(&mut p));
    assert!(
        text.contains("postgres") && !text.contains("web-1"),
        "{text}"
    );
    p.set_filter("");
    let mut healed = container("unhealthy");
    healed.id = "unhealthy-id".into();
    healed.health = super::model::Health::Healthy;
    healed.failing_streak = 0;
    assert!(p.apply(Update::Upsert(Box::new(healed))));
    p.apply(Update::Removed {
        id: "dead-id".into(),
    });
    let text = crate::ui::buffer_text(&render(&mut p));
    assert!(!text.contains("cache-1"), "{text}");
    let report = p.report(now()).unwrap();
    assert!(report.problems.iter().all(|x| x.name != "shop-api-1"));
}

#[test]
fn report_lists_problems_with_health_and_the_last_probe_output() {
    let p = loaded();
    let r = p.report(now()).unwrap();
    assert_eq!(r.status, "problems");
    let json = serde_json::to_value(&r).unwrap();
    let api = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "shop-api-1")
        .expect("unhealthy api in the report");
    assert_eq!(api["health"], "unhealthy");
    assert_eq!(api["reason"], "unhealthy");
    assert_eq!(api["detail"], "probe: /tmp/h missing");
    assert_eq!(api["project"], "shop");
    let names: Vec<&str> = r.problems.iter().map(|x| x.name.as_str()).collect();
    for n in [
        "shop-worker-1",
        "shop-postgres-1",
        "shop-migrate-1",
        "shop-cache-1",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    assert!(!names.contains(&"shop-web-1"));
}

#[test]
fn hostile_probe_output_is_neutralised() {
    let mut p = ContainersPane::new();
    let mut c = container("unhealthy");
    c.name = "evil\x1b]0;pwned\x07-1".into();
    c.probes[4].output = "\x1b[2J\x1b]52;c;ZXZpbA==\x07boom\rhidden".into();
    p.apply(Update::Snapshot(vec![c]));
    render(&mut p);
    p.press("select", &ctx());
    let buf = render(&mut p);
    let text = crate::ui::buffer_text(&buf);
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    assert!(text.contains("boom␍hidden"), "{text}");
}

#[test]
fn the_pane_flags_a_loop_from_restarts_it_saw_not_the_lifetime_count() {
    // report() classifies against the wall clock: date the runs from it.
    let ago =
        |s: i64| jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() - s).unwrap();
    let mut web = container("healthy");
    web.id = "web-id".into();
    web.restart_count = 40;
    web.started_at = Some(ago(30 * 86400));
    let mut p = ContainersPane::new();
    p.apply(Update::Snapshot(vec![web.clone()]));
    let loops = |p: &ContainersPane| {
        p.report(now())
            .unwrap()
            .problems
            .iter()
            .filter(|x| x.reason == "restarting loop")
            .count()
    };
    // The operator restarts it a minute ago: a fresh run, same count.
    web.started_at = Some(ago(60));
    p.apply(Update::Upsert(Box::new(web.clone())));
    assert_eq!(loops(&p), 0, "a manual restart is not a loop");
    // Then the restart policy brings it back three times in five minutes.
    for (n, secs) in [(41, 300), (42, 200), (43, 20)] {
        web.restart_count = n;
        web.started_at = Some(ago(secs));
        p.apply(Update::Upsert(Box::new(web.clone())));
    }
    assert_eq!(loops(&p), 1);
    // A re-list after a reconnect keeps what was seen.
    p.apply(Update::Snapshot(vec![web.clone()]));
    assert_eq!(loops(&p), 1);
}

#[test]
fn replicas_sit_under_their_service_named_once() {
    let mut list = estate();
    let mut web2 = container("healthy");
    web2.id = "web2-id".into();
    web2.name = "shop-web-2".into();
    list.push(web2);
    let mut p = ContainersPane::new();
    p.apply(Update::Snapshot(list));
    // The SERVICE column shows from 100 columns (below, REASON gets its room).
    let text = crate::ui::buffer_text(&render_with(&mut p, 120, 24, connected(), false));
    let row = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle} row in\n{text}"))
            .to_string()
    };
    let (web1, web2) = (row("│✓ web-1 "), row("│✓ web-2 "));
    let service_col = web1.find(" web ").expect("web-1 names its service");
    assert_eq!(
        web2[service_col..service_col + 5].trim(),
        "",
        "the second replica leaves the service blank:\n{text}"
    );
    // Each service of the project is named in the list.
    for svc in ["api", "migrate", "redis", "worker"] {
        assert!(
            text.lines()
                .filter(|l| l.contains(&format!(" {svc} ")))
                .count()
                >= 2,
            "{svc} in the problems and under its project:\n{text}"
        );
    }
}

#[test]
fn shell_and_exec_hand_the_terminal_to_the_running_container_only() {
    use crate::target::{Attach, AttachTarget};
    let mut p = loaded();
    p.set_filter("registry-cache");
    render(&mut p);
    assert_eq!(p.selected().unwrap().name, "registry-cache");
    let target = AttachTarget::Container {
        name: "registry-cache".into(),
    };
    // Shell: bash where the image has it, else sh (the default `[exec] shell`).
    match p.press("shell", &ctx()) {
        Outcome::Attach(a) => {
            assert_eq!(
                a,
                Attach::shell(target.clone(), &["bash".into(), "sh".into()])
            );
            assert!(a.shell);
            assert_eq!(a.command[..2], ["sh", "-c"]);
            assert_eq!(
                a.command[3..],
                ["warroom-shell", "bash", "sh"],
                "passed as arguments"
            );
            assert_eq!(a.describe(), "shell in container/registry-cache");
        }
        other => panic!("{other:?}"),
    }
    // A rule for the image names its own shell, which then runs as it is.
    let image = p.selected().unwrap().image.clone();
    p.exec = toml::from_str::<crate::config::Exec>(&format!(
        "[[shells]]\nimage = {image:?}\nshell = [\"/busybox/sh\"]"
    ))
    .unwrap();
    match p.press("shell", &ctx()) {
        Outcome::Attach(a) => assert_eq!(a.command, ["/busybox/sh"]),
        other => panic!("{other:?}"),
    }
    p.exec = crate::config::Exec::default();
    // Exec asks for the command; the form carries the container.
    let form = match p.press("exec", &ctx()) {
        Outcome::Form(f) => f,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        form.payload,
        super::Form::Exec {
            name: "registry-cache".into()
        }
    );
    match p.on_form(form.payload.clone(), &["df -h '/var/lib x'".into()], &ctx()) {
        Outcome::Attach(a) => {
            assert_eq!(a.target, target);
            assert_eq!(
                a.command,
                ["df", "-h", "/var/lib x"],
                "split as a shell would"
            );
            assert!(!a.shell);
        }
        other => panic!("{other:?}"),
    }
    for bad in ["", "   ", "echo 'open"] {
        assert!(
            matches!(p.on_form(form.payload.clone(), &[bad.into()], &ctx()), Outcome::Notify(m) if m.contains("nothing was run")),
            "{bad:?}"
        );
    }
    // Read-only refuses both.
    let ro = PaneCtx {
        read_only: true,
        now: now(),
    };
    assert!(matches!(p.press("shell", &ro), Outcome::Notify(m) if m.contains("read-only")));
    assert!(matches!(p.press("exec", &ro), Outcome::Notify(m) if m.contains("read-only")));
    // A stopped container has no processes to join.
    p.set_filter("exited");
    render(&mut p);
    assert!(
        matches!(p.press("shell", &ctx()), Outcome::Notify(m) if m.contains("not running")),
        "an exited container is refused"
    );
}

#[test]
fn a_containers_memory_is_graphed_by_name_with_its_limit() {
    use crate::pane::Jump;
    let mut p = loaded();
    p.set_filter("registry-cache");
    render(&mut p);
    let c = p.selected().unwrap().clone();
    match p.press("graph_memory", &ctx()) {
        Outcome::Jump(Jump::Metrics {
            expr, threshold, ..
        }) => {
            assert_eq!(
                expr,
                format!(
                    "sum by (name) (container_memory_working_set_bytes{{name=\"{}\"}})",
                    c.name
                )
            );
            let limit = (c.memory_limit > 0).then_some(c.memory_limit as f64);
            assert_eq!(threshold, limit, "Docker's 0 is no limit");
        }
        other => panic!("{other:?}"),
    }
    match p.press("graph_cpu", &ctx()) {
        Outcome::Jump(Jump::Metrics {
            expr, threshold, ..
        }) => {
            assert!(
                expr.contains("rate(container_cpu_usage_seconds_total"),
                "{expr}"
            );
            assert_eq!(threshold, None);
        }
        other => panic!("{other:?}"),
    }
}
