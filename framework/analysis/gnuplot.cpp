#include "analysis/gnuplot.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <unistd.h>

#include "util/subprocess.hpp"
#include "util/temp_path.hpp"

namespace promptlab {

namespace {

// A gnuplot double-quoted string.
std::string gnuplot_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string gnuplot_number(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

std::string extension_lowercase(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

}  // namespace

ImageFormat image_format_of(const std::string& path) {
  const std::string ext = extension_lowercase(path);
  if (ext == ".png") return ImageFormat::kPng;
  if (ext == ".svg") return ImageFormat::kSvg;
  throw std::invalid_argument("figure " + path + ": unknown image format '" + ext + "' (use .png or .svg)");
}

std::string gnuplot_script(const Figure& figure, const std::string& image_path, ImageFormat format) {
  std::ostringstream s;
  s << "# promptlab figure: run `gnuplot " << std::filesystem::path(image_path).filename().string()
    << ".gp` to redraw it\n";
  if (format == ImageFormat::kPng)
    s << "set terminal pngcairo noenhanced size 900,600 font 'sans,11'\n";
  else
    s << "set terminal svg noenhanced size 900,600 font 'sans,11' background rgb 'white'\n";
  s << "set output " << gnuplot_string(image_path) << "\n";
  s << "set title " << gnuplot_string(figure.title) << "\n";
  s << "set xlabel " << gnuplot_string(figure.x_label) << "\n";
  s << "set ylabel " << gnuplot_string(figure.y_label) << "\n";
  s << "set grid\nset key below\nset datafile missing 'NaN'\n";
  if (figure.y_from_zero_to_one) s << "set yrange [0:1]\n";
  if (figure.style == FigureStyle::kHeatmap) {
    if (figure.series.size() != 1)
      throw std::invalid_argument("figure '" + figure.title + "': a heatmap has one series, not " +
                                  std::to_string(figure.series.size()));
    const Series& grid = figure.series[0];
    if (grid.x.size() != grid.y.size() || grid.z.size() != grid.x.size())
      throw std::invalid_argument("figure '" + figure.title + "': heatmap x, y and z differ in length");
    s << "set cblabel " << gnuplot_string(figure.z_label) << "\nset palette rgbformulae 7,5,15\nset size ratio -1\n";
    s << "$series0 << EOD\n";
    for (std::size_t k = 0; k < grid.x.size(); ++k) {
      if (k > 0 && grid.x[k] != grid.x[k - 1]) s << "\n";  // a blank line ends each row of the grid
      s << gnuplot_number(grid.x[k]) << " " << gnuplot_number(grid.y[k]) << " " << gnuplot_number(grid.z[k]) << "\n";
    }
    s << "EOD\nplot $series0 using 1:2:3 with image title " << gnuplot_string(grid.label) << "\n";
    return s.str();
  }
  for (std::size_t i = 0; i < figure.series.size(); ++i) {
    const Series& series = figure.series[i];
    if (series.x.size() != series.y.size())
      throw std::invalid_argument("figure '" + figure.title + "': series '" + series.label + "' has " +
                                  std::to_string(series.x.size()) + " x and " + std::to_string(series.y.size()) +
                                  " y values");
    s << "$series" << i << " << EOD\n";
    for (std::size_t k = 0; k < series.x.size(); ++k) s << gnuplot_number(series.x[k]) << " " << gnuplot_number(series.y[k]) << "\n";
    s << "EOD\n";
  }
  if (figure.series.empty()) {
    s << "set label 1 'no data' at graph 0.5, graph 0.5 center\nplot [0:1] [0:1] NaN notitle\n";
    return s.str();
  }
  const std::string with = figure.style == FigureStyle::kLines ? "linespoints pointsize 0.6" : "points pointsize 1.4";
  s << "plot ";
  for (std::size_t i = 0; i < figure.series.size(); ++i)
    s << (i ? ", \\\n     " : "") << "$series" << i << " using 1:2 with " << with << " linewidth 2 title "
      << gnuplot_string(figure.series[i].label);
  s << "\n";
  return s.str();
}

std::string gnuplot_program() {
  const char* env = std::getenv("PROMPTLAB_GNUPLOT");
  return env && *env ? env : "gnuplot";
}

void render_figure(const Figure& figure, const std::string& image_path) {
  const ImageFormat format = image_format_of(image_path);
  const std::string script = image_path + ".gp";
  write_file_atomically(script, gnuplot_script(figure, image_path, format));
  // gnuplot draws into a temporary of its own, renamed into place when it succeeds.
  const std::string tmp_image = temp_path_beside(image_path);
  const std::string tmp_script = temp_path_beside(script);
  write_file_atomically(tmp_script, gnuplot_script(figure, tmp_image, format));
  const std::string program = gnuplot_program();
  const CommandResult r = run_command({program, tmp_script});
  std::error_code ignored;
  std::filesystem::remove(tmp_script, ignored);
  if (r.exit_code == 127) {
    std::filesystem::remove(tmp_image, ignored);
    throw PlotError("cannot draw " + image_path + ": gnuplot is not installed (" + program +
                    " not found; install it with `apt install gnuplot-nox`, or set PROMPTLAB_GNUPLOT). "
                    "The figure's data and script are in " + script + "; `gnuplot " + script + "` draws it.");
  }
  if (r.exit_code != 0 || !std::filesystem::exists(tmp_image)) {
    std::filesystem::remove(tmp_image, ignored);
    throw PlotError("cannot draw " + image_path + ": " + program + " failed (exit status " +
                    std::to_string(r.exit_code) + ") on " + script + ": " + r.err);
  }
  std::error_code ec;
  std::filesystem::rename(tmp_image, image_path, ec);
  if (ec) {
    std::filesystem::remove(tmp_image, ignored);
    throw PlotError("cannot draw " + image_path + ": " + ec.message());
  }
}

std::string figure_svg(const Figure& figure) {
  namespace fs = std::filesystem;
  static std::atomic<int> counter{0};
  const fs::path path = fs::temp_directory_path() / ("promptlab-figure-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(counter++) + ".svg");
  std::error_code ignored;
  const auto cleanup = [&] {
    fs::remove(path, ignored);
    fs::remove(path.string() + ".gp", ignored);
  };
  try {
    render_figure(figure, path.string());
  } catch (...) {
    cleanup();
    throw;
  }
  std::ifstream in(path, std::ios::binary);
  std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  cleanup();
  return svg;
}

}  // namespace promptlab
