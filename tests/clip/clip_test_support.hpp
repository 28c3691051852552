#pragma once
// Shared helpers of the CLIP tests: running the independent Python reference
// (tests/clip/reference/make_reference.py) and reading what it writes.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "support/python_fixture.hpp"

namespace promptlab::test {

namespace fs = std::filesystem;

/// Root for test files: $PROMPTLAB_TEST_TMP or /tmp.
inline fs::path test_tmp_root() { return fixture::tmp_root(); }

/// A fresh, unique directory under the test root.
inline fs::path fresh_dir(const std::string& tag) {
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  fs::path dir = test_tmp_root() / (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(stamp));
  fs::create_directories(dir);
  return dir;
}

inline std::string reference_script() {
  return std::string(PROMPTLAB_SOURCE_DIR) + "/tests/clip/reference/make_reference.py";
}

/// Empty when /usr/bin/python3 with torch is usable, else the reason to skip.
inline std::string python_torch_missing() {
  static const std::string reason = fixture::python_missing("torch");
  return reason;
}

/// Runs the reference script for `config` into `dir`; throws with its output on failure.
inline void run_reference(const std::string& config, const fs::path& dir) {
  fixture::run_script(reference_script(), "--config " + config, dir);
}

/// A small reference ("tiny" ViT, "rn_tiny" ResNet), generated once per script version and
/// shared by test processes (written to a unique directory, then renamed into place).
inline fs::path tiny_reference(const std::string& config = "tiny") {
  static std::map<std::string, fs::path> dirs;
  auto it = dirs.find(config);
  if (it != dirs.end()) return it->second;
  return dirs[config] =
             fixture::generated_once("clip-reference-" + config, reference_script(), {}, "meta.json", "--config " + config);
}

/// Reads a raw little-endian binary tensor of the given shape and dtype.
inline torch::Tensor read_raw(const fs::path& path, std::vector<std::int64_t> shape, torch::ScalarType dtype) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  torch::Tensor t = torch::empty(shape, dtype);
  const auto bytes = static_cast<std::streamsize>(t.numel() * t.element_size());
  in.read(static_cast<char*>(t.data_ptr()), bytes);
  if (in.gcount() != bytes) throw std::runtime_error("short read of " + path.string());
  return t;
}

/// meta.json of a reference directory.
inline nlohmann::json read_meta(const fs::path& dir) {
  std::ifstream in(dir / "meta.json");
  return nlohmann::json::parse(in);
}

/// Inputs and expected outputs of a reference directory.
struct Reference {
  nlohmann::json meta;
  torch::Tensor images, tokens, image_features, text_features;
};

inline Reference load_reference(const fs::path& dir) {
  Reference r;
  r.meta = read_meta(dir);
  const auto shape = [&](const char* key) { return r.meta[key].get<std::vector<std::int64_t>>(); };
  r.images = read_raw(dir / "images.bin", shape("images_shape"), torch::kFloat);
  r.tokens = read_raw(dir / "tokens.bin", shape("tokens_shape"), torch::kLong);
  r.image_features = read_raw(dir / "image_features.bin", shape("image_features_shape"), torch::kFloat);
  r.text_features = read_raw(dir / "text_features.bin", shape("text_features_shape"), torch::kFloat);
  return r;
}

/// Exit status and output of a shell command.
struct CommandResult {
  int status = -1;
  std::string output;
};

/// Runs a shell command, capturing stdout (stderr is merged when `merge_stderr`).
inline CommandResult run_command(const std::string& command, bool merge_stderr) {
  CommandResult result;
  FILE* pipe = ::popen((command + (merge_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  result.status = ::pclose(pipe);
  return result;
}

/// The features of the one image `promptlab encode --image` printed (a JSON line).
inline torch::Tensor encoded_features(const CommandResult& r) {
  const auto features = nlohmann::json::parse(r.output)["features"].get<std::vector<float>>();
  return torch::tensor(features).view({1, static_cast<std::int64_t>(features.size())});
}

/// max |a - b| as a double (both converted to fp32); recorded in the test's XML output.
inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  const double diff = (a.to(torch::kFloat) - b.to(torch::kFloat)).abs().max().item<double>();
  std::printf("  max |a - b| = %.3g\n", diff);
  return diff;
}

/// Expects features of the reference's shape within `tolerance` of it, and the reference
/// itself not degenerate (some entry above 0.1).
inline void expect_features_match(const torch::Tensor& got, const torch::Tensor& want, double tolerance = 1e-4) {
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LE(max_abs_diff(got, want), tolerance);
  EXPECT_GT(want.abs().max().item<double>(), 0.1);
}

/// Expects low-precision (bf16) image features close to the fp32 reference: within 8% of its
/// largest entry, and each row's direction within cosine 0.995.
inline void expect_bf16_image_close(const torch::Tensor& got, const torch::Tensor& want) {
  EXPECT_EQ(got.scalar_type(), torch::kBFloat16);
  EXPECT_LE(max_abs_diff(got, want), 0.08 * want.abs().max().item<double>());
  EXPECT_GT(torch::cosine_similarity(got.to(torch::kFloat), want, 1).min().item<double>(), 0.995);
}

}  // namespace promptlab::test

/// Skips the current test when the Python reference cannot run.
#define PROMPTLAB_REQUIRE_PYTHON_TORCH()                                                   \
  do {                                                                                     \
    const std::string reason_ = ::promptlab::test::python_torch_missing();                 \
    if (!reason_.empty()) GTEST_SKIP() << "CLIP reference needs Python torch: " << reason_; \
  } while (0)
