// Zero-shot (prompted class names) and linear-probe evaluation on the embedded suite.
#include "world/zeroshot_eval.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "data/item_labels.hpp"
#include "data/transforms.hpp"
#include "world/pretrain_stream.hpp"
#include "world/suite.hpp"

namespace promptlab::world {
namespace {

torch::Tensor normalize_rows(const torch::Tensor& x) { return x / x.norm(2, -1, true); }

std::string fill(const std::string& tmpl, const std::string& name) {
  auto at = tmpl.find("{}");
  if (at == std::string::npos) throw std::invalid_argument("template '" + tmpl + "' has no {}");
  return tmpl.substr(0, at) + name + tmpl.substr(at + 2);
}

// Accuracy (percent) of argmax over the classes in [lo, hi) for items whose label is in it.
double accuracy_in(const torch::Tensor& logits, const std::vector<std::int64_t>& labels, std::int64_t lo,
                   std::int64_t hi) {
  std::int64_t n = 0, correct = 0;
  auto pred = logits.narrow(1, lo, hi - lo).argmax(1);
  auto* p = pred.data_ptr<std::int64_t>();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < lo || labels[i] >= hi) continue;
    ++n;
    if (p[i] + lo == labels[i]) ++correct;
  }
  return n ? 100.0 * double(correct) / double(n) : 0.0;
}

// Multinomial logistic regression on standardised features with L2 strength `l2`.
struct Probe {
  torch::Tensor mean, std, w, b;
  torch::Tensor predict(const torch::Tensor& x) const { return torch::addmm(b, (x - mean) / std, w).argmax(1); }
};

Probe fit_probe(const torch::Tensor& x, const torch::Tensor& y, std::int64_t classes, double l2) {
  torch::manual_seed(0);
  Probe p;
  p.mean = x.mean(0, true);
  p.std = x.std(0, true, true) + 1e-6;
  auto xs = (x - p.mean) / p.std;
  auto w = torch::zeros({x.size(1), classes}, torch::requires_grad());
  auto b = torch::zeros({classes}, torch::requires_grad());
  torch::optim::Adam opt({w, b}, torch::optim::AdamOptions(0.01));
  for (int it = 0; it < 400; ++it) {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(torch::addmm(b, xs, w), y) + l2 * w.pow(2).sum();
    loss.backward();
    opt.step();
  }
  p.w = w.detach();
  p.b = b.detach();
  return p;
}

double accuracy_of(const Probe& p, const torch::Tensor& x, const torch::Tensor& y) {
  torch::NoGradGuard no_grad;
  return 100.0 * p.predict(x).eq(y).to(torch::kFloat64).mean().item<double>();
}

// The probe's L2 strength is chosen on the validation split (as the CLIP paper tunes its
// regulariser), then the probe is scored on the test split; returns test accuracy (percent).
double linear_probe(const torch::Tensor& train_x, const torch::Tensor& train_y, const torch::Tensor& val_x,
                    const torch::Tensor& val_y, const torch::Tensor& test_x, const torch::Tensor& test_y,
                    std::int64_t classes) {
  double best_val = -1.0;
  Probe best;
  for (double l2 : {1e-4, 1e-3, 1e-2, 3e-2, 1e-1}) {
    Probe p = fit_probe(train_x, train_y, classes, l2);
    const double v = accuracy_of(p, val_x, val_y);
    if (v > best_val) {
      best_val = v;
      best = std::move(p);
    }
  }
  return accuracy_of(best, test_x, test_y);
}

}  // namespace

torch::Tensor encode_items(ClipModel& model, const Dataset& dataset, const std::vector<DataItem>& items) {
  torch::NoGradGuard no_grad;
  const int res = static_cast<int>(model->config().image_resolution);
  std::vector<torch::Tensor> out;
  const std::size_t batch = 256;
  for (std::size_t start = 0; start < items.size(); start += batch) {
    std::size_t end = std::min(items.size(), start + batch);
    std::vector<torch::Tensor> imgs;
    for (std::size_t i = start; i < end; ++i) {
      Image img = dataset.load_image(items[i]);
      imgs.push_back(img.width == res && img.height == res ? normalize_image(img) : test_transform(img, res));
    }
    out.push_back(model->encode_image(torch::stack(imgs)).to(torch::kFloat32));
  }
  if (out.empty()) return torch::empty({0, model->config().embed_dim});
  return normalize_rows(torch::cat(out));
}

