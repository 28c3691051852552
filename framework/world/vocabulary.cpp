// The embedded world's concept tables.
#include "world/vocabulary.hpp"

#include <stdexcept>

namespace promptlab::world {
namespace {

Concept make(std::string key, std::vector<Synonym> synonyms, double frequency) {
  Concept c;
  c.key = std::move(key);
  c.synonyms = std::move(synonyms);
  c.frequency = frequency;
  return c;
}

ColourConcept colour(std::string key, std::vector<Synonym> synonyms, double frequency, int r, int g, int b) {
  ColourConcept c;
  c.key = std::move(key);
  c.synonyms = std::move(synonyms);
  c.frequency = frequency;
  c.r = static_cast<std::uint8_t>(r);
  c.g = static_cast<std::uint8_t>(g);
  c.b = static_cast<std::uint8_t>(b);
  return c;
}

BackgroundConcept background(std::string key, std::vector<Synonym> synonyms, int r, int g, int b, int texture) {
  BackgroundConcept c;
  c.key = std::move(key);
  c.synonyms = std::move(synonyms);
  c.r = static_cast<std::uint8_t>(r);
  c.g = static_cast<std::uint8_t>(g);
  c.b = static_cast<std::uint8_t>(b);
  c.texture = texture;
  return c;
}

}  // namespace

const std::vector<Concept>& shape_concepts() {
  static const std::vector<Concept> shapes = {
      make("circle", {{"circle", 6}, {"disc", 1.5}, {"round shape", 0.8}}, 1.0),
      make("square", {{"square", 6}, {"box", 1.2}, {"quadrilateral", 0.6}}, 0.95),
      make("triangle", {{"triangle", 7}, {"trigon", 0.9}}, 0.9),
      make("star", {{"star", 7}, {"pentagram", 1.0}}, 0.85),
      make("heart", {{"heart", 7}, {"love heart", 1.0}}, 0.8),
      make("cross", {{"cross", 5}, {"plus sign", 1.5}}, 0.7),
      make("hexagon", {{"hexagon", 7}, {"six-sided shape", 0.8}}, 0.6),
      make("pentagon", {{"pentagon", 7}, {"five-sided shape", 0.8}}, 0.55),
      make("diamond", {{"diamond", 6}, {"rhombus", 1.2}, {"lozenge", 0.6}}, 0.5),
      make("ring", {{"ring", 6}, {"donut", 1.5}, {"annulus", 0.6}}, 0.45),
      make("crescent", {{"crescent", 6}, {"moon", 1.5}}, 0.4),
      make("arrow", {{"arrow", 7}, {"pointer", 1.0}}, 0.35),
      make("oval", {{"oval", 6}, {"ellipse", 1.5}}, 0.3),
      make("trapezoid", {{"trapezoid", 6}, {"trapezium", 1.2}}, 0.25),
      make("semicircle", {{"semicircle", 6}, {"half circle", 1.5}}, 0.2),
      make("teardrop", {{"teardrop", 6}, {"droplet", 1.5}}, 0.15),
  };
  return shapes;
}

const std::vector<Concept>& fashion_concepts() {
  static const std::vector<Concept> items = {
      make("tshirt", {{"t-shirt", 6}, {"tee", 1.5}, {"top", 1.0}}, 0.9),
      make("trouser", {{"trousers", 5}, {"pants", 3}, {"trouser", 0.8}, {"jeans", 1.0}}, 0.7),
      make("pullover", {{"sweater", 6}, {"pullover", 1.2}, {"jumper", 1.5}}, 0.6),
      make("dress", {{"dress", 7}, {"gown", 1.0}}, 0.8),
      make("coat", {{"coat", 6}, {"jacket", 2.5}}, 0.6),
      make("sandal", {{"sandal", 6}, {"flip-flop", 1.0}}, 0.5),
      make("shirt", {{"shirt", 6}, {"blouse", 1.2}}, 0.5),
      make("sneaker", {{"sneaker", 5}, {"trainer", 1.2}, {"running shoe", 1.5}}, 0.8),
      make("bag", {{"bag", 6}, {"handbag", 1.5}, {"purse", 1.0}}, 0.7),
      make("ankleboot", {{"boot", 6}, {"ankle boot", 1.2}}, 0.6),
  };
  return items;
}

const std::vector<ColourConcept>& colour_concepts() {
  static const std::vector<ColourConcept> colours = {
      colour("red", {{"red", 1}}, 1.0, 222, 30, 30),
      colour("crimson", {{"crimson", 3}, {"dark red", 1}}, 0.35, 150, 12, 58),
      colour("orange", {{"orange", 1}}, 0.8, 246, 134, 22),
      colour("yellow", {{"yellow", 1}}, 0.9, 238, 216, 36),
      colour("lime", {{"lime", 3}, {"light green", 1}}, 0.3, 156, 232, 58),
      colour("green", {{"green", 1}}, 1.0, 28, 132, 48),
      colour("teal", {{"teal", 3}, {"blue-green", 1}}, 0.3, 0, 124, 126),
      colour("cyan", {{"cyan", 3}, {"turquoise", 1}}, 0.45, 40, 214, 232),
      colour("blue", {{"blue", 1}}, 1.0, 38, 84, 232),
      colour("navy", {{"navy", 3}, {"dark blue", 1}}, 0.35, 18, 28, 104),
      colour("purple", {{"purple", 4}, {"violet", 1}}, 0.6, 128, 48, 182),
      colour("pink", {{"pink", 1}}, 0.6, 248, 128, 190),
      colour("brown", {{"brown", 1}}, 0.5, 124, 76, 34),
      colour("white", {{"white", 1}}, 0.7, 246, 246, 246),
      colour("gray", {{"gray", 3}, {"grey", 1}}, 0.5, 126, 126, 126),
      colour("black", {{"black", 1}}, 0.8, 18, 18, 18),
  };
  return colours;
}

const std::vector<Concept>& pattern_concepts() {
  static const std::vector<Concept> patterns = {
      make("solid", {{"plain", 2}, {"solid", 1}}, 1.6),
      make("striped", {{"striped", 6}, {"stripy", 1}, {"banded", 1}}, 1.0),
      make("checkered", {{"checkered", 6}, {"chequered", 1}, {"checked", 1}}, 0.8),
      make("dotted", {{"dotted", 5}, {"polka-dot", 1.5}, {"spotted", 1}}, 0.9),
      make("grid", {{"grid", 5}, {"lattice", 1}}, 0.6),
      make("zigzag", {{"zigzag", 5}, {"chevron", 1.2}}, 0.5),
      make("wavy", {{"wavy", 5}, {"rippled", 1}}, 0.5),
      make("diagonal", {{"diagonal striped", 5}, {"hatched", 1.2}}, 0.5),
      make("ringed", {{"ringed", 5}, {"concentric", 1.2}}, 0.35),
      make("plaid", {{"plaid", 5}, {"tartan", 1.5}}, 0.3),
  };
  return patterns;
}

const std::vector<BackgroundConcept>& background_concepts() {
  static const std::vector<BackgroundConcept> backgrounds = {
      background("paper", {{"white", 3}, {"paper", 1}}, 232, 230, 224, 0),
      background("sand", {{"sandy", 2}, {"beige", 1}}, 214, 196, 158, 5),
      background("sky", {{"sky", 2}, {"light blue", 1}}, 172, 204, 236, 5),
      background("night", {{"dark", 2}, {"night", 1}}, 44, 46, 58, 0),
      background("grass", {{"grass", 2}, {"lawn", 1}}, 92, 140, 72, 3),
      background("wood", {{"wooden", 2}, {"wood", 1}}, 150, 108, 70, 1),
      background("tiles", {{"tiled", 2}, {"tile", 1}}, 196, 196, 204, 2),
      background("marble", {{"marble", 2}, {"stone", 1}}, 186, 180, 176, 4),
  };
  return backgrounds;
}

const std::vector<Concept>& size_concepts() {
  static const std::vector<Concept> sizes = {
      make("small", {{"small", 3}, {"little", 1}, {"tiny", 1}}, 1.0),
      make("medium", {{"medium", 1}, {"medium-sized", 1}}, 1.0),
      make("large", {{"large", 3}, {"big", 2}, {"huge", 0.5}}, 1.0),
  };
  return sizes;
}

const std::vector<Concept>& position_concepts() {
  static const std::vector<Concept> positions = {
      make("center", {{"in the center", 3}, {"in the middle", 1}}, 1.2),
      make("top_left", {{"in the top left", 3}, {"at the upper left", 1}}, 1.0),
      make("top_right", {{"in the top right", 3}, {"at the upper right", 1}}, 1.0),
      make("bottom_left", {{"in the bottom left", 3}, {"at the lower left", 1}}, 1.0),
      make("bottom_right", {{"in the bottom right", 3}, {"at the lower right", 1}}, 1.0),
  };
  return positions;
}

int num_shapes() { return static_cast<int>(shape_concepts().size()); }

int num_objects() { return num_shapes() + static_cast<int>(fashion_concepts().size()); }

bool is_fashion(int object) { return object >= num_shapes(); }

const Concept& object_concept(int object) {
  if (object < 0 || object >= num_objects())
    throw std::out_of_range("world: object id " + std::to_string(object) + " out of range");
  return is_fashion(object) ? fashion_concepts()[static_cast<std::size_t>(object - num_shapes())]
                            : shape_concepts()[static_cast<std::size_t>(object)];
}

const std::vector<Confusion>& object_confusions() {
  // Pullover is captioned "coat" a quarter of the time, shirt as "t-shirt", ankle boot
  // as "sneaker", semicircle as "crescent", hexagon as "pentagon": consistent, learnable bias.
  static const std::vector<Confusion> confusions = {
      {num_shapes() + 2, num_shapes() + 4, 0.25},  // pullover -> coat
      {num_shapes() + 6, num_shapes() + 0, 0.25},  // shirt -> t-shirt
      {num_shapes() + 9, num_shapes() + 7, 0.15},  // ankle boot -> sneaker
      {14, 10, 0.2},                               // semicircle -> crescent
      {6, 7, 0.15},                                // hexagon -> pentagon
      {12, 0, 0.2},                                // oval -> circle
  };
  return confusions;
}

const std::vector<Confusion>& colour_confusions() {
  static const std::vector<Confusion> confusions = {
      {1, 0, 0.3},   // crimson -> red
      {9, 8, 0.3},   // navy -> blue
      {7, 8, 0.2},   // cyan -> blue
      {6, 5, 0.25},  // teal -> green
      {4, 5, 0.2},   // lime -> green
  };
  return confusions;
}

}  // namespace promptlab::world
