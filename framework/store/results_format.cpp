#include "store/results_format.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

namespace promptlab {

namespace {

// Number of code points: what a terminal shows for plain UTF-8 text.
std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string fixed(double v, int decimals) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string general(double v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Full-precision number for machine-readable formats.
std::string exact(double v) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

// One table line: a row and whether it is an all-datasets average.
struct Line {
  ResultRow row;
  bool average;
};

// Dataset rows grouped with their average row, in the order of the dataset rows.
std::vector<Line> ordered_rows(const std::vector<ResultRow>& dataset_rows, const std::vector<ResultRow>& average_rows) {
  std::vector<Line> out;
  std::set<std::pair<std::string, std::string>> done;
  auto emit_group = [&](const std::string& method, const std::string& hash) {
    if (!done.insert({method, hash}).second) return;
    for (const auto& r : dataset_rows)
      if (r.method == method && r.protocol_hash == hash) out.push_back({r, false});
    for (const auto& r : average_rows)
      if (r.method == method && r.protocol_hash == hash) out.push_back({r, true});
  };
  for (const auto& r : dataset_rows) emit_group(r.method, r.protocol_hash);
  for (const auto& r : average_rows) emit_group(r.method, r.protocol_hash);
  return out;
}

std::string short_hash(const std::string& h) { return h.size() > 12 ? h.substr(0, 12) : h; }

nlohmann::json row_json(const ResultRow& r, bool average) {
  return nlohmann::json{{"method", r.method},         {"dataset", r.dataset},
                        {"average", average},         {"protocol", r.protocol},
                        {"protocol_hash", r.protocol_hash}, {"seeds", r.n_seeds},
                        {"datasets", r.n_datasets},   {"base_mean", r.base_mean},
                        {"base_std", r.base_std},     {"new_mean", r.new_mean},
                        {"new_std", r.new_std},       {"hm", r.hm}};
}

// lr, loss, acc, time_s first; the rest alphabetically.
std::vector<std::string> metric_order(const std::vector<EpochMetrics>& epochs) {
  static const std::vector<std::string> preferred = {"lr", "loss", "acc", "time_s"};
  std::set<std::string> names;
  for (const auto& e : epochs)
    for (const auto& kv : e.values) names.insert(kv.first);
  std::vector<std::string> out;
  for (const auto& p : preferred)
    if (names.erase(p)) out.push_back(p);
  out.insert(out.end(), names.begin(), names.end());
  return out;
}

bool printable(const Artifact& a) { return a.kind == "text" || a.kind == "json"; }

std::vector<std::pair<std::string, std::string>> record_fields(const RunRecord& r) {
  return {{"id", std::to_string(r.id)},
          {"status", r.status},
          {"error", r.error},
          {"method", r.method},
          {"learner", r.learner},
          {"step_rule", r.step_rule},
          {"dataset", r.dataset},
          {"protocol", r.protocol},
          {"protocol_hash", r.protocol_hash},
          {"seed", std::to_string(r.seed)},
          {"config_hash", r.config_hash},
          {"plugin_versions", r.plugin_versions_json},
          {"model_path", r.model_path},
          {"model_checksum", r.model_checksum},
          {"code_revision", r.code_revision},
          {"promptlab_version", r.promptlab_version},
          {"machine", r.machine},
          {"device", r.device},
          {"precision", r.precision},
          {"started_at", r.started_at},
          {"finished_at", r.finished_at},
          {"pid", std::to_string(r.pid)}};
}

std::string run_text(const RunRecord& run, const std::vector<EpochMetrics>& epochs,
                     const std::vector<SplitResult>& results, const std::map<std::string, double>& measures,
                     const std::vector<Artifact>& artifacts) {
  std::string out = "run " + std::to_string(run.id) + ": " + run.method + " on " + run.dataset + ", seed " +
                    std::to_string(run.seed) + " (" + run.status + ")\n";
  std::vector<std::vector<std::string>> fields;
  for (auto& [k, v] : record_fields(run))
    if (k != "id" && !(k == "error" && v.empty())) fields.push_back({"  " + k, v});
  out += align_columns(fields, false);

  out += "\nconfig:\n";
  auto cfg = nlohmann::json::parse(run.config_json, nullptr, false);
  std::string cfg_text = cfg.is_discarded() ? run.config_json : cfg.dump(2);
  std::size_t start = 0;
  while (start <= cfg_text.size()) {
    std::size_t end = cfg_text.find('\n', start);
    if (end == std::string::npos) end = cfg_text.size();
    out += "  " + cfg_text.substr(start, end - start) + "\n";
    start = end + 1;
  }

  out += "\nepochs:";
  if (epochs.empty()) {
    out += " none\n";
  } else {
    out += "\n";
    auto names = metric_order(epochs);
    std::vector<std::vector<std::string>> rows{{"  epoch"}};
    for (const auto& n : names) rows[0].push_back(n);
    for (const auto& e : epochs) {
      std::vector<std::string> row{"  " + std::to_string(e.epoch)};
      for (const auto& n : names) {
        auto it = e.values.find(n);
        row.push_back(it == e.values.end() ? "" : general(it->second));
      }
      rows.push_back(row);
    }
    out += align_columns(rows, true, std::vector<bool>(names.size() + 1, true));
  }

  out += "\nresults:";
  if (results.empty()) {
    out += " none\n";
  } else {
    out += "\n";
    std::vector<std::vector<std::string>> rows{{"  dataset", "split", "n", "correct", "accuracy"}};
    for (const auto& r : results) {
      rows.push_back({"  " + (r.dataset.empty() ? run.dataset : r.dataset), r.split, std::to_string(r.n),
                      std::to_string(r.correct), fixed(r.accuracy, 2)});
    }
    out += align_columns(rows, true, {false, false, true, true, true});
  }

  out += "\nrun metrics:";
  if (measures.empty()) {
    out += " none\n";
  } else {
    out += "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, value] : measures) rows.push_back({"  " + name, general(value)});
    out += align_columns(rows, false, {false, true});
  }

  out += "\nartifacts:";
  if (artifacts.empty()) {
    out += " none\n";
  } else {
    out += "\n";
    std::vector<std::vector<std::string>> rows{{"  name", "kind", "bytes"}};
    for (const auto& a : artifacts) rows.push_back({"  " + a.name, a.kind, std::to_string(a.data.size())});
    out += align_columns(rows, true, {false, false, true});
    for (const auto& a : artifacts) {
      if (!printable(a)) continue;
      out += "\n--- " + a.name + " (" + a.kind + ") ---\n";
      std::string body(a.data.begin(), a.data.end());
      out += body;
      if (body.empty() || body.back() != '\n') out += "\n";
    }
  }
  return out;
}

std::string run_json(const RunRecord& run, const std::vector<EpochMetrics>& epochs,
                     const std::vector<SplitResult>& results, const std::map<std::string, double>& measures,
                     const std::vector<Artifact>& artifacts) {
  using nlohmann::json;
  json j;
  json rec = json::object();
  for (auto& [k, v] : record_fields(run)) rec[k] = v;
  rec["id"] = run.id;
  rec["seed"] = run.seed;
  auto pv = json::parse(run.plugin_versions_json, nullptr, false);
  rec["plugin_versions"] = pv.is_discarded() ? json(run.plugin_versions_json) : pv;
  j["run"] = rec;
  auto cfg = json::parse(run.config_json, nullptr, false);
  j["config"] = cfg.is_discarded() ? json(run.config_json) : cfg;
  j["epochs"] = json::array();
  for (const auto& e : epochs) {
    json je{{"epoch", e.epoch}};
    for (const auto& [k, v] : e.values) je[k] = std::isnan(v) ? json(nullptr) : json(v);
    j["epochs"].push_back(je);
  }
  j["results"] = json::array();
  for (const auto& r : results)
    j["results"].push_back({{"split", r.split},
                            {"dataset", r.dataset.empty() ? run.dataset : r.dataset},
                            {"n", r.n},
                            {"correct", r.correct},
                            {"accuracy", r.accuracy}});
  j["run_metrics"] = json::object();
  for (const auto& [k, v] : measures) j["run_metrics"][k] = std::isnan(v) ? json(nullptr) : json(v);
  j["artifacts"] = json::array();
  for (const auto& a : artifacts) {
    json ja{{"name", a.name}, {"kind", a.kind}, {"bytes", a.data.size()}};
    if (printable(a)) ja["text"] = std::string(a.data.begin(), a.data.end());
    j["artifacts"].push_back(ja);
  }
  // Invalid UTF-8 (from a mislabelled artifact) is replaced instead of throwing.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

ResultFormat parse_result_format(const std::string& name) {
  if (name == "text") return ResultFormat::Text;
  if (name == "markdown" || name == "md") return ResultFormat::Markdown;
  if (name == "csv") return ResultFormat::Csv;
  if (name == "json") return ResultFormat::Json;
  throw std::invalid_argument("unknown results format '" + name + "' (expected text, markdown, csv or json)");
}

RunFormat parse_run_format(const std::string& name) {
  if (name == "text") return RunFormat::Text;
  if (name == "json") return RunFormat::Json;
  throw std::invalid_argument("unknown run format '" + name + "' (expected text or json)");
}

std::string format_mean_std(double mean, double std, int decimals) {
  return fixed(mean, decimals) + " \xC2\xB1 " + fixed(std, decimals);
}

std::string align_columns(const std::vector<std::vector<std::string>>& rows, bool header_rule,
                          const std::vector<bool>& right) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], display_width(row[c]));
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t c = 0; c < row.size(); ++c) {
      std::size_t pad = width[c] - display_width(row[c]);
      bool r = c < right.size() && right[c];
      bool last = c + 1 == row.size();
      if (c) out += "  ";
      if (r) out += std::string(pad, ' ');
      out += row[c];
      if (!r && !last) out += std::string(pad, ' ');
    }
    out.erase(out.find_last_not_of(' ') + 1);  // no trailing blanks after an empty last cell
    return out + "\n";
  };
  std::string out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += line(rows[i]);
    if (i == 0 && header_rule) {
      std::vector<std::string> rule;
      for (std::size_t c = 0; c < rows[0].size(); ++c) {
        // Keep the leading indentation of the first cell in the rule.
        const std::string& h = rows[0][c];
        std::size_t indent = h.find_first_not_of(' ');
        if (indent == std::string::npos) indent = 0;
        rule.push_back(std::string(indent, ' ') + std::string(width[c] - indent, '-'));
      }
      out += line(rule);
    }
  }
  return out;
}

