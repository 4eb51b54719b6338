#pragma once

// Catch2 v2 has no SKIP, and a test that returns early when it cannot run
// here (a missing program, root's power to read any file) would pass without
// testing anything. Such a test calls skip_test and returns instead. The
// program then ends with the skip status (tests/CMakeLists.txt) unless a test
// failed: CTest runs each test case in a process of its own and reports that
// status as skipped (SKIP_RETURN_CODE). A run of the program by hand lists
// the skipped cases at its end, and its status is nonzero then too.

#include <string>

namespace tinynn::test {

// Records that the running test case was skipped, and why, and says so on
// stdout; the caller returns.
void skip_test(const std::string& reason);

// The program's exit status after Catch2's session returned `catch_status`.
int exit_status(int catch_status);

}  // namespace tinynn::test
