// Config: typed access, merge precedence, key=value parsing, TOML flattening and errors.
#include "promptlab/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace promptlab {
namespace {

// Expects `fn` to throw ConfigError whose message contains every one of `parts`.
template <typename Fn>
void expect_config_error(Fn fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << msg << " lacks " << p;
  }
}

std::filesystem::path fresh_dir(const std::string& name) {
  const char* base = std::getenv("PROMPTLAB_TEST_TMP");
  auto dir = std::filesystem::path(base && *base ? base : "/tmp") /
             ("config_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(ConfigTest, TypedGettersReturnStoredValues) {
  Config c;
  c.set("a.flag", true);
  c.set("a.n", std::int64_t{16});
  c.set("a.lr", 0.002);
  c.set("a.name", std::string("a photo of a"));
  EXPECT_TRUE(c.get_bool("a.flag"));
  EXPECT_EQ(c.get_int("a.n"), 16);
  EXPECT_DOUBLE_EQ(c.get_double("a.lr"), 0.002);
  EXPECT_EQ(c.get_string("a.name"), "a photo of a");
  EXPECT_DOUBLE_EQ(c.get_double("a.n"), 16.0);  // ints are accepted as doubles
  EXPECT_TRUE(c.has("a.n"));
  EXPECT_FALSE(c.has("a.missing"));
}

TEST(ConfigTest, FallbacksApplyOnlyWhenAbsent) {
  Config c;
  c.set("x", std::int64_t{3});
  EXPECT_EQ(c.get_int("x", 7), 3);
  EXPECT_EQ(c.get_int("y", 7), 7);
  EXPECT_EQ(c.get_string("s", "dflt"), "dflt");
  EXPECT_FALSE(c.get_bool("b", false));
  EXPECT_DOUBLE_EQ(c.get_double("d", 1.5), 1.5);
  // A present key of the wrong type is still an error, not the fallback.
  expect_config_error([&] { c.get_string("x", "dflt"); }, {"'x'", "string"});
}

TEST(ConfigTest, ErrorsNameTheKeyAndTypes) {
  Config c;
  c.set("optim.lr", std::string("fast"));
  c.set("optim.epochs", 2.5);
  expect_config_error([&] { c.get_double("optim.lr"); }, {"'optim.lr'", "number", "string", "fast"});
  expect_config_error([&] { c.get_int("optim.epochs"); }, {"'optim.epochs'", "integer", "double"});
  expect_config_error([&] { c.get_bool("optim.missing"); }, {"'optim.missing'", "missing"});
  expect_config_error([&] { c.get_string("optim.epochs"); }, {"'optim.epochs'"});
}

TEST(ConfigTest, MergeOverlaysInPrecedenceOrder) {
  // method defaults < protocol < file < --set
  Config defaults, protocol, file, cli;
  defaults.set("optim.lr", 0.002);
  defaults.set("coop.n_ctx", std::int64_t{16});
  defaults.set("optim.max_epoch", std::int64_t{200});
  protocol.set("optim.max_epoch", std::int64_t{10});
  file.set("optim.lr", 0.01);
  file.set("seed", std::int64_t{2});
  cli.set("optim.lr", 0.005);
  Config resolved = defaults;
  resolved.merge(protocol);
  resolved.merge(file);
  resolved.merge(cli);
  EXPECT_DOUBLE_EQ(resolved.get_double("optim.lr"), 0.005);
  EXPECT_EQ(resolved.get_int("optim.max_epoch"), 10);
  EXPECT_EQ(resolved.get_int("coop.n_ctx"), 16);
  EXPECT_EQ(resolved.get_int("seed"), 2);
  EXPECT_EQ(resolved.entries().size(), 4u);
  // Merge may change a key's type: the later layer wins entirely.
  Config override_type;
  override_type.set("coop.n_ctx", std::string("auto"));
  resolved.merge(override_type);
  EXPECT_EQ(resolved.get_string("coop.n_ctx"), "auto");
}

TEST(ConfigTest, KeysWithPrefix) {
  Config c;
  c.set("coop.n_ctx", std::int64_t{4});
  c.set("coop.csc", false);
  c.set("coopx", std::int64_t{1});
  c.set("optim.lr", 0.1);
  const auto keys = c.keys_with_prefix("coop.");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], "coop.csc");
  EXPECT_EQ(keys[1], "coop.n_ctx");
  EXPECT_TRUE(c.keys_with_prefix("zzz").empty());
}