namespace {

using Table = std::vector<std::vector<std::string>>;

// Text (aligned, numbers right of `first_num`) or Markdown rendering of a header + rows table.
std::string render_table(const Table& table, std::size_t first_num, ResultFormat format) {
  if (format == ResultFormat::Text) {
    std::vector<bool> right(table[0].size(), false);
    for (std::size_t c = first_num; c < right.size(); ++c) right[c] = true;
    return align_columns(table, true, right);
  }
  std::string out;
  for (std::size_t i = 0; i < table.size(); ++i) {
    out += "|";
    for (const auto& cell : table[i]) out += " " + md_cell(cell) + " |";
    out += "\n";
    if (i == 0) {
      out += "|";
      for (std::size_t c = 0; c < table[0].size(); ++c) out += c >= first_num ? " ---: |" : " --- |";
      out += "\n";
    }
  }
  return out;
}

// Machine-readable target rows: CSV lines or a JSON array.
std::string target_rows_data(const std::vector<TargetRow>& rows, ResultFormat format) {
  if (format == ResultFormat::Json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : rows) {
      j.push_back({{"method", r.method}, {"dataset", r.dataset}, {"target", r.target}, {"protocol", r.protocol},
                   {"protocol_hash", r.protocol_hash}, {"shots", r.shots}, {"seeds", r.n_seeds},
                   {"mean", r.mean}, {"std", r.std}});
    }
    return j.dump(2) + "\n";
  }
  std::string out = "method,dataset,target,protocol,protocol_hash,shots,seeds,mean,std\n";
  for (const auto& r : rows) {
    out += csv_field(r.method) + "," + csv_field(r.dataset) + "," + csv_field(r.target) + "," +
           csv_field(r.protocol) + "," + csv_field(r.protocol_hash) + "," + std::to_string(r.shots) + "," +
           std::to_string(r.n_seeds) + "," + exact(r.mean) + "," + exact(r.std) + "\n";
  }
  return out;
}

