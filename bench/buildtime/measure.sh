#!/usr/bin/env bash
# Build figures of the same two-tool stdio server written with mcp-runtime and with rmcp:
# clean debug build (dependencies included, already fetched), incremental debug rebuild after
# editing one tool's body, release build, and the release binary's size. Builds alternate
# (ours, rmcp, ours, rmcp, ...); medians are printed as a markdown table.
#
# Any build that fails stops the run: exit status 1, and stderr names the crate and the build
# and shows the end of cargo's output. BUILDTIME_CRATES="<ours> <theirs>" measures two other
# crate directories (bench/buildtime/test-failed-build.sh uses it to check exactly that).
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS="${BUILD_ROUNDS:-2}"
read -r -a crates <<< "${BUILDTIME_CRATES:-ours rmcp}"
if [[ ${#crates[@]} != 2 ]]; then
    echo "measure.sh: BUILDTIME_CRATES names ${#crates[@]} crate directories, not two" >&2
    exit 2
fi
ours="${crates[0]}" theirs="${crates[1]}"
unset CARGO_TARGET_DIR # each crate builds into its own target/, cleaned before each clean build

log="$(mktemp)"
saved="$(mktemp -d)"
copy() { # where the source of crate $1 is kept while the edits change it
    if [[ "$1" == "$ours" ]]; then echo "$saved/ours.rs"; else echo "$saved/theirs.rs"; fi
}
restore() { # puts back the sources the edits changed
    for crate in "$ours" "$theirs"; do
        if [[ -f "$(copy "$crate")" ]]; then
            cp "$(copy "$crate")" "$crate/src/main.rs"
        fi
    done
    rm -rf "$saved" "$log"
}
trap restore EXIT

TIMED=
timed() { # crate, what is built, then the command: runs it quietly in the crate's directory
    # and sets TIMED to its wall time in seconds; a failure stops the whole run.
    local crate="$1" what="$2" start end
    shift 2
    start=$(date +%s.%N)
    if ! (cd "$crate" && "$@") > "$log" 2>&1; then
        echo "measure.sh: the $what of $crate failed ($*); the end of its output:" >&2
        tail -n 25 "$log" >&2
        exit 1
    fi
    end=$(date +%s.%N)
    TIMED=$(echo "$end - $start" | bc)
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

# The binary a crate builds: its package name.
binary() { sed -n 's/^name = "\(.*\)"$/\1/p' "$1/Cargo.toml" | head -n 1; }

declare -A clean incremental
for crate in "$ours" "$theirs"; do
    timed "$crate" "dependency fetch" cargo fetch --quiet
    cp "$crate/src/main.rs" "$(copy "$crate")"
done
for round in $(seq 1 "$ROUNDS"); do
    for crate in "$ours" "$theirs"; do
        rm -rf "$crate/target"
        timed "$crate" "clean debug build (round $round)" cargo build --offline
        clean[$crate]+="$TIMED "
        for rebuild in 1 2; do
            edit "$crate"
            timed "$crate" "incremental debug rebuild $rebuild (round $round)" cargo build --offline
            incremental[$crate]+="$TIMED "
        done
        echo "build round $round $crate: clean ${clean[$crate]}s; incremental ${incremental[$crate]}s" >&2
    done
done
declare -A release size
for crate in "$ours" "$theirs"; do
    cp "$(copy "$crate")" "$crate/src/main.rs"
    timed "$crate" "clean release build" cargo build --offline --release
    release[$crate]="$TIMED"
    size[$crate]=$(stat -c %s "$crate/target/release/$(binary "$crate")")
done

row() { # name, ours, rmcp
    printf '| %s | %.2f | %.2f | %.2f× |\n' "$1" "$2" "$3" "$(echo "$2 / $3" | bc -l)"
}
m() { tr ' ' '\n' | grep . | median; }
echo "| two-tool stdio server | ours | rmcp | ours ÷ rmcp |"
echo "|---|---:|---:|---:|"
row "clean debug build, s (median of $ROUNDS)" "$(echo "${clean[$ours]}" | m)" "$(echo "${clean[$theirs]}" | m)"
row "incremental debug rebuild after editing a tool, s (median of $((ROUNDS * 2)))" \
    "$(echo "${incremental[$ours]}" | m)" "$(echo "${incremental[$theirs]}" | m)"
row "clean release build, s" "${release[$ours]}" "${release[$theirs]}"
row "release binary, MiB" "$(echo "${size[$ours]} / 1048576" | bc -l)" \
    "$(echo "${size[$theirs]} / 1048576" | bc -l)"
