"""Benchmark: fusegen against torch.compile (Inductor) and torch eager, in one process.

Usage (on a machine with a GPU, from the repository root; bench/gpu/bench.sh
prepares the modules and the generation times where Go is):
    python3 bench/gpu/bench.py .gpu/bench --gen-times .gpu/gen_times.json --out DIR

What it measures, in this order:
 1. the copy ceiling: a 1 GiB device-to-device copy, bytes read + written over
    the median time (triton.testing.do_bench, return_mode="median");
 2. launch overhead: host microseconds per call of tiny_pointwise (1x1024),
    fusegen call() / the torch.compile'd function / eager, host clock over many
    calls after warm-up, torch.cuda.synchronize() at the end of each batch;
 3. every workload (the modules in MODULE_DIR but tiny_pointwise; references
    from bench/gpu/references.py): fresh random inputs from the module's
    get_args(); call() checked against the eager reference run in float64
    (check.py's tolerances: 1e-5 float32, 1e-2 half types, exact integers); a
    wrong result is FAIL and is not timed as a success; then fusegen call(),
    eager and torch.compile (warmed, same inputs) timed with do_bench (median);
    bytes moved = each input read once + each output written once;
    kernels: fusegen len(module._compiled), Inductor the Triton kernel
    launches in the code it generated (captured with
    torch._inductor.utils.run_and_get_code), both cross-checked with the
    GPU kernels torch.profiler sees per call;
    Inductor's codegen time for that fresh compile from
    torch._dynamo.utils.compile_times() (caches disabled with
    TORCHINDUCTOR_FORCE_DISABLE_CACHES=1, set before torch is imported, and a
    fresh TORCHINDUCTOR_CACHE_DIR), beside fusegen's generation time from the
    Go benchmark (--gen-times).
Writes DIR/<device>.md (the tables), DIR/<device>.png (TB/s chart) and
DIR/<device>.json (every number), device from torch.cuda.get_device_name().
"""
import os
import tempfile

# Before torch is imported: every torch.compile below starts from nothing.
os.environ.setdefault("TORCHINDUCTOR_FORCE_DISABLE_CACHES", "1")
os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", tempfile.mkdtemp(prefix="fusegen-bench-inductor-"))

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import torch  # noqa: E402
import torch._dynamo  # noqa: E402,F401
import torch._dynamo.utils  # noqa: E402,F401
import torch._inductor.config  # noqa: E402,F401
import torch._inductor.utils  # noqa: E402,F401
import triton  # noqa: E402
import triton.testing  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402  (load_module, compare, bytes_of: the same checks as check.py)
from references import REFERENCES  # noqa: E402

TINY = "tiny_pointwise"
T0 = time.perf_counter()


def log(msg):
    print(f"[{time.perf_counter() - T0:7.1f}s] {msg}", flush=True)


def device_slug(name):
    s = name.lower().replace("nvidia", "").strip()
    s = re.sub(r"[^a-z0-9]+", "_", s.split()[0] if s.split() else "gpu").strip("_")
    return s or "gpu"


class Bench:
    def __init__(self, warmup_ms, rep_ms):
        self.warmup, self.rep = warmup_ms, rep_ms

    def ms(self, fn):
        return triton.testing.do_bench(fn, warmup=self.warmup, rep=self.rep, return_mode="median")


def tbs(nbytes, ms):
    return nbytes / ms / 1e9 if ms else math.nan


def copy_ceiling(bench):
    n = 2**30 // 4  # 1 GiB of float32
    src = torch.randn(n, device="cuda")
    dst = torch.empty_like(src)
    dst.copy_(src)
    torch.cuda.synchronize()
    ms = bench.ms(lambda: dst.copy_(src))
    ok = torch.equal(dst, src)
    del src, dst
    torch.cuda.empty_cache()
    return {"bytes": 2 * n * 4, "ms": ms, "tbs": tbs(2 * n * 4, ms), "copy_ok": ok}


