#pragma once
// The Learner seam: a trainable module that turns image features into logits.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "promptlab/clip_model.hpp"
#include "promptlab/config.hpp"
#include "promptlab/export.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab {

/// What a learner is built from.
struct LearnerContext {
  ClipModel clip{nullptr};                  // frozen
  const Tokenizer* tokenizer = nullptr;     // the model's tokenizer
  std::vector<std::string> classnames;      // training (base) classes
  std::string prompt_template;              // the dataset's hand-written template
  Config config;                            // the resolved run config
  torch::Device device = torch::kCPU;
};

/// A prompt learner. The image encoder is frozen, so learners receive image
/// features (projected, not normalised) and return logits [B, n_cls].
///
/// Example (a learner with one trainable bias per class):
/// \code
///   class BiasLearner : public promptlab::Learner {
///    public:
///     explicit BiasLearner(const promptlab::LearnerContext& ctx) : ctx_(ctx) {
///       set_classnames(ctx.classnames);
///     }
///     torch::Tensor logits(const torch::Tensor& f) override { ... }
///     void set_classnames(const std::vector<std::string>& names) override { ... }
///   };
/// \endcode
class PROMPTLAB_API Learner : public torch::nn::Module {
 public:
  ~Learner() override;
  /// Logits [B, n_cls] for image features [B, embed].
  virtual torch::Tensor logits(const torch::Tensor& image_features) = 0;
  /// Switches to another class list (the new classes of base-to-new evaluation).
  virtual void set_classnames(const std::vector<std::string>& classnames) = 0;
  /// Switches to another dataset's classes and hand-written template (cross-dataset and
  /// domain-shift evaluation). The default ignores the template and calls set_classnames.
  virtual void set_target(const std::vector<std::string>& classnames, const std::string& prompt_template);
  /// Extra loss terms added to the cross-entropy (regularisers). Undefined tensor = none.
  virtual torch::Tensor extra_loss() { return {}; }
  /// Trainable tensors; defaults to every parameter that requires grad.
  virtual std::vector<torch::Tensor> trainable_parameters();
  /// Human-readable description of what was learned (e.g. nearest words of ctx), stored as an artifact.
  virtual std::string describe() const { return ""; }
};

}  // namespace promptlab
