#!/usr/bin/env python3
"""Independent CLIP reference (ViT and ResNet image towers) for promptlab's C++ tests.

Builds a CLIP with random weights under OpenAI's state-dict key names, written
from the facts in docs/protocol.md §1 and the ResNet facts below
(sequence-first layout, torch.nn.MultiheadAttention, LayerNorm computed in
fp32). It saves:

  weights.pt          TorchScript archive laid out like OpenAI's release: the
                      conv/linear/attention weights and proj/text_projection in
                      fp16, the rest (LayerNorm, BatchNorm and its running
                      statistics, embeddings) in fp32, plus scalar buffers
                      input_resolution, context_length and vocab_size.
  images.bin          float32 [B, 3, R, R] inputs
  tokens.bin          int64 [N, context] token ids (EOT = largest id)
  image_features.bin  float32 [B, embed] projected image features
  text_features.bin   float32 [N, embed] projected text features
  meta.json           config and shapes
  image0.png          (configs with png) an RGB image at the input resolution,
  image0_features.bin and its features after CLIP normalisation (for the CLI tests)
  broken_*.pt         (tiny: a missing key, a wrong shape; rn_tiny: a ResNet
                      archive without visual.attnpool.k_proj.weight)

The ResNet tower (OpenAI's modified ResNet, state-dict prefix visual.): a stem
of three 3x3 convs with BatchNorm + ReLU (3 -> width/2 stride 2, width/2 ->
width/2, width/2 -> width), a 2x2 average pool, four stages layer1..layer4 of
Bottleneck blocks (planes = width * 2^i, stride 2 on the first block of stages
2-4, downsampling by average pooling before conv3 and on the skip path), then
an attention pool where only the mean token queries.

Usage: make_reference.py --out DIR --config tiny|b16|b32|l14|l14_336|rn_tiny|rn50
"""
import argparse
import json
import math
import os
from collections import OrderedDict
from typing import Optional

import torch
from torch import nn

# ViT configs give patch and vision_layers; ResNet configs give resnet_layers (per stage).
CONFIGS = {
    "tiny": dict(embed=32, resolution=32, vision_layers=2, vision_width=128, patch=8,
                 context=77, vocab=1000, text_width=64, text_layers=2,
                 text_lengths=[3, 10, 1, 20, 75], images=3, png=True),
    "b16": dict(embed=512, resolution=224, vision_layers=12, vision_width=768, patch=16,
                context=77, vocab=49408, text_width=512, text_layers=12,
                text_lengths=[5, 12], images=2),
    "b32": dict(embed=512, resolution=224, vision_layers=12, vision_width=768, patch=32,
                context=77, vocab=49408, text_width=512, text_layers=12,
                text_lengths=[5, 12], images=2),
    "l14": dict(embed=768, resolution=224, vision_layers=24, vision_width=1024, patch=14,
                context=77, vocab=49408, text_width=768, text_layers=12,
                text_lengths=[7], images=1),
    "l14_336": dict(embed=768, resolution=336, vision_layers=24, vision_width=1024, patch=14,
                    context=77, vocab=49408, text_width=768, text_layers=12,
                    text_lengths=[7], images=1),
    "rn_tiny": dict(embed=32, resolution=64, resnet_layers=[1, 2, 1, 1], vision_width=16,
                    context=77, vocab=1000, text_width=64, text_layers=2,
                    text_lengths=[3, 10, 1], images=3, png=True),
    "rn50": dict(embed=1024, resolution=224, resnet_layers=[3, 4, 6, 3], vision_width=64,
                 context=77, vocab=49408, text_width=512, text_layers=12,
                 text_lengths=[5, 12], images=2, png=True),
}


def is_resnet(c) -> bool:
    return "resnet_layers" in c


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


