// The embedded world: determinism, concept counts, captions, Fashion split hygiene, suite shape.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "world/captioner.hpp"
#include "world/fashion_mnist.hpp"
#include "world/renderer.hpp"
#include "world/suite.hpp"
#include "world/suite_dataset.hpp"
#include "world/vocabulary.hpp"
#include "world/world.hpp"

namespace pw = promptlab::world;

TEST(World, SameSeedSameSample) {
  for (std::uint64_t i : {0ull, 1ull, 977ull}) {
    auto a = pw::pretrain_sample(7, i);
    auto b = pw::pretrain_sample(7, i);
    EXPECT_EQ(a.caption, b.caption);
    EXPECT_EQ(a.image.pixels, b.image.pixels);
    EXPECT_EQ(a.image.width, 64);
    EXPECT_EQ(a.image.pixels.size(), 64u * 64u * 3u);
  }
}

TEST(World, DifferentSeedsDiffer) {
  int differing = 0;
  for (std::uint64_t i = 0; i < 20; ++i) {
    if (pw::pretrain_sample(1, i).image.pixels != pw::pretrain_sample(2, i).image.pixels) ++differing;
  }
  EXPECT_EQ(differing, 20);
}

TEST(World, RendersAtOtherResolutions) {
  auto s = pw::pretrain_sample(3, 5);
  auto img = pw::render_scene(s.scene, 48);
  EXPECT_EQ(img.width, 48);
  EXPECT_EQ(img.pixels.size(), 48u * 48u * 3u);
  EXPECT_THROW(pw::render_scene(s.scene, 2), std::invalid_argument);
}

TEST(World, ConceptCounts) {
  EXPECT_GE(pw::num_shapes(), 16);
  EXPECT_EQ(pw::fashion_concepts().size(), 10u);
  EXPECT_GE(pw::colour_concepts().size(), 12u);
  EXPECT_GE(pw::pattern_concepts().size(), 9u);  // solid + at least 8 visible patterns
  EXPECT_GE(pw::background_concepts().size(), 6u);
  std::set<std::string> colours;
  for (const auto& c : pw::colour_concepts()) colours.insert(c.key);
  for (const char* close : {"crimson", "red", "orange", "navy", "blue", "cyan"}) EXPECT_TRUE(colours.count(close)) << close;
  std::set<std::string> patterns;
  for (const auto& p : pw::pattern_concepts()) patterns.insert(p.key);
  for (const char* banned : {"gradient", "speckle"}) EXPECT_FALSE(patterns.count(banned)) << banned;
}

TEST(World, ObjectsAreAtLeast14Pixels) {
  for (std::uint64_t i = 0; i < 2000; ++i) {
    auto s = pw::pretrain_sample(11, i).scene;
    EXPECT_GE(s.main.extent, 14.f);
    if (s.has_distractor) EXPECT_GE(s.distractor.extent, 14.f);
  }
}

TEST(World, ObjectIsVisibleAgainstBackground) {
  // The object's pixels must differ from a render of the same scene without it.
  auto s = pw::pretrain_sample(5, 42);
  auto with = pw::render_scene(s.scene);
  auto empty_scene = s.scene;
  empty_scene.main.extent = 0.001f;
  auto without = pw::render_scene(empty_scene);
  int changed = 0;
  for (std::size_t i = 0; i < with.pixels.size(); i += 3) {
    if (std::abs(int(with.pixels[i]) - int(without.pixels[i])) > 20) ++changed;
  }
  EXPECT_GT(changed, 100);
}

TEST(World, CaptionsUseSynonymsAndSystematicConfusions) {
  std::map<std::string, int> circle_words;
  int pullover = 0, pullover_as_coat = 0;
  for (int i = 0; i < 20000; ++i) {
    promptlab::Rng rng(static_cast<std::uint64_t>(i));
    circle_words[pw::object_word(0, rng)]++;
    std::string w = pw::object_word(pw::num_shapes() + 2, rng);
    ++pullover;
    if (w == "coat" || w == "jacket") ++pullover_as_coat;
  }
  EXPECT_GT(circle_words["circle"], circle_words["disc"]);
  EXPECT_GT(circle_words["disc"], 1000);
  EXPECT_GT(circle_words["round shape"], 500);
  double rate = double(pullover_as_coat) / pullover;
  EXPECT_NEAR(rate, 0.25, 0.02);
  auto corpus = pw::caption_corpus(1, 3000);
  std::set<std::string> distinct(corpus.begin(), corpus.end());
  EXPECT_GT(distinct.size(), 2000u);
  for (const auto& c : corpus) {
    EXPECT_FALSE(c.empty());
    EXPECT_EQ(c.find("photo"), std::string::npos) << "captions avoid the downstream template words: " << c;
  }
}

