#include "promptlab/prompt/template_text.hpp"

#include <stdexcept>

#include "promptlab/prompt/prompt_tokens.hpp"

namespace promptlab {

std::string fill_template(const std::string& prompt_template, const std::string& classname) {
  const std::string tmpl = prompt_template.empty() ? "a photo of a {}." : prompt_template;
  if (tmpl.find("{}") == std::string::npos) {
    throw std::invalid_argument("prompt template \"" + tmpl + "\" has no \"{}\" for the class name");
  }
  const std::string name = prompt_classname(classname);
  std::string out;
  std::size_t pos = 0;
  for (std::size_t hit; (hit = tmpl.find("{}", pos)) != std::string::npos; pos = hit + 2) {
    out += tmpl.substr(pos, hit - pos) + name;
  }
  return out + tmpl.substr(pos);
}

torch::Tensor template_text_features(ClipModel& clip, const Tokenizer& tokenizer, const std::string& prompt_template,
                                     const std::vector<std::string>& classnames, const torch::Device& device) {
  if (classnames.empty()) throw std::invalid_argument("zero-shot text features: the class list is empty");
  const auto length = static_cast<std::size_t>(clip->config().context_length);
  std::vector<std::int64_t> flat;
  for (const auto& name : classnames) {
    auto ids = tokenizer.tokenize(fill_template(prompt_template, name), length);
    flat.insert(flat.end(), ids.begin(), ids.end());
  }
  torch::Tensor ids = torch::tensor(flat, torch::kLong)
                          .view({static_cast<std::int64_t>(classnames.size()), static_cast<std::int64_t>(length)})
                          .to(device);
  torch::NoGradGuard no_grad;
  torch::Tensor text = clip->encode_text(ids);
  return (text / text.norm(2, -1, true)).detach();
}

}  // namespace promptlab
