#!/usr/bin/env bash
# Publishing checks of `cargo mcp` on the accounts example, with the official tools:
#
#   * `cargo mcp server-json` writes an entry valid against the MCP Registry's schema
#     (tests/spec/registry/server.schema.json, checked with Python's jsonschema);
#   * `cargo mcp bundle` writes a bundle that `mcpb validate` (npm @anthropic-ai/mcpb) accepts,
#     byte for byte the same when made twice; unpacked by `mcpb unpack`, its binary answers
#     tools/list over stdio; its SHA-256 is the fileSha256 of the entry's mcpb package;
#   * `cargo mcp install` into a temporary configuration, twice: one entry, the other entries
#     kept, and a backup of the previous contents;
#   * `cargo mcp manifest --diff` exits with 1 when a tool's risk is raised in a copy of the
#     manifest;
#   * `cargo mcp inspect` lists and calls the calculator's `add` over stdio and HTTP, in both
#     eras;
#   * `cargo mcp new` creates a project.
#
#   bash tests/ship/run.sh
#
# Prints one line per check and `N passed, M failed`; exits non-zero when anything failed.
# npm and PyPI packages are installed under tests/ship/.tools (kept between runs).
set -euo pipefail

MCPB_VERSION="2.1.2"
JSONSCHEMA_VERSION="4.26.0"
SERVER_START_TIMEOUT_S=10

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"
source "$repo_root/tests/npm.sh"
tools="$repo_root/tests/ship/.tools"
mkdir -p "$tools"

# The official bundle tool, and jsonschema in a venv of its own.
mcpb="$tools/node_modules/.bin/mcpb"
if [ ! -x "$mcpb" ] || [ "$(node -p 'require(process.argv[1]).version' "$tools/node_modules/@anthropic-ai/mcpb/package.json" 2>/dev/null)" != "$MCPB_VERSION" ]; then
  echo "ship: installing @anthropic-ai/mcpb@$MCPB_VERSION into $tools" >&2
  npm_install "$tools" "@anthropic-ai/mcpb@$MCPB_VERSION"
fi
python="$tools/venv/bin/python"
if [ ! -x "$python" ]; then
  python3 -m venv "$tools/venv"
fi
if ! "$python" -c "import importlib.metadata as m, sys; sys.exit(m.version('jsonschema') != '$JSONSCHEMA_VERSION')" 2>/dev/null; then
  echo "ship: installing jsonschema==$JSONSCHEMA_VERSION into $tools/venv" >&2
  "$python" -m pip install --quiet --disable-pip-version-check "jsonschema[format-nongpl]==$JSONSCHEMA_VERSION"
fi

cargo build -q -p cargo-mcp -p calculator
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$repo_root/$target_dir" ;;
esac
cargo_mcp="$target_dir/debug/cargo-mcp"
calculator="$target_dir/debug/calculator"

# shellcheck source=tests/checks.sh
source "$repo_root/tests/checks.sh"

# validate FILE: validates a server.json against the registry's schema, formats included.
validate() {
  "$python" - "$1" "$repo_root/tests/spec/registry/server.schema.json" <<'EOF'
import json, sys
import jsonschema
entry = json.load(open(sys.argv[1]))
schema = json.load(open(sys.argv[2]))
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(entry)]
print("\n".join(errors))
sys.exit(1 if errors else 0)
EOF
}

accounts="$repo_root/examples/accounts"

# -- server.json ------------------------------------------------------------------------
if (cd "$accounts" && "$cargo_mcp" server-json --out "$work/server.json") 2>"$work/server-json.log" &&
  out="$(validate "$work/server.json")"; then
  ok "server-json validates against the registry schema"
else
  fail "server-json: $(cat "$work/server-json.log") ${out:-}"
