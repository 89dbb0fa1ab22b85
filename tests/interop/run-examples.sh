#!/usr/bin/env bash
# Interop test: the official Python MCP client (mcp==2.3.0 from PyPI) against the
# `accounts` and `files` examples, over stdio and Streamable HTTP, in the client's legacy
# and 2026-07-28 modes (see examples.py for the scenarios).
#
#   bash tests/interop/run-examples.sh
#
# Prints one line per check and a closing `N passed, M failed` line; exits non-zero when
# anything failed. INTEROP_VERBOSE=1 adds tracebacks and the servers' logs.
#
# The venv is the one run-python.sh uses: ${INTEROP_VENV:-.ci/.venv}, created and given
# mcp==2.3.0 when missing. Needs python3 with the venv module, pip access to PyPI, cargo.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

# shellcheck source=tests/interop/venv.sh
source "$repo_root/tests/interop/venv.sh"

cargo build -q -p accounts -p files
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$repo_root/$target_dir" ;;
esac

exec "$python" "$repo_root/tests/interop/examples.py" \
  "$target_dir/debug/accounts" "$target_dir/debug/files"
