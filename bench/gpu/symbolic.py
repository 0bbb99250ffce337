"""GPU check and benchmark of symbolic modules (issue 15).

Usage (on the device machine, from the repository root, after
bench/gpu/symbolic_prepare.py filled DIR):
    python3 bench/gpu/symbolic.py --modules .gpu/sym --out OUT [--archive A.pt2 --archive-module M.py --archive-sizes JSON ...] [--archives-only]

For each graph of bench/gpu/symbolic/ and each size of its sizes.json:
 1. check: the symbolic module's call() on fresh random inputs of that size
    (get_args(**sizes)) against torch eager computed in float64 from the
    same inputs: ||out - ref|| / ||ref|| <= 1e-4 (float32) / 1e-2
    (bfloat16); the static module generated for that size is checked too;
 2. time with triton.testing.do_bench (median) the symbolic module, the
    static module, torch eager and torch.compile(dynamic=True) of the eager
    function, all in this process on the same inputs.
Each dynamic torch.export archive given (--archive, --archive-module and
--archive-sizes once per archive) is checked at each symbol assignment of
its sizes against ep.module() on the same inputs (its module from gen
without -specialize: one module for all of them).
Writes OUT/symbolic-h200.md and OUT/symbolic-h200.json; with
--archives-only, only the archives are checked, into
OUT/symbolic-archives-h200.md and .json.
"""
import argparse
import importlib.util
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import triton.testing

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from symbolic_prepare import tag  # noqa: E402  the static modules' file names
from profiling import cuda_events  # noqa: E402
from symbolic_report import render  # noqa: E402


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def ln_residual(x, res, w, b):
    h = x + res
    return F.layer_norm(h, (h.shape[-1],), w, b, 1e-5), h


def causal_softmax(x):
    s = x.shape[-1]
    keep = torch.tril(torch.ones(s, s, dtype=torch.bool, device=x.device))
    return (torch.where(keep, x * 0.125, float("-inf")).softmax(-1),)


def mlp(x, w1, b1, w2, b2):
    g = F.gelu(F.linear(x, w1, b1), approximate="tanh")
    return (F.linear(g, w2, b2) + x,)


def views_looped(x, y, idx):
    total = (x + y.permute(1, 0)).sum(1)
    flat = torch.cat([x, x], 1).reshape(-1)
    return total, flat, torch.gather(x, 1, idx.unsqueeze(1))


def derived(x, h):
    return h.softmax(-1), x.sum(1), torch.cat([h, h], 1)


def cat_pad(x, y):
    c = torch.cat([x, y, x], 1)
    return c.softmax(-1), c.sum(1), F.pad(x, (1, 2), value=-1.0)


REFERENCES = {"ln_residual": ln_residual, "causal_softmax": causal_softmax, "mlp": mlp, "views_looped": views_looped, "derived": derived,
              "cat_pad": cat_pad}


def rel_error(out, ref):
    if out.shape != ref.shape:
        return math.inf
    o, r = out.double(), ref.double()
    if torch.isnan(o).any() != torch.isnan(r).any():
        return math.inf
    o, r = torch.nan_to_num(o, posinf=0, neginf=0), torch.nan_to_num(r, posinf=0, neginf=0)
    d = r.norm().item()
    return (o - r).norm().item() / (d if d else 1.0)


def tolerance(dtype):
    return 1e-4 if dtype == torch.float32 else 1e-2


def bench(fn):
    # Short rounds, many of them: the host's speed drifts over seconds on a
    # shared machine, and interleaving finely spreads that over all four.
    return triton.testing.do_bench(fn, warmup=5, rep=25, return_mode="median")


ROUNDS = 25
# The order of the callables (0 symbolic, 1 static, 2 eager, 3 compile) in
# even and odd rounds.
ORDERS = ((0, 1, 2, 3), (1, 0, 3, 2))


