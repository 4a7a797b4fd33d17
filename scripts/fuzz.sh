#!/usr/bin/env bash
# Builds Coffer's libFuzzer executable (the package in Fuzz/, with -sanitize=fuzzer,address and its own
# scratch path .build-fuzz) and runs each fuzz target for SECONDS from its seeds in Fuzz/corpus/<target>/
# plus the inputs earlier runs found (.fuzz/corpus/<target>/, not kept in git). Every crash, leak,
# timeout or out-of-memory input is copied to Fuzz/regressions/<target>/, which `make test` replays;
# the script then exits 1.
#   scripts/fuzz.sh [SECONDS] [TARGET...]   default: 60 seconds, every target (make fuzz FUZZ_SECONDS=N);
#                                           0 builds (and rewrites the seeds) without fuzzing
#   scripts/fuzz.sh --seeds                 only rewrite the seed files from the seed generator
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin="$root/.build-fuzz/release/coffer-fuzz"

build() {
    echo "fuzz: building (-sanitize=fuzzer,address)" >&2
    local log="$root/.fuzz/build.log"
    mkdir -p "$root/.fuzz"
    # lld: gold warns about every ASan helper symbol. The log keeps the details of a failed build.
    # When a source file of the root package has gone, SwiftPM's first build here can still plan with
    # the old file list ("missing inputs"); a second build plans afresh.
    local attempt
    for attempt in 1 2; do
        if swift build --package-path Fuzz --scratch-path "$root/.build-fuzz" -c release \
                -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld >"$log" 2>&1; then
            break
        fi
        [ "$attempt" -eq 1 ] && grep -q 'missing inputs' "$log" && continue
        grep -E 'error|warning: unre' "$log" >&2 || tail -20 "$log" >&2
        echo "fuzz: build failed (full log: $log)" >&2
        exit 1
    done
    "$bin" --write-seeds "$root/Fuzz/corpus"
}

if [ "${1:-}" = "--seeds" ]; then
    build
    echo "fuzz: seeds written to Fuzz/corpus/" >&2
    exit 0
fi

seconds=${1:-60}
shift || true
case $seconds in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...] | --seeds" >&2; exit 64 ;; esac
build
if [ "$seconds" -eq 0 ]; then
    # libFuzzer reads -max_total_time=0 as "no limit".
    echo "fuzz: built $bin; nothing run" >&2
    exit 0
fi
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <("$bin" --list); fi

found=()
summary="$root/.fuzz/summary.txt"
: >"$summary"
for target in "${targets[@]}"; do
    work="$root/.fuzz/corpus/$target"
    artifacts="$root/.fuzz/artifacts/$target"
    log="$root/.fuzz/$target.log"
    rm -rf "$artifacts"
    mkdir -p "$work" "$artifacts" "$root/Fuzz/corpus/$target"
    echo "fuzz: $target for ${seconds}s (log: .fuzz/$target.log)" >&2
    status=0
    # Swift's own backtracer would catch the crash before libFuzzer writes the input out. Without
    # allocation stacks ASan runs a quarter faster; replaying a crasher (Fuzz/README.md) shows them.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0} "$bin" "$target" -max_total_time="$seconds" -timeout=20 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$work" "$root/Fuzz/corpus/$target" >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    line="$target: ${runs:-?} executions in ${seconds}s, ${coverage:-no coverage line}, exit $status"
    shopt -s nullglob
    for artifact in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
        mkdir -p "$root/Fuzz/regressions/$target"
        cp "$artifact" "$root/Fuzz/regressions/$target/"
        found+=("Fuzz/regressions/$target/$(basename "$artifact")")
        line="$line, kept $(basename "$artifact")"
    done
    shopt -u nullglob
    if [ "$status" -ne 0 ] && [ ${#found[@]} -eq 0 ]; then
        tail -30 "$log" >&2
        echo "fuzz: $target stopped with status $status and no input to keep" >&2
        exit 1
    fi
    echo "$line" | tee -a "$summary"
done

if [ ${#found[@]} -gt 0 ]; then
    echo "fuzz: ${#found[@]} failing input(s) kept; the stacks are in .fuzz/<target>.log:" >&2
    printf '  %s\n' "${found[@]}" >&2
    exit 1
fi
echo "fuzz: no crashes" >&2
