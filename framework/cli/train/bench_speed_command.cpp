// `promptlab bench-speed --method M [--preset vitb16|tiny] [--n-cls N] [--batch B] [--steps S]
//  [--precision fp32|bf16] [--text-chunk N] [--format json|text]`: one method's training step on random weights and
// images, timed by part (train/speed_bench.hpp).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "cli/train/session.hpp"
#include "train/speed_bench.hpp"
#include "util/device.hpp"

namespace promptlab::cli {
namespace {

struct BenchSpeedCli {
  SpeedOptions speed;
  std::string precision = "fp32";
  std::string format = "json";
  std::string device = "cpu";
};

nlohmann::ordered_json to_json(const SpeedReport& r) {
  nlohmann::ordered_json j;
  j["method"] = r.method;
  j["learner"] = r.learner;
  j["step_rule"] = r.step_rule;
  j["preset"] = r.preset;
  j["precision"] = r.precision;
  j["device"] = r.device;
  j["n_cls"] = r.n_cls;
  j["batch"] = r.batch;
  j["text_chunk"] = r.text_chunk;
  j["shared_prefix"] = r.shared_prefix;
  j["steps"] = r.steps;
  j["threads"] = r.threads;
  j["text_step_seconds"] = r.text_step_seconds;
  j["image_seconds"] = r.image_seconds;
  j["step_seconds"] = r.step_seconds;
  j["image_gflops"] = r.image_gflops;
  j["gflops_per_second"] = r.image_gflops_per_second;
  j["text_encoder_seconds"] = r.text_encoder_seconds;
  j["text_gflops"] = r.text_gflops;
  j["text_gflops_per_second"] = r.text_gflops_per_second;
  j["peak_gflops_per_second"] = r.peak_gflops_per_second;
  j["peak_rss_mb"] = r.peak_rss_mb;
  j["image_cosine_to_fp32"] = r.image_cosine_to_fp32;
  j["text_cosine_to_fp32"] = r.text_cosine_to_fp32;
  return j;
}

void run_bench_speed(const BenchSpeedCli& cli, const GlobalOptions& global) {
  apply_threads(global);
  SpeedOptions o = cli.speed;
  o.precision = parse_precision(cli.precision);
  o.device = parse_device(cli.device, "--device");
  const auto host = open_host(global);
  const SpeedReport r = measure_speed(*host, o);
  if (cli.format == "json") {
    std::cout << to_json(r).dump() << "\n";
    return;
  }
  std::printf("%s (%s / %s), preset %s, %s on %s, %lld classes, batch %lld, median of %d steps, %d threads\n",
              r.method.c_str(), r.learner.c_str(), r.step_rule.c_str(), r.preset.c_str(), r.precision.c_str(),
              r.device.c_str(), static_cast<long long>(r.n_cls), static_cast<long long>(r.batch), r.steps, r.threads);
  std::printf("  text step   %10.4f s   (learner forward + backward + step rule + SGD)\n", r.text_step_seconds);
  std::printf("  image       %10.4f s   (%.1f GFLOP/s; this machine's fp32 matrix products: %.1f GFLOP/s)\n",
              r.image_seconds, r.image_gflops_per_second, r.peak_gflops_per_second);
  std::printf("  step        %10.4f s   (both, as with a cold feature cache)\n", r.step_seconds);
  std::printf("  text encoder %9.4f s   (forward + backward on %lld prompts: %.1f GFLOP/s)\n", r.text_encoder_seconds,
              static_cast<long long>(r.n_cls), r.text_gflops_per_second);
  if (!r.shared_prefix) std::printf("  (--no-shared-prefix: every prompt encoded whole)\n");
  std::printf("  peak RSS    %10.1f MB\n", r.peak_rss_mb);
  std::printf("  cosine to fp32: image features %.6f, text features %.6f (lowest over the batch / prompts)\n",
              r.image_cosine_to_fp32, r.text_cosine_to_fp32);
}

void setup_bench_speed(CLI::App& app, GlobalOptions& global) {
  auto cli = std::make_shared<BenchSpeedCli>();
  auto* cmd = app.add_subcommand("bench-speed", "Time one method's training step on random weights and images");
  cmd->add_option("--method,-m", cli->speed.method, "Method (see `promptlab plugins`)")->capture_default_str();
  cmd->add_option("--preset", cli->speed.preset, "Model dimensions: vitb16 (ViT-B/16) or tiny (the embedded model)")
      ->capture_default_str();
  cmd->add_option("--n-cls", cli->speed.n_cls, "Classes (prompts per step)")->capture_default_str();
  cmd->add_option("--batch", cli->speed.batch, "Images per step")->capture_default_str();
  cmd->add_option("--steps", cli->speed.steps, "Timed steps (the figures are their medians)")->capture_default_str();
  cmd->add_option("--warmup", cli->speed.warmup, "Untimed steps first")->capture_default_str();
  cmd->add_option("--precision", cli->precision, "Frozen encoders' precision: fp32, bf16 or fp16")->capture_default_str();
  cmd->add_option("--device", cli->device, "cpu, cuda or cuda:N")->capture_default_str();
  add_text_chunk_option(*cmd, cli->speed.text_chunk);
  add_shared_prefix_option(*cmd, cli->speed.shared_prefix);
  cmd->add_option("--format", cli->format, "json (one object) or text")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  cmd->callback([cli, &global] { run_bench_speed(*cli, global); });
}

CommandRegistration bench_speed_registration{"bench-speed", 21, &setup_bench_speed};

}  // namespace
}  // namespace promptlab::cli
