#pragma once
// `promptlab report`: one self-contained HTML page for a store (or a filter of it): the results
// tables of each protocol present, the figures (loss, accuracy and gradient cosine per epoch, branch
// shares, base against new, sharpness, shots), the stored landscapes, and every run with its
// config. Figures are SVG images inside the page (data: URIs); the page loads nothing from anywhere.
#include <functional>
#include <string>
#include <vector>

#include "analysis/figure.hpp"
#include "store/run_store.hpp"

namespace promptlab {

/// Draws a figure as an SVG document, or throws (e.g. PlotError). The page embeds each as a
/// data: URI image, so that the figures' ids never meet.
using SvgRenderer = std::function<std::string(const Figure&)>;

/// `text` with &, <, >, " and ' escaped for HTML.
std::string html_escaped(const std::string& text);

/// A Markdown pipe table (as `promptlab results --format markdown` prints it) as an HTML table;
/// lines that are not table rows become paragraphs.
std::string markdown_table_to_html(const std::string& markdown);

/// The figures the report shows for `filter`, titled, in order; figures with no data are left out.
std::vector<Figure> report_figures(const RunStore& store, const ResultFilter& filter);

/// The whole page. A figure that `draw` cannot draw is replaced by its error message, so the page
/// is written (tables and configs) even without gnuplot.
std::string report_html(const RunStore& store, const ResultFilter& filter, const SvgRenderer& draw);

}  // namespace promptlab
