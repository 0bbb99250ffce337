package ops

import (
	"fmt"
	"math"
	"slices"

	"github.com/fusegen/fusegen/ir"
)

// Composite ops, decomposed as Inductor's decompositions do into reductions
// (realized) and pointwise loaders (inlined). Half-type inputs compute in
// float32 and round once at the end, as eager's kernels do.

// opSoftmax is softmax / log_softmax over dim: max and sum-of-exp
// reductions, then exp(x - max) / sum (or x - max - log(sum)).
func (l *lowerer) opSoftmax(x *Tensor, dim int64, dt ir.DType, log bool) (*Tensor, error) {
	name := l.origin
	if err := needTensor(x, name, "args[0]"); err != nil {
		return nil, err
	}
	if dt != "" {
		x = mustCast(x, dt)
	}
	if !x.dtype.IsFloat() {
		return nil, ferr("args[0]", "%s needs a float tensor (or a float dtype), got %s", name, x.dtype)
	}
	red, err := reducedDims(x, []int64{dim}, "dim")
	if err != nil {
		return nil, err
	}
	out := x.dtype
	c := computeType(out)
	xc := mustCast(x, c)
	if !anyTrue(red) {
		v := "1"
		if log {
			v = "0"
		}
		return full(x.shape, out, v, name), nil
	}
	mx, e, s, err := l.expOverMax(xc, red, c)
	if err != nil {
		return nil, err
	}
	var r *Tensor
	if log {
		r, err = pointwiseN([]*Tensor{xc, mx, s}, nil, c, "", func(a []*ir.Expr) *ir.Expr {
			return eop("sub", eop("sub", a[0], a[1]), eop("log", a[2]))
		})
	} else {
		r, err = pointwiseN([]*Tensor{e, s}, nil, c, "", func(a []*ir.Expr) *ir.Expr { return eop("truediv", a[0], a[1]) })
	}
	if err != nil {
		return nil, err
	}
	return withOps(mustCast(r, out), name), nil
}

// expOverMax is the stable softmax's first steps over the reduced dims red of
// xc (compute type c): the row max, exp(x - max) and the row sum of that.
func (l *lowerer) expOverMax(xc *Tensor, red []bool, c ir.DType) (mx, e, s *Tensor, err error) {
	if mx, err = l.reduce(l.derived("max"), xc, red, true, ir.Max, xc.load); err != nil {
		return nil, nil, nil, err
	}
	e, err = pointwiseN([]*Tensor{xc, mx}, nil, c, "", func(a []*ir.Expr) *ir.Expr { return eop("exp", eop("sub", a[0], a[1])) })
	if err != nil {
		return nil, nil, nil, err
	}
	if s, err = l.reduce(l.derived("sum"), e, red, true, ir.Sum, e.load); err != nil {
		return nil, nil, nil, err
	}
	return mx, e, s, nil
}

// normDims checks a norm's float input x, its normalized_shape against x's
// trailing dims and its weight, and returns the reduced dims.
func normDims(x *Tensor, op string, ns []ir.Size, weight *Tensor) ([]bool, error) {
	if err := needTensor(x, op, "args[0]"); err != nil {
		return nil, err
	}
	if !x.dtype.IsFloat() {
		return nil, ferr("args[0]", "%s needs a float tensor, got %s", op, x.dtype)
	}
	k := len(ns)
	n := len(x.shape)
	if k == 0 || k > n || !slices.Equal(x.shape[n-k:], ns) {
		return nil, ferr("normalized_shape", "normalized_shape %s does not match the last dims of the input's shape %s", shapeStr(ns), shapeStr(x.shape))
	}
	red := make([]bool, n)
	for d := n - k; d < n; d++ {
		red[d] = true
	}
	if err := checkAffine(weight, ns, "weight"); err != nil {
		return nil, err
	}
	return red, nil
}

func checkAffine(t *Tensor, ns []ir.Size, field string) error {
	if t == nil {
		return nil
	}
	if t.isScalar() {
		return ferr(field, "%s must be a tensor, got the number %s", field, t.scalar.Value)
	}
	if !slices.Equal(t.shape, ns) {
		return ferr(field, "%s has shape %s, want normalized_shape %s", field, shapeStr(t.shape), shapeStr(ns))
	}
	if !t.dtype.IsFloat() {
		return ferr(field, "%s must be a float tensor, got %s", field, t.dtype)
	}
	return nil
}