// Keys in order of first appearance.
template <typename T, typename F>
std::vector<T> distinct(const std::vector<TargetRow>& rows, F key) {
  std::vector<T> out;
  for (const auto& r : rows) {
    T k = key(r);
    if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  }
  return out;
}

std::string protocol_label(const TargetRow& r) { return r.protocol + " " + short_hash(r.protocol_hash); }

// True when r's runs (method, dataset, protocol hash, shots) evaluated another dataset too: a transfer row.
bool is_transfer(const std::vector<TargetRow>& rows, const TargetRow& r) {
  return std::any_of(rows.begin(), rows.end(), [&](const TargetRow& o) {
    return o.method == r.method && o.dataset == r.dataset && o.protocol_hash == r.protocol_hash &&
           o.shots == r.shots && o.target != o.dataset;
  });
}

}  // namespace

std::string format_results(const std::vector<ResultRow>& dataset_rows, const std::vector<ResultRow>& average_rows,
                           ResultFormat format) {
  const auto lines = ordered_rows(dataset_rows, average_rows);
  std::set<std::string> hashes;
  for (const auto& l : lines) hashes.insert(l.row.protocol_hash);
  const bool show_protocol = hashes.size() > 1;

  switch (format) {
    case ResultFormat::Json: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& l : lines) j.push_back(row_json(l.row, l.average));
      return j.dump(2) + "\n";
    }
    case ResultFormat::Csv: {
      std::string out =
          "method,dataset,protocol,protocol_hash,seeds,datasets,base_mean,base_std,new_mean,new_std,hm\n";
      for (const auto& [r, avg] : lines)
        out += csv_field(r.method) + "," + csv_field(r.dataset) + "," + csv_field(r.protocol) + "," +
               csv_field(r.protocol_hash) + "," + std::to_string(r.n_seeds) + "," + std::to_string(r.n_datasets) +
               "," + exact(r.base_mean) + "," + exact(r.base_std) + "," + exact(r.new_mean) + "," +
               exact(r.new_std) + "," + exact(r.hm) + "\n";
      return out;
    }
    case ResultFormat::Markdown:
    case ResultFormat::Text: {
      if (lines.empty()) return format == ResultFormat::Text ? "no finished runs with base and new results\n" : "";
      std::vector<std::string> header{"method", "dataset"};
      if (show_protocol) header.push_back("protocol");
      for (const char* h : {"seeds", "base", "new", "HM"}) header.push_back(h);
      Table table{header};
      for (const auto& [r, avg] : lines) {
        std::vector<std::string> row{r.method, avg ? "average (" + std::to_string(r.n_datasets) + ")" : r.dataset};
        if (show_protocol) row.push_back(r.protocol + " " + short_hash(r.protocol_hash));
        row.push_back(std::to_string(r.n_seeds));
        row.push_back(format_mean_std(r.base_mean, r.base_std));
        row.push_back(format_mean_std(r.new_mean, r.new_std));
        row.push_back(fixed(r.hm, 2));
        table.push_back(row);
      }
      return render_table(table, show_protocol ? 3 : 2, format);
    }
  }
  return {};
}

