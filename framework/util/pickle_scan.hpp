#pragma once
// A walk over a pickle (protocol 2, the opcodes LibTorch's unpickler reads) that refuses, before
// LibTorch sees it, a pickle whose stated sizes or structure would make LibTorch 1.13's unpickler
// allocate far more than the bytes hold or index past its own stacks:
//   - a string length (BINUNICODE) beyond the bytes left: LibTorch sizes the string first (up to
//     4 GiB), found by tests/fuzz: checkpoint;
//   - a memo index (BINPUT, LONG_BINPUT) at or past the pickle's size: LibTorch grows its memo table
//     to the index (up to 2^32 entries);
//   - an opcode that pops more than the stack holds, or a MARK-using opcode without a MARK (or with a
//     MARK above the stack): LibTorch reads such stacks unchecked;
//   - DICT or SETITEMS over an odd number of items (LibTorch reads one past the stack);
//   - a newline-terminated name (GLOBAL) without its newline, or an opcode LibTorch does not read.
// A pickle that passes can still be refused by LibTorch (a wrong type, an unknown global); it can no
// longer make it allocate more than a small multiple of its size.
#include <cstddef>
#include <string>

namespace promptlab {

/// Throws std::runtime_error naming `what`, the byte offset and the opcode when the pickle in
/// `data[0, size)` is one of the cases above.
void check_pickle(const char* data, std::size_t size, const std::string& what);

}  // namespace promptlab
