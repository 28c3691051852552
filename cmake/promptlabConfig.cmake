# find_package(promptlab) for out-of-tree plugins.
include(CMakeFindDependencyMacro)
find_dependency(Torch)
include("${CMAKE_CURRENT_LIST_DIR}/promptlabTargets.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/PromptlabPlugin.cmake")
