//! `warroom exec container/NAME [-i] [-t] -- CMD ARGS…` and
//! `warroom exec pod/NAME -n NS [-c C] [--context CTX] [-i] [-t] -- CMD ARGS…`:
//! one command in a running container or a pod, with docker's and kubectl's
//! conventions (the same for both, below).
//!
//! - Output: with `-t` the bytes pass through unchanged (the operator asked
//!   for a terminal session) and the local terminal is in raw mode while the
//!   command runs. Without `-t`, a stream bound for a terminal goes through
//!   [`SanitizingWriter`], so nothing the container prints can drive the
//!   operator's terminal; into a pipe or file it passes unchanged (the caller
//!   asked for the bytes).
//! - Exit code: the command's; warroom's own failures (refused, no such
//!   container or pod, engine or cluster unreachable) exit 1, as docker and
//!   kubectl do.
//! - Audit: one entry per session (refused ones too), never the output.
//! - warroom's own messages (refusals, failures, hints) go through [`Out`]
//!   like every other command's: sanitised, and never a panic.

use crate::audit::{AuditEntry, AuditLog};
use crate::cli::{ExecArgs, ExecTarget};
use crate::config::Config;
use crate::containers::client::{self, Endpoint};
use crate::containers::error::ContainerError;
use crate::containers::exec::{self, ExecRequest};
use crate::detach::{DetachKeys, Detector};
use crate::out::Out;
use crate::runtime::Mode;
use crate::target::{ExecIo, SessionEnd};
use crate::text::SanitizingWriter;
use crate::workloads::client::KubeSource;
use crate::workloads::error::ExecError;
use crate::workloads::exec::{self as pod_exec, PodExecRequest};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;
use tokio::sync::mpsc;

/// What an audit entry says about one session.
struct Session<'a> {
    origin: String,
    target: String,
    location: String,
    command: String,
    demo: bool,
    audit: &'a AuditLog,
    out: &'a Out,
}

impl Session<'_> {
    fn record(
        &self,
        result: &str,
        message: &str,
        started: Option<jiff::Timestamp>,
        exit_code: Option<i32>,
    ) {
        let entry = AuditEntry {
            ts: jiff::Timestamp::now(),
            who: crate::identity::operator(),
            origin: self.origin.clone(),
            action: "exec".into(),
            target: self.target.clone(),
            location: self.location.clone(),
            preview: self.command.clone(),
            result: result.into(),
            message: message.into(),
            demo: self.demo.then_some(true),
            started,
            exit_code,
            restore_point_time: None,
        };
        if let Err(e) = self.audit.append(&entry) {
            let _ = self.out.error(format_args!("warroom: {e}"));
        }
    }

    /// `--demo` and `--read-only` refuse before anything connects.
    fn gate(&self, mode: Mode, live: &str) -> Option<ExitCode> {
        if mode.demo {
            return Some(self.refuse(&format!(
                "exec is not simulated: the demo estate has no processes to exec into (run without --demo {live})"
            )));
        }
        if mode.read_only {
            return Some(
                self.refuse("read-only mode: `exec` is disabled (restart without --read-only)"),
            );
        }
        None
    }

    /// The session ended: an exit code becomes warroom's; a detach is
    /// said (what became of the command), written to `--result-file` for
    /// the console, and exits 0. Both are audited.
    fn ended(
        &self,
        started: jiff::Timestamp,
        end: SessionEnd,
        after_detach: &str,
        result_file: Option<&std::path::Path>,
    ) -> ExitCode {
        match end {
            SessionEnd::Exited(code) => {
                self.record("ok", &format!("exited {code}"), Some(started), Some(code));
                ExitCode::from(u8::try_from(code).unwrap_or(255))
            }
            SessionEnd::Detached => {
                let _ = self.out.error(format_args!(
                    "warroom: detached from the session in {}: {after_detach}",
                    self.target
                ));
                self.record(
                    "ok",
                    &format!("detached: {after_detach}"),
                    Some(started),
                    None,
                );
                if let Some(path) = result_file
                    && let Err(e) = std::fs::write(path, after_detach)
                {
                    let _ = self
                        .out
                        .error(format_args!("warroom: {}: {e}", path.display()));
                }
                ExitCode::SUCCESS
            }
        }
    }

    /// warroom could not run it (or lost it): say why, audit, exit 1.
    fn failed(
        &self,
        e: &dyn std::fmt::Display,
        hint: Option<String>,
        started: Option<jiff::Timestamp>,
    ) -> ExitCode {
        let message = say(e, hint, self.out);
        self.record("error", &message, started, None);
        ExitCode::from(1)
    }

    /// Say why nothing ran, audit it as refused, exit 1.
    fn refuse(&self, why: &str) -> ExitCode {
        let _ = self.out.error(format_args!("warroom: {why}"));
        self.record("refused", why, None, None);
        ExitCode::from(1)
    }
}

