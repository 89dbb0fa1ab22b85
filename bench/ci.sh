#!/usr/bin/env bash
# CI for the benchmark workspace (bench/ is outside the main workspace, so the main CI's cargo
# commands do not reach it): formatting, lints, the unit tests of the answer checks, the check
# that a failed build stops the build-time measurement, and every server's answers over every
# transport through `run.sh --quick`. No timing is measured or asserted.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TERM_COLOR=never

step_started=$SECONDS
step() {
    printf '\n(%d s)\n== bench: %s\n' "$((SECONDS - step_started))" "$*"
    step_started=$SECONDS
}

step "cargo fmt --check"
cargo fmt --check --manifest-path Cargo.toml

step "cargo clippy --all-targets -D warnings"
cargo clippy --manifest-path Cargo.toml --workspace --all-targets -- -D warnings

# The tests are the library's (the answer checks, the accounts query); the binaries have none,
# so they are not built a second time as test harnesses.
step "cargo test --lib (the answer checks)"
cargo test --manifest-path Cargo.toml --lib

step "a failed build stops buildtime/measure.sh"
bash buildtime/test-failed-build.sh

step "run.sh --quick: every server and transport answers right"
bash run.sh --quick
