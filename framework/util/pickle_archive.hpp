#pragma once
// Reading torch.save-format archives (a zip of a pickle and its tensors) from memory, safely.
//
// LibTorch 1.13's torch::pickle_load(std::vector<char>) reads through an adapter that copies
// whatever range the zip reader asks for, even past the end of the buffer; a damaged archive
// (found by tests/fuzz: checkpoint) makes it read beyond the heap block. This reader clamps
// every read to the buffer, so a damaged archive is an error, never an out-of-bounds read.
// LibTorch also builds each tensor from the sizes, strides and offset the pickle states without
// checking them against the bytes stored; this reader refuses a tensor that would reach outside
// its storage (also found by the checkpoint fuzzer: a read from such a tensor crashed). Before
// LibTorch unpickles a record, util/pickle_scan.hpp refuses one whose stated sizes would make it
// allocate far beyond the bytes (the fuzzers' 4 GiB strings).
#include <ATen/core/ivalue.h>
#include <caffe2/serialize/inline_container.h>
#include <caffe2/serialize/read_adapter_interface.h>

#include <cstdint>
#include <string>
#include <vector>

namespace promptlab {

/// A ReadAdapterInterface over bytes in memory whose reads stop at the end of the bytes (a read
/// from `pos` returns min(n, size - pos) bytes, 0 at or past the end).
class BoundedMemoryReader final : public caffe2::serialize::ReadAdapterInterface {
 public:
  BoundedMemoryReader(const char* data, std::size_t size) : data_(data), size_(size) {}
  std::size_t size() const override { return size_; }
  std::size_t read(std::uint64_t pos, void* buf, std::size_t n, const char* what = "") const override;

 private:
  const char* data_;
  std::size_t size_;
};

/// The value saved by torch::pickle_save / Python's torch.save (zip format); throws (a c10::Error
/// or std::runtime_error) when the bytes are not such an archive, or when one of its tensors
/// reaches outside its stored bytes.
c10::IValue load_pickle_archive(const std::vector<char>& bytes);

/// check_pickle (util/pickle_scan.hpp) on every pickle record of the archive (names ending in
/// ".pkl" or "debug_pkl": data, constants and a TorchScript archive's source-range tables); errors
/// name the record, after `what` when it is not empty.
void check_archive_pickles(caffe2::serialize::PyTorchStreamReader& reader, const std::string& what);

/// True when `t` is CPU data and every element lies inside its storage (an undefined or empty
/// tensor: true).
bool tensor_within_storage(const at::Tensor& t);

}  // namespace promptlab
