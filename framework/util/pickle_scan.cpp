#include "util/pickle_scan.hpp"

#include <cstdint>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace promptlab {
namespace {

// The pickle opcodes LibTorch 1.13's unpickler reads (the names are Python's, pickletools).
enum Op : unsigned char {
  kMark = '(',
  kStop = '.',
  kBinFloat = 'G',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kNone = 'N',
  kBinPersId = 'Q',
  kReduce = 'R',
  kBinUnicode = 'X',
  kEmptyList = ']',
  kAppends = 'e',
  kBuild = 'b',
  kGlobal = 'c',
  kDict = 'd',
  kEmptyDict = '}',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kList = 'l',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kSetItems = 'u',
  kTuple = 't',
  kEmptyTuple = ')',
  kProto = 0x80,
  kNewObj = 0x81,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
};

class Walk {
 public:
  Walk(const char* data, std::size_t size, const std::string& what) : data_(data), size_(size), what_(what) {}

  void run() {
    if (size_ < 2 || byte() != kProto) fail("does not start with PROTO");
    if (byte() != 2) fail("is not pickle protocol 2");
    while (pos_ < size_) {
      op_at_ = pos_;
      op_ = byte();
      if (step()) return;
    }
    fail("ends without STOP");
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    std::ostringstream out;
    out << what_ << ": damaged pickle: " << why;
    if (op_at_ != kNoOp) out << " (opcode 0x" << std::hex << static_cast<int>(op_) << std::dec << " at byte " << op_at_ << ")";
    throw std::runtime_error(out.str());
  }

  unsigned char byte() {
    if (pos_ >= size_) fail("is cut short");
    return static_cast<unsigned char>(data_[pos_++]);
  }

  std::uint64_t little_endian(int bytes) {
    if (size_ - pos_ < static_cast<std::size_t>(bytes)) fail("is cut short");
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(data_[pos_ + i])) << (8 * i);
    pos_ += bytes;
    return v;
  }

  // An opcode's fixed-size argument.
  void fixed(std::size_t n) {
    if (n > size_ - pos_) fail("is cut short");
    pos_ += n;
  }

  // A stated length's worth of bytes.
  void skip(std::uint64_t n) {
    if (n > size_ - pos_) fail("states " + std::to_string(n) + " bytes where " + std::to_string(size_ - pos_) + " are left");
    pos_ += n;
  }

  void name_line() {
    const void* nl = std::memchr(data_ + pos_, '\n', size_ - pos_);
    if (nl == nullptr) fail("has a name without its newline");
    pos_ = static_cast<std::size_t>(static_cast<const char*>(nl) - data_) + 1;
  }

  void need(std::size_t items) {
    if (depth_ < items) fail("pops " + std::to_string(items) + " items from a stack of " + std::to_string(depth_));
  }

  std::size_t top_mark() {
    if (marks_.empty()) fail("has no MARK to close");
    if (marks_.back() > depth_) fail("closes a MARK above the stack");
    return marks_.back();
  }

  void memo(std::uint64_t id) {
    need(1);
    if (id >= size_) fail("stores memo entry " + std::to_string(id) + " in a pickle of " + std::to_string(size_) + " bytes");
  }

  void even_from(std::size_t mark) {
    if ((depth_ - mark) % 2 != 0) fail("pairs an odd number of keys and values");
  }

  // One opcode; true at STOP.
  bool step() {
    switch (op_) {
      case kStop: return true;
      case kMark: marks_.push_back(depth_); return false;
      case kEmptyList: case kEmptyTuple: case kEmptyDict: case kNone: case kNewTrue: case kNewFalse:
        ++depth_; return false;
      case kBinInt1: fixed(1); ++depth_; return false;
      case kBinInt2: fixed(2); ++depth_; return false;
      case kBinInt: fixed(4); ++depth_; return false;
      case kBinFloat: fixed(8); ++depth_; return false;
      case kLong1: skip(little_endian(1)); ++depth_; return false;
      case kBinUnicode: skip(little_endian(4)); ++depth_; return false;
      case kBinGet: fixed(1); ++depth_; return false;
      case kLongBinGet: fixed(4); ++depth_; return false;
      case kBinPut: memo(little_endian(1)); return false;
      case kLongBinPut: memo(little_endian(4)); return false;
      case kGlobal: name_line(); name_line(); ++depth_; return false;
      case kNewObj: need(1); --depth_; return false;
      case kBinPersId: need(1); return false;
      case kBuild: case kReduce: need(2); --depth_; return false;
      case kTuple1: case kTuple2: case kTuple3: {
        const std::size_t n = op_ - kTuple1 + 1;
        need(n);
        depth_ -= n - 1;
        return false;
      }
      case kTuple: case kList: depth_ = top_mark() + 1; marks_.pop_back(); return false;
      case kDict: { const std::size_t m = top_mark(); even_from(m); marks_.pop_back(); depth_ = m + 1; return false; }
      case kAppends: case kSetItems: {
        const std::size_t m = top_mark();
        if (m == 0) fail("has nothing below its MARK to add to");
        if (op_ == kSetItems) even_from(m);
        marks_.pop_back();
        depth_ = m;
        return false;
      }
      default: fail("holds an opcode LibTorch does not read");
    }
  }

  static constexpr std::size_t kNoOp = static_cast<std::size_t>(-1);
  const char* data_;
  std::size_t size_;
  const std::string& what_;
  std::size_t pos_ = 0;
  std::size_t op_at_ = kNoOp;
  unsigned char op_ = 0;
  std::size_t depth_ = 0;
  std::vector<std::size_t> marks_;
};

}  // namespace

void check_pickle(const char* data, std::size_t size, const std::string& what) { Walk(data, size, what).run(); }

}  // namespace promptlab
