#!/usr/bin/env python3
"""A small sweep, timed twice: `promptlab bench` against four independent reference runs.

The sweep is coop, sam, gcscoop and cocoop x 1 seed on one small dataset (CoOp's DTD layout, 2 base
and 2 new classes), base-to-new, with the protocol's structure but a few epochs (train.views =
train.epochs, as the reference protocol has it). Both sides start cold: a fresh store and feature
cache for promptlab, fresh processes for the reference.

Each reference run is its own process, as a user of the Python reference code runs them: it loads
the archive, then per step decodes and augments the batch's images and runs the frozen image
encoder at every evaluation of the loss (twice per step for SAM and GCSAM), the text encoder at 77
tokens, and CoCoOp's per-image loop; then it encodes the base and new test images and scores them.
Its steps are those of pytorch_step.py. Class names are random token ids there (the cost does not
depend on them), so this compares wall time, not accuracy.

Writes under --out: data/ (the dataset), weights.pt (a random-weight archive in OpenAI's layout at
the preset's dimensions), promptlab.db. Prints one JSON object: promptlab_seconds, reference_seconds
(the sum of the four runs), reference_runs (each), ratio.

Usage: /usr/bin/python3 sweep_comparison.py --promptlab BIN --vocab BPE.txt.gz --out DIR
           [--preset vitb16] [--epochs 2] [--shots 4] [--test-per-class 8] [--threads 2]
The vocabulary must match the archive's token embedding: OpenAI's bpe_simple_vocab_16e6.txt.gz
(49408 tokens) for vitb16.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import time

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clip", "reference"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "cli", "reference"))
sys.path.insert(0, HERE)
import make_reference  # noqa: E402  (the independent CLIP)
import make_real_layouts  # noqa: E402  (CoOp's dataset layouts)
import pytorch_step  # noqa: E402  (the reference's prompt learner and text encoder)

PRESETS = {"vitb16": "b16"}
METHODS = ["coop", "sam", "gcscoop", "cocoop"]
BATCH = {"coop": 128, "sam": 128, "gcscoop": 128, "cocoop": 1}  # the base2new protocol's
MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(3, 1, 1)
STD = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(3, 1, 1)
DTD = [s for s in make_real_layouts.ZHOU if s[0] == "dtd"][0]


def write_inputs(args) -> None:
    make_real_layouts.TRAIN_PER_CLASS = args.shots
    make_real_layouts.VAL_PER_CLASS = 1
    make_real_layouts.TEST_PER_CLASS = args.test_per_class
    make_real_layouts.write_zhou(os.path.join(args.out, "data"), DTD, random.Random(1))
    c = make_reference.CONFIGS[PRESETS[args.preset]]
    model = make_reference.Clip(c).eval()
    make_reference.randomize(model, c)
    make_reference.save_openai_archive(model, os.path.join(args.out, "weights.pt"))


def load_image(path: str, size: int, train: bool, rng: random.Random) -> torch.Tensor:
    """Dassl's transforms: random resized crop (scale 0.08-1) and flip for training; resize and
    centre crop for testing; bicubic; CLIP's normalisation."""
    from PIL import Image
    img = Image.open(path).convert("RGB")
    w, h = img.size
    if train:
        for _ in range(10):
            area = w * h * rng.uniform(0.08, 1.0)
            ratio = math.exp(rng.uniform(math.log(3 / 4), math.log(4 / 3)))
            cw, ch = int(round(math.sqrt(area * ratio))), int(round(math.sqrt(area / ratio)))
            if 0 < cw <= w and 0 < ch <= h:
                x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
                break
        else:
            cw, ch, x, y = w, h, 0, 0
        img = img.crop((x, y, x + cw, y + ch)).resize((size, size), Image.BICUBIC)
        if rng.random() < 0.5:
            img = img.transpose(Image.FLIP_LEFT_RIGHT)
    else:
        s = size / min(w, h)
        img = img.resize((max(size, round(w * s)), max(size, round(h * s))), Image.BICUBIC)
        w, h = img.size
        img = img.crop(((w - size) // 2, (h - size) // 2, (w - size) // 2 + size, (h - size) // 2 + size))
    x = torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8).view(size, size, 3).permute(2, 0, 1)
    return (x.float() / 255 - MEAN) / STD


def reference_run(args, method: str) -> None:
    """One independent reference run; prints its wall time."""
    t0 = time.perf_counter()
    torch.set_num_threads(args.threads)
    c = make_reference.CONFIGS[PRESETS[args.preset]]
    state = torch.jit.load(os.path.join(args.out, "weights.pt"), map_location="cpu").state_dict()
    model = make_reference.Clip(c).eval()
    model.load_state_dict({k: v.float() for k, v in state.items()})
    for p in model.parameters():
        p.requires_grad_(False)
    name, folder, split_file, image_dir = DTD[:4]
    root = os.path.join(args.out, "data", folder)
    with open(os.path.join(root, split_file)) as f:
        split = json.load(f)
    n_cls = len(DTD[4])
    base = list(range((n_cls + 1) // 2))
    new = list(range(len(base), n_cls))
    rng = random.Random(1)
    train = [(os.path.join(root, image_dir, rel), label) for rel, label, _ in split["train"] if label in base]
    g = torch.Generator().manual_seed(1)
    prompts = pytorch_step.Prompts(model, len(base), c, g)
    learned = [prompts.ctx]
    meta_net = None
    if method == "cocoop":
        meta_net = nn.Sequential(nn.Linear(c["embed"], c["embed"] // 16), nn.ReLU(),
                                 nn.Linear(c["embed"] // 16, c["text_width"]))
        learned += list(meta_net.parameters())
    optimiser = torch.optim.SGD(learned, lr=0.002, momentum=0.9, weight_decay=5e-4)
    scale = 1 / 0.07
    norm = pytorch_step.normalise

    def evaluate(images, labels):
        optimiser.zero_grad()
        image_features = norm(model.encode_image(images))
        if meta_net is None:
            logits = scale * image_features @ norm(pytorch_step.encode_text(model, prompts(), prompts.eot)).t()
        else:
            logits = torch.stack([scale * norm(pytorch_step.encode_text(model, prompts(meta_net(f)), prompts.eot)) @ f
                                  for f in image_features])
        nn.functional.cross_entropy(logits, labels).backward()

    for _ in range(args.epochs):
        rng.shuffle(train)
        for b in range(0, len(train), BATCH[method]):
            batch = train[b:b + BATCH[method]]
            images = torch.stack([load_image(p, c["resolution"], True, rng) for p, _ in batch])
            labels = torch.tensor([label for _, label in batch])
            evaluate(images, labels)
            if pytorch_step.EVALUATIONS[method] == 2:
                with torch.no_grad():
                    total = torch.sqrt(sum((p.grad ** 2).sum() for p in learned)) + 1e-12
                    eps = [0.05 * p.grad / total for p in learned]
                    for p, e in zip(learned, eps):
                        p.add_(e)
                evaluate(images, labels)
                with torch.no_grad():
                    for p, e in zip(learned, eps):
                        p.sub_(e)
            optimiser.step()

    with torch.no_grad():
        for classes in (base, new):
            test = [(os.path.join(root, image_dir, rel), classes.index(label))
                    for rel, label, _ in split["test"] if label in classes]
            features = []
            for b in range(0, len(test), 100):
                images = torch.stack([load_image(p, c["resolution"], False, rng) for p, _ in test[b:b + 100]])
                features.append(norm(model.encode_image(images)))
            features = torch.cat(features)
            class_prompts = pytorch_step.Prompts(model, len(classes), c, g)
            if meta_net is None:
                logits = features @ norm(pytorch_step.encode_text(model, class_prompts(), class_prompts.eot)).t()
            else:
                logits = torch.stack([norm(pytorch_step.encode_text(model, class_prompts(meta_net(f)), class_prompts.eot)) @ f
                                      for f in features])
            (logits.argmax(-1) == torch.tensor([label for _, label in test])).float().mean()
    print(json.dumps({"method": method, "seconds": time.perf_counter() - t0}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--promptlab")
    ap.add_argument("--vocab")
    ap.add_argument("--out", required=True)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="vitb16")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--shots", type=int, default=4)
    ap.add_argument("--test-per-class", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reference-run", choices=METHODS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.reference_run:
        reference_run(args, args.reference_run)
        return
    if not args.promptlab or not args.vocab:
        ap.error("--promptlab and --vocab are required")
    os.makedirs(args.out, exist_ok=True)
    if not os.path.exists(os.path.join(args.out, "weights.pt")):
        write_inputs(args)
    db = os.path.join(args.out, "promptlab.db")
    for leftover in (db, db + ".d"):
        subprocess.run(["rm", "-rf", leftover], check=True)
    t0 = time.perf_counter()
    subprocess.run([args.promptlab, "--threads", str(args.threads), "bench", "--methods", ",".join(METHODS),
                    "--seeds", "1", "--datasets", "dtd", "--protocol", "base2new",
                    "--weights", os.path.join(args.out, "weights.pt"), "--vocab", args.vocab,
                    "--data-root", os.path.join(args.out, "data"), "--set", f"train.epochs={args.epochs}",
                    "--set", f"train.views={args.epochs}", "--set", f"data.shots={args.shots}", "--db", db],
                   check=True, stdout=subprocess.DEVNULL)
    promptlab_seconds = time.perf_counter() - t0
    runs = {}
    for method in METHODS:
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--out", args.out, "--preset", args.preset,
                              "--epochs", str(args.epochs), "--threads", str(args.threads), "--reference-run", method],
                             check=True, capture_output=True, text=True).stdout
        runs[method] = json.loads(out.strip().splitlines()[-1])["seconds"]
    reference_seconds = sum(runs.values())
    print(json.dumps({"preset": args.preset, "epochs": args.epochs, "shots": args.shots,
                      "test_per_class": args.test_per_class, "threads": args.threads,
                      "promptlab_seconds": promptlab_seconds, "reference_seconds": reference_seconds,
                      "reference_runs": runs, "ratio": reference_seconds / promptlab_seconds}))


if __name__ == "__main__":
    main()