def host_us(*fns, calls=200, repeats=7):
    # The host's time for one call of each callable, in microseconds: calls
    # back to back, without waiting for the GPU (whose queue stays shorter
    # than what would make the host wait), the median of repeats that
    # alternate between the callables.
    times = [[] for _ in fns]
    for _ in range(repeats):
        for t, fn in zip(times, fns):
            torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            t.append((time.perf_counter() - start) / calls * 1e6)
    torch.cuda.synchronize()
    return [statistics.median(t) for t in times]


def kernel_us(fn, calls=50):
    # The GPU time of one call's kernels (Triton and library ones), summed
    # from the profiler: what do_bench measures less the host's share.
    return sum(e.device_time for e in cuda_events(fn, calls)) / calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modules", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--archive", action="append", default=[])
    ap.add_argument("--archive-module", action="append", default=[])
    ap.add_argument("--archive-sizes", action="append", default=[], help="JSON list of symbol values, one dict per check")
    ap.add_argument("--archives-only", action="store_true")
    a = ap.parse_args()
    if not len(a.archive) == len(a.archive_module) == len(a.archive_sizes):
        ap.error("give --archive, --archive-module and --archive-sizes once for each archive")
    os.makedirs(a.out, exist_ok=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    rows, relations, failures = [], [], 0
    if not a.archives_only:
        rows, relations, failures = graph_rows(a.modules)
    archives = []
    for path, module, sizes in zip(a.archive, a.archive_module, a.archive_sizes):
        got, failed = archive_rows(path, module, json.loads(sizes))
        archives += got
        failures += failed
    data = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "triton": triton.__version__,
            "rows": rows, "relations": relations, "archive": archives}
    text = render(data)
    print(text)
    name = "symbolic-archives-h200" if a.archives_only else "symbolic-h200"
    with open(os.path.join(a.out, name + ".md"), "w") as f:
        f.write(text)
    with open(os.path.join(a.out, name + ".json"), "w") as f:
        json.dump(data, f, indent=1)
    sys.exit(1 if failures else 0)