// affine multiplies by weight and adds bias, both over the trailing dims.
func affine(y, weight, bias *Tensor) (*Tensor, error) {
	c := y.dtype
	var err error
	if weight != nil {
		if y, err = pointwiseN([]*Tensor{y, weight}, []ir.DType{"", c}, c, "", func(a []*ir.Expr) *ir.Expr { return eop("mul", a[0], a[1]) }); err != nil {
			return nil, err
		}
	}
	if bias != nil {
		if y, err = pointwiseN([]*Tensor{y, bias}, []ir.DType{"", c}, c, "", func(a []*ir.Expr) *ir.Expr { return eop("add", a[0], a[1]) }); err != nil {
			return nil, err
		}
	}
	return y, nil
}

// opLayerNorm is torch.nn.functional.layer_norm: a welford pass for mean
// and variance (biased), then (x - mean) * rsqrt(var + eps) * weight + bias.
func (l *lowerer) opLayerNorm(x *Tensor, ns []ir.Size, weight, bias *Tensor, eps *Scalar) (*Tensor, error) {
	red, err := normDims(x, "layer_norm", ns, weight)
	if err != nil {
		return nil, err
	}
	if err := checkAffine(bias, ns, "bias"); err != nil {
		return nil, err
	}
	e := 1e-5
	if eps != nil {
		e = eps.Float()
	}
	out := x.dtype
	c := computeType(out)
	xc := mustCast(x, c)
	mean, err := l.reduce(l.derived("mean"), xc, red, true, ir.WelfordMean, xc.load)
	if err != nil {
		return nil, err
	}
	m2, err := l.reduce(l.derived("m2"), xc, red, true, ir.WelfordM2, xc.load)
	if err != nil {
		return nil, err
	}
	n := count(reducedNumel(x, red), c)
	y, err := pointwiseN([]*Tensor{xc, mean, m2}, nil, c, "", func(a []*ir.Expr) *ir.Expr {
		rstd := eop("rsqrt", eop("add", eop("truediv", a[2], n), fconst(c, e)))
		return eop("mul", eop("sub", a[0], a[1]), rstd)
	})
	if err != nil {
		return nil, err
	}
	if y, err = affine(y, weight, bias); err != nil {
		return nil, err
	}
	return withOps(mustCast(y, out), "layer_norm"), nil
}

// opRMSNorm is torch.nn.functional.rms_norm: x * rsqrt(mean(x^2) + eps) *
// weight; eps left out is the compute type's machine epsilon.
func (l *lowerer) opRMSNorm(x *Tensor, ns []ir.Size, weight *Tensor, eps *Scalar) (*Tensor, error) {
	red, err := normDims(x, "rms_norm", ns, weight)
	if err != nil {
		return nil, err
	}
	out := x.dtype
	c := computeType(out)
	e := math.Nextafter(1, 2) - 1
	if c == ir.Float32 {
		e = float64(math.Nextafter32(1, 2) - 1)
	}
	if eps != nil {
		e = eps.Float()
	}
	xc := mustCast(x, c)
	sq := unary(xc, c, "", func(v *ir.Expr) *ir.Expr { return eop("mul", v, v) })
	s, err := l.reduce(l.derived("sum"), sq, red, true, ir.Sum, sq.load)
	if err != nil {
		return nil, err
	}
	n := count(reducedNumel(x, red), c)
	y, err := pointwiseN([]*Tensor{xc, s}, nil, c, "", func(a []*ir.Expr) *ir.Expr {
		return eop("mul", a[0], eop("rsqrt", eop("add", eop("truediv", a[1], n), fconst(c, e))))
	})
	if err != nil {
		return nil, err
	}
	if y, err = affine(y, weight, nil); err != nil {
		return nil, err
	}
	return withOps(mustCast(y, out), "rms_norm"), nil
}

