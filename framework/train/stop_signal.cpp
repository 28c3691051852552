#include "train/stop_signal.hpp"

#include <csignal>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace promptlab {
namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) {
  if (g_stop.exchange(true)) std::_Exit(130);  // second signal: leave now
}

// PROMPTLAB_STOP_AT split at ':' ("step:3:2" -> {"step", "3", "2"}); empty when unset.
const std::vector<std::string>& stop_at() {
  static const std::vector<std::string> parts = [] {
    std::vector<std::string> out;
    const char* env = std::getenv("PROMPTLAB_STOP_AT");
    if (!env || !*env) return out;
    std::stringstream text(env);
    std::string part;
    while (std::getline(text, part, ':')) out.push_back(part);
    return out;
  }();
  return parts;
}

int count_of(const std::string& kind) {
  static std::atomic<int> features{0};
  return kind == "features" ? ++features : 0;
}

}  // namespace

const std::atomic<bool>& stop_flag() { return g_stop; }

void request_stop() { g_stop.store(true); }

void install_stop_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

void stop_point(const std::string& kind, int a, int b) {
  const auto& at = stop_at();
  if (at.empty() || at[0] != kind) return;
  try {
    if (kind == "features") {
      if (count_of(kind) == std::stoi(at.at(1))) request_stop();
    } else if (kind == "step") {
      if (a == std::stoi(at.at(1)) && b == std::stoi(at.at(2))) request_stop();
    } else if (kind == "epoch") {
      if (a == std::stoi(at.at(1))) request_stop();
    }
  } catch (const std::exception&) {
    throw std::invalid_argument("PROMPTLAB_STOP_AT: expected features:N, step:E:S or epoch:E");
  }
}

bool fault_injected(const std::string& fault) {
  const char* env = std::getenv("PROMPTLAB_FAULT");
  return env && fault == env;
}

}  // namespace promptlab
