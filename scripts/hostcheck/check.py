"""Runs the host code of generated modules of symbolic sizes without torch,
Triton or a GPU, against the stand-ins beside this file, and checks what
call() does at the symbols' hints, minima and maxima, and beside the hints:

- each launch passes what its kernel takes (one value a parameter; the
  integers, multiplied back by their scales, with scales of 1, 2, 4 or 8
  and passed values that are 1, odd or multiples of 16, which Triton
  specializes on), a grid that covers xnumel with XBLOCK, the X_EVEN,
  ONE_PROGRAM and R0_EVEN that hold for those sizes, an R0_BLOCK that
  covers the row in a persistent kernel, and outputs whose elements are
  xnumel or xnumel * r0_numel;
- calls at sizes seen before make no plan and compile nothing;
- a symbol past its range, and an input of one dim less, raise a
  TypeError that says so.

Usage: python3 scripts/hostcheck/check.py [--root DIR] MODULE.py GRAPH.json [MODULE.py GRAPH.json ...]
Prints one line per module (its path without DIR/); exits 1 if a check
failed.
"""
import importlib.util
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402  the stand-in
import triton  # noqa: E402  the stand-in


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def check_launch(compiled, grid, args):
    params = compiled.kernel.params
    name = compiled.kernel.fn.__name__
    if len(args) != len(params):
        return "%s: %d arguments for %d parameters" % (name, len(args), len(params))
    if len(compiled.signature) + len(compiled.constexprs) != len(params):
        return "%s: compiled for %d values and %d constexprs, has %d parameters" % (
            name,
            len(compiled.signature),
            len(compiled.constexprs),
            len(params),
        )
    a = dict(zip(params, args))
    if "X_EVEN" not in a:
        return None
    value = {}
    for p in params:
        if p + "_scale" in a:
            scale, passed = a[p + "_scale"], a[p]
            if scale not in (1, 2, 4, 8) or not (
                passed == 1 or passed % 2 == 1 or passed % 16 == 0
            ):
                return "%s: %s passed as %d with scale %d" % (name, p, passed, scale)
            value[p] = passed * scale
    xnumel = value.get("xnumel")
    if xnumel is None:
        return None
    xblock = a["XBLOCK"]
    if grid != (-(-xnumel // xblock), 1, 1):
        return "%s: grid %s for xnumel %d, XBLOCK %d" % (name, grid, xnumel, xblock)
    if a["X_EVEN"] != (xnumel % xblock == 0) or a["ONE_PROGRAM"] != (grid[0] == 1):
        return "%s: X_EVEN %s, ONE_PROGRAM %s for xnumel %d, XBLOCK %d" % (
            name,
            a["X_EVEN"],
            a["ONE_PROGRAM"],
            xnumel,
            xblock,
        )
    numels = {xnumel}
    r0 = value.get("r0_numel")
    if r0 is not None:
        rblock = a["R0_BLOCK"]
        if a["R0_EVEN"] != (r0 % rblock == 0):
            return "%s: R0_EVEN %s for r0_numel %d, R0_BLOCK %d" % (
                name,
                a["R0_EVEN"],
                r0,
                rblock,
            )
        if name.startswith("triton_per_") and rblock < r0:
            return "%s: R0_BLOCK %d does not cover rows of %d" % (name, rblock, r0)
        numels.add(xnumel * r0)
    for p in params:
        if p.startswith("out_ptr") and "R0_BLOCK" in a and r0 is None:
            # a static row, which the kernel does not take
            if a[p].numel() % xnumel:
                return "%s: %s has %d elements, not a multiple of xnumel %d" % (
                    name,
                    p,
                    a[p].numel(),
                    xnumel,
                )
        elif p.startswith("out_ptr") and a[p].numel() not in numels:
            return "%s: %s has %d elements, xnumel %d, r0_numel %s" % (
                name,
                p,
                a[p].numel(),
                xnumel,
                r0,
            )
    return None


def run(mod, sizes):
    del triton.LAUNCHES[:]
    mod.call(list(mod.get_args(**sizes)))
    for compiled, grid, args in triton.LAUNCHES:
        err = check_launch(compiled, grid, args)
        if err:
            return "at %s: %s" % (sizes, err)
    if not triton.LAUNCHES:
        return "at %s: no launch" % sizes
    return None


def expect_type_error(mod, args, words, what):
    try:
        mod.call(list(args))
    except TypeError as e:
        if words not in str(e):
            return "%s: TypeError %r does not say %r" % (what, str(e), words)
        return None
    return "%s: no TypeError" % what


def check(path, graph_path):
    with open(graph_path) as f:
        graph = json.load(f)
    symbols = {n: s for n, s in graph.get("symbols", {}).items() if "def" not in s}
    mod = load(path, "hostcheck_" + os.path.basename(os.path.dirname(graph_path)))
    hints = {n: s["hint"] for n, s in symbols.items()}
    cases = [hints]
    for n, s in sorted(symbols.items()):
        # the ends of its range and a value beside the hint (often odd)
        beside = s["hint"] + 1 if s["hint"] < s["max"] else s["hint"] - 1
        cases += [
            dict(hints, **{n: v})
            for v in (s["min"], s["max"], beside)
            if s["min"] <= v <= s["max"]
        ]
    for sizes in cases:
        err = run(mod, sizes)
        if err:
            return err
    made, plan = [], mod._plan

    def counted(*inputs):
        made.append(inputs)
        return plan(*inputs)

    mod._plan, compiles = counted, len(triton.COMPILES)
    run(mod, hints)
    run(mod, hints)
    mod._plan = plan
    if made or len(triton.COMPILES) != compiles:
        return "two calls at %s seen before made %d plans and %d compiles" % (
            hints,
            len(made),
            len(triton.COMPILES) - compiles,
        )
    for n, s in sorted(symbols.items()):
        err = expect_type_error(
            mod,
            mod.get_args(**dict(hints, **{n: s["max"] + 1})),
            "is outside",
            "%s = max + 1" % n,
        )
        if err:
            return err
    args = mod.get_args(**hints)
    for i, t in enumerate(args):
        if t.dim() > 1 and any(isinstance(d, str) for d in graph["inputs"][i]["shape"]):
            args[i] = torch.Tensor(t.shape[1:], None, t.dtype)
            return expect_type_error(
                mod,
                args,
                "dims",
                "input %s of one dim less" % graph["inputs"][i]["name"],
            )
    return None


def main():
    paths, root = sys.argv[1:], ""
    if paths[:1] == ["--root"] and len(paths) > 1:
        root, paths = paths[1].rstrip("/") + "/", paths[2:]
    if not paths or len(paths) % 2:
        sys.exit(
            "usage: check.py [--root DIR] MODULE.py GRAPH.json [MODULE.py GRAPH.json ...]"
        )
    failed = 0
    for path, graph in zip(paths[::2], paths[1::2]):
        err = check(path, graph)
        failed += err is not None
        shown = path[len(root) :] if root and path.startswith(root) else path
        print(
            "host %s %s%s"
            % ("FAIL" if err else "ok  ", shown, ": " + err if err else "")
        )
    print("host checks: %d passed, %d failed" % (len(paths) // 2 - failed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
