// CLIP BPE tokenizer: known vectors, hand-checked ids, parity with the
// independent Python reference, errors, truncation, file loading, CLI.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "promptlab/tokenizer.hpp"

namespace fs = std::filesystem;
using promptlab::Tokenizer;
using promptlab::TokenizerError;
using Ids = std::vector<std::int64_t>;

namespace {

std::string vocab_path() {
  if (const char* env = std::getenv("PROMPTLAB_CLIP_VOCAB"); env && *env && fs::exists(env)) return env;
  const std::string candidates[] = {
      "/work/shared/clip/bpe_simple_vocab_16e6.txt.gz",
      std::string(PROMPTLAB_SOURCE_DIR) + "/../shared/clip/bpe_simple_vocab_16e6.txt.gz"};
  for (const auto& c : candidates)
    if (fs::exists(c)) return c;
  return "";
}

// The OpenAI tokenizer, loaded once (nullptr when the vocabulary is absent).
const Tokenizer* clip() {
  static const std::unique_ptr<Tokenizer> tok = []() -> std::unique_ptr<Tokenizer> {
    const std::string path = vocab_path();
    return path.empty() ? nullptr : std::make_unique<Tokenizer>(Tokenizer::from_file(path));
  }();
  return tok.get();
}

fs::path fresh_dir(const std::string& tag) {
  const char* env = std::getenv("PROMPTLAB_TEST_TMP");
  const fs::path root = (env && *env) ? fs::path(env) : fs::temp_directory_path();
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  fs::path dir = root / (tag + "-" + std::to_string(stamp) + "-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  return dir;
}

std::string run_capture(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    *status = -1;
    return out;
  }
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = pclose(p);
  return out;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

#define REQUIRE_VOCAB()                                                                         \
  if (clip() == nullptr)                                                                        \
  GTEST_SKIP() << "CLIP vocabulary bpe_simple_vocab_16e6.txt.gz not found (set "                \
                  "PROMPTLAB_CLIP_VOCAB or put it in ../shared/clip/)"

TEST(ClipTokenizer, KnownVectorsFromProtocol) {
  REQUIRE_VOCAB();
  EXPECT_EQ(clip()->encode("a photo of a"), (Ids{320, 1125, 539, 320}));
  EXPECT_EQ(clip()->encode("X"), (Ids{343}));
  EXPECT_EQ(clip()->encode("a photo of a dog."), (Ids{320, 1125, 539, 320, 1929, 269}));
}

TEST(ClipTokenizer, VocabularyLayout) {
  REQUIRE_VOCAB();
  EXPECT_EQ(clip()->vocab_size(), 49408u);
  EXPECT_EQ(clip()->sot_id(), 49406);
  EXPECT_EQ(clip()->eot_id(), 49407);
}

// Ids read by hand from the file: a merge on line L (1-based, header = line 1)
// has id 512 + L - 2; single bytes are 0..255 and 256..511 with </w>.
TEST(ClipTokenizer, HandCheckedIds) {
  REQUIRE_VOCAB();
  EXPECT_EQ(clip()->encode("the"), (Ids{518}));     // line 8: "th e</w>"
  EXPECT_EQ(clip()->encode("of"), (Ids{539}));      // line 29: "o f</w>"
  EXPECT_EQ(clip()->encode("world"), (Ids{1002}));  // line 492: "wor ld</w>"
  EXPECT_EQ(clip()->encode("dog"), (Ids{1929}));    // line 1419: "do g</w>"
  EXPECT_EQ(clip()->encode("cat"), (Ids{2368}));    // line 1858: "c at</w>"
  EXPECT_EQ(clip()->encode("!"), (Ids{256}));       // '!' is byte symbol 0, +256 for </w>
  EXPECT_EQ(clip()->encode("2"), (Ids{273}));       // '2' = '!' + 17
  EXPECT_EQ(clip()->encode("2023"), (Ids{273, 271, 273, 274}));  // digits are single pieces
}

TEST(ClipTokenizer, TokenizeAddsSotEotAndPads) {
  REQUIRE_VOCAB();
  const Ids ids = clip()->tokenize("a photo of a dog.");
  ASSERT_EQ(ids.size(), 77u);
  const Ids head(ids.begin(), ids.begin() + 8);
  EXPECT_EQ(head, (Ids{49406, 320, 1125, 539, 320, 1929, 269, 49407}));
  for (std::size_t i = 8; i < ids.size(); ++i) EXPECT_EQ(ids[i], 0) << "position " << i;
  EXPECT_EQ(clip()->tokenize("", 77), ([] {
              Ids e(77, 0);
              e[0] = 49406;
              e[1] = 49407;
              return e;
            })());
  const Ids shorter = clip()->tokenize("X", 5);
  EXPECT_EQ(shorter, (Ids{49406, 343, 49407, 0, 0}));
}

TEST(ClipTokenizer, CleaningRules) {
  REQUIRE_VOCAB();
  const Tokenizer& t = *clip();
  // Case, whitespace runs and html entities vanish in cleaning.
  EXPECT_EQ(t.encode("  A   PHOTO\tof\n a  "), t.encode("a photo of a"));
  EXPECT_EQ(t.encode("fish &amp; chips"), t.encode("fish & chips"));
  EXPECT_EQ(t.encode("fish &amp;amp; chips"), t.encode("fish & chips"));
  // ftfy-style repairs: curly quotes, ligatures, full-width forms, NFC, mojibake.
  EXPECT_EQ(t.encode("it\xE2\x80\x99s"), t.encode("it's"));
  EXPECT_EQ(t.encode("\xEF\xAC\x81sh"), t.encode("fish"));
  EXPECT_EQ(t.encode("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3"), t.encode("abc"));
  EXPECT_EQ(t.encode("cafe\xCC\x81"), t.encode("caf\xC3\xA9"));
  EXPECT_EQ(t.encode("caf\xC3\x83\xC2\xA9"), t.encode("caf\xC3\xA9"));
  EXPECT_EQ(t.encode("\x1b[31mred\x1b[0m"), t.encode("red"));
  // Special tokens in the text map to their ids.
  EXPECT_EQ(t.encode("<|startoftext|>x<|endoftext|>"), (Ids{49406, 343, 49407}));
}

TEST(ClipTokenizer, DecodeInvertsEncode) {
  REQUIRE_VOCAB();
  EXPECT_EQ(clip()->decode(clip()->encode("a photo of a dog.")), "a photo of a dog . ");
  EXPECT_EQ(clip()->decode(clip()->encode("caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC")),
            "caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC ");
  EXPECT_THROW(clip()->decode({49408}), TokenizerError);
}

TEST(ClipTokenizer, InvalidUtf8IsAnErrorWithTheOffset) {
  REQUIRE_VOCAB();
  const std::pair<std::string, std::string> cases[] = {
      {"abc\xFF", "byte offset 3"},         {"ab\xC3", "byte offset 2"},
      {"\xC0\xAF", "byte offset 0"},        {"x\xED\xA0\x80", "byte offset 1"},
      {"ok \xF4\x90\x80\x80", "byte offset 3"}, {"\x80", "byte offset 0"}};
  for (const auto& [text, where] : cases) {
    try {
      (void)clip()->encode(text);
      ADD_FAILURE() << "no error for " << testing::PrintToString(text);
    } catch (const TokenizerError& e) {
      EXPECT_NE(std::string(e.what()).find("invalid UTF-8"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(where), std::string::npos) << e.what();
    }
  }
}

TEST(ClipTokenizer, OverLongTextThrowsUnlessTruncated) {
  REQUIRE_VOCAB();
  std::string text;
  for (int i = 0; i < 100; ++i) text += "dog ";
  try {
    (void)clip()->tokenize(text);
    ADD_FAILURE() << "no error for 102 tokens";
  } catch (const TokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find("102 tokens"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("77"), std::string::npos) << e.what();
  }
  const Ids cut = clip()->tokenize(text, 77, true);
  ASSERT_EQ(cut.size(), 77u);
  EXPECT_EQ(cut.front(), 49406);
  EXPECT_EQ(cut.back(), 49407);
  for (std::size_t i = 1; i < 76; ++i) EXPECT_EQ(cut[i], 1929);
  // Exactly 75 words fit: SOT + 75 + EOT = 77.
  std::string fits;
  for (int i = 0; i < 75; ++i) fits += "dog ";
  EXPECT_EQ(clip()->tokenize(fits).back(), 49407);
  EXPECT_THROW((void)clip()->tokenize("x", 1), TokenizerError);
}

TEST(ClipTokenizer, ConcurrentEncodingAgrees) {
  REQUIRE_VOCAB();
  const Tokenizer copy = *clip();
  const std::string texts[] = {"a photo of a dog.", "zebra crossing 42", "\xD0\x9C\xD0\xBE\xD1\x81"};
  std::vector<std::vector<Ids>> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 50; ++rep)
        for (const auto& s : texts) results[t].push_back(copy.encode(s));
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t)
    for (std::size_t i = 0; i < results[t].size(); ++i)
      EXPECT_EQ(results[t][i], clip()->encode(texts[i % 3]));
}

TEST(ClipTokenizer, PlainAndGzipFilesLoadTheSame) {
  REQUIRE_VOCAB();
  if (std::system("command -v gzip > /dev/null 2>&1") != 0) GTEST_SKIP() << "gzip not installed";
  const fs::path dir = fresh_dir("promptlab-tok-plain");
  const fs::path plain = dir / "bpe_simple_vocab_16e6.txt";
  ASSERT_EQ(std::system(("gzip -dc " + quote(vocab_path()) + " > " + quote(plain.string())).c_str()), 0);
  const Tokenizer t = Tokenizer::from_file(plain.string());
  EXPECT_EQ(t.vocab_size(), 49408u);
  for (const char* s : {"a photo of a dog.", "caf\xC3\xA9 2023!!!", "\xE6\x9D\xB1\xE4\xBA\xAC"})
    EXPECT_EQ(t.encode(s), clip()->encode(s)) << s;
  // An explicit merge count overrides the default.
  EXPECT_EQ(Tokenizer::from_file(plain.string(), 1000).vocab_size(), 512u + 1000u + 2u);
}

TEST(ClipTokenizer, MissingOrCorruptFilesNameThePath) {
  const fs::path dir = fresh_dir("promptlab-tok-bad");
  const std::string missing = (dir / "nope.txt.gz").string();
  try {
    (void)Tokenizer::from_file(missing);
    ADD_FAILURE() << "no error for a missing file";
  } catch (const TokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  // Three symbols on one line.
  const std::string bad_line = (dir / "bad_line.txt").string();
  std::ofstream(bad_line) << "#version: 0.2\na b\nc d e\n";
  try {
    (void)Tokenizer::from_file(bad_line);
    ADD_FAILURE() << "no error for a malformed line";
  } catch (const TokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find(bad_line), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
  // Not UTF-8.
  const std::string binary = (dir / "binary.txt").string();
  std::ofstream(binary, std::ios::binary) << "#version: 0.2\n\xFF\xFE z\n";
  EXPECT_THROW((void)Tokenizer::from_file(binary), TokenizerError);
  // A gzip stream cut short.
  if (!vocab_path().empty()) {
    std::ifstream in(vocab_path(), std::ios::binary);
    std::string head(20000, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    const std::string cut = (dir / "cut.txt.gz").string();
    std::ofstream(cut, std::ios::binary).write(head.data(), in.gcount());
    try {
      (void)Tokenizer::from_file(cut);
      ADD_FAILURE() << "no error for a truncated gzip file";
    } catch (const TokenizerError& e) {
      EXPECT_NE(std::string(e.what()).find(cut), std::string::npos) << e.what();
    }
  }
  // Empty file.
  const std::string empty = (dir / "empty.txt").string();
  std::ofstream{empty};
  EXPECT_THROW((void)Tokenizer::from_file(empty), TokenizerError);
}

// Strings compared against tests/clip/reference/tokenizer_reference.py.
const char* const kParityStrings[] = {
    "a photo of a", "A Photo Of A", "a photo of a dog.", "X", "a",
    "caf\xC3\xA9", "Caf\xC3\xA9 na\xC3\xAFve r\xC3\xA9sum\xC3\xA9", "cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e",
    "\xC3\x85ngstr\xC3\xB6m", "S\xC3\xA3o Paulo", "Z\xC3\xBCrich \xC3\xBC" "ber",
    "\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x82\xBF\xE3\x83\xAF\xE3\x83\xBC",
    "\xE5\x8C\x97\xE4\xBA\xAC\xE6\x98\xAF\xE4\xB8\xAD\xE5\x9B\xBD\xE7\x9A\x84\xE9\xA6\x96\xE9\x83\xBD",
    "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xED\x85\x8D\xEC\x8A\xA4\xED\x8A\xB8",
    "\xE3\x81\x93\xE3\x82\x93\xE3\x81\xAB\xE3\x81\xA1\xE3\x81\xAF\xE4\xB8\x96\xE7\x95\x8C",
    "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82, \xD0\xBC\xD0\xB8\xD1\x80!",
    "\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A\xD0\x92\xD0\x90",
    "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xD8\xA8\xD8\xA7\xD9\x84\xD8\xB9\xD8\xA7\xD9\x84\xD9\x85",
    "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D",
    "\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3", "\xCE\xA3", "\xCE\xA3\xCE\x91\xCE\xA3 \xCE\xA3\xCE\x91\xCE\xA3.",
    "\xC4\xB0stanbul",
    "\xF0\x9F\x90\xB6 dog \xF0\x9F\x90\xB1", "\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD",
    "\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7 flag",
    "&amp;", "&amp;amp;", "&amp;amp;amp;amp;", "&#39;s car", "&lt;b&gt;bold&lt;/b&gt;",
    "<b>&amp;amp;amp;</b>", "&copy 2023", "&eacute;t&eacute;", "&EACUTE;", "&#x1F600;", "&#128512;",
    "&#0;x", "&#150;", "&ldquo;hi&rdquo;", "<i>&ldquo;hi&rdquo;</i>", "&notit; &bogus;",
    "it's", "it\xE2\x80\x99s", "we're here", "they've", "I'm", "you'll", "he'd", "DON'T", "'S",
    "2023", "3.14159", "1,000,000", "!!!...", "?" "?!!", "hello!!!world", "dog's!'s",
    "  lots   of\t\twhitespace\n\nhere  ", "\xC2\xA0nbsp\xE2\x80\x83" "em\xE3\x80\x80ideographic",
    "fullwidth \xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93",
    "halfwidth \xEF\xBD\xB6\xEF\xBE\x80\xEF\xBD\xB6\xEF\xBE\x85",
    "\xEF\xAC\x81ne \xEF\xAC\x82ower \xEF\xAC\x80",
    "caf\xC3\x83\xC2\xA9 mojibake", "\xC3\xA2\xE2\x82\xAC\xC5\x93quoted\xC3\xA2\xE2\x82\xAC\xC2\x9D",
    "\xE2\x80\x9Csmart\xE2\x80\x9D \xE2\x80\x98quotes\xE2\x80\x99", "\x1B[31mred\x1B[0m text",
    "tab\x07" "bell", "<|startoftext|>hello<|endoftext|>", "e\xCC\x81 combining",
    "\xC7\x84 digraph", "x\xC2\xB2 + y\xC2\xB3 = z\xC2\xBD", "\xE2\x85\xAB roman",
    "under_score-dash/slash", "MiXeD CaSe WoRdS", "", "   ", "\xC2\x96 c1 dash",
    "'\xC5\xBF long s", "\xEF\xBB\xBF" "bom"};

TEST(ClipTokenizer, MatchesIndependentPythonReference) {
  REQUIRE_VOCAB();
  const std::string python = "/usr/bin/python3";
  if (!fs::exists(python)) GTEST_SKIP() << python << " not found";
  const std::string script =
      std::string(PROMPTLAB_SOURCE_DIR) + "/tests/clip/reference/tokenizer_reference.py";
  ASSERT_TRUE(fs::exists(script)) << script;
  const fs::path dir = fresh_dir("promptlab-tok-parity");
  const fs::path input = dir / "strings.json";
  nlohmann::json strings = nlohmann::json::array();
  for (const char* s : kParityStrings) strings.push_back(s);
  std::ofstream(input) << strings.dump();
  int status = 0;
  const std::string out = run_capture(
      python + " " + quote(script) + " " + quote(vocab_path()) + " " + quote(input.string()), &status);
  ASSERT_EQ(status, 0) << out;
  const nlohmann::json expected = nlohmann::json::parse(out);
  ASSERT_EQ(expected.size(), strings.size());
  std::size_t checked = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const std::string text = strings[i].get<std::string>();
    ASSERT_TRUE(expected[i].is_array()) << text << ": " << expected[i].dump();
    EXPECT_EQ(clip()->encode(text), expected[i].get<Ids>()) << "text: " << strings[i].dump();
    ++checked;
  }
  EXPECT_GE(checked, 60u);
}

TEST(ClipTokenizer, CliPrintsOneJsonArrayPerText) {
  REQUIRE_VOCAB();
  int status = 0;
  const std::string out = run_capture(std::string(PROMPTLAB_CLI) + " tokenize --vocab " +
                                          quote(vocab_path()) + " 'a photo of a dog.' X 2>&1",
                                      &status);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(out, "[49406,320,1125,539,320,1929,269,49407]\n[49406,343,49407]\n");

  std::string long_text;
  for (int i = 0; i < 10; ++i) long_text += "dog ";
  const std::string cut = run_capture(std::string(PROMPTLAB_CLI) + " tokenize --vocab " +
                                          quote(vocab_path()) + " --context-length 5 --truncate " +
                                          quote(long_text) + " 2>&1",
                                      &status);
  ASSERT_EQ(status, 0) << cut;
  EXPECT_EQ(cut, "[49406,1929,1929,1929,49407]\n");
  const std::string failed = run_capture(std::string(PROMPTLAB_CLI) + " tokenize --vocab " +
                                             quote(vocab_path()) + " --context-length 5 " +
                                             quote(long_text) + " 2>&1",
                                         &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(failed.find("context length 5"), std::string::npos) << failed;
}

TEST(ClipTokenizer, CliErrorNamesTheVocabFile) {
  int status = 0;
  const std::string out =
      run_capture(std::string(PROMPTLAB_CLI) + " tokenize --vocab /nonexistent/vocab.txt.gz hello 2>&1",
                  &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(out.find("/nonexistent/vocab.txt.gz"), std::string::npos) << out;
}
