#pragma once
// Runs the promptlab binary and captures its output.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/run_store.hpp"
#include "train/model_source.hpp"

namespace promptlab::test {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

/// Runs `promptlab ARGS`, with `env` ("NAME=value ...") added to its environment.
inline CommandResult run_cli(const std::string& args, const std::string& env = "") {
  const std::string cmd = (env.empty() ? "" : "env " + env + " ") + std::string(PROMPTLAB_CLI) + " " + args + " 2>&1";
  CommandResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) r.output += buf.data();
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::filesystem::path fresh_dir(const std::string& name) {
  const char* base = std::getenv("PROMPTLAB_TEST_TMP");
  std::filesystem::path dir = std::filesystem::path(base ? base : "/tmp") / ("cli_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// The text of run `run`'s artifact `name` in `store` ("" when it has none).
inline std::string artifact_text(RunStore& store, std::int64_t run, const std::string& name) {
  for (const auto& a : store.artifacts(run)) {
    if (a.name == name) return std::string(a.data.begin(), a.data.end());
  }
  return "";
}

}  // namespace promptlab::test

/// Skips the current test when the shipped tiny CLIP is not there.
#define PROMPTLAB_REQUIRE_EMBEDDED_MODEL()                                                   \
  if (promptlab::embedded_weights_path().empty() || promptlab::embedded_vocab_path().empty()) \
  GTEST_SKIP() << "assets/embedded/tiny_clip.pt is not present"
