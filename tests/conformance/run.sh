#!/usr/bin/env bash
# Runs the official MCP conformance suite against examples/everything over HTTP, for both
# protocol eras. Installs Node 22 and the suite locally (npm), once.
#
#   bash tests/conformance/run.sh                 # both revisions, against the baselines
#   bash tests/conformance/run.sh 2026-07-28      # one revision
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
suite_version=0.2.0-alpha.12
tools="${CONFORMANCE_TOOLS:-$root/.ci/conformance}"
node="$tools/node_modules/.bin/node"
cli="$tools/node_modules/@modelcontextprotocol/conformance/dist/index.js"

installed=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$tools/node_modules/@modelcontextprotocol/conformance/package.json" 2>/dev/null || true)
if [ ! -x "$node" ] || [ "$installed" != "$suite_version" ]; then
  echo "installing node@22 and @modelcontextprotocol/conformance@$suite_version into $tools"
  mkdir -p "$tools"
  (cd "$tools" && npm install --no-audit --no-fund --loglevel=error node@22 "@modelcontextprotocol/conformance@$suite_version" >/dev/null)
fi

cargo build -q -p everything
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"${CARGO_TARGET_DIR:-target}/debug/everything" --transport http --bind "127.0.0.1:$port" 2>"$tools/everything.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2).close()" 2>/dev/null && break
  sleep 0.1
done

revisions=("$@")
[ ${#revisions[@]} -gt 0 ] || revisions=(2025-11-25 2026-07-28)
status=0
for revision in "${revisions[@]}"; do
  echo "== conformance: --requirements $revision"
  "$node" "$cli" server --url "http://127.0.0.1:$port/mcp" --requirements "$revision" \
    --expected-failures "tests/conformance/baseline-$revision.yml" || status=1
done
exit $status
