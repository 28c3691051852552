// Contrastive (symmetric InfoNCE) pretraining of the tiny CLIP on the world's stream.
#include "world/pretrainer.hpp"

#include <ATen/autocast_mode.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "promptlab/tokenizer.hpp"
#include "promptlab/version.hpp"
#include "store/run_store.hpp"
#include "world/pretrain_stream.hpp"
#include "world/vocabulary.hpp"
#include "world/world.hpp"
#include "util/temp_path.hpp"

namespace promptlab::world {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kCorpusStream = 0xb9e0c0de;

nlohmann::json config_json(const ClipConfig& c) {
  nlohmann::json j = {{"embed_dim", c.embed_dim},       {"image_resolution", c.image_resolution},
                      {"vision_layers", c.vision_layers}, {"vision_width", c.vision_width},
                      {"vision_patch", c.vision_patch},   {"context_length", c.context_length},
                      {"text_width", c.text_width},       {"text_layers", c.text_layers}};
  // Before the merges are learned (or read back on --resume) the vocabulary size is not known yet.
  if (c.vocab_size > 0) {
    j["vocab_size"] = c.vocab_size;
  } else {
    j["vocab_size"] = "from the merges";
  }
  return j;
}

double lr_at(const PretrainOptions& o, std::int64_t step, std::int64_t total) {
  const auto warmup = std::max<std::int64_t>(1, static_cast<std::int64_t>(o.warmup_fraction * double(total)));
  if (step < warmup) return o.lr * double(step + 1) / double(warmup);
  double t = double(step - warmup) / double(std::max<std::int64_t>(1, total - warmup));
  double floor = o.lr * o.min_lr_fraction;
  return floor + (o.lr - floor) * 0.5 * (1.0 + std::cos(3.141592653589793 * std::min(1.0, t)));
}

void write_text_atomic(const fs::path& path, const std::string& text) {
  const fs::path tmp = temp_path_beside(path.string());
  {
    std::ofstream f(tmp);
    if (!f) throw std::runtime_error("pretrain: cannot write " + tmp.string());
    f << text;
  }
  fs::rename(tmp, path);
}

Tokenizer prepare_merges(const PretrainOptions& o, const fs::path& merges_path) {
  if (!(o.resume && fs::exists(merges_path))) {
    auto corpus = caption_corpus(mix_seed(o.seed, kCorpusStream), o.bpe_corpus, o.group_size);
    auto merges = learn_bpe_merges(corpus, o.bpe_merges);
    write_bpe_merges(merges_path.string(), merges);
  }
  return Tokenizer::from_file(merges_path.string());
}

std::vector<torch::optim::OptimizerParamGroup> param_groups(ClipModel& model, double weight_decay, double lr) {
  std::vector<torch::Tensor> decay, plain;
  for (auto& item : model->named_parameters()) {
    const std::string& name = item.key();
    bool no_decay = item.value().dim() < 2 || name.find("embedding") != std::string::npos || name == "logit_scale";
    (no_decay ? plain : decay).push_back(item.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto opts = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(lr).weight_decay(wd).betas({0.9, 0.98}).eps(1e-6));
  };
  groups.emplace_back(decay, opts(weight_decay));
  groups.emplace_back(plain, opts(0.0));
  return groups;
}

// Symmetric InfoNCE; forward under bf16 autocast when asked, loss in fp32.
torch::Tensor contrastive_loss(ClipModel& model, const PretrainBatch& b, bool bf16) {
  torch::Tensor img, txt;
  if (bf16) {
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  }
  try {
    img = model->encode_image(b.images);
    txt = model->encode_text(b.tokens);
  } catch (...) {
    at::autocast::set_cpu_enabled(false);
    throw;
  }
  if (bf16) {
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
  }
  img = img.to(torch::kFloat32);
  txt = txt.to(torch::kFloat32);
  img = img / img.norm(2, -1, true);
  txt = txt / txt.norm(2, -1, true);
  torch::Tensor logits = model->logit_scale_exp() * torch::mm(img, txt.t());
  torch::Tensor labels = torch::arange(logits.size(0), torch::kInt64);
  return 0.5 * (torch::nn::functional::cross_entropy(logits, labels) +
                torch::nn::functional::cross_entropy(logits.t(), labels));
}

}  // namespace

