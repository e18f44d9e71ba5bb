//! Command-line interface (clap derive). `warroom --help` and each
//! subcommand's `--help` explain what they do.

use crate::action::ActionArgs;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "warroom",
    version,
    about = "A terminal console for incidents: workloads, containers, alerts, logs, backups and runbooks in one screen.",
    long_about = "warroom shows what is broken — Kubernetes workloads, Docker containers, Prometheus/Alertmanager \
alerts, Loki logs, backup freshness — and runs the fix from the same screen: restart, rollout undo, scale, \
silence, restore, each previewed, confirmed and written to the audit log. It walks Markdown runbooks step by \
step with a journal you can resume after a dropped SSH session.\n\n\
Run without a subcommand for the console. Try it with no cluster around: `warroom --demo`.\n\n\
Files: config at the platform config dir (`warroom config path`), or --config / WARROOM_CONFIG; \
audit log, journals and logs in the data dir (WARROOM_DATA_DIR overrides).",
    after_help = "Environment: KUBECONFIG, DOCKER_HOST, NO_COLOR, WARROOM_CONFIG, WARROOM_DATA_DIR, WARROOM_LOG (log filter)."
)]
pub struct Cli {
    /// Run against the built-in simulated estate (no cluster needed); clearly labelled DEMO.
    #[arg(long, global = true)]
    pub demo: bool,
    /// Hide and refuse every action that changes something.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Config file (default: WARROOM_CONFIG, else config.toml in the config dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Kubernetes context (overrides [kubernetes] context).
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// Kubernetes namespace(s) to watch, comma-separated, or `*` for all.
    #[arg(long, short = 'n', global = true, value_delimiter = ',')]
    pub namespace: Vec<String>,
    /// Theme: `default`, `sixteen`, or a path to a theme TOML file.
    #[arg(long, global = true)]
    pub theme: Option<String>,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Print the estate's health review (unhealthy workloads, firing alerts, backup freshness) and exit.
    ///
    /// Exit status: 0 healthy, 1 problems found, 2 error. Each source gets [general] source_timeout.
    Report {
        #[arg(long, value_enum, default_value_t = Format::Md)]
        format: Format,
    },
    /// Run an incident action without the console (preview, confirm, audit), e.g.
    /// `warroom action rollout-undo deployment/web -n shop --dry-run`.
    Action(ActionArgs),
    /// Search or follow logs from Loki, a pod or a container, printed sanitised.
    Logs(LogsArgs),
    /// Run a command in a running container, as `docker exec` does, e.g.
    /// `warroom exec container/web -- sh -c 'ls /data'`.
    ///
    /// The command's stdout and stderr go to warroom's. Without -t, output
    /// bound for a terminal is sanitised (escape sequences from the container
    /// removed, control characters made visible, as everywhere in warroom);
    /// output into a pipe or file passes through unchanged. With -t the
    /// command gets a TTY and its bytes pass through unchanged, with the local
    /// terminal in raw mode until it exits. The command's exit code becomes
    /// warroom's (126/127 when the engine says it cannot be run); warroom's
    /// own failures (no such container, engine unreachable, --read-only,
    /// --demo) exit 1. Every session is written to the audit log: target,
    /// Docker host, command, start, end and exit code, never the output.
    ///
    /// `pod/NAME -n NS [-c CONTAINER] [--context CTX]` runs it in a pod, as
    /// `kubectl exec` does: `create pods/exec` is checked first (a refusal
    /// names the missing permission and runs nothing); without -c, the
    /// container the pod's kubectl.kubernetes.io/default-container annotation
    /// names, else the first.
    Exec(ExecArgs),
    /// Forward local ports to a pod, as `kubectl port-forward` does, e.g.
    /// `warroom port-forward svc/api -n shop 8080:80`.
    ///
    /// TARGET is pod/NAME, service/NAME (svc/), deployment/NAME (deploy/),
    /// statefulset/NAME, daemonset/NAME or replicaset/NAME. A service forwards
    /// to a ready pod behind it, its ports being service ports (by number or
    /// name) translated to the pod's target ports; a controller to its most
    /// active running pod. Ports are LOCAL:REMOTE; `8080` is 8080:8080, `:80`
    /// or `0:80` picks a free local port, REMOTE may be a port name. Listens
    /// on 127.0.0.1 unless --address says otherwise, prints `Forwarding from
    /// ADDR -> PORT` per listener and runs until interrupted (ctrl-c). When
    /// the pod behind a service or controller goes away, the next connection
    /// goes to another one; a pod/NAME forward ends when its pod is gone
    /// (exit 1). `create pods/portforward` is checked first; start and stop
    /// (with connections and bytes each way) are written to the audit log.
    PortForward(PortForwardArgs),
    /// List Kubernetes events grouped by the object they are about, objects
    /// with warnings first, as `kubectl get events` does, e.g.
    /// `warroom events -n shop --warnings --since 1h`.
    ///
    /// Namespaces: -A for all; else -n; else the config's [kubernetes]
    /// namespaces; else the context's namespace. Core v1 events and
    /// events.k8s.io/v1 series are both read (count, first and last seen).
    /// Exit status: 0 listed (even if none), 1 the cluster could not be
    /// asked, 2 a bad flag.
    Events(EventsArgs),
    /// Print one object's live manifest, as `kubectl get -o yaml` does, e.g.
    /// `warroom get deploy/web -n shop` or `warroom get secret/db -n shop --reveal password`.
    ///
    /// KIND is kubectl's name or short name: pod (po), deployment (deploy),
    /// statefulset (sts), daemonset (ds), replicaset (rs), job, cronjob (cj),
    /// service (svc), node (no), configmap (cm), secret. One GET, after an
    /// access review of `get KIND` (a refusal names the permission).
    /// `metadata.managedFields` is dropped, the last-applied-configuration
    /// annotation shown as its size, and a Secret's `data`/`stringData` as
    /// their keys and sizes. `--reveal KEY` prints that one key's decoded
    /// value instead: refused with --read-only, and written to the audit log
    /// (who, where, which key — never the value) before it is printed.
    /// Everything printed is sanitised. Exit status: 0 shown, 1 the object
    /// could not be read (unreachable, refused, not found, no such key), 2 a
    /// bad argument (an unknown kind).
    Get(GetArgs),
    /// Run a PromQL range query and print its series, e.g.
    /// `warroom metrics 'rate(http_requests_total[5m])' --since 6h`.
    ///
    /// Asks the first [[prometheus]] (or --prometheus NAME). The step is one
    /// point per sparkline cell unless --step is given (never more than
    /// Prometheus' 11,000 points). Table: one line per series, highest last
    /// value first, with its distinguishing labels, last value in the unit
    /// inferred from the metric's name (_bytes, _seconds, _ratio) and a
    /// sparkline; json keeps every point; csv is one row per series and
    /// timestamp. Exit status: 0 answered (even with no series), 1
    /// Prometheus unreachable, not configured or refusing the query (its own
    /// error text, with the position of a parse error), 2 a bad flag.
    Metrics(MetricsArgs),
    /// Lint, run, resume and export Markdown runbooks.
    Runbook {
        #[command(subcommand)]
        command: RunbookCmd,
    },
    /// Check every configured source (reachable, version, auth) and print a table.
    ///
    /// Exit status is non-zero if any configured source fails.
    Doctor,
    /// Show or create the config file.
    Config {
        #[command(subcommand)]
        command: ConfigCmd,
    },
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    ///
    /// E.g. `warroom completions bash > ~/.local/share/bash-completion/completions/warroom`;
    /// the README's Install section has the other shells.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the man page warroom.1 (roff), or write one page per command with --out.
    ///
    /// `warroom man | man -l -` reads it now; packagers run `warroom man --out DIR`.
    Man {
        /// Write warroom.1 and warroom-COMMAND.1 for every subcommand (e.g. warroom-runbook-run.1)
        /// into DIR, created if missing, and print their paths.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Md,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// LogQL query, e.g. `{app="api"} |= "error"` (not needed with --source).
    pub query: Option<String>,
    /// `pod:NAMESPACE/NAME[/CONTAINER]` or `container:NAME` instead of Loki.
    #[arg(long)]
    pub source: Option<String>,
    /// How far back, e.g. 15m, 1h, 24h.
    #[arg(long, default_value = "1h")]
    pub since: String,
    /// Absolute start (RFC 3339), with --to.
    #[arg(long)]
    pub from: Option<String>,
    /// Absolute end (RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
    /// Maximum lines.
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
    /// Oldest first (default: newest first, as Loki returns them).
    #[arg(long)]
    pub forward: bool,
    /// Keep following new lines (Loki tail, pod/container follow).
    #[arg(long, short = 'f')]
    pub follow: bool,
    #[arg(long, value_enum, default_value_t = LogOutput::Default)]
    pub output: LogOutput,
}

#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    /// `container/NAME` or `pod/NAME`.
    #[arg(value_name = "TARGET", value_parser = ExecTarget::parse)]
    pub target: ExecTarget,
    /// The pod's namespace and context (pod/NAME only).
    #[command(flatten)]
    pub kube: crate::action::KubeFlags,
    /// The pod's container (default: its default-container annotation, else
    /// the first; pod/NAME only).
    #[arg(long, short = 'c')]
    pub container: Option<String>,
    /// Keep stdin open and forward warroom's stdin to the command until EOF.
    #[arg(long, short = 'i')]
    pub interactive: bool,
    /// Give the command a TTY; output passes through unchanged and the local
    /// terminal is in raw mode while it runs.
    #[arg(long, short = 't')]
    pub tty: bool,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<String>,
    /// The keys that leave the session (with -i -t), Docker's format:
    /// `ctrl-p,ctrl-q`. A container's command goes on running; a pod's
    /// session ends with its connection. Default: `[exec] detach_keys`.
    #[arg(long, value_name = "KEYS")]
    pub detach_keys: Option<crate::detach::DetachKeys>,
    /// Who asked, for the audit log (`tui` when the console opened the session).
    #[arg(long, hide = true, default_value = "cli")]
    pub origin: String,
    /// Where to say how the session ended when it was detached (the
    /// console reads it to tell the operator).
    #[arg(long, hide = true)]
    pub result_file: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct EventsArgs {
    #[command(flatten)]
    pub kube: crate::action::KubeFlags,
    /// Every namespace.
    #[arg(long, short = 'A', conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Warning events only.
    #[arg(long)]
    pub warnings: bool,
    /// Only events last seen this recently, e.g. 10m, 1h, 1d.
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    #[arg(long, short = 'o', value_enum, default_value_t = EventsFormat::Table)]
    pub format: EventsFormat,
}

#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// KIND/NAME, e.g. deploy/web, pod/web-7d9f8-x2x4k, secret/db, node/ip-10-0-1-23.
    #[arg(value_name = "KIND/NAME", value_parser = GetTarget::parse)]
    pub target: GetTarget,
    #[command(flatten)]
    pub kube: crate::action::KubeFlags,
    #[arg(long, short = 'o', value_enum, default_value_t = GetFormat::Yaml)]
    pub output: GetFormat,
    /// Print this key's decoded value (a secret only; audited, refused with --read-only).
    #[arg(long, value_name = "KEY")]
    pub reveal: Option<String>,
}

