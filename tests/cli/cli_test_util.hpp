#pragma once
// Runs the promptlab binary and captures its output.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace promptlab::test {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline CommandResult run_cli(const std::string& args) {
  const std::string cmd = std::string(PROMPTLAB_CLI) + " " + args + " 2>&1";
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

}  // namespace promptlab::test