std::string format_fewshot(const std::vector<TargetRow>& all_rows, ResultFormat format) {
  std::vector<TargetRow> rows;
  for (const auto& r : all_rows)
    if (r.target == r.dataset && !is_transfer(all_rows, r)) rows.push_back(r);
  if (format == ResultFormat::Json || format == ResultFormat::Csv) return target_rows_data(rows, format);
  if (rows.empty()) return format == ResultFormat::Text ? "no finished few-shot runs\n" : "";
  std::vector<std::int64_t> shots = distinct<std::int64_t>(rows, [](const TargetRow& r) { return r.shots; });
  std::sort(shots.begin(), shots.end());
  const bool show_protocol = distinct<std::string>(rows, [](const TargetRow& r) { return r.protocol_hash; }).size() > 1;
  std::vector<std::string> header{"method", "dataset"};
  if (show_protocol) header.push_back("protocol");
  for (auto n : shots) header.push_back(std::to_string(n) + (n == 1 ? " shot" : " shots"));
  Table table{header};
  const auto groups = distinct<std::pair<std::string, std::string>>(
      rows, [](const TargetRow& r) { return std::make_pair(r.method, r.protocol_hash); });
  for (const auto& [method, hash] : groups) {
    std::vector<const TargetRow*> group;
    for (const auto& r : rows)
      if (r.method == method && r.protocol_hash == hash) group.push_back(&r);
    std::map<std::int64_t, std::pair<double, int>> sums;  // shots -> (sum of means, datasets)
    for (const auto& dataset : distinct<std::string>(rows, [](const TargetRow& r) { return r.dataset; })) {
      std::vector<std::string> line{method, dataset};
      if (show_protocol) line.push_back(protocol_label(*group.front()));
      bool any = false;
      for (auto n : shots) {
        auto it = std::find_if(group.begin(), group.end(),
                               [&](const TargetRow* r) { return r->dataset == dataset && r->shots == n; });
        if (it == group.end()) {
          line.push_back("-");
          continue;
        }
        any = true;
        line.push_back(format_mean_std((*it)->mean, (*it)->std));
        sums[n].first += (*it)->mean;
        sums[n].second += 1;
      }
      if (any) table.push_back(line);
    }
    std::vector<std::string> avg{method, "average"};
    if (show_protocol) avg.push_back(protocol_label(*group.front()));
    for (auto n : shots) {
      auto it = sums.find(n);
      avg.push_back(it == sums.end() ? "-"
                                     : fixed(it->second.first / it->second.second, 2) + " (" +
                                           std::to_string(it->second.second) + ")");
    }
    table.push_back(avg);
  }
  return render_table(table, show_protocol ? 3 : 2, format);
}

