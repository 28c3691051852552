#!/usr/bin/python3
"""Independent reference for promptlab's step-rule parity test.

Reads a tiny CLIP's text-side weights, prompt token ids, image features and labels
written by tests/plugins/parity_test.cpp, then runs CoOp / CoCoOp training steps
with plain SGD, SAM, ASAM and GCSAM written from the published descriptions
(docs/protocol.md §§1, 3-5) using torch.optim.SGD, and writes the updated
parameters back as raw float32 files.

Usage: step_reference.py <dir>
"""
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F


def read_index(folder):
    tensors = {}
    with open(os.path.join(folder, "index.txt")) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            name, kind, ndim = parts[0], parts[1], int(parts[2])
            shape = [int(s) for s in parts[3:3 + ndim]]
            dtype = torch.float32 if kind == "f32" else torch.int64
            with open(os.path.join(folder, name + ".bin"), "rb") as g:
                data = bytearray(g.read())
            t = torch.frombuffer(data, dtype=dtype) if data else torch.empty(0, dtype=dtype)
            tensors[name] = t.reshape(shape).clone()
    return tensors


def read_meta(folder):
    meta, cases = {}, []
    with open(os.path.join(folder, "meta.txt")) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "case":
                cases.append({"name": parts[1], "learner": parts[2], "rule": parts[3], "rho": float(parts[4]),
                              "adaptive": parts[5] == "1", "beta1": float(parts[6]), "beta2": float(parts[7])})
            else:
                meta[parts[0]] = float(parts[1])
    return meta, cases


class TinyTextClip:
    """CLIP's text tower: pre-LN residual blocks, causal mask, QuickGELU MLP."""

    def __init__(self, t, layers, heads):
        self.t, self.layers, self.heads = t, layers, heads

    def w(self, key):
        return self.t["clip." + key]

    def layer_norm(self, x, prefix):
        return F.layer_norm(x, (x.shape[-1],), self.w(prefix + ".weight"), self.w(prefix + ".bias"), 1e-5)

    def attention(self, x, prefix):
        n, length, width = x.shape
        hd = width // self.heads
        qkv = x @ self.w(prefix + ".in_proj_weight").t() + self.w(prefix + ".in_proj_bias")
        q, k, v = qkv.split(width, dim=-1)

        def heads(a):
            return a.reshape(n, length, self.heads, hd).permute(0, 2, 1, 3)

        q, k, v = heads(q), heads(k), heads(v)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        causal = torch.full((length, length), float("-inf")).triu(1)
        probs = torch.softmax(scores + causal, dim=-1)
        out = (probs @ v).permute(0, 2, 1, 3).reshape(n, length, width)
        return out @ self.w(prefix + ".out_proj.weight").t() + self.w(prefix + ".out_proj.bias")

    def mlp(self, x, prefix):
        h = x @ self.w(prefix + ".c_fc.weight").t() + self.w(prefix + ".c_fc.bias")
        h = h * torch.sigmoid(1.702 * h)
        return h @ self.w(prefix + ".c_proj.weight").t() + self.w(prefix + ".c_proj.bias")

    def encode(self, embeddings, eot):
        length = embeddings.shape[1]
        x = embeddings + self.w("positional_embedding")[:length]
        for i in range(self.layers):
            p = "transformer.resblocks.%d" % i
            x = x + self.attention(self.layer_norm(x, p + ".ln_1"), p + ".attn")
            x = x + self.mlp(self.layer_norm(x, p + ".ln_2"), p + ".mlp")
        x = self.layer_norm(x, "ln_final")
        return x[torch.arange(x.shape[0]), eot] @ self.w("text_projection")

    def embed(self, ids):
        return self.w("token_embedding.weight")[ids]

    def scale(self):
        return self.w("logit_scale").exp()


def normalize(x):
    return x / x.norm(dim=-1, keepdim=True)


def prompts_end(clip, ids, n_ctx, ctx):
    emb = clip.embed(ids)
    n_cls = ids.shape[0]
    return torch.cat([emb[:, :1], ctx.unsqueeze(0).expand(n_cls, -1, -1), emb[:, 1 + n_ctx:]], dim=1)


def coop_logits(clip, ids, n_ctx, params, feats):
    text = normalize(clip.encode(prompts_end(clip, ids, n_ctx, params[0]), ids.argmax(dim=-1)))
    return clip.scale() * normalize(feats) @ text.t()


