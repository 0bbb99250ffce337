"""GPU check and benchmark of the archive importer on full-size models.

Usage (on the device machine, from the repository root; GEN is the gen
binary built for the host, e.g. .gpu/gen):
    python3 bench/gpu/pt2_models.py --gen .gpu/gen --out DIR

For each model of bench/gpu/export_models.py at full size it:
 1. exports the nn.Module on cuda (torch.export + run_decompositions()) to
    WORK/archives/<name>.pt2 and runs `gen` on it (with -specialize for the
    dynamic one) into DIR/modules/<name>.py;
 2. checks: the module's call(load_params(archive) + inputs) against
    ep.module()(*inputs) on fresh random inputs of the example shapes,
    ||out - ref|| / ||ref|| <= 1e-4 (float32) / 1e-2 (bfloat16), integers
    exact; TF32 off for the check (matmul and cuDNN);
 3. times (TF32 at torch's defaults) with triton.testing.do_bench (median)
    the module's call(), the nn.Module in eager mode and torch.compile(model),
    and counts the GPU kernels each launches per call (torch.profiler).
Writes DIR/pt2-<device>.md and DIR/pt2-<device>.json.
"""
import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import time

import torch
import triton
import triton.testing

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_models  # noqa: E402
from profiling import cuda_events  # noqa: E402


