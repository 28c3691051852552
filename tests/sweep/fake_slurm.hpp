#pragma once
// Stand-ins for Slurm's commands (sbatch, squeue, sacct), first on PATH while the object lives:
// the sweep code runs them by name, as it would on a cluster.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace promptlab::testing {

class FakeSlurm {
 public:
  /// Creates `dir`/bin and puts it first on PATH.
  explicit FakeSlurm(const std::string& dir) : bin_(dir + "/bin"), old_path_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    std::filesystem::create_directories(bin_);
    ::setenv("PATH", (bin_ + ":" + old_path_).c_str(), 1);
  }
  ~FakeSlurm() { ::setenv("PATH", old_path_.c_str(), 1); }
  FakeSlurm(const FakeSlurm&) = delete;
  FakeSlurm& operator=(const FakeSlurm&) = delete;

  /// The command `name`: a shell script with this body.
  void tool(const std::string& name, const std::string& body) const {
    const std::string path = bin_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }

 private:
  std::string bin_;
  std::string old_path_;
};

}  // namespace promptlab::testing