// opCrossEntropy is torch.nn.functional.cross_entropy with class-index
// targets: loss_i = logsumexp(x_i) - x_i[t_i], zero where t_i ==
// ignore_index, then "mean" (over the rows not ignored), "sum" or "none".
func (l *lowerer) opCrossEntropy(x, target *Tensor, ignore int64, reduction string) (*Tensor, error) {
	if err := needTensor(x, "cross_entropy", "args[0]"); err != nil {
		return nil, err
	}
	if err := needTensor(target, "cross_entropy", "args[1]"); err != nil {
		return nil, err
	}
	if !x.dtype.IsFloat() {
		return nil, ferr("args[0]", "cross_entropy needs float input, got %s", x.dtype)
	}
	if target.dtype != ir.Int64 {
		return nil, ferr("args[1]", "cross_entropy needs int64 class indices as target, got %s", target.dtype)
	}
	switch reduction {
	case "mean", "sum", "none":
	default:
		return nil, ferr("reduction", "want \"mean\", \"sum\" or \"none\", got %q", reduction)
	}
	oneRow := len(x.shape) == 1
	if oneRow {
		if len(target.shape) != 0 {
			return nil, ferr("args[1]", "a 1-d input [C] needs a 0-d target, got shape %s", shapeStr(target.shape))
		}
		x, _ = opUnsqueeze(x, 0)
		target, _ = opUnsqueeze(target, 0)
	}
	if len(x.shape) != 2 {
		return nil, ferr("args[0]", "cross_entropy takes input [N, C] (or [C]), got shape %s", shapeStr(x.shape))
	}
	if !slices.Equal(target.shape, x.shape[:1]) {
		return nil, ferr("args[1]", "target shape %s does not match input shape %s (want [%s])", shapeStr(target.shape), shapeStr(x.shape), x.shape[0])
	}
	out := x.dtype
	c := computeType(out)
	xc := mustCast(x, c)
	red := []bool{false, true}
	mx, _, s, err := l.expOverMax(xc, red, c)
	if err != nil {
		return nil, err
	}
	src, err := l.indirectSource(xc, 1, l.derived("input"))
	if err != nil {
		return nil, err
	}
	n := x.shape[0]
	valid := func(t *ir.Expr) *ir.Expr { return eop("ne", t, iconst(ir.Int64, ignore)) }
	rows := &Tensor{shape: []ir.Size{n}, dtype: c, load: func(idx []ir.Index) *ir.Expr {
		i := idx[0]
		// The class index, 0 where ignored, as Inductor's decomposition
		// takes it: where(t != ignore_index, t, 0).
		safe := eop(ir.OpWhere, valid(target.load([]ir.Index{i})), target.load([]ir.Index{i}), iconst(ir.Int64, 0))
		picked := l.mustIndirect(src, []ir.Index{i, ir.ConstIndex(0)}, 1, safe)
		at0 := []ir.Index{i, ir.ConstIndex(0)}
		loss := eop("sub", eop("add", eop("log", s.load(at0)), mx.load(at0)), picked)
		return eop(ir.OpWhere, valid(target.load([]ir.Index{i})), loss, fconst(c, 0))
	}}
	all := []bool{true}
	switch reduction {
	case "none":
		r := mustCast(rows, out)
		if oneRow {
			r, _ = opSqueeze(r, []int64{0}, "dims")
		}
		return withOps(r, "cross_entropy"), nil
	case "sum":
		name := l.own()
		if c != out {
			name = l.derived("loss")
		}
		t, err := l.reduce(name, rows, all, false, ir.Sum, rows.load)
		if err != nil {
			return nil, err
		}
		return withOps(mustCast(t, out), "cross_entropy"), nil
	}
	total, err := l.reduce(l.derived("loss"), rows, all, false, ir.Sum, rows.load)
	if err != nil {
		return nil, err
	}
	counts := &Tensor{shape: []ir.Size{n}, dtype: c, load: func(idx []ir.Index) *ir.Expr {
		return ecast(valid(target.load(idx)), c)
	}}
	count, err := l.reduce(l.derived("count"), counts, all, false, ir.Sum, counts.load)
	if err != nil {
		return nil, err
	}
	r, err := pointwiseN([]*Tensor{total, count}, nil, c, "", func(a []*ir.Expr) *ir.Expr { return eop("truediv", a[0], a[1]) })
	if err != nil {
		return nil, err
	}
	return withOps(mustCast(r, out), "cross_entropy"), nil
}

// Indexing: indirect loads, bounds-checked at run time by the kernel.

func checkIndexDType(t *Tensor, op, field string, int32OK bool) error {
	if t.isScalar() {
		return ferr(field, "%s needs an index tensor, got the number %s", op, t.scalar.Value)
	}
	if t.dtype == ir.Int64 || (int32OK && t.dtype == ir.Int32) {
		return nil
	}
	want := "int64"
	if int32OK {
		want = "int32 or int64"
	}
	return ferr(field, "wrong dtype for an index: %s needs %s indices, got %s", op, want, t.dtype)
}