ClipConfig PretrainOptions::tiny_clip_config() {
  ClipConfig c;
  c.embed_dim = 128;
  c.image_resolution = 64;
  c.vision_layers = 6;
  c.vision_width = 192;
  c.vision_patch = 8;
  c.context_length = 32;
  c.vocab_size = 0;
  c.text_width = 128;
  c.text_layers = 3;
  return c;
}

std::string pretrain_options_json(const PretrainOptions& o) {
  nlohmann::json j = {{"out_dir", o.out_dir},
                      {"samples", o.samples},
                      {"batch", o.batch},
                      {"lr", o.lr},
                      {"weight_decay", o.weight_decay},
                      {"warmup_fraction", o.warmup_fraction},
                      {"min_lr_fraction", o.min_lr_fraction},
                      {"seed", o.seed},
                      {"threads", o.threads},
                      {"workers", o.workers},
                      {"group_size", o.group_size},
                      {"bf16", o.bf16},
                      {"checkpoint_every", o.checkpoint_every},
                      {"bpe_merges", o.bpe_merges},
                      {"bpe_corpus", o.bpe_corpus},
                      {"world_version", kWorldVersion},
                      {"optimizer", "adamw(betas=0.9,0.98; eps=1e-6; no decay on gains/biases/embeddings)"},
                      {"loss", "symmetric infonce, learnable logit_scale clamped to [0, ln 100]"},
                      {"schedule", "linear warm-up then cosine"},
                      {"model", config_json(o.model)}};
  return j.dump();
}

