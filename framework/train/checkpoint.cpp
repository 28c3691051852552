#include "train/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "util/pickle_archive.hpp"
#include "util/temp_path.hpp"

namespace promptlab {
namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "promptlab-checkpoint-1";

void write_synced(const std::string& path, const std::vector<char>& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("checkpoint " + path + ": cannot create: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      throw std::runtime_error("checkpoint " + path + ": cannot write: " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    throw std::runtime_error("checkpoint " + path + ": cannot flush to disk: " + std::strerror(errno));
  }
}

}  // namespace

std::string checkpoint_path(const std::string& side_dir, std::int64_t run_id) {
  return (fs::path(side_dir) / "checkpoints" / ("run_" + std::to_string(run_id) + ".ckpt")).string();
}

std::vector<std::pair<std::string, torch::Tensor>> module_tensors(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    out.emplace_back("param." + item.key(), item.value().detach().to(torch::kCPU).clone());
  }
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    out.emplace_back("buffer." + item.key(), item.value().detach().to(torch::kCPU).clone());
  }
  return out;
}

void save_checkpoint(const std::string& path, const TrainState& state) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("format", std::string(kFormat));
  dict.insert("next_epoch", static_cast<std::int64_t>(state.next_epoch));
  dict.insert("config_hash", state.config_hash);
  c10::impl::GenericDict learner(c10::StringType::get(), c10::TensorType::get());
  for (const auto& [name, t] : state.learner) learner.insert(name, t);
  dict.insert("learner", learner);
  c10::impl::GenericList momentum(c10::TensorType::get());
  c10::impl::GenericList defined(c10::BoolType::get());
  for (const auto& m : state.momentum) {
    defined.push_back(m.defined());
    momentum.push_back(m.defined() ? m.detach().to(torch::kCPU) : torch::zeros({0}));
  }
  dict.insert("momentum", momentum);
  dict.insert("momentum_defined", defined);
  if (state.torch_rng.defined()) dict.insert("torch_rng", state.torch_rng);
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  fs::create_directories(fs::path(path).parent_path());
  const std::string tmp = temp_path_beside(path);
  write_synced(tmp, bytes);
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw std::runtime_error("checkpoint " + path + ": cannot rename " + tmp + " into place: " + ec.message());
}

std::optional<TrainState> load_checkpoint(const std::string& path, const std::string& config_hash) {
  if (!fs::exists(path)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  TrainState state;
  try {
    const c10::IValue value = load_pickle_archive(bytes);
    const auto dict = value.toGenericDict();
    if (dict.at("format").toStringRef() != kFormat) throw std::runtime_error("unknown format");
    state.next_epoch = static_cast<int>(dict.at("next_epoch").toInt());
    state.config_hash = dict.at("config_hash").toStringRef();
    for (const auto& entry : dict.at("learner").toGenericDict()) {
      state.learner.emplace_back(entry.key().toStringRef(), entry.value().toTensor());
    }
    const auto momentum = dict.at("momentum").toListRef();
    const auto defined = dict.at("momentum_defined").toListRef();
    for (std::size_t i = 0; i < momentum.size(); ++i) {
      state.momentum.push_back(defined.at(i).toBool() ? momentum[i].toTensor() : torch::Tensor());
    }
    if (dict.contains("torch_rng")) {
      state.torch_rng = dict.at("torch_rng").toTensor();
      const auto expected = torch_rng_state().numel();
      if (state.torch_rng.scalar_type() != torch::kUInt8 || state.torch_rng.numel() != expected) {
        throw std::runtime_error("its RNG state has " + std::to_string(state.torch_rng.numel()) + " elements of " +
                                 std::string(c10::toString(state.torch_rng.scalar_type())) + ", not " +
                                 std::to_string(expected) + " bytes");
      }
    }
  } catch (const std::exception& e) {
    throw std::runtime_error("checkpoint " + path + " is damaged or not a promptlab checkpoint (" +
                             std::string(e.what()).substr(0, 160) + ")");
  }
  if (state.config_hash != config_hash) {
    throw std::runtime_error("checkpoint " + path + " belongs to config " + state.config_hash + ", not this run's " +
                             config_hash);
  }
  return state;
}

torch::Tensor torch_rng_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_torch_rng_state(const torch::Tensor& state) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

void restore_module(torch::nn::Module& module, const TrainState& state, const std::string& source) {
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> saved(state.learner.begin(), state.learner.end());
  auto restore = [&](const std::string& name, torch::Tensor& target) {
    auto it = saved.find(name);
    if (it == saved.end()) throw std::runtime_error(source + ": has no tensor '" + name + "'");
    if (!it->second.sizes().equals(target.sizes())) {
      throw std::runtime_error(source + ": tensor '" + name + "' has shape " + c10::str(it->second.sizes()) +
                               ", the learner's is " + c10::str(target.sizes()));
    }
    target.copy_(it->second);
  };
  for (auto& item : module.named_parameters(/*recurse=*/true)) restore("param." + item.key(), item.value());
  for (auto& item : module.named_buffers(/*recurse=*/true)) restore("buffer." + item.key(), item.value());
}

}  // namespace promptlab
