#!/usr/bin/env bash
# Keystroke echo through a shell in a container: `warroom exec -i -t` against
# `docker exec -it` (the reference), both in tmux on the machine's Docker
# engine. Each round types one character and times until tmux shows it; the
# tmux round trip is in both figures, so the difference is warroom's.
# Usage: benches/exec_echo.sh [ROUNDS] (needs docker, tmux, the test image from
# .ci/setup.d/containers.sh, and target/release/warroom).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-200}
bin=${WARROOM_BIN:-target/release/warroom}
name="wr-echo-bench-$$"
docker run -d --rm --name "$name" warroom-test/busybox /bin/sleep 600 >/dev/null
trap 'tmux -L wrbench kill-server 2>/dev/null || true; docker rm -f "$name" >/dev/null 2>&1 || true' EXIT

measure() { # label, command...
  local label=$1
  shift
  tmux -L wrbench kill-server 2>/dev/null || true
  tmux -L wrbench new-session -d -x 120 -y 40 "$@"
  python3 - "$label" "$rounds" <<'PY'
import subprocess, sys, time
label, rounds = sys.argv[1], int(sys.argv[2])
def screen():
    return subprocess.run(["tmux", "-L", "wrbench", "capture-pane", "-p"],
                          capture_output=True, text=True).stdout
deadline = time.time() + 15
while "/ #" not in screen():
    if time.time() > deadline:
        sys.exit(f"{label}: no prompt")
    time.sleep(0.05)
subprocess.run(["tmux", "-L", "wrbench", "send-keys", "-l", "echo "])
time.sleep(0.3)
samples = []
for i in range(rounds):
    ch = "abcdefghijklmnopqrstuvwxyz"[i % 26]
    before = screen().count(ch)
    t0 = time.perf_counter()
    subprocess.run(["tmux", "-L", "wrbench", "send-keys", "-l", ch])
    while screen().count(ch) <= before:
        if time.perf_counter() - t0 > 2:
            break
    samples.append((time.perf_counter() - t0) * 1000)
samples.sort()
p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
print(f"{label:22} rounds={rounds}  median={p(0.5):6.2f} ms  p95={p(0.95):6.2f} ms  max={samples[-1]:6.2f} ms")
PY
}

data=$(mktemp -d)
measure "warroom exec -it" env WARROOM_DATA_DIR="$data" "$bin" exec -i -t "container/$name" -- sh
if command -v docker >/dev/null; then
  measure "docker exec -it" docker exec -it "$name" sh
fi
rm -rf "$data"
