#!/usr/bin/env bash
# Tasks shared by replicas through Redis: starts Debian's redis-server on a free port, without
# persistence, and runs the `redis_store` and `redis_sessions` integration tests against it
# (the store's scripts, expiry and bound, waits woken by another replica, two servers sharing
# one task; a multi round-trip request continued on another replica and its replay refused;
# switches and resource updates reaching another replica's listen streams, and a replica
# catching up; legacy HTTP sessions served, resumed and ended across two replicas; outages
# with their recovery). Then the same as processes: two task servers over HTTP started
# with the same `--store`, a task started on one polled and cancelled on the other, Redis
# stopped (-32603 naming the store) and started again (tasks start again).
#
#   bash tests/scale/run.sh
#
# Installs Debian's redis-server with apt-get when it is missing (as root, or with sudo).
# Prints one line per check and `N passed, M failed`; exits non-zero when anything failed.
set -euo pipefail

START_TIMEOUT_S=10
# How long a request may take while Redis is down (the store answers within 2 s).
OUTAGE_ANSWER_S=5

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

if ! command -v redis-server >/dev/null; then
  echo "scale: installing Debian's redis-server" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null ||
    { $sudo apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null; }
fi

# shellcheck source=tests/checks.sh
source "$repo_root/tests/checks.sh"

port="$(free_port)"
# start_redis: redis-server on $port without persistence; its pid in $redis_pid.
start_redis() {
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    >>"$work/redis.log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  local deadline=$((SECONDS + START_TIMEOUT_S))
  until redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "redis-server did not start: $(cat "$work/redis.log")"
      finish
    fi
    sleep 0.1
  done
}
start_redis
ok "redis-server answers on port $port"

if MCP_TEST_REDIS_URL="redis://127.0.0.1:$port" \
  cargo test -q -p mcp-tests --features redis --test integration redis_ >"$work/tests.log" 2>&1; then
  ok "the redis_store and redis_sessions tests pass against it: $(grep -E '^test result' "$work/tests.log" | tail -n 1)"
else
  fail "the redis_store and redis_sessions tests: $(tail -n 60 "$work/tests.log")"
fi

# -- two task servers over HTTP, one store ---------------------------------------------------
cargo build -q -p mcp-tests --features redis --bin task-server
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$repo_root/$target_dir" ;;
esac
store="redis://127.0.0.1:$port/1"
port_a="$(free_port)"
port_b="$(free_port)"
for replica in a b; do
  replica_port="port_$replica"
  RUST_LOG=warn "$target_dir/debug/task-server" --transport http --bind "127.0.0.1:${!replica_port}" \
    --store "$store" >"$work/$replica.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:${!replica_port}/mcp" "$START_TIMEOUT_S" ||
    fail "task server $replica did not start: $(cat "$work/$replica.log")"
done

# rpc PORT METHOD NAME PARAMS: a 2026-07-28 request from a client with the tasks extension;
# prints the answer.
rpc() {
  local meta='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"scale","version":"1"},"io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}'
  curl -s --max-time 10 "http://127.0.0.1:$1/mcp" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2026-07-28' -H "Mcp-Method: $2" -H "Mcp-Name: $3" \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":{$4,$meta}}" || true
}
# field JSON KEY: the result's KEY.
field() {
  python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get("result", {}).get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null || true
}

created="$(rpc "$port_a" tools/call long_job '"name":"long_job","arguments":{"ms":60000}')"
task="$(field "$created" taskId)"
[ -n "$task" ] && ok "a task started on server A" || fail "starting a task on A: $created"
polled="$(rpc "$port_b" tasks/get "$task" "\"taskId\":\"$task\"")"
[ "$(field "$polled" status)" = working ] && ok "server B polls it: working" || fail "polling on B: $polled"
rpc "$port_b" tasks/cancel "$task" "\"taskId\":\"$task\"" >/dev/null
status=""
deadline=$((SECONDS + START_TIMEOUT_S))
until [ "$status" = cancelled ] || [ "$SECONDS" -ge "$deadline" ]; do
  status="$(field "$(rpc "$port_a" tasks/get "$task" "\"taskId\":\"$task\"")" status)"
  sleep 0.1
done
[ "$status" = cancelled ] && ok "cancelled through B, server A reads it cancelled" || fail "cancelling through B: A says $status"

kill "$redis_pid"
wait "$redis_pid" 2>/dev/null || true
started=$SECONDS
down="$(rpc "$port_b" tasks/get "$task" "\"taskId\":\"$task\"")"
if grep -q '"code":-32603' <<<"$down" && grep -qF "Redis at $store" <<<"$down" &&
  [ $((SECONDS - started)) -le "$OUTAGE_ANSWER_S" ]; then
  ok "Redis stopped: -32603 naming the store, within ${OUTAGE_ANSWER_S}s"
else
  fail "with Redis stopped, after $((SECONDS - started))s: $down"
fi
start_redis
again=""
deadline=$((SECONDS + START_TIMEOUT_S))
until [ -n "$again" ] || [ "$SECONDS" -ge "$deadline" ]; do
  again="$(field "$(rpc "$port_b" tools/call long_job '"name":"long_job","arguments":{"ms":10}')" taskId)"
  [ -n "$again" ] || sleep 0.2
done
[ -n "$again" ] && ok "Redis back: tasks start again" || fail "no task started once Redis was back"

finish
