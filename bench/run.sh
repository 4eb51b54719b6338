#!/usr/bin/env bash
# tinynn against PyTorch on the four workloads of bench/README.md, at 1 and 2
# threads, and against the C and C++ peers FANN (W1) and dlib (W2, W3) where
# their Debian packages are installed (.ci/install-deps --with-peers); plus
# whole-process comparisons of `tinynn train configs/xor.yaml` and of the
# README's `tinynn compare` against bench/torch_compare.py.
#
#   bench/run.sh            # full run (about 10-15 minutes on 2 cores)
#   QUICK=1 bench/run.sh    # smoke run: 2 repeats, a fraction of the work
#   TINYNN_BLAS=OFF bench/run.sh  # tinynn on Eigen's own products (build-bench-eigen/)
#
# Builds a Release tree in build-bench/, prints the table and writes
# build-bench/results.json (raw figures in build-bench/results.jsonl).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
blas=${TINYNN_BLAS:-ON}
build="$root/build-bench$([[ "$blas" == ON ]] || echo -eigen)"
quick=${QUICK:-0}
if [[ "$quick" == 1 ]]; then
    repeats=2
    quick_flag=(--quick)
else
    repeats=5
    quick_flag=()
fi
python=/usr/bin/python3

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTINYNN_BUILD_BENCH=ON \
    -DTINYNN_BUILD_TESTS=OFF -DTINYNN_BUILD_EXAMPLES=OFF -DTINYNN_BLAS="$blas" >/dev/null
cmake --build "$build" -j "$(nproc)" --target tinynn_bench tinynn_cli bench_peers >/dev/null
bench="$build/bench/tinynn_bench"
cli="$build/apps/tinynn"

# The peers this configure found (bench/CMakeLists.txt lists them); one
# that is absent is skipped, never stood in for.
have_peer() { grep -qx "$1" "$build/bench/peers.txt"; }
have_peer fann_bench || echo "FANN not found (libfann-dev): W1 without its C peer." >&2
have_peer dlib_bench || echo "dlib not found (libdlib-dev): W2 and W3 without their C++ peer." >&2

have_torch=0
if "$python" -c "import torch" 2>/dev/null; then
    have_torch=1
else
    echo "PyTorch not found ($python -c 'import torch' failed): tinynn's figures alone." >&2
fi

# PyTorch multiplies matrices with whatever libblas.so.3 the system selects;
# a machine with python3-torch installed without recommends has the
# reference BLAS (~3 GFLOP/s), which would make any comparison meaningless.
# Debian's OpenBLAS is used for PyTorch's runs alone when it is installed,
# without changing the system's choice.
openblas_dir=/usr/lib/x86_64-linux-gnu/openblas-pthread
torch_blas="system libblas.so.3 ($(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown))"
torch_ld=()
if [[ -e "$openblas_dir/libblas.so.3" ]]; then
    torch_ld=(LD_LIBRARY_PATH="$openblas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
    torch_blas="OpenBLAS ($(cd "$openblas_dir" && ls libopenblas*-r*.so 2>/dev/null || echo libopenblas))"
elif [[ "$have_torch" == 1 ]]; then
    echo "WARNING: Debian's OpenBLAS (libopenblas0-pthread) is not installed; PyTorch runs on" \
        "$torch_blas, far below its best. apt-get install libopenblas0-pthread for a fair run." >&2
fi

# Both frameworks multiply through OpenBLAS (tinynn unless TINYNN_BLAS=OFF):
# the variables that force it onto slower kernels are unset for the
# benchmark commands only (shared/BENCHMARKING.md).
fair_blas=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)

# PyTorch at its fair settings, with OpenBLAS's own thread count set as
# torch.set_num_threads does not, and glibc told to keep freed memory:
# PyTorch's CPU allocator hands every tensor back to malloc, and glibc returns
# blocks of a few MiB to the OS, so without this a fresh PyTorch process pays
# page faults for several epochs (W3: ~45,000 instead of ~100,000 samples/s;
# tinynn keeps such blocks in its own pool, see README).
torch_malloc=GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456
torch_env() {  # torch_env THREADS_TORCH THREADS_BLAS [VAR=VALUE...]
    local tt=$1 tb=$2
    shift 2
    echo "${fair_blas[@]}" "${torch_ld[@]}" "$torch_malloc" \
        OPENBLAS_NUM_THREADS="$tb" OMP_NUM_THREADS="$tt" "$@"
}

