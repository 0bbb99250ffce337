"""Exports real nn.Modules with torch.export and run_decompositions(), as a
user's program would be, into .pt2 archives for fusegen's importer (pt2/).

Usage (on the device machine, which has torch):
    python3 bench/gpu/export_models.py --tiny OUT_DIR     tiny versions: pt2/testdata (committed)
    python3 bench/gpu/export_models.py --full OUT_DIR     full-size versions, on cuda, for
                                                           bench/gpu/pt2_models.py
    --only NAME exports that model alone.

Each model is written as OUT_DIR/<name>.pt2 (sample inputs included) and
OUT_DIR/<name>.targets, the sorted ATen targets of its graph. The models:
  gpt2_block       LayerNorm, causal attention (qkv Linear, SDPA), tanh-GELU MLP, residuals
  llama_block      RMSNorm, RoPE (cos/sin buffers), causal attention, SwiGLU MLP, residuals
  resnet_block     ResNet basic block: conv3x3-BN-ReLU-conv3x3-BN + identity, ReLU (eval)
  lm_head          embedding, LayerNorm, tied LM head, cross-entropy loss (and the logits' max)
  ops_mix          F.pad, tril, triu, x[:, idx] (a negative index), ~mask
  gpt2_dynamic     gpt2_block exported with dynamic batch and sequence dims
  cat_pad_dynamic  a cat of two inputs of dynamic lengths, a softmax and a sum over it, a pad:
                   sizes that are sums of symbols (s0 + s1, s0 + s1 + 3) (tiny only)
  fallbacks        ops with no lowering: sort (two results), topk, cumsum (tiny only)
"""
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.export import Dim


class CausalSelfAttention(nn.Module):
    def __init__(self, d, heads, bias=True):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d, bias=bias)
        self.proj = nn.Linear(d, d, bias=bias)

    def forward(self, x, rope=None):
        b, s, d = x.shape
        q, k, v = self.qkv(x).split(d, dim=2)
        q, k, v = (t.view(b, s, self.heads, d // self.heads).transpose(1, 2) for t in (q, k, v))
        if rope is not None:
            q, k = rope(q), rope(k)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).contiguous().view(b, s, d))


class GPT2Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, heads)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Rope(nn.Module):
    def __init__(self, head_dim, seq):
        super().__init__()
        inv = 1.0 / (10000 ** (torch.arange(0, head_dim, 2).float() / head_dim))
        f = torch.outer(torch.arange(seq).float(), inv)
        emb = torch.cat([f, f], dim=-1)
        self.register_buffer("cos", emb.cos())
        self.register_buffer("sin", emb.sin())

    def forward(self, x):
        s = x.shape[-2]
        h = x.shape[-1] // 2
        rotated = torch.cat([-x[..., h:], x[..., :h]], dim=-1)
        return x * self.cos[:s].to(x.dtype) + rotated * self.sin[:s].to(x.dtype)


class LlamaBlock(nn.Module):
    def __init__(self, d, heads, hidden, seq):
        super().__init__()
        self.attn_norm = nn.RMSNorm(d, eps=1e-6)
        self.attn = CausalSelfAttention(d, heads, bias=False)
        self.rope = Rope(d // heads, seq)
        self.mlp_norm = nn.RMSNorm(d, eps=1e-6)
        self.w1 = nn.Linear(d, hidden, bias=False)
        self.w3 = nn.Linear(d, hidden, bias=False)
        self.w2 = nn.Linear(hidden, d, bias=False)

    def forward(self, x):
        x = x + self.attn(self.attn_norm(x), self.rope)
        h = self.mlp_norm(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


class BasicBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + x)


class LMHead(nn.Module):
    def __init__(self, vocab, d):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.norm = nn.LayerNorm(d)

    def forward(self, ids, target):
        logits = self.norm(self.emb(ids)) @ self.emb.weight.T
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), target.view(-1))
        return loss, logits.amax(-1)


class CatPad(nn.Module):
    """A cat along a dynamic dim of two inputs of their own dynamic lengths,
    reduced and padded: the archive's sizes are sums of its symbols."""

    def forward(self, x, y):
        c = torch.cat([x, y], 1)
        return c.softmax(1), c.sum(1), F.pad(c, (0, 0, 1, 2), value=-1.0)


