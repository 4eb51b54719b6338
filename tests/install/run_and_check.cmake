# Runs one program and checks what it printed and wrote (cmake -P script).
#
#   -DPROGRAM=path            the program to run (no arguments)
#   -DWORKING_DIRECTORY=dir   where to run it; created if missing
#   -DCHECKS=file             optional: a CMake file of tinynn_check_* calls on
#                             ${OUTPUT} (see check_values.cmake)
#   -DORACLES=file            tests/data/oracles/modules.json, for those calls
#   -DEXPECT_FILES=a,b        optional: files the program must write in the
#                             working directory (removed before the run, so a
#                             stale one from an earlier run does not count)
#
# A non-zero exit fails the test before any check, with everything the
# program printed.

cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/check_values.cmake)

if(NOT PROGRAM)
  message(FATAL_ERROR "run_and_check.cmake: PROGRAM is not set")
endif()
if(NOT WORKING_DIRECTORY)
  get_filename_component(WORKING_DIRECTORY "${PROGRAM}" DIRECTORY)
endif()
file(MAKE_DIRECTORY "${WORKING_DIRECTORY}")

string(REPLACE "," ";" expect_files "${EXPECT_FILES}")
foreach(f IN LISTS expect_files)
  file(REMOVE "${WORKING_DIRECTORY}/${f}")
endforeach()

execute_process(
  COMMAND "${PROGRAM}"
  WORKING_DIRECTORY "${WORKING_DIRECTORY}"
  OUTPUT_VARIABLE OUTPUT
  ERROR_VARIABLE errors
  RESULT_VARIABLE status)
# Echo the output so a failing test shows what the program said.
message("${OUTPUT}")
if(errors)
  message("stderr:\n${errors}")
endif()
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${status}")
endif()

set(TINYNN_CHECK_FAILURES "")
foreach(f IN LISTS expect_files)
  set(path "${WORKING_DIRECTORY}/${f}")
  if(NOT EXISTS "${path}")
    list(APPEND TINYNN_CHECK_FAILURES "${f} was not written in ${WORKING_DIRECTORY}")
  else()
    file(SIZE "${path}" size)
    # A safetensors file is at least its 8-byte header length and a header.
    if(size LESS_EQUAL 8)
      list(APPEND TINYNN_CHECK_FAILURES "${f} is only ${size} bytes")
    endif()
  endif()
endforeach()
if(CHECKS)
  include("${CHECKS}")
endif()
tinynn_check_report()