raw="$build/results.jsonl"
: >"$raw"
# The whole-process runs' outputs are kept for the table; an earlier run's
# must not stand in for a side that does not run now.
rm -f "$build"/process-*.out "$build"/compare-*.out
record() {  # record VARIANT COMMAND...: appends the command's JSON, tagged
    local variant=$1
    shift
    local line
    line=$("$@")
    echo "${line%\}}, \"variant\": \"$variant\"}" >>"$raw"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $load_before" >&2
for t in 1 2; do
    for w in w1 w2 w3 w4 gemm sum1e3 sum1e5 sum1e7; do
        echo "threads $t: $w" >&2
        # Repeats interleaved, one process each, so both sides see the same
        # share of whatever else the machine is doing.
        for ((r = 0; r < repeats; ++r)); do
            # tinynn's threads are its own (--threads); OpenBLAS stays on
            # the calling thread.
            record tinynn "${fair_blas[@]}" \
                "$bench" "$w" --threads "$t" --repeats 1 "${quick_flag[@]}"
            # FANN runs on one thread whatever it is given, so it has a
            # 1-thread figure only. dlib multiplies through OpenBLAS, whose
            # threads only OPENBLAS_NUM_THREADS sets.
            if [[ "$w" == w1 && "$t" == 1 ]] && have_peer fann_bench; then
                record fann "${fair_blas[@]}" "$build/bench/fann_bench" --repeats 1 "${quick_flag[@]}"
            fi
            if [[ "$w" == w2 || "$w" == w3 ]] && have_peer dlib_bench; then
                record dlib "${fair_blas[@]}" OPENBLAS_NUM_THREADS="$t" "$build/bench/dlib_bench" \
                    "$w" --threads "$t" --repeats 1 "${quick_flag[@]}"
            fi
            [[ "$have_torch" == 1 && "$w" != gemm ]] || continue
            if [[ "$t" == 1 ]]; then
                record torch1 $(torch_env 1 1) "$python" "$root/bench/torch_bench.py" "$w" \
                    --threads 1 --repeats 1 "${quick_flag[@]}"
            else
                # Three ways of giving PyTorch two cores; the best one counts.
                record torch2 $(torch_env 2 2) "$python" "$root/bench/torch_bench.py" "$w" \
                    --threads 2 --repeats 1 "${quick_flag[@]}"
                record torch2-passive $(torch_env 2 2 OMP_WAIT_POLICY=PASSIVE) "$python" \
                    "$root/bench/torch_bench.py" "$w" --threads 2 --repeats 1 "${quick_flag[@]}"
                record torch1-blas2 $(torch_env 1 2) "$python" "$root/bench/torch_bench.py" "$w" \
                    --threads 1 --repeats 1 "${quick_flag[@]}"
            fi
        done
    done
done

# Whole process: the toy config through the command, against the same run in
# PyTorch; wall time and peak RSS from GNU time. One thread each: the toy
# products are far too small to gain from a second.
process_runs=$((quick == 1 ? 1 : 5))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
time_process() {  # time_process NAME WORKLOAD COMMAND...: its output kept in $build
    local name=$1 workload=$2
    shift 2
    rm -rf "$tmp/out"
    /usr/bin/time -v "$@" >"$build/$workload-$name.out" 2>"$tmp/time.txt"
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; ++i) s = s * 60 + p[i]; print s }' \
        "$tmp/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
    echo "{\"framework\": \"$name\", \"workload\": \"$workload\", \"threads\": 1," \
        "\"wall_s\": $wall, \"max_rss_kib\": $rss}" >>"$raw"
}
echo "whole process" >&2
for ((r = 0; r < process_runs; ++r)); do
    time_process tinynn process "${fair_blas[@]}" TINYNN_NUM_THREADS=1 "$cli" train \
        "$root/configs/xor.yaml" --quiet --out "$tmp/out"
    if [[ "$have_torch" == 1 ]]; then
        time_process pytorch process $(torch_env 1 1) "$python" "$root/bench/torch_xor_train.py" \
            "$tmp/out"
    fi
