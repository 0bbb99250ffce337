package ops

import (
	"fmt"
	"slices"

	"github.com/fusegen/fusegen/ir"
)

// Matrix products are extern calls: the vendor's BLAS computes them into a
// node's buffer, and the Triton kernels fuse the pointwise work around them.
// An operand that is a strided view of a buffer (a transposed weight, a
// flattened batch) is passed as that view; any other is realized first.

// view returns t as a strided view of a buffer (an input or a node), or
// realizes it as a node named name and views that whole.
func (l *lowerer) view(t *Tensor, name string) (ir.View, error) {
	if v, ok := l.stridedView(t); ok {
		return v, nil
	}
	r, err := l.realize(name, t)
	if err != nil {
		return ir.View{}, err
	}
	v, ok := l.stridedView(r)
	if !ok {
		return ir.View{}, fmt.Errorf("internal error: realized %s is not a view", name)
	}
	return v, nil
}

// stridedView reports whether t loads one buffer at an affine index of its
// own dims (no division, modulo or gather), and gives that view.
func (l *lowerer) stridedView(t *Tensor) (ir.View, bool) {
	if t.isScalar() {
		return ir.View{}, false
	}
	e := t.load(ir.RangeVars(len(t.shape)))
	if e.Op != ir.OpLoad || len(e.Indirect) > 0 {
		return ir.View{}, false
	}
	b := l.g.Lookup(e.Buffer)
	if b == nil || b.DType != t.dtype {
		return ir.View{}, false
	}
	// The element offset the view reads at each point, simplified over the
	// view's own ranges, must be affine in its dims.
	bs := b.StridesOrContiguous()
	sizes := make(map[string]ir.Size, len(t.shape))
	for d, n := range t.shape {
		sizes[ir.RangeVar(d)] = n
	}
	off := ir.Index{}
	for d, ix := range e.Index {
		off = off.Add(ix.Times(bs[d]))
	}
	off = off.Simplify(ir.Env{Sizes: sizes, Symbols: l.syms()})
	v := ir.View{Buffer: e.Buffer, Shape: slices.Clone(t.shape), Strides: make([]ir.Size, len(t.shape)), Offset: off.Const}
	for d := range v.Strides {
		v.Strides[d] = ir.Int(0)
	}
	for _, term := range off.Terms {
		k := -1
		for j := range t.shape {
			if term.Inner == nil && term.Var == ir.RangeVar(j) {
				k = j
			}
		}
		// A symbolic offset (a term of no variable) is no view's offset.
		if k < 0 || term.Coeff.C < 0 {
			return ir.View{}, false
		}
		v.Strides[k] = term.Coeff
	}
	for d, n := range t.shape {
		if n.Is(1) {
			v.Strides[d] = ir.Int(0) // any stride does; 0 keeps the spelling stable
		}
	}
	if v.Offset < 0 {
		return ir.View{}, false
	}
	return v, true
}

// extern adds an extern node of the given shape and dtype; the call writes
// it as outShape (nil: shape).
func (l *lowerer) extern(name, target string, shape, outShape []ir.Size, dt ir.DType, args []ir.View, scalars []ir.NamedScalar) (*Tensor, error) {
	n := &ir.Node{Name: name, Kind: ir.Extern, DType: dt, Ranges: slices.Clone(shape), Origin: target,
		Call: &ir.ExternCall{Target: target, Args: args, Scalars: scalars, OutShape: outShape}}
	return l.addNode(n)
}

// sameFloat checks the operands of a matrix product: one floating dtype, as
// torch's BLAS calls want.
func sameFloat(op string, ts ...*Tensor) (ir.DType, error) {
	dt := ts[0].dtype
	for i, t := range ts {
		if t.isScalar() {
			return "", ferr(fmt.Sprintf("args[%d]", i), "%s takes tensors, got a number", op)
		}
		if t.dtype != dt {
			return "", ferr("args", "%s: expected operands of one dtype, got %s and %s", op, dt, t.dtype)
		}
	}
	if !dt.IsFloat() {
		return "", ferr("args", "%s: BLAS takes floating-point operands, got %s", op, dt)
	}
	return dt, nil
}

// opMM is torch.mm: [M, K] @ [K, N].
func (l *lowerer) opMM(name string, final []ir.Size, a, b *Tensor) (*Tensor, error) {
	dt, err := sameFloat("mm", a, b)
	if err != nil {
		return nil, err
	}
	if a.Dim() != 2 || b.Dim() != 2 {
		return nil, ferr("args", "mm takes two 2-d tensors, got %d-d and %d-d", a.Dim(), b.Dim())
	}
	if a.shape[1] != b.shape[0] {
		return nil, ferr("args", "mm: shapes %s and %s cannot be multiplied", shapeStr(a.shape), shapeStr(b.shape))
	}
	return l.product(name, "mm", []ir.Size{a.shape[0], b.shape[1]}, final, dt, nil, a, b)
}

