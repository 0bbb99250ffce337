"""Hand-written kernel variants for the workloads still under 85% of the copy
ceiling (var_mean, colsum, gelu_tanh, cross_entropy): what block sizes,
splits and formulations reach, before the generator is taught them.

Usage: python3 bench/gpu/explore.py [--only NAME,...] [--out FILE]
Every variant is checked against eager (float64) before it is timed; times
are triton.testing.do_bench medians, like bench.py's.
"""
import argparse
import sys

import torch
import torch.nn.functional as F
import triton
import triton.language as tl
import triton.testing
from triton.language.extra import libdevice

DEV = "cuda"
LINES = []


def bench(fn):
    return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")


def emit(s):
    print(s, flush=True)
    LINES.append(s)


def relerr(out, ref):
    out, ref = out.double(), ref.double()
    return ((out - ref).norm() / ref.norm()).item()


def row(name, variant, ms, nbytes, err, ceiling, extra=""):
    tbs = nbytes / ms / 1e9
    emit(f"| {name} | {variant} | {ms:.4f} | {tbs:.2f} | {tbs / ceiling:.3f} | {err:.1e} | {extra} |")


# ---------------------------------------------------------------- ceilings
@triton.jit
def _empty_kernel(p):
    pass


@triton.jit
def _read_sum_rows(x_ptr, out_ptr, R: tl.constexpr, XBLOCK: tl.constexpr):
    rows = tl.program_id(0) * XBLOCK + tl.arange(0, XBLOCK)[:, None]
    cols = tl.arange(0, R)[None, :]
    x = tl.load(x_ptr + rows * R + cols)
    tl.store(out_ptr + rows, tl.sum(x, 1)[:, None])


