// Caption grammar of the embedded world.
#include "world/captioner.hpp"

#include "world/vocabulary.hpp"

namespace promptlab::world {
namespace {

std::string synonym(const Concept& c, Rng& rng) {
  std::vector<double> w;
  for (const auto& s : c.synonyms) w.push_back(s.weight);
  return c.synonyms[rng.weighted(w)].text;
}

int confused(int id, const std::vector<Confusion>& table, Rng& rng) {
  for (const auto& c : table) {
    if (c.from == id) return rng.bernoulli(c.rate) ? c.to : id;
  }
  return id;
}

std::string article(const std::string& next) {
  char c = next.empty() ? 'x' : next[0];
  return (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u') ? "an " : "a ";
}

struct Words {
  std::string size, colour, pattern, noun, pattern_post;
};

Words describe(const ObjectSpec& o, Rng& rng, double p_size, double p_colour, double p_pattern) {
  Words w;
  w.noun = object_word(o.object, rng);
  if (rng.bernoulli(p_size)) w.size = synonym(size_concepts()[static_cast<std::size_t>(o.size)], rng);
  if (rng.bernoulli(p_colour)) w.colour = colour_word(o.colour, rng);
  const Concept& pat = pattern_concepts()[static_cast<std::size_t>(o.pattern)];
  bool say_pattern = o.pattern == 0 ? rng.bernoulli(0.15) : rng.bernoulli(p_pattern);
  if (say_pattern) {
    std::string word = synonym(pat, rng);
    if (o.pattern != 0 && rng.bernoulli(0.25)) {
      w.pattern_post = "with a " + word + " pattern";
    } else {
      w.pattern = word;
    }
  }
  return w;
}

std::string noun_phrase(const Words& w, bool with_article) {
  std::string s;
  for (const std::string* part : {&w.size, &w.colour, &w.pattern}) {
    if (!part->empty()) s += *part + " ";
  }
  s += w.noun;
  if (!w.pattern_post.empty()) s += " " + w.pattern_post;
  return with_article ? article(s) + s : s;
}

}  // namespace

std::string object_word(int object, Rng& rng) {
  return synonym(object_concept(confused(object, object_confusions(), rng)), rng);
}

std::string colour_word(int colour, Rng& rng) {
  return synonym(colour_concepts()[static_cast<std::size_t>(confused(colour, colour_confusions(), rng))], rng);
}

int num_caption_templates() { return 16; }

std::string caption_scene(const Scene& scene, Rng& rng) {
  const ObjectSpec& o = scene.main;
  // Short captions that name the object (and sometimes its pattern) alone. Without them the
  // easy attributes (colour, background) solve the contrastive task so early that both towers
  // learn to ignore shape: a pretraining pilot stayed at chance on shapes after 170k samples,
  // while object-only captions broke that plateau within 100k.
  const double focus = rng.uniform(0.0, 1.0);
  if (focus < kObjectOnlyCaptionRate) {
    const std::string noun = object_word(o.object, rng);
    return article(noun) + noun;
  }
  if (focus < kObjectOnlyCaptionRate + kPatternObjectCaptionRate) {
    const std::string pattern = synonym(pattern_concepts()[static_cast<std::size_t>(o.pattern)], rng);
    return article(pattern) + pattern + " " + object_word(o.object, rng);
  }
  Words w = describe(o, rng, 0.3, 0.85, 0.8);
  std::string np = noun_phrase(w, true);
  std::string bg = synonym(background_concepts()[static_cast<std::size_t>(scene.background)], rng);
  std::string pos = synonym(position_concepts()[static_cast<std::size_t>(o.position)], rng);
  std::string other;
  if (scene.has_distractor) {
    Words dw = describe(scene.distractor, rng, 0.5, 0.6, 0.0);
    other = noun_phrase(dw, true);
  }
  int t = static_cast<int>(rng.below(static_cast<std::uint32_t>(num_caption_templates())));
  std::string cap;
  switch (t) {
    case 0: cap = np; break;
    case 1: cap = np + " on a " + bg + " background"; break;
    case 2: cap = "a picture of " + np; break;
    case 3: cap = np + " " + pos; break;
    case 4: cap = "there is " + np + " " + pos; break;
    case 5: cap = "an image with " + np; break;
    case 6: cap = np + ", " + bg + " background"; break;
    case 7: cap = np + " against a " + bg + " backdrop"; break;
    case 8: cap = w.noun + (w.colour.empty() ? "" : " in " + w.colour) +
                  (w.pattern.empty() ? "" : ", " + w.pattern); break;
    case 9: cap = "a drawing of " + np + " " + pos; break;
    case 10: cap = "this shows " + np; break;
    case 11: cap = (w.colour.empty() ? "" : w.colour + " ") + w.noun + (w.size.empty() ? "" : ", " + w.size); break;
    case 12: cap = np + " seen on a " + bg + " surface"; break;
    case 13: cap = "clip art of " + np; break;
    case 14: cap = "look: " + np + " " + pos; break;
    default: cap = "simple scene with " + np + " on " + bg; break;
  }
  if (!other.empty() && rng.bernoulli(0.6)) cap += rng.bernoulli(0.5) ? " next to " + other : " and " + other;
  return cap;
}

}  // namespace promptlab::world
