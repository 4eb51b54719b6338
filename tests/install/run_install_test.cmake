# The install test (cmake -P script): installs the current build into a
# scratch prefix, then configures, builds and runs the consumer project
# (consumer/) against it with find_package(tinynn), and compares what it
# prints with PyTorch's values.
#
#   -DBUILD_DIR=dir        the tinynn build tree to install
#   -DWORK_DIR=dir         scratch space; wiped first
#   -DGENERATOR=name       the generator, compiler, build type and flags of the
#   -DMAKE_PROGRAM=path     tinynn build, so the consumer is built the same way
#   -DCXX_COMPILER=path
#   -DBUILD_TYPE=name
#   -DCXX_FLAGS=flags
#   -DLINKER_FLAGS=flags
#   -DORACLES=file         tests/data/oracles/modules.json
#   -DEXAMPLES_DIR=dir     examples/, whose custom_cli.cpp the consumer builds too
#   -DWITH_CLI=bool        the build has the command (tinynn::cli) to test

cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/check_values.cmake)

foreach(var BUILD_DIR WORK_DIR GENERATOR CXX_COMPILER ORACLES EXAMPLES_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "run_install_test.cmake: ${var} is not set")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(consumer_build ${WORK_DIR}/consumer-build)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# Runs one step; on failure, stops with the step's name and its output.
function(step name)
  message(STATUS "${name}: ${ARGN}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${name} failed (${status}):\n${out}")
  endif()
endfunction()

set(config_args "")
if(BUILD_TYPE)
  set(config_args --config ${BUILD_TYPE})
endif()
step("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} ${config_args})

set(configure_args
  -S ${CMAKE_CURRENT_LIST_DIR}/consumer
  -B ${consumer_build}
  -G ${GENERATOR}
  -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  -DCMAKE_PREFIX_PATH=${prefix}
  -DTINYNN_EXAMPLES_DIR=${EXAMPLES_DIR}
  # Only the fresh install may satisfy find_package: not a tinynn installed
  # system-wide, nor one remembered in the user package registry.
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}")
if(MAKE_PROGRAM)
  list(APPEND configure_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
if(BUILD_TYPE)
  list(APPEND configure_args -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
endif()
step("configure the consumer" ${CMAKE_COMMAND} ${configure_args})

file(STRINGS ${consumer_build}/CMakeCache.txt found REGEX "^tinynn_DIR:")
string(REGEX REPLACE "^tinynn_DIR:[A-Z]+=" "" found "${found}")
cmake_path(IS_PREFIX prefix "${found}" NORMALIZE found_in_prefix)
if(NOT found_in_prefix)
  message(FATAL_ERROR "find_package(tinynn) found ${found}, not the install in ${prefix}")
endif()

step("build the consumer" ${CMAKE_COMMAND} --build ${consumer_build} ${config_args})

set(app ${consumer_build}/app)
execute_process(COMMAND ${app} WORKING_DIRECTORY ${consumer_build}
  RESULT_VARIABLE status OUTPUT_VARIABLE OUTPUT ERROR_VARIABLE errors)
message("${OUTPUT}")
if(errors)
  message("stderr:\n${errors}")
endif()
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the consumer exited with ${status}")
endif()

set(TINYNN_CHECK_FAILURES "")
# PyTorch: d/dw mean((x w - 1)^2) = 2 at x = 1, w = 2.
tinynn_check_oracle("${OUTPUT}" "grad(loss, {w})" "${ORACLES}" example_mse_scalar_weight grads w)
tinynn_check_oracle("${OUTPUT}" "w.grad()" "${ORACLES}" example_mse_scalar_weight grads w)
# Rows 1 and 2 of the softmax Jacobian at q = (0.1757, 0.1738, 0.9258), which
# has no oracle case: p_i (delta_ij - p_j) evaluated in double from the
# float32 q; PyTorch's float32 result matches these to about 1e-8.
tinynn_check_values("${OUTPUT}" "row1"
  -0.05893441444989284 0.18371105178870467 -0.12477663733881184)
tinynn_check_values("${OUTPUT}" "row2"
  -0.12501393674651728 -0.12477663733881184 0.2497905740853291)
tinynn_check_contains("${OUTPUT}" "a third call throws: ")
# The Jacobian PyTorch computed for the oracle case's input.
foreach(row 0 1 2)
  tinynn_check_oracle("${OUTPUT}" "jacobian row ${row}" "${ORACLES}"
    example_softmax_jacobian outputs jacobian ROW ${row} COLS 3)
endforeach()
tinynn_check_contains("${OUTPUT}" "loaded 6 tensors")
if(NOT EXISTS ${consumer_build}/model.safetensors)
  list(APPEND TINYNN_CHECK_FAILURES "the consumer wrote no model.safetensors")
endif()
tinynn_check_report()

# SPEC §6's program, built against the install: trains and compares its own
# model from YAML.
if(NOT WITH_CLI)
  return()
endif()
if(NOT EXISTS ${consumer_build}/custom_cli)
  message(FATAL_ERROR "the install has tinynn::cli but the consumer built no custom_cli")
endif()
step("custom_cli train and compare" ${CMAKE_COMMAND}
  -DPROGRAM=${consumer_build}/custom_cli
  -DCONFIG=${EXAMPLES_DIR}/skipnet.yaml
  -DWORK_DIR=${WORK_DIR}/custom_cli_run
  -P ${EXAMPLES_DIR}/check_custom_cli.cmake)