std::string format_transfer(const std::vector<TargetRow>& all_rows, ResultFormat format) {
  // Groups (method, dataset, hash, shots) that evaluated at least one other dataset.
  std::vector<TargetRow> rows;
  for (const auto& r : all_rows)
    if (is_transfer(all_rows, r)) rows.push_back(r);
  if (format == ResultFormat::Json || format == ResultFormat::Csv) return target_rows_data(rows, format);
  if (rows.empty()) return format == ResultFormat::Text ? "no finished transfer runs\n" : "";
  std::string out;
  // One table per protocol hash: its targets are the columns.
  for (const auto& hash : distinct<std::string>(rows, [](const TargetRow& r) { return r.protocol_hash; })) {
    std::vector<TargetRow> mine;
    for (const auto& r : rows)
      if (r.protocol_hash == hash) mine.push_back(r);
    std::vector<std::string> targets;
    for (const auto& r : mine)
      if (r.target != r.dataset && std::find(targets.begin(), targets.end(), r.target) == targets.end())
        targets.push_back(r.target);
    std::vector<std::string> header{"method", "source", "seeds", "source acc"};
    header.insert(header.end(), targets.begin(), targets.end());
    header.push_back("target average");
    Table table{header};
    for (const auto& key : distinct<std::tuple<std::string, std::string, std::int64_t>>(
             mine, [](const TargetRow& r) { return std::make_tuple(r.method, r.dataset, r.shots); })) {
      auto cell = [&](const std::string& target) -> const TargetRow* {
        for (const auto& r : mine)
          if (std::make_tuple(r.method, r.dataset, r.shots) == key && r.target == target) return &r;
        return nullptr;
      };
      const TargetRow* source = cell(std::get<1>(key));
      std::vector<std::string> line{std::get<0>(key), std::get<1>(key)};
      std::int64_t seeds = 0;
      for (const auto& r : mine)
        if (std::make_tuple(r.method, r.dataset, r.shots) == key) seeds = std::max(seeds, r.n_seeds);
      line.push_back(std::to_string(seeds));
      line.push_back(source ? format_mean_std(source->mean, source->std) : "-");
      double sum = 0;
      int n = 0;
      for (const auto& t : targets) {
        const TargetRow* r = cell(t);
        line.push_back(r ? format_mean_std(r->mean, r->std) : "-");
        if (r) {
          sum += r->mean;
          ++n;
        }
      }
      line.push_back(n ? fixed(sum / n, 2) + (n < static_cast<int>(targets.size()) ? " (" + std::to_string(n) + ")" : "")
                       : "-");
      table.push_back(line);
    }
    if (!out.empty()) out += "\n";
    out += "protocol " + mine.front().protocol + " (" + short_hash(hash) + ")\n";
    out += render_table(table, 2, format);
  }
  return out;
}

