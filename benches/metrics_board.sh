#!/usr/bin/env bash
# The Metrics pane's board over time, with the real binary against a real
# Prometheus (Debian's, scraping itself): 12 panels refreshed every second
# (15 times the default rate, so SECONDS of bench stand for 15x as long at
# the default 15 s), the console in tmux at 200x60 on the board. Reports
# resident memory before the board, once it is drawn, and at the end, CPU
# per refresh, and the RSS of the pane off screen afterwards.
# Usage: benches/metrics_board.sh [SECONDS] (default 300; needs prometheus,
# tmux and target/release/warroom).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
bin=$PWD/target/release/warroom
work=$(mktemp -d)
trap 'tmux kill-session -t wrboard 2>/dev/null || true; kill "$ppid" 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/prometheus.yml" <<YML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ["127.0.0.1:$port"]}]
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$port" >"$work/prom.log" 2>&1 &
ppid=$!
until curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null; do sleep 0.2; done
sleep 5 # a few scrapes behind the first queries

{
  printf '[kubernetes]\nenabled = false\n[docker]\nenabled = false\n'
  printf '[[prometheus]]\nname = "bench"\nurl = "http://127.0.0.1:%s"\n' "$port"
  printf '[metrics]\nrefresh = "1s"\n'
  while IFS='|' read -r name query; do
    printf "[[metrics.panels]]\nname = \"%s\"\nquery = '%s'\n" "$name" "$query"
  done <<'PANELS'
Requests by handler|sum by (handler) (rate(prometheus_http_requests_total[1m]))
Request p95|histogram_quantile(0.95, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[1m])))
Resident memory|process_resident_memory_bytes
Heap in use|go_memstats_heap_inuse_bytes
Goroutines|go_goroutines
Open fds|process_open_fds
Head series|prometheus_tsdb_head_series
Samples appended|rate(prometheus_tsdb_head_samples_appended_total[1m])
Scrape duration|scrape_duration_seconds
Targets up|up
GC pause p99|go_gc_duration_seconds{quantile="1"}
Engine queries|rate(prometheus_engine_query_duration_seconds_count[1m])
PANELS
} >"$work/config.toml"

tmux new-session -d -s wrboard -x 200 -y 60 \
  "WARROOM_DATA_DIR=$work/data $bin --config $work/config.toml"
sleep 1
pid=$(pgrep -n -f "$bin --config $work/config.toml")
rss() { grep VmRSS "/proc/$pid/status" | awk '{print $2}'; }
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
sleep 2
echo "RSS before the board: $(rss) KB"
tmux send-keys -t wrboard 7
until tmux capture-pane -p -t wrboard | grep -q "Engine queries"; do sleep 0.1; done
until ! tmux capture-pane -p -t wrboard | grep -q "querying"; do sleep 0.1; done
sleep 2
start=$(rss)
echo "RSS with the board drawn (12 panels): $start KB"
c0=$(cpu)
sleep "$secs"
c1=$(cpu)
end=$(rss)
echo "RSS after $secs s of 1 s refreshes (= $((secs * 15 / 60)) min at the default 15 s): $end KB ($((end - start)) KB change)"
echo "CPU: $(echo "scale=3; ($c1 - $c0) / $ticks" | bc) s over $secs refreshes of 12 panels = $(echo "scale=2; ($c1 - $c0) * 1000 / $ticks / $secs" | bc) ms per refresh"
queries=$(curl -s "http://127.0.0.1:$port/api/v1/query?query=sum(prometheus_http_requests_total%7Bhandler%3D%22%2Fapi%2Fv1%2Fquery_range%22%7D)" | sed 's/.*"\([0-9]*\)"\]}.*/\1/')
echo "query_range requests Prometheus served: $queries"
tmux send-keys -t wrboard 1
sleep 5
q0=$(curl -s "http://127.0.0.1:$port/api/v1/query?query=sum(prometheus_http_requests_total%7Bhandler%3D%22%2Fapi%2Fv1%2Fquery_range%22%7D)" | sed 's/.*"\([0-9]*\)"\]}.*/\1/')
sleep 10
q1=$(curl -s "http://127.0.0.1:$port/api/v1/query?query=sum(prometheus_http_requests_total%7Bhandler%3D%22%2Fapi%2Fv1%2Fquery_range%22%7D)" | sed 's/.*"\([0-9]*\)"\]}.*/\1/')
echo "off screen: $((q1 - q0)) query_range requests in 10 s; RSS $(rss) KB"