def graph_rows(modules):
    # Each graph at each size: checked, then timed; then the TypeErrors of
    # bad inputs to ln_residual.
    cases = json.load(open(os.path.join(modules, "sizes.json")))
    rows, failures = [], 0
    for name, size_list in cases.items():
        sym = load(os.path.join(modules, name + ".py"), "sym_" + name)
        ref_fn = REFERENCES[name]
        compiled = torch.compile(ref_fn, dynamic=True)
        for sizes in size_list:
            static = load(os.path.join(modules, "%s__%s.py" % (name, tag(sizes))), "static_%s_%s" % (name, tag(sizes)))
            args = sym.get_args(**sizes)
            ref = ref_fn(*[t.double() if t.is_floating_point() else t for t in args])
            got_sym = sym.call(list(args))
            got_static = static.call(list(args))
            got_compiled = compiled(*args)
            tol = tolerance(args[0].dtype)
            err_sym = max(rel_error(o, r) for o, r in zip(got_sym, ref))
            err_static = max(rel_error(o, r) for o, r in zip(got_static, ref))
            err_compiled = max(rel_error(o, r) for o, r in zip(got_compiled, ref))
            ok = err_sym <= tol and err_static <= tol
            failures += not ok
            # ROUNDS rounds, interleaved, each the median of do_bench; the
            # median round is kept, so that drift between them cancels.
            # Every other round runs them in the other order, so that
            # neither module always follows the same callable.
            fns = [lambda: sym.call(list(args)), lambda: static.call(list(args)), lambda: ref_fn(*args), lambda: compiled(*args)]
            rounds = []
            for i in range(ROUNDS):
                times = [0.0] * len(fns)
                for j in ORDERS[i % len(ORDERS)]:
                    times[j] = bench(fns[j])
                rounds.append(times)
            t_sym, t_static, t_eager, t_compiled = [sorted(r[i] for r in rounds)[ROUNDS // 2] for i in range(4)]
            k_sym, k_static = kernel_us(fns[0]), kernel_us(fns[1])
            h_sym, h_static = host_us(fns[0], fns[1])
            row = {"graph": name, "sizes": sizes, "dtype": str(args[0].dtype).replace("torch.", ""),
                   "err_symbolic": err_sym, "err_static": err_static, "err_compiled": err_compiled, "ok": ok,
                   "symbolic_ms": t_sym, "static_ms": t_static, "eager_ms": t_eager, "compile_dynamic_ms": t_compiled,
                   "rounds_ms": rounds, "kernel_us_symbolic": k_sym, "kernel_us_static": k_static,
                   "host_us_symbolic": h_sym, "host_us_static": h_static}
            rows.append(row)
            print("%-15s %-14s sym %.4f static %.4f eager %.4f compile %.4f  sym/static %.3f compile/sym %.3f  kernels %.1f/%.1f us  host %.1f/%.1f us  err %.1e %s" % (
                name, tag(sizes), t_sym, t_static, t_eager, t_compiled, t_static / t_sym, t_compiled / t_sym, k_sym, k_static, h_sym, h_static, err_sym,
                "ok" if ok else "FAIL"), flush=True)
    # call() refuses what breaks a relation or a range with a TypeError
    # naming the input and the dim.
    relation_rows = []
    ln = load(os.path.join(modules, "ln_residual.py"), "sym_ln_errors")
    x, res, w, b = ln.get_args(B=2, S=64)
    for what, bad, want in [
        ("res with S = 63 where x has 64", [x, res[:, :63], w, b], "input res dim 1: size 63, want S = 64"),
        ("x with B = 65 (max 64)", [torch.randn(65, 4, 768, device="cuda"), torch.randn(65, 4, 768, device="cuda"), w, b],
         "input x dim 0: B = 65 is outside [1, 64]"),
        ("x of 2 dims", [x[0], res, w, b], "input x: 2 dims, want 3"),
        ("w of 767 (a static input: its check is unchanged)", [x, res, w[:767], b], "expected size 767==768"),
    ]:
        try:
            ln.call(list(bad))
            got, ok = "no error", False
        except (TypeError, AssertionError) as e:
            got = "%s: %s" % (type(e).__name__, str(e).splitlines()[0])
            ok = want in str(e)
        failures += not ok
        relation_rows.append({"case": what, "error": got, "ok": ok})
        print("relation %s -> %s %s" % (what, got, "ok" if ok else "FAIL"), flush=True)
    return rows, relation_rows, failures


def archive_rows(path, module, size_list):
    # The archive's module at each assignment of its symbols against
    # ep.module() on the same inputs.
    ep = torch.export.load(path)
    # The archive may have been exported on the CPU, with its devices in
    # the graph: the reference runs there, on copies of the inputs.
    model = ep.module()
    mod = load(module, "sym_archive_" + os.path.basename(path).replace(".", "_"))
    # A module of an archive without parameters has no load_params.
    params = mod.load_params(path) if hasattr(mod, "load_params") else []
    rows, failures = [], 0
    for sizes in size_list:
        inputs = mod.get_args(**sizes)[len(params):]
        with torch.no_grad():
            ref = model(*[t.cpu() for t in inputs])
        ref = [r.cuda() for r in (ref if isinstance(ref, (tuple, list)) else (ref,))]
        got = mod.call(list(params) + list(inputs))
        err = max(rel_error(o, r) for o, r in zip(got, ref))
        ok = err <= tolerance(inputs[0].dtype) if inputs[0].is_floating_point() else err == 0
        failures += not ok
        rows.append({"archive": os.path.basename(path), "sizes": sizes, "inputs": [list(t.shape) for t in inputs], "err": err, "ok": ok})
        print("archive %s %s err %.1e %s" % (os.path.basename(path), sizes, err, "ok" if ok else "FAIL"), flush=True)
    return rows, failures


if __name__ == "__main__":
    main()
