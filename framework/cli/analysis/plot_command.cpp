// `promptlab plot epochs|base-new|sharpness|shots`: figures from the run store, drawn by gnuplot
// (PNG or SVG by the --out extension), each with its gnuplot script beside it.
#include <iostream>
#include <memory>

#include "analysis/gnuplot.hpp"
#include "analysis/run_figures.hpp"
#include "cli/command.hpp"
#include "store/run_store.hpp"

namespace promptlab::cli {
namespace {

enum class PlotKind { kEpochs, kBranches, kBaseNew, kSharpness, kShots };

struct PlotOptions {
  std::vector<std::int64_t> runs;
  std::string metric = "loss";
  ResultFilter filter;
  std::string out;
};

std::string default_out(PlotKind kind, const PlotOptions& o) {
  switch (kind) {
    case PlotKind::kEpochs: return "epochs-" + o.metric + ".png";
    case PlotKind::kBranches: return "branches.png";
    case PlotKind::kBaseNew: return "base-new.png";
    case PlotKind::kSharpness: return "sharpness-new.png";
    case PlotKind::kShots: return "shots.png";
  }
  return "plot.png";
}

void run_plot(PlotKind kind, const PlotOptions& o, const GlobalOptions& global) {
  const std::string out = o.out.empty() ? default_out(kind, o) : o.out;
  image_format_of(out);  // a bad extension fails before any work
  RunStore store(existing_db_path(global));
  Figure figure;
  switch (kind) {
    case PlotKind::kEpochs: figure = epoch_figure(store, o.runs, o.metric); break;
    case PlotKind::kBranches: figure = pooled_branch_figure(store, o.filter); break;
    case PlotKind::kBaseNew: figure = base_new_figure(store, o.filter); break;
    case PlotKind::kSharpness: figure = sharpness_figure(store, o.filter); break;
    case PlotKind::kShots: figure = shots_figure(store, o.filter); break;
  }
  if (figure.series.empty())
    std::cerr << "plot: nothing in " << store.path() << " matches; the figure says 'no data'\n";
  render_figure(figure, out);
  std::cout << "wrote " << out << " (gnuplot script: " << out << ".gp)\n";
}

void setup_plot(CLI::App& app, GlobalOptions& global) {
  CLI::App* plot = app.add_subcommand("plot", "Figures from the store (PNG or SVG, drawn by gnuplot)");
  plot->require_subcommand(1);
  const auto add = [&](const std::string& name, const std::string& help, PlotKind kind) {
    auto opts = std::make_shared<PlotOptions>();
    CLI::App* cmd = plot->add_subcommand(name, help);
    cmd->add_option("--out", opts->out, "Image to write: .png or .svg (default " + default_out(kind, *opts) +
                                            " for the defaults); its gnuplot script goes beside it (.gp)");
    cmd->callback([kind, opts, &global] { run_plot(kind, *opts, global); });
    return std::make_pair(cmd, opts);
  };
  auto [epochs, eo] = add("epochs", "Per-epoch curves of chosen runs: loss, acc, cos, grad_norm... or branch shares",
                          PlotKind::kEpochs);
  epochs->add_option("RUN_ID", eo->runs, "Runs to draw (ids from `promptlab results` or the runs table)")->required();
  epochs->add_option("--metric", eo->metric,
                     "An epoch metric (loss, acc, cos, grad_norm, lr, ...) or 'branch': the share of steps in each "
                     "GCSAM branch")
      ->capture_default_str();
  auto [branches, br] = add("branches", "GCSAM branch shares per epoch, pooled over the matching runs",
                            PlotKind::kBranches);
  add_filter_options(*branches, br->filter);
  auto [base_new, bo] = add("base-new", "New against base accuracy, one point per counted run", PlotKind::kBaseNew);
  add_filter_options(*base_new, bo->filter);
  auto [sharp, so] = add("sharpness", "New accuracy against the run's sharpness (docs/protocol.md §13)",
                         PlotKind::kSharpness);
  add_filter_options(*sharp, so->filter);
  auto [shots, to] = add("shots", "Few-shot accuracy against shots, per method and dataset", PlotKind::kShots);
  add_filter_options(*shots, to->filter);
}

CommandRegistration plot_registration{"plot", 63, &setup_plot};

}  // namespace
}  // namespace promptlab::cli
