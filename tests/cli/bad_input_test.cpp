// The bad-input battery through the binary: each bad input fails with a message that names the
// file and the key, line or value at fault. (Cases with a test of their own elsewhere are not
// repeated here: see the note at the end of this file.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "cli/cli_test_util.hpp"

using promptlab::test::fresh_dir;
using promptlab::test::run_cli;
namespace fs = std::filesystem;

namespace {

struct BadInput {
  std::string name;
  std::string file_text;  // written to FILE (a path in the case's folder) when not empty
  std::string file_name;  // FILE's name
  std::string args;       // FILE, DB and DIR are replaced by the case's paths
  std::vector<std::string> expected;  // each must appear in the output (FILE replaced as above)
};

// gtest prints a failing case by its name (not its bytes).
void PrintTo(const BadInput& c, std::ostream* os) { *os << c.name; }

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
  return s;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(gen() & 0xff);
  return out;
}

class BadInputBattery : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputBattery, FailsNamingTheFileAndTheKeyLineOrValue) {
  const BadInput& c = GetParam();
  const fs::path dir = fresh_dir("bad_" + c.name);
  const std::string file = (dir / c.file_name).string();
  if (!c.file_text.empty()) std::ofstream(file, std::ios::binary) << c.file_text;
  auto subst = [&](const std::string& s) {
    return replace_all(replace_all(replace_all(s, "FILE", file), "DB", (dir / "runs.db").string()), "DIR", dir.string());
  };
  const auto r = run_cli(subst(c.args));
  EXPECT_NE(r.exit_code, 0) << r.output;
  for (const auto& e : c.expected) EXPECT_NE(r.output.find(subst(e)), std::string::npos) << "expected: " << subst(e) << "\n" << r.output;
  EXPECT_EQ(r.output.find("frame #"), std::string::npos) << "a LibTorch backtrace reached the user:\n" << r.output;
}

const std::string kCoopRun = "run --method coop --dataset tiny_shapes --db DB ";

