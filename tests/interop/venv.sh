# Sourced by the scripts that drive servers with the official Python client
# (tests/interop/run-python.sh, run-examples.sh, tests/scale/run.sh): sets `python` to the
# interpreter of the venv at ${INTEROP_VENV:-.ci/.venv} (relative to the repo root unless
# absolute), creating the venv and installing mcp==$MCP_VERSION into it when missing or at
# another version. Needs `repo_root`, python3 with the venv module, pip access to PyPI.

MCP_VERSION="2.3.0"

venv="${INTEROP_VENV:-.ci/.venv}"
case "$venv" in
  /*) ;;
  *) venv="$repo_root/$venv" ;;
esac
python="$venv/bin/python"

if [ ! -x "$python" ]; then
  echo "creating the Python venv at $venv" >&2
  python3 -m venv "$venv"
fi
if [ "$("$python" -c 'from importlib.metadata import version; print(version("mcp"))' 2>/dev/null || true)" != "$MCP_VERSION" ]; then
  echo "installing mcp==$MCP_VERSION into $venv" >&2
  "$python" -m pip install --quiet --disable-pip-version-check "mcp==$MCP_VERSION"
fi
