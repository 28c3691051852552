// Reading torch.save-format archives from memory without reading past the bytes.
#include "util/pickle_archive.hpp"

#include <gtest/gtest.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <array>

namespace promptlab {
namespace {

TEST(PickleArchive, ReadsStopAtTheEndOfTheBytes) {
  const char data[] = "0123456789";
  BoundedMemoryReader reader(data, 10);
  std::array<char, 16> buf{};
  buf.fill('x');
  EXPECT_EQ(reader.size(), 10u);
  EXPECT_EQ(reader.read(0, buf.data(), 4), 4u);
  EXPECT_EQ(std::string(buf.data(), 4), "0123");
  EXPECT_EQ(reader.read(8, buf.data(), 16), 2u);  // only what is there
  EXPECT_EQ(std::string(buf.data(), 3), "892");   // byte 2 still holds the first read's
  EXPECT_EQ(reader.read(10, buf.data(), 4), 0u);
  EXPECT_EQ(reader.read(1u << 30, buf.data(), 4), 0u);
}

TEST(PickleArchive, RoundTripsWhatPickleSaveWrites) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("name", std::string("ctx"));
  dict.insert("tensor", torch::arange(6, torch::kFloat32).reshape({2, 3}));
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  const c10::IValue back = load_pickle_archive(bytes);
  const auto d = back.toGenericDict();
  EXPECT_EQ(d.at("name").toStringRef(), "ctx");
  EXPECT_TRUE(torch::equal(d.at("tensor").toTensor(), torch::arange(6, torch::kFloat32).reshape({2, 3})));
}

TEST(PickleArchive, DamagedArchivesAreErrors) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("tensor", torch::ones({64}));
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  EXPECT_ANY_THROW(load_pickle_archive(std::vector<char>(bytes.begin(), bytes.begin() + bytes.size() / 2)));
  EXPECT_ANY_THROW(load_pickle_archive(std::vector<char>(bytes.begin(), bytes.begin() + 30)));
  EXPECT_ANY_THROW(load_pickle_archive(std::vector<char>()));
  EXPECT_ANY_THROW(load_pickle_archive(std::vector<char>(100, 'P')));
}

TEST(PickleArchive, TensorsReachingOutsideTheirStorageAreFound) {
  const torch::Tensor base = torch::zeros({10});
  EXPECT_TRUE(tensor_within_storage(base));
  EXPECT_TRUE(tensor_within_storage(base.as_strided({5}, {2}, 0)));  // elements 0, 2, ..., 8
  EXPECT_TRUE(tensor_within_storage(base.as_strided({2, 2}, {1, 2}, 6)));  // up to element 9
  EXPECT_TRUE(tensor_within_storage(torch::Tensor()));
  EXPECT_TRUE(tensor_within_storage(torch::zeros({0, 3})));
  // Views a damaged archive can describe: set without the checks as_strided makes, as LibTorch's
  // unpickler does.
  auto damaged = [](std::vector<std::int64_t> sizes, std::vector<std::int64_t> strides, std::int64_t offset) {
    torch::Tensor t = torch::zeros({10});
    t.unsafeGetTensorImpl()->set_sizes_and_strides(sizes, strides);
    t.unsafeGetTensorImpl()->set_storage_offset(offset);
    return t;
  };
  EXPECT_TRUE(tensor_within_storage(damaged({2, 2}, {1, 2}, 6)));  // the same check agrees on a good one
  EXPECT_FALSE(tensor_within_storage(damaged({6}, {2}, 0)));        // element 10
  EXPECT_FALSE(tensor_within_storage(damaged({2, 2}, {1, 2}, 7)));
  EXPECT_FALSE(tensor_within_storage(damaged({1}, {1}, 10)));
  EXPECT_FALSE(tensor_within_storage(torch::empty({4}, torch::TensorOptions().device(torch::kMeta))));
}

}  // namespace
}  // namespace promptlab
