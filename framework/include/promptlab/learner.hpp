#pragma once
// The Learner seam: a trainable module that turns image features into logits.
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "promptlab/clip_model.hpp"
#include "promptlab/config.hpp"
#include "promptlab/export.hpp"
#include "promptlab/prompt/zero_shot_teacher.hpp"
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
  /// Hand-written prompt features of `classnames`, encoded on first use (KgCoOp's anchor).
  std::shared_ptr<ZeroShotTeacher> zero_shot;
};

/// What a learner's logits() takes.
enum class LearnerInput {
  kImageFeatures,  // the frozen image encoder's features [B, embed], cached once per run (the fast path)
  kImages,         // preprocessed images [B, 3, R, R], for learners that change the image encoder
};

/// One training batch as a learner sees it: `image_features` for a kImageFeatures learner,
/// `images` for a kImages learner (the other is undefined).
struct TrainingBatch {
  torch::Tensor image_features;  // [B, embed], projected, not normalised
  torch::Tensor labels;          // [B] int64, indices into the training classes
  torch::Tensor images;          // [B, 3, R, R], normalised as CLIP expects
};

/// Named loss terms, each a scalar tensor with its weight already applied. The framework adds its
/// own cross-entropy "ce"; the training loss is the sum of every term. Ordered by name, so the
/// sum is the same from run to run.
using LossTerms = std::map<std::string, torch::Tensor>;

/// What one training forward pass produces: the logits and the learner's own loss terms.
struct LearnerOutput {
  torch::Tensor logits;  // [B, n_cls]
  LossTerms terms;       // e.g. {"kg": ...}; empty for a learner trained on cross-entropy alone
};

/// Where training stands when one of its epochs ends.
struct EpochEnd {
  int epoch = 0;   // the epoch that just ended, counted from 0
  int epochs = 0;  // how many epochs the run trains
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
  /// Logits [B, n_cls] for image features [B, embed], or for images [B, 3, R, R] when input() is kImages.
  virtual torch::Tensor logits(const torch::Tensor& image_features) = 0;
  /// What logits() takes. A learner that inserts tokens into the image encoder (VPT, MaPLe) returns
  /// kImages and gets preprocessed images, encoding them itself with
  /// ClipModel::encode_image_prompted; every other learner gets cached features.
  virtual LearnerInput input() const { return LearnerInput::kImageFeatures; }
  /// Switches to another class list (the new classes of base-to-new evaluation).
  virtual void set_classnames(const std::vector<std::string>& classnames) = 0;
  /// Switches to another dataset's classes and hand-written template (cross-dataset and
  /// domain-shift evaluation). The default ignores the template and calls set_classnames.
  virtual void set_target(const std::vector<std::string>& classnames, const std::string& prompt_template);
  /// The training forward pass: logits plus the learner's own loss terms (regularisers), computed
  /// from the same pass. The default is logits() of the batch's input with no terms. The names
  /// "ce", "loss" and "kl_to_zeroshot" belong to the framework. Each term's value at the
  /// unperturbed parameters is stored per epoch as the metric "loss_<name>".
  virtual LearnerOutput training_forward(const TrainingBatch& batch);
  /// Called after each epoch's last step, without gradient recording, before the framework
  /// checkpoints the learner; never for an epoch that was interrupted. For methods that act on
  /// whole epochs, such as PromptSRC's Gaussian-weighted average of the prompts over the epochs:
  /// keep that state in registered buffers, which checkpoints hold, so that a resumed run ends as
  /// an uninterrupted one would. The default does nothing.
  virtual void end_epoch(const EpochEnd& epoch);
  /// Trainable tensors; defaults to every parameter that requires grad.
  virtual std::vector<torch::Tensor> trainable_parameters();
  /// Human-readable description of what was learned (e.g. nearest words of ctx), stored as an artifact.
  virtual std::string describe() const { return ""; }
};

}  // namespace promptlab