def load_module(path, name):
    spec = importlib.util.spec_from_file_location("fusegen_pt2_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def flat(x):
    if isinstance(x, torch.Tensor):
        return [x]
    out = []
    for y in x:
        out.extend(flat(y))
    return out


def rel_error(out, ref):
    if out.shape != ref.shape:
        return math.inf
    if not out.dtype.is_floating_point:
        return 0.0 if torch.equal(out, ref) else math.inf
    o, r = out.double(), ref.double()
    d = r.norm().item()
    return (o - r).norm().item() / (d if d else 1.0)


def fresh_like(t):
    if t.dtype.is_floating_point:
        return torch.randn_like(t)
    return torch.randint_like(t, 0, int(t.max().item()) + 1)


def gpu_kernels(fn, calls=3):
    events = cuda_events(fn, calls)
    return sum(1 for e in events if not e.name.startswith(("Memcpy", "Memset"))) / calls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", default="/tmp/fusegen-pt2", help="folder for the full-size archives (large; not in --out)")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--profile", action="store_true", help="print each variant's GPU kernels by time")
    a = ap.parse_args()
    arch_dir, mod_dir = os.path.join(a.work, "archives"), os.path.join(a.out, "modules")
    os.makedirs(arch_dir, exist_ok=True)
    os.makedirs(mod_dir, exist_ok=True)
    dev = torch.cuda.get_device_name()
    torch.manual_seed(0)
    rows = []
    for name, model, args, dyn, dtype in export_models.models(full=True):
        if a.only and name not in a.only:
            continue
        row = {"name": name, "dtype": str(dtype).replace("torch.", "")}
        rows.append(row)
        try:
            model, args = export_models.export(name, model, args, arch_dir, dyn, dtype, "cuda")
            archive = os.path.join(arch_dir, name + ".pt2")
            module_path = os.path.join(mod_dir, name + ".py")
            cmd = [a.gen] + (["-specialize"] if dyn else []) + ["-o", module_path, archive]
            t0 = time.perf_counter()
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode != 0:
                raise RuntimeError("gen: " + (res.stderr.strip().splitlines() or ["exit %d" % res.returncode])[-1])
            row["gen_ms"] = (time.perf_counter() - t0) * 1e3
            mod = load_module(module_path, name)
            ep = torch.export.load(archive)
            ref_fn = ep.module()
            params = mod.load_params(archive)
            inputs = [fresh_like(x) for x in args]
            row["shapes"] = " ".join("x".join(map(str, x.shape)) + ":" + str(x.dtype).replace("torch.", "") for x in inputs)
            # The check, in full float32 precision.
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            with torch.no_grad():
                outs = flat(mod.call(list(params) + list(inputs)))
                refs = flat(ref_fn(*inputs))
            errs = [rel_error(o, r) for o, r in zip(outs, refs)]
            tol = max(1e-4 if o.dtype in (torch.float32, torch.float64) else (1e-2 if o.dtype.is_floating_point else 0.0) for o in outs)
            row["err"] = max(errs) if errs else math.nan
            row["tol"] = tol
            row["ok"] = len(outs) == len(refs) and all(e <= (1e-4 if o.dtype in (torch.float32, torch.float64) else 1e-2) for e, o in zip(errs, outs))
            row["kernels_fusegen_triton"] = len(getattr(mod, "_compiled", []))
            torch.backends.cudnn.allow_tf32 = True
            print(f"{name}: check {'pass' if row['ok'] else 'FAIL'} err={row['err']:.2e}", flush=True)
            if not row["ok"]:
                continue
            # The benchmark, at torch's default precision flags.
            with torch.no_grad():
                call_args = list(params) + list(inputs)
                fus = lambda: mod.call(list(call_args))  # noqa: E731
                eager = lambda: model(*inputs)  # noqa: E731
                compiled_model = torch.compile(model)
                t0 = time.perf_counter()
                compiled_model(*inputs)
                torch.cuda.synchronize()
                row["compile_s"] = time.perf_counter() - t0
                comp = lambda: compiled_model(*inputs)  # noqa: E731
                row["ms"] = triton.testing.do_bench(fus, return_mode="median")
                row["eager_ms"] = triton.testing.do_bench(eager, return_mode="median")
                row["compile_ms"] = triton.testing.do_bench(comp, return_mode="median")
                row["launches"] = gpu_kernels(fus)
                row["eager_launches"] = gpu_kernels(eager)
                row["compile_launches"] = gpu_kernels(comp)
            row["ratio"] = row["compile_ms"] / row["ms"]
            print(f"{name}: fusegen {row['ms']:.4f} ms, eager {row['eager_ms']:.4f}, compile {row['compile_ms']:.4f} ({row['ratio']:.2f}x); "
                  f"launches {row['launches']:.0f}/{row['eager_launches']:.0f}/{row['compile_launches']:.0f}", flush=True)
            if a.profile:
                for label, fn in (("fusegen", fus), ("torch.compile", comp)):
                    with torch.no_grad(), torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
                        for _ in range(5):
                            fn()
                        torch.cuda.synchronize()
                    print(f"--- {name} {label}\n" + prof.key_averages().table(sort_by="cuda_time_total", row_limit=12, max_name_column_width=70), flush=True)
        except Exception as e:  # one model's failure must not hide the others
            import traceback
            traceback.print_exc()
            row["ok"] = False
            row["note"] = f"{type(e).__name__}: {str(e).strip().splitlines()[-1] if str(e).strip() else ''}"[:300]
            print(f"{name}: FAIL {row['note']}", flush=True)
        finally:
            torch.cuda.empty_cache()
    tag = dev.split()[-1].lower()
    lines = [f"# fusegen from torch.export archives: {dev}", "",
             f"torch {torch.__version__}; triton {triton.__version__}. Each model exported on cuda with torch.export + "
             "run_decompositions(), generated by `gen` (`-specialize` for the dynamic one), checked against "
             "`ep.module()(*inputs)` on fresh random inputs (TF32 off), then timed with triton.testing.do_bench "
             "(median) against the nn.Module in eager mode and `torch.compile(model)` at torch's default flags; "
             "launches: GPU kernels per call seen by torch.profiler.", "",
             "| model | inputs | check (max rel err / tol) | fusegen ms | eager ms | torch.compile ms | compile/fusegen | "
             "launches fusegen / eager / compile | Triton kernels (fusegen) | gen ms |",
             "|---|---|---|---:|---:|---:|---:|---|---:|---:|"]
    for r in rows:
        chk = (f"pass {r['err']:.1e} / {r['tol']:g}" if r.get("ok") else "FAIL " + (r.get("note") or f"{r.get('err', math.nan):.1e}"))
        if "ms" in r:
            lines.append(f"| {r['name']} | {r.get('shapes', '')} | {chk} | {r['ms']:.4f} | {r['eager_ms']:.4f} | {r['compile_ms']:.4f} | "
                         f"{r['ratio']:.2f} | {r['launches']:.0f} / {r['eager_launches']:.0f} / {r['compile_launches']:.0f} | "
                         f"{r['kernels_fusegen_triton']} | {r.get('gen_ms', 0):.0f} |")
        else:
            lines.append(f"| {r['name']} | {r.get('shapes', '')} | {chk} | - | - | - | - | - | - | - |")
    ratios = [r["ratio"] for r in rows if "ratio" in r]
    if ratios:
        lines += ["", f"Geometric mean of torch.compile ms / fusegen ms over {len(ratios)} models: "
                  f"{math.exp(sum(map(math.log, ratios)) / len(ratios)):.3f}"]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(os.path.join(a.out, f"pt2-{tag}.md"), "w") as f:
        f.write(text)
    with open(os.path.join(a.out, f"pt2-{tag}.json"), "w") as f:
        json.dump(rows, f, indent=1, default=str)
    sys.exit(0 if all(r.get("ok") for r in rows) else 1)


if __name__ == "__main__":
    main()
