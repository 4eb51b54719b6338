#pragma once

// Work split over tinynn's threads. A job is cut into parts, part 0 runs on
// the calling thread and part i on the team's worker i, the same worker every
// time (unless it is late: then the caller runs it): a layer's forward, its
// backward and the optimiser step all cut a weight matrix's rows the same
// way, so each core keeps reading what it wrote itself. Letting OpenBLAS thread each product
// instead moved every gradient between the cores, and a 784-256-256-10 step got no faster on two
// threads (bench/README.md).

#include <cstdint>
#include <utility>

namespace tinynn::detail {

// A callable taking the part's index, held by reference: no allocation per job.
class PartFn {
  public:
    template <class F>
    PartFn(const F& f)  // NOLINT(google-explicit-constructor): passed as a lambda
        : object_(&f), call_([](const void* o, int part) { (*static_cast<const F*>(o))(part); }) {}
    void operator()(int part) const { call_(object_, part); }

  private:
    const void* object_;
    void (*call_)(const void*, int);
};

// Runs part(0) ... part(parts - 1), each once, and returns when all are done
// (rethrowing the first exception a part threw). When the team is busy with
// another thread's job, or a part itself asks for a split, the parts run one
// after another on the calling thread: the same cuts, so the same result.
void run_parts(int parts, PartFn part);

// Into how many parts to cut a job of `work` (multiply-adds, or elements):
// tinynn's thread count, or 1 below `serial_below`, where waking the team
// costs more than it gains.
int parts_for(double work, double serial_below);

// Multiply-adds (rows * cols * depth) below which a matrix product stays on
// the calling thread. Measured through tinynn::matmul with OpenBLAS on two
// idle AVX-512 cores (median us, one thread / two): 128x128x128 (2.1 M)
// 22.1 / 20.3, 128x256x128 (4.2 M) 43.4 / 32.0, 128x256x256 (8.4 M) 85 / 57.
// All of a 2-64-64-3 MLP's products at batch 32 (0.13 M) stay below it.
inline constexpr double kSerialProductWork = 2.0e6;

// [begin, end) of part `part` of n items cut into `parts`, the cuts rounded
// to multiples of `align` (16 floats: one cache line, so no two threads write
// one line).
std::pair<int64_t, int64_t> part_range(int64_t n, int part, int parts, int64_t align = 16);

}  // namespace tinynn::detail
