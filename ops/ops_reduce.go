package ops

import (
	"math"
	"strconv"

	"github.com/fusegen/fusegen/ir"
)

// Reductions. Each makes one reduction node (var and mean-like ops add a
// pointwise epilogue, composites several nodes); the node computing the op's
// result directly takes the op's name.

// reducedDims marks the dims to reduce: dims (nil means all of them, and so
// does an empty list, as in torch.sum(x, dim=[])).
func reducedDims(x *Tensor, dims []int64, field string) ([]bool, error) {
	n := len(x.shape)
	red := make([]bool, n)
	if len(dims) == 0 {
		for d := range red {
			red[d] = true
		}
		return red, nil
	}
	for i, d := range dims {
		f := field
		if field == "dims" {
			f = "dims[" + strconv.Itoa(i) + "]"
		}
		nd, err := normDim(d, n, f)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			continue
		}
		if red[nd] {
			return nil, ferr(field, "dim %d appears twice in %s", nd, intsStr(dims))
		}
		red[nd] = true
	}
	return red, nil
}

func anyTrue(bs []bool) bool {
	for _, b := range bs {
		if b {
			return true
		}
	}
	return false
}

// reducedNumel is the number of elements each output element combines.
func reducedNumel(x *Tensor, red []bool) ir.Size {
	n := ir.Int(1)
	for d, r := range red {
		if r {
			n = n.Mul(x.shape[d])
		}
	}
	return n
}

// count is the number n as a value of the float type c: a constant when n
// is static, else the size computed at run time from its symbols.
func count(n ir.Size, c ir.DType) *ir.Expr {
	if v, ok := n.Static(); ok {
		return fconst(c, float64(v))
	}
	return ecast(eindex(ir.Int64, ir.SizeIndex(n)), c)
}

// keptShape is the result shape of a reduction.
func keptShape(x *Tensor, red []bool, keepdim bool) []ir.Size {
	out := []ir.Size{}
	for d, s := range x.shape {
		switch {
		case !red[d]:
			out = append(out, s)
		case keepdim:
			out = append(out, ir.Int(1))
		}
	}
	return out
}

// squeezeTo views a keepdim-shaped tensor as the reduction's result shape.
func squeezeTo(t *Tensor, red []bool, keepdim bool) *Tensor {
	if keepdim {
		return t
	}
	var dims []int64
	for d, r := range red {
		if r {
			dims = append(dims, int64(d))
		}
	}
	s, _ := opSqueeze(t, dims, "dims")
	return s
}

// own is the name of the op's (first) result.
func (l *lowerer) own() string { return l.base }

// simpleReduce is sum, prod, amax, amin: one node in dtype dt.
func (l *lowerer) simpleReduce(x *Tensor, red []bool, keepdim bool, rt ir.ReductionType, dt ir.DType) (*Tensor, error) {
	if err := needTensor(x, l.origin, "args[0]"); err != nil {
		return nil, err
	}
	x = mustCast(x, dt)
	if !anyTrue(red) {
		return withOps(x, l.origin), nil
	}
	return l.reduce(l.own(), x, red, keepdim, rt, x.load)
}

// opSum is torch.sum (and prod): integers and bool accumulate in int64
// unless dtype says otherwise.
func (l *lowerer) opSum(x *Tensor, red []bool, keepdim bool, dt ir.DType, rt ir.ReductionType) (*Tensor, error) {
	if dt == "" {
		dt = x.dtype
		if !dt.IsFloat() {
			dt = ir.Int64
		}
	}
	return l.simpleReduce(x, red, keepdim, rt, dt)
}

// opAmax is amax / amin.
func (l *lowerer) opAmax(x *Tensor, red []bool, keepdim bool, rt ir.ReductionType) (*Tensor, error) {
	return l.simpleReduce(x, red, keepdim, rt, x.dtype)
}

// computeType is the type composites compute in: float32 for half types.
func computeType(dt ir.DType) ir.DType { return dt.Compute() }

