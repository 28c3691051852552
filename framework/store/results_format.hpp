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

/// The few-shot table (CoOp's shape): for each method x protocol hash, one row per dataset plus the
/// average over datasets, one column per shot count. Uses the rows whose target is the training dataset.
/// CSV and JSON list those rows one per line / object.
std::string format_fewshot(const std::vector<TargetRow>& rows, ResultFormat format);

/// The transfer table (cross-dataset and domain generalisation, CoCoOp's shape): one row per
/// method x training dataset x protocol hash; columns: accuracy on the training dataset, on each
/// target, and the targets' average. Only groups with at least one other target appear.
std::string format_transfer(const std::vector<TargetRow>& rows, ResultFormat format);

/// The three shapes of results table.
enum class ResultTable { kBase2New, kFewShot, kTransfer };

/// "base2new", "few-shot", "transfer".
std::string to_string(ResultTable table);

/// Parses the names above; throws std::invalid_argument naming the value and the valid ones.
ResultTable parse_result_table(const std::string& name);

/// The table of `kind` for the filter, read from the store, in `format`.
std::string format_table(const RunStore& store, ResultTable kind, const ResultFilter& filter, ResultFormat format);

/// The tables with rows in the store for the filter, in base2new, few-shot, transfer order.
std::vector<ResultTable> tables_present(const RunStore& store, const ResultFilter& filter);

/// One run in full: record, resolved config, epochs, results, whole-run metrics (`measures`:
/// sharpness...) and artifacts (text ones printed).
std::string format_run(const RunRecord& run, const std::vector<EpochMetrics>& epochs,
                       const std::vector<SplitResult>& results, const std::map<std::string, double>& measures,
                       const std::vector<Artifact>& artifacts, RunFormat format);

/// Lays out rows as columns separated by two spaces (UTF-8 aware); the first row is the header,
/// underlined when `header_rule`; columns flagged in `right` are right-aligned.
std::string align_columns(const std::vector<std::vector<std::string>>& rows, bool header_rule = true,
                          const std::vector<bool>& right = {});

}  // namespace promptlab
