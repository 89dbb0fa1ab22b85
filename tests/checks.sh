# Sourced by the check scripts (tests/ship/run.sh, tests/metrics/run.sh): a scratch directory
# `$work` removed on exit, the background processes in `pids` stopped on exit, `ok`/`fail`
# counting one line per check, and `finish` for the closing `N passed, M failed` line.

work="$(mktemp -d)"
pids=()
stop_background() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop_background EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# free_port: a loopback port nobody listens on.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for URL SECONDS: until URL answers; status 1 when it has not within SECONDS.
wait_for() {
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null "$1" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      return 1
    fi
    sleep 0.1
  done
}

# finish: the closing line; the script's exit status says whether anything failed.
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}