PretrainResult pretrain(const PretrainOptions& o, const std::function<void(const PretrainProgress&)>& on_progress) {
  if (o.batch < 2) throw std::invalid_argument("pretrain: --batch must be >= 2, got " + std::to_string(o.batch));
  if (o.group_size < 1 || o.batch % o.group_size != 0)
    throw std::invalid_argument("pretrain: --group-size " + std::to_string(o.group_size) +
                                " must be >= 1 and divide --batch " + std::to_string(o.batch));
  if (o.samples < o.batch)
    throw std::invalid_argument("pretrain: --samples " + std::to_string(o.samples) + " is less than one batch");
  if (o.threads > 0) at::set_num_threads(o.threads);
  const fs::path out(o.out_dir);
  fs::create_directories(out);
  const fs::path ckpt = out / kCheckpointFile, merges_path = out / kMergesFile, optim_path = out / "optimizer.pt",
                 state_path = out / "state.json";
  Tokenizer tok = prepare_merges(o, merges_path);
  ClipConfig config = o.model;
  config.vocab_size = static_cast<std::int64_t>(tok.vocab_size());
  PretrainOptions recorded = o;
  recorded.model = config;

  const std::int64_t total = o.samples / o.batch;
  std::int64_t step = 0;
  ClipModel model(nullptr);
  if (o.resume && fs::exists(state_path) && fs::exists(ckpt)) {
    std::ifstream f(state_path);
    nlohmann::json state = nlohmann::json::parse(f);
    step = state.at("step").get<std::int64_t>();
    model = load_clip(ckpt.string());
    const ClipConfig& c = model->config();
    if (c.vocab_size != config.vocab_size || c.vision_width != config.vision_width ||
        c.image_resolution != config.image_resolution || c.context_length != config.context_length)
      throw std::runtime_error("pretrain: " + ckpt.string() + " does not match the requested architecture; "
                               "use a fresh --out or drop --resume");
  } else {
    torch::manual_seed(static_cast<std::uint64_t>(o.seed));
    model = ClipModel(config);
  }
  model->train();
  // load_clip hands back a frozen model; pretraining trains every weight.
  for (auto& p : model->parameters()) p.set_requires_grad(true);
  torch::optim::AdamW optimizer(param_groups(model, o.weight_decay, o.lr));
  if (step > 0 && fs::exists(optim_path)) torch::load(optimizer, optim_path.string());
  torch::Tensor logit_scale = model->named_parameters()["logit_scale"];

  std::unique_ptr<RunStore> store;
  std::int64_t run_id = 0;
  if (!o.db_path.empty()) {
    store = std::make_unique<RunStore>(o.db_path);
    RunRecord r;
    r.method = "pretrain";
    r.learner = "clip";
    r.step_rule = "adamw";
    r.dataset = std::string("world:") + kWorldVersion;
    r.protocol = "pretrain";
    r.seed = static_cast<std::int64_t>(o.seed);
    r.config_json = pretrain_options_json(recorded);
    r.model_path = ckpt.string();
    r.promptlab_version = kVersion;
    r.device = "cpu";
    r.precision = o.bf16 ? "bf16-autocast" : "fp32";
    r.status = "running";
    run_id = store->begin_run(r);
  }

  PretrainResult result;
  result.checkpoint_path = ckpt.string();
  result.merges_path = merges_path.string();
  result.run_id = run_id;
  auto save = [&](std::int64_t at_step, double loss) {
    const fs::path tmp = temp_path_beside(ckpt.string());
    save_clip(model, tmp.string());
    fs::rename(tmp, ckpt);
    const fs::path otmp = temp_path_beside(optim_path.string());
    torch::save(optimizer, otmp.string());
    fs::rename(otmp, optim_path);
    nlohmann::json state = {{"step", at_step}, {"total_steps", total}, {"loss", loss},
                            {"options", nlohmann::json::parse(pretrain_options_json(recorded))}};
    write_text_atomic(state_path, state.dump(2));
  };

  try {
    PretrainStream stream(o.seed, o.batch, static_cast<int>(config.image_resolution),
                          static_cast<std::size_t>(config.context_length), tok, step, o.workers, 4, o.group_size);
    const auto t0 = std::chrono::steady_clock::now();
    const std::int64_t first = step;
    double loss_sum = 0, last_loss = 0;
    int loss_n = 0;
    auto window_start = t0;
    std::int64_t window_steps = 0;
    for (; step < total; ++step) {
      const double lr = lr_at(o, step, total);
      for (auto& g : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
      PretrainBatch b = stream.next();
      optimizer.zero_grad();
      torch::Tensor loss = contrastive_loss(model, b, o.bf16);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
      optimizer.step();
      {
        torch::NoGradGuard no_grad;
        logit_scale.clamp_(0.0, std::log(100.0));
      }
      last_loss = loss.item<double>();
      loss_sum += last_loss;
      ++loss_n;
      ++window_steps;
      const auto now = std::chrono::steady_clock::now();
      const double elapsed = std::chrono::duration<double>(now - t0).count();
      PretrainProgress p;
      p.step = step + 1;
      p.total_steps = total;
      p.loss = last_loss;
      p.lr = lr;
      p.logit_scale = logit_scale.exp().item<double>();
      p.elapsed_s = elapsed;
      p.samples_per_s = double(step + 1 - first) * o.batch / std::max(1e-9, elapsed);
      if (on_progress) on_progress(p);
      if ((step + 1) % o.checkpoint_every == 0 || step + 1 == total) {
        save(step + 1, last_loss);
        if (store) {
          EpochMetrics m;
          m.epoch = (step + 1 + o.checkpoint_every - 1) / o.checkpoint_every;
          double window_s = std::chrono::duration<double>(now - window_start).count();
          m.values = {{"step", double(step + 1)},
                      {"loss", loss_sum / std::max(1, loss_n)},
                      {"lr", lr},
                      {"logit_scale", p.logit_scale},
                      {"samples_per_s", double(window_steps) * o.batch / std::max(1e-9, window_s)},
                      {"time_s", elapsed}};
          store->log_epoch(run_id, m);
        }
        loss_sum = 0;
        loss_n = 0;
        window_steps = 0;
        window_start = now;
      }
      result.samples_per_s = p.samples_per_s;
      result.logit_scale = p.logit_scale;
    }
    if (step == first && first > 0) save(step, last_loss);  // nothing left to do: keep files consistent
    result.final_loss = last_loss;
    result.steps = step;
  } catch (const std::exception& e) {
    if (store) store->finish_run(run_id, "failed", e.what());
    throw;
  }
  if (store) store->finish_run(run_id, "finished");
  return result;
}

}  // namespace promptlab::world
