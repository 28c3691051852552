#pragma once
// Shared helpers for the run-store tests: fresh temp directories and sample records.
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "store/run_store.hpp"

namespace promptlab::testing {

/// A fresh, empty directory under $PROMPTLAB_TEST_TMP (or /tmp), removed on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("PROMPTLAB_TEST_TMP");
    std::filesystem::path root = base && *base ? base : "/tmp";
    std::filesystem::create_directories(root);
    std::random_device rd;
    for (;;) {
      path_ = root / ("store-test-" + std::to_string(rd()));
      if (std::filesystem::create_directory(path_)) break;
    }
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// Path of a file inside the directory.
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  /// The directory itself.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A run record with every field set to something distinct.
inline RunRecord sample_record(const std::string& method = "gcscoop", const std::string& dataset = "shapes",
                               std::int64_t seed = 1, const std::string& protocol_hash = "ph1") {
  RunRecord r;
  r.method = method;
  r.learner = "coop";
  r.step_rule = "gcsam";
  r.dataset = dataset;
  r.protocol = "base2new";
  r.protocol_hash = protocol_hash;
  r.seed = seed;
  r.config_json = R"({"optim":{"lr":0.002},"gcsam":{"rho":0.1}})";
  r.config_hash = "ch1";
  r.plugin_versions_json = R"({"coop":"0.1.0","gcscoop":"0.1.0"})";
  r.model_checksum = "sha256:abc";
  r.model_path = "/models/tiny.pt";
  r.code_revision = "deadbeef";
  r.promptlab_version = "0.1.0";
  r.machine = "testhost";
  r.device = "cpu";
  r.precision = "fp32";
  return r;
}

}  // namespace promptlab::testing