/// The command line as one shell-quoted string (`sh -c 'echo hi'`).
fn quoted(cmd: &[String]) -> String {
    shlex::try_join(cmd.iter().map(String::as_str)).unwrap_or_else(|_| cmd.join(" "))
}

pub async fn run(cfg: &Config, mode: Mode, args: ExecArgs, out: &Out) -> ExitCode {
    run_with(cfg, mode, args, &AuditLog::default_location(), out).await
}

async fn run_with(
    cfg: &Config,
    mode: Mode,
    args: ExecArgs,
    audit: &AuditLog,
    out: &Out,
) -> ExitCode {
    let ctx = Ctx {
        cfg,
        mode,
        audit,
        out,
    };
    match args.target.clone() {
        ExecTarget::Container(name) => container(&ctx, name, args).await,
        ExecTarget::Pod(name) => pod(&ctx, name, args).await,
    }
}

/// What every session needs besides its target: the config and mode, the
/// audit log, and where warroom's own messages go.
struct Ctx<'a> {
    cfg: &'a Config,
    mode: Mode,
    audit: &'a AuditLog,
    out: &'a Out,
}

impl<'a> Ctx<'a> {
    /// The audit record of one session of `args` on `target` at `location`.
    fn session(
        &self,
        args: &ExecArgs,
        target: String,
        location: String,
        command: String,
    ) -> Session<'a> {
        Session {
            origin: args.origin.clone(),
            target,
            location,
            command,
            demo: self.mode.demo,
            audit: self.audit,
            out: self.out,
        }
    }
}

async fn container(ctx: &Ctx<'_>, name: String, args: ExecArgs) -> ExitCode {
    let keys = detach_keys(ctx.cfg, &args);
    let endpoint = Endpoint::resolve(ctx.cfg.docker.host.as_deref());
    let session = ctx.session(
        &args,
        format!("container/{name}"),
        endpoint.host.clone(),
        quoted(&args.command),
    );
    if let Some(refused) = session.gate(ctx.mode, "against a Docker engine") {
        return refused;
    }
    if !ctx.cfg.docker.enabled {
        return session.refuse("Docker is disabled in the config ([docker] enabled = false)");
    }
    let docker = match client::connect(&endpoint).await {
        Ok((docker, _version)) => docker,
        Err(e) => {
            let message = say(&e, e.hint(), ctx.out);
            session.record("error", &message, None, None);
            return ExitCode::from(1);
        }
    };
    let req = ExecRequest {
        container: name,
        cmd: args.command,
        stdin: args.interactive,
        tty: args.tty,
        console_size: args.tty.then(|| crossterm::terminal::size().ok()).flatten(),
        detach_keys: args.interactive.then(|| keys.to_string()),
    };
    let started = jiff::Timestamp::now();
    let detach = (args.interactive && args.tty).then_some(keys);
    let mut term = Terminal::open(args.interactive, args.tty, detach);
    let result = exec::run(&docker, &req, term.io()).await;
    term.close();
    match result {
        Ok(end) => session.ended(
            started,
            end,
            "it goes on running in the container",
            args.result_file.as_deref(),
        ),
        Err(e) => {
            let ran = !matches!(e, ContainerError::NoSuchContainer { .. });
            session.failed(&e, e.hint(), ran.then_some(started))
        }
    }
}

