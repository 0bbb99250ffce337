"""Writes the extra GPU-check graphs of bench/gpu/graphs/ (raw loop nodes).

Run from the repository root: python3 bench/gpu/make_graphs.py, then
canonicalize with `go run ./bench/gpu/canon bench/gpu/graphs/*.json`.
"""
import json


def load(buf, *index):
    return {"op": "load", "buffer": buf, "index": list(index)}


def op(name, *args, **kw):
    e = {"op": name, "args": list(args)}
    e.update(kw)
    return e


def const(v, dtype="float32"):
    return {"op": "constant", "dtype": dtype, "value": v}


def red(name, kind, ranges, rranges, body):
    return {"name": name, "kind": "reduction", "ranges": ranges, "reduction_ranges": rranges,
            "reduction": kind, "body": body}


def pw(name, ranges, body):
    return {"name": name, "kind": "pointwise", "ranges": ranges, "body": body}


def reductions(name, m, n):
    """Every reduction type over the rows of x [m, n]."""
    x = load("x", "i0", "r0")
    nodes = [
        red("rmax", "max", [m], [n], x),
        red("rmin", "min", [m], [n], x),
        red("rargmax", "argmax", [m], [n], x),
        red("rargmin", "argmin", [m], [n], x),
        red("rsum", "sum", [m], [n], x),
        # prod of values near 1 stays finite
        red("rprod", "prod", [m], [n], op("add", const(1.0), op("mul", x, const(0.001)))),
        red("rany", "any", [m], [n], op("gt", x, const(3.5))),
        red("rm2", "welford_m2", [m], [n], x),
        red("rmean", "welford_mean", [m], [n], x),
        pw("rvar", [m], op("truediv", load("rm2", "i0"), const(float(n - 1)))),
    ]
    outs = ["rmax", "rmin", "rargmax", "rargmin", "rsum", "rprod", "rany", "rvar", "rmean"]
    return {"version": 1, "name": name, "device": "cuda",
            "inputs": [{"name": "x", "dtype": "float32", "shape": [m, n]}], "nodes": nodes, "outputs": outs}


def outer(name, m, n):
    """Reductions over dim 0 of x [m, n] (strided rows)."""
    x = load("x", "r0", "i0")
    nodes = [red("cmax", "max", [n], [m], x), red("cargmin", "argmin", [n], [m], x),
             red("cm2", "welford_m2", [n], [m], x), red("csum", "sum", [n], [m], x)]
    return {"version": 1, "name": name, "device": "cuda",
            "inputs": [{"name": "x", "dtype": "float32", "shape": [m, n]}], "nodes": nodes,
            "outputs": ["cmax", "cargmin", "cm2", "csum"]}


def gather(name, b, v, d):
    """out[i, j] = w[idx[i], j] * 2, an embedding lookup with a bounds check."""
    body = op("mul", {"op": "load", "buffer": "w", "index": ["$0", "i1"],
                      "indirect": [load("idx", "i0")]}, const(2.0))
    return {"version": 1, "name": name, "device": "cuda",
            "inputs": [{"name": "idx", "dtype": "int64", "shape": [b]},
                       {"name": "w", "dtype": "float32", "shape": [v, d]}],
            "nodes": [pw("out", [b, d], body)], "outputs": ["out"]}


def half_strided(name, m, n):
    """bf16 transposed input, fp16 output: y = (x.T * 2 + 1).to(fp16); rowmax of x.T in bf16."""
    xt = load("x", "i1", "i0")
    y = op("cast", op("add", op("mul", xt, const(2.0, "bfloat16")), const(1.0, "bfloat16")), dtype="float16")
    return {"version": 1, "name": name, "device": "cuda",
            "inputs": [{"name": "x", "dtype": "bfloat16", "shape": [n, m]}],
            "nodes": [pw("y", [m, n], y), red("tmax", "max", [m], [n], load("x", "r0", "i0"))],
            "outputs": ["y", "tmax"]}


def index64(name, m, n):
    """A half pointwise whose flat index passes 2^31."""
    return {"version": 1, "name": name, "device": "cuda",
            "inputs": [{"name": "x", "dtype": "float16", "shape": [m, n]}],
            "nodes": [pw("y", [m, n], op("mul", load("x", "i0", "i1"), const(2.0, "float16")))],
            "outputs": ["y"]}


