#!/usr/bin/env bash
# Interop test: the official Python MCP client (mcp==2.3.0 from PyPI) against the
# calculator example, in the client's legacy, auto and 2026-07-28 modes, and against the
# conformance fixture (examples/everything), whose tools ask the client questions
# (tests/interop/questions.py) and run as tasks (tests/interop/tasks.py) -- first over
# stdio, then over Streamable HTTP (each server started with `--transport http` on a free
# loopback port, and stopped again however this script ends).
#
#   bash tests/interop/run-python.sh
#
# Prints one line per check (`ok   <transport> <mode> <check>` or `FAIL ...: reason`)
# and a closing `N passed, M failed` line over both transports; exits non-zero when
# anything failed. INTEROP_VERBOSE=1 adds tracebacks and the client's HTTP log; when
# something fails, the HTTP server's log (RUST_LOG applies) goes to stderr.
#
# The venv lives at ${INTEROP_VENV:-.ci/.venv} (relative to the repo root unless
# absolute) and is reused between runs; mcp is installed only when missing or at
# another version. Needs python3 with the venv module, pip access to PyPI, cargo.
set -euo pipefail

SERVER_START_TIMEOUT_S=10

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

# shellcheck source=tests/interop/venv.sh
source "$repo_root/tests/interop/venv.sh"

cargo build -q -p calculator -p everything
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$repo_root/$target_dir" ;;
esac
calculator="$target_dir/debug/calculator"
everything="$target_dir/debug/everything"
client="$repo_root/tests/interop/python_client.py"
questions="$repo_root/tests/interop/questions.py"
tasks="$repo_root/tests/interop/tasks.py"

work="$(mktemp -d)"
server_pids=()
cleanup() {
  for pid in "${server_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

total_passed=0
total_failed=0
summary_line='^[0-9]+ passed, [0-9]+ failed$'

# run_client TRANSPORT SCRIPT ARGS...: runs the client SCRIPT with ARGS, passing its lines
# through except the closing `N passed, M failed`, which is added to the totals instead.
run_client() {
  local transport="$1" script="$2" out status summary passed failed
  out="$work/$transport-$(basename "$script").out"
  shift 2
  set +e
  "$python" "$script" "$@" | tee "$out" | grep --line-buffered -Ev "$summary_line"
  status=${PIPESTATUS[0]}
  set -e
  summary="$(grep -E "$summary_line" "$out" | tail -n 1 || true)"
  if [ -z "$summary" ]; then
    echo "FAIL $transport run: python_client.py exited with status $status before its summary"
    total_failed=$((total_failed + 1))
    return
  fi
  passed="${summary%% passed*}"
  failed="${summary##*, }"
  failed="${failed%% failed}"
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "FAIL $transport run: python_client.py exited with status $status"
    total_failed=$((total_failed + 1))
  fi
}

# --- stdio: the client spawns the server, once per mode -------------------------
run_client stdio "$client" --stdio "$calculator"
# The fixture server asks the client questions (elicitation, sampling, roots).
run_client stdio "$questions" --stdio "$everything"
# Its task tools, driven through the client's extension interface (tasks.py).
run_client stdio "$tasks" --stdio "$everything"

# --- Streamable HTTP: one server for all modes ------------------------------------
free_port() {
  "$python" -c '
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
'
}

# Wait until the port accepts connections, or the server exits, or the time is up.
wait_for_port='
import os, socket, sys, time
port, pid, limit = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("exited before accepting connections")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(f"did not accept connections within {limit:g} s")
'

# over_http SERVER SCRIPT: starts SERVER on a free port and runs the client SCRIPT against it.
over_http() {
  local server="$1" script="$2" port pid log reason
  port="$(free_port)"
  log="$work/http-$(basename "$server").log"
  "$server" --transport http --bind "127.0.0.1:$port" 2>"$log" &
  pid=$!
  server_pids+=("$pid")
  if reason="$("$python" -c "$wait_for_port" "$port" "$pid" "$SERVER_START_TIMEOUT_S" 2>&1)"; then
    local failed_before=$total_failed
    run_client http "$script" --http "http://127.0.0.1:$port/mcp"
    if [ "$total_failed" -ne "$failed_before" ] && [ -s "$log" ]; then
      echo "# the HTTP server's log ($(basename "$server")):" >&2
      sed 's/^/#   /' "$log" >&2
    fi
  else
    echo "FAIL http server-start: $(basename "$server") --transport http --bind 127.0.0.1:$port $reason"
    total_failed=$((total_failed + 1))
  fi
}
over_http "$calculator" "$client"
over_http "$everything" "$questions"
over_http "$everything" "$tasks"

echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
