// The team that runs split jobs (threads/team.hpp): every part runs once,
// part i on its own worker or the caller, jobs from inside a part or from two
// threads at once complete on the calling thread, and a part's exception
// reaches the caller. No timings.

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "threads/team.hpp"

using tinynn::detail::part_range;
using tinynn::detail::run_parts;

TEST_CASE("Every part runs exactly once", "[threads][team]") {
    for (int parts = 1; parts <= 4; ++parts) {
        INFO(parts << " parts");
        std::vector<std::atomic<int>> runs(static_cast<size_t>(parts));
        for (int job = 0; job < 100; ++job)
            run_parts(parts, [&](int p) { runs[static_cast<size_t>(p)].fetch_add(1); });
        for (const auto& r : runs)
            CHECK(r.load() == 100);
    }
}

TEST_CASE("Part 0 runs on the caller, part i on worker i or on the caller", "[threads][team]") {
    // The caller runs a part its worker has not started in time, so which
    // parts it runs depends on timing; no other thread ever runs them.
    const auto caller = std::this_thread::get_id();
    std::vector<std::set<std::thread::id>> seen(3);
    for (int job = 0; job < 50; ++job)
        run_parts(3,
                  [&](int p) { seen[static_cast<size_t>(p)].insert(std::this_thread::get_id()); });
    CHECK(seen[0] == std::set{caller});
    for (auto& s : seen)
        s.erase(caller);
    CHECK(seen[1].size() <= 1);
    CHECK(seen[2].size() <= 1);
    if (!seen[1].empty() && !seen[2].empty())
        CHECK(seen[1] != seen[2]);
}

TEST_CASE("A job asked for inside a part runs on that part's thread", "[threads][team]") {
    std::atomic<int> inner{0};
    run_parts(2, [&](int) {
        const auto outer = std::this_thread::get_id();
        run_parts(2, [&](int) {
            CHECK(std::this_thread::get_id() == outer);
            inner.fetch_add(1);
        });
    });
    CHECK(inner.load() == 4);
}

TEST_CASE("Jobs from two threads at once all complete", "[threads][team]") {
    std::atomic<long> total{0};
    const auto submit = [&] {
        for (int job = 0; job < 2000; ++job)
            run_parts(2, [&](int p) { total.fetch_add(p + 1); });
    };
    std::thread other(submit);
    submit();
    other.join();
    CHECK(total.load() == 2 * 2000 * 3);
}

TEST_CASE("A part's exception reaches the caller and the team goes on", "[threads][team]") {
    CHECK_THROWS_WITH(run_parts(2,
                                [](int p) {
                                    if (p == 1)
                                        throw std::runtime_error("part 1 failed");
                                }),
                      "part 1 failed");
    std::atomic<int> runs{0};
    run_parts(2, [&](int) { runs.fetch_add(1); });
    CHECK(runs.load() == 2);
}

TEST_CASE("Parts cover the range in order, cut at multiples of 16", "[threads][team]") {
    for (int64_t n : {0, 1, 15, 16, 17, 100, 256, 784, 1000}) {
        for (int parts = 1; parts <= 5; ++parts) {
            INFO("n " << n << ", " << parts << " parts");
            int64_t next = 0;
            for (int p = 0; p < parts; ++p) {
                const auto [lo, hi] = part_range(n, p, parts);
                CHECK(lo == next);
                CHECK(hi >= lo);
                if (hi != n)
                    CHECK(hi % 16 == 0);
                next = hi;
            }
            CHECK(next == n);
        }
    }
    // Even cuts where the sizes allow: W3's 256 features on two threads.
    CHECK(part_range(256, 0, 2) == std::pair<int64_t, int64_t>{0, 128});
    CHECK(part_range(256, 1, 2) == std::pair<int64_t, int64_t>{128, 256});
}
