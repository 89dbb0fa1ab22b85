#!/usr/bin/env bash
# Every benchmark, for the servers in turn (ours, rmcp, limit; ours, rmcp, limit; ...),
# then the table of medians. Usage:
#   bash bench/run.sh            # full run: 5 rounds, build times, ~20 minutes
#   bash bench/run.sh --short    # 1 round, shorter workloads, no build times
#   bash bench/run.sh --quick    # answers only: a handful of calls per workload, no figures
#   bash bench/run.sh --variants # only ours against ours run another way: 5 rounds, ~3 minutes
# Results go to bench/results/<time>.jsonl (figures) and .md (the table); --quick writes none.
# Every answer is checked (id, value, no error); one wrong answer stops the run with exit
# status 1 and the first wrong answer on stderr. Two rows of ours need Debian's redis-server
# and nginx (installed when missing, as root or with sudo): sessions kept in Redis, and three
# replicas behind deploy/nginx.conf.
set -euo pipefail
cd "$(dirname "$0")"

CHECK=0 VARIANTS=0 ROUNDS=5 PIPELINED_CALLS=100000 LATENCY_CALLS=20000 SECONDS_PER_HTTP=2 BUILD_TIMES=1
# Calls of the stdio pipelined workloads with larger messages: echo of 64 KiB and of 1 MiB,
# report, tools/list of 206 tools, query_accounts.
ECHO_64K_CALLS=2000 ECHO_1M_CALLS=200 REPORT_CALLS=10000 LIST_CALLS=2000 QUERY_CALLS=10000
case "${1:-}" in
    "") ;;
    --short)
        ROUNDS=1 SECONDS_PER_HTTP=1 LATENCY_CALLS=5000 BUILD_TIMES=0
        ECHO_64K_CALLS=500 ECHO_1M_CALLS=50 REPORT_CALLS=2000 LIST_CALLS=500 QUERY_CALLS=2000
        ;;
    # The same servers, transports and workloads as a full run, each for its answers only:
    # SECONDS_PER_HTTP becomes the number of calls each HTTP client makes. A debug build, the
    # one `cargo test` has already made most of.
    --quick)
        CHECK=1 ROUNDS=1 PIPELINED_CALLS=200 LATENCY_CALLS=20 SECONDS_PER_HTTP=3 BUILD_TIMES=0
        ECHO_64K_CALLS=20 ECHO_1M_CALLS=4 REPORT_CALLS=50 LIST_CALLS=10 QUERY_CALLS=50
        ;;
    # Only the rows that compare ours with itself, run another way (the `ours-…` table):
    # stdio pipelined and HTTP modern c=64 with the otel feature and with everything
    # observed, HTTP legacy c=64 with sessions in Redis, HTTP modern c=64 through nginx to
    # three replicas. 5 rounds, no build times.
    --variants) VARIANTS=1 BUILD_TIMES=0 ;;
    *)
        echo "usage: bash bench/run.sh [--short | --quick | --variants]" >&2
        exit 2
        ;;
esac
if [[ $CHECK == 0 ]]; then
    ROUNDS="${BENCH_ROUNDS:-$ROUNDS}"
    cargo build --release --quiet --bins
    # Separately, so that bench-ours is built without the `otel` feature.
    cargo build --release --quiet -p mcp-bench-otel
    bin="${CARGO_TARGET_DIR:-target}/release"
    mkdir -p results
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    out="results/$stamp.jsonl"
    : > "$out"
else
    cargo build --quiet --bins
    cargo build --quiet -p mcp-bench-otel
    bin="${CARGO_TARGET_DIR:-target}/debug"
fi

