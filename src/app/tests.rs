//! The shell's behaviour, driven by synthetic keys and updates: routing, the
//! filter bar, the palette, the confirm flow, read-only mode, quit, redraw rules.

use super::*;
use crate::action::{Confirm, KubeTarget, PreviewLine};
use crate::pane::{Form, FormField, Pane, RenderCtx};
use crate::source::SourceKind;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::sync::{Arc, Mutex};

/// Records what the shell hands it; answers `rollout_undo` with a request.
/// It answers the real keymap section of the pane it stands in for (`A`).
struct Probe<A> {
    id: PaneId,
    log: Arc<Mutex<Vec<String>>>,
    busy: bool,
    _actions: std::marker::PhantomData<A>,
}

/// Whatever update reaches a probe.
struct Any;

impl TryFrom<Update> for Any {
    type Error = Update;
    fn try_from(_: Update) -> Result<Self, Update> {
        Ok(Any)
    }
}

impl<A: crate::pane::ActionSet> Pane for Probe<A> {
    type Action = A;
    /// The form's name, logged when it comes back.
    type Form = &'static str;
    type PaletteCommand = crate::pane::NoCommand;
    type Update = Any;
    type Command = crate::pane::NoCommand;

    fn id(&self) -> PaneId {
        self.id
    }

    fn on_observed(&mut self, batch: &[crate::observed::Observed]) {
        for o in batch {
            let line = format!("observed:{}:{}:{}", o.change.label(), o.place, o.detail);
            self.log.lock().unwrap().push(line);
        }
    }
    fn render(&mut self, area: Rect, buf: &mut Buffer, _ctx: &RenderCtx<'_>) {
        buf.set_string(
            area.x,
            area.y,
            format!("{} body", self.id.title()),
            ratatui::style::Style::default(),
        );
    }
    fn apply(&mut self, _update: Any) -> bool {
        true
    }
    fn on_input(
        &mut self,
        input: crate::pane::Input<A>,
        _ctx: &PaneCtx,
    ) -> Outcome<&'static str, crate::pane::NoCommand> {
        let action = input.name();
        self.log
            .lock()
            .unwrap()
            .push(format!("{}:{action}", self.id.section()));
        match action {
            "rollout_undo" => Outcome::Request(ActionSpec::RolloutUndo {
                target: target(),
                to_revision: None,
            }),
            "scale" => Outcome::Form(Form::new(
                "scale",
                "Scale",
                vec![FormField::new("replicas", "3")],
            )),
            "logs" => Outcome::Jump(Jump::LogQuery {
                query: "{app=\"web\"}".into(),
                from: None,
            }),
            // A hostile log line: a clipboard write, a bracketed-paste end
            // and a BEL, which must not reach the clipboard or the shell the
            // operator pastes into.
            "shell" => Outcome::Attach(crate::target::Attach::shell(
                crate::target::AttachTarget::Container { name: "api".into() },
                &["bash".into(), "sh".into()],
            )),
            "copy" => {
                Outcome::Copy("ok \x1b]52;c;cHduZWQ=\x07\x1b[201~rm -rf /tmp/x\x07\nnext".into())
            }
            _ => Outcome::Handled,
        }
    }
    fn set_filter(&mut self, filter: &str) {
        self.log.lock().unwrap().push(format!("filter:{filter}"));
    }
    fn on_form(
        &mut self,
        id: &'static str,
        values: &[String],
        _ctx: &PaneCtx,
    ) -> Outcome<&'static str, crate::pane::NoCommand> {
        self.log
            .lock()
            .unwrap()
            .push(format!("form:{id}:{}", values.join(",")));
        Outcome::Handled
    }
    fn on_jump(
        &mut self,
        jump: &Jump,
        _ctx: &PaneCtx,
    ) -> Outcome<&'static str, crate::pane::NoCommand> {
        self.log
            .lock()
            .unwrap()
            .push(format!("jump:{}:{jump:?}", self.id.section()));
        Outcome::Handled
    }
    fn context_label(&self) -> Option<String> {
        match self.id {
            PaneId::Workloads => Some("prod/shop".into()),
            PaneId::Alerts => Some("3 firing".into()),
            _ => None,
        }
    }
    fn busy(&self) -> Option<String> {
        self.busy
            .then(|| "step 3 of restore-database is running".to_string())
    }
}

fn target() -> KubeTarget {
    KubeTarget {
        kind: "deployment".into(),
        name: "web".into(),
        namespace: Some("shop".into()),
        context: None,
    }
}

