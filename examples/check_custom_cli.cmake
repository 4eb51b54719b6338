# Runs a program built from examples/custom_cli.cpp (SPEC §6) on
# examples/skipnet.yaml: `train` must write a run directory, and `compare`
# a compare.csv with the diagnostics of SkipNet's own layers.
#
#   -DPROGRAM=path   the custom_cli program
#   -DCONFIG=file    examples/skipnet.yaml
#   -DWORK_DIR=dir   scratch space; wiped first
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run name)
  execute_process(COMMAND ${PROGRAM} ${ARGN} WORKING_DIRECTORY ${WORK_DIR}
    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${name} exited with ${status}:\n${out}\n${err}")
  endif()
  message(STATUS "${name}:\n${out}")
endfunction()

run("train" train ${CONFIG} --out ${WORK_DIR}/train --quiet)
foreach(file config.yaml metrics.csv model.safetensors)
  if(NOT EXISTS ${WORK_DIR}/train/${file})
    message(FATAL_ERROR "train wrote no ${file}")
  endif()
endforeach()
# The weights are SkipNet's, under its own module names, in the header after
# the metadata.
file(READ ${WORK_DIR}/train/model.safetensors weights LIMIT 4096)
foreach(name in.weight block.weight out.weight)
  string(FIND "${weights}" "\"${name}\"" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "model.safetensors has no tensor ${name}")
  endif()
endforeach()

run("compare" compare ${CONFIG} --out ${WORK_DIR}/compare --jobs 2)
file(STRINGS ${WORK_DIR}/compare/compare.csv header LIMIT_COUNT 1)
foreach(column grad_norm.in.weight grad_norm.block.weight grad_norm.out.weight
               saturated_fraction.act dead_fraction.act activation_mean.act)
  string(FIND "${header}" "${column}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "compare.csv has no column ${column}: ${header}")
  endif()
endforeach()
# Every activation of the config was compared, on SkipNet.
file(STRINGS ${WORK_DIR}/compare/compare.csv rows)
foreach(activation sigmoid tanh relu)
  list(FILTER rows EXCLUDE REGEX "^${activation},")
endforeach()
list(LENGTH rows left)
if(NOT left EQUAL 1)  # the header
  message(FATAL_ERROR "compare.csv has rows of other activations: ${rows}")
endif()
if(NOT EXISTS ${WORK_DIR}/compare/report.html)
  message(FATAL_ERROR "compare wrote no report.html")
endif()
