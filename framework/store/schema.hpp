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

/// Body of the all-datasets table, reading seed rows from `source`.
std::string results_average_sql(const std::string& source);

}  // namespace promptlab::store
