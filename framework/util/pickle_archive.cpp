#include "util/pickle_archive.hpp"

#include <torch/csrc/jit/serialization/import_read.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "util/pickle_scan.hpp"

namespace promptlab {

std::size_t BoundedMemoryReader::read(std::uint64_t pos, void* buf, std::size_t n, const char* /*what*/) const {
  if (pos >= size_) return 0;
  const std::size_t available = std::min<std::size_t>(n, size_ - static_cast<std::size_t>(pos));
  if (available > 0) std::memcpy(buf, data_ + pos, available);
  return available;
}

bool tensor_within_storage(const at::Tensor& t) {
  if (!t.defined() || t.numel() == 0) return true;
  // A damaged archive can name another device (such as "meta", which has no bytes at all).
  if (!t.device().is_cpu() || !t.has_storage() || t.storage().data() == nullptr) return false;
  std::int64_t last = t.storage_offset();
  if (last < 0) return false;
  for (std::int64_t d = 0; d < t.dim(); ++d) {
    if (t.stride(d) < 0) return false;
    last += (t.size(d) - 1) * t.stride(d);
  }
  const auto item = static_cast<std::int64_t>(t.element_size());
  return (last + 1) * item <= static_cast<std::int64_t>(t.storage().nbytes());
}

namespace {

// check_pickle on one record of the archive; errors name it, after `what` when not empty.
void check_pickle_record(caffe2::serialize::PyTorchStreamReader& reader, const std::string& name,
                         const std::string& what) {
  const auto [record, size] = reader.getRecord(name);
  check_pickle(static_cast<const char*>(record.get()), size, (what.empty() ? "" : what + ": ") + "record " + name);
}

}  // namespace

void check_archive_pickles(caffe2::serialize::PyTorchStreamReader& reader, const std::string& what) {
  const auto ends_with = [](const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
  };
  for (const std::string& name : reader.getAllRecords()) {
    if (ends_with(name, ".pkl") || ends_with(name, "debug_pkl")) check_pickle_record(reader, name, what);
  }
}

namespace {

// Every tensor inside `value` (through dicts, lists and tuples) lies inside its storage.
void check_tensors(const c10::IValue& value, int depth = 0) {
  if (depth > 64) throw std::runtime_error("archive nests deeper than 64 levels");
  if (value.isTensor()) {
    if (!tensor_within_storage(value.toTensor())) {
      throw std::runtime_error("archive holds a tensor that is not CPU data or whose sizes and strides reach outside its stored bytes");
    }
  } else if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) {
      check_tensors(entry.key(), depth + 1);
      check_tensors(entry.value(), depth + 1);
    }
  } else if (value.isList()) {
    for (const auto& item : value.toListRef()) check_tensors(item, depth + 1);
  } else if (value.isTuple()) {
    for (const auto& item : value.toTupleRef().elements()) check_tensors(item, depth + 1);
  }
}

}  // namespace

c10::IValue load_pickle_archive(const std::vector<char>& bytes) {
  // The zip reader checks the archive's layout against size(); the adapter keeps every read inside.
  caffe2::serialize::PyTorchStreamReader reader(std::make_unique<BoundedMemoryReader>(bytes.data(), bytes.size()));
  check_pickle_record(reader, "data.pkl", "");  // the record readArchiveAndTensors reads
  c10::IValue value = torch::jit::readArchiveAndTensors("data", /*pickle_prefix=*/"", /*tensor_prefix=*/"",
                                                        /*type_resolver=*/c10::nullopt, /*obj_loader=*/c10::nullopt,
                                                        /*device=*/c10::nullopt, reader);
  check_tensors(value);
  return value;
}

}  // namespace promptlab
