#include "support/skip.hpp"

#include <algorithm>
#include <iostream>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace tinynn::test {

namespace {
// (test case, reason), in the order they were skipped.
std::vector<std::pair<std::string, std::string>>& skipped() {
    static std::vector<std::pair<std::string, std::string>> cases;
    return cases;
}
}  // namespace

void skip_test(const std::string& reason) {
    const std::string name = Catch::getResultCapture().getCurrentTestName();
    // Catch2 runs a test case once per section: it is reported once.
    if (std::any_of(skipped().begin(), skipped().end(),
                    [&](const auto& s) { return s.first == name; }))
        return;
    skipped().emplace_back(name, reason);
    std::cout << "SKIPPED: " << name << ": " << reason << std::endl;
}

int exit_status(int catch_status) {
    constexpr int kSkipped = TINYNN_TEST_SKIP_STATUS;
    if (!skipped().empty()) {
        std::cout << skipped().size() << " test case(s) skipped:\n";
        for (const auto& [name, reason] : skipped())
            std::cout << "  " << name << ": " << reason << '\n';
        std::cout << std::flush;
    }
    // Catch2's status is the number of failed assertions, which must not
    // read as a skip.
    if (catch_status != 0)
        return catch_status == kSkipped ? kSkipped + 1 : catch_status;
    return skipped().empty() ? 0 : kSkipped;
}

}  // namespace tinynn::test
