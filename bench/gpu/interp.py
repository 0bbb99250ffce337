"""Reference interpreter of fusegen's loop-node IR (docs/graph-format.md) in PyTorch.

    outs = run_graph(graph, inputs)

evaluates every node of a graph (the JSON document as a dict) on the inputs'
device with plain torch tensor operations, independently of fusegen's code
generator, and returns the graph's outputs in order.

How a node is evaluated: every loop variable is an int64 index tensor over
its range, shaped to broadcast against the others (i_d over `ranges`, r_d over
`reduction_ranges`, so that all of them broadcast to ranges + reduction_ranges).
Index strings are Python expressions and are evaluated with eval() on those
tensors (// and % of non-negative integers agree with floor semantics); loads
are advanced indexing, buffer[idx0, idx1, ...], which also reads strided and
offset inputs correctly. Reductions reduce over the trailing reduction axes.

Precision: float values are computed in float64, whatever their IR dtype, for
a high-precision reference. Values of the float32 compute type (float32,
float16 and bfloat16, which kernels compute in float32) keep the float32
exponent range: a result beyond the largest float32 becomes +-inf, as it does
in a kernel (otherwise exp(exp(x)) would be finite here and inf there). A
cast to a float type rounds to that type; a half-typed node rounds to its
dtype when stored (the IR rule), and other float nodes keep their float64
value as the "exact" copy that downstream loads read. Integers are computed
in int64 and wrapped to their IR dtype after every operation; bools are bool.

Undefined results (integer division or modulo by zero, the overflowing
INT_MIN // -1, a float to integer cast of NaN, inf or an out-of-range value)
are tracked as a mask: run_graph_ex returns it per output, and a checker
should leave those elements out of the comparison.
"""
import math

import torch

DTYPES = {
    "bool": torch.bool,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
}
FLOATS = ("float16", "bfloat16", "float32", "float64")
HALVES = ("float16", "bfloat16")
INTS = ("int8", "int16", "int32", "int64", "uint8")
INT_RANGE = {
    "int8": (-2**7, 2**7 - 1),
    "int16": (-2**15, 2**15 - 1),
    "int32": (-2**31, 2**31 - 1),
    "int64": (-2**63, 2**63 - 1),
    "uint8": (0, 255),
}
# Finite float64 values at or beyond this magnitude round to inf in float32.
_F32_OVERFLOW = 2.0**128 - 2.0**103