def ceilings():
    emit("## Ceilings\n")
    emit("| what | ms | TB/s |")
    emit("|---|---:|---:|")
    res = {}
    for mb in (1073741824, 268435456, 134217728):
        n = mb // 2 // 4
        a = torch.empty(n, device=DEV)
        b = torch.empty(n, device=DEV)
        ms = bench(lambda: b.copy_(a))
        res[mb] = mb / ms / 1e9
        emit(f"| copy {mb >> 20} MiB moved | {ms:.4f} | {res[mb]:.2f} |")
        del a, b
    p = torch.empty(1, device=DEV)
    ms = bench(lambda: _empty_kernel[(1,)](p))
    emit(f"| empty kernel | {ms:.4f} | |")
    x = torch.randn(32768, 1024, device=DEV)
    o = torch.empty(32768, device=DEV)
    for xb, w in ((1, 4), (2, 4), (4, 8)):
        ms = bench(lambda: _read_sum_rows[(32768 // xb,)](x, o, R=1024, XBLOCK=xb, num_warps=w))
        emit(f"| row sums 32768x1024 f32 (read 134 MB) XBLOCK={xb} warps={w} | {ms:.4f} | {x.numel() * 4 / ms / 1e9:.2f} |")
    emit("")
    return res[1073741824]


# ---------------------------------------------------------------- var_mean
@triton.jit
def _store_var_mean(x, rows, mean_ptr, var_ptr, N: tl.constexpr):
    # Two passes over the rows in registers: the mean, then the squared
    # deviations (unbiased variance).
    mean = tl.sum(x, 1)[:, None] / N
    d = x - mean
    m2 = tl.sum(d * d, 1)[:, None]
    tl.store(mean_ptr + rows, mean)
    tl.store(var_ptr + rows, m2 / (N - 1))


def _var_mean_data():
    M, N = 32768, 1024
    x = torch.randn(M, N, device=DEV)
    rv, rm = torch.var_mean(x.double(), dim=1)
    mean = torch.empty(M, device=DEV)
    var = torch.empty(M, device=DEV)
    return M, N, x, rv, rm, mean, var, x.numel() * 4 + 2 * M * 4

@triton.jit
def _var_mean(x_ptr, mean_ptr, var_ptr, N: tl.constexpr, XBLOCK: tl.constexpr):
    rows = tl.program_id(0) * XBLOCK + tl.arange(0, XBLOCK)[:, None]
    cols = tl.arange(0, N)[None, :]
    x = tl.load(x_ptr + rows * N + cols)
    _store_var_mean(x, rows, mean_ptr, var_ptr, N)


@triton.jit
def _var_mean_stride(x_ptr, mean_ptr, var_ptr, ROWS: tl.constexpr, N: tl.constexpr, XBLOCK: tl.constexpr,
                     STAGES: tl.constexpr):
    cols = tl.arange(0, N)[None, :]
    for blk in tl.range(tl.program_id(0), ROWS // XBLOCK, tl.num_programs(0), num_stages=STAGES):
        rows = blk * XBLOCK + tl.arange(0, XBLOCK)[:, None]
        x = tl.load(x_ptr + rows * N + cols)
        _store_var_mean(x, rows, mean_ptr, var_ptr, N)


def var_mean(ceiling, sms):
    M, N, x, rv, rm, mean, var, nbytes = _var_mean_data()
    c = torch.compile(lambda t: torch.var_mean(t, dim=1))
    c(x)
    row("var_mean", "torch.compile", bench(lambda: c(x)), nbytes, 0, ceiling)
    row("var_mean", "eager", bench(lambda: torch.var_mean(x, dim=1)), nbytes, 0, ceiling)
    for xb in (1, 2, 4, 8):
        for w in (1, 2, 4, 8, 16):
            if N * xb // (32 * w) < 4 or N * xb // (32 * w) > 64:
                continue
            f = lambda: _var_mean[(M // xb,)](x, mean, var, N=N, XBLOCK=xb, num_warps=w)
            f()
            err = max(relerr(mean, rm), relerr(var, rv))
            row("var_mean", f"per-row XBLOCK={xb} warps={w}", bench(f), nbytes, err, ceiling)
    for xb in (1, 2, 4):
        for k in (4, 8, 16):
            for w in (4, 8):
                for st in (1, 3):
                    grid = min(M // xb, sms * k)
                    f = lambda: _var_mean_stride[(grid,)](x, mean, var, ROWS=M, N=N, XBLOCK=xb, STAGES=st, num_warps=w)
                    f()
                    err = max(relerr(mean, rm), relerr(var, rv))
                    row("var_mean", f"grid-stride XBLOCK={xb} programs={k}/SM warps={w} stages={st}", bench(f),
                        nbytes, err, ceiling)


# ---------------------------------------------------------------- colsum
@triton.jit
def _colsum_part(x_ptr, part_ptr, M: tl.constexpr, N: tl.constexpr, ROWS_PER: tl.constexpr, XBLOCK: tl.constexpr,
                 RBLOCK: tl.constexpr, STAGES: tl.constexpr):
    cols = tl.program_id(0) * XBLOCK + tl.arange(0, XBLOCK)[None, :]
    split = tl.program_id(1)
    acc = tl.zeros([RBLOCK, XBLOCK], tl.float32)
    for r in tl.range(0, ROWS_PER, RBLOCK, num_stages=STAGES):
        rows = split * ROWS_PER + r + tl.arange(0, RBLOCK)[:, None]
        acc += tl.load(x_ptr + rows * N + cols)
    tl.store(part_ptr + split * N + cols, tl.sum(acc, 0)[None, :])


@triton.jit
def _colsum_final(part_ptr, out_ptr, N: tl.constexpr, S: tl.constexpr, XBLOCK: tl.constexpr):
    cols = tl.program_id(0) * XBLOCK + tl.arange(0, XBLOCK)[None, :]
    s = tl.arange(0, S)[:, None]
    p = tl.load(part_ptr + s * N + cols)
    tl.store(out_ptr + cols, tl.sum(p, 0)[None, :])


def colsum(ceiling, sms):
    M = N = 8192
    x = torch.randn(M, N, device=DEV)
    ref = x.double().sum(0)
    nbytes = x.numel() * 4 + N * 4
    c = torch.compile(lambda t: t.sum(0))
    c(x)
    row("colsum", "torch.compile", bench(lambda: c(x)), nbytes, 0, ceiling)
    row("colsum", "eager", bench(lambda: x.sum(0)), nbytes, 0, ceiling)
    out = torch.empty(N, device=DEV)
    shapes = [(64, 8), (64, 16), (64, 32), (128, 8), (128, 16), (128, 32), (256, 8), (256, 16), (256, 32),
              (512, 8), (512, 16)]
    results = []
    for S in (8, 16, 32, 64):
        part = torch.empty(S, N, device=DEV)
        for xb, rb in shapes:
            for w in (4, 8):
                for st in (1, 3):
                    def f():
                        _colsum_part[(N // xb, S)](x, part, M=M, N=N, ROWS_PER=M // S, XBLOCK=xb, RBLOCK=rb,
                                                   STAGES=st, num_warps=w)
                        _colsum_final[(N // 128,)](part, out, N=N, S=S, XBLOCK=128, num_warps=4)
                    f()
                    err = relerr(out, ref)
                    ms = bench(f)
                    results.append((ms, S, xb, rb, w, st, err))
    results.sort()
    for ms, S, xb, rb, w, st, err in results[:12]:
        row("colsum", f"splits={S} XBLOCK={xb} RBLOCK={rb} warps={w} stages={st}", ms, nbytes, err, ceiling)
    emit(f"| colsum | worst of {len(results)} | {results[-1][0]:.4f} | | | | |")


@triton.jit
def _colsum_one(x_ptr, out_ptr, M: tl.constexpr, N: tl.constexpr, XBLOCK: tl.constexpr, RBLOCK: tl.constexpr,
                STAGES: tl.constexpr):
    cols = tl.program_id(0) * XBLOCK + tl.arange(0, XBLOCK)[None, :]
    acc = tl.zeros([RBLOCK, XBLOCK], tl.float32)
    for r in tl.range(0, M, RBLOCK, num_stages=STAGES):
        rows = r + tl.arange(0, RBLOCK)[:, None]
        acc += tl.load(x_ptr + rows * N + cols)
    tl.store(out_ptr + cols, tl.sum(acc, 0)[None, :])


def colsum_deep(ceiling, sms):
    """Fewer splits (one kernel at splits=1) with deeper software pipelining."""
    M = N = 8192
    x = torch.randn(M, N, device=DEV)
    ref = x.double().sum(0)
    nbytes = x.numel() * 4 + N * 4
    out = torch.empty(N, device=DEV)
    results = []
    for xb in (16, 32, 64):
        for rb in (16, 32, 64, 128):
            for w in (2, 4, 8):
                for st in (2, 3, 4, 5):
                    if xb * rb // (32 * w) < 4 or xb * rb // (32 * w) > 64:
                        continue
                    f = lambda: _colsum_one[(N // xb,)](x, out, M=M, N=N, XBLOCK=xb, RBLOCK=rb, STAGES=st,
                                                        num_warps=w)
                    try:
                        f()
                    except Exception as e:
                        emit(f"| colsum | one kernel XBLOCK={xb} RBLOCK={rb} warps={w} stages={st}: "
                             f"{type(e).__name__} | | | | | |")
                        continue
                    results.append((bench(f), f"one kernel XBLOCK={xb} RBLOCK={rb} warps={w} stages={st}",
                                    relerr(out, ref)))
    for S in (2, 4, 8, 16):
        part = torch.empty(S, N, device=DEV)
        for xb, rb in ((32, 32), (64, 16), (64, 32), (128, 16), (256, 16), (512, 16), (512, 8), (1024, 8)):
            for w in (4, 8):
                for st in (2, 3, 4):
                    def f():
                        _colsum_part[(N // xb, S)](x, part, M=M, N=N, ROWS_PER=M // S, XBLOCK=xb, RBLOCK=rb,
                                                   STAGES=st, num_warps=w)
                        _colsum_final[(N // 128,)](part, out, N=N, S=S, XBLOCK=128, num_warps=4)
                    try:
                        f()
                    except Exception as e:
                        emit(f"| colsum | splits={S} XBLOCK={xb} RBLOCK={rb}: {type(e).__name__} | | | | | |")
                        continue
                    results.append((bench(f), f"splits={S} XBLOCK={xb} RBLOCK={rb} warps={w} stages={st}",
                                    relerr(out, ref)))
    results.sort()
    for ms, name, err in results[:15]:
        row("colsum", name, ms, nbytes, err, ceiling)
    ones = [r for r in results if r[1].startswith("one")]
    if ones:
        row("colsum", "best one-kernel: " + ones[0][1], ones[0][0], nbytes, ones[0][2], ceiling)
    emit(f"| colsum | worst of {len(results)} | {results[-1][0]:.4f} | | | | |")


@triton.jit
def _var_mean_hint(x_ptr, mean_ptr, var_ptr, N: tl.constexpr, XBLOCK: tl.constexpr, HINT: tl.constexpr):
    rows = tl.program_id(0) * XBLOCK + tl.arange(0, XBLOCK)[:, None]
    cols = tl.arange(0, N)[None, :]
    if HINT == 0:
        x = tl.load(x_ptr + rows * N + cols, eviction_policy="evict_first")
    elif HINT == 1:
        x = tl.load(x_ptr + rows * N + cols, cache_modifier=".cg")
    elif HINT == 2:
        x = tl.load(x_ptr + rows * N + cols, cache_modifier=".cs")
    else:
        x = tl.load(x_ptr + rows * N + cols, volatile=True)
    _store_var_mean(x, rows, mean_ptr, var_ptr, N)


def var_mean_hints(ceiling, sms):
    M, N, x, rv, rm, mean, var, nbytes = _var_mean_data()
    for hint, name in enumerate(("evict_first", ".cg")):
        for xb, w in ((1, 4), (2, 4), (1, 2)):
            f = lambda: _var_mean_hint[(M // xb,)](x, mean, var, N=N, XBLOCK=xb, HINT=hint, num_warps=w)
            f()
            err = max(relerr(mean, rm), relerr(var, rv))
            row("var_mean", f"{name} XBLOCK={xb} warps={w}", bench(f), nbytes, err, ceiling)


@triton.jit
def _colsum_gen(in_ptr0, out_ptr0, XBLOCK: tl.constexpr, R0_BLOCK: tl.constexpr, MASKED: tl.constexpr,
                TL_RANGE: tl.constexpr, STAGES: tl.constexpr, HINT: tl.constexpr):
    # The shape fusegen generates: [XBLOCK, R0_BLOCK] tiles, columns on axis 0.
    r0_numel = 8192
    xoffset = tl.program_id(0) * XBLOCK
    xindex = xoffset + tl.arange(0, XBLOCK)[:, None]
    xmask = tl.full([XBLOCK, 1], True, tl.int1)
    r0_base = tl.arange(0, R0_BLOCK)[None, :]
    _tmp1 = tl.full([XBLOCK, R0_BLOCK], 0, tl.float32)
    if TL_RANGE:
        for r0_offset in tl.range(0, r0_numel, R0_BLOCK, num_stages=STAGES):
            r0_index = r0_offset + r0_base
            _tmp1 += tl.load(in_ptr0 + (8192 * r0_index + xindex))
    elif MASKED:
        for r0_offset in range(0, r0_numel, R0_BLOCK):
            r0_index = r0_offset + r0_base
            r0_mask = tl.full([1, R0_BLOCK], True, tl.int1)
            if HINT:
                tmp0 = tl.load(in_ptr0 + (8192 * r0_index + xindex), r0_mask & xmask, eviction_policy="evict_first",
                               other=0)
            else:
                tmp0 = tl.load(in_ptr0 + (8192 * r0_index + xindex), r0_mask & xmask, other=0)
            tmp1_b = tl.broadcast_to(tmp0, [XBLOCK, R0_BLOCK])
            _tmp1 = tl.where(r0_mask & xmask, _tmp1 + tmp1_b, _tmp1)
    else:
        for r0_offset in range(0, r0_numel, R0_BLOCK):
            r0_index = r0_offset + r0_base
            _tmp1 += tl.load(in_ptr0 + (8192 * r0_index + xindex))
    tmp1 = tl.sum(_tmp1, 1)[:, None]
    tl.store(out_ptr0 + (xindex), tmp1, xmask)


def colsum_gen(ceiling, sms):
    """Why the generated colsum kernel is slower than the hand-written one."""
    M = N = 8192
    x = torch.randn(M, N, device=DEV)
    ref = x.double().sum(0)
    nbytes = x.numel() * 4 + N * 4
    out = torch.empty(N, device=DEV)
    f = lambda: _colsum_one[(N // 32,)](x, out, M=M, N=N, XBLOCK=32, RBLOCK=128, STAGES=5, num_warps=4)
    f()
    row("colsum", "hand-written [R,X] tiles 32x128 tl.range stages=5 warps=4", bench(f), nbytes, relerr(out, ref),
        ceiling)
    for xb in (32, 64):
        for masked, tlr, hint in ((1, 0, 1), (1, 0, 0), (0, 0, 0), (0, 1, 0)):
            for st in (1, 3, 5):
                for w in (2, 4):
                    f = lambda: _colsum_gen[(N // xb,)](x, out, XBLOCK=xb, R0_BLOCK=128, MASKED=masked, TL_RANGE=tlr,
                                                        STAGES=st, HINT=hint, num_warps=w, num_stages=st)
                    f()
                    row("colsum", f"generated shape [X,R] XBLOCK={xb} masked={masked} tl.range={tlr} evict_first={hint}"
                        f" stages={st} warps={w}", bench(f), nbytes, relerr(out, ref), ceiling)


@triton.jit
def _add_pair(a0, a1, b0, b1):
    return a0 + b0, a1 + b1


@triton.jit
def _var_mean_onepass(x_ptr, mean_ptr, var_ptr, N: tl.constexpr, XBLOCK: tl.constexpr, SHIFTED: tl.constexpr):
    # One cross-warp reduction instead of two: sums of d and d*d, d = x - the
    # row's first element (a shift that keeps the difference stable).
    rows = tl.program_id(0) * XBLOCK + tl.arange(0, XBLOCK)[:, None]
    cols = tl.arange(0, N)[None, :]
    x = tl.load(x_ptr + rows * N + cols, eviction_policy="evict_first")
    if SHIFTED:
        shift = tl.load(x_ptr + rows * N)
    else:
        shift = tl.zeros([XBLOCK, 1], tl.float32)
    d = x - shift
    s, ss = tl.reduce((d, d * d), 1, _add_pair)
    s = s[:, None]
    ss = ss[:, None]
    tl.store(mean_ptr + rows, shift + s / N)
    tl.store(var_ptr + rows, (ss - s * s / N) / (N - 1))


def var_mean_more(ceiling, sms):
    M, N, x, rv, rm, mean, var, nbytes = _var_mean_data()
    for xb, w in ((1, 4), (1, 8), (1, 16), (2, 8), (4, 8), (8, 16)):
        f = lambda: _var_mean_hint[(M // xb,)](x, mean, var, N=N, XBLOCK=xb, HINT=0, num_warps=w)
        f()
        err = max(relerr(mean, rm), relerr(var, rv))
        row("var_mean", f"evict_first XBLOCK={xb} warps={w}", bench(f), nbytes, err, ceiling)
    for shifted in (1,):
        for xb, w in ((1, 4), (1, 2), (2, 4)):
            f = lambda: _var_mean_onepass[(M // xb,)](x, mean, var, N=N, XBLOCK=xb, SHIFTED=shifted, num_warps=w)
            f()
            err = max(relerr(mean, rm), relerr(var, rv))
            row("var_mean", f"one reduction of (d, d*d), d = x - x[row, 0], evict_first XBLOCK={xb} warps={w}",
                bench(f), nbytes, err, ceiling)
    # the same, on rows far from zero (mean 1000, std 1): the shift's purpose
    x.add_(1000.0)
    rv, rm = torch.var_mean(x.double(), dim=1)
    _var_mean_onepass[(M,)](x, mean, var, N=N, XBLOCK=1, SHIFTED=1, num_warps=4)
    emit(f"| var_mean | one reduction, rows of mean 1000: rel err mean {relerr(mean, rm):.1e}, "
         f"var {relerr(var, rv):.1e} | | | | | |")


# ---------------------------------------------------------------- gelu_tanh
@triton.jit
def _tanh_approx(x):
    return tl.inline_asm_elementwise("tanh.approx.f32 $0, $1;", "=r,r", [x], dtype=tl.float32, is_pure=True,
                                     pack=1)


@triton.jit
def _gelu(x_ptr, y_ptr, XBLOCK: tl.constexpr, VARIANT: tl.constexpr):
    idx = tl.program_id(0) * XBLOCK + tl.arange(0, XBLOCK)
    x = tl.load(x_ptr + idx).to(tl.float32)
    u = 0.7978845608028654 * (x + 0.044715 * (x * x * x))
    if VARIANT == 0:
        y = 0.5 * x * (1.0 + libdevice.tanh(u))
    elif VARIANT == 1:
        y = x / (1.0 + tl.exp(-2.0 * u))
    elif VARIANT == 2:
        y = x * tl.sigmoid(2.0 * u)
    elif VARIANT == 3:
        y = 0.5 * x * (1.0 + _tanh_approx(u))
    elif VARIANT == 4:
        t = 2.0 / (1.0 + tl.exp(-2.0 * u)) - 1.0
        y = 0.5 * x * (1.0 + t)
    else:
        y = x * tl.fdiv(1.0, 1.0 + tl.exp(-2.0 * u))
    tl.store(y_ptr + idx, y.to(tl.bfloat16))


def gelu(ceiling, sms):
    x = torch.randn(8192, 8192, device=DEV, dtype=torch.bfloat16)
    ref = F.gelu(x.double(), approximate="tanh")
    y = torch.empty_like(x)
    nbytes = x.numel() * 4
    c = torch.compile(lambda t: F.gelu(t, approximate="tanh"))
    c(x)
    row("gelu_tanh", "torch.compile", bench(lambda: c(x)), nbytes, relerr(c(x), ref), ceiling)
    row("gelu_tanh", "eager", bench(lambda: F.gelu(x, approximate="tanh")), nbytes,
        relerr(F.gelu(x, approximate="tanh"), ref), ceiling)
    names = {0: "libdevice.tanh", 1: "x/(1+exp(-2u))", 2: "x*sigmoid(2u)", 3: "tanh.approx.f32",
             4: "tanh as 2/(1+exp(-2u))-1", 5: "x*fdiv(1,1+exp(-2u))"}
    for v in range(6):
        best = None
        for xb in (512, 1024, 2048, 4096):
            for w in (2, 4, 8):
                f = lambda: _gelu[(x.numel() // xb,)](x, y, XBLOCK=xb, VARIANT=v, num_warps=w)
                f()
                err = relerr(y, ref)
                ms = bench(f)
                if best is None or ms < best[0]:
                    best = (ms, xb, w, err)
                if xb == 1024 and w == 4:
                    row("gelu_tanh", f"{names[v]} XBLOCK=1024 warps=4", ms, nbytes, err, ceiling)
        row("gelu_tanh", f"{names[v]} best XBLOCK={best[1]} warps={best[2]}", best[0], nbytes, best[3], ceiling)


# ---------------------------------------------------------------- cross_entropy
@triton.jit
def _maximum(a, b):
    mask = (a > b) | (a != a)
    return tl.where(mask, a, b)


@triton.jit
def _ce_rows(x_ptr, t_ptr, max_ptr, sum_ptr, loss_ptr, C: tl.constexpr, R0_BLOCK: tl.constexpr,
             ONE_EXP: tl.constexpr, EPILOGUE: tl.constexpr):
    row = tl.program_id(0)
    base = tl.arange(0, R0_BLOCK)
    _m = tl.full([R0_BLOCK], float("-inf"), tl.float32)
    _s = tl.zeros([R0_BLOCK], tl.float32)
    for off in range(0, C, R0_BLOCK):
        idx = off + base
        mask = idx < C
        x = tl.load(x_ptr + row * C + idx, mask, other=0)
        m_new = _maximum(_m, x)
        if ONE_EXP:
            e = tl.exp(-tl.abs(x - _m))
            s_new = tl.where(x > _m, _s * e + 1.0, _s + tl.where(m_new == float("-inf"), 0.0, e))
        else:
            alpha = tl.where(_m == m_new, 1.0, tl.exp(_m - m_new))
            term = tl.where(m_new == float("-inf"), 0.0, tl.exp(x - m_new))
            s_new = _s * alpha + term
        _s = tl.where(mask, s_new, _s)
        _m = tl.where(mask, m_new, _m)
    m = tl.reduce(_m, 0, _maximum)
    s = tl.sum(_s * tl.where(_m == m, 1.0, tl.exp(_m - m)), 0)
    if EPILOGUE:
        t = tl.load(t_ptr + row)
        valid = t != -100
        tt = tl.where(valid, t, 0)
        tl.device_assert((0 <= tt) & (tt < C), "index out of bounds")
        xt = tl.load(x_ptr + row * C + tt)
        tl.store(loss_ptr + row, tl.where(valid, m + tl.log(s) - xt, 0.0))
    else:
        tl.store(max_ptr + row, m)
        tl.store(sum_ptr + row, s)


@triton.jit
def _ce_final_gather(t_ptr, max_ptr, sum_ptr, x_ptr, out_ptr, C: tl.constexpr, R: tl.constexpr):
    r = tl.arange(0, R)
    t = tl.load(t_ptr + r)
    valid = t != -100
    tt = tl.where(valid, t, 0)
    tl.device_assert((0 <= tt) & (tt < C), "index out of bounds")
    xt = tl.load(x_ptr + r * C + tt)
    loss = tl.where(valid, tl.log(tl.load(sum_ptr + r)) + tl.load(max_ptr + r) - xt, 0.0)
    tl.store(out_ptr, tl.sum(loss, 0) / tl.sum(valid.to(tl.float32), 0))


@triton.jit
def _ce_final_sum(t_ptr, loss_ptr, out_ptr, R: tl.constexpr):
    r = tl.arange(0, R)
    valid = tl.load(t_ptr + r) != -100
    tl.store(out_ptr, tl.sum(tl.load(loss_ptr + r), 0) / tl.sum(valid.to(tl.float32), 0))


def cross_entropy(ceiling, sms):
    B, C = 8192, 32000
    x = torch.randn(B, C, device=DEV)
    t = torch.randint(0, C, (B,), device=DEV)
    t[::7] = -100
    ref = F.cross_entropy(x.double(), t)
    nbytes = x.numel() * 4 + B * 8 + 4
    c = torch.compile(lambda a, b: F.cross_entropy(a, b))
    c(x, t)
    row("cross_entropy", "torch.compile", bench(lambda: c(x, t)), nbytes, relerr(c(x, t), ref), ceiling)
    mx = torch.empty(B, device=DEV)
    sm = torch.empty(B, device=DEV)
    ls = torch.empty(B, device=DEV)
    out = torch.empty((), device=DEV)
    for one in (0, 1):
        for rb in (2048, 4096):
            for w in (8, 16):
                def f():
                    _ce_rows[(B,)](x, t, mx, sm, ls, C=C, R0_BLOCK=rb, ONE_EXP=one, EPILOGUE=0, num_warps=w)
                    _ce_final_gather[(1,)](t, mx, sm, x, out, C=C, R=B, num_warps=16, debug=True,
                                           sanitize_overflow=False)
                f()
                err = relerr(out, ref)
                row("cross_entropy", f"two kernels, gather in the second; one_exp={one} R0_BLOCK={rb} warps={w}",
                    bench(f), nbytes, err, ceiling)
    k1 = lambda: _ce_rows[(B,)](x, t, mx, sm, ls, C=C, R0_BLOCK=2048, ONE_EXP=1, EPILOGUE=0, num_warps=8)
    row("cross_entropy", "first kernel alone (one_exp, 2048, 8 warps)", bench(k1), nbytes, 0, ceiling)
    k2 = lambda: _ce_final_gather[(1,)](t, mx, sm, x, out, C=C, R=B, num_warps=16, debug=True,
                                        sanitize_overflow=False)
    row("cross_entropy", "second kernel alone (gather, debug, no overflow checks)", bench(k2), nbytes, 0, ceiling)
    k2s = lambda: _ce_final_gather[(1,)](t, mx, sm, x, out, C=C, R=B, num_warps=16, debug=True)
    row("cross_entropy", "second kernel alone (gather, debug, overflow checks)", bench(k2s), nbytes, 0, ceiling)
    for one in (0, 1):
        for dbg, san in ((True, False), (True, True), (False, False)):
            for w in (8, 16):
                def f():
                    _ce_rows[(B,)](x, t, mx, sm, ls, C=C, R0_BLOCK=2048, ONE_EXP=one, EPILOGUE=1, num_warps=w,
                                   debug=dbg, sanitize_overflow=san)
                    _ce_final_sum[(1,)](t, ls, out, R=B, num_warps=16)
                f()
                err = relerr(out, ref)
                row("cross_entropy", f"row loss in the first kernel; one_exp={one} debug={dbg} overflow_checks={san} "
                    f"warps={w}", bench(f), nbytes, err, ceiling)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="var_mean,colsum,gelu,cross_entropy")
    ap.add_argument("--out")
    args = ap.parse_args()
    props = torch.cuda.get_device_properties(0)
    emit(f"# explore.py on {props.name}; torch {torch.__version__}; triton {triton.__version__}\n")
    ceiling = ceilings()
    emit("| workload | variant | ms | TB/s | / 1 GiB copy ceiling | rel err | |")
    emit("|---|---|---:|---:|---:|---:|---|")
    fns = {"var_mean": var_mean, "colsum": colsum, "gelu": gelu, "cross_entropy": cross_entropy,
           "colsum_deep": colsum_deep, "var_mean_hints": var_mean_hints,
           "colsum_gen": colsum_gen, "var_mean_more": var_mean_more}
    for name in args.only.split(","):
        try:
            fns[name](ceiling, props.multi_processor_count)
        except Exception as e:  # keep the other studies' results
            emit(f"| {name} | FAILED: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''} | | | | | |")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(LINES) + "\n")


if __name__ == "__main__":
    sys.exit(main())
