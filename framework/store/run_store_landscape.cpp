// RunStore's landscapes: the loss around a run's learned parameters on a grid (analysis/landscape.hpp).
#include "store/run_store.hpp"
#include "store/sqlite_statement.hpp"

namespace promptlab {

void RunStore::save_landscape(const LandscapeKey& key, const std::vector<LandscapePoint>& points) {
  check_open();
  if (key.split.empty() || key.grid.empty())
    throw StoreError("run store " + path_ + ": a landscape of run " + std::to_string(key.run_id) +
                     " needs a split and a grid name");
  store::Transaction tx(db_, path_);
  require_run(key.run_id);
  store::Statement del(db_, "DELETE FROM landscapes WHERE run_id = ? AND split = ? AND grid = ?", path_);
  del.bind(1, key.run_id).bind(2, key.split).bind(3, key.grid).run();
  store::Statement ins(db_,
                       "INSERT INTO landscapes (run_id, split, grid, i, j, alpha, beta, loss, accuracy) "
                       "VALUES (?,?,?,?,?,?,?,?,?)",
                       path_);
  for (const auto& p : points) {
    ins.bind(1, key.run_id).bind(2, key.split).bind(3, key.grid);
    ins.bind(4, static_cast<std::int64_t>(p.i)).bind(5, static_cast<std::int64_t>(p.j));
    ins.bind(6, p.alpha).bind(7, p.beta).bind(8, p.loss).bind(9, p.accuracy);
    ins.run();
    ins.reset();
  }
  tx.commit();
}

std::vector<LandscapePoint> RunStore::landscape(const LandscapeKey& key) const {
  check_open();
  store::Statement s(db_,
                     "SELECT i, j, alpha, beta, loss, accuracy FROM landscapes "
                     "WHERE run_id = ? AND split = ? AND grid = ? ORDER BY i, j",
                     path_);
  s.bind(1, key.run_id).bind(2, key.split).bind(3, key.grid);
  std::vector<LandscapePoint> out;
  while (s.step())
    out.push_back({static_cast<int>(s.int64(0)), static_cast<int>(s.int64(1)), s.real(2), s.real(3), s.real(4),
                   s.real(5)});
  return out;
}

std::vector<LandscapeKey> RunStore::landscapes(std::int64_t run) const {
  check_open();
  store::Statement s(db_, "SELECT DISTINCT split, grid FROM landscapes WHERE run_id = ? ORDER BY split, grid", path_);
  s.bind(1, run);
  std::vector<LandscapeKey> out;
  while (s.step()) out.push_back({run, s.text(0), s.text(1)});
  return out;
}

}  // namespace promptlab
