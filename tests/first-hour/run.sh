#!/usr/bin/env bash
# Runs the README's "Your first hour" as written: every `sh` block of that section in order,
# from the root of this checkout, with the section's `rust` block added to the generated
# server's src/main.rs where the README says to add it; then checks what each step printed.
# Installs Node 22 and the MCP Inspector locally (npm), once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
parent="$(dirname "$root")"
source "$root/tests/npm.sh"

for project in my-server my-http-server; do
  if [ -e "$parent/$project" ]; then
    if [ "${CI:-}" = "true" ] || [ -e "$parent/$project/.first-hour" ]; then
      rm -rf "${parent:?}/$project"
    else
      echo "first-hour: $parent/$project exists; move it away (the README's steps create it)" >&2
      exit 1
    fi
  fi
done

tools="$here/.tools"
if [ ! -x "$tools/node_modules/.bin/node" ] || [ ! -d "$tools/node_modules/@modelcontextprotocol/inspector" ]; then
  echo "installing node@22 and @modelcontextprotocol/inspector into $tools"
  npm_install "$tools" node@22 @modelcontextprotocol/inspector
fi
# `npx` finds the Inspector installed here (npm_config_prefix is not needed: the package is
# resolved from the cache npm just filled) and runs it with Node 22, first on PATH.
export PATH="$tools/node_modules/.bin:$PATH"
export npm_config_yes=true

python3 "$here/steps.py" "$root/README.md" "$root"
