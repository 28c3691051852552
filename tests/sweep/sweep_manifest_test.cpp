// The sweep manifest: written atomically, read back whole, refused with the file and key named.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "store/store_test_util.hpp"
#include "sweep/sweep_manifest.hpp"

namespace promptlab {
namespace {

using testing::TempDir;

SweepManifest full_manifest(const std::string& dir) {
  SweepManifest m;
  m.dir = dir;
  m.store = "/data/main.db";
  m.program = "/usr/local/bin/promptlab";
  m.global_args = {"--threads", "2"};
  m.bench_args = {"--protocol", "base2new", "--set", "train.epochs=2", "--cache-dir", "/data/main.db.d"};
  m.cache_dir = "/data/main.db.d";
  m.protocol = "base2new";
  m.protocol_hash = "abc123";
  m.runs_per_cell = 5;
  m.cells = {{"coop", "eurosat", 1}, {"gcscoop", "dtd", 3}};
  m.slurm.partition = "gpu";
  m.slurm.time = "1:00:00";
  m.slurm.gpus_per_task = 1;
  m.slurm.cpus_per_task = 4;
  m.slurm.mem = "8G";
  m.slurm.extra = {"--qos=low"};
  m.submissions = {{"100", {0, 1}, "2026-12-02T10:00:00Z"}, {"101", {1}, "2026-12-02T11:00:00Z"}};
  m.created_at = "2026-12-02T09:59:00Z";
  return m;
}

TEST(SweepManifest, RoundTripsEveryField) {
  TempDir dir;
  const SweepManifest m = full_manifest(dir.file("sweep"));
  write_sweep(m);
  const SweepManifest b = read_sweep(dir.file("sweep"));
  EXPECT_EQ(b.dir, m.dir);
  EXPECT_EQ(b.store, m.store);
  EXPECT_EQ(b.program, m.program);
  EXPECT_EQ(b.global_args, m.global_args);
  EXPECT_EQ(b.bench_args, m.bench_args);
  EXPECT_EQ(b.cache_dir, m.cache_dir);
  EXPECT_EQ(b.protocol, m.protocol);
  EXPECT_EQ(b.protocol_hash, m.protocol_hash);
  EXPECT_EQ(b.runs_per_cell, 5u);
  ASSERT_EQ(b.cells.size(), 2u);
  EXPECT_EQ(b.cells[1].method, "gcscoop");
  EXPECT_EQ(b.cells[1].dataset, "dtd");
  EXPECT_EQ(b.cells[1].seed, 3);
  EXPECT_EQ(b.slurm.partition, "gpu");
  EXPECT_EQ(b.slurm.time, "1:00:00");
  EXPECT_EQ(b.slurm.gpus_per_task, 1);
  EXPECT_EQ(b.slurm.cpus_per_task, 4);
  EXPECT_EQ(b.slurm.mem, "8G");
  EXPECT_EQ(b.slurm.extra, m.slurm.extra);
  ASSERT_EQ(b.submissions.size(), 2u);
  EXPECT_EQ(b.created_at, m.created_at);
  // The newest submission that ran a cell is its job.
  EXPECT_EQ(b.job_of(0), "100");
  EXPECT_EQ(b.job_of(1), "101");
  EXPECT_EQ(b.shard_path(1), m.dir + "/shards/1.db");
  // Nothing but the manifest is left in the folder (the temporary was renamed).
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(m.dir), std::filesystem::directory_iterator()), 1);
}

TEST(SweepManifest, RefusesBrokenFilesNamingFileAndKey) {
  TempDir dir;
  const SweepManifest m = full_manifest(dir.file("sweep"));
  write_sweep(m);
  const std::string file = sweep_manifest_path(m.dir);
  nlohmann::json j;
  {
    std::ifstream in(file);
    in >> j;
  }
  const auto refused = [&](const nlohmann::json& doc, const std::string& needle) {
    {
      std::ofstream out(file, std::ios::trunc);
      out << doc.dump();
    }
    try {
      read_sweep(m.dir);
      ADD_FAILURE() << "accepted a manifest lacking " << needle;
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(file), std::string::npos) << msg;
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    }
  };
  nlohmann::json no_store = j;
  no_store.erase("store");
  refused(no_store, "'store'");
  nlohmann::json bad_seed = j;
  bad_seed["cells"][0]["seed"] = "one";
  refused(bad_seed, "'seed'");
  nlohmann::json future = j;
  future["format_version"] = 99;
  refused(future, "format_version 99");
  nlohmann::json stray = j;
  stray["submissions"][0]["indices"] = {0, 7};
  refused(stray, "cell 7");
  {
    std::ofstream out(file, std::ios::trunc);
    out << "{ not json";
  }
  EXPECT_THROW(read_sweep(m.dir), std::runtime_error);
  try {
    read_sweep(dir.file("elsewhere"));
    ADD_FAILURE() << "read a folder without a manifest";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("elsewhere"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace promptlab
