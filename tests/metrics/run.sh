#!/usr/bin/env bash
# Metrics seen by a real Prometheus server: the calculator example over HTTP with --metrics,
# a scripted session of calls, then `curl /metrics` (the counts and histogram buckets of what
# was called), and Debian's prometheus scraping it (the target up, no scrape error, and the
# counts queryable through its API). The same for a stdio server with --metrics-bind.
#
#   bash tests/metrics/run.sh
#
# Installs Debian's prometheus with apt-get when it is missing (as root, or with sudo).
# Prints one line per check and `N passed, M failed`; exits non-zero when anything failed.
set -euo pipefail

START_TIMEOUT_S=10
SCRAPE_TIMEOUT_S=30

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

if ! command -v prometheus >/dev/null; then
  echo "metrics: installing Debian's prometheus" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus >/dev/null ||
    { $sudo apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q prometheus >/dev/null; }
fi

cargo build -q -p calculator
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$repo_root/$target_dir" ;;
esac
calculator="$target_dir/debug/calculator"

# shellcheck source=tests/checks.sh
source "$repo_root/tests/checks.sh"

# call PORT ID A B: a 2026-07-28 tools/call of add over HTTP; prints the answer.
call() {
  local port=$1 id=$2 a=$3 b=$4
  curl -s --max-time 10 "http://127.0.0.1:$port/mcp" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/call' -H 'Mcp-Name: add' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":$id,\"method\":\"tools/call\",\"params\":{\"name\":\"add\",\"arguments\":{\"a\":$a,\"b\":$b},\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientInfo\":{\"name\":\"metrics-test\",\"version\":\"1\"},\"io.modelcontextprotocol/clientCapabilities\":{}}}}"
}

# expect FILE LINE WHAT: the metrics text in FILE has LINE.
expect() {
  if grep -qF -- "$2" "$1"; then
    ok "$3"
  else
    fail "$3: no \`$2\` in: $(grep '^mcp_' "$1" | head -n 40)"
  fi
}

# -- the HTTP transport's listener ---------------------------------------------------------
port="$(free_port)"
RUST_LOG=warn "$calculator" --transport http --bind "127.0.0.1:$port" --metrics >"$work/http.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$port/metrics" "$START_TIMEOUT_S" || fail "the calculator did not start: $(cat "$work/http.log")"
sum_ok=1
for i in 1 2 3 4 5; do
  answer="$(call "$port" "$i" "$i" 10)"
  grep -q "\"text\":\"$((i + 10))\"" <<<"$answer" || sum_ok=0
done
[ "$sum_ok" = 1 ] && ok "five calls of add answered" || fail "calls of add: $answer"
curl -s -D "$work/headers" "http://127.0.0.1:$port/metrics" >"$work/metrics.txt"
expect "$work/headers" "text/plain; version=0.0.4" "/metrics answers in the Prometheus text format"
expect "$work/metrics.txt" 'mcp_requests_total{method="tools/call",outcome="ok"} 5' "requests counted by method and outcome"
expect "$work/metrics.txt" 'mcp_capability_calls_total{kind="tool",name="add",outcome="ok"} 5' "capability calls counted by kind, name and outcome"
expect "$work/metrics.txt" 'mcp_policy_decisions_total{decision="allow",risk="low"} 5' "policy decisions counted by decision and risk"
expect "$work/metrics.txt" 'mcp_request_duration_seconds_count{method="tools/call"} 5' "the latency histogram counts the calls"
expect "$work/metrics.txt" 'mcp_request_duration_seconds_bucket{le="+Inf",method="tools/call"} 5' "the latency histogram has its buckets"
expect "$work/metrics.txt" "mcp_requests_in_flight 0" "nothing in flight after the session"

# -- Prometheus scrapes it -------------------------------------------------------------------
prom_port="$(free_port)"
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: calculator
    static_configs:
      - targets: ["127.0.0.1:$port"]
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
api="http://127.0.0.1:$prom_port/api/v1"
deadline=$((SECONDS + SCRAPE_TIMEOUT_S))
scraped=""
until [ "$SECONDS" -ge "$deadline" ]; do
  scraped="$(curl -s "$api/targets" 2>/dev/null || true)"
  if python3 -c "
import json, sys
t = json.loads(sys.argv[1])['data']['activeTargets']
sys.exit(0 if t and t[0]['health'] == 'up' and t[0]['lastError'] == '' else 1)
" "$scraped" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
if python3 -c "
import json, sys
t = json.loads(sys.argv[1])['data']['activeTargets'][0]
assert t['health'] == 'up' and t['lastError'] == '', t
" "$scraped" 2>"$work/targets.err"; then
  ok "Prometheus scrapes /metrics: the target is up, with no scrape error"
else
  fail "Prometheus scrape: $scraped $(cat "$work/targets.err") $(tail -n 5 "$work/prometheus.log")"
fi
query="$(curl -s "$api/query" --data-urlencode 'query=mcp_capability_calls_total{name="add",outcome="ok"}' || true)"
if python3 -c "
import json, sys
r = json.loads(sys.argv[1])['data']['result']
assert r and r[0]['value'][1] == '5', r
" "$query" 2>"$work/query.err"; then
  ok "Prometheus has the calls of add: 5"
else
  fail "Prometheus query: $query $(cat "$work/query.err")"
fi
query="$(curl -s "$api/query" --data-urlencode 'query=histogram_quantile(0.99, sum by (le) (mcp_request_duration_seconds_bucket{method="tools/call"}))' || true)"
if python3 -c "
import json, sys
r = json.loads(sys.argv[1])['data']['result']
assert r and float(r[0]['value'][1]) > 0, r
" "$query" 2>"$work/quantile.err"; then
  ok "Prometheus computes a p99 latency from the buckets"
else
  fail "Prometheus quantile: $query $(cat "$work/quantile.err")"
fi

# -- a stdio server, with a listener of its own ---------------------------------------------
metrics_port="$(free_port)"
mkfifo "$work/stdin"
RUST_LOG=warn "$calculator" --metrics-bind "127.0.0.1:$metrics_port" <"$work/stdin" >"$work/stdio.out" 2>"$work/stdio.log" &
pids+=($!)
exec 3>"$work/stdin"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"metrics-test","version":"1"}}}' \
  '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}' >&3
wait_for "http://127.0.0.1:$metrics_port/metrics" "$START_TIMEOUT_S" || true
deadline=$((SECONDS + START_TIMEOUT_S))
until grep -q '"id":2' "$work/stdio.out" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; do
  sleep 0.1
done
curl -s "http://127.0.0.1:$metrics_port/metrics" >"$work/stdio-metrics.txt" || true
exec 3>&-
expect "$work/stdio-metrics.txt" 'mcp_capability_calls_total{kind="tool",name="add",outcome="ok"} 1' "a stdio server serves its metrics on --metrics-bind"
if grep -q '^{' "$work/stdio.out" && ! grep -qv '^{' "$work/stdio.out"; then
  ok "standard output still carries protocol messages only"
else
  fail "stdio output: $(cat "$work/stdio.out")"
fi

finish
