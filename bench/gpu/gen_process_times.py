"""Whole-process generation times of the symbolic graphs against their
static forms: runs `gen -o TMP GRAPH` for each graph of bench/gpu/symbolic/
and for the static graph of each size symbolic_prepare.py wrote, N times
each, interleaved, and prints the median wall time of each; each --archive
runs with and without -specialize (the static form at the hints).

Usage: python3 bench/gpu/gen_process_times.py --gen .gpu/gen --static .gpu/sym [--runs 60] [--archive A.pt2 ...]
"""
import argparse
import glob
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "symbolic")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", required=True)
    ap.add_argument("--static", required=True, help="the folder symbolic_prepare.py filled")
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--json")
    ap.add_argument("--archive", action="append", default=[])
    a = ap.parse_args()
    cases = json.load(open(os.path.join(HERE, "sizes.json")))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "module.py")
        graphs = {}
        for name in cases:
            graphs[name] = [os.path.join(HERE, name + ".json")] + sorted(glob.glob(os.path.join(a.static, name + "__*.json")))
        commands = {g: [g] for gs in graphs.values() for g in gs}
        for path in a.archive:
            name = os.path.basename(path)
            graphs[name] = [name, name + " -specialize"]
            commands[name], commands[name + " -specialize"] = [path], ["-specialize", path]
        times = {g: [] for g in commands}
        for _ in range(a.runs):
            for g, args in commands.items():
                t0 = time.perf_counter()
                subprocess.run([a.gen, "-o", out] + args, check=True)
                times[g].append(time.perf_counter() - t0)
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print("# Whole-process generation, symbolic against static (%s, %d cores, %d runs each, median)" % (cpu, os.cpu_count(), a.runs))
    print()
    print("| graph | symbolic ms | static ms (each size) | symbolic / slowest static |")
    print("|---|---:|---|---:|")
    rows = []
    for name, gs in graphs.items():
        sym = statistics.median(times[gs[0]]) * 1e3
        static = [statistics.median(times[g]) * 1e3 for g in gs[1:]]
        rows.append({"graph": name, "symbolic_ms": sym, "static_ms": static})
        print("| %s | %.2f | %s | %.2f |" % (name, sym, ", ".join("%.2f" % s for s in static), sym / max(static)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"cpu": cpu, "runs": a.runs, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
