#pragma once
// The run store's schema as an ordered list of migrations, and the SQL of its views (internal).
#include <string>
#include <vector>

namespace promptlab::store {

/// One step of the schema: applying `sql` to a version `version - 1` file gives `version`.
struct Migration {
  int version;
  std::string description;
  std::string sql;
};

/// All migrations, in order; the last one's version is RunStore::kSchemaVersion.
const std::vector<Migration>& migrations();

/// Body of the per-dataset table, reading seed rows from `source` (a table or CTE
/// with the columns of view `seed_results`).
std::string results_table_sql(const std::string& source);

/// The harmonic mean 2BN / (B + N) of two SQL expressions (0 when both are 0): the one place its
/// formula is written (docs/protocol.md §6). RunStore::harmonic_mean evaluates it for the CLI.
std::string harmonic_mean_sql(const std::string& base, const std::string& new_);

/// Body of the all-datasets table, reading seed rows from `source`.
std::string results_average_sql(const std::string& source);

}  // namespace promptlab::store
