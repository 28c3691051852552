// libpromptlab.so, what plugins link, exports the SDK (what include/promptlab/ declares with
// PROMPTLAB_API) and hides the host: the run store, the training engine, the registry, the CLI's
// helpers (framework/CMakeLists.txt, promptlab/export.hpp).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace promptlab {
namespace {

namespace fs = std::filesystem;

// The demangled names of the promptlab symbols `library` defines and exports.
std::vector<std::string> exported_promptlab_symbols(const fs::path& library) {
  const std::string command = "nm -D --defined-only -C \"" + library.string() + "\" 2>&1";
  std::vector<std::string> out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char line[4096];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    // "<address> <type> <name>": promptlab's own functions, data, vtables and typeinfo. Instances
    // of other libraries' templates over promptlab's types (std::vector<promptlab::...>) are
    // those libraries' symbols.
    std::string text(line);
    const std::size_t name_at = text.find(' ', text.find(' ') + 1) + 1;
    const std::size_t own = text.find("promptlab::", name_at);
    if (own == std::string::npos) continue;
    const std::string before = text.substr(name_at, own - name_at);  // "" or "vtable for " etc.
    const bool ours = before.empty() || (before.size() >= 4 && before.compare(before.size() - 4, 4, "for ") == 0);
    if (ours) out.push_back(text);
  }
  ::pclose(pipe);
  return out;
}

// The identifier a symbol is filed under: the first name after "promptlab::" (and after
// "promptlab::sam::"), e.g. "Learner" for "vtable for promptlab::Learner" or
// "promptlab::Learner::~Learner()".
std::string first_name(const std::string& symbol) {
  std::size_t at = symbol.find("promptlab::") + std::string("promptlab::").size();
  if (symbol.compare(at, 5, "sam::") == 0) at += 5;
  std::size_t end = at;
  while (end < symbol.size() && (std::isalnum(static_cast<unsigned char>(symbol[end])) || symbol[end] == '_')) ++end;
  return symbol.substr(at, end - at);
}

// Every header of the SDK, as one text.
std::string sdk_headers() {
  std::string all;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(PROMPTLAB_SOURCE_DIR) / "framework" / "include")) {
    if (entry.path().extension() != ".hpp") continue;
    std::ifstream in(entry.path());
    std::stringstream s;
    s << in.rdbuf();
    all += s.str();
  }
  return all;
}

const fs::path kLibrary = fs::path(PROMPTLAB_BUILD_DIR) / "framework" / "libpromptlab.so";

TEST(SdkExports, TheLibraryExportsTheSdkAndItsClasses) {
  ASSERT_TRUE(fs::exists(kLibrary)) << kLibrary;
  const auto symbols = exported_promptlab_symbols(kLibrary);
  std::set<std::string> names;
  for (const auto& s : symbols) names.insert(first_name(s));
  // A plugin derives from these and calls these (the shipped plugins and the examples do).
  for (const char* expected : {"Learner", "StepRule", "Objective", "Config", "ConfigError", "ClipModelImpl",
                               "Tokenizer", "CoopLearner", "ZeroShotTeacher", "tokenize_prompts",
                               "assemble_prompts", "freeze_clip", "global_cosine", "seeded_generator"}) {
    EXPECT_EQ(names.count(expected), 1u) << "libpromptlab.so does not export promptlab::" << expected;
  }
}

TEST(SdkExports, NothingButTheSdkIsExported) {
  const auto symbols = exported_promptlab_symbols(kLibrary);
  ASSERT_FALSE(symbols.empty()) << "nm found no promptlab symbols in " << kLibrary;
  const std::string headers = sdk_headers();
  for (const auto& s : symbols) {
    const std::string name = first_name(s);
    // Declared in the SDK, and so meant to be used by plugins.
    EXPECT_TRUE(headers.find("PROMPTLAB_API " + name) != std::string::npos ||
                headers.find(" " + name + "(") != std::string::npos ||
                headers.find(" " + name + " ") != std::string::npos)
        << "exported but not declared by the SDK's headers: " << s;
  }
  // The host's own: what plugins must not depend on.
  std::set<std::string> names;
  for (const auto& s : symbols) names.insert(first_name(s));
  for (const char* hidden : {"RunStore", "Sgd", "PluginHost", "BatchObjective", "fnv1a64", "hex64",
                             "load_model", "run_experiment"}) {
    EXPECT_EQ(names.count(hidden), 0u) << "libpromptlab.so exports the host's promptlab::" << hidden;
  }
}

}  // namespace
}  // namespace promptlab