class OpsMix(nn.Module):
    """Padding, triangles, tensor indexing (a negative index included) and a
    bool not: constant_pad_nd, tril, triu, index.Tensor, bitwise_not."""

    def __init__(self, n):
        super().__init__()
        self.register_buffer("idx", torch.tensor([3, 0, -1, 2] * (n // 4)))

    def forward(self, x):
        p = F.pad(x, (1, 2, 0, 1), value=0.5)
        t = torch.tril(x[0]) + torch.triu(x[1], 1)
        g = x[:, self.idx] * 2
        keep = ~(x > 0)
        return p, t, g, torch.where(keep, x, 0.0)


class Fallbacks(nn.Module):
    def forward(self, x):
        v, i = torch.sort(x, dim=-1, descending=True)
        t = torch.topk(x, 3, dim=-1).values
        return torch.cumsum(x, 1) * 2, v[:, :4] + t.sum(-1, keepdim=True), i


def randomize_bn(m):
    for bn in (x for x in m.modules() if isinstance(x, nn.BatchNorm2d)):
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 1.5)
        bn.weight.data.uniform_(0.5, 1.5)
        bn.bias.data.uniform_(-0.5, 0.5)
    return m


def models(full):
    """(name, module, example inputs, dynamic_shapes, dtype) per model."""
    if full:
        d, heads, seq, batch = 768, 12, 512, 8
        ld, lheads, lhidden, lseq, lbatch = 1024, 16, 2816, 512, 4
        c, hw, cb = 64, 56, 32
        vocab, ed, tokens = 32000, 512, (8, 512)
        mix = (32, 256, 512)
    else:
        d, heads, seq, batch = 16, 2, 8, 2
        ld, lheads, lhidden, lseq, lbatch = 16, 2, 32, 8, 2
        c, hw, cb = 4, 6, 1
        vocab, ed, tokens = 32, 16, (2, 4)
        mix = (4, 8, 6)
    out = [
        ("gpt2_block", GPT2Block(d, heads), (torch.randn(batch, seq, d),), None, torch.float32),
        ("llama_block", LlamaBlock(ld, lheads, lhidden, lseq), (torch.randn(lbatch, lseq, ld),), None, torch.bfloat16),
        ("resnet_block", randomize_bn(BasicBlock(c)), (torch.randn(cb, c, hw, hw),), None, torch.bfloat16),
        ("lm_head", LMHead(vocab, ed), (torch.randint(0, vocab, tokens), torch.randint(0, vocab, tokens)), None, torch.float32),
        ("ops_mix", OpsMix(mix[1] // 2), (torch.randn(*mix),), None, torch.float32),
        ("gpt2_dynamic", GPT2Block(d, heads), (torch.randn(max(batch // 2, 2), seq // 2, d),),
         ({0: Dim("batch", min=1, max=64), 1: Dim("seq", min=2, max=seq)},), torch.float32),
    ]
    if not full:
        out.append(("fallbacks", Fallbacks(), (torch.randn(4, 10),), None, torch.float32))
        batch_dim = Dim("batch", min=1, max=64)
        out.append(("cat_pad_dynamic", CatPad(), (torch.randn(3, 5, 8), torch.randn(3, 7, 8)),
                    ({0: batch_dim, 1: Dim("s", min=2, max=1024)}, {0: batch_dim, 1: Dim("t", min=2, max=1024)}), torch.float32))
    return out


def export(name, model, args, out, dynamic_shapes, dtype, device):
    model = model.to(device=device, dtype=dtype).eval()
    args = tuple(a.to(device=device, dtype=dtype) if a.is_floating_point() else a.to(device) for a in args)
    with torch.no_grad():
        ep = torch.export.export(model, args, dynamic_shapes=dynamic_shapes).run_decompositions()
    path = os.path.join(out, name + ".pt2")
    torch.export.save(ep, path)
    targets = sorted({str(n.target) for n in ep.graph.nodes if n.op == "call_function"})
    with open(os.path.join(out, name + ".targets"), "w") as f:
        f.write("\n".join(targets) + "\n")
    print(f"{name}: {os.path.getsize(path)} bytes, {len(targets)} targets", flush=True)
    return model, args


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--tiny", metavar="OUT_DIR")
    g.add_argument("--full", metavar="OUT_DIR")
    ap.add_argument("--only", metavar="NAME")
    a = ap.parse_args()
    out = a.tiny or a.full
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, model, args, dyn, dtype in models(bool(a.full)):
        if a.only and name != a.only:
            continue
        export(name, model, args, out, dyn, dtype, "cuda" if a.full else "cpu")


if __name__ == "__main__":
    main()
