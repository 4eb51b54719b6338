# tinynn_library(<target> EXPORT_NAME <name> SOURCES <file>...)
# One of the installed libraries above the framework (models, experiment,
# cli): the target, its alias tinynn::<name>, its public include/ folder
# (installed with it) and its place in the tinynnTargets export set.
function(tinynn_library target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "EXPORT_NAME" "SOURCES")
  add_library(${target} ${arg_SOURCES})
  add_library(tinynn::${arg_EXPORT_NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${arg_EXPORT_NAME})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} PRIVATE $<BUILD_INTERFACE:tinynn_warnings>)
  install(TARGETS ${target} EXPORT tinynnTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY include/tinynn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()
