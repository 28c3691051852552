# promptlab_add_plugin(<name> SOURCES <files...> [MANIFEST <plugin.toml>] [OUTPUT_DIR <dir>])
#
# Builds libpromptlab_<name>.so as a MODULE library and places it next to its
# plugin.toml. Used by the shipped plugins and by third-party plugins alike.
function(promptlab_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "MANIFEST;OUTPUT_DIR" "SOURCES" ${ARGN})
  if(NOT PLUGIN_MANIFEST)
    set(PLUGIN_MANIFEST "${CMAKE_CURRENT_SOURCE_DIR}/plugin.toml")
  endif()
  if(NOT PLUGIN_OUTPUT_DIR)
    if(DEFINED PROMPTLAB_BUILD_PLUGIN_DIR)
      set(PLUGIN_OUTPUT_DIR "${PROMPTLAB_BUILD_PLUGIN_DIR}/${name}")
    else()
      set(PLUGIN_OUTPUT_DIR "${CMAKE_BINARY_DIR}/plugins/${name}")
    endif()
  endif()
  set(target promptlab_${name})
  add_library(${target} MODULE ${PLUGIN_SOURCES})
  target_link_libraries(${target} PRIVATE promptlab::promptlab)
  list(LENGTH PLUGIN_SOURCES n_sources)
  if(PROMPTLAB_USE_PCH AND NOT CMAKE_UNITY_BUILD AND n_sources GREATER 2)
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME "promptlab_${name}"
    LIBRARY_OUTPUT_DIRECTORY "${PLUGIN_OUTPUT_DIR}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(EXISTS "${PLUGIN_MANIFEST}")
    configure_file("${PLUGIN_MANIFEST}" "${PLUGIN_OUTPUT_DIR}/plugin.toml" COPYONLY)
  endif()
  # The SDK is the only promptlab library a plugin may use: an undefined symbol is a link error
  # here, not a refusal at load time. (Sanitizer runtimes live in the executable, hence the exception.)
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT PROMPTLAB_SANITIZE AND NOT PROMPTLAB_FUZZ)
    target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  endif()
  if(DEFINED PROMPTLAB_INSTALL_PLUGIN_DIR)
    # Installed in <prefix>/lib/promptlab/plugins/<name>: libpromptlab.so is three folders up.
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN/../../..")
    install(TARGETS ${target} LIBRARY DESTINATION lib/promptlab/plugins/${name})
    if(EXISTS "${PLUGIN_MANIFEST}")
      install(FILES "${PLUGIN_MANIFEST}" DESTINATION lib/promptlab/plugins/${name})
    endif()
  endif()
endfunction()

# promptlab_add_plugin_test(<name> SOURCES <files...>)
#
# A GoogleTest executable <name> linked against the installed SDK (promptlab::promptlab), with the
# project's folder on its include path, registered with CTest. For a plugin's unit tests: keep the
# maths in sources both the plugin and the test compile. Needs include(CTest) first; does nothing
# when BUILD_TESTING is off.
function(promptlab_add_plugin_test name)
  cmake_parse_arguments(TEST "" "" "SOURCES" ${ARGN})
  if(NOT BUILD_TESTING)
    return()
  endif()
  find_package(GTest REQUIRED)
  add_executable(${name} ${TEST_SOURCES})
  target_include_directories(${name} PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}")
  target_link_libraries(${name} PRIVATE promptlab::promptlab GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
endfunction()
