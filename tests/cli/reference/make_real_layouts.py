#!/usr/bin/env python3
"""Small real-path fixtures for promptlab's end-to-end tests.

Writes, under --out:

  data/            the eleven reference datasets in CoOp's folder layouts
                   (split_zhou_*.json files, ImageNet class folders with
                   classnames.txt, FGVCAircraft's variant files) and the four
                   test-only ImageNet variants (ImageNet-V2 by class index,
                   -Sketch, -A and -R by wnid; -A and -R with 2 of the 4
                   classes, and no classnames.txt of their own), a few images
                   per class in mixed encodings: RGB, grayscale and CMYK JPEGs,
                   RGBA PNGs, non-square sizes, and one corrupt JPEG in
                   oxford_pets' training split;
  weights.pt       a TorchScript archive in OpenAI's layout (ViT, random weights,
                   tiny dimensions), fp16 where the release stores fp16;
  weights_rn.pt    the same for OpenAI's ResNet image tower (RN50's layout);
  bpe_vocab.txt.gz a byte-level BPE merges file in OpenAI's format (header line,
                   then one merge per line) whose vocabulary size matches the
                   archive's token embedding;
  layouts.json     per dataset: its folder, class names, and what was written.

Images carry a class colour plus noise, so that a trained prompt has something
to find; the tests only rely on the pipeline, not on accuracy.

Usage: make_real_layouts.py --out DIR
"""
import argparse
import gzip
import json
import os
import random
import sys
from collections import OrderedDict

import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clip", "reference"))
import make_reference  # noqa: E402  (the independent CLIP ViT in OpenAI's key layout)

CLASSES = 4          # per dataset: 2 base + 2 new
TRAIN_PER_CLASS = 4
VAL_PER_CLASS = 1
TEST_PER_CLASS = 2

TEMPLATE_WORDS = "a photo of the type pet flower food aircraft texture centered satellite person doing".split()


def class_colour(label: int):
    palette = [(200, 40, 40), (40, 160, 60), (50, 70, 210), (220, 200, 40), (150, 60, 170), (30, 180, 190)]
    return palette[label % len(palette)]


def make_image(label: int, index: int, rng: random.Random) -> Image.Image:
    """A non-square RGB picture: the class colour, a lighter square and noise."""
    w, h = rng.choice([(40, 28), (28, 44), (36, 36), (50, 32)])
    base = class_colour(label)
    img = Image.new("RGB", (w, h), base)
    px = img.load()
    for y in range(h):
        for x in range(w):
            n = rng.randint(-25, 25)
            r, g, b = base
            if w // 4 <= x < w // 2 and h // 4 <= y < h // 2:
                r, g, b = min(255, r + 40), min(255, g + 40), min(255, b + 40)
            px[x, y] = (max(0, min(255, r + n)), max(0, min(255, g + n)), max(0, min(255, b + n)))
    return img


