#!/usr/bin/env bash
# Build figures of the same two-tool stdio server written with mcp-runtime and with rmcp:
# clean debug build (dependencies included, already fetched), incremental debug rebuild after
# editing one tool's body, release build, and the release binary's size. Builds alternate
# (ours, rmcp, ours, rmcp, ...); medians are printed as a markdown table.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS="${BUILD_ROUNDS:-2}"

seconds() { # runs "$@" quietly, prints the wall time in seconds
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

# The edit: swap the operands of `a + b` in the add tool (and back, alternately).
edit() {
    if grep -q '(a + b)\|    a + b' "$1/src/main.rs"; then
        sed -i 's/\ba + b\b/b + a/' "$1/src/main.rs"
    else
        sed -i 's/\bb + a\b/a + b/' "$1/src/main.rs"
    fi
}

declare -A clean incremental
for crate in ours rmcp; do
    (cd "$crate" && cargo fetch --quiet)
    cp "$crate/src/main.rs" "/tmp/two-tools-$crate.rs"
done
for round in $(seq 1 "$ROUNDS"); do
    for crate in ours rmcp; do
        rm -rf "$crate/target"
        clean[$crate]+="$(cd "$crate" && seconds cargo build --offline) "
        for _ in 1 2; do
            edit "$crate"
            incremental[$crate]+="$(cd "$crate" && seconds cargo build --offline) "
        done
        echo "build round $round $crate: clean ${clean[$crate]}s; incremental ${incremental[$crate]}s" >&2
    done
done
declare -A release size
for crate in ours rmcp; do
    cp "/tmp/two-tools-$crate.rs" "$crate/src/main.rs"
    release[$crate]="$(cd "$crate" && seconds cargo build --offline --release)"
    size[$crate]=$(stat -c %s "$crate/target/release/two-tools-$crate")
done

row() { # name, ours, rmcp
    printf '| %s | %.2f | %.2f | %.2f× |\n' "$1" "$2" "$3" "$(echo "$2 / $3" | bc -l)"
}
m() { tr ' ' '\n' | grep . | median; }
echo "| two-tool stdio server | ours | rmcp | ours ÷ rmcp |"
echo "|---|---:|---:|---:|"
row "clean debug build, s (median of $ROUNDS)" "$(echo "${clean[ours]}" | m)" "$(echo "${clean[rmcp]}" | m)"
row "incremental debug rebuild after editing a tool, s (median of $((ROUNDS * 2)))" \
    "$(echo "${incremental[ours]}" | m)" "$(echo "${incremental[rmcp]}" | m)"
row "clean release build, s" "${release[ours]}" "${release[rmcp]}"
row "release binary, MiB" "$(echo "${size[ours]} / 1048576" | bc -l)" \
    "$(echo "${size[rmcp]} / 1048576" | bc -l)"