TEST(World, ContrastGroupsShareAllButOneAttribute) {
  // Groups of 8: members share size and position, and either everything but the object,
  // everything but the pattern, or object and pattern (colour varies); some are independent.
  const int group = 8;
  int by_object = 0, by_pattern = 0, by_colour = 0, independent = 0;
  for (std::uint64_t g = 0; g < 200; ++g) {
    std::vector<pw::Scene> m;
    for (int k = 0; k < group; ++k) m.push_back(pw::pretrain_sample(9, g * group + k, 16, group).scene);
    auto same = [&](auto field) {
      for (const auto& s : m) {
        if (field(s) != field(m[0])) return false;
      }
      return true;
    };
    const bool object = same([](const pw::Scene& s) { return s.main.object; });
    const bool colour = same([](const pw::Scene& s) { return s.main.colour; });
    const bool pattern = same([](const pw::Scene& s) { return s.main.pattern; });
    const bool background = same([](const pw::Scene& s) { return s.background; });
    const bool placed = same([](const pw::Scene& s) { return s.main.size; }) &&
                        same([](const pw::Scene& s) { return s.main.position; });
    if (!placed) {
      ++independent;
      continue;
    }
    if (colour && pattern && background && !object) ++by_object;
    else if (object && colour && background && !pattern) ++by_pattern;
    else if (object && pattern && !colour) ++by_colour;
  }
  EXPECT_GT(by_object, 50);
  EXPECT_GT(by_pattern, 25);
  EXPECT_GT(by_colour, 15);
  EXPECT_GT(independent, 20);
  EXPECT_EQ(by_object + by_pattern + by_colour + independent, 200);
  // group_size 1 is the independent stream, and the default.
  EXPECT_EQ(pw::pretrain_sample(9, 5, 16, 1).caption, pw::pretrain_sample(9, 5, 16).caption);
}

TEST(World, SomeCaptionsNameOnlyTheObject) {
  const auto corpus = pw::caption_corpus(4, 4000);
  std::set<std::string> nouns;
  for (int o = 0; o < pw::num_objects(); ++o) {
    for (const auto& syn : pw::object_concept(o).synonyms) nouns.insert(syn.text);
  }
  int object_only = 0;
  for (const auto& c : corpus) {
    const auto space = c.find(' ');
    if (space != std::string::npos && (c.substr(0, space) == "a" || c.substr(0, space) == "an") &&
        nouns.count(c.substr(space + 1)))
      ++object_only;
  }
  const double rate = double(object_only) / double(corpus.size());
  EXPECT_NEAR(rate, pw::kObjectOnlyCaptionRate, 0.03);
}

TEST(World, FashionTestImagesNeverInPretraining) {
  const auto& test = pw::fashion_test();
  ASSERT_EQ(test.count, 10000);
  ASSERT_EQ(pw::fashion_train().count, 60000);
  int items = 0;
  for (std::uint64_t i = 0; i < 5000; ++i) {
    auto s = pw::pretrain_sample(123, i).scene;
    EXPECT_EQ(s.fashion_source, pw::FashionSource::kTrain);
    if (pw::is_fashion(s.main.object)) ++items;
  }
  EXPECT_GT(items, 1000);
  auto spec = pw::pretrain_spec();
  EXPECT_EQ(spec.fashion_source, pw::FashionSource::kTrain);
}

TEST(Suite, DatasetsMeetRequirements) {
  auto names = promptlab::embedded_dataset_names();
  ASSERT_GE(names.size(), 6u);
  for (const auto& name : names) {
    EXPECT_EQ(name.rfind("tiny_", 0), 0u) << name;
    auto d = promptlab::open_embedded_dataset(name);
    auto classes = d->classnames();
    EXPECT_GE(classes.size(), 10u) << name;
    EXPECT_EQ(std::set<std::string>(classes.begin(), classes.end()).size(), classes.size()) << name;
    EXPECT_NE(d->prompt_template().find("{}"), std::string::npos) << name;
    EXPECT_NE(d->content_key().find(pw::kWorldVersion), std::string::npos) << name;
    auto test = d->items(promptlab::Split::kTest);
    std::map<std::int64_t, int> per_class;
    for (const auto& it : test) per_class[it.label]++;
    EXPECT_EQ(per_class.size(), classes.size()) << name;
    for (const auto& [label, count] : per_class) EXPECT_GE(count, 50) << name << " class " << label;
    EXPECT_GE(d->items(promptlab::Split::kTrain).size(), 16u * classes.size()) << name;
    EXPECT_FALSE(d->items(promptlab::Split::kVal).empty()) << name;
    EXPECT_EQ(test[3].id, "world:" + name + ":test:3");
    auto a = d->load_image(test[3]);
    auto b = d->load_image(test[3]);
    EXPECT_EQ(a.width, 64);
    EXPECT_EQ(a.pixels, b.pixels);
  }
  EXPECT_THROW(promptlab::open_embedded_dataset("tiny_nothing"), std::invalid_argument);
}

TEST(Suite, FashionSplitsUseDisjointTestImages) {
  auto d = promptlab::open_embedded_dataset("tiny_fashion");
  auto* sd = dynamic_cast<pw::SuiteDataset*>(d.get());
  ASSERT_NE(sd, nullptr);
  std::set<int> seen;
  std::size_t total = 0;
  for (auto split : {promptlab::Split::kTrain, promptlab::Split::kVal, promptlab::Split::kTest}) {
    auto items = d->items(split);
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto s = sd->scene(split, static_cast<int>(i));
      EXPECT_EQ(s.fashion_source, pw::FashionSource::kTest);
      EXPECT_EQ(pw::fashion_test().labels[static_cast<std::size_t>(s.main.fashion_index)], items[i].label);
      seen.insert(s.main.fashion_index);
      ++total;
    }
  }
  EXPECT_EQ(seen.size(), total);
}

TEST(Suite, RejectsForeignIds) {
  auto d = promptlab::open_embedded_dataset("tiny_shapes");
  promptlab::DataItem bad{"world:tiny_colors:test:0", 0, "x"};
  EXPECT_THROW(d->load_image(bad), std::invalid_argument);
  promptlab::DataItem out_of_range{"world:tiny_shapes:test:999999", 0, "x"};
  EXPECT_THROW(d->load_image(out_of_range), std::out_of_range);
}