// opGather is torch.gather(x, dim, index): out[i][j] = x[index[i][j]][j]
// for dim 0, and likewise for other dims.
func (l *lowerer) opGather(x *Tensor, dim int64, index *Tensor) (*Tensor, error) {
	if err := needTensor(x, "gather", "args[0]"); err != nil {
		return nil, err
	}
	if err := checkIndexDType(index, "gather", "args[1]", false); err != nil {
		return nil, err
	}
	n := len(x.shape)
	if n == 0 {
		return nil, ferr("args[0]", "gather of a 0-d tensor is not supported")
	}
	d, err := normDim(dim, n, "dim")
	if err != nil {
		return nil, err
	}
	if len(index.shape) != n {
		return nil, ferr("args[1]", "index must have as many dims as the input: %s against %s", shapeStr(index.shape), shapeStr(x.shape))
	}
	for k := range index.shape {
		if k == d {
			continue
		}
		switch le, known := atMost(index.shape[k], x.shape[k], l.syms()); {
		case !known:
			return nil, ferr("args[1]", "index shape %s may exceed the input shape %s in dim %d (%s against %s depends on the symbols' values)", shapeStr(index.shape), shapeStr(x.shape), k, index.shape[k], x.shape[k])
		case !le:
			return nil, ferr("args[1]", "index shape %s exceeds the input shape %s in dim %d", shapeStr(index.shape), shapeStr(x.shape), k)
		}
	}
	src, err := l.indirectSource(x, d, l.derived("input"))
	if err != nil {
		return nil, err
	}
	return &Tensor{shape: slices.Clone(index.shape), dtype: x.dtype, ops: mergeOps(x.ops, index.ops, []string{"gather"}),
		load: func(idx []ir.Index) *ir.Expr { return l.mustIndirect(src, idx, d, index.load(idx)) }}, nil
}

// opIndexSelect is torch.index_select(x, dim, index) with a 1-d (or 0-d)
// index of int32 or int64.
func (l *lowerer) opIndexSelect(x *Tensor, dim int64, index *Tensor) (*Tensor, error) {
	if err := needTensor(x, "index_select", "args[0]"); err != nil {
		return nil, err
	}
	if err := checkIndexDType(index, "index_select", "args[1]", true); err != nil {
		return nil, err
	}
	if len(index.shape) > 1 {
		return nil, ferr("args[1]", "index_select needs a 1-d index, got shape %s", shapeStr(index.shape))
	}
	n := len(x.shape)
	if n == 0 {
		return nil, ferr("args[0]", "index_select of a 0-d tensor is not supported")
	}
	d, err := normDim(dim, n, "dim")
	if err != nil {
		return nil, err
	}
	src, err := l.indirectSource(x, d, l.derived("input"))
	if err != nil {
		return nil, err
	}
	shape := slices.Clone(x.shape)
	shape[d] = ir.Product(index.shape)
	return &Tensor{shape: shape, dtype: x.dtype, ops: mergeOps(x.ops, index.ops, []string{"index_select"}),
		load: func(idx []ir.Index) *ir.Expr {
			var at []ir.Index
			if len(index.shape) == 1 {
				at = []ir.Index{idx[d]}
			}
			return l.mustIndirect(src, idx, d, index.load(at))
		}}, nil
}

// opEmbedding is torch.nn.functional.embedding(ids, weight): rows of a 2-d
// weight, one per id, the result shaped ids.shape + [embedding_dim].
func (l *lowerer) opEmbedding(ids, weight *Tensor) (*Tensor, error) {
	if err := checkIndexDType(ids, "embedding", "args[0]", true); err != nil {
		return nil, err
	}
	if err := needTensor(weight, "embedding", "args[1]"); err != nil {
		return nil, err
	}
	if len(weight.shape) != 2 {
		return nil, ferr("args[1]", "embedding needs a 2-d weight, got shape %s", shapeStr(weight.shape))
	}
	src, err := l.indirectSource(weight, 0, l.derived("weight"))
	if err != nil {
		return nil, err
	}
	k := len(ids.shape)
	shape := append(slices.Clone(ids.shape), weight.shape[1])
	return &Tensor{shape: shape, dtype: weight.dtype, ops: mergeOps(weight.ops, ids.ops, []string{"embedding"}),
		load: func(idx []ir.Index) *ir.Expr {
			return l.mustIndirect(src, []ir.Index{ir.ConstIndex(0), idx[k]}, 0, ids.load(idx[:k]))
		}}, nil
}

var _ = fmt.Sprint
