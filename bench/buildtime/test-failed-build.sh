#!/usr/bin/env bash
# Checks that measure.sh stops on a build that fails instead of timing it: tiny crates without
# dependencies (a few seconds in all) that fail to compile in the clean debug build, in the
# incremental rebuild after the edit, and only in release; then a pair that builds, which must
# give the table. Exit status 0 when measure.sh behaves, 1 with the reason otherwise.
set -euo pipefail
cd "$(dirname "$0")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

crate() { # name, then the source of src/main.rs on stdin
    mkdir -p "$tmp/$1/src"
    printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2021"\n\n[workspace]\n' "$1" \
        > "$tmp/$1/Cargo.toml"
    cat > "$tmp/$1/src/main.rs"
}
crate good <<'RS'
fn add(a: f64, b: f64) -> f64 {
    a + b
}
fn main() {
    println!("{}", add(1.0, 2.0));
}
RS
crate good-too < "$tmp/good/src/main.rs"
crate broken <<'RS'
fn main() {
    let unused: u32 = "not a number";
}
RS
# Builds as written; swapping the operands (measure.sh's edit) gives `u32 + f64`.
crate edit-breaks <<'RS'
fn add(a: f64, b: u32) -> f64 {
    a + b as f64
}
fn main() {
    println!("{}", add(1.0, 2));
}
RS
crate release-breaks <<'RS'
#[cfg(not(debug_assertions))]
compile_error!("this crate does not build in release");
fn main() {}
RS

failures=0
fail() { echo "test-failed-build.sh: $*" >&2; failures=$((failures + 1)); }

expect_failure() { # ours, theirs, the message measure.sh must print
    local status=0
    BUILD_ROUNDS=1 BUILDTIME_CRATES="$tmp/$1 $tmp/$2" bash measure.sh \
        > "$tmp/out" 2> "$tmp/err" || status=$?
    if [[ $status == 0 ]]; then
        fail "measure.sh exited 0 although a build of $1 or $2 fails; it printed:"
        cat "$tmp/out" >&2
    elif ! grep -qF "$3" "$tmp/err"; then
        fail "measure.sh exited $status without saying \"$3\"; its stderr:"
        cat "$tmp/err" >&2
    elif grep -q '^| clean' "$tmp/out"; then
        fail "measure.sh printed figures although a build failed"
    else
        echo "ok: $(grep -F "$3" "$tmp/err")"
    fi
}

expect_failure good broken "the clean debug build (round 1) of $tmp/broken failed"
expect_failure good edit-breaks \
    "the incremental debug rebuild 1 (round 1) of $tmp/edit-breaks failed"
if ! grep -q '    a + b as f64' "$tmp/edit-breaks/src/main.rs"; then
    fail "measure.sh left the edited source of edit-breaks in place"
fi
expect_failure release-breaks good "the clean release build of $tmp/release-breaks failed"

if BUILD_ROUNDS=1 BUILDTIME_CRATES="$tmp/good $tmp/good-too" bash measure.sh \
    > "$tmp/out" 2> "$tmp/err"; then
    if grep -q '^| clean debug build, s (median of 1) | [0-9.]* | [0-9.]* |' "$tmp/out"; then
        echo "ok: two crates that build give the table"
    else
        fail "measure.sh gave no table for two crates that build:"
        cat "$tmp/out" >&2
    fi
else
    fail "measure.sh failed on two crates that build:"
    cat "$tmp/err" >&2
fi

if [[ $failures != 0 ]]; then
    echo "test-failed-build.sh: $failures checks failed" >&2
    exit 1
fi
echo "measure.sh stops on every failed build"
