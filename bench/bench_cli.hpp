#pragma once

// What the benchmark programs share (tinynn_bench and the peers FANN and
// dlib): their options and the JSON list of rates run.sh reads.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

struct BenchOptions {
    std::string workload;
    int threads = 1;
    int repeats = 5;
    bool quick = false;  // a smoke run: a fraction of the work, same shapes
};

// [--threads N] [--repeats R] [--quick] from argv[first] on (--threads only
// when `with_threads`); false on anything else or a repeat count under 1.
inline bool parse_bench_options(int argc, char** argv, int first, bool with_threads,
                                BenchOptions& o) {
    for (int i = first; i < argc; ++i) {
        const std::string arg = argv[i];
        if (with_threads && arg == "--threads" && i + 1 < argc)
            o.threads = std::atoi(argv[++i]);
        else if (arg == "--repeats" && i + 1 < argc)
            o.repeats = std::atoi(argv[++i]);
        else if (arg == "--quick")
            o.quick = true;
        else
            return false;
    }
    return o.repeats >= 1;
}

// [v0, v1, ...] with 6 significant digits.
inline std::string json_list(const std::vector<double>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%s%.6g", i ? ", " : "", v[i]);
        s += buf;
    }
    return s + "]";
}
