// `promptlab pretrain`: contrastive pretraining of the tiny CLIP on the embedded world.
#include <unistd.h>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "world/pretrainer.hpp"

namespace promptlab::cli {
namespace {

struct PretrainCli {
  world::PretrainOptions options;
  std::string db;
  int threads = -1;
  bool fp32 = false;
  bool no_db = false;
  int log_every = 20;
};

std::string format_progress(const world::PretrainProgress& p) {
  std::ostringstream s;
  s << "step " << p.step << "/" << p.total_steps << std::fixed << std::setprecision(4) << "  loss " << p.loss
    << std::setprecision(6) << "  lr " << p.lr << std::setprecision(2) << "  scale " << p.logit_scale
    << std::setprecision(0) << "  " << p.samples_per_s << " samples/s  elapsed " << p.elapsed_s << " s";
  return s.str();
}

void setup_pretrain(CLI::App& app, GlobalOptions& global) {
  auto cli = std::make_shared<PretrainCli>();
  auto& o = cli->options;
  auto* cmd = app.add_subcommand("pretrain", "Pretrain the tiny CLIP contrastively on the embedded world");
  cmd->add_option("--out", o.out_dir, "Output folder (tiny_clip.pt, merges.txt, optimizer.pt, state.json)")
      ->capture_default_str();
  cmd->add_option("--samples", o.samples, "Training samples in total")->capture_default_str();
  cmd->add_option("--batch", o.batch, "Batch size")->capture_default_str();
  cmd->add_option("--lr", o.lr, "Peak learning rate (AdamW)")->capture_default_str();
  cmd->add_option("--weight-decay", o.weight_decay, "AdamW weight decay")->capture_default_str();
  cmd->add_option("--warmup-fraction", o.warmup_fraction, "Share of the steps spent in the linear lr warm-up")
      ->check(CLI::Range(0.0, 0.5))
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "World stream and initialisation seed")->capture_default_str();
  cmd->add_option("--threads", cli->threads, "Intra-op threads (default: the global --threads)");
  cmd->add_option("--workers", o.workers, "Data-generating threads")->capture_default_str();
  cmd->add_option("--group-size", o.group_size,
                  "Samples per contrast group (sharing all attributes but one); 1 = independent")
      ->capture_default_str();
  cmd->add_flag("--resume", o.resume, "Continue from the checkpoint in --out");
  cmd->add_option("--db", cli->db, "Run store (default: the global --db / $PROMPTLAB_DB / ./promptlab.db)");
  cmd->add_flag("--no-db", cli->no_db, "Do not record the run");
  cmd->add_flag("--fp32", cli->fp32, "Disable bf16 autocast");
  cmd->add_option("--checkpoint-every", o.checkpoint_every, "Steps between checkpoints")->capture_default_str();
  cmd->add_option("--merges", o.bpe_merges, "BPE merges to learn from the world's captions")->capture_default_str();
  cmd->add_option("--resolution", o.model.image_resolution, "Image resolution")->capture_default_str();
  cmd->add_option("--patch", o.model.vision_patch, "Vision patch size")->capture_default_str();
  cmd->add_option("--vision-width", o.model.vision_width, "Vision transformer width")->capture_default_str();
  cmd->add_option("--vision-layers", o.model.vision_layers, "Vision transformer layers")->capture_default_str();
  cmd->add_option("--text-width", o.model.text_width, "Text transformer width")->capture_default_str();
  cmd->add_option("--text-layers", o.model.text_layers, "Text transformer layers")->capture_default_str();
  cmd->add_option("--embed-dim", o.model.embed_dim, "Joint embedding size")->capture_default_str();
  cmd->add_option("--context-length", o.model.context_length, "Text context length")->capture_default_str();
  cmd->add_option("--log-every", cli->log_every, "Steps between log lines when stderr is not a terminal")
      ->capture_default_str();
  cmd->callback([cli, &global] {
    auto& opts = cli->options;
    opts.threads = cli->threads >= 0 ? cli->threads : global.threads;
    GlobalOptions g = global;
    g.threads = opts.threads;
    apply_threads(g);
    opts.bf16 = !cli->fp32;
    if (!cli->no_db) {
      GlobalOptions dbg = global;
      if (!cli->db.empty()) dbg.db_path = cli->db;
      opts.db_path = resolve_db_path(dbg);
    }
    const bool tty = isatty(fileno(stderr)) != 0;
    std::cerr << "pretrain: " << world::pretrain_options_json(opts) << "\n";
    auto result = world::pretrain(opts, [&](const world::PretrainProgress& p) {
      if (tty) {
        std::cerr << "\r" << format_progress(p) << "   " << std::flush;
      } else if (p.step % cli->log_every == 0 || p.step == p.total_steps) {
        std::cerr << format_progress(p) << "\n" << std::flush;
      }
    });
    if (tty) std::cerr << "\n";
    std::cout << "checkpoint: " << result.checkpoint_path << "\nmerges: " << result.merges_path
              << "\nsteps: " << result.steps << "\nfinal loss: " << result.final_loss
              << "\nlogit scale: " << result.logit_scale << "\nsamples/s: " << result.samples_per_s;
    if (result.run_id) std::cout << "\nrun: " << result.run_id;
    std::cout << "\n";
  });
}

CommandRegistration pretrain_registration{"pretrain", 80, &setup_pretrain};

}  // namespace
}  // namespace promptlab::cli
