#!/usr/bin/env bash
# Interop test: the official Python MCP client (mcp==2.3.0 from PyPI) against the
# calculator example, in the client's legacy, auto and 2026-07-28 modes.
#
#   bash tests/interop/run-python.sh
#
# The venv lives at ${INTEROP_VENV:-.ci/.venv} (relative to the repo root unless
# absolute) and is reused between runs; mcp is installed only when missing or at
# another version. Needs python3 with the venv module, pip access to PyPI, cargo.
set -euo pipefail

MCP_VERSION="2.3.0"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo_root"

venv="${INTEROP_VENV:-.ci/.venv}"
case "$venv" in
  /*) ;;
  *) venv="$repo_root/$venv" ;;
esac
python="$venv/bin/python"

if [ ! -x "$python" ]; then
  echo "interop: creating venv at $venv" >&2
  python3 -m venv "$venv"
fi

installed="$("$python" - <<'EOF'
try:
    from importlib.metadata import version
    print(version("mcp"))
except Exception:
    pass
EOF
)"
if [ "$installed" != "$MCP_VERSION" ]; then
  echo "interop: installing mcp==$MCP_VERSION into $venv" >&2
  "$python" -m pip install --quiet --disable-pip-version-check "mcp==$MCP_VERSION"
fi

cargo build -q -p calculator
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
  /*) ;;
  *) target_dir="$repo_root/$target_dir" ;;
esac

exec "$python" "$repo_root/tests/interop/python_client.py" "$target_dir/debug/calculator"