// opBMM is torch.bmm: [B, M, K] @ [B, K, N].
func (l *lowerer) opBMM(name string, final []ir.Size, a, b *Tensor) (*Tensor, error) {
	dt, err := sameFloat("bmm", a, b)
	if err != nil {
		return nil, err
	}
	if a.Dim() != 3 || b.Dim() != 3 {
		return nil, ferr("args", "bmm takes two 3-d tensors, got %d-d and %d-d", a.Dim(), b.Dim())
	}
	if a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1] {
		return nil, ferr("args", "bmm: shapes %s and %s cannot be multiplied", shapeStr(a.shape), shapeStr(b.shape))
	}
	return l.product(name, "bmm", []ir.Size{a.shape[0], a.shape[1], b.shape[2]}, final, dt, nil, a, b)
}

// opAddmm is torch.addmm: beta*input + alpha*(mat1 @ mat2), input
// broadcast to the product's shape.
func (l *lowerer) opAddmm(name string, final []ir.Size, in, a, b *Tensor, beta, alpha *Scalar) (*Tensor, error) {
	dt, err := sameFloat("addmm", in, a, b)
	if err != nil {
		return nil, err
	}
	if a.Dim() != 2 || b.Dim() != 2 {
		return nil, ferr("args", "addmm multiplies two 2-d tensors, got %d-d and %d-d", a.Dim(), b.Dim())
	}
	if a.shape[1] != b.shape[0] {
		return nil, ferr("args", "addmm: shapes %s and %s cannot be multiplied", shapeStr(a.shape), shapeStr(b.shape))
	}
	out := []ir.Size{a.shape[0], b.shape[1]}
	if _, err := broadcastShapes(in.shape, out); err != nil || in.Dim() > 2 {
		return nil, ferr("args[0]", "addmm: input of shape %s does not broadcast to %s", shapeStr(in.shape), shapeStr(out))
	}
	return l.product(name, "addmm", out, final, dt, scaleScalars(beta, alpha), in, a, b)
}

// opLinear is torch.nn.functional.linear: input [..., K] times weight
// [N, K] transposed, plus bias [N]: the leading dims flattened into the rows
// of one mm (or addmm), the weight passed transposed, the result viewed back.
func (l *lowerer) opLinear(x, w, bias *Tensor) (*Tensor, error) {
	ts := []*Tensor{x, w}
	if bias != nil {
		ts = append(ts, bias)
	}
	if _, err := sameFloat("linear", ts...); err != nil {
		return nil, err
	}
	if x.Dim() < 1 || w.Dim() != 2 || x.shape[x.Dim()-1] != w.shape[1] {
		return nil, ferr("args", "linear: input of shape %s and weight of shape %s do not match (want [..., K] and [N, K])", shapeStr(x.shape), shapeStr(w.shape))
	}
	if bias != nil && (bias.Dim() != 1 || bias.shape[0] != w.shape[0]) {
		return nil, ferr("bias", "linear: bias of shape %s, want [%s]", shapeStr(bias.shape), w.shape[0])
	}
	k, n := w.shape[1], w.shape[0]
	rows := ir.Product(x.shape[:x.Dim()-1])
	x2, err := opReshape(x, []ir.Size{rows, k})
	if err != nil {
		return nil, err
	}
	wt, err := opPermute(w, []int64{1, 0}, "weight")
	if err != nil {
		return nil, err
	}
	// The product is the op's result, of shape [..., N]; the call writes it
	// as the [rows, N] view.
	final := append(slices.Clone(x.shape[:x.Dim()-1]), n)
	if bias == nil {
		return l.opMM(l.own(), final, x2, wt)
	}
	return l.opAddmm(l.own(), final, bias, x2, wt, nil, nil)
}

// product adds the extern node name, a matrix product of the operands, each
// passed as a strided view. The call writes a result of shape; the node
// has the shape final (the same elements, contiguous), or shape when final
// is nil.
func (l *lowerer) product(name, target string, shape, final []ir.Size, dt ir.DType, scalars []ir.NamedScalar, operands ...*Tensor) (*Tensor, error) {
	var args []ir.View
	for i, t := range operands {
		v, err := l.view(t, fmt.Sprintf("%s_arg%d", name, i))
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	if final == nil || slices.Equal(final, shape) {
		return l.extern(name, target, shape, nil, dt, args, scalars)
	}
	return l.extern(name, target, final, shape, dt, args, scalars)
}

// opBaddbmm is torch.baddbmm: beta*input + alpha*(batch1 @ batch2), input
// broadcast to [B, M, N].
func (l *lowerer) opBaddbmm(name string, in, a, b *Tensor, beta, alpha *Scalar) (*Tensor, error) {
	dt, err := sameFloat("baddbmm", in, a, b)
	if err != nil {
		return nil, err
	}
	if a.Dim() != 3 || b.Dim() != 3 {
		return nil, ferr("args", "baddbmm multiplies two 3-d tensors, got %d-d and %d-d", a.Dim(), b.Dim())
	}
	if a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1] {
		return nil, ferr("args", "baddbmm: shapes %s and %s cannot be multiplied", shapeStr(a.shape), shapeStr(b.shape))
	}
	out := []ir.Size{a.shape[0], a.shape[1], b.shape[2]}
	if sh, err := broadcastShapes(in.shape, out); err != nil || !slices.Equal(sh, out) {
		return nil, ferr("args[0]", "baddbmm: input of shape %s does not broadcast to %s", shapeStr(in.shape), shapeStr(out))
	}
	return l.product(name, "baddbmm", out, nil, dt, scaleScalars(beta, alpha), in, a, b)
}