async fn pod(ctx: &Ctx<'_>, name: String, args: ExecArgs) -> ExitCode {
    let keys = detach_keys(ctx.cfg, &args);
    let source = KubeSource::new(None, ctx.cfg.kubernetes.context.clone());
    let (context, namespace) = pod_location(&source, &args.kube);
    let mut command = quoted(&args.command);
    if let Some(c) = &args.container {
        command = format!("-c {} -- {command}", quoted(std::slice::from_ref(c)));
    }
    let location = format!("{}/{namespace}", context.as_deref().unwrap_or("-"));
    let session = ctx.session(&args, format!("pod/{name}"), location, command);
    if let Some(refused) = session.gate(ctx.mode, "against a cluster") {
        return refused;
    }
    if !ctx.cfg.kubernetes.enabled {
        return session
            .refuse("Kubernetes is disabled in the config ([kubernetes] enabled = false)");
    }
    let client = match source.client(context.as_deref()).await {
        Ok((client, _)) => client,
        Err(e) => return session.failed(&e, Some(e.hint().to_string()), None),
    };
    let req = PodExecRequest {
        namespace,
        pod: name,
        container: args.container,
        command: args.command,
        stdin: args.interactive,
        tty: args.tty,
    };
    let started = jiff::Timestamp::now();
    let detach = (args.interactive && args.tty).then_some(keys);
    let mut term = Terminal::open(args.interactive, args.tty, detach);
    let result = pod_exec::run(&client, &req, term.io()).await;
    term.close();
    match result {
        Ok(end) => session.ended(
            started,
            end,
            "a Kubernetes exec ends with its connection, so the remote command was hung up",
            args.result_file.as_deref(),
        ),
        Err(ExecError::Denied { namespace, reason }) => {
            // A refusal, not a failure: nothing reached the pod.
            let e = ExecError::Denied { namespace, reason };
            let message = say(&e, e.hint(), ctx.out);
            session.record("refused", &message, None, None);
            ExitCode::from(1)
        }
        Err(e) => session.failed(&e, e.hint(), e.ran().then_some(started)),
    }
}

/// `--detach-keys`, else `[exec] detach_keys`.
fn detach_keys(cfg: &Config, args: &ExecArgs) -> DetachKeys {
    args.detach_keys
        .clone()
        .unwrap_or_else(|| cfg.exec.detach_keys.clone())
}

/// The context and namespace a pod session runs in: the flags, else the
/// config's context and the kubeconfig's (current) context and its namespace.
pub(super) fn pod_location(
    source: &KubeSource,
    flags: &crate::action::KubeFlags,
) -> (Option<String>, String) {
    let kc = source.read().ok();
    let context = flags.context.clone().or_else(|| source.initial_context());
    let namespace = flags.namespace.clone().or_else(|| {
        let kc = kc?;
        let ctx = context.as_deref()?;
        let named = kc.contexts.into_iter().find(|c| c.name == ctx)?;
        named.context?.namespace
    });
    (context, namespace.unwrap_or_else(|| "default".into()))
}

/// warroom's side of one session: its stdout and stderr (raw with `-t` or
/// into a pipe, sanitised to a terminal), stdin and terminal sizes when
/// asked, and the local terminal in raw mode with `-t`.
struct Terminal {
    raw: Option<RawMode>,
    stdout: Output<std::io::Stdout>,
    stderr: Output<std::io::Stderr>,
    stdin: Option<mpsc::Receiver<Vec<u8>>>,
    resize: Option<mpsc::Receiver<(u16, u16)>>,
    detached: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl Terminal {
    // The session's own streams: raw on purpose with -t or into a pipe (see
    // the module comment), so not through `Out`.
    #[allow(clippy::disallowed_methods)]
    fn open(interactive: bool, tty: bool, detach: Option<DetachKeys>) -> Self {
        let (stdin, detached) = match interactive.then(|| forward_stdin(detach)) {
            Some((stdin, detached)) => (Some(stdin), detached),
            None => (None, None),
        };
        Self {
            raw: (tty && std::io::stdin().is_terminal()).then(RawMode::enable),
            stdout: output(std::io::stdout(), tty),
            stderr: output(std::io::stderr(), tty),
            stdin,
            resize: tty.then(terminal_sizes).flatten(),
            detached,
        }
    }

    /// The session's end of it (stdin and sizes are handed over once).
    fn io(&mut self) -> ExecIo<'_> {
        ExecIo {
            stdout: &mut self.stdout,
            stderr: &mut self.stderr,
            stdin: self.stdin.take(),
            resize: self.resize.take(),
            detached: self.detached.take(),
        }
    }

