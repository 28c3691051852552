#!/usr/bin/env python3
"""Writes the smallest valid OpenAI-layout CLIP archive the clip_weights fuzzer starts from.

A TorchScript archive of the independent reference CLIP (tests/clip/reference/make_reference.py)
at the least dimensions it allows (one 64-wide layer per tower: the reference has width / 64
attention heads), with OpenAI's fp16 layout. The result is kept in
tests/fuzz/regressions/clip_weights/ as an accepted input, so the fuzzer mutates a real archive
from its first run and the regression test checks that such an archive still loads.

Usage: /usr/bin/python3 make_clip_weights_seed.py OUT.pt
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clip", "reference"))
import make_reference  # noqa: E402

TINIEST = dict(embed=8, resolution=8, vision_layers=1, vision_width=64, patch=8,
               context=4, vocab=8, text_width=64, text_layers=1)


def main() -> None:
    torch.manual_seed(1)
    model = make_reference.Clip(TINIEST).eval()
    make_reference.randomize(model, TINIEST)
    make_reference.save_openai_archive(model, sys.argv[1])


if __name__ == "__main__":
    main()
