#include "store/schema.hpp"

namespace promptlab::store {

namespace {

// Finished runs with both a base and a new result; only the newest run counts for each
// method x dataset x protocol hash x seed. From schema version 3 on, the results must be of the
// run's own dataset (`own_dataset`); versions 1-2 had no results.dataset column.
std::string seed_results_view_sql(bool own_dataset) {
  const std::string own = own_dataset ? " AND b.dataset = r.dataset" : "";
  const std::string own_new = own_dataset ? " AND n.dataset = r.dataset" : "";
  return R"SQL(
CREATE VIEW seed_results AS
SELECT run_id, method, dataset, protocol, protocol_hash, seed, config_hash, base, new FROM (
  SELECT r.id AS run_id, r.method, r.dataset, r.protocol, r.protocol_hash, r.seed, r.config_hash,
         b.accuracy AS base, n.accuracy AS new,
         row_number() OVER (PARTITION BY r.method, r.dataset, r.protocol_hash, r.seed
                            ORDER BY r.id DESC) AS newest
  FROM runs r
  JOIN results b ON b.run_id = r.id)SQL" + own + R"SQL( AND b.split = 'base'
  JOIN results n ON n.run_id = r.id)SQL" + own_new + R"SQL( AND n.split = 'new'
  WHERE r.status = 'finished')
WHERE newest = 1;
)SQL";
}

const char* kV1 = R"SQL(
CREATE TABLE schema_version (
  version    INTEGER NOT NULL PRIMARY KEY,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE runs (
  id                   INTEGER PRIMARY KEY AUTOINCREMENT,
  method               TEXT NOT NULL,
  learner              TEXT NOT NULL DEFAULT '',
  step_rule            TEXT NOT NULL DEFAULT '',
  dataset              TEXT NOT NULL,
  protocol             TEXT NOT NULL DEFAULT '',
  protocol_hash        TEXT NOT NULL DEFAULT '',
  seed                 INTEGER NOT NULL DEFAULT 0,
  config_json          TEXT NOT NULL DEFAULT '{}',
  config_hash          TEXT NOT NULL DEFAULT '',
  plugin_versions_json TEXT NOT NULL DEFAULT '{}',
  model_checksum       TEXT NOT NULL DEFAULT '',
  code_revision        TEXT NOT NULL DEFAULT '',
  promptlab_version    TEXT NOT NULL DEFAULT '',
  machine              TEXT NOT NULL DEFAULT '',
  device               TEXT NOT NULL DEFAULT '',
  precision            TEXT NOT NULL DEFAULT '',
  status               TEXT NOT NULL DEFAULT 'running'
                       CHECK (status IN ('running', 'finished', 'failed', 'interrupted')),
  error                TEXT NOT NULL DEFAULT '',
  started_at           TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_lookup ON runs (method, dataset, protocol_hash, seed, config_hash, status);
CREATE TABLE epoch_metrics (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  epoch  INTEGER NOT NULL,
  name   TEXT NOT NULL,
  value  REAL,  -- NULL stands for NaN
  PRIMARY KEY (run_id, epoch, name)
);
CREATE TABLE results (
  run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  split    TEXT NOT NULL,
  n        INTEGER NOT NULL,
  correct  INTEGER NOT NULL,
  accuracy REAL NOT NULL,
  PRIMARY KEY (run_id, split)
);
)SQL";

const char* kV2 = R"SQL(
ALTER TABLE runs ADD COLUMN model_path TEXT NOT NULL DEFAULT '';
CREATE TABLE artifacts (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  kind       TEXT NOT NULL,
  data       BLOB NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (run_id, name)
);
DROP VIEW IF EXISTS results_average;
DROP VIEW IF EXISTS results_table;
DROP VIEW IF EXISTS seed_results;
)SQL";

// Version 3: results name the dataset they evaluate (one row per evaluation target: the run's
// own dataset, or another one for cross-dataset and domain-shift protocols); runs record their
// shot count, so few-shot tables group by it.
const char* kV3 = R"SQL(
DROP VIEW IF EXISTS results_average;
DROP VIEW IF EXISTS results_table;
DROP VIEW IF EXISTS seed_results;
ALTER TABLE runs ADD COLUMN shots INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET shots = coalesce(json_extract(config_json, '$."data.shots"'), 0) WHERE json_valid(config_json);
CREATE TABLE results_v3 (
  run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  dataset  TEXT NOT NULL,
  split    TEXT NOT NULL,
  n        INTEGER NOT NULL,
  correct  INTEGER NOT NULL,
  accuracy REAL NOT NULL,
  PRIMARY KEY (run_id, dataset, split)
);
INSERT INTO results_v3 (run_id, dataset, split, n, correct, accuracy)
  SELECT res.run_id, r.dataset, res.split, res.n, res.correct, res.accuracy FROM results res JOIN runs r ON r.id = res.run_id;
DROP TABLE results;
ALTER TABLE results_v3 RENAME TO results;
)SQL";