TEST(ConfigTest, ParseAssignmentInfersTypes) {
  auto [k1, v1] = Config::parse_assignment("optim.lr=1e-5");
  EXPECT_EQ(k1, "optim.lr");
  ASSERT_TRUE(std::holds_alternative<double>(v1));
  EXPECT_DOUBLE_EQ(std::get<double>(v1), 1e-5);

  auto v2 = Config::parse_assignment("coop.n_ctx=16").second;
  ASSERT_TRUE(std::holds_alternative<std::int64_t>(v2));
  EXPECT_EQ(std::get<std::int64_t>(v2), 16);

  auto v3 = Config::parse_assignment(" coop.csc = true ").second;
  ASSERT_TRUE(std::holds_alternative<bool>(v3));
  EXPECT_TRUE(std::get<bool>(v3));
  EXPECT_FALSE(std::get<bool>(Config::parse_assignment("x=false").second));

  auto v4 = Config::parse_assignment("init=\"a photo of a\"").second;
  ASSERT_TRUE(std::holds_alternative<std::string>(v4));
  EXPECT_EQ(std::get<std::string>(v4), "a photo of a");
  EXPECT_EQ(std::get<std::string>(Config::parse_assignment("t='x=y'").second), "x=y");
  EXPECT_EQ(std::get<std::string>(Config::parse_assignment("name=vit_b16").second), "vit_b16");

  EXPECT_DOUBLE_EQ(std::get<double>(Config::parse_assignment("x=-0.5").second), -0.5);
  EXPECT_DOUBLE_EQ(std::get<double>(Config::parse_assignment("x=2.").second), 2.0);
  EXPECT_DOUBLE_EQ(std::get<double>(Config::parse_assignment("x=3E2").second), 300.0);
  EXPECT_EQ(std::get<std::int64_t>(Config::parse_assignment("x=-3").second), -3);
  EXPECT_EQ(std::get<std::string>(Config::parse_assignment("x=").second), "");
  EXPECT_EQ(std::get<std::string>(Config::parse_assignment("x=1.2.3").second), "1.2.3");
}

TEST(ConfigTest, ParseAssignmentRejectsMalformed) {
  expect_config_error([] { Config::parse_assignment("no_equals_sign"); }, {"no_equals_sign"});
  expect_config_error([] { Config::parse_assignment("=3"); }, {"=3"});
  expect_config_error([] { Config::parse_assignment("n=99999999999999999999"); }, {"'n'", "range"});
}

TEST(ConfigTest, TomlFlattensNestedTablesKeepingTypes) {
  const std::string text = R"(
seed = 1
name = "base2new"
[optim]
lr = 0.002
max_epoch = 200
nesterov = false
[optim.schedule]
warmup = 1
[methods.gcscoop]
"gcsam.rho" = 0.1
shots = [1, 2, 4]
labels = ["a", "b"]
)";
  Config c = Config::from_toml_string(text, "proto.toml");
  EXPECT_EQ(c.get_int("seed"), 1);
  EXPECT_EQ(c.get_string("name"), "base2new");
  EXPECT_DOUBLE_EQ(c.get_double("optim.lr"), 0.002);
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(c.entries().at("optim.max_epoch")));
  EXPECT_TRUE(std::holds_alternative<double>(c.entries().at("optim.lr")));
  EXPECT_FALSE(c.get_bool("optim.nesterov"));
  EXPECT_EQ(c.get_int("optim.schedule.warmup"), 1);
  EXPECT_DOUBLE_EQ(c.get_double("methods.gcscoop.gcsam.rho"), 0.1);
  EXPECT_EQ(c.get_string("methods.gcscoop.shots"), "[1, 2, 4]");
  EXPECT_EQ(c.get_string("methods.gcscoop.labels"), "[\"a\", \"b\"]");

  Config sub = Config::from_toml_string(text, "proto.toml", "methods.gcscoop");
  EXPECT_DOUBLE_EQ(sub.get_double("gcsam.rho"), 0.1);
  EXPECT_EQ(sub.entries().size(), 3u);
  EXPECT_TRUE(Config::from_toml_string(text, "proto.toml", "absent").entries().empty());
  expect_config_error([&] { Config::from_toml_string(text, "proto.toml", "optim.lr"); },
                      {"proto.toml", "optim.lr", "not a table"});
}

