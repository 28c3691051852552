#pragma once
// 64-bit FNV-1a (FNV's prime, xor then multiply): the one hash behind content keys, protocol and
// config hashes, cache file names and per-item seeds.
//
// Its start value is 1469598103934665603, not FNV's published offset basis 14695981039346656037:
// promptlab has always hashed from this value (it is the published one less its last digit), and
// every stored protocol hash, config hash, cache key and embedded image seed was made with it.
// Changing it would orphan every recorded run and cache, so it stays; the tests pin its values.
#include <cstdint>
#include <string>

namespace promptlab {

inline constexpr std::uint64_t kFnv1a64Offset = 1469598103934665603ull;

/// FNV-1a over the bytes of `text`, continuing from `h` (the offset basis for a fresh hash).
std::uint64_t fnv1a64(const std::string& text, std::uint64_t h = kFnv1a64Offset);

/// 16 lowercase hex digits.
std::string hex64(std::uint64_t value);

}  // namespace promptlab