FLOAT_UNARY = {
    "exp": torch.exp,
    "exp2": torch.exp2,
    "expm1": torch.expm1,
    "log": torch.log,
    "log2": torch.log2,
    "log1p": torch.log1p,
    "sqrt": torch.sqrt,
    "rsqrt": torch.rsqrt,
    "sin": torch.sin,
    "cos": torch.cos,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "erf": torch.erf,
    "reciprocal": torch.reciprocal,
}
NUMERIC_UNARY = ("neg", "abs", "relu", "floor", "ceil", "round", "sign")
COMPARISONS = {"eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge}
BITWISE = {"bitwise_and": torch.bitwise_and, "bitwise_or": torch.bitwise_or, "bitwise_xor": torch.bitwise_xor}


class InterpError(Exception):
    """A graph the interpreter cannot evaluate (bad index, unknown op, ...)."""


class Value:
    """An expression's value: t (float64, int64 or bool tensor holding the
    value), dtype (the IR dtype name) and undef (a bool mask of undefined
    elements, or None when all are defined)."""

    __slots__ = ("t", "dtype", "undef")

    def __init__(self, t, dtype, undef=None):
        self.t, self.dtype, self.undef = t, dtype, undef


def _union(*masks):
    out = None
    for m in masks:
        if m is None:
            continue
        out = m if out is None else (out | m)
    return out


def _frange(t, dtype):
    """Keeps a float value of the float32 compute type inside float32's range."""
    if dtype == "float64":
        return t
    inf = torch.full((), math.inf, dtype=t.dtype, device=t.device)
    return torch.where(t.abs() >= _F32_OVERFLOW, torch.copysign(inf, t), t)


def _round_to(t, dtype):
    """Rounds a float64 tensor to float dtype and widens it back to float64."""
    if dtype == "float64":
        return t
    return t.to(DTYPES[dtype]).to(torch.float64)


def _wrap(t, dtype):
    """Wraps an int64 tensor to an integer dtype (two's complement)."""
    if dtype == "int64":
        return t
    return t.to(DTYPES[dtype]).to(torch.int64)


def _repr(t, dtype):
    """Converts a tensor of IR dtype `dtype` to the interpreter's representation."""
    if dtype in FLOATS:
        return t.to(torch.float64)
    if dtype in INTS:
        return t.to(torch.int64)
    return t.to(torch.bool)


def _scalar(v, dtype, device):
    return torch.tensor(v, dtype=dtype, device=device)


def _collect_buffers(expr, out):
    if expr.get("op") == "load":
        out.add(expr["buffer"])
    for a in expr.get("args") or []:
        _collect_buffers(a, out)
    for a in expr.get("indirect") or []:
        _collect_buffers(a, out)
    return out


def topo_order(graph):
    """Nodes in dependency order, keeping file order where dependencies allow."""
    nodes = graph.get("nodes") or []
    by_name = {n["name"]: n for n in nodes}
    def reads(n):
        if n["kind"] == "extern":
            if n["call"].get("result_of"):  # a further result of that node's call
                return {n["call"]["result_of"]}
            return {v["buffer"] for v in n["call"].get("args") or []}
        return _collect_buffers(n["body"], set())

    deps = {n["name"]: [b for b in sorted(reads(n)) if b in by_name] for n in nodes}
    order, state = [], {}

    def visit(name, stack):
        s = state.get(name)
        if s == "done":
            return
        if s == "active":
            raise InterpError("cycle: " + " -> ".join(stack + [name]))
        state[name] = "active"
        for d in deps[name]:
            visit(d, stack + [name])
        state[name] = "done"
        order.append(by_name[name])

    for n in nodes:
        visit(n["name"], [])
    return order


def grid_elements(graph):
    """The largest index grid (ranges x reduction_ranges) of any node."""
    worst = 0
    for n in graph.get("nodes") or []:
        worst = max(worst, math.prod(n.get("ranges") or []) * math.prod(n.get("reduction_ranges") or []))
    return worst


class _NodeEval:
    """Evaluates one node's body over its whole index grid."""

    def __init__(self, interp, node):
        self.interp = interp
        self.node = node
        self.device = interp.device
        self.ranges = list(node.get("ranges") or [])
        self.rranges = list(node.get("reduction_ranges") or []) if node["kind"] == "reduction" else []
        self.shape = self.ranges + self.rranges
        nd = len(self.shape)
        self.vars = {}
        for d, n in enumerate(self.ranges):
            self.vars[f"i{d}"] = self._var(n, d, nd)
        for d, n in enumerate(self.rranges):
            self.vars[f"r{d}"] = self._var(n, len(self.ranges) + d, nd)

    def _var(self, n, pos, nd):
        view = [1] * nd
        view[pos] = n
        return torch.arange(n, dtype=torch.int64, device=self.device).view(view)

    def index(self, expr):
        """Evaluates an index expression string (or integer) to an int64 tensor."""
        if isinstance(expr, bool):
            raise InterpError(f"bad index {expr!r}")
        if isinstance(expr, int):
            return _scalar(expr, torch.int64, self.device)
        if not isinstance(expr, str) or any(c not in "0123456789ir+-*/%() \t" for c in expr):
            raise InterpError(f"bad index expression {expr!r}")
        try:
            v = eval(expr, {"__builtins__": {}}, self.vars)  # noqa: S307 (checked characters above)
        except Exception as e:
            raise InterpError(f"index expression {expr!r}: {e}") from e
        if isinstance(v, int):
            return _scalar(v, torch.int64, self.device)
        return v

    def eval(self, e):
        op = e["op"]
        args = [self.eval(a) for a in e.get("args") or []]
        want = e.get("dtype")
        v = self._op(op, e, args)
        if want is not None and op not in ("constant", "index", "cast") and want != v.dtype:
            raise InterpError(f"{op}: declared dtype {want} but computes {v.dtype}")
        return v

    def _op(self, op, e, args):
        dev = self.device
        if op == "load":
            return self._load(e)
        if op == "constant":
            return self._constant(e)
        if op == "index":
            dt = e["dtype"]
            return Value(_wrap(self.index(e["expr"]), dt), dt)
        if op == "cast":
            return self._cast(args[0], e["dtype"])
        if op == "where":
            c, a, b = args
            if c.dtype != "bool" or a.dtype != b.dtype:
                raise InterpError("where needs a bool condition and equal branch dtypes")
            undef = None
            if a.undef is not None or b.undef is not None:
                fa = a.undef if a.undef is not None else torch.zeros((), dtype=torch.bool, device=dev)
                fb = b.undef if b.undef is not None else torch.zeros((), dtype=torch.bool, device=dev)
                undef = torch.where(c.t, fa, fb)
            return Value(torch.where(c.t, a.t, b.t), a.dtype, _union(c.undef, undef))
        if op in FLOAT_UNARY:
            (a,) = args
            if a.dtype not in FLOATS:
                raise InterpError(f"{op} needs a float operand, got {a.dtype}")
            return Value(_frange(FLOAT_UNARY[op](a.t), a.dtype), a.dtype, a.undef)
        if op in NUMERIC_UNARY:
            return self._numeric_unary(op, args[0])
        if op in ("isnan", "isinf"):
            (a,) = args
            if a.dtype in FLOATS:
                t = torch.isnan(a.t) if op == "isnan" else torch.isinf(a.t)
            else:
                t = torch.zeros_like(a.t, dtype=torch.bool)
            return Value(t, "bool", a.undef)
        if op == "logical_not":
            (a,) = args
            return Value(a.t == 0 if a.dtype != "bool" else ~a.t, "bool", a.undef)
        if op in ("logical_and", "logical_or"):
            a, b = args
            if a.dtype != "bool" or b.dtype != "bool":
                raise InterpError(f"{op} needs bool operands")
            f = torch.logical_and if op == "logical_and" else torch.logical_or
            return Value(f(a.t, b.t), "bool", _union(a.undef, b.undef))
        if len(args) == 2 and args[0].dtype != args[1].dtype:
            raise InterpError(f"{op}'s operands differ in dtype: {args[0].dtype} and {args[1].dtype}")
        if op in COMPARISONS:
            a, b = args
            ta, tb = (a.t.to(torch.int64), b.t.to(torch.int64)) if a.dtype == "bool" else (a.t, b.t)
            return Value(COMPARISONS[op](ta, tb), "bool", _union(a.undef, b.undef))
        if op in BITWISE:
            a, b = args
            if a.dtype in FLOATS:
                raise InterpError(f"{op} needs integer or bool operands")
            t = BITWISE[op](a.t, b.t)
            return Value(t if a.dtype == "bool" else _wrap(t, a.dtype), a.dtype, _union(a.undef, b.undef))
        if op in ("maximum", "minimum"):
            a, b = args
            if a.dtype == "bool":
                t = (a.t | b.t) if op == "maximum" else (a.t & b.t)
            else:
                t = torch.maximum(a.t, b.t) if op == "maximum" else torch.minimum(a.t, b.t)  # NaN propagates
            return Value(t, a.dtype, _union(a.undef, b.undef))
        if op in ("add", "sub", "mul", "floordiv", "mod", "truediv", "pow"):
            return self._binary(op, *args)
        raise InterpError(f"unknown op {op!r}")

    def _load(self, e):
        name = e["buffer"]
        buf, dtype, undef = self.interp.buffer(name)
        index = e.get("index") or []
        indirect = [self.eval(x) for x in e.get("indirect") or []]
        if len(index) != buf.dim():
            raise InterpError(f"load of {name!r}: {len(index)} indices for {buf.dim()} dimensions")
        idx, bad = [], None
        # A guarded load reads only where each guard's variable lies in
        # [lo, lo + size), and gives 0 elsewhere: outside, it reads element 0.
        inside = None
        for g in e.get("guards") or []:
            v = self.index(g["index"])
            lo, n = g["lo"], g["size"]
            if not isinstance(lo, int) or not isinstance(n, int):
                raise InterpError(f"load of {name!r}: a guard of symbolic bounds {lo!r}, {n!r}")
            ok = (v >= lo) & (v < lo + n)
            inside = ok if inside is None else inside & ok
        for d, s in enumerate(index):
            size = buf.shape[d]
            if isinstance(s, str) and s.strip().startswith("$"):
                k = int(s.strip()[1:])
                iv = indirect[k]
                if iv.dtype not in INTS:
                    raise InterpError(f"load of {name!r}: indirect ${k} has dtype {iv.dtype}")
                t = iv.t
                if iv.undef is not None:  # undefined positions read element 0, marked undefined
                    t = torch.where(iv.undef, torch.zeros_like(t), t)
                    bad = _union(bad, iv.undef)
            else:
                t = self.index(s)
            if inside is not None:
                t = torch.where(inside, t, torch.zeros_like(t))
            if t.numel() and (int(t.min()) < 0 or int(t.max()) >= size):
                raise InterpError(
                    f"load of {name!r}: index {s!r} spans [{int(t.min())}, {int(t.max())}], "
                    f"outside dimension {d} (size {size})")
            idx.append(t)
        t = buf[tuple(idx)] if idx else buf
        if undef is not None:
            u = undef[tuple(idx)] if idx else undef
            bad = _union(bad, u)
        if inside is not None:
            t = torch.where(inside, t, torch.zeros_like(t))
            if bad is not None:
                bad = bad & inside
        return Value(t, dtype, bad)

    def _constant(self, e):
        dt, v = e["dtype"], e["value"]
        dev = self.device
        if dt == "bool":
            if v not in (True, False, 0, 1):
                raise InterpError(f"bad bool constant {v!r}")
            return Value(_scalar(bool(v), torch.bool, dev), dt)
        if dt in INTS:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v):
                raise InterpError(f"bad {dt} constant {v!r}")
            lo, hi = INT_RANGE[dt]
            if not lo <= int(v) <= hi:
                raise InterpError(f"{v} out of range for {dt}")
            return Value(_scalar(int(v), torch.int64, dev), dt)
        if dt in FLOATS:
            if isinstance(v, str):
                if v not in ("inf", "-inf", "nan"):
                    raise InterpError(f"bad float constant {v!r}")
                f = float(v)
            elif isinstance(v, bool):
                raise InterpError(f"bad float constant {v!r}")
            else:
                f = float(v)
            return Value(_round_to(_scalar(f, torch.float64, dev), dt), dt)
        raise InterpError(f"unknown dtype {dt!r}")

    def _cast(self, a, to):
        if to not in DTYPES:
            raise InterpError(f"unknown dtype {to!r}")
        src = a.dtype
        t, undef = a.t, a.undef
        if to == "bool":
            return Value(t != 0 if src != "bool" else t, to, undef)
        if to in FLOATS:
            if src in FLOATS:
                if src == to and to in ("float32", "float64"):
                    return Value(t, to, undef)
                return Value(_frange(_round_to(t, to), to), to, undef)
            return Value(_frange(_round_to(t.to(torch.float64), to), to), to, undef)
        # integer target
        if src == "bool":
            return Value(t.to(torch.int64), to, undef)
        if src in INTS:
            return Value(_wrap(t, to), to, undef)
        # float -> integer: truncation toward zero; float -> uint8 goes through
        # int16 (negative values wrap, as torch does on CUDA).
        via = "int16" if to == "uint8" else to
        lo, hi = INT_RANGE[via]
        tr = torch.trunc(t)
        out_of_range = ~((tr >= lo) & (tr <= hi))  # NaN is out of range too
        tr = torch.where(out_of_range, torch.zeros_like(tr), tr)
        return Value(_wrap(tr.to(torch.int64), to), to, _union(undef, out_of_range if bool(out_of_range.any()) else None))

    def _numeric_unary(self, op, a):
        dt, t = a.dtype, a.t
        if dt not in FLOATS and dt not in INTS:
            raise InterpError(f"{op} needs a numeric operand, got {dt}")
        isf = dt in FLOATS
        if op == "neg":
            r = -t
        elif op == "abs":
            r = t.abs()
        elif op == "relu":
            r = torch.where(t < 0, torch.zeros_like(t), t)  # keeps NaN
        elif op == "floor":
            r = torch.floor(t) if isf else t
        elif op == "ceil":
            r = torch.ceil(t) if isf else t
        elif op == "round":
            r = torch.round(t) if isf else t  # half to even
        elif op == "sign":
            r = torch.sign(t)
        else:
            raise InterpError(op)
        return Value(r if isf else _wrap(r, dt), dt, a.undef)

    def _binary(self, op, a, b):
        dt = a.dtype
        if dt == "bool" or dt not in DTYPES:
            raise InterpError(f"{op} needs numeric operands, got {dt}")
        undef = _union(a.undef, b.undef)
        if dt in FLOATS:
            x, y = a.t, b.t
            if op == "add":
                r = x + y
            elif op == "sub":
                r = x - y
            elif op == "mul":
                r = x * y
            elif op == "truediv":
                r = x / y
            elif op == "pow":
                r = torch.pow(x, y)
            elif op == "floordiv":
                r = torch.floor(x / y)
            else:  # mod: the sign of the divisor, as torch.remainder
                r = torch.remainder(x, y)
            return Value(_frange(r, dt), dt, undef)
        if op in ("truediv", "pow"):
            raise InterpError(f"{op} needs float operands, got {dt}")
        x, y = a.t, b.t
        if op == "add":
            r = x + y
        elif op == "sub":
            r = x - y
        elif op == "mul":
            r = x * y
        else:
            lo = INT_RANGE[dt][0]
            bad = (y == 0) | ((x == lo) & (y == -1))
            if bool(bad.any()):
                undef = _union(undef, bad)
                y = torch.where(bad, torch.ones_like(y), y)
            if op == "floordiv":
                r = torch.div(x, y, rounding_mode="floor")
            else:
                r = torch.remainder(x, y)
        return Value(_wrap(r, dt), dt, undef)

    def run(self):
        """Returns (value tensor in the interpreter's representation, dtype, undef)
        over shape `ranges`."""
        node = self.node
        body = self.eval(node["body"])
        full = self.shape
        t = body.t.expand(full)
        undef = body.undef.expand(full) if body.undef is not None else None
        if node["kind"] == "pointwise":
            return t.contiguous(), body.dtype, (undef.contiguous() if undef is not None else None)
        if node["kind"] != "reduction":
            raise InterpError(f"unknown node kind {node['kind']!r}")
        red = node.get("reduction")
        out_shape = self.ranges
        flat = t.reshape(out_shape + [-1])
        n = flat.shape[-1]
        if undef is not None:
            undef = undef.reshape(out_shape + [-1]).any(-1)
        dt = body.dtype
        isf = dt in FLOATS
        if red in ("sum", "prod"):
            if dt == "bool":
                raise InterpError(f"{red} of bool")
            r = flat.sum(-1) if red == "sum" else flat.prod(-1)
            r = _frange(r, dt) if isf else _wrap(r, dt)
        elif red in ("max", "min"):
            if dt == "bool":
                r = flat.any(-1) if red == "max" else flat.all(-1)
            else:
                r = flat.amax(-1) if red == "max" else flat.amin(-1)
                if isf:  # NaN wins
                    r = torch.where(torch.isnan(flat).any(-1), torch.full_like(r, math.nan), r)
        elif red in ("argmax", "argmin"):
            if dt == "bool":
                raise InterpError(f"{red} of bool")
            pos = torch.arange(n, dtype=torch.int64, device=self.device)
            big = torch.full((), n, dtype=torch.int64, device=self.device)
            ext = flat.amax(-1, keepdim=True) if red == "argmax" else flat.amin(-1, keepdim=True)
            hit = flat == ext
            if isf:  # the first NaN, if any, is the extreme
                nan = torch.isnan(flat)
                hit = torch.where(nan.any(-1, keepdim=True), nan, hit)
            r = torch.where(hit, pos, big).amin(-1)
            dt = "int64"
        elif red == "any":
            if dt != "bool":
                raise InterpError(f"any of {dt}")
            r = flat.any(-1)
        elif red in ("welford_mean", "welford_m2", "welford_weight"):
            if not isf:
                raise InterpError(f"{red} of {dt}")
            mean = flat.mean(-1)
            if red == "welford_mean":
                r = mean
            elif red == "welford_m2":
                r = ((flat - mean.unsqueeze(-1)) ** 2).sum(-1)
            else:
                r = torch.full(out_shape, float(n), dtype=torch.float64, device=self.device)
            r = _frange(r, dt)
        else:
            raise InterpError(f"unknown reduction {red!r}")
        return r.contiguous(), dt, undef


