// libFuzzer target: checkpoint (see fuzz_entries.hpp).
#include "fuzz/fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  promptlab::fuzz::checkpoint(data, size);
  return 0;
}