fi
if "$python" -c "
import json, sys
e = json.load(open('$work/server.json'))
risks = {t['name']: t['risk'] for t in e['_meta']['io.modelcontextprotocol.registry/publisher-provided']['mcp-runtime']['tools']}
assert e['name'] == 'io.github.mcp-runtime/accounts', e['name']
assert e['packages'][0]['registryType'] == 'cargo' and e['packages'][0]['identifier'] == 'accounts'
assert risks['close_account'] == 'critical' and risks['get_account'] == 'low', risks
assert e['packages'][0]['packageArguments'][0]['name'] == '--db'
" 2>"$work/check.log"; then
  ok "server-json names the crate, its --db argument and every tool's risk"
else
  fail "server-json content: $(cat "$work/check.log")"
fi
# The calculator has no README, so nothing that says the crate is the server.
if (cd "$repo_root/examples/calculator" && "$cargo_mcp" server-json --name io.github.mcp-runtime/calculator) \
  >/dev/null 2>"$work/readme.log"; then
  fail "server-json accepted a crate without the README's mcp-name: line"
elif grep -q "mcp-name: io.github.mcp-runtime/calculator" "$work/readme.log"; then
  ok "server-json refuses a crate without the README's mcp-name: line and says which line to add"
else
  fail "server-json without the README line: $(cat "$work/readme.log")"
fi
if (cd "$accounts" && "$cargo_mcp" server-json --name accounts) >/dev/null 2>"$work/name.log"; then
  fail "server-json accepted the registry name 'accounts'"
elif grep -q "io.github.OWNER/NAME" "$work/name.log"; then
  ok "server-json refuses an invalid registry name"
else
  fail "server-json with a bad name: $(cat "$work/name.log")"
fi

# -- bundle -------------------------------------------------------------------------------
author="mcp-runtime contributors"
if line="$(cd "$accounts" && "$cargo_mcp" bundle --author "$author" 2>"$work/bundle.log")"; then
  sha="${line%%  *}"
  bundle="${line#*  }"
  ok "bundle written: $(basename "$bundle") sha256 $sha"
else
  fail "bundle: $(tail -n 20 "$work/bundle.log")"
  sha=""
  bundle=""
fi
if [ -n "$bundle" ]; then
  again="$(cd "$accounts" && "$cargo_mcp" bundle --author "$author" 2>>"$work/bundle.log")"
  if [ "${again%%  *}" = "$sha" ] && [ "$(sha256sum "$bundle" | cut -d' ' -f1)" = "$sha" ]; then
    ok "bundle is reproducible and its printed SHA-256 is the file's"
  else
    fail "bundle twice: $line, then $again; file $(sha256sum "$bundle")"
  fi
  rm -rf "$work/unpacked"
  if "$mcpb" unpack "$bundle" "$work/unpacked" >"$work/unpack.log" 2>&1 &&
    "$mcpb" validate "$work/unpacked/manifest.json" >"$work/validate.log" 2>&1; then
    ok "mcpb validate accepts the bundle's manifest.json"
  else
    fail "mcpb: $(cat "$work/unpack.log" "$work/validate.log" 2>/dev/null)"
  fi
  binary="$work/unpacked/server/accounts"
  chmod +x "$binary" 2>/dev/null || true
  answer="$(printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"ship","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' |
    RUST_LOG=warn timeout 20 "$binary" --db "$work/accounts.db" 2>"$work/unpacked.log" || true)"
  if grep -q '"id":2' <<<"$answer" && grep -q '"name":"close_account"' <<<"$answer"; then
    ok "the unpacked bundle's binary answers tools/list over stdio"
  else
    fail "unpacked binary answered: $answer $(cat "$work/unpacked.log")"
  fi
  url="https://github.com/mcp-runtime/mcp-runtime/releases/download/v0.1.0/$(basename "$bundle")"
  if (cd "$accounts" && "$cargo_mcp" server-json --mcpb "$url" --mcpb-file "$bundle" --out "$work/server-mcpb.json") 2>"$work/server-mcpb.log" &&
    out="$(validate "$work/server-mcpb.json")" &&
    "$python" -c "
import json
e = json.load(open('$work/server-mcpb.json'))
mcpb = [p for p in e['packages'] if p['registryType'] == 'mcpb'][0]
assert mcpb['fileSha256'] == '$sha' and mcpb['identifier'] == '$url', mcpb
"; then
    ok "server-json with the bundle validates and carries its SHA-256"
  else
    fail "server-json --mcpb: $(cat "$work/server-mcpb.log") ${out:-}"
  fi