// Accuracy over all classes of each evaluation target (the run's own dataset for few-shot runs,
// every target for transfer runs): the newest finished run per method x dataset x protocol hash
// x shots x seed x target, then mean and sample std over seeds.
const char* kTargetViews = R"SQL(
CREATE VIEW target_seed_results AS
SELECT run_id, method, dataset, target, protocol, protocol_hash, shots, seed, accuracy FROM (
  SELECT r.id AS run_id, r.method, r.dataset, t.dataset AS target, r.protocol, r.protocol_hash, r.shots, r.seed,
         t.accuracy,
         row_number() OVER (PARTITION BY r.method, r.dataset, r.protocol_hash, r.shots, r.seed, t.dataset
                            ORDER BY r.id DESC) AS newest
  FROM runs r
  JOIN results t ON t.run_id = r.id AND t.split = 'all'
  WHERE r.status = 'finished')
WHERE newest = 1;
CREATE VIEW target_results AS
SELECT g.method AS method, g.dataset AS dataset, g.target AS target, g.protocol AS protocol,
       g.protocol_hash AS protocol_hash, g.shots AS shots, g.seeds AS seeds, g.mean AS mean,
       CASE WHEN g.seeds > 1 THEN sqrt(sum((s.accuracy - g.mean) * (s.accuracy - g.mean)) / (g.seeds - 1))
            ELSE 0.0 END AS std
FROM (SELECT method, dataset, target, max(protocol) AS protocol, protocol_hash, shots, count(*) AS seeds,
             avg(accuracy) AS mean
      FROM target_seed_results GROUP BY method, dataset, target, protocol_hash, shots) AS g
JOIN target_seed_results AS s
  ON s.method = g.method AND s.dataset = g.dataset AND s.target = g.target AND s.protocol_hash = g.protocol_hash
 AND s.shots = g.shots
GROUP BY g.method, g.dataset, g.target, g.protocol_hash, g.shots
ORDER BY g.method, g.protocol_hash, g.dataset, g.shots, g.target;
)SQL";

// Version 4: the process that owns a running run (pid and its start time; the host is `machine`),
// so that runs left `running` by a dead process can be found and marked interrupted.
const char* kV4 = R"SQL(
ALTER TABLE runs ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN pid_start INTEGER NOT NULL DEFAULT 0;
)SQL";

// Version 5: a globally unique id per run (128 random bits, hex), so that runs recorded in other
// stores (the shards of a Slurm sweep) merge into this one once each, however often merged.
const char* kV5 = R"SQL(
ALTER TABLE runs ADD COLUMN uid TEXT NOT NULL DEFAULT '';
UPDATE runs SET uid = lower(hex(randomblob(16)));
CREATE UNIQUE INDEX runs_uid ON runs (uid);
)SQL";

// Version 6: measures of a whole run (not of an epoch): the sharpness of its training loss around
// the learned parameters, and the loss itself there.
const char* kV6 = R"SQL(
CREATE TABLE run_metrics (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  name   TEXT NOT NULL,
  value  REAL,  -- NULL stands for NaN
  PRIMARY KEY (run_id, name)
);
-- One row per counted base-to-new run: loss value and sharpness beside base and new accuracy.
CREATE VIEW sharpness_results AS
SELECT s.run_id, s.method, s.dataset, s.protocol, s.seed, s.base, s.new,
       (SELECT value FROM run_metrics m WHERE m.run_id = s.run_id AND m.name = 'train_loss_final') AS train_loss,
       (SELECT value FROM run_metrics m WHERE m.run_id = s.run_id AND m.name = 'sharpness') AS sharpness,
       (SELECT value FROM run_metrics m WHERE m.run_id = s.run_id AND m.name = 'hessian_top_eig') AS hessian_top_eig
FROM seed_results s;
)SQL";

// Version 7: loss landscapes around learned parameters (analysis/landscape.hpp), one row per grid point.
const char* kV7 = R"SQL(
CREATE TABLE landscapes (
  run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  split    TEXT NOT NULL,     -- train | base | new | all
  grid     TEXT NOT NULL,     -- e.g. '2d 11x11 range 1 filter seed 0'
  i        INTEGER NOT NULL,  -- index on the alpha axis
  j        INTEGER NOT NULL,  -- index on the beta axis (0 for 1-D)
  alpha    REAL NOT NULL,
  beta     REAL NOT NULL,
  loss     REAL,              -- NULL stands for NaN
  accuracy REAL,
  PRIMARY KEY (run_id, split, grid, i, j)
);
)SQL";

}  // namespace

std::string harmonic_mean_sql(const std::string& base, const std::string& new_) {
  const std::string b = "(" + base + ")", n = "(" + new_ + ")";
  return "CASE WHEN " + b + " + " + n + " > 0 THEN 2.0 * " + b + " * " + n + " / (" + b + " + " + n + ") ELSE 0.0 END";
}