done
# The README's first command against the same experiments as a plain
# PyTorch script, whole processes. One thread each: tinynn's compare with
# --jobs 1 (one run at a time, its products on one thread), PyTorch with
# torch.set_num_threads(1) and OMP/OpenBLAS at 1.
echo "compare end to end" >&2
compare_configs=("$root/configs/compare/deep.yaml" "$root/configs/compare/dead_relu.yaml")
for ((r = 0; r < process_runs; ++r)); do
    time_process tinynn compare "${fair_blas[@]}" TINYNN_NUM_THREADS=1 "$cli" compare \
        "${compare_configs[@]}" --jobs 1 --out "$tmp/out"
    if [[ "$have_torch" == 1 ]]; then
        time_process pytorch compare $(torch_env 1 1) "$python" "$root/bench/torch_compare.py" \
            "$tmp/out" "${compare_configs[@]}"
    fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average after: $load_after" >&2

"$python" - "$raw" "$build" "$torch_blas" "$quick" "$load_before" "$load_after" <<'EOF'
import json
import os
import statistics
import sys

raw, build, torch_blas, quick, load_before, load_after = sys.argv[1:]
out_path = os.path.join(build, "results.json")
rows = [json.loads(line) for line in open(raw)]


def median(xs):
    return statistics.median(xs) if xs else None


def values(framework, workload, threads, variant=None, key="values"):
    xs = []
    for r in rows:
        if (r["framework"] == framework and r["workload"] == workload and r["threads"] == threads
                and (variant is None or r.get("variant") == variant)):
            xs.extend(r[key] if isinstance(r[key], list) else [r[key]])
    return xs


# Each workload's C or C++ peer, where it has one: FANN trains one sample
# or the whole set per step, not minibatches, so it has W1 only; dlib is
# the peer for W2 and W3 (issue 17).
peers = {"w1": "fann", "w2": "dlib", "w3": "dlib"}
names = {"w1": "W1 toy XOR 2-8-1 (steps/s)", "w2": "W2 spiral 2-64-64-3 (samples/s)",
         "w3": "W3 784-256-256-10 (samples/s)", "w4": "W4 1024x3 MLP (GFLOP/s)",
         "gemm": "2048^2 sgemm peak, tinynn's product (GFLOP/s)",
         "sum1e3": "mean of 1e3 floats (Gvalues/s)", "sum1e5": "mean of 1e5 floats (Gvalues/s)",
         "sum1e7": "mean of 1e7 floats (Gvalues/s)"}
table = []
for t in (1, 2):
    peak = median(values("tinynn", "gemm", t))
    for w in ("w1", "w2", "w3", "w4", "gemm", "sum1e3", "sum1e5", "sum1e7"):
        ours = median(values("tinynn", w, t))
        theirs, chosen = None, None
        for v in (["torch1"] if t == 1 else ["torch2", "torch2-passive", "torch1-blas2"]):
            m = median(values("pytorch", w, t if v != "torch1-blas2" else 1, v))
            if m is not None and (theirs is None or m > theirs):
                theirs, chosen = m, v
        note = ""
        if w == "w3":
            note = "tinynn %.1f GFLOP/s" % median(values("tinynn", w, t, key="gflops"))
            if theirs:
                note += ", PyTorch %.1f" % median(values("pytorch", w, t if chosen != "torch1-blas2" else 1,
                                                           chosen, key="gflops"))
        if w == "w4" and peak:
            note = "%.0f %% of tinynn's measured peak" % (100 * ours / peak)
        if chosen and t == 2:
            note = (note + "; " if note else "") + "PyTorch best: " + chosen
        peer = median(values(peers[w], w, t)) if w in peers else None
        table.append({"workload": w, "name": names[w], "threads": t, "tinynn": ours,
                      "pytorch": theirs, "ratio": ours / theirs if theirs else None,
                      "pytorch_variant": chosen, "peer_name": peers.get(w) if peer else None,
                      "peer": peer, "peer_ratio": ours / peer if peer else None, "note": note})