// opMean is torch.mean: a float sum divided by the count.
func (l *lowerer) opMean(x *Tensor, red []bool, keepdim bool, dt ir.DType) (*Tensor, error) {
	if err := needTensor(x, "mean", "args[0]"); err != nil {
		return nil, err
	}
	if dt != "" {
		x = mustCast(x, dt)
	}
	if !x.dtype.IsFloat() {
		return nil, ferr("args[0]", "mean needs a float tensor (or a float dtype), got %s", x.dtype)
	}
	out := x.dtype
	c := computeType(out)
	if !anyTrue(red) {
		return withOps(x, "mean"), nil
	}
	xc := mustCast(x, c)
	s, err := l.reduce(l.derived("sum"), xc, red, keepdim, ir.Sum, xc.load)
	if err != nil {
		return nil, err
	}
	n := count(reducedNumel(x, red), c)
	return withOps(mustCast(unary(s, c, "", func(e *ir.Expr) *ir.Expr { return eop("truediv", e, n) }), out), "mean"), nil
}

// opArgmax is argmax / argmin over one dim, or the flattened tensor when
// dim is nil.
func (l *lowerer) opArgmax(x *Tensor, dim *int64, keepdim bool, rt ir.ReductionType) (*Tensor, error) {
	if err := needTensor(x, l.origin, "args[0]"); err != nil {
		return nil, err
	}
	if x.dtype == ir.Bool {
		return nil, ferr("args[0]", "%s is not defined for bool", l.origin)
	}
	var dims []int64
	if dim != nil {
		dims = []int64{*dim}
	}
	red, err := reducedDims(x, dims, "dim")
	if err != nil {
		return nil, err
	}
	if !anyTrue(red) {
		return full(x.shape, ir.Int64, "0", l.origin), nil
	}
	// With dim nil the index is into the flattened tensor: the
	// reduction's flat index over all of x's dims, row-major, is that.
	return l.reduce(l.own(), x, red, keepdim, rt, x.load)
}

// full is a constant tensor.
func full(shape []ir.Size, dt ir.DType, value, op string) *Tensor {
	return &Tensor{shape: shape, dtype: dt, ops: []string{op}, load: func([]ir.Index) *ir.Expr { return econst(dt, value) }}
}

// opAny is torch.any / torch.all: bool results (uint8 for uint8 inputs).
func (l *lowerer) opAny(x *Tensor, red []bool, keepdim bool, all bool) (*Tensor, error) {
	if err := needTensor(x, l.origin, "args[0]"); err != nil {
		return nil, err
	}
	out := ir.Bool
	if x.dtype == ir.Uint8 {
		out = ir.Uint8
	}
	xb := unary(x, ir.Bool, "", func(e *ir.Expr) *ir.Expr { return toBool(e, x.dtype) })
	if !anyTrue(red) {
		return withOps(mustCast(xb, out), l.origin), nil
	}
	if !all && out == ir.Bool {
		return l.reduce(l.own(), xb, red, keepdim, ir.Any, xb.load)
	}
	body := xb.load
	if all {
		body = func(idx []ir.Index) *ir.Expr { return eop("logical_not", xb.load(idx)) }
	}
	a, err := l.reduce(l.derived("any"), xb, red, keepdim, ir.Any, body)
	if err != nil {
		return nil, err
	}
	r := a
	if all {
		r = unary(a, ir.Bool, "", func(e *ir.Expr) *ir.Expr { return eop("logical_not", e) })
	}
	return withOps(mustCast(r, out), l.origin), nil
}

// varParts makes the welford nodes of var / std / var_mean: the sum of
// squared deviations (m2) and, when wantMean, the mean. The mean node is
// called meanName.
func (l *lowerer) varParts(x *Tensor, red []bool, keepdim bool, wantMean bool, meanName string) (m2, mean *Tensor, err error) {
	xc := mustCast(x, computeType(x.dtype))
	if m2, err = l.reduce(l.derived("m2"), xc, red, keepdim, ir.WelfordM2, xc.load); err != nil {
		return nil, nil, err
	}
	if wantMean {
		if mean, err = l.reduce(meanName, xc, red, keepdim, ir.WelfordMean, xc.load); err != nil {
			return nil, nil, err
		}
	}
	return m2, mean, nil
}