def vpt_deep_image_features(visual: Vision, image: torch.Tensor, prompts: torch.Tensor) -> torch.Tensor:
    """Visual prompt tuning, deep: prompts [depth, n, w]. Layer 0's prompts join the class and patch
    tokens before ln_pre; before block i (1 <= i < depth) layer i's prompts take their place."""
    x = visual.conv1(image.to(visual.conv1.weight.dtype))
    x = x.reshape(x.shape[0], x.shape[1], -1).permute(2, 0, 1)  # [g*g, B, w]
    batch = x.shape[1]
    cls = visual.class_embedding.to(x.dtype).reshape(1, 1, -1).expand(1, batch, -1)
    x = torch.cat([cls, x], dim=0) + visual.positional_embedding.to(x.dtype).unsqueeze(1)
    kept = x.shape[0]
    layer_prompts = [p.to(x.dtype).unsqueeze(1).expand(-1, batch, -1) for p in prompts]
    x = visual.ln_pre(torch.cat([x, layer_prompts[0]], dim=0))
    for i, block in enumerate(visual.transformer.resblocks):
        if 1 <= i < len(layer_prompts):
            x = torch.cat([x[:kept], layer_prompts[i]], dim=0)
        x = block(x, None)
    return visual.ln_post(x[0]) @ visual.proj


def deep_text_features(model: "Clip", text: torch.Tensor, prompts: torch.Tensor) -> torch.Tensor:
    """Deep language prompts (IVLP, MaPLe, PromptSRC's text side): prompts [depth, n, w]. Layer 0's
    prompts take the place of the n token embeddings after SOS, before the positional embedding is
    added; before block i (1 <= i < depth) layer i's prompts take the place of those n states."""
    dtype = model.text_projection.dtype
    batch, length = text.shape
    k = prompts.shape[1]
    layer_prompts = [p.to(dtype).unsqueeze(1).expand(-1, batch, -1) for p in prompts]  # [n, N, w]
    x = model.token_embedding(text).to(dtype).permute(1, 0, 2)  # [L, N, w]
    x = torch.cat([x[:1], layer_prompts[0], x[1 + k:]], dim=0) + model.positional_embedding.to(dtype).unsqueeze(1)
    mask = torch.full((length, length), float("-inf"), dtype=dtype).triu(1)
    for i, block in enumerate(model.transformer.resblocks):
        if 1 <= i < len(layer_prompts):
            x = torch.cat([x[:1], layer_prompts[i], x[1 + k:]], dim=0)
        x = block(x, mask)
    x = model.ln_final(x.permute(1, 0, 2))
    return x[torch.arange(batch), text.argmax(dim=-1)] @ model.text_projection


def batch_norm(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=1e-5)


class Bottleneck(nn.Module):
    """Bottleneck block, expansion 4; downsampling by average pooling, not strided convs."""

    def __init__(self, cin: int, planes: int, stride: int):
        super().__init__()
        cout = 4 * planes
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = batch_norm(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = batch_norm(planes)
        self.shrink = nn.AvgPool2d(stride) if stride > 1 else nn.Identity()
        self.conv3 = nn.Conv2d(planes, cout, 1, bias=False)
        self.bn3 = batch_norm(cout)
        if stride > 1 or cin != cout:
            self.downsample = nn.Sequential(OrderedDict([
                ("0", nn.AvgPool2d(stride)),
                ("1", nn.Conv2d(cin, cout, 1, bias=False)),
                ("2", batch_norm(cout)),
            ]))
        else:
            self.downsample = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn1(self.conv1(x)))
        y = torch.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(self.shrink(y)))
        return torch.relu(y + self.downsample(x))


