#include "sweep/cell_processes.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <thread>

#include "train/stop_signal.hpp"

namespace promptlab {

namespace {

std::string cell_name(const ProcessCell& cell) {
  return cell.method + " / " + cell.dataset + " / seed " + std::to_string(cell.seed);
}

// Starts `argv` with stdout and stderr into `log`; returns the child's pid.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot write the cell log " + log + ": " + std::strerror(errno));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    throw std::runtime_error(std::string("cannot start a cell process: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // A group of its own: a Ctrl-C at the terminal reaches the parent alone, which passes on one
    // SIGINT (a second would make the child exit at once instead of recording its run interrupted).
    ::setpgid(0, 0);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execv(args[0], args.data());
    const std::string why = "cannot run " + argv[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(STDERR_FILENO, why.data(), why.size());
    ::_exit(127);
  }
  ::close(fd);
  return pid;
}

}  // namespace

std::string cell_log_path(const std::string& log_dir, const ProcessCell& cell) {
  return log_dir + "/bench-" + cell.method + "-" + cell.dataset + "-seed" + std::to_string(cell.seed) + ".log";
}

std::vector<std::string> cell_command(const std::string& program, const std::vector<std::string>& global_args,
                                      const std::vector<std::string>& bench_args, const ProcessCell& cell) {
  std::vector<std::string> argv{program};
  argv.insert(argv.end(), global_args.begin(), global_args.end());
  argv.insert(argv.end(), {"bench", "--methods", cell.method, "--datasets", cell.dataset, "--seeds",
                           std::to_string(cell.seed)});
  argv.insert(argv.end(), bench_args.begin(), bench_args.end());
  return argv;
}

ProcessSummary run_cell_processes(const std::string& program, const std::vector<std::string>& global_args,
                                  const std::vector<std::string>& bench_args, const std::vector<ProcessCell>& cells,
                                  int jobs, const std::string& log_dir,
                                  const std::function<void(const std::string&)>& log,
                                  const std::vector<std::string>& devices) {
  std::filesystem::create_directories(log_dir);
  ProcessSummary summary;
  std::map<pid_t, std::size_t> running;  // pid -> cell index
  std::map<pid_t, std::size_t> holds;    // pid -> the device it runs on
  std::vector<bool> device_busy(devices.size(), false);
  if (!devices.empty()) jobs = std::min<int>(jobs, static_cast<int>(devices.size()));
  std::size_t next = 0;
  bool forwarded = false;
  while (next < cells.size() || !running.empty()) {
    const bool stopping = stop_flag().load();
    if (stopping && !forwarded) {
      for (const auto& [pid, index] : running) ::kill(pid, SIGINT);
      forwarded = true;
      summary.interrupted = true;
    }
    while (!stopping && next < cells.size() && static_cast<int>(running.size()) < jobs) {
      const ProcessCell& cell = cells[next];
      const std::string log_file = cell_log_path(log_dir, cell);
      std::vector<std::string> args = bench_args;
      std::size_t device = devices.size();
      if (!devices.empty()) {
        device = static_cast<std::size_t>(std::find(device_busy.begin(), device_busy.end(), false) - device_busy.begin());
        args.insert(args.end(), {"--set", "model.device=" + devices[device]});
      }
      const pid_t pid = spawn(cell_command(program, global_args, args, cell), log_file);
      running[pid] = next;
      if (device < devices.size()) {
        device_busy[device] = true;
        holds[pid] = device;
      }
      log("[" + std::to_string(next + 1) + "/" + std::to_string(cells.size()) + "] " + cell_name(cell) +
          ": started, process " + std::to_string(pid) + (device < devices.size() ? " on " + devices[device] : "") +
          ", log " + log_file);
      ++next;
    }
    if (stopping && running.empty()) break;
    int status = 0;
    const pid_t done = ::waitpid(-1, &status, WNOHANG);
    if (done <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    auto it = running.find(done);
    if (it == running.end()) continue;
    const ProcessCell& cell = cells[it->second];
    const std::string log_file = cell_log_path(log_dir, cell);
    running.erase(it);
    if (const auto held = holds.find(done); held != holds.end()) {
      device_busy[held->second] = false;
      holds.erase(held);
    }
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    const std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                              : "signal " + std::to_string(WTERMSIG(status));
    if (ok) {
      ++summary.succeeded;
      log("  " + cell_name(cell) + ": done");
    } else {
      ++summary.failed;
      summary.failed_logs.push_back(log_file);
      log("  " + cell_name(cell) + ": " + how + "; see " + log_file);
    }
  }
  return summary;
}

}  // namespace promptlab