class _Interp:
    def __init__(self, graph, inputs, device):
        self.graph = graph
        self.device = device
        self.buffers = {}  # name -> (tensor in interpreter representation, dtype, undef)
        self.pending = {}  # further results of an ATen call -> tensor, until their node runs
        specs = graph.get("inputs") or []
        if len(specs) != len(inputs):
            raise InterpError(f"graph has {len(specs)} inputs, got {len(inputs)} tensors")
        for spec, t in zip(specs, inputs):
            if list(t.shape) != list(spec["shape"]):
                raise InterpError(f"input {spec['name']}: shape {list(t.shape)}, graph says {spec['shape']}")
            if t.dtype != DTYPES[spec["dtype"]]:
                raise InterpError(f"input {spec['name']}: dtype {t.dtype}, graph says {spec['dtype']}")
            self.buffers[spec["name"]] = (_repr(t, spec["dtype"]), spec["dtype"], None)

    def buffer(self, name):
        if name not in self.buffers:
            raise InterpError(f"load of unknown or not yet computed buffer {name!r}")
        return self.buffers[name]


def _contiguous_strides(shape):
    strides, acc = [], 1
    for n in reversed(shape):
        strides.insert(0, acc)
        acc *= n
    return strides


def _extern_eval(interp, graph, node):
    """Computes an extern node (a matrix product) from the strided views of
    its arguments, in float64. A view's offset and strides count elements of
    the buffer as the graph lays it out (an input's strides, a node's)."""
    specs = {b["name"]: (b["shape"], b.get("strides")) for b in graph.get("inputs") or []}
    specs.update({n["name"]: (n.get("ranges") or [], n.get("strides")) for n in graph.get("nodes") or []})
    call = node["call"]
    if call["target"].startswith("aten."):
        return _aten_eval(interp, specs, node)
    args = []
    for v in call.get("args") or []:
        t, _, _ = interp.buffer(v["buffer"])
        shape, strides = specs[v["buffer"]]
        phys = torch.empty_strided(tuple(shape), tuple(strides or _contiguous_strides(shape)),
                                   dtype=torch.float64, device=interp.device)
        phys.copy_(t.to(torch.float64))
        args.append(torch.as_strided(phys, tuple(v["shape"]), tuple(v["strides"]), v.get("offset", 0)))
    scalars = {k: float(x) for k, x in (call.get("scalars") or {}).items()}
    target = call["target"]
    if target == "mm":
        r = torch.mm(args[0], args[1])
    elif target == "bmm":
        r = torch.bmm(args[0], args[1])
    elif target == "addmm":
        r = torch.addmm(args[0], args[1], args[2], beta=scalars.get("beta", 1.0), alpha=scalars.get("alpha", 1.0))
    elif target == "baddbmm":
        r = torch.baddbmm(args[0], args[1], args[2], beta=scalars.get("beta", 1.0), alpha=scalars.get("alpha", 1.0))
    else:
        raise InterpError(f"node {node['name']}: no reference for extern target {target!r}")
    # The call writes a view (out_shape) of the node's contiguous buffer.
    return r.contiguous().reshape(tuple(node.get("ranges") or [])), node["dtype"], None