fi

# -- install ------------------------------------------------------------------------------
config="$work/client/claude_desktop_config.json"
mkdir -p "$work/client"
echo '{"mcpServers":{"other":{"command":"/usr/bin/other"}},"theme":"dark"}' >"$config"
if (cd "$accounts" && "$cargo_mcp" install claude-desktop --release --config "$config" -- --db "$work/accounts.db") >"$work/install1.log" 2>&1 &&
  (cd "$accounts" && "$cargo_mcp" install claude-desktop --release --config "$config" -- --db "$work/accounts.db") >"$work/install2.log" 2>&1 &&
  "$python" -c "
import json
c = json.load(open('$config'))
assert sorted(c['mcpServers']) == ['accounts', 'other'], c
assert c['theme'] == 'dark'
assert c['mcpServers']['accounts']['args'] == ['--db', '$work/accounts.db'], c
b = json.load(open('$config.bak'))
assert sorted(b['mcpServers']) == ['other'], b
" && grep -q "already installed" "$work/install2.log"; then
  ok "install twice: one entry, the others kept, a backup, the second run changes nothing"
else
  fail "install: $(cat "$work/install1.log" "$work/install2.log")"
fi

# -- manifest --diff ----------------------------------------------------------------------
if (cd "$accounts" && "$cargo_mcp" manifest >"$work/manifest.json") 2>"$work/manifest.log"; then
  "$python" -c "
import json
m = json.load(open('$work/manifest.json'))
for tool in m['tools']:
    if tool['name'] == 'get_account':
        tool['risk'] = 'high'
json.dump(m, open('$work/raised.json', 'w'), indent=2)
"
  set +e
  (cd "$accounts" && "$cargo_mcp" manifest --diff "$work/manifest.json" --against "$work/raised.json") >"$work/diff.log" 2>&1
  status=$?
  set -e
  if [ "$status" = 1 ] && grep -q "tool get_account: risk low -> high" "$work/diff.log"; then
    ok "manifest --diff exits with 1 when a tool's risk is raised"
  else
    fail "manifest --diff exited with $status: $(cat "$work/diff.log")"
  fi
else
  fail "manifest: $(cat "$work/manifest.log")"
fi

# -- inspect ------------------------------------------------------------------------------
port="$(free_port)"
RUST_LOG=warn "$calculator" --transport http --bind "127.0.0.1:$port" >"$work/calculator.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
wait_for "http://127.0.0.1:$port/" "$SERVER_START_TIMEOUT_S" || true
for era in 2026-07-28 2025-11-25; do
  for transport in stdio http; do
    if [ "$transport" = stdio ]; then
      where=(--command "$calculator")
    else
      where=(--http "http://127.0.0.1:$port/mcp")
    fi
    listing="$("$cargo_mcp" inspect "${where[@]}" --era "$era" 2>&1 || true)"
    called="$("$cargo_mcp" inspect "${where[@]}" --era "$era" --call add a=2 b=3 2>&1 || true)"
    if grep -q "add" <<<"$listing" && grep -q "low" <<<"$listing" && grep -qx "5" <<<"$called"; then
      ok "inspect $transport $era: lists add with its risk, and add a=2 b=3 is 5"
    else
      fail "inspect $transport $era: listed: $listing; called: $called"
    fi
  done
done
kill "$server_pid" 2>/dev/null || true
wait "$server_pid" 2>/dev/null || true

# -- new ----------------------------------------------------------------------------------
if "$cargo_mcp" new "$work/shipped-server" --transport stdio --risk low >"$work/new.log" 2>&1 &&
  grep -q 'name = "shipped-server"' "$work/shipped-server/Cargo.toml" &&
  [ -f "$work/shipped-server/src/main.rs" ]; then
  ok "new creates a server project from the template"
else
  fail "new: $(cat "$work/new.log")"
fi

finish