    /// Flush what the sanitiser still holds (a last line without a newline),
    /// then restore the terminal, before anything else is printed.
    fn close(self) {
        let _ = self.stdout.finish();
        let _ = self.stderr.finish();
        drop(self.raw);
    }
}

/// Print a failure and its fix on stderr; returns the message for the audit log.
fn say(e: &dyn std::fmt::Display, hint: Option<String>, out: &Out) -> String {
    let message = e.to_string();
    let _ = out.error(format_args!("warroom: {message}"));
    if let Some(hint) = hint {
        let _ = out.error(format_args!("  hint: {hint}"));
    }
    message
}

/// One of warroom's output streams: raw with `-t` or into a pipe or file,
/// sanitised when a terminal reads it.
enum Output<W: Write + IsTerminal> {
    Raw(W),
    Sanitised(SanitizingWriter<W>),
}

fn output<W: Write + IsTerminal>(w: W, tty: bool) -> Output<W> {
    if !tty && w.is_terminal() {
        Output::Sanitised(SanitizingWriter::new(w))
    } else {
        Output::Raw(w)
    }
}

impl<W: Write + IsTerminal> Output<W> {
    fn finish(self) -> std::io::Result<()> {
        match self {
            Self::Raw(mut w) => w.flush(),
            Self::Sanitised(w) => w.finish().map(drop),
        }
    }
}

impl<W: Write + IsTerminal> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Raw(w) => w.write(buf),
            Self::Sanitised(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Raw(w) => w.flush(),
            Self::Sanitised(w) => w.flush(),
        }
    }
}

/// warroom's stdin in chunks, until EOF, watched for the detach keys when
/// asked: they are kept from the command and the receiver fires (the
/// session then ends on this side, as the docker CLI's escape proxy does). A plain thread, not
/// tokio's stdin: a read blocked on a terminal cannot be cancelled, and
/// tokio's runtime would wait for it at exit after the command ended.
fn forward_stdin(
    detach: Option<DetachKeys>,
) -> (
    mpsc::Receiver<Vec<u8>>,
    Option<tokio::sync::oneshot::Receiver<()>>,
) {
    let (tx, rx) = mpsc::channel(16);
    let (mut watch, detached) = match detach {
        Some(keys) => {
            let (fire, fired) = tokio::sync::oneshot::channel();
            (Some((Detector::new(&keys), fire)), Some(fired))
        }
        None => (None, None),
    };
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = vec![0u8; 8192];
        loop {
            let n = match stdin.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let (chunk, left) = match watch.as_mut() {
                Some((detector, _)) => detector.feed(&buf[..n]),
                None => (buf[..n].to_vec(), false),
            };
            if !chunk.is_empty() && tx.blocking_send(chunk).is_err() {
                return;
            }
            if left && let Some((_, fire)) = watch.take() {
                let _ = fire.send(());
                // Hold stdin open: an EOF now could end the remote shell
                // before the session is left (the session's end closes it).
                loop {
                    std::thread::park();
                }
            }
        }
    });
    (rx, detached)
}

