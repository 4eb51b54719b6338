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

TEST_CASE("set_num_threads rejects counts outside 1 to 1024", "[threads]") {
    const int before = tinynn::get_num_threads();
    CHECK_THROWS_AS(tinynn::set_num_threads(0), tinynn::Error);
    CHECK_THROWS_AS(tinynn::set_num_threads(-2), tinynn::Error);
    CHECK_THROWS_WITH(tinynn::set_num_threads(1025), Catch::Contains("1 to 1024"));
    CHECK(tinynn::get_num_threads() == before);
}

TEST_CASE("TINYNN_NUM_THREADS is a whole number from 1 to 1024", "[threads][env]") {
    // Catch2 runs the tests on one thread and the environment is restored
    // afterwards, so setenv here races with nothing.
    const EnvGuard guard;
    unsetenv("TINYNN_NUM_THREADS");
    CHECK_FALSE(tinynn::num_threads_from_environment().has_value());
    setenv("TINYNN_NUM_THREADS", "2", 1);
    CHECK(tinynn::num_threads_from_environment() == 2);
    setenv("TINYNN_NUM_THREADS", "1024", 1);
    CHECK(tinynn::num_threads_from_environment() == 1024);
    for (const char* bad : {"", "0", "-1", "1025", "99999999", "99999999999", "abc", "2x", " 4",
                            "4 ", "+4", "0x10"}) {
        INFO("TINYNN_NUM_THREADS='" << bad << "'");
        setenv("TINYNN_NUM_THREADS", bad, 1);
        CHECK_THROWS_WITH(tinynn::num_threads_from_environment(),
                          Catch::Contains("TINYNN_NUM_THREADS") && Catch::Contains("1 to 1024") &&
                              Catch::Contains(std::string("got '") + bad + "'"));
    }
    // The value is quoted escaped and cut short: it is the user's text.
    setenv("TINYNN_NUM_THREADS", ("7\x1b[2J\n" + std::string(10'000, '9')).c_str(), 1);
    try {
        tinynn::num_threads_from_environment();
        FAIL("no error");
    } catch (const tinynn::Error& e) {
        const std::string message = e.what();
        CHECK_THAT(message, Catch::Contains("'7\\x1b[2J\\n999"));
        CHECK(message.find('\x1b') == std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
        CHECK(message.size() < 200);
    }
}
