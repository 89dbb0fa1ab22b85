#!/usr/bin/env bash
# Tasks shared by replicas through Redis: starts Debian's redis-server on a free port, without
# persistence, and runs the `redis_store` integration tests against it (the store's scripts,
# expiry and bound, waits woken by another replica, two servers sharing one task, and an
# outage with its recovery).
#
#   bash tests/scale/run.sh
#
# Installs Debian's redis-server with apt-get when it is missing (as root, or with sudo).
# Prints one line per check and `N passed, M failed`; exits non-zero when anything failed.
set -euo pipefail

START_TIMEOUT_S=10

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
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  >"$work/redis.log" 2>&1 &
pids+=($!)
deadline=$((SECONDS + START_TIMEOUT_S))
until redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    fail "redis-server did not start: $(cat "$work/redis.log")"
    finish
  fi
  sleep 0.1
done
ok "redis-server answers on port $port"

if MCP_TEST_REDIS_URL="redis://127.0.0.1:$port" \
  cargo test -q -p mcp-tests --features redis --test integration redis_store >"$work/tests.log" 2>&1; then
  ok "the redis_store tests pass against it: $(grep -E '^test result' "$work/tests.log" | tail -n 1)"
else
  fail "the redis_store tests: $(tail -n 60 "$work/tests.log")"
fi

finish
