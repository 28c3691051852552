// RunStore::merge_from: another store's runs copied into this one, matched by their uid.
#include <sqlite3.h>

#include <filesystem>

#include "store/run_store.hpp"
#include "store/sqlite_statement.hpp"
#include "util/join.hpp"

namespace promptlab {

namespace {

using store::Statement;

// The columns of `schema`.`table`, without those in `except`.
std::vector<std::string> table_columns(sqlite3* db, const std::string& db_path, const std::string& schema,
                                       const std::string& table, const std::vector<std::string>& except) {
  std::vector<std::string> columns;
  Statement s(db, "SELECT name FROM pragma_table_info(?1, ?2)", db_path);
  s.bind(1, table).bind(2, schema);
  while (s.step()) {
    const std::string name = s.text(0);
    bool skip = false;
    for (const auto& e : except) skip = skip || name == e;
    if (!skip) columns.push_back(name);
  }
  return columns;
}

// Detaches the other store however the merge ends.
class Attached {
 public:
  Attached(sqlite3* db, const std::string& db_path, const std::string& other) : db_(db), path_(db_path) {
    Statement s(db_, "ATTACH DATABASE ? AS other", path_);
    s.bind(1, other).run();
  }
  ~Attached() { sqlite3_exec(db_, "DETACH DATABASE other", nullptr, nullptr, nullptr); }
  Attached(const Attached&) = delete;
  Attached& operator=(const Attached&) = delete;

 private:
  sqlite3* db_;
  std::string path_;
};

// The tables whose rows belong to a run (run_id), with the columns a copy leaves out.
struct ChildTable {
  const char* name;
  std::vector<std::string> generated;
};
const ChildTable kChildTables[] = {{"epoch_metrics", {"run_id"}},
                                   {"run_metrics", {"run_id"}},
                                   {"landscapes", {"run_id"}},
                                   {"results", {"run_id"}},
                                   {"artifacts", {"run_id", "id"}}};

}  // namespace

MergeReport RunStore::merge_from(const std::string& other_path) {
  check_open();
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(other_path, ec))
    throw StoreError("run store " + path_ + ": cannot merge " + other_path + ": no such file");
  if (fs::equivalent(other_path, path_, ec))
    throw StoreError("run store " + path_ + ": cannot merge a store into itself (" + other_path + ")");
  { RunStore migrated(other_path); }  // refuses what is not a run store; brings it to this schema
  MergeReport report;
  Attached attached(db_, path_, other_path);
  store::Transaction tx(db_, path_);
  const std::vector<std::string> run_columns = table_columns(db_, path_, "main", "runs", {"id"});
  const std::string cols = join(run_columns, ", ");
  std::string same;  // every column equal (IS: NULL-safe)
  for (const auto& c : run_columns) same += " AND m." + c + " IS o." + c;

  struct OtherRun {
    std::int64_t id;
    std::string uid, status;
  };
  std::vector<OtherRun> others;
  {
    Statement q(db_, "SELECT id, uid, status FROM other.runs ORDER BY id", path_);
    while (q.step()) others.push_back({q.int64(0), q.text(1), q.text(2)});
  }
  for (const auto& o : others) {
    if (o.status == "running") {
      report.running.push_back(o.id);
      continue;
    }
    std::int64_t here = 0;
    {
      Statement q(db_,
                  "SELECT m.id, (SELECT count(*) FROM other.runs o WHERE o.id = ?2" + same +
                      ") FROM main.runs m WHERE m.uid = ?1",
                  path_);
      q.bind(1, o.uid).bind(2, o.id);
      if (q.step()) {
        if (q.int64(1) > 0) {
          ++report.unchanged;
          continue;
        }
        here = q.int64(0);
      }
    }
    if (here > 0) {
      Statement u(db_, "UPDATE main.runs SET (" + cols + ") = (SELECT " + cols + " FROM other.runs WHERE id = ?) WHERE id = ?",
                  path_);
      u.bind(1, o.id).bind(2, here).run();
      for (const auto& child : kChildTables) {
        Statement d(db_, std::string("DELETE FROM main.") + child.name + " WHERE run_id = ?", path_);
        d.bind(1, here).run();
      }
      ++report.updated;
    } else {
      Statement i(db_, "INSERT INTO main.runs (" + cols + ") SELECT " + cols + " FROM other.runs WHERE id = ?", path_);
      i.bind(1, o.id).run();
      here = sqlite3_last_insert_rowid(db_);
      ++report.added;
    }
    for (const auto& child : kChildTables) {
      const std::string child_cols = join(table_columns(db_, path_, "main", child.name, child.generated), ", ");
      const std::string order = std::string(child.name) == "artifacts" ? " ORDER BY id" : "";
      Statement c(db_,
                  std::string("INSERT INTO main.") + child.name + " (run_id, " + child_cols + ") SELECT ?, " +
                      child_cols + " FROM other." + child.name + " WHERE run_id = ?" + order,
                  path_);
      c.bind(1, here).bind(2, o.id).run();
    }
  }
  tx.commit();
  return report;
}

}  // namespace promptlab
