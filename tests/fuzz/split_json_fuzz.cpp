// libFuzzer target: split_json (see fuzz_entries.hpp).
#include "fuzz/fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  promptlab::fuzz::split_json(data, size);
  return 0;
}
