"""Block-size sweep: time module variants and kernel configs on the GPU.

Usage: python3 bench/gpu/sweep.py VARIANT_DIR... [--out FILE]
Each VARIANT_DIR holds modules rendered with other heuristics (see
bench/gpu/variants). For every workload, each distinct variant is checked
against the eager reference and timed; then, for the two fastest variants,
each kernel is recompiled with other R0_BLOCK / num_warps values (XBLOCK
stays, so the grid in call() stays valid) and timed. torch.compile of the
reference is timed on the same inputs for comparison.
"""
import argparse
import importlib.util
import os
import sys

import torch
import triton.testing

sys.path.insert(0, os.path.dirname(__file__))
from check import REFERENCES, compare  # noqa: E402


def load(path):
    spec = importlib.util.spec_from_file_location("m_" + path.replace("/", "_").replace(".", "_"), path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def bench(fn):
    return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="+")
    ap.add_argument("--out")
    ap.add_argument("--no-configs", action="store_true", help="time the variants only, no per-kernel config sweep")
    args = ap.parse_args()
    names = sorted(f[:-3] for f in os.listdir(args.dirs[0]) if f.endswith(".py"))
    lines = ["| workload | variant | config | ms | torch.compile ms | compile/fusegen |", "|---|---|---|---|---|---|"]
    for name in names:
        ref = REFERENCES[name[:-4] if name.endswith("_odd") else name]
        seen = {}
        results = []
        inputs = None
        for d in args.dirs:
            path = os.path.join(d, name + ".py")
            src = open(path).read()
            if src in seen:
                continue
            seen[src] = d
            mod = load(path)
            if inputs is None:
                inputs = mod.get_args()
                hi = [t.double() if t.dtype.is_floating_point else t for t in inputs]
                refs_hi, refs_exact = ref(*hi), ref(*inputs)
                compiled = torch.compile(ref)
                compiled(*inputs)
                cms = bench(lambda: compiled(*inputs))
            outs = mod.call(list(inputs))
            err, tol, ok, note = compare(name, outs, refs_hi, refs_exact)
            ms = bench(lambda: mod.call(list(inputs)))
            results.append((ms, d, mod))
            lines.append(f"| {name} | {os.path.basename(d)} | default{'' if ok else ' FAIL ' + note} | {ms:.4f} | {cms:.4f} | {cms / ms:.2f} |")
            print(lines[-1], flush=True)
        results.sort(key=lambda r: r[0])
        for ms0, d, mod in ([] if args.no_configs else results[:2]):
            for i, (kernel, sig, constexprs, warps, stages) in enumerate(mod._KERNELS):
                looped = "r0_offset" in kernel.src if hasattr(kernel, "src") else False
                rblocks = [constexprs.get("R0_BLOCK")]
                if "R0_BLOCK" in constexprs and looped:
                    if constexprs["XBLOCK"] > 1:  # strided rows: column blocks stream many rows
                        rblocks = [64, 128, 256, 512, 1024]
                    else:
                        rblocks = [1024, 2048, 4096, 8192]
                default = mod._compiled[i]
                best = (ms0, constexprs.get("R0_BLOCK"), warps)
                for rb in rblocks:
                    for w in (2, 4, 8, 16, 32):
                        c = dict(constexprs)
                        if rb is not None:
                            c["R0_BLOCK"] = rb
                        try:
                            mod._compiled[i] = mod._compile(kernel, sig, c, w, stages)
                            outs = mod.call(list(inputs))
                            _, _, ok, note = compare(name, outs, refs_hi, refs_exact)
                            ms = bench(lambda: mod.call(list(inputs)))
                        except Exception as e:  # a config that does not compile or fit
                            lines.append(f"| {name} | {os.path.basename(d)} | k{i} R0_BLOCK={rb} warps={w}: {type(e).__name__} | - | - | - |")
                            continue
                        tag = f"k{i} R0_BLOCK={rb} warps={w}" + ("" if ok else " FAIL " + note)
                        lines.append(f"| {name} | {os.path.basename(d)} | {tag} | {ms:.4f} | {cms:.4f} | {cms / ms:.2f} |")
                        if ok and ms < best[0]:
                            best = (ms, rb, w)
                mod._compiled[i] = default
                print(f"{name} {os.path.basename(d)} k{i}: best R0_BLOCK={best[1]} warps={best[2]} {best[0]:.4f} ms (default {ms0:.4f}); compile {cms:.4f}", flush=True)
        del inputs
        torch.cuda.empty_cache()
    text = "\n".join(lines)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
