#!/usr/bin/env bash
# Soak: the console on screen for MINUTES (default 30) against a busy estate,
# sampled every minute, then its files checked.
#   - kmock with 10,000 pods (the objects of benches/workloads_live.sh), run
#     through benches/soak/kmock_soak.py (kmock's request history bounded, or
#     it slows down with every request served), ~10 status merge-patches a
#     second (benches/soak/churn.py: restarts, readiness flips,
#     CrashLoopBackOff now and then);
#   - a Loki stand-in (benches/soak/loki.py) whose tail pushes 2,000 lines/s;
#   - real Prometheus + Alertmanager (Debian packages) with an alert that
#     fires for one minute and resolves for the next, polled every second.
# The console (160x48, in tmux) shows the Logs pane with a live tail of
# {job="soak"}. Every minute: VmRSS, VmHWM, open fds, threads, CPU
# (utime+stime), the Logs pane's line counters and the flapping alert's state.
# Before: a runbook run (journal) and two actions (audit log) as evidence;
# after a clean quit (q): the journal's sha256, `runbook export` on it, and the
# audit log (JSONL, every line parses, nothing truncated, old lines unchanged).
# Prints a report and PASS/FAIL lines; exits 1 if any check failed.
#
# Usage: benches/soak.sh [MINUTES]
#   WARROOM_BIN         the binary (default target/release/warroom)
#   WARROOM_KMOCK_PYTHON python with kmock + aiohttp (default /opt/warroom-venv/bin/python,
#                       .ci/setup.d/workloads.sh installs it)
#   SOAK_PODS, SOAK_PATCH_RATE, SOAK_LOKI_RATE   10000, 10 patches/s, 2000 lines/s
#   SOAK_KEEP=1         keep the work dir (captures, samples, component logs)
#   SOAK_KMOCK_PLAIN=1  run tests/support/kmock_server.py itself (the churn then falls behind)
# benches/soak/report.py reads the helpers' stats and checks the audit log.
# Needs tmux, curl, prometheus and prometheus-alertmanager (.ci/setup.d/alerts.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
minutes=${1:-30}
[[ $minutes =~ ^[0-9]+$ && $minutes -ge 1 ]] || { echo "usage: $0 [MINUTES]" >&2; exit 2; }
bin=${WARROOM_BIN:-target/release/warroom}
[[ $bin = /* ]] || bin=$repo/$bin
py=${WARROOM_KMOCK_PYTHON:-/opt/warroom-venv/bin/python}
rep=benches/soak/report.py
pods=${SOAK_PODS:-10000}
patch_rate=${SOAK_PATCH_RATE:-10}
loki_rate=${SOAK_LOKI_RATE:-2000}
for need in tmux curl prometheus prometheus-alertmanager "$py"; do
  command -v "$need" >/dev/null || { echo "soak: $need is not installed" >&2; exit 2; }
done
[[ -x $bin ]] || { echo "soak: $bin does not exist (cargo build --release, or set WARROOM_BIN)" >&2; exit 2; }

work=$(mktemp -d -t warroom-soak.XXXXXX)
sock=warroom-soak-$$
kpid='' lpid='' cpid='' ppid_='' apid=''
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  for p in $cpid $lpid $kpid $ppid_ $apid; do kill "$p" 2>/dev/null || true; done
  for p in $cpid $lpid $kpid $ppid_ $apid; do wait "$p" 2>/dev/null || true; done
  if [[ ${SOAK_KEEP:-} = 1 ]]; then echo "soak: work dir kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
ts() { date -u +%H:%M:%S; }
fails=0
check() { # check NAME OK(0/1) DETAIL
  if [[ $2 = 0 ]]; then say "PASS  $1${3:+ — $3}"; else say "FAIL  $1${3:+ — $3}"; fails=$((fails + 1)); fi
}
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for SECONDS CMD...: until CMD succeeds
  local end=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || return 1
    sleep 0.2
  done
}
ready_line() { grep -q READY "$1"; }
http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }
die() { echo "soak: $*" >&2; exit 1; }
mkdir -p "$work/data" "$work/home" "$work/captures" "$work/runbooks"

say "warroom soak: $minutes min, $pods pods, ~$patch_rate patches/s, $loki_rate Loki lines/s, alert flapping every minute"
say "binary: $bin ($(stat -c '%y' "$bin" | cut -d. -f1), $("$bin" --version 2>/dev/null || echo '?'))"
say "machine: $(nproc) cores, $(uname -r); started $(date -u '+%F %T') UTC"

# --- Kubernetes: kmock with the pods of benches/workloads_live.sh ----------
"$py" - "$pods" >"$work/objects.json" <<'PY'
import json, sys
n = int(sys.argv[1])
pods = []
for i in range(n):
    ns = ["shop", "payments", "search", "platform"][i % 4]
    app = f"svc-{i % 40}"
    crash = i % 97 == 0
    state = ({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}} if crash
             else {"running": {"startedAt": "2026-03-14T01:00:05Z"}})
    pods.append({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"{app}-{i:05d}", "namespace": ns, "labels": {"app": app},
                     "creationTimestamp": "2026-03-14T01:00:00Z"},
        "spec": {"nodeName": f"node-{i % 20}", "containers": [{"name": app, "image": f"shop/{app}:1.0.{i % 7}",
                 "resources": {"limits": {"memory": "256Mi"}},
                 "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}}]},
        "status": {"phase": "Running",
                   "conditions": [{"type": "Ready", "status": "False" if crash else "True"}],
                   "containerStatuses": [{"name": app, "image": f"shop/{app}:1.0.{i % 7}", "imageID": "",
                       "ready": not crash, "restartCount": 7 if crash else 0, "state": state,
                       **({"lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}} if crash else {})}]}})
print(json.dumps(pods))
PY
kport=$(free_port)
# benches/soak/kmock_soak.py is tests/support/kmock_server.py with kmock's request
# history bounded (see its docstring: unbounded, the emulator slows down with
# every request served and cannot keep up with the churn for long).
kmock_main=benches/soak/kmock_soak.py
[[ ${SOAK_KMOCK_PLAIN:-} = 1 ]] && kmock_main=tests/support/kmock_server.py
"$py" "$kmock_main" --port "$kport" --objects "$work/objects.json" >"$work/kmock.out" 2>"$work/kmock.err" &
kpid=$!
wait_for 60 ready_line "$work/kmock.out" || die "kmock did not start: $(tail -5 "$work/kmock.err")"
cat >"$work/kubeconfig" <<KC
apiVersion: v1
kind: Config
current-context: kmock
clusters:
- name: kmock
  cluster:
    server: http://127.0.0.1:$kport
contexts:
- name: kmock
  context:
    cluster: kmock
    user: tester
users:
- name: tester
  user:
    token: bench
KC

# --- Loki stand-in ----------------------------------------------------------
lport=$(free_port)
"$py" benches/soak/loki.py --port "$lport" --rate "$loki_rate" --fps 20 --stats "$work/loki.json" --stats-every 1 \
  >"$work/loki.out" 2>"$work/loki.err" &
lpid=$!
wait_for 30 ready_line "$work/loki.out" || die "the Loki stand-in did not start: $(tail -5 "$work/loki.err")"

# --- Alertmanager + Prometheus (as tests/alerts/harness.rs starts them) -----
aport=$(free_port)
mkdir -p "$work/am" "$work/prom"
printf 'route:\n  receiver: blackhole\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: blackhole\n' \
  >"$work/am/alertmanager.yml"
(cd "$work/am" && exec prometheus-alertmanager --config.file="$work/am/alertmanager.yml" \
  --storage.path="$work/am/data" --web.listen-address="127.0.0.1:$aport" --cluster.listen-address= \
  >"$work/am/alertmanager.log" 2>&1) &
apid=$!
wait_for 30 http_ok "http://127.0.0.1:$aport/-/ready" || die "Alertmanager did not start: $(tail -5 "$work/am/alertmanager.log")"
pport=$(free_port)
cat >"$work/prom/rules.yml" <<'YML'
groups:
  - name: soak
    rules:
      # Fires for one minute, resolves for the next: a state change every minute.
      - alert: SoakFlapping
        expr: vector(time() % 120) < 60
        for: 0s
        labels:
          severity: warning
          namespace: shop
        annotations:
          summary: "flaps every minute (soak)"
          description: "vector(time() % 120) < 60: firing in even minutes, resolved in odd ones."
YML
cat >"$work/prom/prometheus.yml" <<YML
global:
  scrape_interval: 5s
  evaluation_interval: 1s
rule_files:
  - $work/prom/rules.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$aport']
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ['127.0.0.1:$pport']
YML
(cd "$work/prom" && exec prometheus --config.file="$work/prom/prometheus.yml" --storage.tsdb.path="$work/prom/tsdb" \
  --web.listen-address="127.0.0.1:$pport" --rules.alert.resend-delay=1s >"$work/prom/prometheus.log" 2>&1) &
ppid_=$!
wait_for 30 http_ok "http://127.0.0.1:$pport/-/ready" || die "Prometheus did not start: $(tail -5 "$work/prom/prometheus.log")"

# --- warroom config ---------------------------------------------------------
cat >"$work/config.toml" <<TOML
[kubernetes]
namespaces = ["*"]

[docker]
enabled = false

[[prometheus]]
name = "soak"
url = "http://127.0.0.1:$pport"
interval = "1s"

[[alertmanager]]
name = "soak"
url = "http://127.0.0.1:$aport"
interval = "1s"

[loki]
url = "http://127.0.0.1:$lport"

[runbooks]
paths = ["$work/runbooks"]
TOML
export HOME=$work/home KUBECONFIG=$work/kubeconfig WARROOM_DATA_DIR=$work/data WARROOM_CONFIG=$work/config.toml \
  WARROOM_USER=soak TERM=xterm-256color
audit=$work/data/audit.jsonl
say "components: kmock :$kport, Loki :$lport, Prometheus :$pport, Alertmanager :$aport; data dir $work/data"

# --- Evidence before the soak: a journal and audit entries ------------------
cat >"$work/runbooks/soak-evidence.md" <<'MD'
---
title: Soak evidence
service: soak
---
# Soak evidence

A runbook run whose journal must come out of the soak unchanged.

## Say hello

```sh
echo "hello from the soak"
```

## Count to three

```sh
for i in 1 2 3; do echo "step $i"; done
```
MD
"$bin" runbook run --yes "$work/runbooks/soak-evidence.md" >"$work/runbook-run.out" 2>&1 \
  || die "runbook run failed: $(tail -5 "$work/runbook-run.out")"
# Two audit entries: a dry-run against kmock and a real silence that matches nothing.
"$bin" action delete-pod pod/svc-1-00001 -n payments --dry-run >"$work/action1.out" 2>&1 \
  || die "action dry-run failed: $(tail -5 "$work/action1.out")"
"$bin" action silence alertname=SoakNothing --duration 2h --comment "soak evidence" --yes >"$work/action2.out" 2>&1 \
  || die "silence failed: $(tail -5 "$work/action2.out")"
mapfile -t journals < <(find "$work/data/journals" -type f | sort)
((${#journals[@]} > 0)) || die "the runbook run left no journal in $work/data/journals"
(cd "$work/data/journals" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$work/journals.sha256"
[[ -s $audit ]] || die "no audit log at $audit after two actions"
audit_lines0=$(wc -l <"$audit")
audit_bytes0=$(stat -c %s "$audit")
audit_sha0=$(sha256sum <"$audit" | cut -d' ' -f1)
export0=$("$bin" runbook export "$work/runbooks/soak-evidence.md" 2>&1) || die "runbook export failed before the soak: $export0"
say "evidence: ${#journals[@]} journal file(s) under data/journals (sha256 recorded), audit log $audit_lines0 line(s)"

# --- Churn ------------------------------------------------------------------
"$py" benches/soak/churn.py --url "http://127.0.0.1:$kport" --pods "$pods" --rate "$patch_rate" \
  --stats "$work/churn.json" --stats-every 1 >"$work/churn.out" 2>"$work/churn.err" &
cpid=$!

# --- The console --------------------------------------------------------------
tm() { tmux -L "$sock" "$@"; }
screen() { tm capture-pane -p -t soak; }
tm new-session -d -s soak -x 160 -y 48 \
  "'$bin'; echo WARROOM_EXIT=\$?; sleep 3600"
wait_for 10 sh -c "tmux -L $sock display -p -t soak '#{pane_pid}' | xargs pgrep -P" || die "the console did not start"
wpid=$(pgrep -P "$(tm display -p -t soak '#{pane_pid}')" | head -1)
t_launch=$SECONDS
wait_for 180 sh -c "tmux -L $sock capture-pane -p -t soak | grep -q 'k8s ✓'" \
  || { screen >"$work/captures/start-failed.txt"; cat "$work/captures/start-failed.txt"; die "the console did not show k8s ✓ within 180 s"; }
say "console pid $wpid: k8s ✓ after $((SECONDS - t_launch)) s"
wait_for 30 sh -c "tmux -L $sock capture-pane -p -t soak | grep -q 'loki ✓'" || say "note: loki ✓ not shown within 30 s"
screen >"$work/captures/start-workloads.txt"
tm send-keys -t soak 4
sleep 1
tm send-keys -t soak e
sleep 0.5
tm send-keys -t soak -l '{job="soak"}'
sleep 0.3
tm send-keys -t soak Enter
sleep 2
tm send-keys -t soak f
wait_for 20 sh -c "tmux -L $sock capture-pane -p -t soak | grep -q '● LIVE'" \
  || { screen; die "the Logs pane did not show ● LIVE after f"; }
say "Logs pane tailing {job=\"soak\"} (● LIVE) at $(ts)"

# --- Sampling -----------------------------------------------------------------
ticks=$(getconf CLK_TCK)
status_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$wpid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
logs_counts() { # "kept evicted" from the Logs pane's status line
  grep -oE '[0-9]+ lines( · [0-9]+ evicted)?' "$1" | tail -1 | awk '{print $1, ($4 == "" ? 0 : $4)}'
}
flap_state() {
  curl -fsS --max-time 2 "http://127.0.0.1:$aport/api/v2/alerts?filter=alertname%3D%22SoakFlapping%22&active=true&silenced=false&inhibited=false" 2>/dev/null \
    | "$py" "$rep" flap 2>/dev/null || echo "?"
}
printf 'min\tt_s\trss_kb\thwm_kb\tfds\tthreads\tcpu_s\tcpu_s_min\tkept\treceived\tlines_s\tloki_sent\tpatches\tflap\ttail\tsources\n' >"$work/samples.tsv"
sample() { # sample MINUTE
  local m=$1 t=$((SECONDS - t0)) cap="$work/captures/$(printf %02d "$1").txt" c kept ev recv
  [[ -d /proc/$wpid ]] || return 1
  screen >"$cap"
  c=$(cpu_ticks "$wpid")
  read -r kept ev < <(logs_counts "$cap"; echo)
  kept=${kept:-0} ev=${ev:-0}
  recv=$((kept + ev))
  local lps='-' cpm='-'
  if [[ -n ${prev_t:-} ]] && ((t > prev_t)); then
    lps=$(((recv - prev_recv) / (t - prev_t)))
    cpm=$(echo "scale=2; ($c - $prev_c) / $ticks * 60 / ($t - $prev_t)" | bc)
  fi
  local sent patches
  sent=$("$py" "$rep" get "$work/loki.json" lines_sent)
  patches=$("$py" "$rep" get "$work/churn.json" patches_ok)
  # The tail's state in the Logs pane's status line, and the sources in the status bar.
  local tail_state sources
  tail_state=$(grep -oE '● LIVE|● connected|↻ reconnecting[^·│]*|✗ tail refused[^·│]*|… connecting|tail stopped' "$cap" | head -1 | sed 's/ *$//; s/ /_/g')
  sources=$(tail -1 "$cap" | grep -oE '\b(k8s|prom|am|loki) [^ ]+' | tr -d ' ' | paste -sd, -)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$m" "$t" "$(status_kb VmRSS)" "$(status_kb VmHWM)" \
    "$(ls "/proc/$wpid/fd" | wc -l)" "$(status_kb Threads)" "$(echo "scale=2; $c / $ticks" | bc)" "$cpm" \
    "$kept" "$recv" "$lps" "$sent" "$patches" "$(flap_state)" "${tail_state:-none}" "${sources:-none}" >>"$work/samples.tsv"
  tail -1 "$work/samples.tsv"
  # The newest line on screen: its time and the stand-in's sequence number move on.
  printf '%s\t%s\t%s\n' "$m" "$(date -u +%T)" "$(grep -E '^│[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} ' "$cap" | tail -1 | cut -c4- | sed -E 's/ +│?$//' | cut -c1-150)" >>"$work/newest.tsv"
  prev_t=$t prev_recv=$recv prev_c=$c
}
t0=$SECONDS
say ""
say "$(head -1 "$work/samples.tsv")"
sample 0
c_start=$prev_c
crashed=''
for ((m = 1; m <= minutes; m++)); do
  while ((SECONDS - t0 < m * 60)); do
    sleep 1
    [[ -d /proc/$wpid ]] || break
  done
  if ! sample "$m"; then
    crashed="the console (pid $wpid) was gone at minute $m"
    break
  fi
done
# CPU and time up to the last sample that found the console.
c_end=$prev_c t_end=$prev_t
t_div=$((t_end > 0 ? t_end : 1))

# The other panes, after the last sample: the churn and the flapping alert arrived.
# The Alerts pane twice, in both states of the alert (it changes within 60 s).
if [[ -z $crashed ]]; then
  tm send-keys -t soak 1; sleep 2; screen >"$work/captures/end-workloads.txt"
  tm send-keys -t soak 3; sleep 2; screen >"$work/captures/end-alerts-1.txt"
  s1=$(flap_state)
  for _ in $(seq 70); do [[ $(flap_state) != "$s1" ]] && break; sleep 1; done
  sleep 3; screen >"$work/captures/end-alerts-2.txt"
  tm send-keys -t soak 4; sleep 2; screen >"$work/captures/end-logs.txt"
fi

# --- Quit ---------------------------------------------------------------------
exit_line=''
if [[ -z $crashed ]]; then
  tm send-keys -t soak q
  for _ in $(seq 50); do
    screen >"$work/captures/quit.txt"
    exit_line=$(grep -o 'WARROOM_EXIT=[0-9]*' "$work/captures/quit.txt" || true)
    [[ -n $exit_line ]] && break
    # A confirmation (a running step, a forward): answer it once.
    if grep -qiE 'quit\?|really quit|\(y/n\)' "$work/captures/quit.txt"; then tm send-keys -t soak y; fi
    sleep 0.2
  done
fi
secs() { echo "scale=1; $(cpu_ticks "$1") / $ticks" | bc; }
cpu_other="kmock $(secs "$kpid"), churn $(secs "$cpid"), Loki stand-in $(secs "$lpid"), Prometheus $(secs "$ppid_"), Alertmanager $(secs "$apid")"
# Stop the load before the checks.
kill "$cpid" 2>/dev/null || true

# --- Report -------------------------------------------------------------------
col() { awk -F'\t' -v m="$1" -v c="$2" 'NR > 1 && $1 == m {print $c}' "$work/samples.tsv"; }
last_min=$(awk -F'\t' 'NR > 1 {m = $1} END {print m}' "$work/samples.tsv")
base_min=5
((minutes >= 10)) || base_min=1
rss_base=$(col "$base_min" 3) rss_end=$(col "$last_min" 3)
fds_base=$(col "$base_min" 5) fds_end=$(col "$last_min" 5)
rss_max=$(awk -F'\t' 'NR > 1 && $3 > m {m = $3} END {print m}' "$work/samples.tsv")
hwm_end=$(col "$last_min" 4)
cpu_total=$(echo "scale=1; ($c_end - $c_start) / $ticks" | bc)
cpu_per_min=$(echo "scale=2; ($c_end - $c_start) / $ticks * 60 / $t_div" | bc)
recv_0=$(col 0 10) recv_end=$(col "$last_min" 10)
lps_avg=$(((recv_end - recv_0) / t_div))
say ""
say "=== figures (console pid $wpid, samples every 60 s over $t_end s) ==="
if [[ -n $rss_base && -n $rss_end ]]; then
  ratio=$(echo "scale=4; $rss_end / $rss_base" | bc)
  pct=$(echo "scale=1; ($rss_end - $rss_base) * 100 / $rss_base" | bc)
  say "RSS at minute $base_min: $rss_base KB; at minute $last_min (end): $rss_end KB; end/min$base_min = $ratio ($pct %); max RSS sampled $rss_max KB, VmHWM $hwm_end KB"
  within=$(echo "$pct <= 10 && $pct >= -10" | bc)
  [[ $within = 1 ]] && rss_ok=0 || rss_ok=1
else
  say "RSS: no sample at minute $base_min or at the end"
  rss_ok=1
fi
say "open fds at minute $base_min: ${fds_base:-?}; at the end: ${fds_end:-?}; threads at the end: $(col "$last_min" 6)"
say "CPU: $cpu_total s over $t_end s = $cpu_per_min CPU-s per minute ($(echo "scale=1; $cpu_per_min * 100 / 60" | bc) % of one core)"
say "Logs pane: received $recv_end lines in total (kept + evicted), $lps_avg lines/s on average over the soak"
say "Loki stand-in: $("$py" "$rep" loki "$work/loki.json")"
say "churn: $("$py" "$rep" churn "$work/churn.json")"
flaps=$(awk -F'\t' 'NR > 1 {print $14}' "$work/samples.tsv" | uniq | wc -l)
say "flapping alert (Alertmanager, per sample): $(awk -F'\t' 'NR > 1 {printf "%s ", $14}' "$work/samples.tsv")"
say "the other processes' CPU over their life (s): $cpu_other"
say ""
say "=== samples ==="
column -t -s $'\t' "$work/samples.tsv"
say ""
say "=== the newest log line on screen at each sample (minute, UTC, line) ==="
cat "$work/newest.tsv"
say ""
say "=== the Logs pane at minute $last_min (first 6 lines and the last 3) ==="
cap=$work/captures/$(printf %02d "$last_min").txt
head -6 "$cap"; say "…"; tail -3 "$cap"
if [[ -f $work/captures/end-alerts-2.txt ]]; then
  for f in "$work"/captures/end-alerts-[12].txt; do
    say ""
    say "=== the Alerts pane after the soak, $(basename "$f" .txt) (first 8 lines) ==="
    head -8 "$f"
  done
  say ""
  say "=== the Workloads pane at the end (first 8 lines and the status bar) ==="
  head -8 "$work/captures/end-workloads.txt"; tail -1 "$work/captures/end-workloads.txt"
fi
# What went wrong on screen at any sample: error marks in the Logs status line, sources not ✓.
say ""
say "=== screen problems seen in the minute captures ==="
# A sample is wrong when the tail is not LIVE, a source is not ✓, or the Logs
# pane's status line counts lost lines (dropped by Loki, not kept by the viewer).
bad=$(awk -F'\t' 'NR > 1 && ($15 != "●_LIVE" || $16 ~ /[^✓,a-z0-9]/) {print "minute " $1 ": tail " $15 ", sources " $16}' "$work/samples.tsv")
lost=$(grep -lE '· dropped [0-9]|· [0-9]+ not kept' "$work"/captures/[0-9]*.txt 2>/dev/null || true)
for f in $lost; do bad+=$'\n'"minute $(basename "$f" .txt): $(grep -hoE 'dropped [0-9]+|[0-9]+ not kept' "$f" | head -2 | tr '\n' ' ')"; done
if [[ -n ${bad//$'\n'/} ]]; then
  printf '%s\n' "$bad" | sed '/^$/d'
else
  say "none: at every sample the tail was ● LIVE, k8s/prom/am/loki ✓, no dropped or not-kept lines"
fi
logdir=$work/data/logs
if compgen -G "$logdir/*" >/dev/null; then
  say "tracing log: $(cat "$logdir"/* | wc -c) bytes in $(ls "$logdir" | wc -l) file(s); WARN/ERROR lines: $(cat "$logdir"/* | grep -cE 'WARN|ERROR' || true)"
  cat "$logdir"/* | grep -E 'WARN|ERROR' | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z//' | sort | uniq -c | sort -rn | head -8 | cut -c1-220 || true
fi

say ""
say "=== checks ==="
if [[ -n $crashed ]]; then
  check "the console ran for $minutes min" 1 "$crashed"
  screen 2>/dev/null | tail -20 || say "(the tmux pane is gone too)"
else
  check "the console ran for $minutes min" 0 "pid $wpid alive at every sample"
  ok=0; [[ $exit_line = WARROOM_EXIT=0 ]] || ok=1
  check "clean quit (q)" $ok "${exit_line:-no WARROOM_EXIT line within 10 s}"
fi
sleep 0.5
ok=0; [[ ! -d /proc/$wpid ]] || ok=1
check "the console process is gone after quitting" $ok
check "RSS end vs minute $base_min within 10 %" "$rss_ok" "${pct:-?} %"
ok=0; (cd "$work/data/journals" && sha256sum --quiet -c "$work/journals.sha256") >"$work/journals.check" 2>&1 || ok=1
check "journal sha256 unchanged (${#journals[@]} file(s))" $ok "$(head -3 "$work/journals.check" | tr '\n' ' ')"
rc=0; export1=$("$bin" runbook export "$work/runbooks/soak-evidence.md" 2>&1) || rc=$?
ok=0; [[ $rc = 0 && $export1 = "$export0" ]] || ok=1
check "runbook export reads the journal (the same timeline as before the soak)" $ok "exit $rc, $(printf '%s\n' "$export1" | wc -l) lines"
ok=0
"$py" "$rep" audit "$audit" "$audit_lines0" "$audit_bytes0" "$audit_sha0" >"$work/audit.check" 2>&1 || ok=1
check "audit log is valid JSONL, last line complete, old lines intact" $ok "$(cat "$work/audit.check")"
say ""
say "finished $(date -u '+%F %T') UTC; $fails check(s) failed"
((fails == 0))
