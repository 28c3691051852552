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
  EXPECT_EQ(p.shots, 16);
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
