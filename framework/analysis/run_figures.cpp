#include "analysis/run_figures.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

namespace promptlab {

namespace {

const std::string kBranchPrefix = "branch_";

RunRecord existing_run(const RunStore& store, std::int64_t id) {
  const auto run = store.get_run(id);
  if (!run) throw std::invalid_argument("run store " + store.path() + ": no run with id " + std::to_string(id));
  return *run;
}

std::string names_of(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

// Adds (x, y) to the series called `label`, creating it in first-seen order.
void add_point(Figure& f, const std::string& label, double x, double y) {
  auto it = std::find_if(f.series.begin(), f.series.end(), [&](const Series& s) { return s.label == label; });
  if (it == f.series.end()) {
    f.series.push_back({label, {}, {}});
    it = f.series.end() - 1;
  }
  it->x.push_back(x);
  it->y.push_back(y);
}

}  // namespace

double own_split_accuracy(const std::vector<SplitResult>& results, const RunRecord& run, const std::string& split) {
  for (const auto& r : results)
    if (r.split == split && (r.dataset.empty() || r.dataset == run.dataset)) return r.accuracy;
  return std::numeric_limits<double>::quiet_NaN();
}

std::string run_caption(const RunRecord& r) {
  return "run " + std::to_string(r.id) + " (" + r.method + ", " + r.dataset + ", seed " + std::to_string(r.seed) + ")";
}

Series landscape_curve(const RunRecord& run, const std::vector<LandscapePoint>& points) {
  Series s{run_caption(run), {}, {}, {}};
  for (const auto& p : points) {
    s.x.push_back(p.alpha);
    s.y.push_back(p.loss);
  }
  return s;
}

Figure landscape_map(const RunRecord& run, const LandscapeKey& key, const std::vector<LandscapePoint>& points) {
  Figure map{"loss around " + run_caption(run) + " (" + key.split + " split, " + key.grid + ")", "direction 1",
             "direction 2", {}, FigureStyle::kHeatmap};
  map.z_label = "cross-entropy loss";
  Series s{run_caption(run), {}, {}, {}};
  for (const auto& p : points) {
    s.x.push_back(p.alpha);
    s.y.push_back(p.beta);
    s.z.push_back(p.loss);
  }
  map.series.push_back(std::move(s));
  return map;
}

Figure epoch_figure(const RunStore& store, const std::vector<std::int64_t>& runs, const std::string& metric) {
  if (runs.empty()) throw std::invalid_argument("plot epochs: no run ids given");
  const bool branches = metric == kBranchShare;
  Figure f;
  f.x_label = "epoch";
  f.y_label = branches ? "share of steps in the branch" : metric;
  f.title = branches ? "GCSAM branch share per epoch" : metric + " per epoch";
  f.y_from_zero_to_one = branches;
  for (const std::int64_t id : runs) {
    const RunRecord run = existing_run(store, id);
    const std::vector<EpochMetrics> epochs = store.epochs(id);
    std::set<std::string> recorded, branch_names;
    for (const auto& e : epochs)
      for (const auto& [name, value] : e.values) {
        recorded.insert(name);
        if (name.rfind(kBranchPrefix, 0) == 0) branch_names.insert(name);
      }
    if (branches ? branch_names.empty() : recorded.count(metric) == 0)
      throw std::invalid_argument("run " + std::to_string(id) + " (" + run.method + ") has no epoch metric " +
                                  (branches ? std::string("branch_*") : "'" + metric + "'") +
                                  "; it has: " + names_of(recorded));
    if (!branches) {
      Series s{run_caption(run), {}, {}};
      for (const auto& e : epochs) {
        const auto it = e.values.find(metric);
        if (it == e.values.end()) continue;
        s.x.push_back(static_cast<double>(e.epoch));
        s.y.push_back(it->second);
      }
      f.series.push_back(std::move(s));
      continue;
    }
    for (const auto& branch : branch_names) {
      Series s{run_caption(run) + ": " + branch.substr(kBranchPrefix.size()), {}, {}};
      for (const auto& e : epochs) {
        double total = 0;
        for (const auto& b : branch_names) {
          const auto it = e.values.find(b);
          if (it != e.values.end()) total += it->second;
        }
        const auto it = e.values.find(branch);
        if (total <= 0 || it == e.values.end()) continue;
        s.x.push_back(static_cast<double>(e.epoch));
        s.y.push_back(it->second / total);
      }
      f.series.push_back(std::move(s));
    }
  }
  return f;
}

Figure pooled_branch_figure(const RunStore& store, const ResultFilter& filter) {
  std::map<std::string, std::map<std::int64_t, double>> steps;  // branch -> epoch -> steps over the runs
  std::map<std::int64_t, double> total;                         // epoch -> steps over the branches and runs
  int pooled = 0;
  for (const RunRecord& r : store.list_runs(filter)) {
    if (r.status != "finished") continue;
    bool any = false;
    for (const auto& e : store.epochs(r.id))
      for (const auto& [name, value] : e.values)
        if (name.rfind(kBranchPrefix, 0) == 0 && !std::isnan(value)) {
          steps[name.substr(kBranchPrefix.size())][e.epoch] += value;
          total[e.epoch] += value;
          any = true;
        }
    pooled += any ? 1 : 0;
  }
  Figure f{"GCSAM branch share per epoch, pooled over " + std::to_string(pooled) + " run" + (pooled == 1 ? "" : "s"),
           "epoch", "share of steps in the branch", {}, FigureStyle::kLines, true};
  for (const auto& [branch, by_epoch] : steps) {
    Series s{branch, {}, {}};
    for (const auto& [epoch, all] : total) {
      if (all <= 0) continue;
      const auto it = by_epoch.find(epoch);
      s.x.push_back(static_cast<double>(epoch));
      s.y.push_back(it == by_epoch.end() ? 0.0 : it->second / all);
    }
    f.series.push_back(std::move(s));
  }
  return f;
}

Figure pooled_epoch_figure(const RunStore& store, const ResultFilter& filter, const std::string& metric) {
  std::map<std::string, std::map<std::int64_t, std::pair<double, int>>> sums;  // method -> epoch -> (sum, runs)
  std::map<std::string, int> runs_of;
  for (const RunRecord& r : store.list_runs(filter)) {
    if (r.status != "finished") continue;
    bool any = false;
    for (const auto& e : store.epochs(r.id)) {
      const auto it = e.values.find(metric);
      if (it == e.values.end() || std::isnan(it->second)) continue;
      auto& [sum, n] = sums[r.method][e.epoch];
      sum += it->second;
      ++n;
      any = true;
    }
    runs_of[r.method] += any ? 1 : 0;
  }
  Figure f{metric + " per epoch, mean over each method's runs", "epoch", metric, {}, FigureStyle::kLines};
  for (const auto& [method, by_epoch] : sums) {
    const int n = runs_of[method];
    Series s{method + " (" + std::to_string(n) + " run" + (n == 1 ? "" : "s") + ")", {}, {}};
    for (const auto& [epoch, sum_n] : by_epoch) {
      s.x.push_back(static_cast<double>(epoch));
      s.y.push_back(sum_n.first / sum_n.second);
    }
    f.series.push_back(std::move(s));
  }
  return f;
}

std::vector<RunRecord> counted_runs(const RunStore& store, const ResultFilter& filter) {
  std::map<std::tuple<std::string, std::string, std::string, std::int64_t>, RunRecord> newest;
  for (const RunRecord& r : store.list_runs(filter)) {
    if (r.status != "finished") continue;
    const auto results = store.results(r.id);
    if (std::isnan(own_split_accuracy(results, r, "base")) || std::isnan(own_split_accuracy(results, r, "new"))) continue;
    newest[{r.method, r.dataset, r.protocol_hash, r.seed}] = r;  // list_runs is by id: the last is the newest
  }
  std::vector<RunRecord> out;
  for (auto& [key, r] : newest) out.push_back(std::move(r));
  std::sort(out.begin(), out.end(), [](const RunRecord& a, const RunRecord& b) { return a.id < b.id; });
  return out;
}

Figure base_new_figure(const RunStore& store, const ResultFilter& filter) {
  Figure f{"new against base accuracy (one point per run)", "base accuracy (%)", "new accuracy (%)", {},
           FigureStyle::kPoints};
  for (const RunRecord& r : counted_runs(store, filter)) {
    const auto results = store.results(r.id);
    add_point(f, r.method, own_split_accuracy(results, r, "base"), own_split_accuracy(results, r, "new"));
  }
  return f;
}

Figure sharpness_figure(const RunStore& store, const ResultFilter& filter) {
  Figure f{"new accuracy against sharpness at the learned prompt (one point per run)",
           "sharpness (loss increase in the rho-ball)", "new accuracy (%)", {}, FigureStyle::kPoints};
  for (const RunRecord& r : counted_runs(store, filter)) {
    const auto measures = store.run_metrics(r.id);
    const auto it = measures.find("sharpness");
    if (it == measures.end() || std::isnan(it->second)) continue;
    add_point(f, r.method, it->second, own_split_accuracy(store.results(r.id), r, "new"));
  }
  return f;
}

Figure shots_figure(const RunStore& store, const ResultFilter& filter) {
  Figure f{"few-shot accuracy against shots (mean over seeds)", "shots per class", "accuracy (%)", {},
           FigureStyle::kLines};
  std::vector<TargetRow> rows = store.target_results(filter);
  std::sort(rows.begin(), rows.end(), [](const TargetRow& a, const TargetRow& b) {
    return std::tie(a.method, a.dataset, a.shots) < std::tie(b.method, b.dataset, b.shots);
  });
  for (const TargetRow& row : rows)
    if (row.target == row.dataset && row.shots > 0)
      add_point(f, row.method + " on " + row.dataset, static_cast<double>(row.shots), row.mean);
  return f;
}

}  // namespace promptlab
