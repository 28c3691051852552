// The Slurm side of a sweep without a cluster: array lists, sbatch's command line and output,
// the queue's lines, the job script and the settings file.
#include <gtest/gtest.h>

#include <fstream>

#include "store/store_test_util.hpp"
#include "sweep/fake_slurm.hpp"
#include "sweep/slurm.hpp"
#include "util/subprocess.hpp"

namespace promptlab {
namespace {

using testing::TempDir;

SweepManifest sample_manifest(const std::string& dir) {
  SweepManifest m;
  m.dir = dir;
  m.store = dir + "/../main.db";
  m.program = "/opt/promptlab it's/bin/promptlab";
  m.global_args = {"--plugin-path", "/labs/plugins", "--threads", "4"};
  m.cells = {{"coop", "tiny_shapes", 1}, {"gcscoop", "tiny_shapes", 1}};
  return m;
}

TEST(Slurm, ArraySpecMergesRuns) {
  EXPECT_EQ(array_spec({0, 1, 2, 3}), "0-3");
  EXPECT_EQ(array_spec({7, 0, 1, 9, 10, 3}), "0-1,3,7,9-10");
  EXPECT_EQ(array_spec({5}), "5");
  EXPECT_EQ(array_spec({2, 2, 2}), "2");
}

TEST(Slurm, ParsesParsableJobIds) {
  EXPECT_EQ(parse_job_id("4242\n"), "4242");
  EXPECT_EQ(parse_job_id("4242;cluster-a\n"), "4242");
  EXPECT_EQ(parse_job_id("sbatch: warning: something\n77\n"), "77");
  EXPECT_THROW(parse_job_id("Submitted batch job 12\n"), std::runtime_error);
  EXPECT_THROW(parse_job_id(""), std::runtime_error);
}

TEST(Slurm, ParsesTaskLinesOfItsOwnJobsOnly) {
  const std::string text =
      "12_0|RUNNING\n12_1|PENDING\n13_4|CANCELLED by 0\n12_2.batch|COMPLETED\n12_[3-5]|PENDING\n99_0|RUNNING\n"
      "garbage\n";
  const auto states = parse_task_lines(text, {"12", "13"});
  ASSERT_EQ(states.size(), 3u);
  EXPECT_EQ(states.at("12_0"), "RUNNING");
  EXPECT_EQ(states.at("12_1"), "PENDING");
  EXPECT_EQ(states.at("13_4"), "CANCELLED");
  EXPECT_EQ(task_name("12", 3), "12_3");
}

TEST(Slurm, SbatchArgumentsCarryTheResources) {
  SweepManifest m = sample_manifest("/sweeps/s1");
  m.slurm.partition = "gpu";
  m.slurm.time = "01:00:00";
  m.slurm.gpus_per_task = 1;
  m.slurm.cpus_per_task = 8;
  m.slurm.mem = "32G";
  m.slurm.extra = {"--qos=low"};
  const auto args = sbatch_arguments(m, {1, 0});
  const std::vector<std::string> want{"--parsable",
                                      "--array=0-1",
                                      "--job-name=promptlab-s1",
                                      "--output=/sweeps/s1/logs/%a-%A.log",
                                      "--chdir=/sweeps/s1",
                                      "--partition=gpu",
                                      "--time=01:00:00",
                                      "--gpus-per-task=1",
                                      "--cpus-per-task=8",
                                      "--mem=32G",
                                      "--qos=low",
                                      "/sweeps/s1/job.sh"};
  EXPECT_EQ(args, want);
  EXPECT_EQ(m.log_path(3, "77"), "/sweeps/s1/logs/3-77.log");
  EXPECT_THROW(sbatch_arguments(m, {}), std::invalid_argument);
  m.slurm = {};
  EXPECT_EQ(sbatch_arguments(m, {0}).size(), 6u);  // only the sweep's own flags and the script
}

TEST(Slurm, JobScriptQuotesEveryWord) {
  TempDir dir;
  SweepManifest m = sample_manifest(dir.path().string() + "/odd dir");
  // A stand-in program that prints its arguments one per line shows what bash makes of the script.
  const std::string echo = dir.file("echo args.sh");
  {
    std::ofstream out(echo);
    out << "#!/bin/bash\nfor a in \"$@\"; do echo \"[$a]\"; done\n";
  }
  std::filesystem::permissions(echo, std::filesystem::perms::owner_all);
  m.program = echo;
  const std::string script = dir.file("job.sh");
  {
    std::ofstream out(script);
    out << job_script(m);
  }
  const CommandResult r = run_command({"env", "SLURM_ARRAY_TASK_ID=1", "bash", script});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[--plugin-path]\n[/labs/plugins]\n[--threads]\n[4]\n[sweep]\n[task]\n[" + m.dir + "]\n[1]\n");
}

TEST(Slurm, SubmitWritesScriptRecordsTheJobAndReportsSbatchErrors) {
  TempDir dir;
  // A stand-in sbatch: prints an id, or fails like a real one refusing a partition.
  const testing::FakeSlurm slurm(dir.path().string());
  slurm.tool("sbatch", "echo \"$@\" > " + dir.file("sbatch-args") + "\n" +
                           "case \"$*\" in *--partition=nope*) echo 'sbatch: error: invalid partition specified: nope' >&2; "
                           "exit 1;; esac\necho 31337\n");
  SweepManifest m = sample_manifest(dir.file("sweep"));
  m.created_at = utc_now();
  write_sweep(m);
  EXPECT_EQ(submit_array(m, {1}), "31337");
  EXPECT_TRUE(std::filesystem::exists(m.script_path()));
  const SweepManifest back = read_sweep(m.dir);
  ASSERT_EQ(back.submissions.size(), 1u);
  EXPECT_EQ(back.job_of(1), "31337");
  EXPECT_EQ(back.job_of(0), "");
  m.slurm.partition = "nope";
  try {
    submit_array(m, {0});
    ADD_FAILURE() << "a refused submission passed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("invalid partition specified: nope"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_sweep(m.dir).submissions.size(), 1u);  // the refused one is not recorded
  EXPECT_THROW(submit_array(m, {2}), std::invalid_argument);
}

TEST(SlurmResources, ReadsTheSettingsFileAndFlagsOverrideIt) {
  TempDir dir;
  const std::string file = dir.file("slurm.toml");
  {
    std::ofstream out(file);
    out << "partition = \"gpu\"\ntime = \"04:00:00\"\ngpus_per_task = 1\ncpus_per_task = 8\nmem = \"32G\"\n"
           "sbatch_args = [\"--account=vision\"]\n";
  }
  const SlurmResources r = read_slurm_resources(file);
  EXPECT_EQ(r.partition, "gpu");
  EXPECT_EQ(r.time, "04:00:00");
  EXPECT_EQ(r.gpus_per_task, 1);
  EXPECT_EQ(r.cpus_per_task, 8);
  EXPECT_EQ(r.mem, "32G");
  EXPECT_EQ(r.extra, std::vector<std::string>{"--account=vision"});
  SlurmResources flags;
  flags.time = "00:10:00";
  flags.extra = {"--qos=low"};
  const SlurmResources both = r.overridden_by(flags);
  EXPECT_EQ(both.time, "00:10:00");
  EXPECT_EQ(both.partition, "gpu");
  EXPECT_EQ(both.extra, (std::vector<std::string>{"--account=vision", "--qos=low"}));
}

TEST(SlurmResources, RefusesUnknownKeysAndWrongTypesNamingThem) {
  TempDir dir;
  const auto refused = [&dir](const std::string& text, const std::string& key) {
    const std::string file = dir.file("bad.toml");
    {
      std::ofstream out(file);
      out << text;
    }
    try {
      read_slurm_resources(file);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(file), std::string::npos) << msg;
      EXPECT_NE(msg.find(key), std::string::npos) << msg;
    }
  };
  refused("partiton = \"gpu\"\n", "partiton");
  refused("gpus_per_task = \"one\"\n", "gpus_per_task");
  refused("cpus_per_task = -2\n", "cpus_per_task");
  refused("sbatch_args = \"--qos=low\"\n", "sbatch_args");
  refused("time = = 3\n", "bad.toml");
  EXPECT_THROW(read_slurm_resources(dir.file("absent.toml")), std::runtime_error);
}

}  // namespace
}  // namespace promptlab
