#pragma once
// Progress reporting: a live line on a terminal, plain log lines otherwise.
#include <chrono>
#include <string>

namespace promptlab::cli {

/// Prints training progress to stderr.
class Progress {
 public:
  Progress();
  /// One plain line (also ends a live line first).
  void log(const std::string& line);
  /// Step update: a rewritten line on a TTY; otherwise a plain line at each epoch's end.
  void step(int epoch, int epochs, int step, int steps, double loss, double acc);
  /// Ends the live line, if any.
  void done();
  bool is_tty() const { return tty_; }

 private:
  bool tty_;
  bool line_open_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace promptlab::cli