TEST(ConfigTest, BadTomlNamesFileAndLine) {
  const std::string text = "a = 1\nb = 2\nc = = 3\n";
  expect_config_error([&] { Config::from_toml_string(text, "bad.toml"); }, {"bad.toml:3"});
  expect_config_error([] { Config::from_toml_string("x = [[1], [2]]\n", "arr.toml"); },
                      {"arr.toml:1", "'x'"});
  expect_config_error([] { Config::from_toml_string("d = 1979-05-27\n", "date.toml"); },
                      {"date.toml:1", "'d'"});
  expect_config_error([] { Config::from_toml_string("\"a.b\" = 1\n[a]\nb = 2\n", "twice.toml"); },
                      {"twice.toml", "'a.b'", "twice"});
}

TEST(ConfigTest, TomlFileErrorsNameTheFile) {
  const auto dir = fresh_dir("file");
  const auto path = (dir / "run.toml").string();
  {
    std::ofstream(path) << "[optim]\nlr = 0.01\n\n[coop\nn_ctx = 4\n";
  }
  expect_config_error([&] { Config::from_toml_file(path); }, {path + ":4"});
  {
    std::ofstream(path) << "[optim]\nlr = 0.01\n";
  }
  EXPECT_DOUBLE_EQ(Config::from_toml_file(path).get_double("optim.lr"), 0.01);
  EXPECT_DOUBLE_EQ(Config::from_toml_file(path, "optim").get_double("lr"), 0.01);
  expect_config_error([&] { Config::from_toml_file((dir / "nope.toml").string()); }, {"nope.toml"});
  std::filesystem::remove_all(dir);
}

TEST(ConfigTest, CanonicalTextIsSortedStableAndRoundTrips) {
  Config a, b;
  a.set("z", 0.1);
  a.set("a", std::string("say \"hi\""));
  a.set("m", std::int64_t{3});
  a.set("f", 1.0);
  a.set("t", true);
  b.set("t", true);
  b.set("f", 1.0);
  b.set("m", std::int64_t{3});
  b.set("a", std::string("say \"hi\""));
  b.set("z", 0.1);
  const std::string text = a.to_string();
  EXPECT_EQ(text, b.to_string());
  EXPECT_EQ(text, "a = \"say \\\"hi\\\"\"\nf = 1.0\nm = 3\nt = true\nz = 0.1\n");
  // The canonical text is TOML that reads back to the same values and types.
  Config back = Config::from_toml_string(text, "canonical");
  EXPECT_EQ(back.to_string(), text);
  EXPECT_TRUE(std::holds_alternative<double>(back.entries().at("f")));
  // Doubles print exactly: a value differing in the last bit prints differently.
  Config c1, c2;
  c1.set("x", 0.1 + 0.2);
  c2.set("x", 0.3);
  EXPECT_NE(c1.to_string(), c2.to_string());
  EXPECT_EQ(Config::from_toml_string(c1.to_string(), "c1").get_double("x"), 0.1 + 0.2);
  EXPECT_EQ(to_string(ConfigValue{0.002}), "0.002");
  EXPECT_EQ(to_string(ConfigValue{std::string("a photo of a")}), "a photo of a");
  EXPECT_EQ(to_string(ConfigValue{false}), "false");
}

TEST(ConfigTest, JsonHasTypedValues) {
  Config c;
  c.set("b", true);
  c.set("i", std::int64_t{-4});
  c.set("d", 0.5);
  c.set("s", std::string("q\"uote"));
  EXPECT_EQ(c.to_json(), R"({"b":true,"d":0.5,"i":-4,"s":"q\"uote"})");
  EXPECT_EQ(Config{}.to_json(), "{}");
}

}  // namespace
}  // namespace promptlab
