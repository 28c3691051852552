#pragma once
// Files written whole, then renamed into place: readers see the old file or the new one, never
// a part. Several processes may write the same file at once (tasks of a sweep on a shared
// filesystem); each writes its own temporary, named after its host and pid, and the last rename wins.
#include <string>

namespace promptlab {

/// A temporary path beside `path` (same folder, so the rename stays on one filesystem), unique
/// to this process on this host.
std::string temp_path_beside(const std::string& path);

/// Writes `content` to temp_path_beside(path), gives it `mode` (octal permission bits), then
/// renames it to `path`. Throws naming both paths when the write fails; the temporary is removed
/// then, and a file already at `path` is left as it was.
void write_file_atomically(const std::string& path, const std::string& content, unsigned mode = 0644);

}  // namespace promptlab
