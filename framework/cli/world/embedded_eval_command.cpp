// `promptlab embedded-eval`: zero-shot and linear-probe accuracies of a CLIP on the embedded suite.
#include <fstream>
#include <iostream>

#include "cli/command.hpp"
#include "world/zeroshot_eval.hpp"

namespace promptlab::cli {
namespace {

struct EmbeddedEvalOptions {
  std::string model = "assets/embedded/tiny_clip.pt";
  std::string merges = "assets/embedded/merges.txt";
  std::string out;
  int probe_shots = 16;
};

void setup_embedded_eval(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<EmbeddedEvalOptions>();
  auto* cmd = app.add_subcommand("embedded-eval", "Zero-shot and linear-probe accuracy on the embedded suite");
  cmd->add_option("--model", o->model, "CLIP checkpoint")->capture_default_str();
  cmd->add_option("--merges", o->merges, "BPE merges of the checkpoint")->capture_default_str();
  cmd->add_option("--out", o->out, "Write the JSON report here (default: stdout)");
  cmd->add_option("--probe-shots", o->probe_shots, "Shots per base class for the linear probe (0 = skip)")
      ->capture_default_str();
  cmd->callback([o, &global] {
    apply_threads(global);
    ClipModel model = load_clip(o->model);
    Tokenizer tok = Tokenizer::from_file(o->merges);
    std::vector<world::EmbeddedScores> scores;
    std::string json = world::evaluate_suite_json(model, tok, o->probe_shots, o->model, &scores);
    for (const auto& s : scores) {
      std::cerr << s.dataset << ": base " << s.base << "  new " << s.novel << "  all " << s.all
                << "  probe(base) " << s.linear_probe_base << "\n";
    }
    if (o->out.empty()) {
      std::cout << json << "\n";
    } else {
      std::ofstream f(o->out);
      if (!f) throw std::runtime_error("embedded-eval: cannot write " + o->out);
      f << json << "\n";
    }
  });
}

CommandRegistration embedded_eval_registration{"embedded-eval", 81, &setup_embedded_eval};

}  // namespace
}  // namespace promptlab::cli
