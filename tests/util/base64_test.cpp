// Base64 against RFC 4648's test vectors.
#include <gtest/gtest.h>

#include "util/base64.hpp"

namespace promptlab {
namespace {

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encoded(""), "");
  EXPECT_EQ(base64_encoded("f"), "Zg==");
  EXPECT_EQ(base64_encoded("fo"), "Zm8=");
  EXPECT_EQ(base64_encoded("foo"), "Zm9v");
  EXPECT_EQ(base64_encoded("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encoded("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encoded("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encoded(std::string("\xff\xfe\x00", 3)), "//4A");
}

}  // namespace
}  // namespace promptlab
