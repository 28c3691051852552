// `promptlab landscape RUN_ID...`: the loss around each run's learned parameters along random
// normalised directions, stored in the run store (table landscapes) and drawn by gnuplot.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include "analysis/gnuplot.hpp"
#include "analysis/run_figures.hpp"
#include "analysis/run_landscape.hpp"
#include "cli/command.hpp"
#include "cli/train/session.hpp"
#include "registry/plugin_host.hpp"

namespace promptlab::cli {
namespace {

struct LandscapeCliOptions {
  std::vector<std::int64_t> runs;
  LandscapeOptions landscape;
  std::string norm = "filter";
  std::string out;
  bool recompute = false, no_plot = false;
};

// "<stem>-run<ID><ext>" beside `out`: the file of one run's 2-D landscape.
std::string per_run_path(const std::string& out, std::int64_t id) {
  const std::filesystem::path p(out);
  return (p.parent_path() / (p.stem().string() + "-run" + std::to_string(id) + p.extension().string())).string();
}

void run_landscape(LandscapeCliOptions& o, const GlobalOptions& global) {
  o.landscape.norm = parse_direction_norm(o.norm);
  o.landscape.check();
  const std::string out = o.out.empty() ? "landscape-" + o.landscape.split + ".png" : o.out;
  if (!o.no_plot) image_format_of(out);  // a bad extension fails before any work
  apply_threads(global);
  const std::string db = existing_db_path(global);
  auto host = open_host(global);
  RunStore store(db);
  const std::string grid = o.landscape.grid_name();
  Figure curves{"loss around the learned parameters (" + o.landscape.split + " split, " + grid + ")",
                "step along a random direction (normalised per " + to_string(o.landscape.norm) + ")",
                "cross-entropy loss", {}, FigureStyle::kLines};
  std::vector<std::string> written;
  for (const std::int64_t id : o.runs) {
    const LandscapeKey key{id, o.landscape.split, grid};
    std::vector<LandscapePoint> points = o.recompute ? std::vector<LandscapePoint>{} : store.landscape(key);
    if (points.empty()) {
      points = compute_landscape(*host, store, db, id, o.landscape, [](const std::string& line) {
        std::cerr << line << "\n";
      });
      store.save_landscape(key, points);
    } else {
      std::cerr << "run " << id << ": the landscape is in the store already (--recompute to evaluate it again)\n";
    }
    const RunRecord run = *store.get_run(id);
    const auto centre = std::find_if(points.begin(), points.end(),
                                     [](const LandscapePoint& p) { return p.alpha == 0 && p.beta == 0; });
    std::cout << run_caption(run) << ": " << points.size() << " points";
    if (centre != points.end()) std::cout << "; at the learned parameters loss " << centre->loss << ", accuracy "
                                          << centre->accuracy << "%";
    std::cout << "\n";
    if (o.landscape.dims == 1) {
      curves.series.push_back(landscape_curve(run, points));
    } else if (!o.no_plot) {
      const Figure map = landscape_map(run, key, points);
      const std::string path = per_run_path(out, id);
      render_figure(map, path);
      written.push_back(path);
    }
  }
  if (o.landscape.dims == 1 && !o.no_plot) {
    render_figure(curves, out);
    written.push_back(out);
  }
  for (const auto& path : written) std::cout << "wrote " << path << " (gnuplot script: " << path << ".gp)\n";
  std::cout << "stored in " << db << ": select * from landscapes where grid = '" << grid << "'\n";
}

void setup_landscape(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<LandscapeCliOptions>();
  CLI::App* cmd = app.add_subcommand(
      "landscape", "The loss around runs' learned parameters along random normalised directions (stored and drawn)");
  cmd->add_option("RUN_ID", o->runs, "Finished runs (runs of one dataset and seed share their directions)")
      ->required();
  cmd->add_option("--split", o->landscape.split,
                  "train (the few-shot training set), base or new (test sets of base-to-new runs), all (others)")
      ->capture_default_str();
  cmd->add_option("--dims", o->landscape.dims, "1: curves along one direction; 2: a grid over two")
      ->capture_default_str();
  cmd->add_option("--points", o->landscape.points, "Points per axis")->capture_default_str();
  cmd->add_option("--range", o->landscape.range, "Each axis runs from -range to range")->capture_default_str();
  cmd->add_option("--normalisation", o->norm, "filter (each row scaled to the parameters' row) or tensor")
      ->capture_default_str();
  cmd->add_option("--direction-seed", o->landscape.direction_seed, "Another draw of directions")
      ->capture_default_str();
  cmd->add_option("--cache-dir", o->landscape.cache_dir,
                  "Where the runs kept feature caches and few-shot splits (default <db>.d)");
  cmd->add_option("--out", o->out,
                  "Image (.png or .svg; default landscape-<split>.png); 2-D: one per run, <stem>-run<ID>.<ext>");
  cmd->add_flag("--recompute", o->recompute, "Evaluate again even when the store holds this landscape");
  cmd->add_flag("--no-plot", o->no_plot, "Only compute and store (no gnuplot needed)");
  cmd->callback([o, &global] { run_landscape(*o, global); });
}

CommandRegistration landscape_registration{"landscape", 64, &setup_landscape};

}  // namespace
}  // namespace promptlab::cli
