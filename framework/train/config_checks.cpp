#include "train/config_checks.hpp"

#include <climits>
#include <cmath>
#include <string>

#include "data/transforms.hpp"

namespace promptlab {
namespace {

std::string shown(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return to_string(ConfigValue(v));
}

// Each check names the key, the value and what is expected; NaN fails every comparison.
void require_real(const Config& c, const std::string& key, double lo, bool lo_open, double hi, bool hi_open,
                  const std::string& range) {
  const double v = c.get_double(key);
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  if (!ok) throw ConfigError("config key " + key + " = " + shown(v) + " is out of range: expected " + range);
}

void require_int(const Config& c, const std::string& key, std::int64_t lo, std::int64_t hi, const std::string& range) {
  const std::int64_t v = c.get_int(key);
  if (v < lo || v > hi) {
    throw ConfigError("config key " + key + " = " + std::to_string(v) + " is out of range: expected " + range);
  }
}

constexpr double kInf = INFINITY;

}  // namespace

void check_config_ranges(const Config& c, bool trains) {
  require_real(c, "optim.lr", 0, true, kInf, true, "a finite number > 0");
  require_real(c, "optim.momentum", 0, false, 1, true, "0 <= momentum < 1");
  require_real(c, "optim.dampening", 0, false, 1, false, "0 <= dampening <= 1");
  require_real(c, "optim.weight_decay", 0, false, kInf, true, "a finite number >= 0");
  require_real(c, "train.warmup_lr", 0, false, kInf, true, "a finite number >= 0");
  require_real(c, "data.crop_scale_min", 0, true, 1, false, "0 < scale <= 1 (the smallest crop's share of the image)");
  require_int(c, "train.epochs", trains ? 1 : 0, INT_MAX, trains ? "1 or more" : "0 or more");
  require_int(c, "train.batch_size", 1, INT_MAX, "1 to " + std::to_string(INT_MAX));
  require_int(c, "train.views", 1, 10000, "1 to 10000");
  require_int(c, "train.warmup_epochs", 0, INT_MAX, "0 or more");
  require_int(c, "data.shots", 1, INT_MAX, "1 or more");
  require_int(c, "seed", 0, INT64_MAX, "0 or more");
  if (const std::string v = c.get_string("train.nonfinite"); v != "fail" && v != "skip") {
    throw ConfigError("config key train.nonfinite = \"" + v + "\" is not one of \"fail\", \"skip\"");
  }
}

}  // namespace promptlab