proc = {"process": {}, "compare": {}}
for kind, by_fw in proc.items():
    for fw in ("tinynn", "pytorch"):
        wall = values(fw, kind, 1, key="wall_s")
        rss = values(fw, kind, 1, key="max_rss_kib")
        if wall:
            by_fw[fw] = {"wall_s": median(wall), "max_rss_mib": median(rss) / 1024}


# The compare's final losses on both sides, so that the timing is seen to
# compare runs that learnt the same: tinynn's verdict line and the PyTorch
# script's per-activation lines, from the last timed run of each.
def lines_of(name, keep):
    path = os.path.join(build, "compare-%s.out" % name)
    return [l.rstrip() for l in open(path) if keep(l)] if os.path.exists(path) else []


final_losses = {
    "tinynn": lines_of("tinynn", lambda l: ": comparing " in l or l.startswith("- By final test")),
    "pytorch": lines_of("pytorch", lambda l: "final train loss" in l)}

with open(out_path, "w") as f:
    json.dump({"quick": quick == "1", "torch_blas": torch_blas, "load_before": load_before,
               "load_after": load_after, "table": table, "process": proc["process"],
               "compare": proc["compare"], "compare_final_losses": final_losses, "raw": rows},
              f, indent=1)


def fmt(x):
    if x is None:
        return "-"
    return "{:,.0f}".format(x) if x >= 1000 else "{:.1f}".format(x) if x >= 10 else "{:.2f}".format(x)


def ratio(x):
    return "-" if x is None else "%.2fx" % x


print("| workload | threads | tinynn median | PyTorch median | ratio | C/C++ peer median |"
      " tinynn / peer | notes |")
print("|---|---|---|---|---|---|---|---|")
for r in table:
    peer = "%s %s" % (fmt(r["peer"]), r["peer_name"]) if r["peer"] else "-"
    print("| %s | %d | %s | %s | %s | %s | %s | %s |"
          % (r["name"], r["threads"], fmt(r["tinynn"]), fmt(r["pytorch"]), ratio(r["ratio"]),
             peer, ratio(r["peer_ratio"]), r["note"]))
for kind, what in (("process", "`tinynn train configs/xor.yaml`"),
                   ("compare", "`tinynn compare deep dead_relu --jobs 1` vs torch_compare.py")):
    t = proc[kind].get("tinynn")
    p = proc[kind].get("pytorch")
    if t is None:
        continue
    print("| whole process %s, wall s | 1 | %.3f | %s | %s | | | |"
          % (what, t["wall_s"], "%.3f" % p["wall_s"] if p else "-",
             "1/%.1f" % (p["wall_s"] / t["wall_s"]) if p else "-"))
    print("| whole process %s, peak RSS MiB | 1 | %.1f | %s | %s | | | |"
          % (what, t["max_rss_mib"], "%.1f" % p["max_rss_mib"] if p else "-",
             "1/%.1f" % (p["max_rss_mib"] / t["max_rss_mib"]) if p else "-"))
for fw, lines in final_losses.items():
    if lines:
        print("\ncompare's final losses, %s:\n  %s" % (fw, "\n  ".join(lines)))
products = sorted({r.get("product", "?") for r in rows if r["framework"] == "tinynn" and "product" in r})
print("\ntinynn's matrix product: %s." % ", ".join(products))
print("PyTorch's BLAS: %s. Ratios are tinynn / PyTorch and tinynn / peer (higher is better"
      " for tinynn); for the process rows, tinynn's share of PyTorch's." % torch_blas)
print("Load average (1, 5, 15 min) before: %s; after: %s." % (load_before, load_after))
print("results: %s" % out_path)
EOF