def _view(interp, specs, v, dtype=torch.float64):
    """A copy of a buffer (float64, or dtype) laid out as the graph lays it
    out, viewed."""
    t, _, _ = interp.buffer(v["buffer"])
    shape, strides = specs[v["buffer"]]
    phys = torch.empty_strided(tuple(shape), tuple(strides or _contiguous_strides(shape)),
                               dtype=dtype, device=interp.device)
    phys.copy_(t.to(dtype))
    return torch.as_strided(phys, tuple(v["shape"]), tuple(v["strides"]), v.get("offset", 0))


_LITERAL = {"int64": int, "float64": float, "bool": lambda v: v if isinstance(v, bool) else v == "true"}


def _operand(interp, specs, dtypes, call, o):
    """One argument of an ATen call (graph-file operand form) as a Python value."""
    kind = o["kind"]

    def tensor(k):
        v = call["args"][k]
        return _view(interp, specs, v, DTYPES[dtypes[v["buffer"]]])

    if kind == "tensor":
        return tensor(o["arg"])
    if kind == "tensors":
        return [None if k < 0 else tensor(k) for k in o.get("args") or []]
    if kind == "scalar":
        return _LITERAL[o["dtype"]](o["value"])
    if kind == "list":
        return [_LITERAL[o["dtype"]](v) for v in o["items"]]
    if kind == "none":
        return None
    if kind == "string":
        return o["value"]
    if kind == "dtype":
        return DTYPES[o["dtype"]]
    if kind == "device":
        return interp.device
    if kind in ("layout", "memory_format"):
        return getattr(torch, o["value"])
    raise InterpError(f"unknown operand kind {kind!r}")


