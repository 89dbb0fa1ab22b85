#!/usr/bin/env bash
# Every benchmark, for the servers in turn (ours, rmcp, limit; ours, rmcp, limit; ...),
# then the table of medians. Usage:
#   bash bench/run.sh            # full run: 5 rounds, build times, ~15 minutes
#   bash bench/run.sh --quick    # 1 round, shorter workloads, no build times
# Results go to bench/results/<time>.jsonl (figures) and .md (the table).
set -euo pipefail
cd "$(dirname "$0")"

ROUNDS=5 SECONDS_PER_HTTP=2 LATENCY_CALLS=20000 BUILD_TIMES=1
if [[ "${1:-}" == "--quick" ]]; then
    ROUNDS=1 SECONDS_PER_HTTP=1 LATENCY_CALLS=5000 BUILD_TIMES=0
fi
ROUNDS="${BENCH_ROUNDS:-$ROUNDS}"

cargo build --release --quiet --bins
bin=target/release
mkdir -p results
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="results/$stamp.jsonl"
: > "$out"

run() { # label, then the driver's arguments
    local label="$1"; shift
    "$bin/bench-driver" "$@" | tee -a "$out" | cut -c1-160 >&2
}

for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round of $ROUNDS" >&2
    # rmcp twice on stdio: its default stdio (tokio's stdin/stdout) and its `stdio_pipes`.
    for label in ours rmcp rmcp-pipes limit; do
        run "$label" stdio-pipelined "$bin/bench-${label%-pipes}" "$label" 100000
    done
    for label in ours rmcp rmcp-pipes limit; do
        run "$label" stdio-latency "$bin/bench-${label%-pipes}" "$label" "$LATENCY_CALLS"
    done
    for mode in modern legacy; do
        for concurrency in 1 16 64; do
            for server in ours rmcp limit; do
                run "$server" http "$bin/bench-$server" "$server" "$mode" "$concurrency" "$SECONDS_PER_HTTP"
            done
        done
    done
    # c=64 while four calls of a tool that blocks its thread for 1 s run back to back (the
    # limit server has no such tool); compare with the unloaded modern c=64 row.
    for server in ours rmcp; do
        run "$server" http "$bin/bench-$server" "$server" modern 64 "$SECONDS_PER_HTTP" 4
    done
done

table="results/$stamp.md"
{
    echo "Run $stamp on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(uname -sr); $ROUNDS rounds."
    echo
    "$bin/bench-driver" report "$out"
    if [[ "$BUILD_TIMES" == 1 ]]; then
        echo
        bash buildtime/measure.sh
    fi
} | tee "$table"
echo "table written to bench/$table" >&2
