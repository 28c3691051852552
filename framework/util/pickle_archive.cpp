#include "util/pickle_archive.hpp"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/import_read.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace promptlab {

std::size_t BoundedMemoryReader::read(std::uint64_t pos, void* buf, std::size_t n, const char* /*what*/) const {
  if (pos >= size_) return 0;
  const std::size_t available = std::min<std::size_t>(n, size_ - static_cast<std::size_t>(pos));
  if (available > 0) std::memcpy(buf, data_ + pos, available);
  return available;
}

c10::IValue load_pickle_archive(const std::vector<char>& bytes) {
  // The zip reader checks the archive's layout against size(); the adapter keeps every read inside.
  caffe2::serialize::PyTorchStreamReader reader(std::make_unique<BoundedMemoryReader>(bytes.data(), bytes.size()));
  return torch::jit::readArchiveAndTensors("data", /*pickle_prefix=*/"", /*tensor_prefix=*/"",
                                           /*type_resolver=*/c10::nullopt, /*obj_loader=*/c10::nullopt,
                                           /*device=*/c10::nullopt, reader);
}

}  // namespace promptlab