fn app_with(read_only: bool, busy: bool) -> (App, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    fn probe<A: crate::pane::ActionSet>(
        id: PaneId,
        log: &Arc<Mutex<Vec<String>>>,
        busy: bool,
    ) -> Box<dyn AnyPane> {
        Box::new(Probe::<A> {
            id,
            log: log.clone(),
            busy: busy && id == PaneId::Runbook,
            _actions: std::marker::PhantomData,
        })
    }
    let panes = vec![
        probe::<crate::workloads::Action>(PaneId::Workloads, &log, busy),
        probe::<crate::containers::Action>(PaneId::Containers, &log, busy),
        probe::<crate::alerts::Action>(PaneId::Alerts, &log, busy),
        probe::<crate::logs::Action>(PaneId::Logs, &log, busy),
        probe::<crate::backups::Action>(PaneId::Backups, &log, busy),
        probe::<crate::runbook::Action>(PaneId::Runbook, &log, busy),
        probe::<crate::metrics::Action>(PaneId::Metrics, &log, busy),
    ];
    let app = App::new(
        panes,
        AppOptions {
            clock: Clock::manual("2026-12-02T03:00:00Z".parse().unwrap()),
            keymap: crate::runtime::default_keymap(),
            theme: Theme::fallback(false),
            read_only,
            demo: false,
            warnings: vec![],
        },
    );
    (app, log)
}

