#!/usr/bin/env python3
"""Independent CLIP ViT reference for promptlab's C++ tests.

Builds a CLIP ViT with random weights under OpenAI's state-dict key names,
written from the facts in docs/protocol.md §1 (sequence-first layout,
torch.nn.MultiheadAttention, LayerNorm computed in fp32). It saves:

  weights.pt          TorchScript archive laid out like OpenAI's release: the
                      conv/linear/attention weights and proj/text_projection in
                      fp16, the rest in fp32, plus scalar buffers
                      input_resolution, context_length and vocab_size.
  images.bin          float32 [B, 3, R, R] inputs
  tokens.bin          int64 [N, context] token ids (EOT = largest id)
  image_features.bin  float32 [B, embed] projected image features
  text_features.bin   float32 [N, embed] projected text features
  meta.json           config and shapes
  image0.png          an RGB image at the input resolution, and
  image0_features.bin its features after CLIP normalisation (for the CLI test)
  broken_*.pt         (tiny only) archives with a missing key, a wrong shape,
                      and a ResNet-style visual tower

Usage: make_reference.py --out DIR --config tiny|b16
"""
import argparse
import json
import math
import os
from collections import OrderedDict
from typing import Optional

import torch
from torch import nn

CONFIGS = {
    "tiny": dict(embed=32, resolution=32, vision_layers=2, vision_width=128, patch=8,
                 context=77, vocab=1000, text_width=64, text_layers=2,
                 text_lengths=[3, 10, 1, 20, 75], images=3),
    "b16": dict(embed=512, resolution=224, vision_layers=12, vision_width=768, patch=16,
                context=77, vocab=49408, text_width=512, text_layers=12,
                text_lengths=[5, 12], images=2),
}


class LayerNorm32(nn.Module):
    """LayerNorm evaluated in float32 whatever the input dtype."""

    def __init__(self, width: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.bias = nn.Parameter(torch.zeros(width))
        self.width = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.nn.functional.layer_norm(x.float(), [self.width], self.weight.float(),
                                           self.bias.float(), 1e-5)
        return y.to(x.dtype)


class QuickGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.attn = nn.MultiheadAttention(width, max(width // 64, 1))
        self.ln_1 = LayerNorm32(width)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(width, 4 * width)),
            ("gelu", QuickGELU()),
            ("c_proj", nn.Linear(4 * width, width)),
        ]))
        self.ln_2 = LayerNorm32(width)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + self.mlp(self.ln_2(x))


class Tower(nn.Module):
    def __init__(self, width: int, layers: int):
        super().__init__()
        self.resblocks = nn.ModuleList([Block(width) for _ in range(layers)])

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
        for blk in self.resblocks:
            x = blk(x, mask)
        return x


class Vision(nn.Module):
    def __init__(self, c):
        super().__init__()
        w = c["vision_width"]
        grid = c["resolution"] // c["patch"]
        self.conv1 = nn.Conv2d(3, w, c["patch"], stride=c["patch"], bias=False)
        self.class_embedding = nn.Parameter(torch.zeros(w))
        self.positional_embedding = nn.Parameter(torch.zeros(grid * grid + 1, w))
        self.ln_pre = LayerNorm32(w)
        self.transformer = Tower(w, c["vision_layers"])
        self.ln_post = LayerNorm32(w)
        self.proj = nn.Parameter(torch.zeros(w, c["embed"]))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.conv1(image.to(self.conv1.weight.dtype))        # [B, w, g, g]
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(2, 0, 1)  # [g*g, B, w]
        cls = self.class_embedding.to(x.dtype).reshape(1, 1, -1).expand(1, x.shape[1], -1)
        x = torch.cat([cls, x], dim=0) + self.positional_embedding.to(x.dtype).unsqueeze(1)
        x = self.ln_pre(x)
        x = self.transformer(x, None)
        return self.ln_post(x[0]) @ self.proj