def save_image(img: Image.Image, path: str, encoding: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if encoding == "gray":
        img.convert("L").save(path, "JPEG", quality=90)
    elif encoding == "cmyk":
        img.convert("CMYK").save(path, "JPEG", quality=90)
    elif encoding == "png":
        img.convert("RGBA").save(path, "PNG")
    elif encoding == "corrupt":
        with open(path, "wb") as f:
            f.write(b"\xff\xd8\xff\xe0 this is not a JPEG stream, only its first bytes")
    else:
        img.save(path, "JPEG", quality=90)


# Per dataset: (registry name, folder, split file, image folder, class names, extra encodings).
ZHOU = [
    ("caltech101", "caltech-101", "split_zhou_Caltech101.json", "101_ObjectCategories",
     ["accordion", "airplane", "anchor", "ant"], "gray"),
    ("oxford_pets", "oxford_pets", "split_zhou_OxfordPets.json", "images",
     ["abyssinian", "american_bulldog", "beagle", "bengal"], "corrupt"),
    ("stanford_cars", "stanford_cars", "split_zhou_StanfordCars.json", "",
     ["2000 AM General Hummer SUV", "2012 Acura RL Sedan", "2012 Audi R8 Coupe", "2012 BMW M3 Coupe"], "cmyk"),
    ("oxford_flowers", "oxford_flowers", "split_zhou_OxfordFlowers.json", "jpg",
     ["pink primrose", "hard-leaved pocket orchid", "canterbury bells", "sweet pea"], "png"),
    ("food101", "food-101", "split_zhou_Food101.json", "images",
     ["apple_pie", "baby_back_ribs", "baklava", "beef_carpaccio"], "cmyk"),
    ("sun397", "sun397", "split_zhou_SUN397.json", "SUN397",
     ["abbey", "airplane cabin", "airport terminal", "alley"], "png"),
    ("dtd", "dtd", "split_zhou_DescribableTextures.json", "images",
     ["banded", "blotchy", "braided", "bubbly"], "gray"),
    ("eurosat", "eurosat", "split_zhou_EuroSAT.json", "2750",
     ["Annual Crop Land", "Forest", "Herbaceous Vegetation Land", "Highway or Road"], "png"),
    ("ucf101", "ucf101", "split_zhou_UCF101.json", "UCF-101-midframes",
     ["Apply_Eye_Makeup", "Apply_Lipstick", "Archery", "Baby_Crawling"], "gray"),
]


def relpath_for(name: str, classname: str, split: str, index: int, ext: str) -> str:
    slug = classname.replace(" ", "_")
    if name == "stanford_cars":
        return f"cars_{'test' if split == 'test' else 'train'}/{slug}_{split}_{index:05d}.{ext}"
    if name == "oxford_pets":
        return f"{slug}_{split}_{index}.{ext}"
    if name == "oxford_flowers":
        return f"image_{slug}_{split}_{index:05d}.{ext}"
    if name == "sun397":
        return f"{slug[0]}/{slug}/sun_{split}_{index}.{ext}"
    return f"{slug}/{slug}_{split}_{index:04d}.{ext}"


def encoding_for(extra: str, split: str, label: int, index: int) -> str:
    """Mostly RGB JPEGs; the dataset's extra encoding on a few items (the corrupt one only once)."""
    if extra == "corrupt":
        return "corrupt" if (split, label, index) == ("train", 0, 0) else "rgb"
    return extra if index % 2 == 0 else "rgb"


def write_zhou(root: str, spec, rng: random.Random) -> dict:
    name, folder, split_file, image_dir, classes, extra = spec
    base = os.path.join(root, folder)
    images = os.path.join(base, image_dir) if image_dir else base
    split = {"train": [], "val": [], "test": []}
    counts = {"train": TRAIN_PER_CLASS, "val": VAL_PER_CLASS, "test": TEST_PER_CLASS}
    written = []
    for label, classname in enumerate(classes):
        for s, n in counts.items():
            for i in range(n):
                enc = encoding_for(extra, s, label, i)
                ext = "png" if enc == "png" else "jpg"
                rel = relpath_for(name, classname, s, i, ext)
                save_image(make_image(label, i, rng), os.path.join(images, rel), enc)
                split[s].append([rel, label, classname])
                written.append(enc)
    with open(os.path.join(base, split_file), "w") as f:
        json.dump(split, f)
    return {"folder": folder, "classes": [c.replace("_", " ") for c in classes], "encodings": sorted(set(written))}


def write_imagenet(root: str, rng: random.Random) -> dict:
    base = os.path.join(root, "imagenet")
    wnids, names = IMAGENET_WNIDS, IMAGENET_NAMES
    os.makedirs(base, exist_ok=True)
    with open(os.path.join(base, "classnames.txt"), "w") as f:
        for w, n in zip(wnids, names):
            f.write(f"{w} {n}\n")
    for label, wnid in enumerate(wnids):
        for i in range(TRAIN_PER_CLASS + VAL_PER_CLASS):  # our val is held out of train
            enc = "cmyk" if i == 1 else "rgb"
            save_image(make_image(label, i, rng),
                       os.path.join(base, "images", "train", wnid, f"{wnid}_{i}.JPEG"), enc)
        for i in range(TEST_PER_CLASS):
            save_image(make_image(label, i, rng),
                       os.path.join(base, "images", "val", wnid, f"ILSVRC2012_val_{label}{i:07d}.JPEG"), "rgb")
    return {"folder": "imagenet", "classes": names, "encodings": ["cmyk", "rgb"]}


IMAGENET_WNIDS = ["n01440764", "n01443537", "n01484850", "n01491361"]
IMAGENET_NAMES = ["tench", "goldfish", "great white shark", "tiger shark"]


def write_imagenet_variants(root: str, rng: random.Random) -> dict:
    """ImageNet-V2 (<class index>/), -Sketch (<wnid>/), -A and -R (<wnid>/ for classes 1 and 3 only)."""
    out = {}
    variants = [
        ("imagenet_v2", "imagenetv2", "imagenetv2-matched-frequency-format-val", True, [0, 1, 2, 3], True),
        ("imagenet_sketch", "imagenet-sketch", "images", False, [0, 1, 2, 3], True),
        ("imagenet_a", "imagenet-adversarial", "imagenet-a", False, [1, 3], False),
        ("imagenet_r", "imagenet-rendition", "imagenet-r", False, [1, 3], False),
    ]
    for name, folder, image_dir, by_index, labels, own_list in variants:
        base = os.path.join(root, folder)
        os.makedirs(os.path.join(base, image_dir), exist_ok=True)
        if own_list:  # CoOp's instructions copy ImageNet's class list next to the images
            with open(os.path.join(base, "classnames.txt"), "w") as f:
                for w, n in zip(IMAGENET_WNIDS, IMAGENET_NAMES):
                    f.write(f"{w} {n}\n")
        else:
            with open(os.path.join(base, image_dir, "README.txt"), "w") as f:
                f.write("not a class folder\n")
        for label in labels:
            sub = str(label) if by_index else IMAGENET_WNIDS[label]
            for i in range(TEST_PER_CLASS):
                enc = "gray" if name == "imagenet_sketch" else "rgb"
                ext = "jpeg" if by_index else "JPEG"
                save_image(make_image(label, i, rng), os.path.join(base, image_dir, sub, f"{name}_{i}.{ext}"), enc)
        out[name] = {"folder": folder, "classes": [IMAGENET_NAMES[k] for k in labels], "encodings": ["rgb"]}
    return out


def write_fgvc(root: str, rng: random.Random) -> dict:
    base = os.path.join(root, "fgvc_aircraft")
    variants = ["707-320", "727-200", "737-200", "A300B4"]
    os.makedirs(os.path.join(base, "images"), exist_ok=True)
    with open(os.path.join(base, "variants.txt"), "w") as f:
        f.write("\n".join(variants) + "\n")
    counts = {"train": TRAIN_PER_CLASS, "val": VAL_PER_CLASS, "test": TEST_PER_CLASS}
    next_id = 1000000
    for s, n in counts.items():
        lines = []
        for label, v in enumerate(variants):
            for i in range(n):
                image_id = f"{next_id:07d}"
                next_id += 1
                save_image(make_image(label, i, rng), os.path.join(base, "images", image_id + ".jpg"),
                           "gray" if i == 0 else "rgb")
                lines.append(f"{image_id} {v}")
        with open(os.path.join(base, f"images_variant_{s}.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
    return {"folder": "fgvc_aircraft", "classes": variants, "encodings": ["gray", "rgb"]}


def words_of(text: str):
    out = []
    for w in text.lower().replace(",", " ").replace(".", " ").replace("_", " ").split():
        if w.isalpha() and w not in out:
            out.append(w)
    return out


def make_merges(words):
    """Left-to-right merges that make each word one token: (c1, c2), (c1c2, c3), ..., (c1..cn-1, cn</w>)."""
    merges, seen = [], set()
    for w in words:
        if len(w) < 2:
            continue
        left = w[0]
        for k in range(1, len(w)):
            right = w[k] + ("</w>" if k == len(w) - 1 else "")
            pair = (left, right)
            if pair not in seen:
                seen.add(pair)
                merges.append(pair)
            left = left + right
    return merges


def write_vocab(path: str, merges) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")


def write_weights(path: str, c: dict) -> dict:
    model = make_reference.Clip(c).eval()
    make_reference.randomize(model, c)
    make_reference.save_openai_archive(model, path)
    return c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    rng = random.Random(20261202)
    data = os.path.join(args.out, "data")
    os.makedirs(data, exist_ok=True)
    layouts = OrderedDict()
    layouts["imagenet"] = write_imagenet(data, rng)
    for spec in ZHOU:
        layouts[spec[0]] = write_zhou(data, spec, rng)
    layouts["fgvc_aircraft"] = write_fgvc(data, rng)
    layouts.update(write_imagenet_variants(data, rng))

    words = list(TEMPLATE_WORDS)
    for info in layouts.values():
        for c in info["classes"]:
            words += [w for w in words_of(c) if w not in words]
    merges = make_merges(words)
    write_vocab(os.path.join(args.out, "bpe_vocab.txt.gz"), merges)
    vocab = 512 + len(merges) + 2
    text = dict(context=77, vocab=vocab, text_width=64, text_layers=2)
    model = write_weights(os.path.join(args.out, "weights.pt"),
                          dict(embed=32, resolution=32, vision_layers=2, vision_width=64, patch=8, **text))
    write_weights(os.path.join(args.out, "weights_rn.pt"),
                  dict(embed=32, resolution=64, resnet_layers=[1, 1, 1, 1], vision_width=16, **text))
    with open(os.path.join(args.out, "layouts.json"), "w") as f:
        json.dump({"datasets": layouts, "model": model, "merges": len(merges)}, f, indent=1)


if __name__ == "__main__":
    main()
