#include "train/learned_parameters.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "util/pickle_archive.hpp"
#include "util/temp_path.hpp"

namespace promptlab {

std::vector<std::pair<std::string, torch::Tensor>> named_trainable(Learner& learner) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  const auto named = learner.named_parameters(/*recurse=*/true);
  std::size_t index = 0;
  for (const auto& t : learner.trainable_parameters()) {
    std::string name = "param_" + std::to_string(index++);
    for (const auto& item : named) {
      if (item.value().unsafeGetTensorImpl() == t.unsafeGetTensorImpl()) name = item.key();
    }
    out.emplace_back(name, t.detach().to(torch::kCPU).contiguous());
  }
  return out;
}

void load_trainable(Learner& learner, const std::vector<std::pair<std::string, torch::Tensor>>& learned,
                    const std::string& source) {
  const auto names = named_trainable(learner);
  const std::vector<torch::Tensor> params = learner.trainable_parameters();
  if (learned.size() != params.size())
    throw std::runtime_error(source + ": holds " + std::to_string(learned.size()) + " tensors, the learner trains " +
                             std::to_string(params.size()));
  torch::NoGradGuard no_grad;
  for (std::size_t k = 0; k < params.size(); ++k) {
    const auto it = std::find_if(learned.begin(), learned.end(),
                                 [&](const auto& item) { return item.first == names[k].first; });
    if (it == learned.end()) throw std::runtime_error(source + ": has no tensor '" + names[k].first + "'");
    if (!it->second.sizes().equals(params[k].sizes()))
      throw std::runtime_error(source + ": tensor '" + it->first + "' is shaped " + c10::str(it->second.sizes()) +
                               ", the learner's " + c10::str(params[k].sizes()));
    params[k].detach().copy_(it->second);
  }
}

std::vector<char> save_named_tensors(const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  c10::Dict<std::string, torch::Tensor> dict;
  for (const auto& [name, t] : tensors) dict.insert(name, t);
  return torch::pickle_save(c10::IValue(dict));
}

std::string rescue_learned(Learner& learner, const std::string& side_dir, std::int64_t run_id) {
  namespace fs = std::filesystem;
  const fs::path path = fs::path(side_dir) / "rescued" / ("run_" + std::to_string(run_id) + ".pt");
  try {
    fs::create_directories(path.parent_path());
    const std::vector<char> blob = save_named_tensors(named_trainable(learner));
    const fs::path tmp = temp_path_beside(path.string());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(blob.data(), static_cast<std::streamsize>(blob.size()));
      if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::rename(tmp, path);
    return "the learned prompt is saved in " + path.string() + " (torch.load reads it)";
  } catch (const std::exception& e) {
    return "the learned prompt could not be saved either (" + std::string(e.what()) + ")";
  }
}

std::vector<std::pair<std::string, torch::Tensor>> load_named_tensors(const std::vector<std::uint8_t>& blob,
                                                                      const std::string& source) {
  std::vector<char> bytes(blob.begin(), blob.end());
  c10::IValue value;
  try {
    value = load_pickle_archive(bytes);
  } catch (const std::exception& e) {
    throw std::runtime_error(source + ": not a tensor archive (" + std::string(e.what()).substr(0, 200) + ")");
  }
  std::vector<std::pair<std::string, torch::Tensor>> out;
  if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) {
      if (!entry.key().isString() || !entry.value().isTensor()) {
        throw std::runtime_error(source + ": expected a dict of name -> tensor");
      }
      out.emplace_back(entry.key().toStringRef(), entry.value().toTensor());
    }
  } else if (value.isList() || value.isTensorList()) {
    std::size_t index = 0;
    for (const auto& item : value.toListRef()) {
      if (!item.isTensor()) throw std::runtime_error(source + ": expected a list of tensors");
      out.emplace_back("param_" + std::to_string(index++), item.toTensor());
    }
  } else {
    throw std::runtime_error(source + ": expected a dict or list of tensors, found " + value.tagKind());
  }
  return out;
}

}  // namespace promptlab
