#include "clip/bpe_merges_io.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "clip/unicode_utf8.hpp"
#include "promptlab/tokenizer.hpp"

namespace promptlab::bpe {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const {
    if (f) gzclose(f);
  }
};

// Reads a whole file; zlib passes non-gzip files through unchanged, so a ".gz" name must hold gzip.
std::string read_all(const std::string& path) {
  if (ends_with(path, ".gz")) {
    std::FILE* probe = std::fopen(path.c_str(), "rb");
    unsigned char magic[2] = {0, 0};
    const std::size_t got = probe ? std::fread(magic, 1, 2, probe) : 0;
    if (probe) std::fclose(probe);
    if (probe && (got < 2 || magic[0] != 0x1f || magic[1] != 0x8b)) {
      throw TokenizerError("BPE vocabulary file '" + path + "' ends in .gz but is not gzip-compressed");
    }
  }
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) throw TokenizerError("cannot open BPE vocabulary file '" + path + "'");
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const int got = gzread(f.get(), buf, sizeof buf);
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(f.get(), &err);
      throw TokenizerError("cannot read BPE vocabulary file '" + path + "': " +
                           (msg ? msg : "read error") + " (corrupt gzip?)");
    }
    if (got == 0) break;
    data.append(buf, static_cast<std::size_t>(got));
  }
  // A truncated gzip stream ends with Z_BUF_ERROR ("unexpected end of file") and no -1.
  int err = 0;
  const char* msg = gzerror(f.get(), &err);
  if (err != Z_OK)
    throw TokenizerError("cannot read BPE vocabulary file '" + path + "': " +
                         (msg && *msg ? msg : "read error") + " (corrupt or truncated gzip?)");
  return data;
}

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

std::vector<std::pair<std::string, std::string>> read_merges(const std::string& path,
                                                             long max_merges) {
  const std::string data = read_all(path);
  std::u32string check;
  std::size_t bad = 0;
  if (!unicode::try_decode_utf8(data, check, bad))
    throw TokenizerError("BPE vocabulary file '" + path + "' is not UTF-8 text (bad byte at offset " +
                         std::to_string(bad) + ")");
  if (data.empty()) throw TokenizerError("BPE vocabulary file '" + path + "' is empty");

  // Only the lines that are used get split (the OpenAI file has 262,145).
  std::size_t pos = 0;
  const auto next_line = [&](std::string& line) -> bool {
    if (pos > data.size()) return false;
    std::size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) nl = data.size();
    line.assign(data, pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = nl + 1;
    return true;
  };
  std::string header;
  next_line(header);
  long limit = -1;  // -1: every line
  if (max_merges >= 0) {
    limit = max_merges;
  } else if (header == kOpenAiHeader) {
    limit = kOpenAiMerges;
  }

  std::vector<std::pair<std::string, std::string>> merges;
  if (limit > 0) merges.reserve(static_cast<std::size_t>(limit));
  std::string line;
  long line_no = 1;
  long blank_run = 0;  // blank lines are allowed only at the end
  while ((limit < 0 || static_cast<long>(merges.size()) < limit) && next_line(line)) {
    ++line_no;
    std::vector<std::string> parts;
    std::size_t k = 0;
    while (k < line.size()) {
      while (k < line.size() && is_ws(line[k])) ++k;
      const std::size_t start = k;
      while (k < line.size() && !is_ws(line[k])) ++k;
      if (k > start) parts.push_back(line.substr(start, k - start));
    }
    if (parts.empty()) {
      ++blank_run;
      continue;
    }
    if (blank_run > 0 || parts.size() != 2)
      throw TokenizerError("BPE vocabulary file '" + path + "' line " +
                           std::to_string(blank_run > 0 ? line_no - blank_run : line_no) +
                           ": expected 'left right', got '" +
                           (blank_run > 0 ? std::string() : line.substr(0, 80)) + "'");
    merges.emplace_back(std::move(parts[0]), std::move(parts[1]));
  }
  if (max_merges < 0 && header == kOpenAiHeader && static_cast<long>(merges.size()) < kOpenAiMerges)
    throw TokenizerError("BPE vocabulary file '" + path + "' has " + std::to_string(merges.size()) +
                         " merges, fewer than the 48894 CLIP uses (truncated?)");
  return merges;
}

}  // namespace promptlab::bpe

namespace promptlab {

void write_bpe_merges(const std::string& path,
                      const std::vector<std::pair<std::string, std::string>>& merges) {
  std::string text = std::string(bpe::kMergesHeader) + "\n";
  for (const auto& [left, right] : merges) {
    if (left.empty() || right.empty() || left.find_first_of(" \t\n\r") != std::string::npos ||
        right.find_first_of(" \t\n\r") != std::string::npos)
      throw TokenizerError("cannot write merge '" + left + "' + '" + right + "' to '" + path +
                           "': symbols must be non-empty and free of whitespace");
    text += left;
    text += ' ';
    text += right;
    text += '\n';
  }
  const bool gz = bpe::ends_with(path, ".gz");
  if (gz) {
    gzFile f = gzopen(path.c_str(), "wb9");
    if (!f) throw TokenizerError("cannot create BPE merges file '" + path + "'");
    const int wrote = text.empty() ? 0 : gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    const int closed = gzclose(f);
    if (wrote != static_cast<int>(text.size()) || closed != Z_OK)
      throw TokenizerError("cannot write BPE merges file '" + path + "'");
    return;
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw TokenizerError("cannot create BPE merges file '" + path + "'");
  const std::size_t wrote = std::fwrite(text.data(), 1, text.size(), f);
  const int closed = std::fclose(f);
  if (wrote != text.size() || closed != 0)
    throw TokenizerError("cannot write BPE merges file '" + path + "'");
}

}  // namespace promptlab