torch::Tensor encode_prompts(ClipModel& model, const Tokenizer& tokenizer, const std::string& prompt_template,
                             const std::vector<std::string>& classnames) {
  torch::NoGradGuard no_grad;
  const auto ctx = static_cast<std::size_t>(model->config().context_length);
  auto tokens = torch::zeros({static_cast<std::int64_t>(classnames.size()), static_cast<std::int64_t>(ctx)},
                             torch::kInt64);
  for (std::size_t c = 0; c < classnames.size(); ++c) {
    auto ids = tokenizer.tokenize(fill(prompt_template, classnames[c]), ctx, true);
    std::copy(ids.begin(), ids.end(), tokens.data_ptr<std::int64_t>() + c * ctx);
  }
  return normalize_rows(model->encode_text(tokens).to(torch::kFloat32));
}

EmbeddedScores evaluate_embedded(ClipModel& model, const Tokenizer& tokenizer, const Dataset& dataset,
                                 int probe_shots) {
  model->eval();
  EmbeddedScores s;
  s.dataset = dataset.name();
  auto classnames = dataset.classnames();
  const auto n = static_cast<std::int64_t>(classnames.size());
  const std::int64_t n_base = (n + 1) / 2;
  s.classes = static_cast<int>(n);
  auto test = dataset.items(Split::kTest);
  s.test_items = static_cast<int>(test.size());
  auto img = encode_items(model, dataset, test);
  auto txt = encode_prompts(model, tokenizer, dataset.prompt_template(), classnames);
  auto logits = torch::mm(img, txt.t());
  std::vector<std::int64_t> labels;
  for (const auto& it : test) labels.push_back(it.label);
  s.base = accuracy_in(logits, labels, 0, n_base);
  s.novel = accuracy_in(logits, labels, n_base, n);
  s.all = accuracy_in(logits, labels, 0, n);
  if (probe_shots > 0) {
    // The first `shots` items of each base class from a split (items cycle through the labels).
    auto base_shots = [&](Split split, int shots) {
      std::vector<DataItem> out;
      std::vector<int> taken(static_cast<std::size_t>(n_base), 0);
      for (const auto& it : dataset.items(split)) {
        if (it.label < n_base && taken[static_cast<std::size_t>(it.label)] < shots) {
          out.push_back(it);
          ++taken[static_cast<std::size_t>(it.label)];
        }
      }
      return out;
    };
    const std::vector<DataItem> train = base_shots(Split::kTrain, probe_shots);
    const std::vector<DataItem> val = base_shots(Split::kVal, std::numeric_limits<int>::max());
    std::vector<std::int64_t> test_labels;
    std::vector<std::int64_t> rows;
    for (std::size_t i = 0; i < test.size(); ++i) {
      if (test[i].label < n_base) {
        rows.push_back(static_cast<std::int64_t>(i));
        test_labels.push_back(test[i].label);
      }
    }
    auto test_x = img.index_select(0, torch::tensor(rows, torch::kInt64));
    s.linear_probe_base = linear_probe(encode_items(model, dataset, train), labels_of(train),
                                       encode_items(model, dataset, val), labels_of(val), test_x,
                                       torch::tensor(test_labels, torch::kInt64), n_base);
  }
  return s;
}

std::string evaluate_suite_json(ClipModel& model, const Tokenizer& tokenizer, int probe_shots,
                                const std::string& model_label, std::vector<EmbeddedScores>* scores) {
  nlohmann::json j;
  j["model"] = model_label;
  j["protocol"] = "zero-shot on the test split; base = first ceil(n/2) classes, evaluated among base classes; "
                  "new among new classes; all among all classes; linear_probe_base = " +
                  std::to_string(probe_shots) + "-shot logistic regression on frozen features, L2 strength chosen on "
                  "the validation split";
  double sb = 0, sn = 0, sa = 0, sp = 0;
  std::vector<EmbeddedScores> all;
  for (const auto& name : embedded_dataset_names()) {
    auto d = open_embedded_dataset(name);
    auto s = evaluate_embedded(model, tokenizer, *d, probe_shots);
    j["datasets"][name] = {{"classes", s.classes},          {"test_items", s.test_items}, {"base", s.base},
                           {"new", s.novel},                {"all", s.all},
                           {"chance_new", 100.0 / double(s.classes - (s.classes + 1) / 2)},
                           {"linear_probe_base", s.linear_probe_base}};
    sb += s.base;
    sn += s.novel;
    sa += s.all;
    sp += s.linear_probe_base;
    all.push_back(s);
  }
  const double k = static_cast<double>(all.size());
  j["average"] = {{"base", sb / k}, {"new", sn / k}, {"all", sa / k}, {"linear_probe_base", sp / k}};
  if (scores) *scores = all;
  return j.dump(2);
}

}  // namespace promptlab::world
