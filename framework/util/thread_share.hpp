#pragma once
// Fair shares of the CPU among the promptlab processes computing on one host.
//
// Each process that computes joins a set kept as lock files in a runtime folder; a process's
// lock lives exactly as long as the process, so the set needs no clean-up after a crash. The
// default thread count is the host's cores divided by the processes in the set, recomputed at
// each epoch and feature batch, so that four runs started together do not run four times as
// many threads as there are cores. What a thread count changes in a result: docs/speed.md.
#include <memory>
#include <string>

namespace promptlab {

class ThreadShare {
 public:
  /// Joins the set kept in `folder` (created if missing). Throws naming the folder when it
  /// cannot be used.
  explicit ThreadShare(std::string folder);
  ~ThreadShare();
  ThreadShare(const ThreadShare&) = delete;
  ThreadShare& operator=(const ThreadShare&) = delete;

  /// Processes in the set that are alive, this one included (>= 1). Lock files of processes
  /// that have exited are removed on the way.
  int live_processes() const;

 private:
  std::string folder_;
  std::string path_;
  int fd_ = -1;
};

/// The folder of the host's set: $PROMPTLAB_RUNTIME_DIR, else $XDG_RUNTIME_DIR/promptlab, else
/// /tmp/promptlab-<uid>.
std::string default_thread_share_folder();

/// `cores` divided among `processes`, at least 1.
int fair_threads(unsigned cores, int processes);

/// Sets LibTorch's intra-op threads: `requested` when > 0, else this process's fair share of the
/// host's cores (joining the host's set on first use). Later calls to rebalance_threads() follow
/// the set only in the second case.
void set_thread_policy(int requested);

/// In the fair-share mode, sets the thread count again from the processes alive now; otherwise
/// does nothing. Returns the thread count in effect.
int rebalance_threads();

/// While it lives, this process does not count among the host's computing processes (in the
/// fair-share mode; otherwise it does nothing): for a process that blocks waiting for another's
/// work, so that the worker's next rebalance takes the cores back. It rejoins and rebalances on
/// destruction.
class ThreadShareAbsence {
 public:
  ThreadShareAbsence();
  ~ThreadShareAbsence();
  ThreadShareAbsence(const ThreadShareAbsence&) = delete;
  ThreadShareAbsence& operator=(const ThreadShareAbsence&) = delete;

 private:
  bool left_ = false;
};

}  // namespace promptlab
