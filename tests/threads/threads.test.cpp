// tinynn::set_num_threads / get_num_threads and TINYNN_NUM_THREADS. No
// timings: what is checked is that the setting is kept and read back.

#include <cstdlib>
#include <optional>
#include <string>

#include <catch2/catch.hpp>
#include <tinynn/error.hpp>
#include <tinynn/threads.hpp>

namespace {

// Restores TINYNN_NUM_THREADS as it was, so the other tests (and the
// first-use path of get_num_threads) see the process's own environment.
class EnvGuard {
  public:
    EnvGuard() {
        if (const char* v = std::getenv("TINYNN_NUM_THREADS"))
            saved_ = v;
    }
    ~EnvGuard() {
        if (saved_)
            setenv("TINYNN_NUM_THREADS", saved_->c_str(), 1);
        else
            unsetenv("TINYNN_NUM_THREADS");
    }
    EnvGuard(const EnvGuard&) = delete;
    EnvGuard& operator=(const EnvGuard&) = delete;

  private:
    std::optional<std::string> saved_;
};

}  // namespace

TEST_CASE("set_num_threads round trips through get_num_threads", "[threads]") {
    const int before = tinynn::get_num_threads();
    CHECK(before >= 1);
    tinynn::set_num_threads(1);
    CHECK(tinynn::get_num_threads() == 1);
    // More threads than cores is allowed, as in torch.set_num_threads.
    tinynn::set_num_threads(3);
    CHECK(tinynn::get_num_threads() == 3);
    tinynn::set_num_threads(before);
    CHECK(tinynn::get_num_threads() == before);
}

TEST_CASE("set_num_threads rejects counts below one", "[threads]") {
    const int before = tinynn::get_num_threads();
    CHECK_THROWS_AS(tinynn::set_num_threads(0), tinynn::Error);
    CHECK_THROWS_AS(tinynn::set_num_threads(-2), tinynn::Error);
    CHECK(tinynn::get_num_threads() == before);
}

TEST_CASE("TINYNN_NUM_THREADS is parsed as a positive integer", "[threads][env]") {
    // Catch2 runs the tests on one thread and the environment is restored
    // afterwards, so setenv here races with nothing.
    const EnvGuard guard;
    unsetenv("TINYNN_NUM_THREADS");
    CHECK_FALSE(tinynn::detail::num_threads_from_env().has_value());
    setenv("TINYNN_NUM_THREADS", "", 1);
    CHECK_FALSE(tinynn::detail::num_threads_from_env().has_value());
    setenv("TINYNN_NUM_THREADS", "2", 1);
    CHECK(tinynn::detail::num_threads_from_env() == 2);
    for (const char* bad : {"0", "-1", "two", "2x", "99999999999"}) {
        INFO("TINYNN_NUM_THREADS=" << bad);
        setenv("TINYNN_NUM_THREADS", bad, 1);
        CHECK_THROWS_WITH(tinynn::detail::num_threads_from_env(),
                          Catch::Contains("TINYNN_NUM_THREADS"));
    }
}