/// The local terminal's size now and after every SIGWINCH, for the remote
/// TTY; None when warroom's stdout is not a terminal.
fn terminal_sizes() -> Option<mpsc::Receiver<(u16, u16)>> {
    let first = crossterm::terminal::size().ok()?;
    let (tx, rx) = mpsc::channel(4);
    let _ = tx.try_send(first);
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut winch) = signal(SignalKind::window_change()) else {
            return;
        };
        loop {
            tokio::select! {
                _ = tx.closed() => return,
                got = winch.recv() => {
                    if got.is_none() {
                        return;
                    }
                    if let Ok(size) = crossterm::terminal::size() {
                        let _ = tx.send(size).await;
                    }
                }
            }
        }
    });
    Some(rx)
}

/// The local terminal in raw mode (`-t`): keys go to the remote TTY as typed.
/// Restored on drop, so every return and unwinding path restores it.
struct RawMode(bool);

impl RawMode {
    fn enable() -> Self {
        Self(crossterm::terminal::enable_raw_mode().is_ok())
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.0 {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(target: ExecTarget) -> ExecArgs {
        ExecArgs {
            target,
            kube: crate::action::KubeFlags {
                namespace: Some("shop".into()),
                context: Some("prod".into()),
            },
            container: Some("api".into()),
            interactive: false,
            tty: false,
            command: vec!["sh".into(), "-c".into(), "touch /tmp/x; echo 'a b'".into()],
            detach_keys: None,
            origin: "cli".into(),
            result_file: None,
        }
    }

    #[test]
    fn the_command_is_recorded_shell_quoted() {
        let cmd = args(ExecTarget::Pod("p".into())).command;
        let line = quoted(&cmd);
        assert_eq!(line, r#"sh -c "touch /tmp/x; echo 'a b'""#);
        assert_eq!(
            shlex::split(&line).unwrap(),
            cmd,
            "it reads back as the same words"
        );
    }

    #[tokio::test]
    async fn demo_and_read_only_refuse_before_connecting_and_are_audited() {
        let dir = tempfile::tempdir().unwrap();
        let audit = AuditLog::new(dir.path().join("audit.jsonl"));
        let mut cfg = Config::default();
        // Nothing listens here: a refusal that tried to connect would say so.
        cfg.docker.host = Some("tcp://127.0.0.1:9".into());
        let target = || ExecTarget::Container("web".into());
        let (out, _) = Out::capture();
        let demo = Mode {
            demo: true,
            read_only: false,
            console: false,
        };
        let ro = Mode {
            demo: false,
            read_only: true,
            console: false,
        };
        let refused = |mode, target| run_with(&cfg, mode, args(target), &audit, &out);
        let pod_target = || ExecTarget::Pod("api-1".into());
        assert_eq!(refused(demo, target()).await, ExitCode::from(1));
        assert_eq!(refused(ro, target()).await, ExitCode::from(1));
        assert_eq!(refused(ro, pod_target()).await, ExitCode::from(1));
        assert_eq!(refused(demo, pod_target()).await, ExitCode::from(1));
        let mut all = audit.read_all();
        assert_eq!(all.len(), 4, "{all:?}");
        let pods = all.split_off(2);
        for e in &pods {
            assert_eq!((e.action.as_str(), e.result.as_str()), ("exec", "refused"));
            assert_eq!(e.target, "pod/api-1");
            assert_eq!(e.location, "prod/shop");
            assert_eq!(e.preview, r#"-c api -- sh -c "touch /tmp/x; echo 'a b'""#);
            assert!(e.started.is_none() && e.exit_code.is_none());
        }
        assert!(pods[0].message.contains("read-only"), "{pods:?}");
        assert!(pods[1].message.contains("against a cluster"), "{pods:?}");
        assert_eq!(pods[1].demo, Some(true));
        for e in &all {
            assert_eq!((e.action.as_str(), e.result.as_str()), ("exec", "refused"));
            assert_eq!(e.target, "container/web");
            assert_eq!(e.location, "tcp://127.0.0.1:9");
            assert!(e.started.is_none() && e.exit_code.is_none());
        }
        assert_eq!(all[0].demo, Some(true));
        assert!(
            all[0].message.contains("no processes to exec into"),
            "{all:?}"
        );
        assert_eq!(all[1].demo, None);
        assert!(all[1].message.contains("read-only"), "{all:?}");
    }
}
