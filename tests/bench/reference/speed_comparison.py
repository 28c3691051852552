#!/usr/bin/env python3
"""promptlab against the reference, both sides in one run, and the ratios against issue 13's targets.

For each method it runs the reference's step (pytorch_step.py: plain PyTorch, a full 77-token text
encoder, the image encoder at every evaluation, CoCoOp's per-image loop) and `promptlab bench-speed`
on the same shapes, threads and preset, then prints two markdown tables: the steps side by side,
and each target of docs/speed.md ("Against the reference") with what was measured and whether it
was met. Optional parts add the other targets:
  --memory             CoOp at 1000 classes, batch 1, fp32: promptlab's peak RSS
  --sweep-vocab FILE   the four-method sweep, cold, both sides (sweep_comparison.py; OpenAI's BPE file)
  --embedded           the whole embedded comparison, cold (`promptlab bench`, 6 methods x 6 datasets x 3 seeds)
  --concurrent         4 `promptlab run` processes started together against the same 4 one after another

The reference's text part is its step minus its image-encoder passes (one per evaluation of the
loss: two for SAM and GCSAM); promptlab's text step is `text_step_seconds` (its image features come
from the feature cache). "Cold" adds promptlab's one image-encoder pass per step, as the first
epoch of a view pays it. The reference has no bf16 mode on CPU, so bf16 ratios are against its
fp32 step, as a user of it would run it here.

Usage: /usr/bin/python3 speed_comparison.py --promptlab BIN [--preset vitb16|tiny] [--threads 2] [--steps 3]
           [--warmup 1] [--methods coop,sam,gcscoop,cocoop] [--n-cls 100] [--batch 8] [--cocoop-n-cls 10]
           [--cocoop-batch 4] [--precisions fp32,bf16] [--memory] [--sweep-vocab FILE] [--embedded]
           [--concurrent] [--work DIR] [--json FILE] [--check]
--check exits 1 when a measured target is missed. Every number is checked to be finite and positive:
a missing or malformed result from either side is an error naming the command.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from pytorch_step import EVALUATIONS  # noqa: E402  (the reference's methods and its image passes per step)


def run_json(cmd, env=None) -> dict:
    """Runs cmd and returns the JSON object on its last line of output."""
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"speed_comparison: {' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-4000:]}")
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise SystemExit(f"speed_comparison: {' '.join(cmd)} printed no JSON object:\n{done.stdout[-4000:]}")


def positive(result: dict, key: str, cmd_name: str) -> float:
    value = result.get(key)
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise SystemExit(f"speed_comparison: {cmd_name} gave {key} = {value!r}, not a positive number")
    return float(value)


def reference_step(args, method: str, n_cls: int, batch: int) -> dict:
    cmd = ["/usr/bin/python3", os.path.join(HERE, "pytorch_step.py"), "--method", method, "--preset", args.preset,
           "--n-cls", str(n_cls), "--batch", str(batch), "--steps", str(args.steps), "--warmup", str(args.warmup),
           "--threads", str(args.threads)]
    r = run_json(cmd)
    step, image = positive(r, "step_seconds", "pytorch_step.py"), positive(r, "image_seconds", "pytorch_step.py")
    text = step - EVALUATIONS[method] * image
    if text <= 0:
        raise SystemExit(f"speed_comparison: the reference's {method} step ({step:.3f} s) is shorter than its image "
                         f"passes ({EVALUATIONS[method]} x {image:.3f} s)")
    return {"step_seconds": step, "image_seconds": image, "text_seconds": text}


def promptlab_step(args, method: str, n_cls: int, batch: int, precision: str, steps=None, warmup=None) -> dict:
    cmd = [args.promptlab, "--threads", str(args.threads), "bench-speed", "--method", method, "--preset", args.preset,
           "--n-cls", str(n_cls), "--batch", str(batch), "--steps", str(steps or args.steps),
           "--warmup", str(args.warmup if warmup is None else warmup), "--precision", precision, "--format", "json"]
    r = run_json(cmd)
    for key in ("text_step_seconds", "image_seconds", "step_seconds", "text_gflops_per_second",
                "peak_gflops_per_second", "peak_rss_mb", "image_cosine_to_fp32"):
        positive(r, key, f"bench-speed --method {method} --precision {precision}")
    return r


def timed(cmds, together: bool) -> float:
    """Wall time of the commands, started together or one after another; each must succeed."""
    t0 = time.perf_counter()
    if together:
        procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for c in cmds]
        results = [(c, p.wait(), p.stderr.read()) for c, p in zip(cmds, procs)]
    else:
        results = []
        for c in cmds:
            p = subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            results.append((c, p.returncode, p.stderr))
    for c, rc, err in results:
        if rc != 0:
            raise SystemExit(f"speed_comparison: {' '.join(c)} exited {rc}:\n{err[-4000:]}")
    return time.perf_counter() - t0


def fresh(path: str) -> str:
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


class Targets:
    def __init__(self):
        self.rows = []

    def add(self, measure: str, measured: str, target: str, met):
        self.rows.append({"measure": measure, "measured": measured, "target": target, "met": met})

    def missed(self):
        return [r for r in self.rows if r["met"] is False]


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--promptlab", required=True)
    ap.add_argument("--preset", choices=["vitb16", "tiny"], default="vitb16")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--methods", default="coop,sam,gcscoop,cocoop")
    ap.add_argument("--n-cls", type=int, default=100)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--cocoop-n-cls", type=int, default=10)
    ap.add_argument("--cocoop-batch", type=int, default=4)
    ap.add_argument("--precisions", default="fp32,bf16")
    ap.add_argument("--memory", action="store_true")
    ap.add_argument("--sweep-vocab")
    ap.add_argument("--embedded", action="store_true")
    ap.add_argument("--concurrent", action="store_true")
    ap.add_argument("--work", help="scratch folder for the sweep, embedded and concurrent parts (default: a temporary one)")
    ap.add_argument("--json")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    precisions = [p for p in args.precisions.split(",") if p]
    for m in methods:
        if m not in EVALUATIONS:
            ap.error(f"--methods: '{m}' has no reference step (one of {', '.join(sorted(EVALUATIONS))})")
    for p in precisions:
        if p not in ("fp32", "bf16"):
            ap.error(f"--precisions: '{p}' is not fp32 or bf16 (the reference side is fp32 on CPU)")
    if "fp32" not in precisions:
        ap.error("--precisions must include fp32: every ratio's baseline and the cold-cache columns use it")
    for name in ("threads", "steps", "n_cls", "batch", "cocoop_n_cls", "cocoop_batch"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.sweep_vocab and args.preset != "vitb16":
        ap.error("--sweep-vocab: the sweep runs at ViT-B/16's dimensions only (--preset vitb16)")
    if not os.access(args.promptlab, os.X_OK):
        ap.error(f"--promptlab: '{args.promptlab}' is not an executable file")
    args.promptlab = os.path.abspath(args.promptlab)
    work = args.work or tempfile.mkdtemp(prefix="promptlab-speed-")

    report = {"preset": args.preset, "threads": args.threads, "steps": args.steps, "warmup": args.warmup, "methods": {}}
    targets = Targets()
    print(f"# promptlab against the reference: preset {args.preset}, {args.threads} threads, medians of {args.steps} "
          f"steps after {args.warmup} warm-up\n")
    print("| method | classes | batch | reference step (its image part) | promptlab text step fp32 (ratio) | bf16 (ratio) "
          "| whole step, cached features, fp32 | whole step, cold, fp32 | whole step, cold, bf16 |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for m in methods:
        n_cls, batch = (args.cocoop_n_cls, args.cocoop_batch) if m == "cocoop" else (args.n_cls, args.batch)
        ref = reference_step(args, m, n_cls, batch)
        ours = {p: promptlab_step(args, m, n_cls, batch, p) for p in precisions}
        report["methods"][m] = {"n_cls": n_cls, "batch": batch, "reference": ref, "promptlab": ours}
        f32, b16 = ours["fp32"], ours.get("bf16")
        text32 = ref["text_seconds"] / f32["text_step_seconds"]
        cells = [m, str(n_cls), str(batch), f"{ref['step_seconds']:.3f} s ({EVALUATIONS[m]} x {ref['image_seconds']:.3f} s)",
                 f"{f32['text_step_seconds']:.3f} s ({text32:.1f}x)",
                 f"{b16['text_step_seconds']:.3f} s ({ref['text_seconds'] / b16['text_step_seconds']:.1f}x)" if b16 else "-",
                 ratio(ref["step_seconds"], f32["text_step_seconds"]), ratio(ref["step_seconds"], f32["step_seconds"]),
                 ratio(ref["step_seconds"], b16["step_seconds"]) if b16 else "-"]
        print("| " + " | ".join(cells) + " |")
        if m == "cocoop":
            targets.add(f"CoCoOp text step, batch {batch}, fp32", f"{text32:.1f}x", ">= 10x", text32 >= 10)
            cached = ref["step_seconds"] / f32["text_step_seconds"]
            targets.add(f"CoCoOp whole step, batch {batch}, cached features, fp32", f"{cached:.1f}x", ">= 10x", cached >= 10)
            if b16:
                cold16 = ref["step_seconds"] / b16["step_seconds"]
                targets.add(f"CoCoOp whole step, batch {batch}, cold, bf16", f"{cold16:.1f}x", ">= 10x", cold16 >= 10)
            bound = ref["step_seconds"] / f32["image_seconds"]
            targets.add(f"CoCoOp whole step, batch {batch}, cold, fp32",
                        f"{ref['step_seconds'] / f32['step_seconds']:.1f}x (at most {bound:.1f}x: promptlab's image "
                        f"pass alone is {f32['image_seconds']:.3f} s)", "none (bound by the image encoder)", None)
        else:
            targets.add(f"{m} text step, fp32", f"{text32:.1f}x", ">= 4x", text32 >= 4)
            if b16:
                text16 = ref["text_seconds"] / b16["text_step_seconds"]
                targets.add(f"{m} text step, bf16", f"{text16:.1f}x", ">= 10x", text16 >= 10)
    first = report["methods"][methods[0]]["promptlab"] if methods else None
    if first:
        f32 = first["fp32"]
        share = f32["text_gflops_per_second"] / f32["peak_gflops_per_second"]
        targets.add(f"text encoder fp32 forward + backward ({methods[0]}, {report['methods'][methods[0]]['n_cls']} prompts)",
                    f"{f32['text_gflops_per_second']:.0f} of {f32['peak_gflops_per_second']:.0f} GFLOP/s ({100 * share:.0f} %)",
                    ">= 50 % of peak", share >= 0.5)
        if "bf16" in first:
            b16 = first["bf16"]
            speed = f32["image_seconds"] / b16["image_seconds"]
            cosine = b16["image_cosine_to_fp32"]
            targets.add(f"bf16 image encoding (batch {report['methods'][methods[0]]['batch']})",
                        f"{speed:.1f}x faster, cosine {cosine:.5f}", ">= 3x, cosine >= 0.999",
                        speed >= 3 and cosine >= 0.999)
    if args.memory:
        r = promptlab_step(args, "coop", 1000, 1, "fp32", steps=1, warmup=0)
        report["memory"] = r
        targets.add("CoOp step at 1000 classes, batch 1, fp32: peak RSS", f"{r['peak_rss_mb'] / 1000:.2f} GB", "<= 6 GB",
                    r["peak_rss_mb"] <= 6000)
    if args.sweep_vocab:
        out = os.path.join(work, "sweep")
        r = run_json(["/usr/bin/python3", os.path.join(HERE, "sweep_comparison.py"), "--promptlab", args.promptlab,
                      "--vocab", args.sweep_vocab, "--out", out, "--preset", args.preset, "--threads", str(args.threads)])
        positive(r, "ratio", "sweep_comparison.py")
        report["sweep"] = r
        targets.add("4-method sweep, cold", f"{r['reference_seconds']:.1f} s against {r['promptlab_seconds']:.1f} s "
                    f"({r['ratio']:.1f}x)", ">= 4x less wall time", r["ratio"] >= 4)
    if args.embedded:
        db = os.path.join(fresh(os.path.join(work, "embedded")), "fresh.db")
        seconds = timed([[args.promptlab, "--db", db, "bench", "--methods", "zeroshot,linear-probe,coop,cocoop,sam,gcscoop",
                          "--seeds", "1,2,3"]], together=False)
        report["embedded_seconds"] = seconds
        targets.add("whole embedded comparison, cold (108 runs)", f"{seconds:.0f} s", "<= 180 s", seconds <= 180)
    if args.concurrent:
        cmds = {}
        for mode in ("together", "sequential"):
            db = os.path.join(fresh(os.path.join(work, "concurrent-" + mode)), "runs.db")
            cmds[mode] = [[args.promptlab, "--db", db, "run", "--method", "coop", "--dataset", "tiny_shapes",
                           "--seed", str(s)] for s in range(1, 5)]
        together = timed(cmds["together"], together=True)
        sequential = timed(cmds["sequential"], together=False)
        report["concurrent"] = {"together_seconds": together, "sequential_seconds": sequential}
        targets.add("4 concurrent `promptlab run` (coop, tiny_shapes, seeds 1-4)",
                    f"{together:.1f} s together, {sequential:.1f} s one after another", "no slower in total",
                    together <= sequential)

    print("\n| measure | measured | target | met |\n| --- | --- | --- | --- |")
    for row in targets.rows:
        met = "-" if row["met"] is None else ("yes" if row["met"] else "NO")
        print(f"| {row['measure']} | {row['measured']} | {row['target']} | {met} |")
    report["targets"] = targets.rows
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    if args.check and targets.missed():
        print(f"\nspeed_comparison: {len(targets.missed())} target(s) missed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
