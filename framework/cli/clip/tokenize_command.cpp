// `promptlab tokenize --vocab FILE [--context-length N] [--truncate] TEXT...`:
// prints one JSON array of CLIP token ids (with SOT and EOT, unpadded) per text.
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab::cli {
namespace {

struct TokenizeOptions {
  std::string vocab;
  std::size_t context_length = 77;
  bool truncate = false;
  std::vector<std::string> texts;
};

void run_tokenize(const TokenizeOptions& opts) {
  const Tokenizer tokenizer = Tokenizer::from_file(opts.vocab);
  for (std::size_t i = 0; i < opts.texts.size(); ++i) {
    std::vector<std::int64_t> ids;
    try {
      ids = tokenizer.tokenize(opts.texts[i], opts.context_length, opts.truncate);
    } catch (const TokenizerError& e) {
      throw TokenizerError("text " + std::to_string(i + 1) + " (vocabulary '" + opts.vocab +
                           "'): " + e.what());
    }
    // EOT (never 0) is the last non-padding id.
    std::size_t len = ids.size();
    while (len > 0 && ids[len - 1] == 0) --len;
    ids.resize(len);
    std::cout << nlohmann::json(ids).dump() << "\n";
  }
}

void setup_tokenize(CLI::App& app, GlobalOptions& /*global*/) {
  auto opts = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = app.add_subcommand("tokenize", "Print CLIP BPE token ids, one JSON array per text");
  cmd->add_option("--vocab", opts->vocab, "BPE merges file (bpe_simple_vocab_16e6.txt.gz or learned)")
      ->required();
  cmd->add_option("--context-length", opts->context_length, "Context length (default 77)")
      ->check(CLI::Range(2, 1 << 20));
  cmd->add_flag("--truncate", opts->truncate, "Cut over-long text (EOT kept last) instead of failing");
  cmd->add_option("text", opts->texts, "Texts to tokenize")->required();
  cmd->callback([opts] { run_tokenize(*opts); });
}

CommandRegistration tokenize_registration{"tokenize", 60, &setup_tokenize};

}  // namespace
}  // namespace promptlab::cli