std::string results_table_sql(const std::string& source) {
  // Sample std over seeds (0 for one seed), computed around the group mean in a
  // second pass so that equal seeds give exactly 0.
  return R"SQL(
SELECT g.method AS method, g.dataset AS dataset, g.protocol AS protocol, g.protocol_hash AS protocol_hash,
       g.seeds AS seeds,
       g.base_mean AS base_mean,
       CASE WHEN g.seeds > 1 THEN sqrt(sum((s.base - g.base_mean) * (s.base - g.base_mean)) / (g.seeds - 1))
            ELSE 0.0 END AS base_std,
       g.new_mean AS new_mean,
       CASE WHEN g.seeds > 1 THEN sqrt(sum((s.new - g.new_mean) * (s.new - g.new_mean)) / (g.seeds - 1))
            ELSE 0.0 END AS new_std,
       )SQL" + harmonic_mean_sql("g.base_mean", "g.new_mean") + R"SQL( AS hm
FROM (SELECT method, dataset, max(protocol) AS protocol, protocol_hash, count(*) AS seeds,
             avg(base) AS base_mean, avg(new) AS new_mean
      FROM )SQL" + source + R"SQL( GROUP BY method, dataset, protocol_hash) AS g
JOIN )SQL" + source + R"SQL( AS s
  ON s.method = g.method AND s.dataset = g.dataset AND s.protocol_hash = g.protocol_hash
GROUP BY g.method, g.dataset, g.protocol_hash
ORDER BY g.method, g.protocol_hash, g.dataset
)SQL";
}

std::string results_average_sql(const std::string& source) {
  // Means: average of the per-dataset seed means, then HM (docs/protocol.md §6).
  // Std: sample std over seeds of the per-seed all-datasets average.
  return R"SQL(
SELECT d.method AS method, 'average' AS dataset, d.protocol AS protocol, d.protocol_hash AS protocol_hash,
       d.seeds AS seeds, d.datasets AS datasets,
       d.base_mean AS base_mean,
       CASE WHEN k.n > 1 THEN sqrt(k.base_ss / (k.n - 1)) ELSE 0.0 END AS base_std,
       d.new_mean AS new_mean,
       CASE WHEN k.n > 1 THEN sqrt(k.new_ss / (k.n - 1)) ELSE 0.0 END AS new_std,
       )SQL" + harmonic_mean_sql("d.base_mean", "d.new_mean") + R"SQL( AS hm
FROM (SELECT method, protocol_hash, max(protocol) AS protocol, min(seeds) AS seeds, count(*) AS datasets,
             avg(base_mean) AS base_mean, avg(new_mean) AS new_mean
      FROM (SELECT method, protocol_hash, max(protocol) AS protocol, count(*) AS seeds,
                   avg(base) AS base_mean, avg(new) AS new_mean
            FROM )SQL" + source + R"SQL( GROUP BY method, dataset, protocol_hash)
      GROUP BY method, protocol_hash) AS d
JOIN (SELECT ps.method, ps.protocol_hash, count(*) AS n,
             sum((ps.b - pm.b) * (ps.b - pm.b)) AS base_ss, sum((ps.n - pm.n) * (ps.n - pm.n)) AS new_ss
      FROM (SELECT method, protocol_hash, seed, avg(base) AS b, avg(new) AS n
            FROM )SQL" + source + R"SQL( GROUP BY method, protocol_hash, seed) AS ps
      JOIN (SELECT method, protocol_hash, avg(b) AS b, avg(n) AS n
            FROM (SELECT method, protocol_hash, seed, avg(base) AS b, avg(new) AS n
                  FROM )SQL" + source + R"SQL( GROUP BY method, protocol_hash, seed)
            GROUP BY method, protocol_hash) AS pm
        ON pm.method = ps.method AND pm.protocol_hash = ps.protocol_hash
      GROUP BY ps.method, ps.protocol_hash) AS k
  ON k.method = d.method AND k.protocol_hash = d.protocol_hash
ORDER BY d.method, d.protocol_hash
)SQL";
}

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = [] {
    std::vector<Migration> m;
    m.push_back({1, "runs, epoch_metrics, results; views seed_results and results_table",
                 std::string(kV1) + seed_results_view_sql(false) + "CREATE VIEW results_table AS " +
                     results_table_sql("seed_results") + ";\n"});
    m.push_back({2, "runs.model_path, artifacts table; view results_average",
                 std::string(kV2) + seed_results_view_sql(false) + "CREATE VIEW results_table AS " +
                     results_table_sql("seed_results") + ";\nCREATE VIEW results_average AS " +
                     results_average_sql("seed_results") + ";\n"});
    m.push_back({3, "results.dataset (one row per evaluation target), runs.shots; views target_seed_results and "
                    "target_results",
                 std::string(kV3) + seed_results_view_sql(true) + "CREATE VIEW results_table AS " +
                     results_table_sql("seed_results") + ";\nCREATE VIEW results_average AS " +
                     results_average_sql("seed_results") + ";\n" + kTargetViews});
    m.push_back({4, "runs.pid and runs.pid_start: the process that owns a running run", kV4});
    m.push_back({5, "runs.uid: a globally unique run id, for merging stores", kV5});
    m.push_back({6, "run_metrics: measures of a whole run (sharpness); the sharpness_results view", kV6});
    m.push_back({7, "landscapes: the loss around a run's learned parameters on a grid", kV7});
    return m;
  }();
  return list;
}

}  // namespace promptlab::store
