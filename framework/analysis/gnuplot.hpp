#pragma once
// Figures drawn by gnuplot (Debian's gnuplot-nox): promptlab writes a self-contained gnuplot
// script, with the data inline, beside the image and runs gnuplot on it. Without gnuplot the
// script is still written, and the error says what to install.
#include <stdexcept>
#include <string>

#include "analysis/figure.hpp"

namespace promptlab {

enum class ImageFormat { kPng, kSvg };

/// The format named by `path`'s extension (.png or .svg); throws naming the path otherwise.
ImageFormat image_format_of(const std::string& path);

/// The gnuplot script that draws `figure` into `image_path` in `format`, with its data inline
/// (datablocks), so the script alone redraws the figure.
std::string gnuplot_script(const Figure& figure, const std::string& image_path, ImageFormat format);

/// Thrown when gnuplot cannot be run or fails; the script is in place by then.
class PlotError : public std::runtime_error {
  using runtime_error::runtime_error;
};

/// The gnuplot program: $PROMPTLAB_GNUPLOT, else `gnuplot` on PATH.
std::string gnuplot_program();

/// Writes `image_path`.gp, then runs gnuplot on it, which draws `image_path` (format by its
/// extension). The image appears whole or not at all. Throws PlotError naming the script when
/// gnuplot is missing (saying to install gnuplot-nox) or fails (with its message).
void render_figure(const Figure& figure, const std::string& image_path);

/// The figure drawn as an SVG document (through a temporary file, removed after), for embedding.
/// Throws PlotError as render_figure does.
std::string figure_svg(const Figure& figure);

}  // namespace promptlab
