"""Times fusegen's generation per workload: runs BenchmarkWorkloads
(bench_test.go) and writes the median ns/op of each workload as JSON.

Usage, from the repository root:
    python3 bench/gpu/gen_times.py OUT.json [--test-binary PATH] [--benchtime 0.3s] [--count 3]

With --test-binary (made by `go test -c -o PATH .`, as bench/gpu/bench.sh
does) it runs that binary, so the times can be taken on a machine without
Go, such as the GPU host, next to Inductor's codegen times; without it, it
runs `go test`.
"""
import argparse
import json
import platform
import re
import statistics
import subprocess
import sys


def cpu_name(bench_output):
    for line in bench_output.splitlines():
        if line.startswith("cpu:"):
            return line.split(":", 1)[1].strip()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--test-binary")
    ap.add_argument("--benchtime", default="0.3s")
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--commit", help="the commit the binary was built from (default: git rev-parse here; the GPU "
                    "host's copy of the tree may not have the history)")
    args = ap.parse_args()
    flags = ["-run", "^$", "-bench", "^BenchmarkWorkloads$", "-benchtime", args.benchtime, "-count", str(args.count)]
    if args.test_binary:
        cmd = [args.test_binary] + ["-test." + f[1:] if f.startswith("-") else f for f in flags]
    else:
        cmd = ["go", "test"] + flags + ["."]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        sys.exit(f"gen_times.py: {' '.join(cmd)} exited {proc.returncode}")
    runs = {}
    for line in proc.stdout.splitlines():
        m = re.match(r"BenchmarkWorkloads/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op", line)
        if m:
            runs.setdefault(m.group(1), []).append(float(m.group(2)))
    if len(runs) < 13:
        sys.exit(f"gen_times.py: only {len(runs)} workloads in the benchmark's output")
    commit = args.commit or subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                           text=True).stdout.strip()
    out = {"unit": "ns/op",
           "what": f"BenchmarkWorkloads: decode + validate + schedule + render, in memory, median of {args.count}",
           "cpu": cpu_name(proc.stdout), "host": platform.node(), "commit": commit,
           "ns_per_op": {k: statistics.median(v) for k, v in sorted(runs.items())}}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    print(f"gen_times.py: wrote {args.out} ({len(runs)} workloads, CPU {out['cpu']})")


if __name__ == "__main__":
    main()
