// The text encoder's recomputation: a custom autograd function whose forward keeps no graph and
// whose backward re-runs the pass by chunks of sequences.
#include "clip/text_recompute.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace promptlab {
namespace {

// What the backward needs besides the saved inputs.
struct RecomputeState : torch::CustomClassHolder {
  TextPass pass;
  std::int64_t chunk = 0;
  std::size_t layers = 0;                  // deep_prompts.size()
  std::vector<std::size_t> prompt_layers;  // the layer of each defined prompt, in input order
  torch::Tensor eot;
};

// Per-sequence prompts are [N, n, W]; shared ones [n, W].
bool per_sequence(const torch::Tensor& prompt) { return prompt.dim() == 3; }

// The deep prompts of sequences [begin, begin + count), laid out by layer as the pass takes them.
std::vector<torch::Tensor> chunk_layout(const RecomputeState& s, const std::vector<torch::Tensor>& defined,
                                        std::int64_t begin, std::int64_t count) {
  std::vector<torch::Tensor> layout(s.layers);
  for (std::size_t i = 0; i < defined.size(); ++i) {
    const torch::Tensor& p = defined[i];
    layout[s.prompt_layers[i]] = per_sequence(p) ? p.narrow(0, begin, count) : p;
  }
  return layout;
}

class RecomputedText : public torch::autograd::Function<RecomputedText> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& embeddings,
                               at::TensorList prompts, const c10::intrusive_ptr<RecomputeState>& state) {
    const std::vector<torch::Tensor> defined(prompts.begin(), prompts.end());
    const std::int64_t n = embeddings.size(0);
    std::vector<torch::Tensor> features;
    for (std::int64_t b = 0; b < n; b += state->chunk) {
      const std::int64_t m = std::min(state->chunk, n - b);
      features.push_back(state->pass(embeddings.narrow(0, b, m), state->eot.narrow(0, b, m), chunk_layout(*state, defined, b, m)));
    }
    torch::autograd::variable_list saved{embeddings};
    saved.insert(saved.end(), defined.begin(), defined.end());
    ctx->save_for_backward(saved);
    ctx->saved_data["state"] = c10::IValue::make_capsule(c10::intrusive_ptr<torch::CustomClassHolder>(state));
    return torch::cat(features, 0);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    // A backward with create_graph (Hessian-vector products) differentiates the gradient again: the
    // chunks are then re-run on the inputs themselves and their graphs kept, which saves no memory.
    const bool twice = torch::GradMode::is_enabled();
    const auto state = c10::static_intrusive_pointer_cast<RecomputeState>(ctx->saved_data["state"].toCapsule());
    const torch::autograd::variable_list saved = ctx->get_saved_variables();
    const torch::Tensor& embeddings = saved[0];
    const std::vector<torch::Tensor> prompts(saved.begin() + 1, saved.end());
    const torch::Tensor& grad = grad_outputs[0];
    const std::int64_t n = embeddings.size(0);
    const std::size_t k = prompts.size();
    const bool embeddings_wanted = ctx->needs_input_grad(0);
    std::vector<bool> prompt_wanted(k);
    for (std::size_t i = 0; i < k; ++i) prompt_wanted[i] = ctx->needs_input_grad(1 + i);
    // The chunk's inputs: fresh leaves, or (twice) the inputs' own slices, still in their graph.
    const auto input = [twice](const torch::Tensor& slice, bool wanted) {
      return twice ? slice : slice.detach().requires_grad_(wanted);
    };

    std::vector<torch::Tensor> embedding_grads;                  // by chunk
    std::vector<std::vector<torch::Tensor>> prompt_grads(k);     // by chunk (per-sequence) or one running sum
    for (std::int64_t b = 0; b < n; b += state->chunk) {
      const std::int64_t m = std::min(state->chunk, n - b);
      torch::AutoGradMode with_graph(true);
      const torch::Tensor leaf = input(embeddings.narrow(0, b, m), embeddings_wanted);
      std::vector<torch::Tensor> leaves(k), wanted;
      if (embeddings_wanted) wanted.push_back(leaf);
      for (std::size_t i = 0; i < k; ++i) {
        const torch::Tensor& p = prompts[i];
        leaves[i] = input(per_sequence(p) ? p.narrow(0, b, m) : p, prompt_wanted[i]);
        if (prompt_wanted[i]) wanted.push_back(leaves[i]);
      }
      if (wanted.empty()) break;  // the backward runs only when some input needs its gradient
      const torch::Tensor features = state->pass(leaf, state->eot.narrow(0, b, m), chunk_layout(*state, leaves, 0, m));
      torch::autograd::variable_list got =
          torch::autograd::grad({features}, wanted, {grad.narrow(0, b, m)}, /*retain_graph=*/twice,
                                /*create_graph=*/twice, /*allow_unused=*/true);
      std::size_t next = 0;
      const auto take = [&](const torch::Tensor& like) {
        torch::Tensor g = got[next++];
        return g.defined() ? g : torch::zeros_like(like);
      };
      if (embeddings_wanted) embedding_grads.push_back(take(leaf));
      for (std::size_t i = 0; i < k; ++i) {
        if (!prompt_wanted[i]) continue;
        torch::Tensor g = take(leaves[i]);
        if (per_sequence(prompts[i]) || prompt_grads[i].empty()) {
          prompt_grads[i].push_back(std::move(g));
        } else {
          prompt_grads[i][0] = prompt_grads[i][0] + g;
        }
      }
    }
    torch::autograd::variable_list out;
    out.push_back(embedding_grads.empty() ? torch::Tensor() : torch::cat(embedding_grads, 0));
    for (std::size_t i = 0; i < k; ++i) {
      if (prompt_grads[i].empty()) {
        out.emplace_back();
      } else {
        out.push_back(per_sequence(prompts[i]) ? torch::cat(prompt_grads[i], 0) : prompt_grads[i][0]);
      }
    }
    out.emplace_back();  // the state
    return out;
  }
};

}  // namespace

torch::Tensor recomputed_text_pass(const TextPass& pass, const torch::Tensor& embeddings, const torch::Tensor& eot,
                                   const std::vector<torch::Tensor>& deep_prompts, std::int64_t chunk) {
  if (chunk < 1) throw std::invalid_argument("recomputed_text_pass: chunk must be >= 1, got " + std::to_string(chunk));
  auto state = c10::make_intrusive<RecomputeState>();
  state->pass = pass;
  state->chunk = chunk;
  state->layers = deep_prompts.size();
  state->eot = eot;
  std::vector<torch::Tensor> defined;
  for (std::size_t i = 0; i < deep_prompts.size(); ++i) {
    if (!deep_prompts[i].defined()) continue;
    state->prompt_layers.push_back(i);
    defined.push_back(deep_prompts[i]);
  }
  return RecomputedText::apply(embeddings, at::TensorList(defined), state);
}

}  // namespace promptlab
