#include "analysis/report.hpp"

#include <promptlab/version.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "analysis/run_figures.hpp"
#include "store/results_format.hpp"
#include "util/base64.hpp"

namespace promptlab {

namespace {

// Cells of one Markdown table row ("| a | b |"), or nothing when the line is not one.
std::vector<std::string> markdown_cells(const std::string& line) {
  std::vector<std::string> cells;
  if (line.size() < 2 || line.front() != '|') return cells;
  std::string cell;
  for (std::size_t k = 1; k < line.size(); ++k) {
    if (line[k] == '\\' && k + 1 < line.size() && line[k + 1] == '|') {
      cell += '|';
      ++k;
    } else if (line[k] == '|') {
      const auto first = cell.find_first_not_of(' ');
      const auto last = cell.find_last_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
      cell.clear();
    } else {
      cell += line[k];
    }
  }
  return cells;
}

bool is_rule_row(const std::vector<std::string>& cells) {
  return !cells.empty() && std::all_of(cells.begin(), cells.end(), [](const std::string& c) {
    return !c.empty() && c.find_first_not_of("-:") == std::string::npos;
  });
}

std::string report_number(double v, int digits) {
  if (std::isnan(v)) return "";
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// The stored 1-D landscapes as figures: one per dataset, seed, split and grid, a curve per run;
// 2-D landscapes as one heatmap per run.
std::vector<Figure> landscape_figures(const RunStore& store, const std::vector<RunRecord>& runs) {
  std::map<std::tuple<std::string, std::int64_t, std::string, std::string>, Figure> curves;
  std::vector<Figure> maps;
  for (const RunRecord& r : runs) {
    for (const LandscapeKey& key : store.landscapes(r.id)) {
      const std::vector<LandscapePoint> points = store.landscape(key);
      const bool two_d = std::any_of(points.begin(), points.end(), [](const LandscapePoint& p) { return p.j > 0; });
      if (two_d) {
        maps.push_back(landscape_map(r, key, points));
        continue;
      }
      Figure& f = curves[{r.dataset, r.seed, key.split, key.grid}];
      if (f.title.empty()) {
        f = Figure{"loss landscape: " + r.dataset + ", seed " + std::to_string(r.seed) + ", " + key.split + " split (" +
                       key.grid + ")",
                   "step along a random normalised direction", "cross-entropy loss", {}, FigureStyle::kLines};
      }
      f.series.push_back(landscape_curve(r, points));
    }
  }
  std::vector<Figure> out;
  for (auto& [key, f] : curves) out.push_back(std::move(f));
  for (auto& f : maps) out.push_back(std::move(f));
  return out;
}

std::string figure_block(const Figure& f, const SvgRenderer& draw) {
  std::string body;
  try {
    body = "<img alt=\"" + html_escaped(f.title) + "\" src=\"data:image/svg+xml;base64," + base64_encoded(draw(f)) + "\">";
  } catch (const std::exception& e) {
    body = "<p class=\"missing\">This figure could not be drawn: " + html_escaped(e.what()) + "</p>";
  }
  return "<figure>" + body + "<figcaption>" + html_escaped(f.title) + "</figcaption></figure>\n";
}

// Sortable tables (click a header). Once loaded, the page says how many figures the browser
// decoded (data-figures-drawn) and that it is ready (data-ready): what the browser test reads.
const char* kReportScript = R"JS(
document.querySelectorAll("table.sortable th").forEach(function (th, column) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var up = th.dataset.order !== "up";
    rows.sort(function (a, b) {
      var x = a.cells[th.cellIndex].textContent, y = b.cells[th.cellIndex].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return up ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    th.dataset.order = up ? "up" : "down";
  });
});
window.addEventListener("load", function () {
  var drawn = 0;
  document.querySelectorAll("figure img").forEach(function (img) { if (img.naturalWidth > 0) drawn++; });
  document.body.dataset.figuresDrawn = String(drawn);
  document.body.dataset.ready = "1";
});
)JS";

const char* kReportStyle = R"CSS(
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f3f3f3; cursor: pointer; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: .85em; color: #555; }
pre { background: #f7f7f7; padding: .6em; overflow-x: auto; font-size: .8em; }
.missing { color: #a00; }
)CSS";

}  // namespace

std::string html_escaped(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string markdown_table_to_html(const std::string& markdown) {
  std::istringstream in(markdown);
  std::string line, out;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> right;
  const auto flush = [&] {
    if (rows.empty()) return;
    out += "<table class=\"sortable\"><thead><tr>";
    for (std::size_t c = 0; c < rows[0].size(); ++c)
      out += std::string("<th") + (c < right.size() && right[c] ? " class=\"num\"" : "") + ">" +
             html_escaped(rows[0][c]) + "</th>";
    out += "</tr></thead><tbody>\n";
    for (std::size_t r = 1; r < rows.size(); ++r) {
      out += "<tr>";
      for (std::size_t c = 0; c < rows[r].size(); ++c)
        out += std::string("<td") + (c < right.size() && right[c] ? " class=\"num\"" : "") + ">" +
               html_escaped(rows[r][c]) + "</td>";
      out += "</tr>\n";
    }
    out += "</tbody></table>\n";
    rows.clear();
    right.clear();
  };
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = markdown_cells(line);
    if (cells.empty()) {
      flush();
      const auto first = line.find_first_not_of(" #");
      if (first != std::string::npos) out += "<p>" + html_escaped(line.substr(first)) + "</p>\n";
      continue;
    }
    if (is_rule_row(cells)) {
      for (const auto& c : cells) right.push_back(c.back() == ':');
      continue;
    }
    rows.push_back(cells);
  }
  flush();
  return out;
}

std::vector<Figure> report_figures(const RunStore& store, const ResultFilter& filter) {
  std::vector<Figure> figures{pooled_epoch_figure(store, filter, "loss"), pooled_epoch_figure(store, filter, "acc"),
                              pooled_epoch_figure(store, filter, "cos"),   pooled_branch_figure(store, filter),
                              base_new_figure(store, filter),              sharpness_figure(store, filter),
                              shots_figure(store, filter)};
  figures.erase(std::remove_if(figures.begin(), figures.end(), [](const Figure& f) { return f.series.empty(); }),
                figures.end());
  return figures;
}

std::string report_html(const RunStore& store, const ResultFilter& filter, const SvgRenderer& draw) {
  const std::vector<RunRecord> runs = store.list_runs(filter);
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>promptlab report: " +
                     html_escaped(store.path()) + "</title>\n<style>" + kReportStyle + "</style></head>\n<body>\n";
  html += "<h1>promptlab report</h1>\n<p>Store <code>" + html_escaped(store.path()) + "</code>, " +
          std::to_string(runs.size()) + " runs; written " + when + " by promptlab " + kVersion + ".</p>\n";

  html += "<h2 id=\"results\">Results</h2>\n";
  const std::vector<ResultTable> tables = tables_present(store, filter);
  if (tables.empty()) html += "<p>No finished runs with results.</p>\n";
  for (const ResultTable t : tables) {
    html += "<h3>" + html_escaped(to_string(t)) + "</h3>\n";
    html += markdown_table_to_html(format_table(store, t, filter, ResultFormat::Markdown));
  }

  html += "<h2 id=\"figures\">Figures</h2>\n";
  const std::vector<Figure> figures = report_figures(store, filter);
  if (figures.empty()) html += "<p>No figures: the store has no finished runs with results.</p>\n";
  for (const Figure& f : figures) html += figure_block(f, draw);

  html += "<h2 id=\"landscapes\">Loss landscapes</h2>\n";
  const std::vector<Figure> landscapes = landscape_figures(store, runs);
  if (landscapes.empty())
    html += "<p>None stored yet: <code>promptlab landscape RUN_ID...</code> computes them.</p>\n";
  for (const Figure& f : landscapes) html += figure_block(f, draw);

  html += "<h2 id=\"runs\">Runs</h2>\n<table class=\"sortable\"><thead><tr><th class=\"num\">id</th><th>method</th>"
          "<th>dataset</th><th class=\"num\">seed</th><th>status</th><th class=\"num\">base</th>"
          "<th class=\"num\">new</th><th class=\"num\">sharpness</th><th>config</th></tr></thead><tbody>\n";
  for (const RunRecord& r : runs) {
    const std::vector<SplitResult> results = store.results(r.id);
    const double base = own_split_accuracy(results, r, "base"), neu = own_split_accuracy(results, r, "new");
    const auto measures = store.run_metrics(r.id);
    const auto sharp = measures.find("sharpness");
    const nlohmann::json config = nlohmann::json::parse(r.config_json, nullptr, false);
    const std::string config_text = config.is_discarded() ? r.config_json : config.dump(2);
    html += "<tr id=\"run-" + std::to_string(r.id) + "\"><td class=\"num\">" + std::to_string(r.id) + "</td><td>" +
            html_escaped(r.method) + "</td><td>" + html_escaped(r.dataset) + "</td><td class=\"num\">" +
            std::to_string(r.seed) + "</td><td>" + html_escaped(r.status) + "</td><td class=\"num\">" +
            report_number(base, 2) + "</td><td class=\"num\">" + report_number(neu, 2) + "</td><td class=\"num\">" +
            (sharp == measures.end() ? "" : report_number(sharp->second, 4)) +
            "</td><td><details><summary>config</summary><pre>" + html_escaped(config_text) +
            "</pre></details></td></tr>\n";
  }
  html += "</tbody></table>\n<script>" + std::string(kReportScript) + "</script>\n</body></html>\n";
  return html;
}

}  // namespace promptlab
