#!/usr/bin/env bash
# Workloads at scale with the real binary: start the kmock emulator holding N
# pods, run the console in tmux against it, and report resident memory once
# loaded and CPU used over 30 idle seconds. (Time-to-first-table against the
# raw list is measured in-process by tests/workloads/perf.rs:
#   WARROOM_PERF_PODS=10000 cargo test --release --test workloads perf -- --nocapture)
# Usage: benches/workloads_live.sh [PODS] (needs .ci/setup.d/workloads.sh, tmux,
# and target/release/warroom).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
py=${WARROOM_KMOCK_PYTHON:-/opt/warroom-venv/bin/python}
bin=target/release/warroom
work=$(mktemp -d)
trap 'tmux kill-session -t wrbench 2>/dev/null || true; kill "$kpid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$py" - "$n" >"$work/objects.json" <<'PY'
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
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$py" tests/support/kmock_server.py --port "$port" --objects "$work/objects.json" >"$work/kmock.out" 2>"$work/kmock.err" &
kpid=$!
for _ in $(seq 100); do grep -q READY "$work/kmock.out" 2>/dev/null && break; sleep 0.2; done
cat >"$work/kubeconfig" <<KC
apiVersion: v1
kind: Config
current-context: kmock
clusters:
- name: kmock
  cluster:
    server: http://127.0.0.1:$port
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
printf '[kubernetes]\nnamespaces = ["*"]\n[docker]\nenabled = false\n' >"$work/config.toml"
t0=$(date +%s.%N)
curl -s "http://127.0.0.1:$port/api/v1/pods" -o "$work/pods.json"
t1=$(date +%s.%N)
echo "raw curl of /api/v1/pods ($n pods, $(du -k "$work/pods.json" | cut -f1) KB): $(echo "$t1 - $t0" | bc) s"
tmux new-session -d -s wrbench -x 160 -y 48 \
  "KUBECONFIG=$work/kubeconfig WARROOM_DATA_DIR=$work/data $bin --config $work/config.toml"
sleep 1
pid=$(pgrep -n -f "$bin --config $work/config.toml")
t0=$(date +%s.%N)
until tmux capture-pane -p -t wrbench | grep -q "k8s ✓"; do sleep 0.05; done
t1=$(date +%s.%N)
echo "console connected with every pod loaded after $(echo "$t1 - $t0 + 1" | bc) s (from launch, incl. 1 s start-up sleep)"
sleep 3
echo "RSS once loaded: $(grep VmRSS /proc/$pid/status | awk '{print $2}') KB"
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' /proc/$pid/stat; }
c0=$(cpu); sleep 30; c1=$(cpu)
echo "CPU over 30 idle seconds: $(echo "scale=3; ($c1 - $c0) / $ticks" | bc) s"
