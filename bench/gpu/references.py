"""Eager torch references for the GPU checks and the benchmark.

Imported by bench/gpu/check.py and bench/gpu/bench.py. Each reference takes
the inputs in graph order and returns the outputs in graph order; they are
written here independently of fusegen.
"""
import torch
import torch.nn.functional as F


def _reductions(x):
    return (x.amax(1), x.amin(1), x.argmax(1), x.argmin(1), x.sum(1), (1 + x * 0.001).prod(1),
            (x > 3.5).any(1), x.var(1, correction=1), x.mean(1))


def _outer(x):
    mean = x.mean(0)
    return (x.amax(0), x.argmin(0), ((x - mean) ** 2).sum(0), x.sum(0))


def _causal_softmax(x):
    s = x.shape[-1]
    keep = torch.ones(s, s, dtype=torch.bool, device=x.device).tril()
    return (torch.softmax(x.masked_fill(~keep, float("-inf")), -1),)


def _extern_ops(a, bt, p, k, c, r, v, x4, m2, x3, y3, xs, w, seq, k1, b1, img, k2, vol, k3, b3):
    pb = p.permute(1, 0, 2)
    return (a @ bt.T, torch.bmm(pb, k), torch.addmm(c, a, bt.T, beta=0.5, alpha=2),
            torch.baddbmm(r, pb, k, beta=2, alpha=0.5), v @ v, v @ bt.T, a @ v, x4 @ m2, x3 @ y3,
            F.linear(xs[:, :, 3:520], w, c), F.linear(a, w),
            F.conv1d(seq, k1, b1, stride=2, padding=1, groups=2),
            F.conv1d(seq, k1, padding="same", dilation=2, groups=2),
            F.conv2d(img, k2, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2),
            F.conv3d(vol, k3, b3, padding="same"), torch.cumsum(a, 1))


def _attention_core(q, k, v):
    s = q.shape[-2]
    keep = torch.ones(s, s, dtype=torch.bool, device=q.device).tril()
    p = torch.softmax((q @ k.transpose(-2, -1) * 0.125).masked_fill(~keep, float("-inf")), -1)
    return (p @ v,)


# Reference functions by graph name (an "_odd" suffix is dropped): they take
# the inputs in graph order and return the outputs in graph order.
REFERENCES = {
    "pointwise_chain": lambda a, b, c: (torch.sigmoid(torch.relu(a * b + c)) * 2,),
    "gelu_tanh": lambda x: (F.gelu(x, approximate="tanh"),),
    "bias_residual_relu": lambda x, bias, residual: (torch.relu(x + bias + residual),),
    "two_outputs": lambda a, b: (a + b, a * b),
    "rowsum": lambda x: (x.sum(1),),
    "colsum": lambda x: (x.sum(0),),
    "var_mean": lambda x: torch.var_mean(x, dim=1, correction=1),
    "softmax_32768x1024": lambda x: (torch.softmax(x, -1),),
    "softmax_4096x16384": lambda x: (torch.softmax(x, -1),),
    "layernorm": lambda x, weight, bias: (F.layer_norm(x, x.shape[-1:], weight, bias, 1e-5),),
    "softmax_long": lambda x: (torch.softmax(x, -1),),
    "layernorm_long": lambda x, weight, bias: (F.layer_norm(x, x.shape[-1:], weight, bias, 1e-5),),
    "rmsnorm": lambda x, weight: (F.rms_norm(x, x.shape[-1:], weight),),
    "swiglu": lambda x: (F.silu(x.chunk(2, -1)[0]) * x.chunk(2, -1)[1],),
    "cross_entropy": lambda logits, target: (F.cross_entropy(logits, target),),
    "reductions_looped": _reductions,
    "reductions_persistent": _reductions,
    "reductions_outer": _outer,
    "gather": lambda idx, w: (w[idx] * 2,),
    "half_strided": lambda x: ((x.T * 2 + 1).to(torch.float16), x.T.amax(1)),
    "index64": lambda x: (x * 2,),
    "transpose_add": lambda x, y: (x.T + y,),
    "transpose": lambda x, y: (x.T * y,),
    # The rank-N and layout suite (bench/gpu/rank/*.json; bench/gpu/bench.sh
    # generates it into .gpu/rank).
    "softmax_4d": lambda x: (torch.softmax(x, -1),),
    "layernorm_3d": lambda x, weight, bias: (F.layer_norm(x, x.shape[-1:], weight, bias, 1e-5),),
    "rmsnorm_3d": lambda x, weight: (F.rms_norm(x, x.shape[-1:], weight, 1e-6),),
    "causal_softmax": _causal_softmax,
    "log_softmax_4d": lambda x: (torch.log_softmax(x, -1),),
    "var_mean_3d": lambda x: torch.var_mean(x, dim=-1, correction=1),
    "logsumexp_5d": lambda x: (torch.logsumexp(x, -1),),
    "center_3d": lambda x: (x - x.mean(-1, keepdim=True),),
    "cross_entropy_3d": lambda logits, target: (F.cross_entropy(logits.view(-1, logits.shape[-1]), target.view(-1)),),
    "nchw_to_nhwc": lambda x: (x.permute(0, 2, 3, 1).contiguous(),),
    "nhwc_to_nchw": lambda x: (x.permute(0, 3, 1, 2).contiguous(),),
    "channels_last_bn_relu": lambda x, scale, shift: (torch.relu(x * scale + shift),),
    "extern_products": lambda at, m, q, k, c, a16, m16, x, w, b: (
        at @ m, torch.bmm(q, k), torch.addmm(c, a16, m16, beta=0.5, alpha=2),
        F.gelu(F.linear(x, w, b), approximate="tanh")),
    "extern_ops_f32": _extern_ops,
    "extern_ops_bf16": _extern_ops,
    "extern_ops_f16": _extern_ops,
    # The extern-call blocks (bench/gpu/extern/*.json; bench/gpu/bench.sh
    # generates them into .gpu/extern).
    "mlp_block": lambda x, w1, b1, w2, b2: (
        F.linear(F.gelu(F.linear(x, w1, b1), approximate="tanh"), w2, b2) + x,),
    "attention_core": _attention_core,
    "conv_bn_relu": lambda x, w, scale, shift: (torch.relu(F.conv2d(x, w, padding=1) * scale + shift),),
    # pointwise_chain at [1, 1024], for launch overhead; its own function, so
    # that torch.compile never sees one code object at two sizes.
    "tiny_pointwise": lambda a, b, c: (torch.sigmoid(torch.relu(a * b + c)) * 2,),
}