fn key(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn preview(confirm: Confirm) -> Preview {
    let mut p = Preview::new(
        "Roll back deployment shop/web from revision 7 to 6",
        "prod/shop",
    );
    p.lines
        .push(PreviewLine::Removed("image: web:1.8.0".into()));
    p.lines.push(PreviewLine::Added("image: web:1.7.3".into()));
    p.confirm = confirm;
    p
}

#[test]
fn number_keys_and_tab_switch_panes() {
    let (mut app, _) = app_with(false, false);
    app.handle_key(key('3'));
    assert_eq!(app.active, PaneId::Alerts);
    app.handle_key(code(KeyCode::Tab));
    assert_eq!(app.active, PaneId::Logs);
    app.handle_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    app.handle_key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(app.active, PaneId::Containers);
}

#[test]
fn keys_reach_the_active_pane_as_named_actions() {
    let (mut app, log) = app_with(false, false);
    app.handle_key(key('j'));
    app.handle_key(code(KeyCode::Enter));
    app.handle_key(key('2'));
    app.handle_key(key('R'));
    assert_eq!(
        *log.lock().unwrap(),
        ["workloads:down", "workloads:select", "containers:restart"]
    );
}

#[test]
fn q_quits_at_once_unless_a_step_is_running() {
    let (mut app, _) = app_with(false, false);
    assert_eq!(app.handle_key(key('q')), vec![Effect::Quit]);
    let (mut app, _) = app_with(false, true);
    assert!(app.handle_key(key('q')).is_empty());
    assert!(
        matches!(&app.overlay, Some(Overlay::Quit { text }) if text.contains("restore-database"))
    );
    assert!(app.handle_key(key('n')).is_empty());
    assert!(app.overlay.is_none());
    app.handle_key(key('q'));
    assert_eq!(app.handle_key(key('y')), vec![Effect::Quit]);
}

#[test]
fn filter_bar_updates_the_pane_live_and_esc_clears_it() {
    let (mut app, log) = app_with(false, false);
    app.handle_key(key('/'));
    for c in "web".chars() {
        app.handle_key(key(c));
    }
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(
        app.filters.get(&PaneId::Workloads).map(String::as_str),
        Some("web")
    );
    assert!(log.lock().unwrap().ends_with(&[
        "filter:w".into(),
        "filter:we".into(),
        "filter:web".into()
    ]));
    // Typing "q" inside the filter bar filters; it does not quit.
    app.handle_key(key('/'));
    assert!(app.handle_key(key('q')).is_empty());
    app.handle_key(code(KeyCode::Esc));
    assert!(!app.filters.contains_key(&PaneId::Workloads));
    assert_eq!(log.lock().unwrap().last().unwrap(), "filter:");
}

#[test]
fn action_flow_previews_then_needs_typed_confirmation_then_executes() {
    let (mut app, _) = app_with(false, false);
    let effects = app.handle_key(key('U'));
    let Some(Effect::Preview { id, spec }) = effects.first().cloned() else {
        panic!("{effects:?}")
    };
    assert_eq!(spec.verb(), "rollout-undo");
    app.preview_ready(id, Ok(preview(Confirm::Typed("web".into()))));
    // Enter before typing the word does nothing.
    assert!(app.handle_key(code(KeyCode::Enter)).is_empty());
    for c in "web".chars() {
        app.handle_key(key(c));
    }
    let effects = app.handle_key(code(KeyCode::Enter));
    assert!(
        matches!(&effects[..], [Effect::Execute { id: i, .. }] if *i == id),
        "{effects:?}"
    );
    app.action_progress(id, "deployment.apps/web rolled back".into());
    app.action_done(
        id,
        &spec,
        Ok(ActionOutcome {
            summary: "rolled back to revision 6".into(),
            ..Default::default()
        }),
    );
    let text = crate::ui::buffer_text(&crate::app::draw::render_to_buffer(
        &mut app,
        100,
        30,
        jiff::Timestamp::now(),
    ));
    assert!(text.contains("✓ rolled back to revision 6"), "{text}");
    assert!(text.contains("+ image: web:1.7.3"), "{text}");
    app.handle_key(code(KeyCode::Esc));
    assert!(app.overlay.is_none());
}

#[test]
fn cancelling_a_preview_is_recorded_and_nothing_runs() {
    let (mut app, _) = app_with(false, false);
    let effects = app.handle_key(key('U'));
    let Some(Effect::Preview { id, .. }) = effects.first().cloned() else {
        panic!()
    };
    app.preview_ready(id, Ok(preview(Confirm::Yes)));
    let effects = app.handle_key(key('n'));
    assert!(
        matches!(&effects[..], [Effect::Cancelled { .. }]),
        "{effects:?}"
    );
    assert!(app.overlay.is_none());
}

#[test]
fn blocked_preview_cannot_be_confirmed() {
    let (mut app, _) = app_with(false, false);
    let Some(Effect::Preview { id, .. }) = app.handle_key(key('U')).first().cloned() else {
        panic!()
    };
    let mut p = preview(Confirm::Yes);
    p.blocked = Some("RBAC: cannot patch deployments in shop".into());
    app.preview_ready(id, Ok(p));
    assert!(app.handle_key(key('y')).is_empty());
    assert!(app.handle_key(code(KeyCode::Enter)).is_empty());
}

#[test]
fn read_only_refuses_actions_before_any_preview() {
    let (mut app, _) = app_with(true, false);
    assert!(app.handle_key(key('U')).is_empty());
    assert!(app.overlay.is_none());
    assert!(
        app.notice
            .as_ref()
            .is_some_and(|n| n.error && n.text.contains("read-only"))
    );
}

#[test]
fn forms_return_values_to_the_pane_that_asked() {
    let (mut app, log) = app_with(false, false);
    app.handle_key(key('S'));
    assert!(matches!(app.overlay, Some(Overlay::Form(_))));
    app.handle_key(code(KeyCode::Backspace));
    app.handle_key(key('0'));
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(log.lock().unwrap().last().unwrap(), "form:scale:0");
}

#[test]
fn jumps_switch_pane_and_hand_over_the_target() {
    let (mut app, log) = app_with(false, false);
    app.handle_key(key('l'));
    assert_eq!(app.active, PaneId::Logs);
    assert!(
        log.lock()
            .unwrap()
            .last()
            .unwrap()
            .starts_with("jump:logs:LogQuery")
    );
}

#[test]
fn palette_fuzzy_finds_actions_across_panes_and_runs_them() {
    let (mut app, log) = app_with(false, false);
    app.handle_key(key(':'));
    for c in "silnce".chars() {
        app.handle_key(key(c));
    }
    let Some(Overlay::Palette(p)) = &app.overlay else {
        panic!()
    };
    let top: Vec<_> = p
        .matches
        .iter()
        .take(5)
        .map(|i| p.entries[*i].label.clone())
        .collect();
    assert_eq!(p.chosen().unwrap().label, "alerts: silence", "{top:?}");
    assert_eq!(p.chosen().unwrap().label, "alerts: silence");
    app.handle_key(code(KeyCode::Enter));
    assert_eq!(app.active, PaneId::Alerts);
    assert_eq!(log.lock().unwrap().last().unwrap(), "alerts:silence");
}

#[test]
fn rendering_the_same_state_twice_gives_identical_frames() {
    let (mut app, _) = app_with(false, false);
    let now = app.clock.now();
    let a = crate::app::draw::render_to_buffer(&mut app, 80, 24, now);
    let b = crate::app::draw::render_to_buffer(&mut app, 80, 24, now);
    assert_eq!(
        a, b,
        "the main loop relies on this to skip writing unchanged frames"
    );
}

#[test]
fn tiny_terminals_render_without_panicking() {
    let (mut app, _) = app_with(false, false);
    let now = app.clock.now();
    for (w, h) in [(20, 5), (1, 1), (0, 0), (80, 2), (10, 24)] {
        crate::app::draw::render_to_buffer(&mut app, w, h, now);
        app.handle_key(key('?'));
        crate::app::draw::render_to_buffer(&mut app, w, h, now);
        app.handle_key(code(KeyCode::Esc));
        app.handle_key(key(':'));
        crate::app::draw::render_to_buffer(&mut app, w, h, now);
        app.handle_key(code(KeyCode::Esc));
    }
}

#[test]
fn copied_text_is_sanitised_before_it_reaches_the_clipboard() {
    let (mut app, _) = app_with(false, false);
    app.handle_key(key('4'));
    let effects = app.handle_key(key('y'));
    let Some(Effect::Copy(text)) = effects.first() else {
        panic!("no copy effect: {effects:?}");
    };
    assert!(
        !text.contains(['\x1b', '\x07', '\u{9b}']),
        "control bytes reached the clipboard: {text:?}"
    );
    assert!(
        text.starts_with("ok ") && text.contains("rm -rf /tmp/x"),
        "{text:?}"
    );
    assert!(text.ends_with("\nnext"), "line breaks survive: {text:?}");
}

struct Crashing;

#[async_trait::async_trait]
impl crate::source::Worker for Crashing {
    type Update = crate::logs::Update;
    type Command = crate::logs::Command;

    fn id(&self) -> crate::source::SourceId {
        crate::source::SourceId::new(crate::source::SourceKind::Loki, "main")
    }
    async fn run(self: Box<Self>, ctx: crate::source::WorkerCtx<Self::Update, Self::Command>) {
        ctx.status(&self.id(), crate::source::SourceStatus::Loading)
            .await;
        panic!("index out of bounds: the len is 0 but the index is 3");
    }
    async fn probe(&self) -> crate::source::Probe {
        unreachable!("not probed in this test")
    }
}

#[tokio::test]
async fn a_panicking_worker_becomes_an_unreachable_source_not_a_dead_console() {
    let workers = crate::runtime::Workers {
        logs: vec![Box::new(Crashing)],
        ..Default::default()
    };
    let mut hub = crate::runtime::Hub::start(workers, vec![]);
    let mut last = None;
    while let Ok(Some(u)) =
        tokio::time::timeout(std::time::Duration::from_secs(5), hub.updates.recv()).await
    {
        if let Update::Status { status, .. } = u {
            let done = matches!(status, crate::source::SourceStatus::Unreachable { .. });
            last = Some(status);
            if done {
                break;
            }
        }
    }
    let Some(crate::source::SourceStatus::Unreachable { reason, hint }) = last else {
        panic!("no unreachable status after the panic: {last:?}");
    };
    assert!(
        reason.contains("worker stopped") && reason.contains("index out of bounds"),
        "{reason}"
    );
    assert!(hint.contains("log"), "{hint}");
}

#[test]
fn the_status_bar_names_the_cluster_context_on_every_pane() {
    let (mut app, _) = app_with(false, false);
    assert_eq!(app.context_label().as_deref(), Some("prod/shop"));
    app.handle_key(key('3'));
    assert_eq!(app.context_label().as_deref(), Some("prod/shop · 3 firing"));
    app.handle_key(key('5'));
    assert_eq!(app.context_label().as_deref(), Some("prod/shop"));
}

#[test]
fn a_shell_takes_the_terminal_only_when_writable_and_not_demo() {
    let (mut app, _) = app_with(false, false);
    app.handle_key(key('2'));
    let effects = app.handle_key(key('x'));
    assert!(
        matches!(&effects[..], [Effect::Attach(a)] if a.describe() == "shell in container/api"),
        "{effects:?}"
    );
    let (mut ro, _) = app_with(true, false);
    ro.handle_key(key('2'));
    assert!(ro.handle_key(key('x')).is_empty());
    assert!(
        ro.notice
            .as_ref()
            .is_some_and(|n| n.error && n.text.contains("read-only"))
    );
    let (mut demo, _) = app_with(false, false);
    demo.demo = true;
    demo.handle_key(key('2'));
    assert!(demo.handle_key(key('x')).is_empty());
    assert!(
        demo.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("DEMO") && n.text.contains("not simulated"))
    );
}

#[path = "tests_sources.rs"]
mod sources;
