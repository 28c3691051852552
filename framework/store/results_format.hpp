#pragma once
// Rendering of run-store contents for people and programs: pure functions returning strings.
#include <string>
#include <vector>

#include "store/run_store.hpp"

namespace promptlab {

/// Output formats of `promptlab results`.
enum class ResultFormat { Text, Markdown, Csv, Json };

/// Output formats of `promptlab show`.
enum class RunFormat { Text, Json };

/// Parses "text", "markdown" (or "md"), "csv", "json"; throws std::invalid_argument naming the value.
ResultFormat parse_result_format(const std::string& name);

/// Parses "text" or "json"; throws std::invalid_argument naming the value.
RunFormat parse_run_format(const std::string& name);

/// "82.69 ± 0.41" with `decimals` digits.
std::string format_mean_std(double mean, double std, int decimals = 2);

/// The paper-style table: for each method x protocol hash, its dataset rows then its average row.
std::string format_results(const std::vector<ResultRow>& dataset_rows, const std::vector<ResultRow>& average_rows,
                           ResultFormat format);

/// One run in full: record, resolved config, epochs, results and artifacts (text ones printed).
std::string format_run(const RunRecord& run, const std::vector<EpochMetrics>& epochs,
                       const std::vector<SplitResult>& results, const std::vector<Artifact>& artifacts,
                       RunFormat format);

/// Lays out rows as columns separated by two spaces (UTF-8 aware); the first row is the header,
/// underlined when `header_rule`; columns flagged in `right` are right-aligned.
std::string align_columns(const std::vector<std::vector<std::string>>& rows, bool header_rule = true,
                          const std::vector<bool>& right = {});

}  // namespace promptlab
