// learn_bpe_merges / write_bpe_merges: classic BPE training, deterministic ties,
// CLIP file format, and round trips through Tokenizer::from_file.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "promptlab/tokenizer.hpp"

namespace fs = std::filesystem;
using promptlab::Tokenizer;
using promptlab::TokenizerError;
using Merges = std::vector<std::pair<std::string, std::string>>;
using Ids = std::vector<std::int64_t>;

namespace {

fs::path fresh_bpe_dir(const std::string& tag) {
  const char* env = std::getenv("PROMPTLAB_TEST_TMP");
  const fs::path root = (env && *env) ? fs::path(env) : fs::temp_directory_path();
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  fs::path dir = root / (tag + "-" + std::to_string(stamp) + "-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  return dir;
}

// Sennrich et al.'s toy corpus: low x5, lower x2, newest x6, widest x3.
std::vector<std::string> toy_corpus() {
  std::vector<std::string> c;
  for (int i = 0; i < 5; ++i) c.push_back("low");
  for (int i = 0; i < 2; ++i) c.push_back("Lower");
  for (int i = 0; i < 6; ++i) c.push_back("newest");
  for (int i = 0; i < 3; ++i) c.push_back("widest!");
  return c;
}

std::vector<std::string> caption_corpus() {
  return {"a photo of a dog.", "a photo of a cat.", "a blurry photo of the dog",
          "a caf\xC3\xA9 in Z\xC3\xBCrich", "\xE6\x9D\xB1\xE4\xBA\xAC tower at night",
          "the dog's ball", "3 dogs and 2 cats!!", "a photo of many birds",
          "\xD0\xBA\xD0\xBE\xD1\x88\xD0\xBA\xD0\xB0 sleeping"};
}

}  // namespace

TEST(BpeLearn, MostFrequentPairFirstWithLexicographicTies) {
  const Merges m = promptlab::learn_bpe_merges(toy_corpus(), 4);
  ASSERT_EQ(m.size(), 4u);
  // (e,s) and (s,t</w>) both occur 9 times: "e" < "s" wins; then es+t</w> (9),
  // then (l,o) (7); then (e,w) and (n,e) tie at 6: "e" < "n".
  EXPECT_EQ(m[0], (std::pair<std::string, std::string>{"e", "s"}));
  EXPECT_EQ(m[1], (std::pair<std::string, std::string>{"es", "t</w>"}));
  EXPECT_EQ(m[2], (std::pair<std::string, std::string>{"l", "o"}));
  EXPECT_EQ(m[3], (std::pair<std::string, std::string>{"e", "w"}));
}

TEST(BpeLearn, DeterministicAndStopsWhenNothingIsLeft) {
  const Merges a = promptlab::learn_bpe_merges(caption_corpus(), 200);
  const Merges b = promptlab::learn_bpe_merges(caption_corpus(), 200);
  EXPECT_EQ(a, b);
  const Merges all = promptlab::learn_bpe_merges(toy_corpus(), 1000);
  EXPECT_LT(all.size(), 1000u);  // every word became one symbol
  const Tokenizer tok = Tokenizer::from_merges(all);
  for (const char* w : {"low", "lower", "newest", "widest"}) EXPECT_EQ(tok.encode(w).size(), 1u) << w;
  EXPECT_TRUE(promptlab::learn_bpe_merges({}, 10).empty());
}

TEST(BpeLearn, TokenizerFromLearnedMerges) {
  const Merges m = promptlab::learn_bpe_merges(toy_corpus(), 10);
  const Tokenizer tok = Tokenizer::from_merges(m);
  EXPECT_EQ(tok.vocab_size(), 512u + m.size() + 2u);
  EXPECT_EQ(tok.sot_id(), static_cast<std::int64_t>(512 + m.size()));
  EXPECT_EQ(tok.eot_id(), static_cast<std::int64_t>(513 + m.size()));
  EXPECT_EQ(tok.decode(tok.encode("lowest newer")), "lowest newer ");
  // With no merges every byte is its own symbol: 'a' is 64, 'b</w>' is 256 + 65.
  const Tokenizer bytes = Tokenizer::from_merges({});
  EXPECT_EQ(bytes.encode("ab"), (Ids{64, 256 + 65}));
  EXPECT_EQ(bytes.tokenize("ab", 6), (Ids{512, 64, 321, 513, 0, 0}));
}

TEST(BpeLearn, WriteThenLoadRoundTripsPlainAndGzip) {
  const Merges m = promptlab::learn_bpe_merges(caption_corpus(), 120);
  ASSERT_GT(m.size(), 50u);
  const Tokenizer direct = Tokenizer::from_merges(m);
  const fs::path dir = fresh_bpe_dir("promptlab-bpe-learn");
  for (const std::string name : {"merges.txt", "merges.txt.gz"}) {
    const std::string path = (dir / name).string();
    promptlab::write_bpe_merges(path, m);
    const Tokenizer loaded = Tokenizer::from_file(path);
    EXPECT_EQ(loaded.vocab_size(), direct.vocab_size()) << name;
    for (const std::string& text : caption_corpus())
      EXPECT_EQ(loaded.encode(text), direct.encode(text)) << name << ": " << text;
    EXPECT_EQ(loaded.tokenize("a photo of a dog."), direct.tokenize("a photo of a dog.")) << name;
  }
  // The plain file is CLIP's format: header, then "left right" per line.
  std::ifstream in(dir / "merges.txt");
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  EXPECT_EQ(header, "#version: 0.2");
  EXPECT_EQ(first, m[0].first + " " + m[0].second);
  // The gzip file really is gzip.
  std::ifstream gz(dir / "merges.txt.gz", std::ios::binary);
  char magic[2] = {};
  gz.read(magic, 2);
  EXPECT_EQ(static_cast<unsigned char>(magic[0]), 0x1F);
  EXPECT_EQ(static_cast<unsigned char>(magic[1]), 0x8B);
}

TEST(BpeLearn, WriteErrorsNameThePath) {
  const std::string path = "/nonexistent-dir/merges.txt";
  try {
    promptlab::write_bpe_merges(path, {{"a", "b"}});
    ADD_FAILURE() << "no error";
  } catch (const TokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  const fs::path dir = fresh_bpe_dir("promptlab-bpe-bad");
  EXPECT_THROW(promptlab::write_bpe_merges((dir / "m.txt").string(), {{"a b", "c"}}), TokenizerError);
}
