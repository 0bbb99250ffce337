"""Renders the table of bench/gpu/symbolic.py from its JSON (no torch
needed): python3 bench/gpu/symbolic_report.py OUT/symbolic-h200.json

Speeds are paired: the rounds of a row run the four callables one after
the other, so a ratio is taken within each round and the median ratio over
the rounds is reported. The device's host drifted by 2x within seconds on
a shared machine, and rows whose time is the host's (a few microseconds of
GPU work) would otherwise compare medians taken in different states.
"""
import json
import math
import statistics
import sys

# The graphs the issue names; the others are extra stress cases.
REQUIRED = ("ln_residual", "causal_softmax", "mlp")


def paired(row, num, den):
    # median over rounds of round[num] / round[den] (0 symbolic, 1 static,
    # 2 eager, 3 compile)
    return statistics.median(r[num] / r[den] for r in row["rounds_ms"])


def geomean(xs):
    return math.exp(sum(map(math.log, xs)) / len(xs))


def render(data):
    rows = data["rows"]
    lines = ["# Symbolic modules on %s (torch %s, Triton %s)" % (data["device"], data["torch"], data.get("triton", "?")), ""]
    if rows:
        lines += graph_lines(data)
    if data["relations"]:
        lines += ["", "| bad input (ln_residual) | what call() raised | ok |", "|---|---|---|"]
        for r in data["relations"]:
            lines.append("| %s | %s | %s |" % (r["case"], r["error"].replace("|", "/"), "yes" if r["ok"] else "NO"))
    if data["archive"]:
        lines += ["", "Dynamic torch.export archives, one module each (gen without -specialize), against ep.module() on the same inputs:",
                  "", "| archive | symbols | user input shapes | max rel err vs ep.module() | ok |", "|---|---|---|---:|---|"]
        for r in data["archive"]:
            lines.append("| %s | %s | %s | %.1e | %s |" % (r["archive"], " ".join("%s=%d" % kv for kv in sorted(r["sizes"].items())),
                                                         r["inputs"], r["err"], "yes" if r["ok"] else "NO"))
    return "\n".join(lines) + "\n"


def graph_lines(data):
    rows = data["rows"]
    rounds = len(rows[0]["rounds_ms"])
    lines = [
             "One module per graph for every size; the static module is generated for that size alone. "
             "Times: triton.testing.do_bench median, ms, one process, same inputs: the median of %d interleaved rounds "
             "of do_bench(rep=25 ms) (every round is in the JSON file). The speeds are paired: the median over the rounds "
             "of the ratio within each round; odd rounds run the callables in the other order (static, symbolic, compile, eager). "
             "Errors: against eager in float64." % rounds, "",
             "GPU kernel time: the profiler's sum of one call's kernels (Triton and library), without the host's share. "
             "Host time: the host's time for one call(), 200 calls back to back without waiting for the GPU, the median of 7 "
             "repeats. Graphs the issue names: %s; the others are extra stress cases." % ", ".join(REQUIRED), "",
             "| graph | sizes | dtype | symbolic ms | static ms | eager ms | compile(dynamic=True) ms | symbolic / static speed "
             "| compile / symbolic | GPU kernel us symbolic / static | host us symbolic / static | max rel err | ok |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append("| %s | %s | %s | %.4f | %.4f | %.4f | %.4f | %.3f | %.3f | %.1f / %.1f | %.1f / %.1f | %.1e | %s |" % (
            r["graph"], " ".join("%s=%d" % kv for kv in sorted(r["sizes"].items())), r["dtype"], r["symbolic_ms"], r["static_ms"],
            r["eager_ms"], r["compile_dynamic_ms"], paired(r, 1, 0), paired(r, 3, 0),
            r["kernel_us_symbolic"], r["kernel_us_static"], r["host_us_symbolic"], r["host_us_static"],
            r["err_symbolic"], "yes" if r["ok"] else "NO"))
    lines.append("")
    graphs = []
    for r in rows:
        if r["graph"] not in graphs:
            graphs.append(r["graph"])
    for g in graphs:
        rs = [r for r in rows if r["graph"] == g]
        lines.append("- %s: compile(dynamic=True) / symbolic geometric mean %.3f; symbolic / static speed at worst %.3f" % (
            g, geomean([paired(r, 3, 0) for r in rs]), min(paired(r, 1, 0) for r in rs)))
    for label, rs in (("the graphs the issue names", [r for r in rows if r["graph"] in REQUIRED]), ("all rows", rows)):
        if rs:
            lines.append("- %s: compile(dynamic=True) / symbolic geometric mean %.3f; symbolic / static speed at worst %.3f" % (
                label, geomean([paired(r, 3, 0) for r in rs]), min(paired(r, 1, 0) for r in rs)))
    return lines


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        sys.stdout.write(render(json.load(f)))
