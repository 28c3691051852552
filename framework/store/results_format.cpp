#include "store/results_format.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>

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
          {"finished_at", r.finished_at}};
}

std::string run_text(const RunRecord& run, const std::vector<EpochMetrics>& epochs,
                     const std::vector<SplitResult>& results, const std::vector<Artifact>& artifacts) {
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
    std::vector<std::vector<std::string>> rows{{"  split", "n", "correct", "accuracy"}};
    for (const auto& r : results)
      rows.push_back({"  " + r.split, std::to_string(r.n), std::to_string(r.correct), fixed(r.accuracy, 2)});
    out += align_columns(rows, true, {false, true, true, true});
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
                     const std::vector<SplitResult>& results, const std::vector<Artifact>& artifacts) {
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
    j["results"].push_back({{"split", r.split}, {"n", r.n}, {"correct", r.correct}, {"accuracy", r.accuracy}});
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
      std::vector<std::vector<std::string>> table{header};
      for (const auto& [r, avg] : lines) {
        std::vector<std::string> row{r.method, avg ? "average (" + std::to_string(r.n_datasets) + ")" : r.dataset};
        if (show_protocol) row.push_back(r.protocol + " " + short_hash(r.protocol_hash));
        row.push_back(std::to_string(r.n_seeds));
        row.push_back(format_mean_std(r.base_mean, r.base_std));
        row.push_back(format_mean_std(r.new_mean, r.new_std));
        row.push_back(fixed(r.hm, 2));
        table.push_back(row);
      }
      const std::size_t first_num = show_protocol ? 3 : 2;
      if (format == ResultFormat::Text) {
        std::vector<bool> right(header.size(), false);
        for (std::size_t c = first_num; c < header.size(); ++c) right[c] = true;
        return align_columns(table, true, right);
      }
      std::string out;
      for (std::size_t i = 0; i < table.size(); ++i) {
        out += "|";
        for (const auto& cell : table[i]) out += " " + md_cell(cell) + " |";
        out += "\n";
        if (i == 0) {
          out += "|";
          for (std::size_t c = 0; c < header.size(); ++c) out += c >= first_num ? " ---: |" : " --- |";
          out += "\n";
        }
      }
      return out;
    }
  }
  return {};
}

std::string format_run(const RunRecord& run, const std::vector<EpochMetrics>& epochs,
                       const std::vector<SplitResult>& results, const std::vector<Artifact>& artifacts,
                       RunFormat format) {
  return format == RunFormat::Json ? run_json(run, epochs, results, artifacts)
                                   : run_text(run, epochs, results, artifacts);
}

}  // namespace promptlab