// scaleScalars are the beta and alpha of addmm and baddbmm, left out at 1.
func scaleScalars(beta, alpha *Scalar) []ir.NamedScalar {
	var out []ir.NamedScalar
	if beta != nil && !isOne(beta) {
		out = append(out, ir.NamedScalar{Name: "beta", Value: FloatScalar(beta.Float()).Value})
	}
	if alpha != nil && !isOne(alpha) {
		out = append(out, ir.NamedScalar{Name: "alpha", Value: FloatScalar(alpha.Float()).Value})
	}
	return out
}

// opMatmul is torch.matmul with all of its rank rules: a dot product of two
// vectors, mm of matrices, a vector as a row (first operand) or a column
// (second), the batch of an N-d first operand folded into the rows of one
// mm when the second is a matrix or a vector, and bmm over the broadcast
// batch dims otherwise.
func (l *lowerer) opMatmul(a, b *Tensor) (*Tensor, error) {
	if _, err := sameFloat("matmul", a, b); err != nil {
		return nil, err
	}
	if a.Dim() == 0 || b.Dim() == 0 {
		return nil, ferr("args", "matmul: both arguments need at least 1 dim, got %d-d and %d-d", a.Dim(), b.Dim())
	}
	if a.shape[a.Dim()-1] != b.shape[max(b.Dim()-2, 0)] {
		return nil, ferr("args", "matmul: shapes %s and %s cannot be multiplied", shapeStr(a.shape), shapeStr(b.shape))
	}
	// Vectors become a row (a) or a column (b), dropped from the result.
	var drop []int64
	var err error
	if a.Dim() == 1 {
		if a, err = opUnsqueeze(a, 0); err != nil {
			return nil, err
		}
		drop = append(drop, -2)
	}
	if b.Dim() == 1 {
		if b, err = opUnsqueeze(b, 1); err != nil {
			return nil, err
		}
		drop = append(drop, -1)
	}
	// The product is the op's result, of the result's shape (the dims of
	// the vectors dropped); the call writes it as its own 2-d or 3-d view.
	final := func(shape []ir.Size) []ir.Size {
		out := []ir.Size{} // non-nil: a dot product's 0-d result is a final shape
		for d, n := range shape {
			if !slices.Contains(drop, int64(d-len(shape))) {
				out = append(out, n)
			}
		}
		return out
	}
	switch {
	case a.Dim() == 2 && b.Dim() == 2:
		return l.opMM(l.own(), final([]ir.Size{a.shape[0], b.shape[1]}), a, b)
	case b.Dim() == 2:
		// [..., M, K] @ [K, N]: the batch folds into the rows of one mm.
		lead := slices.Clone(a.shape[:a.Dim()-1])
		a2, err := opReshape(a, []ir.Size{ir.Product(lead), a.shape[a.Dim()-1]})
		if err != nil {
			return nil, err
		}
		return l.opMM(l.own(), final(append(lead, b.shape[1])), a2, b)
	default:
		batchA, batchB := a.shape[:a.Dim()-2], b.shape[:b.Dim()-2]
		batch, berr := broadcastShapes(batchA, batchB)
		if berr != nil {
			return nil, ferr("args", "matmul: batch dims %s and %s do not broadcast", shapeStr(batchA), shapeStr(batchB))
		}
		m, k, n := a.shape[a.Dim()-2], a.shape[a.Dim()-1], b.shape[b.Dim()-1]
		a3, err := batched(a, batch, m, k, l.syms())
		if err != nil {
			return nil, err
		}
		b3, err := batched(b, batch, k, n, l.syms())
		if err != nil {
			return nil, err
		}
		return l.opBMM(l.own(), final(append(slices.Clone(batch), m, n)), a3, b3)
	}
}

// batched expands t's batch dims to batch and folds them into one: [B, r, c].
func batched(t *Tensor, batch []ir.Size, r, c ir.Size, syms ir.Symbols) (*Tensor, error) {
	e, err := opExpand(t, append(slices.Clone(batch), r, c), syms)
	if err != nil {
		return nil, err
	}
	return opReshape(e, []ir.Size{ir.Product(batch), r, c})
}
