// The one FNV-1a behind every stored hash: its values are pinned, since stored protocol and
// config hashes, cache keys and embedded image seeds were made with them.
#include "util/fnv1a.hpp"

#include <gtest/gtest.h>

namespace promptlab {
namespace {

TEST(Fnv1a, KeepsTheValuesEveryStoredHashWasMadeWith) {
  EXPECT_EQ(fnv1a64(""), 1469598103934665603ull);  // the start value (see fnv1a.hpp)
  EXPECT_EQ(fnv1a64("a"), 4953267810257967366ull);
  EXPECT_EQ(fnv1a64("foobar"), 9870438755804841970ull);
  // One FNV-1a step by hand: (start xor 'a') * FNV's 64-bit prime, modulo 2^64.
  EXPECT_EQ(fnv1a64("a"), (kFnv1a64Offset ^ 0x61ull) * 1099511628211ull);
}

TEST(Fnv1a, HashingInPartsEqualsHashingTheWhole) {
  EXPECT_EQ(fnv1a64("bar", fnv1a64("foo")), fnv1a64("foobar"));
}

TEST(Fnv1a, HexIsSixteenLowercaseDigits) {
  EXPECT_EQ(hex64(0xcbf29ce484222325ull), "cbf29ce484222325");
  EXPECT_EQ(hex64(0xabcull), "0000000000000abc");
}

}  // namespace
}  // namespace promptlab
