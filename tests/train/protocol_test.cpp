#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "train/protocol.hpp"

using namespace promptlab;
namespace fs = std::filesystem;

namespace {
std::string temp_file(const std::string& name, const std::string& text) {
  const char* base = std::getenv("PROMPTLAB_TEST_TMP");
  fs::path dir = fs::path(base ? base : "/tmp") / "protocol_test";
  fs::create_directories(dir);
  fs::path p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}
}  // namespace

TEST(Protocol, LoadsShippedProtocolsByName) {
  Protocol p = load_protocol(std::string(PROMPTLAB_SOURCE_DIR) + "/protocols/base2new.toml");
  EXPECT_EQ(p.name, "base2new");
  EXPECT_EQ(p.shots, (std::vector<std::int64_t>{16}));
  EXPECT_EQ(p.seeds, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(p.datasets.size(), 11u);
  EXPECT_EQ(p.for_method("cocoop").get_int("train.batch_size"), 1);
  EXPECT_EQ(p.for_method("coop").get_int("train.batch_size"), 128);
  EXPECT_DOUBLE_EQ(p.for_method("gcscoop").get_double("gcsam.rho"), 0.1);
  EXPECT_EQ(p.hash.size(), 16u);
}

TEST(Protocol, HashFollowsContent) {
  std::string a = temp_file("a.toml", "[protocol]\nname='x'\nshots=4\n");
  std::string b = temp_file("b.toml", "[protocol]\nname='x'\nshots=8\n");
  EXPECT_NE(load_protocol(a).hash, load_protocol(b).hash);
  EXPECT_EQ(load_protocol(a).hash, load_protocol(a).hash);
  EXPECT_EQ(load_protocol(b).for_method("any").get_int("data.shots"), 8);
}

TEST(Protocol, ErrorsNameTheFile) {
  std::string bad = temp_file("bad.toml", "[protocol\nname=");
  try {
    load_protocol(bad);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("bad.toml"), std::string::npos) << e.what();
  }
  std::string missing_head = temp_file("nohead.toml", "[defaults]\n\"optim.lr\" = 0.1\n");
  EXPECT_THROW(load_protocol(missing_head), std::runtime_error);
}

TEST(Protocol, UnknownNameListsTheAvailableOnes) {
  try {
    load_protocol("no-such-protocol");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("base2new"), std::string::npos) << e.what();
  }
}

TEST(Protocol, ShotListsAndPerShotSettings) {
  std::string f = temp_file("fewshot.toml",
                            "[protocol]\nname='fs'\nshots=[1, 4, 16]\nsubsample='all'\n"
                            "[defaults]\n\"train.epochs\" = 200\n"
                            "[shots.1]\n\"train.epochs\" = 50\n"
                            "[methods.cocoop]\n\"train.epochs\" = 10\n");
  Protocol p = load_protocol(f);
  EXPECT_EQ(p.shots, (std::vector<std::int64_t>{1, 4, 16}));
  EXPECT_EQ(p.for_method("coop", 1).get_int("train.epochs"), 50);
  EXPECT_EQ(p.for_method("coop", 1).get_int("data.shots"), 1);
  EXPECT_EQ(p.for_method("coop", 4).get_int("train.epochs"), 200);
  EXPECT_EQ(p.for_method("coop", 4).get_int("data.shots"), 4);
  EXPECT_EQ(p.for_method("coop").get_int("data.shots"), 1);  // 0: the first shot count
  EXPECT_EQ(p.for_method("cocoop", 1).get_int("train.epochs"), 10);  // the method's table wins
  EXPECT_TRUE(p.targets.empty());
}

TEST(Protocol, BadShotsAndTargetsAreNamed) {
  auto error_of = [](const std::string& text, const std::string& name) {
    try {
      load_protocol(temp_file(name, text));
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of("[protocol]\nshots=[]\n", "e1.toml").find("protocol.shots"), std::string::npos);
  EXPECT_NE(error_of("[protocol]\nshots=[4, 0]\n", "e2.toml").find("holds 0"), std::string::npos);
  EXPECT_NE(error_of("[protocol]\nshots='many'\n", "e3.toml").find("protocol.shots"), std::string::npos);
  EXPECT_NE(error_of("[protocol]\nshots=[1, 2]\n[shots.3]\n\"train.epochs\"=1\n", "e4.toml").find("[shots.3]"),
            std::string::npos);
  // Transfer protocols train on every class: base/new subsampling and targets do not mix.
  EXPECT_NE(error_of("[protocol]\ntargets=['dtd']\n", "e5.toml").find("protocol.targets"), std::string::npos);
}

TEST(Protocol, ShippedTransferProtocolsNameTheirTargets) {
  const std::string dir = std::string(PROMPTLAB_SOURCE_DIR) + "/protocols/";
  Protocol xd = load_protocol(dir + "cross-dataset.toml");
  EXPECT_EQ(xd.datasets, (std::vector<std::string>{"imagenet"}));
  EXPECT_EQ(xd.targets.size(), 10u);
  EXPECT_EQ(xd.subsample, "all");
  Protocol dg = load_protocol(dir + "domain-generalization.toml");
  EXPECT_EQ(dg.targets, (std::vector<std::string>{"imagenet_v2", "imagenet_sketch", "imagenet_a", "imagenet_r"}));
  Protocol fs = load_protocol(dir + "few-shot.toml");
  EXPECT_EQ(fs.shots, (std::vector<std::int64_t>{1, 2, 4, 8, 16}));
  EXPECT_EQ(fs.for_method("coop", 1).get_int("train.epochs"), 50);
  EXPECT_EQ(fs.for_method("coop", 16).get_int("train.epochs"), 200);
  for (const char* tiny : {"few-shot-tiny", "xd-tiny", "dg-tiny"}) {
    EXPECT_EQ(load_protocol(tiny).name, tiny);
  }
  EXPECT_EQ(load_protocol("dg-tiny").targets.size(), 3u);
}
