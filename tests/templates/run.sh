#!/usr/bin/env bash
# Generates every variant of the template templates/mcp-server (each transport with each risk
# level of the example tool) twice, with cargo-generate and with `cargo new-server`
# (tools/new-server), and checks that both write the same files. Then, without editing the
# generated project, builds it, runs its own tests and clippy with warnings denied, and runs
# it: a stdio exchange (stdio, both) and an HTTP request (http, both). The project depends on
# this checkout's mcp-runtime through the template's `mcp_runtime_path`, and resolves its other
# dependencies from crates.io itself, as a user's project does.
#
#   bash tests/templates/run.sh
#
# cargo-generate comes from $CARGO_GENERATE, else from a cache outside the checkout,
# ${CI_TOOLS_DIR:-~/.cache/mcp-runtime-ci}/bin, so that it outlives a fresh clone: it is
# installed there with `cargo install --root` when missing (about ten minutes, once). The
# variants and tools/new-server share one target directory,
# ${TEMPLATES_TARGET_DIR:-target/templates}, so the dependencies are compiled once. Prints one
# line per check and `N passed, M failed`.
set -euo pipefail

# Pinned: 0.23.7 installs with its locked dependencies on Rust 1.85 and later, while newer
# releases' locked dependencies need a newer rustc (the latest asks for 1.96, so a plain
# `cargo install cargo-generate` fails on Rust 1.95).
CARGO_GENERATE_VERSION="0.23.7"
TRANSPORTS=(stdio http both)
RISKS=(low medium high critical)
SERVER_START_TIMEOUT_S=10

# The physical path, as Cargo gives it to tools/new-server (CARGO_MANIFEST_DIR).
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
cd "$repo_root"

tools="${CI_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-runtime-ci}"
generate="${CARGO_GENERATE:-$tools/bin/cargo-generate}"
# `cargo-generate --version` prints `cargo generate X.Y.Z`.
if [ ! -x "$generate" ] || [ "$("$generate" --version 2>/dev/null | awk '{print $NF}')" != "$CARGO_GENERATE_VERSION" ]; then
  if [ -n "${CARGO_GENERATE:-}" ]; then
    echo "templates: CARGO_GENERATE=$CARGO_GENERATE is not cargo-generate $CARGO_GENERATE_VERSION" >&2
    exit 1
  fi
  echo "templates: installing cargo-generate $CARGO_GENERATE_VERSION into $tools (once)" >&2
  cargo install --quiet --locked --force --root "$tools" "cargo-generate@$CARGO_GENERATE_VERSION"
fi

target_dir="${TEMPLATES_TARGET_DIR:-$repo_root/target/templates}"
export CARGO_TARGET_DIR="$target_dir"
# Without debug info: with it, the twelve servers and their test binaries take gigabytes, and
# nothing here reads it.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# run_stdio NAME BINARY RISK: a handshake and tools/list on stdin; the answer must list
# the example tool with its risk.
run_stdio() {
  local name="$1" binary="$2" risk="$3" out
  out="$(printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"ci","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' |
    RUST_LOG=warn timeout 20 "$binary" 2>"$work/$name.stdio.log" || true)"
  if grep -q '"name":"greet"' <<<"$out" && grep -q "\"risk\":\"$risk\"" <<<"$out"; then
    ok "$name runs-on-stdio"
  else
    fail "$name runs-on-stdio: answered: $out $(cat "$work/$name.stdio.log")"
  fi
}

# run_http NAME BINARY ARGS...: starts the server on a free port, sends `initialize`, and
# expects its serverInfo back.
run_http() {
  local name="$1" binary="$2" port out deadline
  shift 2
  port="$(free_port)"
  RUST_LOG=warn "$binary" "$@" --bind "127.0.0.1:$port" >"$work/$name.http.log" 2>&1 &
  server_pid=$!
  deadline=$((SECONDS + SERVER_START_TIMEOUT_S))
  until curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      break
    fi
    sleep 0.1
  done
  out="$(curl -s --max-time 10 "http://127.0.0.1:$port/mcp" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"ci","version":"1"}}}' || true)"
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  if grep -q "\"serverInfo\":{\"name\":\"$name\"" <<<"$out"; then
    ok "$name runs-on-http"
  else
    fail "$name runs-on-http: answered: $out $(cat "$work/$name.http.log")"
  fi
}

# The fast generator itself: formatted, lint-free, its unit tests pass.
new_server=(--manifest-path tools/new-server/Cargo.toml)
if cargo fmt "${new_server[@]}" --check >"$work/new-server.fmt.log" 2>&1; then
  ok "new-server fmt"
else
  fail "new-server fmt: $(head -n 30 "$work/new-server.fmt.log")"
fi
if cargo clippy --quiet "${new_server[@]}" --all-targets -- -D warnings >"$work/new-server.clippy.log" 2>&1; then
  ok "new-server clippy"
else
  fail "new-server clippy: $(tail -n 30 "$work/new-server.clippy.log")"
fi
if cargo test --quiet "${new_server[@]}" >"$work/new-server.test.log" 2>&1; then
  ok "new-server test ($(grep -Eo '[0-9]+ passed' "$work/new-server.test.log" | head -n 1))"
else
  fail "new-server test: $(tail -n 30 "$work/new-server.test.log")"
fi

template=templates/mcp-server
mkdir "$work/cargo-generate" "$work/new-server"
for transport in "${TRANSPORTS[@]}"; do
  for risk in "${RISKS[@]}"; do
    name="$(basename "$template")-$transport-$risk"
    if ! "$generate" generate --path "$template" --name "$name" --destination "$work/cargo-generate" \
      --define "transport=$transport" --define "risk=$risk" --define "mcp_runtime_path=$repo_root" \
      --silent --vcs none >"$work/$name.generate.log" 2>&1; then
      fail "$name generate: $(cat "$work/$name.generate.log")"
      continue
    fi
    ok "$name generate"
    project="$work/cargo-generate/$name"
    if cargo new-server "$work/new-server/$name" --transport "$transport" --risk "$risk" \
      >"$work/$name.new-server.log" 2>&1; then
      if diff -r -x .git "$project" "$work/new-server/$name" >"$work/$name.diff" 2>&1; then
        ok "$name new-server-same-as-cargo-generate"
      else
        fail "$name new-server-same-as-cargo-generate: $(head -n 40 "$work/$name.diff")"
      fi
    else
      fail "$name new-server: $(cat "$work/$name.new-server.log")"
    fi
    # The project as generated: no patch section, no Cargo.lock but its own.
    if ! (cd "$project" && cargo build --quiet) >"$work/$name.build.log" 2>&1; then
      fail "$name build: $(tail -n 30 "$work/$name.build.log")"
      continue
    fi
    ok "$name build"
    if (cd "$project" && cargo test --quiet) >"$work/$name.test.log" 2>&1; then
      ok "$name test ($(grep -Eo '[0-9]+ passed' "$work/$name.test.log" | head -n 1))"
    else
      fail "$name test: $(tail -n 30 "$work/$name.test.log")"
    fi
    if (cd "$project" && cargo clippy --quiet --all-targets -- -D warnings) >"$work/$name.clippy.log" 2>&1; then
      ok "$name clippy"
    else
      fail "$name clippy: $(tail -n 30 "$work/$name.clippy.log")"
    fi
    binary="$target_dir/debug/$name"
    case "$transport" in
      stdio) run_stdio "$name" "$binary" "$risk" ;;
      http) run_http "$name" "$binary" ;;
      both)
        run_stdio "$name" "$binary" "$risk"
        run_http "$name" "$binary" --transport http
        ;;
    esac
  done
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
