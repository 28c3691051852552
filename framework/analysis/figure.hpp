#pragma once
// A figure as data: named series of (x, y) points with axis labels. The analysis commands build
// figures from the run store; a renderer (analysis/gnuplot.hpp) draws them.
#include <string>
#include <vector>

namespace promptlab {

struct Series {
  std::string label;
  std::vector<double> x, y;  // equal lengths; NaN in y leaves a gap
  std::vector<double> z;     // kHeatmap only: the value at (x, y), on a regular grid listed x-major
};

enum class FigureStyle {
  kLines,
  kPoints,
  kHeatmap,  // one series: z coloured over the (x, y) grid, with z_label on the colour bar
};

struct Figure {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  FigureStyle style = FigureStyle::kLines;
  bool y_from_zero_to_one = false;  // shares: the y axis fixed to [0, 1]
  std::string z_label;              // kHeatmap: what the colours show
};

}  // namespace promptlab
