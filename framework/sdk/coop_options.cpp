#include "promptlab/prompt/coop_options.hpp"

namespace promptlab {

ClassTokenPosition parse_class_token_position(const std::string& text) {
  if (text == "end") return ClassTokenPosition::kEnd;
  if (text == "middle") return ClassTokenPosition::kMiddle;
  if (text == "front") return ClassTokenPosition::kFront;
  throw ConfigError("coop.class_token_position must be \"end\", \"middle\" or \"front\", got \"" + text + "\"");
}

CoopOptions CoopOptions::from_config(const Config& config) {
  CoopOptions o;
  o.n_ctx = config.get_int("coop.n_ctx", o.n_ctx);
  o.init = config.get_string("coop.init", o.init);
  o.csc = config.get_bool("coop.csc", o.csc);
  o.position = parse_class_token_position(config.get_string("coop.class_token_position", "end"));
  o.seed = static_cast<std::uint64_t>(config.get_int("seed", static_cast<std::int64_t>(o.seed)));
  if (o.init.empty() && o.n_ctx <= 0) {
    throw ConfigError("coop.n_ctx must be positive, got " + std::to_string(o.n_ctx));
  }
  return o;
}

}  // namespace promptlab
