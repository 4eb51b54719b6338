# CTest learns the Catch2 test names through CMake lists, where ';' splits a
# name and an unbalanced '[' swallows the names after it: such tests would
# silently never run; a name starting with '-' is taken for an option. This
# fails the suite when a name has any of them.
# (Catch2 v2 exits with the number of tests listed, so the status says nothing.)
execute_process(COMMAND ${TEST_BINARY} --list-test-names-only OUTPUT_VARIABLE names)
if(names STREQUAL "")
  message(FATAL_ERROR "${TEST_BINARY} --list-test-names-only listed no tests")
endif()
string(REPLACE "\n" "|" names "${names}")
if(names MATCHES "[][;]" OR "|${names}" MATCHES "\\|-")
  message(FATAL_ERROR "Catch2 test names must not contain '[', ']' or ';', nor start with '-':\n${names}")
endif()