def copy_same_bytes(bench, nbytes):
    """A device-to-device copy moving nbytes (read + write): the ceiling at
    this size, where do_bench's fixed costs (launch, its L2 flush's dirty
    lines) weigh more than at 1 GiB."""
    n = max(nbytes // 8, 1)  # float32 elements each side
    src = torch.randn(n, device="cuda")
    dst = torch.empty_like(src)
    ms = bench.ms(lambda: dst.copy_(src))
    del src, dst
    torch.cuda.empty_cache()
    return ms


def host_us_per_call(fn, calls=2000, warm=200, batches=5):
    """Host clock over `calls` calls, synchronize at the end; median of batches."""
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    res = []
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        torch.cuda.synchronize()
        res.append((time.perf_counter() - t0) / calls * 1e6)
    return statistics.median(res)


# ---- Inductor: code capture, kernel count, codegen time ----

def _read_compile_times():
    """compile_times(repr="csv", aggregate=True) as {key: seconds}."""
    headers, values = torch._dynamo.utils.compile_times(repr="csv", aggregate=True)
    out = {}
    for k, v in zip(headers, values):
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            pass
    return out


def codegen_seconds(times):
    """Inductor's own code generation (scheduler + kernel and wrapper codegen,
    Triton's compile excluded): GraphLowering.codegen, which encloses
    Scheduler.__init__, Scheduler.codegen and PythonWrapperCodegen.generate;
    where it is missing, the sum of those, else of every key naming codegen."""
    if "GraphLowering.codegen" in times:
        return times["GraphLowering.codegen"], "GraphLowering.codegen"
    parts = [k for k in ("Scheduler.__init__", "Scheduler.codegen", "PythonWrapperCodegen.generate") if k in times]
    if not parts:
        parts = [k for k in times if "codegen" in k.lower()]
    return sum(times[k] for k in parts), "+".join(parts) or "none"


def compile_fresh(ref_fn, inputs):
    """torch.compile(ref_fn) compiled from nothing on inputs: returns the
    compiled function, its first result, the generated code, the
    compile_times() entries of this compile alone (seconds) and the wall time."""
    from torch._inductor.utils import run_and_get_code
    torch._dynamo.reset()
    metrics = getattr(torch._dynamo.utils, "compilation_time_metrics", None)
    if hasattr(metrics, "clear"):
        metrics.clear()  # compile_times() then holds this compile's entries alone
    before = _read_compile_times()
    compiled = torch.compile(ref_fn, dynamic=False)
    t0 = time.perf_counter()
    res, codes = run_and_get_code(compiled, *inputs)  # resets dynamo, compiles, runs
    torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    after = _read_compile_times()
    times = {k: (v - before.get(k, 0.0) if v >= before.get(k, 0.0) else v) for k, v in after.items()}
    return compiled, res, codes, times, wall


def inductor_kernels(codes):
    """Triton kernels Inductor defined and the launches its call() makes, and
    anything else call() runs on the device (extern kernels, aten fallbacks)."""
    text = "\n".join(codes)
    defined = re.findall(r"^(\w+) = async_compile\.triton\(", text, re.M)
    launches = re.findall(r"^\s*(\w+)\.run\(", text, re.M)
    launches = [k for k in launches if k in defined or k.startswith("triton_")]
    other = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#"):
            continue
        other += re.findall(r"\b(extern_kernels\.\w+|aten\.\w+(?:\.\w+)?)\(", s)
    return defined, launches, other


def profiled_kernels(fn, calls=3):
    """GPU kernels per call as torch.profiler sees them (memcpy/memset left out)."""
    from torch.profiler import ProfilerActivity, profile
    fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        for _ in range(calls):
            fn()
        torch.cuda.synchronize()
    names = [e.name for e in prof.events()
             if str(getattr(e, "device_type", "")).endswith("CUDA")
             and not e.name.startswith(("Memcpy", "Memset", "cudaMemcpy", "cudaMemset"))]
    return len(names) / calls, sorted(set(names))


def check_outputs(ref_fn, inputs):
    refs_exact = ref_fn(*inputs)
    big = sum(t.numel() for t in inputs) > 2**31
    if big:
        refs_hi = refs_exact
    else:
        hi = [t.double() if t.dtype.is_floating_point else t for t in inputs]
        refs_hi = ref_fn(*hi)
        del hi
    if isinstance(refs_exact, torch.Tensor):
        refs_exact, refs_hi = (refs_exact,), (refs_hi,)
    return refs_exact, refs_hi


def valid_inputs(name, inputs):
    """Inputs the eager reference accepts (an invalid index makes torch's own
    kernels device-assert, which ends the CUDA context and the run). Returns
    the inputs and a note, empty when get_args()'s were valid."""
    if name.startswith("cross_entropy"):
        logits, target = inputs
        c = logits.shape[-1]
        nbad = int((((target < 0) | (target >= c)) & (target != -100)).sum())
        if nbad:
            t = torch.randint(0, c, target.shape, device=target.device, dtype=target.dtype)
            t[torch.rand(target.shape, device=target.device) < 0.05] = -100
            return [logits, t], (f"get_args() drew {nbad} of {target.numel()} targets outside [0, {c}) "
                                 f"and not ignore_index -100 (torch asserts on those); redrawn in [0, {c}), "
                                 "5% set to -100")
    return inputs, ""


# ---- one workload ----

def run_workload(name, mod, bench, gen_ns, row):
    ref_fn = REFERENCES[name]
    inputs, row["input_note"] = valid_inputs(name, mod.get_args())
    if row["input_note"]:
        log(f"{name}: {row['input_note']}")
    row["shapes"] = " ".join("x".join(map(str, t.shape)) + ":" + str(t.dtype).replace("torch.", "") for t in inputs)

    # fusegen: first call (compiles its kernels), then the check
    t0 = time.perf_counter()
    try:
        outs = mod.call(list(inputs))
        torch.cuda.synchronize()
    except Exception as e:
        msg = str(e).strip().splitlines()
        row.update(ok=False, note=f"call() raised {type(e).__name__}: {msg[-1] if msg else ''}"[:200])
        outs = None
    row["fusegen_first_call_s"] = time.perf_counter() - t0
    if not isinstance(outs, (tuple, list)) and outs is not None:
        outs = (outs,)
    row["kernels_fusegen"] = len(getattr(mod, "_compiled", []))
    refs_exact, refs_hi = check_outputs(ref_fn, inputs)
    row["bytes"] = check.bytes_of(inputs) + check.bytes_of(refs_exact)
    row["module_bytes_moved"] = getattr(mod, "BYTES_MOVED", None)
    row["copy_same_ms"] = copy_same_bytes(bench, row["bytes"])
    row["copy_same_tbs"] = tbs(row["bytes"], row["copy_same_ms"])
    if outs is not None:
        if len(outs) != len(refs_exact):
            row.update(ok=False, note=f"{len(outs)} outputs, want {len(refs_exact)}")
        else:
            worst, tol, ok, note = check.compare(name, outs, refs_hi, refs_exact)
            row.update(err=worst, tol=tol, ok=ok, note=note)
    log(f"{name}: fusegen {'ok' if row.get('ok') else 'FAIL'} err={row.get('err', math.nan):.2e} "
        f"kernels={row['kernels_fusegen']} {row.get('note', '')}")
    del outs

    # torch.compile from nothing: code, kernels, codegen time, its own check
    try:
        compiled, res, codes, times, wall = compile_fresh(ref_fn, inputs)
        defined, launches, other = inductor_kernels(codes)
        cg, cg_keys = codegen_seconds(times)
        row.update(compile_wall_s=wall, inductor_times=times, inductor_codegen_ms=cg * 1e3,
                   inductor_codegen_keys=cg_keys,
                   inductor_lowering_ms=times.get("GraphLowering.run", math.nan) * 1e3,
                   kernels_inductor=len(launches), inductor_kernels_defined=len(defined),
                   inductor_kernel_names=defined, inductor_other_calls=sorted(set(other)))
        if isinstance(res, torch.Tensor):
            res = (res,)
        _, _, cok, cnote = check.compare(name, res, refs_hi, refs_exact)
        row["compile_ok"] = cok
        if not cok:
            row["compile_note"] = cnote
        del res
    except Exception as e:
        compiled = None
        row["compile_note"] = f"torch.compile failed: {type(e).__name__}: {str(e).strip()[:300]}"
        traceback.print_exc()
    del refs_exact, refs_hi
    torch.cuda.empty_cache()
    row["fusegen_gen_ms"] = gen_ns / 1e6 if gen_ns else math.nan
    log(f"{name}: torch.compile {row.get('compile_wall_s', math.nan):.1f}s wall, codegen "
        f"{row.get('inductor_codegen_ms', math.nan):.1f} ms ({row.get('inductor_codegen_keys')}), "
        f"kernels={row.get('kernels_inductor')}")

    # timings, same inputs
    row["eager_ms"] = bench.ms(lambda: ref_fn(*inputs))
    if row.get("ok"):
        row["fusegen_ms"] = bench.ms(lambda: mod.call(list(inputs)))
    if compiled is not None:
        row["compile_ms"] = bench.ms(lambda: compiled(*inputs))
    for k in ("fusegen", "compile", "eager"):
        if f"{k}_ms" in row:
            row[f"{k}_tbs"] = tbs(row["bytes"], row[f"{k}_ms"])
    if "fusegen_ms" in row and "compile_ms" in row:
        row["ratio"] = row["compile_ms"] / row["fusegen_ms"]

    # cross-check of the kernel counts: what the GPU ran per call
    try:
        if row.get("ok"):
            row["prof_fusegen"], row["prof_fusegen_names"] = profiled_kernels(lambda: mod.call(list(inputs)))
        if compiled is not None:
            row["prof_compile"], row["prof_compile_names"] = profiled_kernels(lambda: compiled(*inputs))
        row["prof_eager"], _ = profiled_kernels(lambda: ref_fn(*inputs))
    except Exception as e:
        row["prof_note"] = f"profiler: {type(e).__name__}: {e}"[:200]
    log(f"{name}: fusegen {row.get('fusegen_ms', math.nan):.4f} ms, torch.compile "
        f"{row.get('compile_ms', math.nan):.4f} ms, eager {row['eager_ms']:.4f} ms, "
        f"{row['bytes'] / 1e6:.1f} MB; profiler kernels/call fusegen {row.get('prof_fusegen')} "
        f"compile {row.get('prof_compile')} eager {row.get('prof_eager')}")
    del inputs, compiled


def codegen_repeats(name, mod, n):
    """n more fresh compiles of one workload: Inductor codegen ms each."""
    inputs = mod.get_args()
    out = []
    for _ in range(n):
        _, res, _, times, _ = compile_fresh(REFERENCES[name], inputs)
        del res
        out.append(codegen_seconds(times)[0] * 1e3)
    torch._dynamo.reset()
    return out


# ---- output ----

def fmt(v, spec):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return format(v, spec)


def geomean(xs):
    xs = [x for x in xs if x and x > 0 and not math.isnan(x)]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else math.nan


def render(res):
    c = res["ceiling"]["tbs"]
    rows = res["rows"]
    L = []
    L.append(f"# fusegen vs torch.compile vs eager: {res['device']}")
    L.append("")
    L.append(f"GPU: {res['device']}; torch {res['torch']}; triton {res['triton']}; {res['date']}; "
             f"modules and generation times from commit {res['gen'].get('commit', '?')}.")
    L.append(f"Copy ceiling (1 GiB device-to-device copy, read + write, do_bench median): "
             f"**{c:.2f} TB/s** ({res['ceiling']['ms']:.3f} ms).")
    L.append("Times: triton.testing.do_bench median (warmup "
             f"{res['do_bench']['warmup_ms']} ms, rep {res['do_bench']['rep_ms']} ms), same process, same "
             "inputs (fresh random from each module's get_args()). Bytes: each input read once, each output "
             "written once. Check: fusegen's outputs against the eager reference in float64, "
             "||out - ref|| / ||ref|| <= 1e-5 (float32) / 1e-2 (half types), integers exact; a FAIL row is "
             "not timed. Kernels: fusegen len(module._compiled); Inductor the Triton kernel launches in the "
             "call() of the code torch.compile generated (run_and_get_code); the GPU kernels per call seen "
             "by torch.profiler are in the cross-check table.")
    L.append("")
    L.append("| workload | MB moved | check | kernels fusegen / Inductor | fusegen ms | torch.compile ms | eager ms "
             "| fusegen TB/s | torch.compile TB/s | eager TB/s | fusegen / ceiling | torch.compile / ceiling "
             "| torch.compile ms / fusegen ms |")
    L.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if r.get("ok"):
            chk = f"pass {fmt(r.get('err'), '.1e')}" + (" (inputs redrawn, see notes)" if r.get("input_note") else "")
        else:
            chk = "**FAIL**: " + (r.get("note") or "?").replace("|", "/")
        L.append(
            f"| {r['name']} | {fmt(r.get('bytes', 0) / 1e6, '.0f')} | {chk} "
            f"| {r.get('kernels_fusegen', '-')} / {r.get('kernels_inductor', '-')} "
            f"| {fmt(r.get('fusegen_ms'), '.4f')} | {fmt(r.get('compile_ms'), '.4f')} | {fmt(r.get('eager_ms'), '.4f')} "
            f"| {fmt(r.get('fusegen_tbs'), '.2f')} | {fmt(r.get('compile_tbs'), '.2f')} | {fmt(r.get('eager_tbs'), '.2f')} "
            f"| {fmt(r.get('fusegen_tbs', math.nan) / c, '.2f')} | {fmt(r.get('compile_tbs', math.nan) / c, '.2f')} "
            f"| {fmt(r.get('ratio'), '.2f')} |")
    L.append("")
    low = [r for r in rows if r.get("fusegen_tbs") and r["fusegen_tbs"] / c < 0.85]
    L.append("Under 0.85 of the 1 GiB copy ceiling: " + (", ".join(
        f"{r['name']} ({r['fusegen_tbs'] / c:.2f}; a copy of the same bytes: "
        f"{fmt(r.get('copy_same_tbs', math.nan) / c, '.2f')}, fusegen / that copy "
        f"{fmt(r['fusegen_tbs'] / r.get('copy_same_tbs', math.nan), '.2f')})" for r in low) or "none") + ".")
    L.append("")
    n_ratio = len([r for r in rows if r.get("ratio")])
    L.append(f"**Geometric mean of torch.compile ms / fusegen ms over {n_ratio} workloads: "
             f"{res['geomean']:.3f}** (above 1: fusegen faster).")
    slower = [r for r in rows if r.get("ratio") and r["ratio"] < 1]
    if slower:
        L.append("")
        L.append("fusegen slower than torch.compile on: " + ", ".join(
            f"{r['name']} ({r['ratio']:.2f})" for r in sorted(slower, key=lambda r: r["ratio"])) + ".")
    fails = [r["name"] for r in rows if not r.get("ok")]
    if fails:
        L.append("")
        L.append("FAIL (not timed): " + ", ".join(fails) + ".")
    L.append("")

    L.append("## Generation time: fusegen vs Inductor's codegen")
    L.append("")
    g = res["gen"]
    L.append(f"fusegen: `go test -bench BenchmarkWorkloads` (bench_test.go; decode + validate + schedule + render "
             f"in memory, templates parsed once outside the timer), median of 3 runs, on host "
             f"{g.get('host', '?')} (CPU: {g.get('cpu', '?')}; the GPU host when bench/gpu/gen_times.py ran "
             f"there with --test-binary). Inductor: its entries in "
             "torch._dynamo.utils.compile_times() for one fresh compile of each workload in this process "
             "(TORCHINDUCTOR_FORCE_DISABLE_CACHES=1, torch._dynamo.reset() before each); codegen = "
             "GraphLowering.codegen (encloses Scheduler.__init__, Scheduler.codegen and "
             "PythonWrapperCodegen.generate; Triton's compile is not in it); lowering = GraphLowering.run "
             "(FX graph to Inductor IR); compile wall = the whole first call (Dynamo, AOT, Inductor, Triton "
             "compile, autotuning).")
    pc = res.get("pointwise_chain_codegen_ms")
    if pc:
        fg = g.get('ns_per_op', {}).get('pointwise_chain', math.nan) / 1e6
        L.append(f"One-kernel graph (pointwise_chain), Inductor codegen over {len(pc)} fresh compiles: "
                 f"median {statistics.median(pc):.1f} ms (min {min(pc):.1f}); fusegen generation "
                 f"{fmt(fg, '.3f')} ms: **{statistics.median(pc) / fg:.0f}x** less than the median, "
                 f"{min(pc) / fg:.0f}x less than the fastest Inductor codegen.")
    L.append("")
    L.append("| workload | Inductor codegen ms | Inductor lowering ms | torch.compile first call s "
             "| fusegen generation ms | Inductor codegen / fusegen generation |")
    L.append("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        cg, fg = r.get("inductor_codegen_ms", math.nan), r.get("fusegen_gen_ms", math.nan)
        L.append(f"| {r['name']} | {fmt(cg, '.1f')} | {fmt(r.get('inductor_lowering_ms'), '.1f')} "
                 f"| {fmt(r.get('compile_wall_s'), '.1f')} | {fmt(fg, '.3f')} | {fmt(cg / fg if fg else math.nan, '.0f')} |")
    L.append("")
    keys = res.get("compile_time_keys", [])
    if keys:
        L.append("compile_times() keys seen: " + ", ".join(f"`{k}`" for k in keys) + ".")
        L.append("")

    lo = res.get("launch", {})
    L.append("## Launch overhead (tiny_pointwise: relu(a*b+c).sigmoid()*2 over [1, 1024] float32)")
    L.append("")
    L.append(f"Host clock over {lo.get('calls', '?')} calls after {lo.get('warm', '?')} warm-up calls, "
             "torch.cuda.synchronize() at the end, median of 5 batches; no CUDA graphs. "
             f"fusegen check: {lo.get('check', '?')}.")
    L.append("")
    L.append("| path | us per call |")
    L.append("|---|---:|")
    for k, label in (("fusegen", "fusegen call()"), ("compile", "torch.compile'd function"), ("eager", "torch eager")):
        L.append(f"| {label} | {fmt(lo.get(k + '_us'), '.1f')} |")
    L.append("")

    L.append("## Cross-checks")
    L.append("")
    L.append("| workload | inputs | GPU kernels per call (profiler) fusegen / torch.compile / eager "
             "| Inductor Triton kernels (names) | torch.compile output check | module BYTES_MOVED / counted "
             "| copy of the same bytes TB/s | fusegen / that copy |")
    L.append("|---|---|---|---|---|---|---:|---:|")
    for r in rows:
        names = ", ".join(r.get("inductor_kernel_names", [])) or "-"
        other = r.get("inductor_other_calls")
        if other:
            names += "; also " + ", ".join(other)
        cchk = "pass" if r.get("compile_ok") else (r.get("compile_note") or "-")
        mb = r.get("module_bytes_moved")
        bm = f"{mb / r['bytes']:.2f}" if mb and r.get("bytes") else "-"
        L.append(f"| {r['name']} | {r.get('shapes', '-')} | {fmt(r.get('prof_fusegen'), 'g')} / "
                 f"{fmt(r.get('prof_compile'), 'g')} / {fmt(r.get('prof_eager'), 'g')} | {names} | "
                 f"{cchk.replace('|', '/')} | {bm} | {fmt(r.get('copy_same_tbs'), '.2f')} "
                 f"| {fmt(r.get('fusegen_tbs', math.nan) / r.get('copy_same_tbs', math.nan), '.2f')} |")
    notes = [f"{r['name']}: {r[k]}" for r in rows for k in ("input_note", "error", "prof_note") if r.get(k)]
    if notes:
        L.append("")
        L.append("Notes: " + "; ".join(notes))
    L.append("")
    return "\n".join(L)


def chart(res, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = res["rows"]
    names = [r["name"] for r in rows]
    series = [("fusegen", "fusegen_tbs", "#1f77b4"), ("torch.compile", "compile_tbs", "#ff7f0e"),
              ("eager", "eager_tbs", "#7f7f7f")]
    fig, ax = plt.subplots(figsize=(max(10, 0.9 * len(names) + 3), 5.5))
    w = 0.27
    for i, (label, key, color) in enumerate(series):
        xs = [j + (i - 1) * w for j in range(len(names))]
        ys = [r.get(key, 0) or 0 for r in rows]
        ax.bar(xs, ys, w, label=label, color=color)
    for j, r in enumerate(rows):
        if not r.get("ok"):
            ax.text(j - w, 0.05, "FAIL", rotation=90, ha="center", va="bottom", color="red", fontsize=8)
    c = res["ceiling"]["tbs"]
    ax.axhline(c, color="black", linestyle="--", linewidth=1, label=f"copy ceiling {c:.2f} TB/s")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=35, ha="right")
    ax.set_ylabel("TB/s (bytes read + written / median time)")
    ax.set_title(f"fusegen vs torch.compile vs eager, {res['device']} (torch {res['torch']}, triton {res['triton']})")
    top = max([c] + [r.get(k, 0) or 0 for r in rows for _, k, _ in series])
    ax.set_ylim(0, top * 1.18)
    ax.legend(loc="upper center", ncol=4, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("module_dir")
    ap.add_argument("--gen-times", help="JSON from bench/gpu/bench.sh (fusegen ns/op per workload)")
    ap.add_argument("--out", default=".", help="folder for <device>.md, .png, .json")
    ap.add_argument("--only", nargs="*", help="workload names (default: every module but tiny_pointwise)")
    ap.add_argument("--warmup-ms", type=float, default=50)
    ap.add_argument("--rep-ms", type=float, default=200)
    ap.add_argument("--codegen-repeats", type=int, default=3, help="fresh compiles of pointwise_chain for codegen")
    ap.add_argument("--deadline-s", type=float, default=330, help="skip the workloads left after this")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    bench = Bench(args.warmup_ms, args.rep_ms)
    dev = torch.cuda.get_device_name()
    slug = device_slug(dev)
    gen = {}
    if args.gen_times:
        with open(args.gen_times) as f:
            gen = json.load(f)
    gen_ns = gen.get("ns_per_op", {})
    res = {"device": dev, "torch": torch.__version__, "triton": triton.__version__,
           "date": datetime.date.today().isoformat(), "gen": gen,
           "do_bench": {"warmup_ms": args.warmup_ms, "rep_ms": args.rep_ms},
           "env": {k: os.environ[k] for k in ("TORCHINDUCTOR_FORCE_DISABLE_CACHES", "TORCHINDUCTOR_CACHE_DIR")},
           "rows": []}
    json_path = os.path.join(args.out, slug + ".json")

    def save():
        with open(json_path, "w") as f:
            json.dump(res, f, indent=1, default=str)

    props = torch.cuda.get_device_properties(0)
    log(f"{dev}: {props.multi_processor_count} SMs, {props.total_memory / 2**30:.0f} GiB; torch {torch.__version__}, "
        f"triton {triton.__version__}; inductor cache {os.environ['TORCHINDUCTOR_CACHE_DIR']}, "
        f"force_disable_caches={torch._inductor.config.force_disable_caches}")

    # 1. copy ceiling
    res["ceiling"] = copy_ceiling(bench)
    log(f"copy ceiling {res['ceiling']['tbs']:.3f} TB/s ({res['ceiling']['ms']:.4f} ms for 2 GiB moved)")
    save()

    paths = {os.path.splitext(f)[0]: os.path.join(args.module_dir, f)
             for f in sorted(os.listdir(args.module_dir)) if f.endswith(".py")}

    # 2. launch overhead (also the process's first torch.compile, so that the
    # one-time costs stay out of the workloads' codegen times)
    lo = res["launch"] = {"calls": 2000, "warm": 200}
    try:
        _, tiny = check.load_module(paths[TINY])
        ref = REFERENCES[TINY]
        inputs = tiny.get_args()
        outs = tiny.call(list(inputs))
        refs_exact, refs_hi = check_outputs(ref, inputs)
        worst, _, ok, note = check.compare(TINY, outs, refs_hi, refs_exact)
        lo["check"] = f"pass {worst:.1e}" if ok else f"FAIL {note}"
        compiled, _, _, times, wall = compile_fresh(ref, inputs)
        lo["first_compile_wall_s"] = wall
        lo["first_compile_codegen_ms"] = codegen_seconds(times)[0] * 1e3
        log(f"{TINY}: check {lo['check']}; first torch.compile of the process {wall:.1f}s, codegen "
            f"{lo['first_compile_codegen_ms']:.1f} ms; keys: {sorted(times)}")
        if ok:
            lo["fusegen_us"] = host_us_per_call(lambda: tiny.call(list(inputs)))
        lo["compile_us"] = host_us_per_call(lambda: compiled(*inputs))
        lo["eager_us"] = host_us_per_call(lambda: ref(*inputs))
        log(f"{TINY}: us/call fusegen {lo.get('fusegen_us', math.nan):.1f}, torch.compile "
            f"{lo['compile_us']:.1f}, eager {lo['eager_us']:.1f}")
        del compiled, inputs, outs
    except Exception as e:
        lo["error"] = f"{type(e).__name__}: {e}"[:300]
        traceback.print_exc()
    save()

    # 3. workloads
    names = args.only or [n for n in paths if n != TINY]
    keys = set()
    cuda_lost = None
    for name in names:
        row = {"name": name}
        res["rows"].append(row)
        if cuda_lost:
            row.update(ok=False, note=f"not run: the CUDA context was lost in {cuda_lost}")
            continue
        if time.perf_counter() - T0 > args.deadline_s:
            row.update(ok=False, note="skipped: past the run's deadline")
            continue
        try:
            _, mod = check.load_module(paths[name])
            run_workload(name, mod, bench, gen_ns.get(name), row)
            keys |= set(row.get("inductor_times", {}))
            if name == "pointwise_chain" and args.codegen_repeats > 1:
                more = codegen_repeats(name, mod, args.codegen_repeats - 1)
                res["pointwise_chain_codegen_ms"] = [row.get("inductor_codegen_ms", math.nan)] + more
                log(f"pointwise_chain: Inductor codegen ms over fresh compiles {res['pointwise_chain_codegen_ms']}")
        except Exception as e:
            row.setdefault("ok", False)
            row["error"] = f"{type(e).__name__}: {str(e).strip()[:300]}"
            row.setdefault("note", "harness error: " + row["error"][:120])
            traceback.print_exc()
        try:
            torch._dynamo.reset()
            torch.cuda.synchronize()
            torch.cuda.empty_cache()
        except Exception as e:  # a device-side assert: nothing more can run on the GPU
            cuda_lost = name
            row["ok"] = False
            row["error"] = f"CUDA context lost: {type(e).__name__}: {str(e).strip()[:200]}"
            row["note"] = "CUDA context lost (device-side assert?)"
        save()

    res["compile_time_keys"] = sorted(keys)
    res["geomean"] = geomean([r.get("ratio") for r in res["rows"]])
    save()
    text = render(res)
    print(text, flush=True)
    with open(os.path.join(args.out, slug + ".md"), "w") as f:
        f.write(text + "\n")
    try:
        chart(res, os.path.join(args.out, slug + ".png"))
    except Exception:
        traceback.print_exc()
    log("done")
    sys.exit(0 if all(r.get("ok") for r in res["rows"]) else 1)


if __name__ == "__main__":
    main()