class AttentionPool(nn.Module):
    """Mean token (plus positions) attends over [mean; every position]; written with einsum."""

    def __init__(self, grid: int, width: int, embed: int):
        super().__init__()
        self.positional_embedding = nn.Parameter(torch.zeros(grid * grid + 1, width))
        self.k_proj = nn.Linear(width, width)
        self.q_proj = nn.Linear(width, width)
        self.v_proj = nn.Linear(width, width)
        self.c_proj = nn.Linear(width, embed)
        self.heads = width // 64

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, ch = x.shape[0], x.shape[1]
        seq = x.flatten(2).permute(2, 0, 1)                          # [HW, B, C]
        seq = torch.cat([seq.mean(dim=0, keepdim=True), seq], dim=0)
        seq = seq + self.positional_embedding.unsqueeze(1).to(seq.dtype)
        hd = ch // self.heads
        q = self.q_proj(seq[0]).reshape(b, self.heads, hd)
        k = self.k_proj(seq).reshape(seq.shape[0], b, self.heads, hd)
        v = self.v_proj(seq).reshape(seq.shape[0], b, self.heads, hd)
        weights = torch.softmax(torch.einsum("bhd,lbhd->bhl", q, k) / math.sqrt(hd), dim=-1)
        pooled = torch.einsum("bhl,lbhd->bhd", weights, v).reshape(b, ch)
        return self.c_proj(pooled)