# Replicas: Redis, three of ours sharing it (`--store`), and nginx running deploy/nginx.conf
# in front of them (tests/scale/nginx.sh), for the rows that set a shared store and a load
# balancer against the single in-memory server of the other rows.
repo_root="$(cd .. && pwd)"
# shellcheck source=tests/scale/nginx.sh
source "$repo_root/tests/scale/nginx.sh"
install_debian redis-server redis-server
install_debian nginx nginx
scratch="$(mktemp -d)"
background=()
stop_background() {
    for pid in "${background[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$scratch"
}
trap stop_background EXIT
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# answers COMMAND...: until COMMAND succeeds, for at most 10 s.
answers() {
    local deadline=$((SECONDS + 10))
    until "$@" >/dev/null 2>&1; do
        if [[ $SECONDS -ge $deadline ]]; then
            echo "bench: no answer from: $*" >&2
            tail -n 20 "$scratch"/*.log "$scratch/nginx/error.log" >&2 2>/dev/null || true
            exit 1
        fi
        sleep 0.1
    done
}
redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$scratch" \
    >"$scratch/redis.log" 2>&1 &
background+=($!)
answers redis-cli -p "$redis_port" ping
store="redis://127.0.0.1:$redis_port/0"
replicas=()
for replica in 1 2 3; do
    replica_port="$(free_port)"
    BENCH_STORE="$store" "$bin/bench-ours" http "$replica_port" >"$scratch/replica-$replica.log" 2>&1 &
    background+=($!)
    replicas+=("127.0.0.1:$replica_port")
    answers curl -s -o /dev/null "http://127.0.0.1:$replica_port/mcp"
done
nginx_port="$(free_port)"
nginx_conf "$scratch/nginx" "$nginx_port" "${replicas[@]}"
nginx "${nginx_args[@]}" >>"$scratch/nginx/error.log" 2>&1 &
background+=($!)
answers curl -s -o /dev/null "http://127.0.0.1:$nginx_port/mcp"

workloads=0
run() { # label, then the driver's arguments
    local label="$1"; shift
    workloads=$((workloads + 1))
    if [[ $CHECK == 1 ]]; then
        "$bin/bench-driver" --check "$@" >&2
    else
        "$bin/bench-driver" "$@" | tee -a "$out" | cut -c1-160 >&2
    fi
}

# `run`, with the request spans exported over OTLP and the metrics recorded when the label is
# ours-observed (bench-ours-otel with BENCH_OBSERVE), and the same with one request in a hundred
# traced when it is ours-sampled (the standard sampler variables).
observed() { # label, then the driver's arguments
    case $1 in
        ours-observed) BENCH_OBSERVE=1 run "$@" ;;
        ours-sampled)
            BENCH_OBSERVE=1 OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.01 \
                run "$@"
            ;;
        *) run "$@" ;;
    esac
}

# The rows of ours run another way, each next to ours as it is in the other rows.
variants() {
    # With the `otel` feature compiled in but not configured, then with the request spans
    # exported over OTLP and the metrics recorded: every request traced, then one in a hundred.
    # In a palindrome (each twice, the second time in reverse order), so that a drift of the
    # machine's speed during the round hits ours and each variant alike; the report also sets
    # each figure of a variant against the nearest run of ours.
    local label server
    local palindrome=(ours ours-otel ours-observed ours-sampled ours-sampled ours-observed ours-otel ours)
    for label in "${palindrome[@]}"; do
        server="$bin/bench-ours-otel"
        [[ $label == ours ]] && server="$bin/bench-ours"
        observed "$label" stdio-pipelined "$server" "$label" "$PIPELINED_CALLS"
    done
    for label in "${palindrome[@]}"; do
        server="$bin/bench-ours-otel"
        [[ $label == ours ]] && server="$bin/bench-ours"
        observed "$label" http "$server" "$label" modern 64 "$SECONDS_PER_HTTP"
    done
    # With its sessions (and tasks) in Redis (ours-redis), against the in-memory store. A
    # database of its own, emptied first: like the in-memory store, each run starts with no
    # sessions (those of earlier runs would count against the sessions allowed per caller).
    run ours http "$bin/bench-ours" ours legacy 64 "$SECONDS_PER_HTTP"
    redis-cli -p "$redis_port" -n 1 flushdb >/dev/null
    BENCH_STORE="redis://127.0.0.1:$redis_port/1" \
        run ours-redis http "$bin/bench-ours" ours-redis legacy 64 "$SECONDS_PER_HTTP"
    # Through nginx to three replicas sharing that Redis (ours-nginx3), against one server
    # called directly (the row of ours above). The replicas run for the whole run.
    run ours-nginx3 http "127.0.0.1:$nginx_port" ours-nginx3 modern 64 "$SECONDS_PER_HTTP"
}

for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round of $ROUNDS" >&2
    if [[ $VARIANTS == 1 ]]; then
        variants
        continue
    fi
    # rmcp twice on stdio: its default stdio (tokio's stdin/stdout) and its `stdio_pipes`.
    for label in ours rmcp rmcp-pipes limit; do
        run "$label" stdio-pipelined "$bin/bench-${label%-pipes}" "$label" "$PIPELINED_CALLS"
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
    variants
    # Larger messages: echo of 64 KiB and of 1 MiB (decoding), report (encoding).
    for work in echo-64k:$ECHO_64K_CALLS echo-1m:$ECHO_1M_CALLS report:$REPORT_CALLS; do
        for label in ours rmcp rmcp-pipes limit; do
            run "$label" --work="${work%:*}" stdio-pipelined "$bin/bench-${label%-pipes}" "$label" "${work#*:}"
        done
        for server in ours rmcp limit; do
            run "$server" --work="${work%:*}" http "$bin/bench-$server" "$server" modern 16 "$SECONDS_PER_HTTP"
        done
    done
    # 90 % add, 9 % report, 1 % a tool that sleeps 50 ms without holding a thread, with
    # percentiles per kind (the limit server has no such tool).
    for server in ours rmcp; do
        run "$server" --work=mixed http "$bin/bench-$server" "$server" modern 64 "$SECONDS_PER_HTTP"
    done
    # tools/list of a server with 206 tools (BENCH_WIDE=1; the limit server has no tools
    # list), and query_accounts against SQLite (the limit server has no database).
    for work in tools-list:$LIST_CALLS query-accounts:$QUERY_CALLS; do
        for label in ours rmcp rmcp-pipes; do
            run "$label" --work="${work%:*}" stdio-pipelined "$bin/bench-${label%-pipes}" "$label" "${work#*:}"
        done
        for server in ours rmcp; do
            run "$server" --work="${work%:*}" http "$bin/bench-$server" "$server" modern 16 "$SECONDS_PER_HTTP"
        done
    done
done

if [[ $CHECK == 1 ]]; then
    echo "every answer right in all $workloads workloads (ours, rmcp, rmcp pipes, limit; stdio and HTTP; ours with Redis and behind nginx)" >&2
    exit 0
fi

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
