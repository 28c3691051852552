#pragma once
// SDK: CoOp's prompt settings, read from the "coop." config keys (docs/protocol.md §3); shared by
// every learner that builds CoOp-style prompts (CoOp, CoCoOp, and a plugin's own).
#include "promptlab/export.hpp"
#include <cstdint>
#include <string>

#include "promptlab/config.hpp"

namespace promptlab {

/// Where the class-name tokens sit relative to the learned context.
enum class ClassTokenPosition { kEnd, kMiddle, kFront };

/// Parses "end" | "middle" | "front"; anything else throws ConfigError naming the key.
PROMPTLAB_API ClassTokenPosition parse_class_token_position(const std::string& text);

/// Typed view of the coop.* keys shared by the CoOp and CoCoOp learners.
/// Their defaults live in the manifests of the methods that train these learners, nowhere else.
struct PROMPTLAB_API CoopOptions {
  std::int64_t n_ctx{};         // coop.n_ctx (ignored when init text is given)
  std::string init;             // coop.init; "" = random N(0, 0.02^2) context
  bool csc{};                   // coop.csc: one context per class
  ClassTokenPosition position{ClassTokenPosition::kEnd};  // coop.class_token_position
  std::uint64_t seed{};         // seed: random context / meta-net initialisation
  /// Reads coop.n_ctx, coop.init, coop.class_token_position and seed, and coop.csc unless
  /// `with_csc` is false (a learner with one shared context, such as CoCoOp's, whose methods do
  /// not declare the key). A missing key or an invalid value throws ConfigError naming the key.
  static CoopOptions from_config(const Config& config, bool with_csc = true);
};

}  // namespace promptlab