std::string to_string(ResultTable table) {
  switch (table) {
    case ResultTable::kBase2New: return "base2new";
    case ResultTable::kFewShot: return "few-shot";
    case ResultTable::kTransfer: return "transfer";
  }
  return "";
}

ResultTable parse_result_table(const std::string& name) {
  for (auto t : {ResultTable::kBase2New, ResultTable::kFewShot, ResultTable::kTransfer}) {
    if (to_string(t) == name) return t;
  }
  throw std::invalid_argument("unknown results table '" + name + "' (expected base2new, few-shot or transfer)");
}

std::string format_table(const RunStore& store, ResultTable kind, const ResultFilter& filter, ResultFormat format) {
  switch (kind) {
    case ResultTable::kBase2New:
      return format_results(store.results_table(filter), store.average_rows(filter), format);
    case ResultTable::kFewShot:
      return format_fewshot(store.target_results(filter), format);
    case ResultTable::kTransfer:
      return format_transfer(store.target_results(filter), format);
  }
  return "";
}

std::vector<ResultTable> tables_present(const RunStore& store, const ResultFilter& filter) {
  std::vector<ResultTable> out;
  if (!store.results_table(filter).empty()) out.push_back(ResultTable::kBase2New);
  const auto rows = store.target_results(filter);
  if (std::any_of(rows.begin(), rows.end(), [&](const TargetRow& r) { return !is_transfer(rows, r); })) {
    out.push_back(ResultTable::kFewShot);
  }
  if (std::any_of(rows.begin(), rows.end(), [&](const TargetRow& r) { return is_transfer(rows, r); })) {
    out.push_back(ResultTable::kTransfer);
  }
  return out;
}

std::string format_run(const RunRecord& run, const std::vector<EpochMetrics>& epochs,
                       const std::vector<SplitResult>& results, const std::map<std::string, double>& measures,
                       const std::vector<Artifact>& artifacts, RunFormat format) {
  return format == RunFormat::Json ? run_json(run, epochs, results, measures, artifacts)
                                   : run_text(run, epochs, results, measures, artifacts);
}

}  // namespace promptlab