// varFrom divides m2 by max(0, n - correction), as torch.var does.
func varFrom(m2 *Tensor, n ir.Size, correction float64, syms ir.Symbols) *Tensor {
	c := m2.dtype
	var div *ir.Expr
	if v, ok := n.Static(); ok {
		div = fconst(c, math.Max(0, float64(v)-correction))
	} else {
		// n - correction at run time, clamped at 0 only where n may be
		// below the correction.
		div = eop("sub", count(n, c), fconst(c, correction))
		if correction > float64(syms.Range(n).Lo) {
			div = eop("maximum", div, fconst(c, 0))
		}
	}
	return unary(m2, c, "", func(e *ir.Expr) *ir.Expr { return eop("truediv", e, div) })
}

// opVar is torch.var / torch.std / torch.var_mean with correction.
func (l *lowerer) opVar(x *Tensor, red []bool, keepdim bool, correction *Scalar, which string) ([]*Tensor, error) {
	if err := needTensor(x, which, "args[0]"); err != nil {
		return nil, err
	}
	if !x.dtype.IsFloat() {
		return nil, ferr("args[0]", "%s needs a float tensor, got %s", which, x.dtype)
	}
	corr := 1.0
	if correction != nil {
		corr = correction.Float()
	}
	out := x.dtype
	if !anyTrue(red) {
		// A 0-d input: one element.
		v := full(x.shape, out, FloatScalar(math.NaN()).Value, which)
		if corr < 1 {
			v = full(x.shape, out, "0", which)
		}
		if which == "var_mean" {
			return []*Tensor{v, withOps(x, which)}, nil
		}
		return []*Tensor{v}, nil
	}
	wantMean := which == "var_mean"
	meanName := l.derived("mean")
	if wantMean && computeType(out) == out {
		meanName = l.results[1]
	}
	m2, mean, err := l.varParts(x, red, keepdim, wantMean, meanName)
	if err != nil {
		return nil, err
	}
	v := varFrom(m2, reducedNumel(x, red), corr, l.syms())
	if which == "std" {
		v = unary(v, v.dtype, "", func(e *ir.Expr) *ir.Expr { return eop("sqrt", e) })
	}
	res := []*Tensor{withOps(mustCast(v, out), which)}
	if wantMean {
		res = append(res, withOps(mustCast(mean, out), which))
	}
	return res, nil
}

// opLogsumexp is torch.logsumexp: m + log(sum(exp(x - m))) with m the max,
// taken as 0 where it is infinite.
func (l *lowerer) opLogsumexp(x *Tensor, red []bool, keepdim bool) (*Tensor, error) {
	if err := needTensor(x, "logsumexp", "args[0]"); err != nil {
		return nil, err
	}
	out := x.dtype
	if !out.IsFloat() {
		out = ir.Float32
	}
	c := computeType(out)
	xc := mustCast(x, c)
	if !anyTrue(red) {
		return withOps(mustCast(xc, out), "logsumexp"), nil
	}
	mx, err := l.reduce(l.derived("max"), xc, red, true, ir.Max, xc.load)
	if err != nil {
		return nil, err
	}
	safe := unary(mx, c, "", func(e *ir.Expr) *ir.Expr {
		return eop(ir.OpWhere, eop("isinf", e), fconst(c, 0), e)
	})
	shifted, err := pointwiseN([]*Tensor{xc, safe}, nil, c, "", func(e []*ir.Expr) *ir.Expr {
		return eop("exp", eop("sub", e[0], e[1]))
	})
	if err != nil {
		return nil, err
	}
	s, err := l.reduce(l.derived("sum"), shifted, red, true, ir.Sum, shifted.load)
	if err != nil {
		return nil, err
	}
	r, err := pointwiseN([]*Tensor{s, safe}, nil, c, "", func(e []*ir.Expr) *ir.Expr {
		return eop("add", eop("log", e[0]), e[1])
	})
	if err != nil {
		return nil, err
	}
	return withOps(squeezeTo(mustCast(r, out), red, keepdim), "logsumexp"), nil
}
