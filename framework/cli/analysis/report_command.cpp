// `promptlab report --out report.html`: one self-contained page for the store or a filter of it.
#include <iostream>
#include <memory>

#include "analysis/gnuplot.hpp"
#include "analysis/report.hpp"
#include "cli/command.hpp"
#include "util/temp_path.hpp"

namespace promptlab::cli {
namespace {

struct ReportOptions {
  ResultFilter filter;
  std::string out = "report.html";
};

void run_report(const ReportOptions& o, const GlobalOptions& global) {
  RunStore store(existing_db_path(global));
  int missing = 0;
  std::string why;
  const std::string html = report_html(store, o.filter, [&](const Figure& f) {
    try {
      return figure_svg(f);
    } catch (const PlotError& e) {
      if (missing++ == 0) why = e.what();
      throw;
    }
  });
  write_file_atomically(o.out, html);
  std::cout << "wrote " << o.out << " (" << html.size() / 1024 << " KiB)\n";
  if (missing > 0)
    std::cerr << "report: " << missing << " figure(s) left out, the first because: " << why << "\n";
}

void setup_report(CLI::App& app, GlobalOptions& global) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report", "One self-contained HTML page: results tables, figures, landscapes and every run's config");
  cmd->add_option("--out", o->out, "The page to write")->capture_default_str();
  add_filter_options(*cmd, o->filter);
  cmd->callback([o, &global] { run_report(*o, global); });
}

CommandRegistration report_registration{"report", 65, &setup_report};

}  // namespace
}  // namespace promptlab::cli