/// `warroom get`'s object, before the namespace is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetTarget {
    pub kind: crate::workloads::manifest::ManifestKind,
    pub name: String,
}

impl GetTarget {
    fn parse(s: &str) -> Result<Self, String> {
        use crate::workloads::manifest::ManifestKind;
        let Some((kind, name)) = s
            .split_once('/')
            .filter(|(k, n)| !k.is_empty() && !n.is_empty())
        else {
            return Err(format!("{s:?}: use KIND/NAME, e.g. deploy/web"));
        };
        let known = || {
            ManifestKind::ALL
                .iter()
                .map(|k| k.arg())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let kind = ManifestKind::parse(kind)
            .ok_or_else(|| format!("unknown kind {kind:?}: use one of {}", known()))?;
        Ok(Self {
            kind,
            name: name.into(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GetFormat {
    Yaml,
    /// Pretty-printed JSON, every control character escaped.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct MetricsArgs {
    /// The PromQL expression, e.g. `up` or `sum by (code) (rate(x_total[5m]))`.
    pub query: String,
    /// How far back, ending now, e.g. 15m, 1h, 6h, 24h.
    #[arg(long, default_value = "1h", conflicts_with_all = ["start", "end"])]
    pub since: String,
    /// Absolute start: RFC 3339 or unix seconds (with --end, default now).
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// Absolute end: RFC 3339 or unix seconds.
    #[arg(long, value_name = "TIME", requires = "start")]
    pub end: Option<String>,
    /// Resolution, e.g. 15s, 1m (default: one point per sparkline cell).
    #[arg(long, value_name = "DURATION")]
    pub step: Option<String>,
    /// The [[prometheus]] entry's name (default: the first).
    #[arg(long, value_name = "NAME")]
    pub prometheus: Option<String>,
    #[arg(long, short = 'o', value_enum, default_value_t = MetricsFormat::Table)]
    pub format: MetricsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricsFormat {
    /// One line per series: labels, last value, sparkline.
    Table,
    /// Every series with all its points.
    Json,
    /// One row per series and timestamp.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EventsFormat {
    /// Aligned columns, one line per event.
    Table,
    /// A JSON array, one object per event, in the table's order.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct PortForwardArgs {
    /// pod/NAME, svc/NAME, deployment/NAME, statefulset/NAME, daemonset/NAME, replicaset/NAME.
    #[arg(value_name = "TARGET", value_parser = parse_forward_target)]
    pub target: crate::workloads::portforward::ForwardTarget,
    /// LOCAL:REMOTE, repeatable: 8080:80, 5432, :9090, 8080:http.
    #[arg(required = true, value_name = "PORTS", value_parser = parse_port_spec)]
    pub ports: Vec<crate::workloads::portforward::PortSpec>,
    #[command(flatten)]
    pub kube: crate::action::KubeFlags,
    /// Local addresses to listen on, comma-separated (default 127.0.0.1).
    #[arg(long, value_delimiter = ',', value_name = "ADDR")]
    pub address: Vec<std::net::IpAddr>,
}

fn parse_forward_target(s: &str) -> Result<crate::workloads::portforward::ForwardTarget, String> {
    crate::workloads::portforward::ForwardTarget::parse(s).map_err(|e| e.to_string())
}

fn parse_port_spec(s: &str) -> Result<crate::workloads::portforward::PortSpec, String> {
    crate::workloads::portforward::PortSpec::parse(s).map_err(|e| e.to_string())
}

/// What `warroom exec` runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecTarget {
    Container(String),
    Pod(String),
}

impl ExecTarget {
    fn parse(s: &str) -> Result<Self, String> {
        let named = |prefix: &str| s.strip_prefix(prefix).filter(|n| !n.is_empty());
        if let Some(name) = named("container/") {
            Ok(Self::Container(name.to_string()))
        } else if let Some(name) = named("pod/") {
            Ok(Self::Pod(name.to_string()))
        } else {
            Err(format!("{s:?}: use container/NAME or pod/NAME"))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogOutput {
    /// Timestamp, labels and line.
    Default,
    /// The line only.
    Raw,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Debug, Subcommand)]
pub enum RunbookCmd {
    /// Check runbooks for errors (reported as FILE:LINE: message).
    Lint {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run a runbook headless, in order, stopping at the first failure.
    Run {
        file: PathBuf,
        /// Parameter value, repeatable: --param namespace=shop
        #[arg(long = "param", value_name = "K=V")]
        params: Vec<String>,
        /// Answer every confirmation (typed ones too). Without it and without a TTY, steps that need confirmation refuse to run.
        #[arg(long)]
        yes: bool,
        /// Print each step's rendered commands and action previews; run nothing.
        #[arg(long)]
        dry_run: bool,
        /// Continue the latest unfinished run of this runbook.
        #[arg(long)]
        resume: bool,
        /// With --resume: resume even though the runbook's steps changed since.
        /// Without: start a fresh run even though the unfinished run's journal is damaged.
        #[arg(long)]
        force: bool,
        /// With --resume: resume from the journal entries that parse when some lines
        /// are damaged (the journal is copied beside itself first, the bad lines are named).
        #[arg(long, requires = "resume")]
        skip_bad_lines: bool,
    },
    /// Export a run's timeline (default: the latest run of FILE).
    Export {
        file: PathBuf,
        #[arg(long)]
        run: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Md,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print the config file path (and whether it exists).
    Path,
    /// Write a commented default config (refuses to overwrite without --force).
    Init {
        #[arg(long)]
        force: bool,
    },
    /// Print the effective config after defaults and overrides.
    Show,
}

/// The completion script for `shell`, generated from the definitions above.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "warroom", &mut out);
    out
}

/// warroom.1 in roff: options, and a SUBCOMMANDS section naming warroom-COMMAND(1).
pub fn man_page() -> Vec<u8> {
    let mut out = Vec::new();
    man(man_command())
        .render(&mut out)
        .expect("writing to a Vec cannot fail");
    out
}

/// Write warroom.1 and a warroom-COMMAND[-SUBCOMMAND].1 page for every
/// subcommand into `dir` (git-style, so `man warroom-runbook-run` finds its
/// page); returns the files written, warroom.1 first.
pub fn man_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    fn write(cmd: clap::Command, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        let subs: Vec<clap::Command> = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .cloned()
            .collect();
        out.push(man(cmd).generate_to(dir)?);
        subs.into_iter().try_for_each(|sub| write(sub, dir, out))
    }
    let mut out = Vec::new();
    std::fs::create_dir_all(dir)
        .and_then(|()| write(man_command(), dir, &mut out))
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    Ok(out)
}

/// A page whose footer names warroom and its version (clap_mangen would put
/// the subcommand's own name there, without a version).
fn man(cmd: clap::Command) -> clap_mangen::Man {
    clap_mangen::Man::new(cmd).source(concat!("warroom ", env!("CARGO_PKG_VERSION")))
}

/// The command as the man pages show it: built, so that subcommands are named
/// warroom-COMMAND, and without clap's `help` subcommand (it has no page).
fn man_command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_work_before_and_after_subcommands() {
        let c = Cli::try_parse_from(["warroom", "report", "--demo", "--format", "json"]).unwrap();
        assert!(c.demo);
        assert!(matches!(
            c.command,
            Some(Cmd::Report {
                format: Format::Json
            })
        ));
        let c = Cli::try_parse_from(["warroom", "exec", "container/web", "-it", "--", "ls", "-l"])
            .unwrap();
        let Some(Cmd::Exec(e)) = c.command else {
            panic!("not exec")
        };
        assert_eq!(e.target, ExecTarget::Container("web".into()));
        assert!(e.interactive && e.tty);
        assert_eq!(e.command, ["ls", "-l"]);
        assert!(Cli::try_parse_from(["warroom", "exec", "container/web"]).is_err());
        let c = Cli::try_parse_from([
            "warroom",
            "exec",
            "pod/api-1",
            "-n",
            "shop",
            "-c",
            "api",
            "--context",
            "prod",
            "-i",
            "--",
            "sh",
            "-c",
            "id",
        ])
        .unwrap();
        let Some(Cmd::Exec(e)) = c.command else {
            panic!("not exec")
        };
        assert_eq!(e.target, ExecTarget::Pod("api-1".into()));
        assert_eq!(e.kube.namespace.as_deref(), Some("shop"));
        assert_eq!(e.kube.context.as_deref(), Some("prod"));
        assert_eq!(e.container.as_deref(), Some("api"));
        assert!(e.interactive && !e.tty);
        assert_eq!(e.command, ["sh", "-c", "id"]);
        assert!(Cli::try_parse_from(["warroom", "exec", "web", "--", "ls"]).is_err());
        let c = Cli::try_parse_from(["warroom", "-n", "shop,payments", "--read-only"]).unwrap();
        assert_eq!(c.namespace, ["shop", "payments"]);
        assert!(c.read_only && c.command.is_none());
    }
}
