#include "promptlab/prompt/coop_options.hpp"

namespace promptlab {

ClassTokenPosition parse_class_token_position(const std::string& text) {
  if (text == "end") return ClassTokenPosition::kEnd;
  if (text == "middle") return ClassTokenPosition::kMiddle;
  if (text == "front") return ClassTokenPosition::kFront;
  throw ConfigError("coop.class_token_position must be \"end\", \"middle\" or \"front\", got \"" + text + "\"");
}

CoopOptions CoopOptions::from_config(const Config& config, bool with_csc) {
  CoopOptions o;
  o.n_ctx = config.get_int("coop.n_ctx");
  o.init = config.get_string("coop.init");
  o.csc = with_csc && config.get_bool("coop.csc");
  o.position = parse_class_token_position(config.get_string("coop.class_token_position"));
  o.seed = static_cast<std::uint64_t>(config.get_int("seed"));
  if (o.init.empty() && o.n_ctx <= 0) {
    throw ConfigError("coop.n_ctx must be positive, got " + std::to_string(o.n_ctx));
  }
  return o;
}

}  // namespace promptlab