def _aten_eval(interp, specs, node):
    """An ATen fallback: the op itself, on copies of its tensors in their own
    dtypes (the op is its own reference; what is checked is how the module
    passes arguments and binds results). Further results wait in
    interp.pending for the nodes that hold them."""
    call = node["call"]
    if call.get("result_of"):
        return _repr(interp.pending.pop(node["name"]), node["dtype"]), node["dtype"], None
    dtypes = {b["name"]: b["dtype"] for b in interp.graph.get("inputs") or []}
    dtypes.update({n["name"]: n["dtype"] for n in interp.graph.get("nodes") or []})
    _, op, overload = call["target"].split(".")
    fn = getattr(getattr(torch.ops.aten, op), overload)
    args = [_operand(interp, specs, dtypes, call, o) for o in call.get("positional") or []]
    kwargs = {o["name"]: _operand(interp, specs, dtypes, call, o) for o in call.get("keywords") or []}
    r = fn(*args, **kwargs)
    if call.get("results"):
        for name, t in zip(call["results"], r[1:]):
            interp.pending[name] = t.contiguous()
        r = r[0]
    return _repr(r.contiguous().reshape(tuple(node.get("ranges") or [])), node["dtype"]), node["dtype"], None


def run_graph_ex(graph, inputs, device=None):
    """Like run_graph, and also returns, per output, a bool mask of its
    undefined elements (or None when every element is defined)."""
    if device is None:
        device = inputs[0].device if inputs else torch.device("cuda" if torch.cuda.is_available() else "cpu")
    interp = _Interp(graph, inputs, device)
    results = {}  # node name -> tensor of the node's dtype
    with torch.no_grad():
        for node in topo_order(graph):
            if node["kind"] == "extern":
                t, dt, undef = _extern_eval(interp, graph, node)
            else:
                t, dt, undef = _NodeEval(interp, node).run()
            want = node.get("dtype")
            if want is not None and want != dt:
                raise InterpError(f"node {node['name']}: declared dtype {want} but computes {dt}")
            if list(t.shape) != list(node.get("ranges") or []):
                raise InterpError(f"node {node['name']}: result shape {list(t.shape)}")
            if dt in HALVES:
                t = _round_to(t, dt)  # stored in a half buffer: downstream reads the rounded value
            results[node["name"]] = t.to(DTYPES[dt]).contiguous()
            interp.buffers[node["name"]] = (t, dt, undef)
    by_input = {spec["name"]: x for spec, x in zip(graph.get("inputs") or [], inputs)}
    outs, masks = [], []
    for name in graph["outputs"]:
        if name in results:
            outs.append(results[name])
            masks.append(interp.buffers[name][2])
        elif name in by_input:
            outs.append(by_input[name])
            masks.append(None)
        else:
            raise InterpError(f"unknown output {name!r}")
    return outs, masks


def run_graph(graph, inputs, device=None):
    """Evaluates graph (a parsed graph file) on inputs (tensors in graph input
    order) and returns the outputs in graph order: contiguous tensors of each
    node's ranges and dtype (an output that is an input is returned as given)."""
    return run_graph_ex(graph, inputs, device)[0]