def cocoop_logits(clip, ids, n_ctx, params, feats):
    ctx, w1, b1, w2, b2 = params
    f = normalize(feats)
    shift = torch.relu(f @ w1.t() + b1) @ w2.t() + b2
    rows = []
    for i in range(f.shape[0]):  # the reference loops over images
        text = normalize(clip.encode(prompts_end(clip, ids, n_ctx, ctx + shift[i]), ids.argmax(dim=-1)))
        rows.append(clip.scale() * text @ f[i])
    return torch.stack(rows)


def loss_and_grads(logits_fn, params, feats, labels):
    for p in params:
        p.grad = None
    loss = F.cross_entropy(logits_fn(params, feats), labels)
    loss.backward()
    return loss.item(), [p.grad.detach().clone() for p in params]


def sam_gradient(logits_fn, params, feats, labels, rho, adaptive):
    loss, g = loss_and_grads(logits_fn, params, feats, labels)
    with torch.no_grad():
        norm = torch.stack([((p.abs() if adaptive else 1.0) * gi).norm(p=2) for p, gi in zip(params, g)]).norm(p=2)
        scale = rho / (norm + 1e-12)
        eps = [((p * p) if adaptive else 1.0) * gi * scale for p, gi in zip(params, g)]
        for p, e in zip(params, eps):
            p.add_(e)
    loss_pert, x = loss_and_grads(logits_fn, params, feats, labels)
    with torch.no_grad():
        for p, e in zip(params, eps):
            p.sub_(e)
    return loss, loss_pert, g, x


def gcsam_choose(x, y, beta1, beta2):
    c = ((x * y).sum() / (x.norm() * y.norm())).item()
    z = x + y
    proj = ((x * z).sum() / (z * z).sum()) * z
    if beta1 <= 0:
        return (proj, "proj") if c < beta2 else (x, "sam")
    if c >= beta2:
        return x, "sam"
    if c > beta1:
        return proj, "proj"
    return y, "sgd"


def main():
    folder = sys.argv[1]
    torch.set_num_threads(1)
    t = read_index(folder)
    meta, cases = read_meta(folder)
    clip = TinyTextClip(t, int(meta["text_layers"]), int(meta["heads"]))
    ids = t["prompt_ids"]
    n_ctx = int(meta["n_ctx"])
    steps = int(meta["steps"])
    init_ctx = clip.embed(ids[0, 1:1 + n_ctx]).clone()  # token embeddings of the init words
    lines = []
    for case in cases:
        if case["learner"] == "coop":
            params = [init_ctx.clone().requires_grad_(True)]
            fn = lambda ps, f: coop_logits(clip, ids, n_ctx, ps, f)
        else:
            params = [init_ctx.clone().requires_grad_(True)] + \
                     [t["cocoop_init_%d" % i].clone().requires_grad_(True) for i in range(1, 5)]
            fn = lambda ps, f: cocoop_logits(clip, ids, n_ctx, ps, f)
        opt = torch.optim.SGD(params, lr=meta["lr"], momentum=meta["momentum"], dampening=0.0,
                              weight_decay=meta["weight_decay"], nesterov=False)
        for s in range(steps):
            feats, labels = t["features_%d" % s], t["labels_%d" % s]
            counts = {"sam": 0, "proj": 0, "sgd": 0}
            if case["rule"] == "sgd":
                loss, grads = loss_and_grads(fn, params, feats, labels)
            else:
                loss, _, y, x = sam_gradient(fn, params, feats, labels, case["rho"],
                                             case["adaptive"] and case["rule"] == "sam")
                if case["rule"] == "sam":
                    grads = x
                else:
                    grads = []
                    for xi, yi in zip(x, y):
                        g, branch = gcsam_choose(xi, yi, case["beta1"], case["beta2"])
                        grads.append(g)
                        counts[branch] += 1
            for p, g in zip(params, grads):
                p.grad = g.clone()
            opt.step()
            lines.append("%s %d loss %.9g" % (case["name"], s, loss))
            for k, v in counts.items():
                lines.append("%s %d branch_%s %d" % (case["name"], s, k, v))
        for i, p in enumerate(params):
            with open(os.path.join(folder, "out_%s_%d.bin" % (case["name"], i)), "wb") as f:
                f.write(raw_bytes(p.detach()))
    with open(os.path.join(folder, "out_metrics.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def raw_bytes(t):
    """Little-endian float32 bytes of a tensor, row-major."""
    flat = t.contiguous().reshape(-1).tolist()
    return struct.pack("<%df" % len(flat), *flat)


if __name__ == "__main__":
    main()
