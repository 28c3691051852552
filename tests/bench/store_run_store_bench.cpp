// The run store's writes during a run: one epoch's metrics (what the trainer writes every
// epoch), and a whole short run's record (begin, 10 epochs, three results, finish), on a WAL
// SQLite file in a temporary folder.
#include <benchmark/benchmark.h>

#include <map>
#include <string>

#include "store/run_store.hpp"
#include "tests/store/store_test_util.hpp"

namespace {

using namespace promptlab;

EpochMetrics epoch_metrics(std::int64_t epoch) {
  EpochMetrics m;
  m.epoch = epoch;
  for (const char* name : {"lr", "loss", "acc", "time_s", "grad_norm", "cos_mean", "cos_min", "branch_sam",
                           "branch_projected", "threads"}) {
    m.values[name] = 0.5 + static_cast<double>(epoch);
  }
  return m;
}

void BM_LogEpoch(benchmark::State& state) {
  testing::TempDir tmp;
  RunStore store(tmp.file("bench.db"));
  const std::int64_t run = store.begin_run(testing::sample_record());
  std::int64_t epoch = 0;
  for (auto _ : state) store.log_epoch(run, epoch_metrics(++epoch));
  if (static_cast<std::int64_t>(store.epochs(run).size()) != epoch) state.SkipWithError("epochs were lost");
}

void BM_RecordRun(benchmark::State& state) {
  testing::TempDir tmp;
  RunStore store(tmp.file("bench.db"));
  std::int64_t seed = 0;
  for (auto _ : state) {
    const std::int64_t run = store.begin_run(testing::sample_record("gcscoop", "shapes", ++seed));
    for (std::int64_t e = 1; e <= 10; ++e) store.log_epoch(run, epoch_metrics(e));
    for (const char* split : {"base", "new", "all"}) store.record_result(run, SplitResult{split, 100, 75, 75.0, ""});
    store.finish_run(run, "finished");
  }
  if (static_cast<std::int64_t>(store.list_runs().size()) != seed) state.SkipWithError("runs were lost");
}

}  // namespace

BENCHMARK(BM_LogEpoch)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_RecordRun)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