INSTANTIATE_TEST_SUITE_P(
    Cases, BadInputBattery,
    ::testing::Values(
        // TOML config files
        BadInput{"toml_syntax", "[optim]\nlr = 0.1\nmomentum = = 0.9\n", "bad.toml", kCoopRun + "--config FILE",
                 {"FILE:3:"}},
        BadInput{"toml_unclosed_table", "[optim\nlr = 0.1\n", "bad.toml", kCoopRun + "--config FILE", {"FILE:1:"}},
        BadInput{"toml_wrong_type", "[optim]\nlr = \"fast\"\n", "bad.toml", kCoopRun + "--config FILE",
                 {"optim.lr", "fast"}},
        BadInput{"toml_wrong_type_int", "[train]\nepochs = 2.5\n", "bad.toml", kCoopRun + "--config FILE",
                 {"train.epochs", "2.5"}},
        BadInput{"toml_unknown_key", "[optim]\nlrr = 0.1\n", "bad.toml", kCoopRun + "--config FILE",
                 {"optim.lrr", "optim.lr"}},
        BadInput{"toml_nan", "[optim]\nlr = nan\n", "bad.toml", kCoopRun + "--config FILE", {"optim.lr", "nan"}},
        BadInput{"toml_rho_negative", "[gcsam]\nrho = -0.1\n", "bad.toml",
                 "run --method gcscoop --dataset tiny_shapes --db DB --config FILE", {"gcsam.rho", "-0.1"}},
        BadInput{"toml_missing_file", "", "absent.toml", kCoopRun + "--config FILE", {"FILE"}},
        // Command line
        BadInput{"cli_unknown_option", "", "x", "run --methd coop --db DB", {"--methd"}},
        BadInput{"cli_missing_value", "", "x", "run --db DB --method", {"--method"}},
        BadInput{"cli_set_without_value", "", "x", kCoopRun + "--set optim.lr", {"optim.lr"}},
        BadInput{"cli_set_bad_number", "", "x", kCoopRun + "--set train.epochs=two", {"train.epochs", "two"}},
        BadInput{"cli_seed_not_a_number", "", "x", kCoopRun + "--seed one", {"--seed", "one"}},
        BadInput{"cli_results_format", "", "x", "results --db DB --format xml", {"xml"}},
        BadInput{"cli_results_table", "", "x", "results --db DB --table nope", {"nope"}},
        BadInput{"cli_bench_protocol", "", "x", "bench --methods coop --protocol nope --db DB", {"nope", "base2new-tiny"}},
        BadInput{"cli_bench_method", "", "x", "bench --methods coop,gcscop --db DB", {"gcscop", "gcscoop"}},
        // Weights and vocabulary
        BadInput{"weights_random", random_bytes(4096, 1), "random.pt",
                 "encode --weights FILE --vocab " + promptlab::embedded_vocab_path() + " --text hi", {"FILE"}},
        BadInput{"weights_truncated_zip", std::string("PK\x03\x04", 4) + random_bytes(64, 2), "cut.pt",
                 "encode --weights FILE --vocab " + promptlab::embedded_vocab_path() + " --text hi", {"FILE"}},
        BadInput{"merges_garbage", random_bytes(2048, 3), "bpe.txt", "tokenize --vocab FILE hello", {"FILE"}},
        BadInput{"merges_empty", "", "absent_bpe.txt", "tokenize --vocab FILE hello", {"FILE"}},
        BadInput{"merges_one_word_lines", "#version: 0.2\nab\ncd\n", "bpe.txt", "tokenize --vocab FILE hello", {"FILE", "line 2"}},
        // Store
        BadInput{"store_not_sqlite", "this is not a database\n", "notes.db", "results --db FILE", {"FILE"}},
        BadInput{"store_missing_folder", "", "x", "run --method zeroshot --dataset tiny_shapes --db DIR/no/such/runs.db",
                 {"DIR/no/such"}}),
    [](const ::testing::TestParamInfo<BadInput>& p) { return p.param.name; });

// An unreadable weights file (root reads every file, so this one needs an ordinary user).
TEST(BadInput, UnreadableWeightsFileIsNamed) {
  if (::geteuid() == 0) GTEST_SKIP() << "running as root: every file is readable";
  const fs::path dir = fresh_dir("bad_unreadable");
  const std::string file = (dir / "locked.pt").string();
  std::ofstream(file) << "x";
  fs::permissions(file, fs::perms::none);
  const auto r = run_cli("encode --weights " + file + " --vocab " + promptlab::embedded_vocab_path() + " --text hi");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(file), std::string::npos) << r.output;
}

// Tested elsewhere, each naming its file and key or value:
// - out-of-range config (lr <= 0, rho < 0, beta1 > beta2, shots/epochs/batch 0, weight decay < 0,
//   NaN, inf, beyond int): tests/cli/config_errors_test.cpp
// - unknown method, dataset, protocol, config key, device, command; missing weights, vocabulary,
//   data root; a folder, an empty file or a torch.save() dict as weights; plain text named .gz:
//   tests/cli/run_errors_test.cpp, tests/cli/real_path_e2e_test.cpp
// - truncated archive, missing keys, mismatched shapes: tests/clip/clip_weights_test.cpp
// - malformed or wrongly structured split JSON, label gaps, missing and corrupt images, invalid UTF-8
//   class names: tests/data/datasets_test.cpp, tests/data/image_io_test.cpp
// - store: a file that is not SQLite, a foreign SQLite file, a folder, a newer schema, read-only:
//   tests/store/run_store_test.cpp, tests/store/migration_test.cpp, tests/cli/store_faults_test.cpp
// - plugins: a random .so, a manifest with a syntax error, a learner throwing mid-run:
//   tests/registry/plugin_host_test.cpp, tests/registry/manifest_test.cpp, tests/cli/store_faults_test.cpp

}  // namespace
