#pragma once
// Helpers shared by the registry tests: fixture locations and fresh temp dirs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace promptlab::test {

namespace fs = std::filesystem;

/// Directory of one fixture case (built by tests/fixtures/CMakeLists.txt).
inline std::string fixture_case(const std::string& name) {
  return std::string(PROMPTLAB_TEST_FIXTURE_DIR) + "/" + name;
}

/// The library of a fixture plugin: <case>/<name>/libpromptlab_<name>.so.
inline std::string fixture_library(const std::string& case_name, const std::string& plugin) {
  return fixture_case(case_name) + "/" + plugin + "/libpromptlab_" + plugin + ".so";
}

/// A fresh, empty directory under $PROMPTLAB_TEST_TMP (or /tmp).
inline fs::path fresh_dir(const std::string& name) {
  const char* base = std::getenv("PROMPTLAB_TEST_TMP");
  fs::path dir = fs::path(base && *base ? base : "/tmp") /
                 ("registry_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// Writes text to a file.
inline void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

/// True when `text` contains `part`.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace promptlab::test
