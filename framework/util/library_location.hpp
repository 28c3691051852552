#pragma once
// Where promptlab's code was loaded from, so that an installed promptlab finds its plugins and
// shipped files relative to itself wherever its prefix was moved (a relocatable install).
//
// The code is in the `promptlab` command (<prefix>/bin), or in libpromptlab.so (<prefix>/lib) for a
// program that links the SDK, such as a plugin's unit test; either way its folder's parent is the
// prefix.
#include <filesystem>

namespace promptlab {

/// The folder of the file holding this code (canonical); empty if the loader cannot say.
std::filesystem::path code_directory();

/// The installation prefix: code_directory()'s parent; empty if the loader cannot say.
std::filesystem::path installation_prefix();

/// True when the code runs from one of the build tree's own output folders (uninstalled).
bool running_from_build_tree();

}  // namespace promptlab
