"""Golden GPU check: run generated modules against the reference interpreter.

Usage (on a machine with a GPU, from the repository root):
    python3 bench/gpu/golden_check.py MODULE_DIR GRAPH_DIR [--out FILE.md]

For every MODULE_DIR/<name>.py that has a GRAPH_DIR/<name>.json (the graph
it was generated from; bench/gpu/prepare.sh writes both into .gpu/golden),
the module is imported, its call() runs on get_args(), and every output is
compared with bench/gpu/interp.py's evaluation of the graph on the same
inputs: floating outputs by ||out - ref|| / ||ref|| in float64 (tolerance
1e-5 for float32 and float64, 1e-2 for float16 and bfloat16), where the
reference's NaN and inf positions must hold the same NaN or inf and are left
out of the norm; integer and bool outputs exactly. Elements the IR leaves
undefined (integer division by zero, say) are not compared. Graphs whose
index grids exceed 2^28 elements are skipped.
"""
import argparse
import importlib.util
import json
import math
import os
import sys
import traceback

import torch

# float32 convolutions in full precision: cuDNN's default is TF32 (10-bit
# mantissa), which no float32 tolerance here allows, in eager as in the
# module (both call the same aten op; the module follows the process's flag).
torch.backends.cudnn.allow_tf32 = False

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interp import grid_elements, run_graph_ex  # noqa: E402

MAX_GRID = 2**28


