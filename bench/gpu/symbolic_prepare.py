"""Generates the modules bench/gpu/symbolic.py checks and times (run here,
where Go is): for each graph of bench/gpu/symbolic/, its symbolic module and,
for each size of sizes.json, the static module of the same graph at that
size (every symbol replaced by its value, the "symbols" object dropped).

Usage: python3 bench/gpu/symbolic_prepare.py --gen .gpu/gen --out .gpu/sym
Writes OUT/<name>.py, OUT/<name>__B8_S512.py (one per size) and OUT/sizes.json.
"""
import argparse
import json
import os
import re
import subprocess

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "symbolic")
SIZE_FIELDS = {"shape", "strides", "ranges", "reduction_ranges", "normalized_shape", "out_shape"}


def size_value(v, sizes):
    if isinstance(v, int):
        return v
    # a product of an integer and symbols, as the graph format writes one
    total = 1
    for factor in v.split("*"):
        factor = factor.strip()
        total *= int(factor) if re.fullmatch(r"\d+", factor) else sizes[factor]
    return total


def specialize(node, sizes):
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "symbols":
                continue
            if k in SIZE_FIELDS and isinstance(v, list):
                out[k] = [size_value(x, sizes) for x in v]
            else:
                out[k] = specialize(v, sizes)
        return out
    if isinstance(node, list):
        return [specialize(x, sizes) for x in node]
    return node


def tag(sizes):
    return "_".join("%s%d" % (k, sizes[k]) for k in sorted(sizes))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gen", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    cases = json.load(open(os.path.join(HERE, "sizes.json")))
    for name, size_list in cases.items():
        path = os.path.join(HERE, name + ".json")
        subprocess.run([a.gen, "-o", os.path.join(a.out, name + ".py"), path], check=True)
        graph = json.load(open(path))
        for sizes in size_list:
            values = dict(sizes)
            for sym, entry in sorted(graph.get("symbols", {}).items()):
                if "def" in entry:
                    # a derived symbol: its definition is Python arithmetic
                    values[sym] = eval(entry["def"], {"__builtins__": {}}, dict(values))
            static = specialize(graph, values)
            static["name"] = "%s_static" % name
            spath = os.path.join(a.out, "%s__%s.json" % (name, tag(sizes)))
            with open(spath, "w") as f:
                json.dump(static, f, indent=1)
            subprocess.run([a.gen, "-o", spath[: -len(".json")] + ".py", spath], check=True)
    with open(os.path.join(a.out, "sizes.json"), "w") as f:
        json.dump(cases, f, indent=1)
    print("prepared", len(cases), "symbolic graphs in", a.out)


if __name__ == "__main__":
    main()