class ResNetVision(nn.Module):
    def __init__(self, c):
        super().__init__()
        w = c["vision_width"]
        self.conv1 = nn.Conv2d(3, w // 2, 3, stride=2, padding=1, bias=False)
        self.bn1 = batch_norm(w // 2)
        self.conv2 = nn.Conv2d(w // 2, w // 2, 3, padding=1, bias=False)
        self.bn2 = batch_norm(w // 2)
        self.conv3 = nn.Conv2d(w // 2, w, 3, padding=1, bias=False)
        self.bn3 = batch_norm(w)
        self.stem_pool = nn.AvgPool2d(2)
        cin = w
        stages = []
        for i, n in enumerate(c["resnet_layers"]):
            planes = w * 2 ** i
            blocks = []
            for j in range(n):
                blocks.append(Bottleneck(cin, planes, 2 if (i > 0 and j == 0) else 1))
                cin = 4 * planes
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.attnpool = AttentionPool(c["resolution"] // 32, cin, c["embed"])

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = image.to(self.conv1.weight.dtype)
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.bn2(self.conv2(x)))
        x = torch.relu(self.bn3(self.conv3(x)))
        x = self.stem_pool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.attnpool(x)


class Clip(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.visual = ResNetVision(c) if is_resnet(c) else Vision(c)
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


def is_half_key(name: str, p: torch.Tensor) -> bool:
    """Keys the released archives store in fp16: convolutions, linear layers, projections."""
    if name in ("visual.proj", "text_projection") or p.dim() == 4:
        return True
    if name.startswith("visual.attnpool.") and "_proj." in name:
        return True
    return ".attn." in name or ".mlp." in name


def randomize_resnet(visual: ResNetVision, g: torch.Generator) -> None:
    """Realistic scales: He-normal convs, BatchNorms with random affine parameters and
    running statistics (the last BatchNorm of each block smaller, as in trained models)."""

    def normal(shape, std):
        return torch.randn(shape, generator=g) * std

    def uniform(shape, lo, hi):
        return lo + torch.rand(shape, generator=g) * (hi - lo)

    for name, m in visual.named_modules():
        if isinstance(m, nn.Conv2d):
            m.weight.copy_(normal(m.weight.shape, (2.0 / m.weight[0].numel()) ** 0.5))
        elif isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            scale = (0.2, 0.5) if name.endswith("bn3") and name.startswith("layer") else (0.8, 1.2)
            m.weight.copy_(uniform(n, *scale))
            m.bias.copy_(normal(n, 0.1))
            m.running_mean.copy_(normal(n, 0.2))
            m.running_var.copy_(uniform(n, 0.5, 2.0))
            m.num_batches_tracked.fill_(1000)
        elif isinstance(m, nn.Linear):
            m.weight.copy_(normal(m.weight.shape, m.weight.shape[1] ** -0.5))
            m.bias.copy_(normal(m.bias.shape, 0.02))
    pos = visual.attnpool.positional_embedding
    pos.copy_(normal(pos.shape, pos.shape[1] ** -0.5))


def randomize(model: Clip, c) -> None:
    g = torch.Generator().manual_seed(1234)

    def normal(shape, std):
        return torch.randn(shape, generator=g) * std

    with torch.no_grad():
        if is_resnet(c):
            randomize_resnet(model.visual, g)
        for name, p in model.named_parameters():
            if name == "logit_scale" or (is_resnet(c) and name.startswith("visual.")):
                if is_half_key(name, p):
                    p.copy_(p.half().float())
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
            if is_half_key(name, p):
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


def save_openai_archive(model: Clip, path: str) -> None:
    """Saves `model` laid out like OpenAI's releases: the is_half_key tensors in fp16, as TorchScript."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if is_half_key(name, p):
                p.data = p.data.half()
    torch.jit.script(model).save(path)


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



def write_broken_resnet(state, out: str) -> None:
    missing = OrderedDict((k, v) for k, v in state.items() if k != "visual.attnpool.k_proj.weight")
    save_state_as_script(missing, os.path.join(out, "broken_missing_attnpool.pt"))


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

    if c.get("png", False):
        # An image file at exactly the input resolution: the test transform only normalises it.
        pixels = torch.randint(0, 256, (c["resolution"], c["resolution"], 3), dtype=torch.uint8,
                               generator=torch.Generator().manual_seed(11))
        write_png(os.path.join(args.out, "image0.png"), pixels)
        mean = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(3, 1, 1)
        std = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(3, 1, 1)
        png_input = ((pixels.permute(2, 0, 1).float() / 255.0 - mean) / std).unsqueeze(0)
        with torch.no_grad():
            write_bin(os.path.join(args.out, "image0_features.bin"), model.encode_image(png_input).float())

    if args.config == "tiny":
        # Visual prompts at both layers, large enough to move the features well past rounding.
        prompts = torch.randn(c["vision_layers"], 3, c["vision_width"], generator=torch.Generator().manual_seed(13))
        with torch.no_grad():
            vpt_features = vpt_deep_image_features(model.visual, images, prompts)
        write_bin(os.path.join(args.out, "vpt_prompts.bin"), prompts.float())
        write_bin(os.path.join(args.out, "vpt_image_features.bin"), vpt_features.float())
        # Language prompts (2 tokens at both layers) on the texts with room for them before EOT.
        rows = torch.tensor([i for i, n in enumerate(c["text_lengths"]) if n >= 2], dtype=torch.int64)
        text_prompts = torch.randn(c["text_layers"], 2, c["text_width"], generator=torch.Generator().manual_seed(17))
        with torch.no_grad():
            deep_text = deep_text_features(model, tokens[rows], text_prompts)
        write_bin(os.path.join(args.out, "deep_text_rows.bin"), rows)
        write_bin(os.path.join(args.out, "deep_text_prompts.bin"), text_prompts.float())
        write_bin(os.path.join(args.out, "deep_text_features.bin"), deep_text.float())

    write_bin(os.path.join(args.out, "images.bin"), images.float())
    write_bin(os.path.join(args.out, "tokens.bin"), tokens)
    write_bin(os.path.join(args.out, "image_features.bin"), image_features.float())
    write_bin(os.path.join(args.out, "text_features.bin"), text_features.float())

    save_openai_archive(model, os.path.join(args.out, "weights.pt"))
    if args.config in ("tiny", "rn_tiny"):
        state = OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items()
                            if k not in ("input_resolution", "context_length", "vocab_size"))
        (write_broken_resnet if is_resnet(c) else write_broken)(state, args.out)

    layers = c.get("resnet_layers")
    meta = dict(config=args.config, embed=c["embed"], resolution=c["resolution"],
                vision_kind="resnet" if layers else "vit",
                vision_layers=sum(layers) if layers else c["vision_layers"],
                resnet_layers=layers or [], vision_width=c["vision_width"],
                patch=32 if layers else c["patch"], context=c["context"], vocab=c["vocab"],
                text_width=c["text_width"], text_layers=c["text_layers"],
                images_shape=list(images.shape), tokens_shape=list(tokens.shape),
                image_features_shape=list(image_features.shape),
                text_features_shape=list(text_features.shape),
                logit_scale=float(model.logit_scale))
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


if __name__ == "__main__":
    main()
