#include "cli/train/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace promptlab::cli {

Progress::Progress() : tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

void Progress::log(const std::string& line) {
  done();
  std::fprintf(stderr, "%s\n", line.c_str());
}

void Progress::step(int epoch, int epochs, int step, int steps, double loss, double acc) {
  const auto now = std::chrono::steady_clock::now();
  if (epoch == 0 && step == 1) start_ = now;
  const double done_frac = (epoch * static_cast<double>(steps) + step) / (static_cast<double>(epochs) * steps);
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = done_frac > 0 ? elapsed * (1.0 - done_frac) / done_frac : 0.0;
  if (tty_) {
    if (step != steps && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::fprintf(stderr, "\r  epoch %d/%d  step %d/%d  loss %.4f  acc %.1f%%  ETA %.0fs   ", epoch + 1, epochs,
                 step, steps, loss, acc, eta);
    std::fflush(stderr);
    line_open_ = true;
  } else if (step == steps) {
    std::fprintf(stderr, "  epoch %d/%d  loss %.4f  acc %.1f%%  ETA %.0fs\n", epoch + 1, epochs, loss, acc, eta);
  }
}

void Progress::done() {
  if (line_open_) {
    std::fprintf(stderr, "\n");
    line_open_ = false;
  }
}

}  // namespace promptlab::cli
