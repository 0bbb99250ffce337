"""Exports the .pt2 fixtures of the archive importer (issue 13) with
torch.export, decomposed to core ATen as a user's program would be.

Usage (on the device machine, which has torch):
    python3 bench/gpu/export_pt2.py OUT_DIR

Writes OUT_DIR/<name>.pt2 for each model below and OUT_DIR/<name>.targets,
the sorted set of node targets it holds. The models are small (weights of a
few hundred KB) so that the archives can be committed as test data.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.export import Dim


class Attention(nn.Module):
    def __init__(self, d=64, heads=4):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x):
        b, s, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q = q.view(b, s, self.heads, d // self.heads).transpose(1, 2)
        k = k.view(b, s, self.heads, d // self.heads).transpose(1, 2)
        v = v.view(b, s, self.heads, d // self.heads).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).contiguous().view(b, s, d))


class GPTBlock(nn.Module):
    def __init__(self, d=64, heads=4):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attention(d, heads)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.out = nn.Linear(4 * d, d)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class MaskedAttention(nn.Module):
    """nanoGPT's explicit path: a tril buffer, masked_fill, softmax."""

    def __init__(self, d=32, heads=2, s=16):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.register_buffer("mask", torch.tril(torch.ones(s, s)).view(1, 1, s, s))

    def forward(self, x):
        b, s, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q = q.view(b, s, self.heads, -1).transpose(1, 2)
        k = k.view(b, s, self.heads, -1).transpose(1, 2)
        v = v.view(b, s, self.heads, -1).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / (q.shape[-1] ** 0.5))
        att = att.masked_fill(self.mask[:, :, :s, :s] == 0, float("-inf"))
        return (F.softmax(att, dim=-1) @ v).transpose(1, 2).reshape(b, s, d)


class MLP(nn.Module):
    def __init__(self, d=64):
        super().__init__()
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        return x + self.fc2(F.gelu(self.fc1(x)))


class ConvBNReLU(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 8, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv2(F.relu(self.bn(self.conv(x)))).mean((2, 3))


class RMSNormHead(nn.Module):
    """Embedding, RMSNorm, a tied head and cross entropy."""

    def __init__(self, vocab=100, d=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.norm = nn.RMSNorm(d, eps=1e-6)

    def forward(self, ids, target):
        h = self.norm(self.emb(ids))
        logits = h @ self.emb.weight.T
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), target.view(-1)), logits.amax(-1)


class Fallbacks(nn.Module):
    """Ops with no lowering: cumsum, sort (two results), topk."""

    def forward(self, x):
        v, i = torch.sort(x, dim=-1, descending=True)
        t = torch.topk(x, 3, dim=-1).values
        return torch.cumsum(x, 1) * 2, v[:, :4] + t.sum(-1, keepdim=True), i


def export(name, model, args, out, dynamic_shapes=None):
    model.eval()
    with torch.no_grad():
        ep = torch.export.export(model, args, dynamic_shapes=dynamic_shapes)
        ep = ep.run_decompositions()
    path = os.path.join(out, name + ".pt2")
    torch.export.save(ep, path)
    targets = sorted({str(n.target) for n in ep.graph.nodes if n.op == "call_function"})
    with open(os.path.join(out, name + ".targets"), "w") as f:
        f.write("\n".join(targets) + "\n")
    print(f"{name}: {os.path.getsize(path)} bytes, {len(targets)} targets", flush=True)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    bn = ConvBNReLU()
    bn.bn.running_mean.uniform_(-0.5, 0.5)
    bn.bn.running_var.uniform_(0.5, 1.5)
    x = torch.randn(2, 16, 64)
    export("gpt_block", GPTBlock(), (x,), out)
    export("gpt_block_dynamic", GPTBlock(), (torch.randn(2, 16, 64),), out,
           dynamic_shapes=({0: Dim("batch", min=1, max=64), 1: Dim("seq", min=2, max=1024)},))
    export("masked_attention", MaskedAttention(), (torch.randn(2, 16, 32),), out)
    export("mlp", MLP(), (x,), out)
    export("mlp_bf16", MLP().to(torch.bfloat16), (x.to(torch.bfloat16),), out)
    export("conv_bn_relu", bn, (torch.randn(2, 3, 17, 15),), out)
    export("rmsnorm_head", RMSNormHead(), (torch.randint(0, 100, (2, 8)), torch.randint(0, 100, (2, 8))), out)
    export("fallbacks", Fallbacks(), (torch.randn(4, 10),), out)


if __name__ == "__main__":
    main()