class Clip(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.visual = Vision(c)
        self.transformer = Tower(c["text_width"], c["text_layers"])
        self.token_embedding = nn.Embedding(c["vocab"], c["text_width"])
        self.positional_embedding = nn.Parameter(torch.zeros(c["context"], c["text_width"]))
        self.ln_final = LayerNorm32(c["text_width"])
        self.text_projection = nn.Parameter(torch.zeros(c["text_width"], c["embed"]))
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
        self.register_buffer("input_resolution", torch.tensor(c["resolution"]))
        self.register_buffer("context_length", torch.tensor(c["context"]))
        self.register_buffer("vocab_size", torch.tensor(c["vocab"]))

    @torch.jit.export
    def encode_image(self, image: torch.Tensor) -> torch.Tensor:
        return self.visual(image)

    @torch.jit.export
    def encode_text(self, text: torch.Tensor) -> torch.Tensor:
        n = text.shape[1]
        dtype = self.text_projection.dtype
        x = self.token_embedding(text).to(dtype) + self.positional_embedding.to(dtype)
        x = x.permute(1, 0, 2)  # [L, N, w]
        mask = torch.full((n, n), float("-inf"), dtype=dtype).triu(1)
        x = self.transformer(x, mask).permute(1, 0, 2)
        x = self.ln_final(x)
        eot = text.argmax(dim=-1)
        return x[torch.arange(x.shape[0]), eot] @ self.text_projection

    def forward(self, image: torch.Tensor, text: torch.Tensor):
        return self.encode_image(image), self.encode_text(text)


def is_half_key(name: str) -> bool:
    """Keys the released archives store in fp16."""
    if name in ("visual.proj", "text_projection", "visual.conv1.weight"):
        return True
    return ".attn." in name or ".mlp." in name


def randomize(model: Clip, c) -> None:
    g = torch.Generator().manual_seed(1234)

    def normal(shape, std):
        return torch.randn(shape, generator=g) * std

    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "logit_scale":
                continue
            width = p.shape[-1]
            if ".ln_" in name or name.startswith("ln_") or name.startswith("visual.ln_"):
                if name.endswith("weight"):
                    p.copy_(1.0 + normal(p.shape, 0.1))
                else:
                    p.copy_(normal(p.shape, 0.1))
            elif name.endswith("bias"):
                p.copy_(normal(p.shape, 0.02))
            elif name == "token_embedding.weight":
                p.copy_(normal(p.shape, 0.02))
            elif name == "positional_embedding":
                p.copy_(normal(p.shape, 0.01))
            elif name == "visual.conv1.weight":
                p.copy_(normal(p.shape, (p[0].numel()) ** -0.5))
            elif name in ("visual.proj", "text_projection", "visual.class_embedding",
                          "visual.positional_embedding"):
                p.copy_(normal(p.shape, p.shape[0] ** -0.5 if p.dim() == 2 else width ** -0.5))
            else:  # attention and MLP weights
                p.copy_(normal(p.shape, p.shape[1] ** -0.5))
            if is_half_key(name):
                p.copy_(p.half().float())  # values exactly representable in fp16


def make_tokens(c) -> torch.Tensor:
    g = torch.Generator().manual_seed(99)
    sot, eot = c["vocab"] - 2, c["vocab"] - 1
    rows = []
    for n in c["text_lengths"]:
        ids = torch.randint(1, c["vocab"] - 2, (n,), generator=g).tolist()
        row = [sot] + ids + [eot]
        row += [0] * (c["context"] - len(row))
        rows.append(row)
    return torch.tensor(rows, dtype=torch.int64)


def write_png(path: str, rgb: torch.Tensor) -> None:
    """Writes an 8-bit RGB PNG ([H, W, 3] uint8) with no dependency beyond zlib."""
    import struct
    import zlib
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + bytes(rgb[y].flatten().tolist()) for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


def write_bin(path: str, t: torch.Tensor) -> None:
    with open(path, "wb") as f:
        f.write(t.contiguous().numpy().tobytes())


class Holder(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def save_state_as_script(state, path: str) -> None:
    """Saves an arbitrary state dict as a TorchScript module tree (for the broken cases)."""
    root = Holder()
    for key, value in state.items():
        parts = key.split(".")
        node = root
        for part in parts[:-1]:
            if not hasattr(node, part) or getattr(node, part) is None:
                node.add_module(part, Holder())
            node = getattr(node, part)
        node.register_parameter(parts[-1], nn.Parameter(value.clone(), requires_grad=False))
    torch.jit.script(root).save(path)


def write_broken(state, out: str) -> None:
    missing = OrderedDict((k, v) for k, v in state.items() if k != "ln_final.bias")
    save_state_as_script(missing, os.path.join(out, "broken_missing_key.pt"))
    shape = OrderedDict(state)
    shape["transformer.resblocks.1.mlp.c_fc.weight"] = torch.zeros(7, 3)
    save_state_as_script(shape, os.path.join(out, "broken_wrong_shape.pt"))
    resnet = OrderedDict((k, v) for k, v in state.items() if not k.startswith("visual."))
    resnet["visual.conv1.weight"] = torch.zeros(32, 3, 3, 3)
    resnet["visual.layer1.0.conv1.weight"] = torch.zeros(64, 32, 1, 1)
    resnet["visual.attnpool.positional_embedding"] = torch.zeros(50, 256)
    resnet["visual.attnpool.c_proj.weight"] = torch.zeros(32, 256)
    save_state_as_script(resnet, os.path.join(out, "broken_resnet.pt"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--config", choices=sorted(CONFIGS), default="tiny")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    c = CONFIGS[args.config]
    os.makedirs(args.out, exist_ok=True)

    model = Clip(c).eval()
    randomize(model, c)
    images = torch.randn(c["images"], 3, c["resolution"], c["resolution"],
                         generator=torch.Generator().manual_seed(7))
    tokens = make_tokens(c)
    with torch.no_grad():
        image_features = model.encode_image(images)
        text_features = model.encode_text(tokens)

    # An image file at exactly the input resolution: the test transform only normalises it.
    pixels = torch.randint(0, 256, (c["resolution"], c["resolution"], 3), dtype=torch.uint8,
                           generator=torch.Generator().manual_seed(11))
    write_png(os.path.join(args.out, "image0.png"), pixels)
    mean = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(3, 1, 1)
    std = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(3, 1, 1)
    png_input = ((pixels.permute(2, 0, 1).float() / 255.0 - mean) / std).unsqueeze(0)
    with torch.no_grad():
        write_bin(os.path.join(args.out, "image0_features.bin"), model.encode_image(png_input).float())

    write_bin(os.path.join(args.out, "images.bin"), images.float())
    write_bin(os.path.join(args.out, "tokens.bin"), tokens)
    write_bin(os.path.join(args.out, "image_features.bin"), image_features.float())
    write_bin(os.path.join(args.out, "text_features.bin"), text_features.float())

    state = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items()
                        if k not in ("input_resolution", "context_length", "vocab_size"))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if is_half_key(name):
                p.data = p.data.half()
    torch.jit.script(model).save(os.path.join(args.out, "weights.pt"))
    if args.config == "tiny":
        write_broken(state, args.out)

    meta = dict(config=args.config, embed=c["embed"], resolution=c["resolution"],
                vision_layers=c["vision_layers"], vision_width=c["vision_width"],
                patch=c["patch"], context=c["context"], vocab=c["vocab"],
                text_width=c["text_width"], text_layers=c["text_layers"],
                images_shape=list(images.shape), tokens_shape=list(tokens.shape),
                image_features_shape=list(image_features.shape),
                text_features_shape=list(text_features.shape),
                logit_scale=float(model.logit_scale))
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
