# CTest learns the Catch2 test names through CMake lists, where ';' splits a
# name and an unbalanced '[' swallows the names after it: such tests would
# silently never run; a name starting with '-' is taken for an option. The
# test programs (TEST_BINARIES, a list) register their cases in one CTest
# namespace, where a name in two of them would be two tests that reports and
# -R cannot tell apart. This fails the suite when a name has any of these
# problems.
# (Catch2 v2 exits with the number of tests listed, so the status says nothing.)
cmake_minimum_required(VERSION 3.25)

set(all_names "")
foreach(binary IN LISTS TEST_BINARIES)
  execute_process(COMMAND ${binary} --list-test-names-only OUTPUT_VARIABLE names)
  if(names STREQUAL "")
    message(FATAL_ERROR "${binary} --list-test-names-only listed no tests")
  endif()
  string(REPLACE "\n" "|" names "${names}")
  if(names MATCHES "[][;]" OR "|${names}" MATCHES "\\|-")
    message(FATAL_ERROR "Catch2 test names must not contain '[', ']' or ';', nor start with '-':\n${names}")
  endif()
  string(REPLACE "|" ";" names "${names}")
  list(APPEND all_names ${names})
endforeach()
set(seen "")
foreach(name IN LISTS all_names)
  if(name IN_LIST seen)
    message(FATAL_ERROR "the test case '${name}' is in more than one of ${TEST_BINARIES}")
  endif()
  list(APPEND seen "${name}")
endforeach()
