// `promptlab export RUN_ID --out DIR`: what a run learned, for PyTorch users, and its record.
//   DIR/prompt.pt   torch.load("prompt.pt") -> {"ctx": tensor, ...} (CoOp's names; CoCoOp adds meta_net.*)
//   DIR/run.json    the run's record, resolved config, per-epoch metrics, results and text artifacts
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "cli/command.hpp"
#include "store/results_format.hpp"
#include "store/run_store.hpp"
#include "train/learned_parameters.hpp"
#include "util/temp_path.hpp"

namespace promptlab::cli {
namespace {

namespace fs = std::filesystem;

struct ExportOptions {
  std::int64_t run_id = 0;
  std::string out;
};

void run_export(const ExportOptions& o, const GlobalOptions& global) {
  const std::string db = existing_db_path(global);
  RunStore store(db);
  const auto run = store.get_run(o.run_id);
  if (!run) throw std::runtime_error("run store " + db + ": no run with id " + std::to_string(o.run_id));
  const fs::path dir(o.out);
  if (fs::exists(dir) && !fs::is_directory(dir)) {
    throw std::runtime_error("export: --out " + dir.string() + " exists and is not a folder");
  }
  fs::create_directories(dir);
  const auto artifacts = store.artifacts(run->id);
  write_file_atomically((dir / "run.json").string(),
                        format_run(*run, store.epochs(run->id), store.results(run->id), store.run_metrics(run->id),
                                   artifacts, RunFormat::Json));
  std::cout << "wrote " << (dir / "run.json").string() << "\n";
  for (const auto& a : artifacts) {
    if (a.name != "parameters") continue;
    const auto tensors = load_named_tensors(a.data, "run " + std::to_string(run->id) + " artifact 'parameters'");
    const std::vector<char> blob = save_named_tensors(tensors);
    write_file_atomically((dir / "prompt.pt").string(), std::string(blob.begin(), blob.end()));
    std::cout << "wrote " << (dir / "prompt.pt").string() << ":";
    for (const auto& [name, t] : tensors) std::cout << " " << name << c10::str(t.sizes());
    std::cout << "\n  load it with: torch.load(\"" << (dir / "prompt.pt").string() << "\")\n";
    return;
  }
  std::cout << "run " << run->id << " (" << run->method << ", " << run->status
            << ") has no learned parameters: no prompt.pt written\n";
}

void setup_export(CLI::App& app, GlobalOptions& global) {
  auto opts = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand(
      "export", "Write a run's learned prompt (prompt.pt, loads with torch.load) and its record (run.json)");
  cmd->add_option("run_id", opts->run_id, "Run id (see `promptlab results` or the runs table)")->required();
  cmd->add_option("--out,-o", opts->out, "Folder to write into (created if missing)")->required();
  cmd->callback([opts, &global] { run_export(*opts, global); });
}

CommandRegistration export_registration{"export", 62, &setup_export};

}  // namespace
}  // namespace promptlab::cli