graphs = [
    reductions("reductions_looped", 257, 5003),
    reductions("reductions_persistent", 1000, 700),
    outer("reductions_outer", 3001, 515),
    gather("gather", 1000, 5000, 129),
    half_strided("half_strided", 1000, 1003),
    index64("index64", 65536, 32769),
]
for g in graphs:
    with open(f"bench/gpu/graphs/{g['name']}.json", "w") as f:
        json.dump(g, f)


def extern_ops(name, dt):
    """Every extern op in one dtype, at odd sizes, on non-contiguous inputs
    (a transposed mm operand, a permuted bmm batch, a sliced linear input, a
    channels_last conv2d input) and contiguous ones."""
    def inp(n, shape, strides=None):
        d = {"name": n, "dtype": dt, "shape": shape}
        if strides:
            d["strides"] = strides
        return d

    def node(n, o, *args, **kw):
        d = {"name": n, "op": o, "args": list(args)}
        d.update(kw)
        return d

    inputs = [
        inp("a", [301, 517]), inp("bt", [203, 517]),          # mm(a, bt.T): a transposed view
        inp("p", [65, 5, 33]), inp("k", [5, 33, 47]),          # bmm(p.permute(1, 0, 2), k)
        inp("c", [203]),                                      # addmm / linear bias
        inp("r", [5, 1, 47]),                                 # baddbmm input, broadcast over M
        inp("v", [517]), inp("x4", [2, 3, 7, 33]), inp("m2", [33, 19]),
        inp("x3", [3, 7, 33]), inp("y3", [2, 1, 33, 11]),     # matmul rank rules
        inp("xs", [3, 50, 1100]), inp("w", [203, 517]),       # linear on a slice of xs
        inp("seq", [2, 6, 37]), inp("k1", [8, 3, 5]), inp("b1", [8]),
        inp("img", [2, 8, 19, 23], [3496, 1, 184, 8]), inp("k2", [12, 4, 3, 3]),  # channels_last
        inp("vol", [1, 4, 7, 9, 11]), inp("k3", [6, 4, 3, 2, 3]), inp("b3", [6]),
    ]
    nodes = [
        node("bT", "transpose", "bt", dim0=0, dim1=1),
        node("mm_out", "mm", "a", "bT"),
        node("pb", "permute", "p", dims=[1, 0, 2]),
        node("bmm_out", "bmm", "pb", "k"),
        node("addmm_out", "addmm", "c", "a", "bT", beta=0.5, alpha=2),
        node("baddbmm_out", "baddbmm", "r", "pb", "k", beta=2, alpha=0.5),
        node("dot", "matmul", "v", "v"),
        node("vm", "matmul", "v", "bT"),
        node("mv", "matmul", "a", "v"),
        node("nd2", "matmul", "x4", "m2"),
        node("bcast", "matmul", "x3", "y3"),
        node("xl", "slice", "xs", dim=2, start=3, end=520),
        node("lin", "linear", "xl", "w", bias="c"),
        node("lin_nb", "linear", "a", "w"),
        node("c1", "conv1d", "seq", "k1", bias="b1", stride=2, padding=1, groups=2),
        node("c1s", "conv1d", "seq", "k1", padding="same", dilation=2, groups=2),
        node("c2", "conv2d", "img", "k2", stride=[2, 1], padding=[1, 2], dilation=[1, 2], groups=2),
        node("c3", "conv3d", "vol", "k3", bias="b3", padding="same"),
        node("cs", "aten", "a", 1, target="aten.cumsum.default", dtype=dt, shape=[301, 517]),
    ]
    outs = ["mm_out", "bmm_out", "addmm_out", "baddbmm_out", "dot", "vm", "mv", "nd2", "bcast",
            "lin", "lin_nb", "c1", "c1s", "c2", "c3", "cs"]
    return {"version": 1, "name": name, "device": "cuda", "inputs": inputs, "nodes": nodes, "outputs": outs}


for dt, tag in (("float32", "f32"), ("bfloat16", "bf16"), ("float16", "f16")):
    g = extern_ops(f"extern_ops_{tag}", dt)
    with open(f"bench/gpu/graphs/{g['name']}.json", "w") as f:
        json.dump(g, f)
