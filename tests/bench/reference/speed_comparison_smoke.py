#!/usr/bin/env python3
"""ctest's check of speed_comparison.py: both sides at the embedded model's dimensions, one step each.

It checks the shape of what the script reports, not the ratios (the targets are about ViT-B/16 on
this machine, measured by hand; docs/speed.md): a row per method in the steps table, both precisions
of promptlab beside the reference, every target row with a measured value, and clear refusals of
bad arguments.

Usage: /usr/bin/python3 speed_comparison_smoke.py PROMPTLAB_BIN
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "speed_comparison.py")


def fail(message: str) -> None:
    print(f"speed_comparison_smoke: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    promptlab = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        done = subprocess.run(["/usr/bin/python3", SCRIPT, "--promptlab", promptlab, "--preset", "tiny",
                               "--methods", "coop,cocoop", "--n-cls", "3", "--batch", "2", "--cocoop-n-cls", "3",
                               "--cocoop-batch", "2", "--steps", "1", "--warmup", "0", "--threads", "1",
                               "--json", out], capture_output=True, text=True)
        if done.returncode != 0:
            fail(f"the comparison exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        print(done.stdout)
        report = json.load(open(out))
    table = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    for method in ("coop", "cocoop"):
        if not any(line.startswith(f"| {method} | 3 | 2 |") for line in table):
            fail(f"no steps row for {method} in:\n{done.stdout}")
        m = report["methods"][method]
        if m["reference"]["text_seconds"] <= 0 or m["reference"]["text_seconds"] >= m["reference"]["step_seconds"]:
            fail(f"{method}: the reference's text part {m['reference']} is not a positive part of its step")
        for precision in ("fp32", "bf16"):
            r = m["promptlab"][precision]
            if r["precision"] != precision or r["preset"] != "tiny" or r["n_cls"] != 3 or r["batch"] != 2:
                fail(f"{method} {precision}: bench-speed ran other settings: {r}")
    measures = [t["measure"] for t in report["targets"]]
    expected = ["coop text step, fp32", "coop text step, bf16", "CoCoOp text step, batch 2, fp32",
                "CoCoOp whole step, batch 2, cached features, fp32", "CoCoOp whole step, batch 2, cold, bf16",
                "CoCoOp whole step, batch 2, cold, fp32", "text encoder fp32 forward + backward (coop, 3 prompts)",
                "bf16 image encoding (batch 2)"]
    if measures != expected:
        fail(f"target rows {measures}, expected {expected}")
    if any(not t["measured"] for t in report["targets"]):
        fail(f"a target row has no measurement: {report['targets']}")
    for args, names in (([promptlab, "--methods", "vpt"], "'vpt'"), ([promptlab, "--precisions", "fp16"], "'fp16'"),
                        ([promptlab, "--steps", "0"], "--steps"),
                        ([promptlab, "--sweep-vocab", "x", "--preset", "tiny"], "--sweep-vocab"),
                        (["/nonexistent/promptlab"], "/nonexistent/promptlab")):
        bad = subprocess.run(["/usr/bin/python3", SCRIPT, "--promptlab"] + args, capture_output=True, text=True)
        if bad.returncode != 2 or names not in bad.stderr:
            fail(f"{args}: exit {bad.returncode}, expected 2 with an error naming {names}: {bad.stderr}")
    print("speed_comparison_smoke: the comparison's tables, JSON and refusals are as expected")


if __name__ == "__main__":
    main()
