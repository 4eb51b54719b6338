#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/CMakeLists.txt, clang with
# AddressSanitizer and UndefinedBehaviorSanitizer) and runs each from its seed
# corpus for a bounded time. Any crash, sanitizer report, leak, timeout or
# out-of-memory fails the script; libFuzzer saves the input under
# $FUZZ_BUILD_DIR/artifacts/<target>/, and the fix adds it to
# tests/fuzz/corpus/<target>/ as a regression seed.
#
#   bash tests/fuzz/run.sh [target ...]     (default: safetensors config csv)
# FUZZ_SECONDS (default 30) bounds each target's run; FUZZ_BUILD_DIR
# (default build-fuzz) is where it builds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

build=${FUZZ_BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-30}
targets=("$@")
if ((${#targets[@]} == 0)); then
    targets=(safetensors config csv)
fi

cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ > /dev/null
cmake --build "$build"

# Leaks fail the run too; -fno-sanitize-recover makes any UBSan report fatal.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
for target in "${targets[@]}"; do
    seeds=tests/fuzz/corpus/$target
    # New inputs go to a scratch corpus so the run leaves the repository as it
    # was; the seeds are read from the second directory.
    work=$build/corpus/$target
    artifacts=$build/artifacts/$target
    rm -rf "$work"
    mkdir -p "$work" "$artifacts"
    echo "fuzz: $target for ${seconds}s from $(find "$seeds" -type f | wc -l) seeds"
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: an input
    # that makes a loader take 2 GiB is a memory blow-up the limits should stop.
    if ! "$build/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "$work" "$seeds" > "$build/fuzz_$target.log" 2>&1; then
        tail -n 60 "$build/fuzz_$target.log"
        echo "fuzz: $target FAILED; the input is in $artifacts/" >&2
        status=1
        continue
    fi
    grep -E '^stat::number_of_executed_units|^Done' "$build/fuzz_$target.log" || true
    echo "fuzz: $target passed"
done
exit "$status"
