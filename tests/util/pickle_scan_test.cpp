// The pickle walk that refuses what would make LibTorch's unpickler allocate far beyond the bytes.
#include "util/pickle_scan.hpp"

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "util/pickle_archive.hpp"

namespace promptlab {
namespace {

// A protocol-2 pickle: PROTO 2, `body`, STOP.
std::string pickle(const std::string& body) { return std::string("\x80\x02", 2) + body + "."; }

std::string le32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// The message check_pickle gives for `bytes`, or "" when it accepts them.
std::string refusal(const std::string& bytes) {
  try {
    check_pickle(bytes.data(), bytes.size(), "test.pkl");
    return "";
  } catch (const std::runtime_error& e) {
    return e.what();
  }
}

TEST(PickleScan, AcceptsWhatLibTorchWrites) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("name", std::string("a photo of a"));
  dict.insert("ctx", torch::randn({4, 8}));
  dict.insert("sizes", c10::List<std::int64_t>({1, 2, 3}));
  dict.insert("pair", c10::ivalue::Tuple::create({c10::IValue(1.5), c10::IValue(true)}));
  dict.insert("long", std::int64_t{1} << 40);
  dict.insert("none", c10::IValue());
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  caffe2::serialize::PyTorchStreamReader reader(std::make_unique<BoundedMemoryReader>(bytes.data(), bytes.size()));
  const auto [record, size] = reader.getRecord("data.pkl");
  EXPECT_EQ(refusal(std::string(static_cast<const char*>(record.get()), size)), "");
  EXPECT_NO_THROW(check_archive_pickles(reader, "dict"));
}

TEST(PickleScan, AcceptsEveryRecordOfATorchScriptArchive) {
  torch::jit::Module module("m");
  module.register_parameter("weight", torch::randn({3, 3}), /*is_buffer=*/false);
  module.register_buffer("scale", torch::ones({1}));
  module.define("def forward(self, x):\n  return x @ self.weight * self.scale\n");
  const std::string path = (std::filesystem::temp_directory_path() / "pickle_scan_module.pt").string();
  module.save(path);
  caffe2::serialize::PyTorchStreamReader reader(path);
  int pickles = 0;
  for (const auto& name : reader.getAllRecords()) pickles += name.find("pkl") != std::string::npos;
  EXPECT_GE(pickles, 2);  // data.pkl and constants.pkl at least
  EXPECT_NO_THROW(check_archive_pickles(reader, path));
  std::remove(path.c_str());
}

TEST(PickleScan, RefusesAStringLongerThanTheBytesLeft) {
  const std::string msg = refusal(pickle("X" + le32(0xfffffff0u) + "abc"));
  EXPECT_NE(msg.find("test.pkl"), std::string::npos) << msg;
  EXPECT_NE(msg.find("states 4294967280 bytes where 4 are left"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at byte 2"), std::string::npos) << msg;
  EXPECT_EQ(refusal(pickle("X" + le32(3) + "abc")), "");
}

TEST(PickleScan, RefusesAMemoIndexBeyondThePickle) {
  EXPECT_NE(refusal(pickle("N" "r" + le32(0xffffffffu))).find("memo entry 4294967295"), std::string::npos);
  EXPECT_EQ(refusal(pickle(std::string("Nq\x00Nq\x01", 6))), "");
  EXPECT_NE(refusal(pickle(std::string("q\x00", 2))).find("pops 1 items from a stack of 0"), std::string::npos);
}

TEST(PickleScan, RefusesStacksLibTorchWouldReadUnchecked) {
  EXPECT_NE(refusal(pickle("Nt")).find("no MARK"), std::string::npos);
  EXPECT_NE(refusal(pickle("(N\x86")).find("pops 2 items from a stack of 1"), std::string::npos);
  EXPECT_NE(refusal(pickle("N(N\x86\x81t")).find("MARK above the stack"), std::string::npos);
  EXPECT_NE(refusal(pickle("(NNNd")).find("odd number"), std::string::npos);
  EXPECT_NE(refusal(pickle("}(Nu")).find("odd number"), std::string::npos);
  EXPECT_NE(refusal(pickle("(NNe")).find("nothing below its MARK"), std::string::npos);
  EXPECT_NE(refusal(pickle("NR")).find("pops 2"), std::string::npos);
  EXPECT_NE(refusal(pickle("\x81")).find("pops 1"), std::string::npos);
  // The well-formed versions of the same.
  EXPECT_EQ(refusal(pickle("(NNt")), "");
  EXPECT_EQ(refusal(pickle("NN\x86")), "");
  EXPECT_EQ(refusal(pickle("(NNd")), "");
  EXPECT_EQ(refusal(pickle("}(NNu")), "");
  EXPECT_EQ(refusal(pickle("](NNe")), "");
  EXPECT_EQ(refusal(pickle("(NNl")), "");
}

TEST(PickleScan, RefusesWhatLibTorchCannotReadAtAll) {
  EXPECT_NE(refusal("").find("does not start with PROTO"), std::string::npos);
  EXPECT_NE(refusal(std::string("\x80\x04N.", 4)).find("protocol 2"), std::string::npos);
  EXPECT_NE(refusal(std::string("\x80\x02N", 3)).find("ends without STOP"), std::string::npos);
  EXPECT_NE(refusal(pickle("\x95" + le32(8) + le32(0))).find("opcode LibTorch does not read"), std::string::npos);
  EXPECT_NE(refusal(std::string("\x80\x02" "ctorch\nFloatStorage", 21)).find("newline"), std::string::npos);
  EXPECT_NE(refusal(std::string("\x80\x02J\x01", 4)).find("cut short"), std::string::npos);
  EXPECT_EQ(refusal(pickle("ctorch\nFloatStorage\n")), "");
}

TEST(PickleScan, ADamagedStringLengthInAnArchiveIsRefusedBeforeUnpickling) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("format", std::string("marker-string"));
  std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  // The string's BINUNICODE length sits just before its text; the zip's CRC is not checked by LibTorch.
  const std::string text(bytes.begin(), bytes.end());
  const std::size_t at = text.find("marker-string");
  ASSERT_NE(at, std::string::npos);
  ASSERT_EQ(text.substr(at - 5, 5), "X" + le32(13));
  for (int i = 0; i < 4; ++i) bytes[at - 4 + i] = static_cast<char>(0xff);
  try {
    load_pickle_archive(bytes);
    FAIL() << "a 4 GiB string length was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("data.pkl: damaged pickle"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace promptlab