def load_module(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location("fusegen_golden_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def same_values(a, b):
    """Equal values, NaN equal to NaN."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.is_floating_point:
        return bool(((a == b) | (torch.isnan(a) & torch.isnan(b))).all())
    return torch.equal(a, b)


def _unravel(flat, shape):
    idx = []
    for n in reversed(shape):
        idx.append(flat % n)
        flat //= n
    return tuple(reversed(idx))


def compare_one(out, ref, undef):
    """Returns (ok, relative error or None for exact, tolerance, note)."""
    if not isinstance(out, torch.Tensor):
        return False, None, 0, f"not a tensor: {type(out).__name__}"
    if out.dtype != ref.dtype:
        return False, None, 0, f"dtype {out.dtype} != {ref.dtype}"
    if tuple(out.shape) != tuple(ref.shape):
        return False, None, 0, f"shape {tuple(out.shape)} != {tuple(ref.shape)}"
    out = out.to(ref.device)
    keep = torch.ones(ref.shape, dtype=torch.bool, device=ref.device)
    if undef is not None:
        keep = ~undef
    nundef = int((~keep).sum())
    extra = f" ({nundef} undefined elements not compared)" if nundef else ""
    if not ref.dtype.is_floating_point:
        diff = (out != ref) & keep
        n = int(diff.sum())
        if n:
            first = tuple(int(i) for i in diff.nonzero()[0])
            return False, None, 0, (f"{n} of {ref.numel()} elements differ; first at {first}: "
                                    f"got {out[first].item()}, want {ref[first].item()}" + extra)
        return True, None, 0, extra.strip()
    tol = 1e-5 if ref.dtype in (torch.float32, torch.float64) else 1e-2
    o, r = out.double(), ref.double()
    rnan, onan = torch.isnan(r), torch.isnan(o)
    notes = []
    bad_nan = keep & (rnan != onan)
    if bool(bad_nan.any()):
        n1, n2 = int((bad_nan & rnan).sum()), int((bad_nan & onan).sum())
        if n1:
            notes.append(f"{n1} NaN(s) of the reference missing")
        if n2:
            first = tuple(int(i) for i in (bad_nan & onan).nonzero()[0])
            notes.append(f"{n2} unexpected NaN(s), first at {first} (want {r[first].item()})")
    rinf = torch.isinf(r) & keep
    bad_inf = rinf & (o != r)
    if bool(bad_inf.any()):
        first = tuple(int(i) for i in bad_inf.nonzero()[0])
        notes.append(f"{int(bad_inf.sum())} inf(s) of the reference differ, first at {first}: got {o[first].item()}")
    fin = keep & ~rnan & ~torch.isinf(r) & ~onan
    oinf = fin & torch.isinf(o)
    if bool(oinf.any()):
        first = tuple(int(i) for i in oinf.nonzero()[0])
        notes.append(f"{int(oinf.sum())} unexpected inf(s), first at {first}: want {r[first].item()}")
        fin = fin & ~oinf
    d = torch.where(fin, o - r, torch.zeros_like(r))
    rn = torch.where(fin, r, torch.zeros_like(r))
    denom = float(rn.norm())
    err = float(d.norm()) / (denom if denom else 1.0)
    if notes:
        err = math.inf
    elif not err <= tol:
        worst = _unravel(int(d.abs().argmax()), d.shape)
        notes.append(f"rel err {err:.2e} > {tol:g}; worst at {worst}: got {o[worst].item()!r}, want {r[worst].item()!r}")
    return not notes, err, tol, "; ".join(notes) + extra


def check(name, mod_path, graph):
    """Returns a result row for one module."""
    mod = load_module(mod_path)
    torch.manual_seed(0)
    inputs = list(mod.get_args())
    saved = [t.clone() for t in inputs]
    outs = mod.call(list(inputs))
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    if isinstance(outs, torch.Tensor):
        outs = [outs]
    outs = list(outs)
    notes, errs, tols, ok = [], [], [], True
    for k, (a, b) in enumerate(zip(inputs, saved)):
        if not same_values(a, b):
            ok = False
            notes.append(f"call modified input {k}")
    refs, undefs = run_graph_ex(graph, saved)
    names = graph["outputs"]
    if len(outs) != len(refs):
        return {"name": name, "ok": False, "err": None, "tol": 0, "outs": len(outs),
                "note": f"call returned {len(outs)} outputs, the graph has {len(refs)}"}
    for k, (o, r, u) in enumerate(zip(outs, refs, undefs)):
        good, err, tol, note = compare_one(o, r, u)
        if err is not None:
            errs.append(err)
            tols.append(tol)
        if not good:
            ok = False
            notes.append(f"{names[k]}: {note}")
        elif note:
            notes.append(f"{names[k]}: {note}")
    worst = max(errs) if errs else None
    return {"name": name, "ok": ok, "err": worst, "tol": max(tols) if tols else 0, "outs": len(outs),
            "note": "; ".join(notes)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("module_dir")
    ap.add_argument("graph_dir")
    ap.add_argument("--out")
    args = ap.parse_args()
    names = sorted(f[:-3] for f in os.listdir(args.module_dir) if f.endswith(".py"))
    rows = []
    for name in names:
        gpath = os.path.join(args.graph_dir, name + ".json")
        if not os.path.exists(gpath):
            print(f"{name}: no graph {gpath}, not checked", flush=True)
            continue
        try:
            with open(gpath) as f:
                graph = json.load(f)
            grid = grid_elements(graph)
            if grid > MAX_GRID:
                row = {"name": name, "ok": None, "err": None, "tol": 0, "outs": len(graph["outputs"]),
                       "note": f"skipped: too large (index grid of {grid} elements)"}
            else:
                row = check(name, os.path.join(args.module_dir, name + ".py"), graph)
        except Exception as e:  # one broken module must not hide the rest
            tb = traceback.format_exc().strip().splitlines()
            msg = str(e).strip().splitlines()
            row = {"name": name, "ok": False, "err": None, "tol": 0, "outs": 0,
                   "note": f"{type(e).__name__}: {msg[-1] if msg else ''}"[:300]}
            print("\n".join(tb[-12:]), flush=True)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        rows.append(row)
        status = "skipped" if row["ok"] is None else ("ok" if row["ok"] else "FAIL")
        err = "" if row["err"] is None else f" err={row['err']:.2e}"
        print(f"{name}: {status}{err} {row['note']}".rstrip(), flush=True)

    passed = sum(1 for r in rows if r["ok"] is True)
    failed = sum(1 for r in rows if r["ok"] is False)
    skipped = sum(1 for r in rows if r["ok"] is None)
    dev = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    try:
        import triton  # only for the version line
        tver = triton.__version__
    except ImportError:
        tver = "missing"
    lines = [f"GPU: {dev}; torch {torch.__version__}; triton {tver}", "",
             "| graph | outputs | max rel err | tolerance | result |", "|---|---|---|---|---|"]
    for r in rows:
        if r["ok"] is None:
            err, tol, res = "-", "-", r["note"]
        else:
            err = "exact" if r["err"] is None else f"{r['err']:.2e}"
            tol = f"{r['tol']:g}" if r["tol"] else "exact"
            res = ("pass" if r["ok"] else "FAIL") + (f": {r['note']}" if r["note"] else "")
        lines.append(f"| {r['name']} | {r['outs']} | {err} | {tol} | {res.replace('|', '/')} |")
    lines.append("")
    lines.append(f"golden gpu checks: {passed} passed, {failed} failed, {skipped} skipped")
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
