#!/usr/bin/env python3
"""The reference's training step in plain PyTorch, timed as `promptlab bench-speed` times promptlab's.

What the Python reference code (CoOp/Dassl, and the SAM and GCSCoOp forks) does in one step, here in
fp32 on CPU:
  - the frozen image encoder on the batch, at every evaluation of the loss (no feature cache);
  - the text encoder on every class's prompt at the full context length (77 tokens; no truncation
    after the end-of-text token);
  - cross-entropy, backward into the learned context, SGD with momentum and weight decay.
The SAM-family rules (sam, gcscoop) evaluate the loss twice per step. CoCoOp runs its meta-net and
text encoder once per image (the reference's loop).

The model is the independent CLIP of tests/clip/reference/make_reference.py with random weights; the
images and class names are random too (speed does not depend on them). Prints one JSON object with
the medians of the timed steps:
  step_seconds   a whole step, as the reference runs it
  image_seconds  one forward pass of the image encoder on the batch (within step_seconds, once per evaluation)

Usage: /usr/bin/python3 pytorch_step.py --method coop|sam|gcscoop|cocoop --preset vitb16|tiny|small
                                        --n-cls N --batch B [--steps S] [--warmup W] [--threads T]
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clip", "reference"))
import make_reference  # noqa: E402

PRESETS = {"vitb16": "b16", "small": "tiny"}  # make_reference's configs
EMBEDDED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "assets", "embedded", "tiny_clip.pt")


def preset_config(name: str) -> dict:
    """make_reference's dimensions for a preset. "tiny" is bench-speed's: the embedded model's, read from its archive."""
    if name != "tiny":
        return make_reference.CONFIGS[PRESETS[name]]
    c = torch.load(EMBEDDED)["config"]
    return dict(embed=c["embed_dim"], resolution=c["image_resolution"], vision_layers=c["vision_layers"],
                vision_width=c["vision_width"], patch=c["vision_patch"], context=c["context_length"],
                vocab=c["vocab_size"], text_width=c["text_width"], text_layers=c["text_layers"])


EVALUATIONS = {"coop": 1, "cocoop": 1, "sam": 2, "gcscoop": 2}
N_CTX = 4  # "a photo of a", the base-to-new protocol's context


class Prompts(nn.Module):
    """CoOp's prompt learner: [SOT, ctx, class-name tokens, '.', EOT, padding], ctx learned."""

    def __init__(self, model, n_cls: int, c, g: torch.Generator):
        super().__init__()
        width, length, vocab = c["text_width"], c["context"], c["vocab"]
        ids = torch.zeros(n_cls, length, dtype=torch.long)
        self.eot = torch.empty(n_cls, dtype=torch.long)
        for i in range(n_cls):
            name = torch.randint(1, vocab - 2, (2 + i % 3,), generator=g)  # a 2-4 token class name
            row = [vocab - 2] + [1] * N_CTX + name.tolist() + [5, vocab - 1]
            ids[i, :len(row)] = torch.tensor(row)
            self.eot[i] = len(row) - 1
        with torch.no_grad():
            embedded = model.token_embedding(ids)
        self.register_buffer("prefix", embedded[:, :1])
        self.register_buffer("suffix", embedded[:, 1 + N_CTX:])
        self.ctx = nn.Parameter(torch.randn(N_CTX, width, generator=g) * 0.02)

    def forward(self, shift=None):
        ctx = self.ctx if shift is None else self.ctx + shift
        ctx = ctx.unsqueeze(0).expand(self.prefix.shape[0], -1, -1)
        return torch.cat([self.prefix, ctx, self.suffix], dim=1)


def encode_text(model, prompts: torch.Tensor, eot: torch.Tensor) -> torch.Tensor:
    x = (prompts + model.positional_embedding).permute(1, 0, 2)
    n = x.shape[0]
    mask = torch.full((n, n), float("-inf")).triu(1)
    x = model.ln_final(model.transformer(x, mask).permute(1, 0, 2))
    return x[torch.arange(x.shape[0]), eot] @ model.text_projection


def normalise(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--method", choices=sorted(EVALUATIONS), default="coop")
    ap.add_argument("--preset", choices=sorted(PRESETS) + ["tiny"], default="vitb16")
    ap.add_argument("--n-cls", type=int, default=100)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    for name in ("n_cls", "batch", "steps"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    torch.set_num_threads(args.threads)
    c = preset_config(args.preset)
    g = torch.Generator().manual_seed(1)
    model = make_reference.Clip(c).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    prompts = Prompts(model, args.n_cls, c, g)
    learned = [prompts.ctx]
    meta_net = None
    if args.method == "cocoop":
        meta_net = nn.Sequential(nn.Linear(c["embed"], c["embed"] // 16), nn.ReLU(), nn.Linear(c["embed"] // 16, c["text_width"]))
        learned += list(meta_net.parameters())
    optimiser = torch.optim.SGD(learned, lr=0.002, momentum=0.9, weight_decay=5e-4)
    images = torch.randn(args.batch, 3, c["resolution"], c["resolution"], generator=g)
    labels = torch.randint(0, args.n_cls, (args.batch,), generator=g)
    scale = math.exp(math.log(1 / 0.07))

    def evaluate() -> float:
        optimiser.zero_grad()
        image_features = normalise(model.encode_image(images))  # frozen: no graph is recorded
        if meta_net is None:
            text = normalise(encode_text(model, prompts(), prompts.eot))
            logits = scale * image_features @ text.t()
        else:
            rows = []
            for i in range(args.batch):
                text = normalise(encode_text(model, prompts(meta_net(image_features[i])), prompts.eot))
                rows.append(scale * text @ image_features[i])
            logits = torch.stack(rows)
        loss = nn.functional.cross_entropy(logits, labels)
        loss.backward()
        return loss.item()

    def step() -> None:
        evaluate()
        if EVALUATIONS[args.method] == 2:  # SAM's ascent, second gradient, restore (GCSAM adds only cheap vector work)
            with torch.no_grad():
                norm = torch.sqrt(sum((p.grad ** 2).sum() for p in learned)) + 1e-12
                eps = [0.1 * p.grad / norm for p in learned]
                for p, e in zip(learned, eps):
                    p.add_(e)
            evaluate()
            with torch.no_grad():
                for p, e in zip(learned, eps):
                    p.sub_(e)
        optimiser.step()

    step_times, image_times = [], []
    for s in range(args.warmup + args.steps):
        t0 = time.perf_counter()
        with torch.no_grad():
            model.encode_image(images)
        t1 = time.perf_counter()
        step()
        t2 = time.perf_counter()
        if s >= args.warmup:
            image_times.append(t1 - t0)
            step_times.append(t2 - t1)
    print(json.dumps({"method": args.method, "preset": args.preset, "n_cls": args.n_cls, "batch": args.batch,
                      "steps": args.steps, "threads": args.threads, "evaluations": EVALUATIONS[args.method],
                      "torch": torch.__version__, "image_seconds": statistics.median(image_times),
                      "step_seconds": statistics.median(step_times)}))


if __name__ == "__main__":
    main()
