#pragma once
// Where libpromptlab itself was loaded from, so that an installed promptlab finds its plugins and
// shipped files relative to itself wherever its prefix was moved (a relocatable install).
#include <filesystem>

namespace promptlab {

/// The folder holding the loaded libpromptlab.so (canonical); empty if the loader cannot say.
std::filesystem::path library_directory();

/// True when that folder is the build tree's library folder (the library runs uninstalled).
bool running_from_build_tree();

}  // namespace promptlab
