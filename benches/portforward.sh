#!/usr/bin/env bash
# Forwarded throughput: MB/s of a TCP echo round trip through `warroom
# port-forward` (kube-rs WebSocket → the kmock test server's portforward
# subresource → a local echo server) against the same transfer straight to
# the echo server (the reference). Both over loopback, the same client.
# Usage: benches/portforward.sh [MB] (needs the kmock venv from
# .ci/setup.d/workloads.sh and target/release/warroom).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-256}
bin=${WARROOM_BIN:-target/release/warroom}
py=${WARROOM_KMOCK_PYTHON:-/opt/warroom-venv/bin/python}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

cat >"$work/objects.json" <<'JSON'
[{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
 {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api-1", "namespace": "shop"},
  "spec": {"containers": [{"name": "api", "image": "shop/api:2.3.1",
                           "ports": [{"name": "http", "containerPort": 8080}]}]},
  "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}]
JSON
"$py" tests/support/kmock_server.py --port 0 --objects "$work/objects.json" >"$work/kmock.out" &
for _ in $(seq 100); do grep -q READY "$work/kmock.out" && break; sleep 0.1; done
kport=$(awk '/READY/ {print $2}' "$work/kmock.out")
cat >"$work/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: kmock, cluster: {server: "http://127.0.0.1:$kport"}}]
users: [{name: kmock, user: {token: bench}}]
contexts: [{name: kmock, context: {cluster: kmock, user: kmock, namespace: shop}}]
current-context: kmock
YAML

# The echo server the pod's port 8080 is.
"$py" - >"$work/echo.out" <<'PY' &
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
def serve(c):
    while (b := c.recv(1 << 16)):
        c.sendall(b)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
for _ in $(seq 50); do [ -s "$work/echo.out" ] && break; sleep 0.1; done
eport=$(head -1 "$work/echo.out")
curl -s -X POST "http://127.0.0.1:$kport/__kmock__/portforward" \
  -d "{\"namespace\":\"shop\",\"pod\":\"api-1\",\"port\":8080,\"to\":$eport}" >/dev/null

printf '[docker]\nenabled = false\n' >"$work/config.toml"
KUBECONFIG="$work/kubeconfig" WARROOM_DATA_DIR="$work" "$bin" --config "$work/config.toml" \
  port-forward pod/api-1 -n shop 0:8080 >"$work/pf.out" 2>"$work/pf.err" &
for _ in $(seq 100); do grep -q Forwarding "$work/pf.out" && break; sleep 0.1; done
fport=$(sed -n 's/^Forwarding from 127.0.0.1:\([0-9]*\) .*/\1/p' "$work/pf.out" | head -1)

measure() { # label port
  "$py" - "$1" "$2" "$mb" <<'PY'
import socket, sys, threading, time
label, port, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
total = mb << 20
chunk = bytes(range(256)) * 256
s = socket.create_connection(("127.0.0.1", port))
def send():
    left = total
    while left > 0:
        n = min(left, len(chunk)); s.sendall(chunk[:n]); left -= n
t0 = time.perf_counter()
th = threading.Thread(target=send); th.start()
got = 0
while got < total:
    b = s.recv(1 << 20)
    if not b: sys.exit(f"{label}: closed after {got} bytes")
    got += len(b)
th.join(); dt = time.perf_counter() - t0
print(f"{label:28} {mb} MiB each way in {dt:6.2f} s  = {mb / dt:7.1f} MiB/s")
PY
}
measure "direct to the echo server" "$eport"
measure "through warroom port-forward" "$fport"
