# Sourced by the scripts that install npm packages locally (tests/conformance/run.sh,
# tests/first-hour/run.sh, tests/ship/run.sh).
#
# npm_install DIR PACKAGE...: installs the packages into DIR/node_modules, DIR getting a
# package.json of its own so npm installs there and not into an enclosing project. A failed
# install is tried again, up to three times in all, a few seconds apart: the registry now and
# then fails one request, and `node@22` fetches its binary in an install script of its own,
# which then fails the whole install. The last attempt's output is printed when all fail.
npm_install() {
  local dir=$1 attempt log
  shift
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
  log="$(mktemp)"
  for attempt in 1 2 3; do
    if (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "$@") >"$log" 2>&1; then
      rm -f "$log"
      return 0
    fi
    echo "npm install $* failed (attempt $attempt of 3)" >&2
    [ "$attempt" = 3 ] || sleep $((attempt * 5))
  done
  cat "$log" >&2
  rm -f "$log"
  return 1
}
