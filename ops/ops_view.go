package ops

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/fusegen/fusegen/ir"
)

// Views and layout ops. A view never copies: it rewrites the index its
// loader passes on (permute reorders, expand drops or zeroes, reshape goes
// through the flat index with // and %, slice is start + step*i, select
// substitutes a constant).

// normDim wraps a possibly negative dim into [0, ndim). A 0-d tensor takes
// dims -1 and 0 when scalarOK, as torch's reductions do.
func normDim(d int64, ndim int, field string) (int, error) {
	n := int64(ndim)
	if n == 0 {
		n = 1
	}
	if d < -n || d >= n {
		return 0, ferr(field, "dim %d out of range for a %d-d tensor (want %d to %d)", d, ndim, -n, n-1)
	}
	if d < 0 {
		d += n
	}
	return int(d), nil
}

// view is a tensor with a new shape whose loader maps its index to x's.
func view(x *Tensor, shape []int64, op string, f func(idx []ir.Index) []ir.Index) *Tensor {
	in := x
	return &Tensor{shape: shape, dtype: x.dtype, ops: x.ops, load: func(idx []ir.Index) *ir.Expr { return in.load(f(idx)) }}
}

// opReshape is view / reshape: the element at flat (row-major) position p of
// the result is the element at flat position p of x.
func opReshape(x *Tensor, shape []int64) (*Tensor, error) {
	out := slices.Clone(shape)
	numel := ir.Product(x.shape)
	infer := -1
	known := int64(1)
	for i, s := range out {
		switch {
		case s == -1 && infer < 0:
			infer = i
		case s == -1:
			return nil, ferr("shape", "only one size may be -1, got %s", shapeStr(shape))
		case s < 1:
			return nil, ferr("shape", "size %d in %s is not positive (zero-size tensors are not supported)", s, shapeStr(shape))
		default:
			known *= s
			if known > ir.MaxElements {
				return nil, ferr("shape", "shape %s is invalid for an input of %d elements", shapeStr(shape), numel)
			}
		}
	}
	if infer >= 0 {
		if numel%known != 0 {
			return nil, ferr("shape", "shape %s is invalid for an input of %d elements", shapeStr(shape), numel)
		}
		out[infer] = numel / known
		known = numel
	}
	if known != numel {
		return nil, ferr("shape", "view size mismatch: shape %s (%d elements) is invalid for an input of shape %s (%d elements)", shapeStr(shape), known, shapeStr(x.shape), numel)
	}
	if slices.Equal(out, x.shape) {
		return x, nil
	}
	// A reshape of a reshape is a reshape of the first one's input (the
	// row-major order of the elements is kept): chains stay one view deep,
	// where composing them would nest their divisions without end.
	if x.reshapeOf != nil {
		x = x.reshapeOf
		if slices.Equal(out, x.shape) {
			return x, nil
		}
	}
	inStrides := ir.ContiguousStrides(x.shape)
	outStrides := ir.ContiguousStrides(out)
	inShape := x.shape
	t := view(x, out, "reshape", func(idx []ir.Index) []ir.Index {
		flat := ir.Index{}
		for k, ix := range idx {
			if out[k] != 1 {
				flat = flat.Add(ix.Scale(outStrides[k]))
			}
		}
		sub := make([]ir.Index, len(inShape))
		for d := range inShape {
			switch {
			case inShape[d] == 1:
				sub[d] = ir.ConstIndex(0)
			case d == 0:
				sub[d] = flat.FloorDiv(inStrides[d])
			default:
				sub[d] = flat.FloorDiv(inStrides[d]).Mod(inShape[d])
			}
		}
		return sub
	})
	t.reshapeOf = x
	return t, nil
}

// opPermute is torch.permute.
func opPermute(x *Tensor, dims []int64, field string) (*Tensor, error) {
	n := len(x.shape)
	if len(dims) != n {
		return nil, ferr(field, "permute of a %d-d tensor needs %d dims, got %d", n, n, len(dims))
	}
	perm := make([]int, n)
	seen := make([]bool, n)
	for i, d := range dims {
		nd, err := normDim(d, n, field+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		if seen[nd] {
			return nil, ferr(field, "dim %d appears twice in %s", nd, shapeStr(dims))
		}
		seen[nd] = true
		perm[i] = nd
	}
	shape := make([]int64, n)
	for i, p := range perm {
		shape[i] = x.shape[p]
	}
	// A permute of a permute is one permute of the first one's input.
	if x.permuteOf != nil {
		composed := make([]int, n)
		for i, p := range perm {
			composed[i] = x.perm[p]
		}
		x, perm = x.permuteOf, composed
		identity := true
		for i, p := range perm {
			identity = identity && i == p
		}
		if identity {
			return x, nil
		}
	}
	t := view(x, shape, "permute", func(idx []ir.Index) []ir.Index {
		sub := make([]ir.Index, n)
		for i, p := range perm {
			sub[p] = idx[i]
		}
		return sub
	})
	t.permuteOf, t.perm = x, perm
	return t, nil
}

// opTranspose swaps two dims.
func opTranspose(x *Tensor, d0, d1 int64) (*Tensor, error) {
	n := len(x.shape)
	if n == 0 {
		if _, err := normDim(d0, 0, "dim0"); err != nil {
			return nil, err
		}
		if _, err := normDim(d1, 0, "dim1"); err != nil {
			return nil, err
		}
		return x, nil
	}
	a, err := normDim(d0, n, "dim0")
	if err != nil {
		return nil, err
	}
	b, err := normDim(d1, n, "dim1")
	if err != nil {
		return nil, err
	}
	dims := make([]int64, n)
	for i := range dims {
		dims[i] = int64(i)
	}
	dims[a], dims[b] = dims[b], dims[a]
	return opPermute(x, dims, "dims")
}

// opExpand is Tensor.expand(shape): -1 keeps a size, size-1 dims stretch,
// new dims may be added in front.
func opExpand(x *Tensor, shape []int64) (*Tensor, error) {
	if len(shape) < len(x.shape) {
		return nil, ferr("shape", "expand to %s has fewer dims than the input's shape %s", shapeStr(shape), shapeStr(x.shape))
	}
	out := slices.Clone(shape)
	off := len(shape) - len(x.shape)
	for i, s := range shape {
		d := i - off
		switch {
		case d < 0 && s == -1:
			return nil, ferr("shape", "-1 is not allowed for the new leading dim %d of expand to %s", i, shapeStr(shape))
		case s == -1:
			out[i] = x.shape[d]
		case s < 1:
			return nil, ferr("shape", "size %d in %s is not positive", s, shapeStr(shape))
		case d >= 0 && x.shape[d] != 1 && x.shape[d] != s:
			return nil, ferr("shape", "cannot expand shape %s to %s: dim %d has size %d, not 1", shapeStr(x.shape), shapeStr(shape), d, x.shape[d])
		}
	}
	if err := ir.CheckShape(out, "shape"); err != nil {
		return nil, ferr("shape", "%s", err.(*ir.Error).Msg)
	}
	return broadcastTo(x, out), nil
}

// opUnsqueeze inserts a size-1 dim.
func opUnsqueeze(x *Tensor, dim int64) (*Tensor, error) {
	n := len(x.shape)
	if dim < -int64(n)-1 || dim > int64(n) {
		return nil, ferr("dim", "dim %d out of range for unsqueeze of a %d-d tensor (want %d to %d)", dim, n, -n-1, n)
	}
	d := int(dim)
	if d < 0 {
		d += n + 1
	}
	shape := slices.Insert(slices.Clone(x.shape), d, 1)
	return view(x, shape, "unsqueeze", func(idx []ir.Index) []ir.Index {
		return slices.Delete(slices.Clone(idx), d, d+1)
	}), nil
}

// opSqueeze removes the given size-1 dims (all of them when dims is nil);
// dims of another size are left, as torch does.
func opSqueeze(x *Tensor, dims []int64, field string) (*Tensor, error) {
	n := len(x.shape)
	drop := make([]bool, n)
	if dims == nil {
		for d, s := range x.shape {
			drop[d] = s == 1
		}
	} else {
		for i, d := range dims {
			nd, err := normDim(d, n, field+"["+strconv.Itoa(i)+"]")
			if err != nil {
				if field == "dim" {
					nd, err = normDim(d, n, field)
				}
				if err != nil {
					return nil, err
				}
			}
			if n > 0 && x.shape[nd] == 1 {
				drop[nd] = true
			}
		}
	}
	var shape []int64
	for d, s := range x.shape {
		if !drop[d] {
			shape = append(shape, s)
		}
	}
	if shape == nil {
		shape = []int64{}
	}
	if len(shape) == n {
		return x, nil
	}
	return view(x, shape, "squeeze", func(idx []ir.Index) []ir.Index {
		sub := make([]ir.Index, n)
		k := 0
		for d := range sub {
			if drop[d] {
				sub[d] = ir.ConstIndex(0)
				continue
			}
			sub[d] = idx[k]
			k++
		}
		return sub
	}), nil
}

// opFlatten merges dims start_dim..end_dim.
func opFlatten(x *Tensor, start, end int64) (*Tensor, error) {
	n := len(x.shape)
	if n == 0 {
		if _, err := normDim(start, 0, "start_dim"); err != nil {
			return nil, err
		}
		if _, err := normDim(end, 0, "end_dim"); err != nil {
			return nil, err
		}
		return opReshape(x, []int64{1})
	}
	s, err := normDim(start, n, "start_dim")
	if err != nil {
		return nil, err
	}
	e, err := normDim(end, n, "end_dim")
	if err != nil {
		return nil, err
	}
	if s > e {
		return nil, ferr("start_dim", "flatten's start_dim %d comes after end_dim %d", s, e)
	}
	shape := slices.Clone(x.shape[:s])
	shape = append(shape, ir.Product(x.shape[s:e+1]))
	shape = append(shape, x.shape[e+1:]...)
	return opReshape(x, shape)
}

// opSlice is x[..., start:end:step, ...] along dim, with Python's clamping
// of start and end.
func opSlice(x *Tensor, dim int64, start, end *int64, step int64) (*Tensor, error) {
	n := len(x.shape)
	if n == 0 {
		return nil, ferr("args[0]", "slice cannot be applied to a 0-d tensor")
	}
	d, err := normDim(dim, n, "dim")
	if err != nil {
		return nil, err
	}
	if step < 1 {
		return nil, ferr("step", "slice step must be positive, got %d", step)
	}
	size := x.shape[d]
	clamp := func(v *int64, def int64) int64 {
		if v == nil {
			return def
		}
		i := *v
		if i < 0 {
			i += size
		}
		return min(max(i, 0), size)
	}
	lo, hi := clamp(start, 0), clamp(end, size)
	if hi <= lo {
		return nil, ferr("end", "slice [%s:%s] of a dim of size %d is empty (zero-size tensors are not supported)", optStr(start), optStr(end), size)
	}
	length := (hi - lo + step - 1) / step
	if lo == 0 && length == size {
		return x, nil
	}
	shape := slices.Clone(x.shape)
	shape[d] = length
	return view(x, shape, "slice", func(idx []ir.Index) []ir.Index {
		sub := slices.Clone(idx)
		sub[d] = idx[d].Scale(step).Add(ir.ConstIndex(lo))
		return sub
	}), nil
}

func optStr(v *int64) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(*v)
}

// opSelect is x.select(dim, index): the dim goes away.
func opSelect(x *Tensor, dim, index int64) (*Tensor, error) {
	n := len(x.shape)
	if n == 0 {
		return nil, ferr("args[0]", "select cannot be applied to a 0-d tensor")
	}
	d, err := normDim(dim, n, "dim")
	if err != nil {
		return nil, err
	}
	size := x.shape[d]
	if index < -size || index >= size {
		return nil, ferr("index", "index %d out of range for dim %d of size %d", index, d, size)
	}
	if index < 0 {
		index += size
	}
	shape := slices.Delete(slices.Clone(x.shape), d, d+1)
	return view(x, shape, "select", func(idx []ir.Index) []ir.Index {
		return slices.Insert(slices.Clone(idx), d, ir.ConstIndex(index))
	}), nil
}

// opNarrow is x.narrow(dim, start, length).
func opNarrow(x *Tensor, dim, start, length int64) (*Tensor, error) {
	n := len(x.shape)
	if n == 0 {
		return nil, ferr("args[0]", "narrow cannot be applied to a 0-d tensor")
	}
	d, err := normDim(dim, n, "dim")
	if err != nil {
		return nil, err
	}
	size := x.shape[d]
	if start < -size || start > size {
		return nil, ferr("start", "start %d out of range for dim %d of size %d", start, d, size)
	}
	if start < 0 {
		start += size
	}
	if length < 1 || start+length > size {
		return nil, ferr("length", "narrow of length %d from %d does not fit dim %d of size %d (zero-size tensors are not supported)", length, start, d, size)
	}
	end := start + length
	return opSlice(x, int64(d), &start, &end, 1)
}

// opSplitSizes splits x along dim into pieces of the given sizes.
func opSplitSizes(x *Tensor, sizes []int64, dim int64, field string) ([]*Tensor, error) {
	n := len(x.shape)
	if n == 0 {
		return nil, ferr("args[0]", "cannot split a 0-d tensor")
	}
	d, err := normDim(dim, n, "dim")
	if err != nil {
		return nil, err
	}
	total := int64(0)
	for _, s := range sizes {
		if s < 1 {
			return nil, ferr(field, "split sizes %s include a size below 1 (zero-size tensors are not supported)", shapeStr(sizes))
		}
		total += s
	}
	if total != x.shape[d] {
		return nil, ferr(field, "split sizes %s add up to %d, not the size %d of dim %d", shapeStr(sizes), total, x.shape[d], d)
	}
	var out []*Tensor
	start := int64(0)
	for _, s := range sizes {
		lo, hi := start, start+s
		t, err := opSlice(x, int64(d), &lo, &hi, 1)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		start = hi
	}
	return out, nil
}

// opSplit is torch.split with an int split_size: pieces of that size, the
// last one smaller.
func opSplit(x *Tensor, splitSize, dim int64) ([]*Tensor, error) {
	if splitSize < 1 {
		return nil, ferr("split_size", "split_size must be positive, got %d", splitSize)
	}
	d, err := normDim(dim, len(x.shape), "dim")
	if err != nil {
		return nil, err
	}
	if len(x.shape) == 0 {
		return nil, ferr("args[0]", "cannot split a 0-d tensor")
	}
	size := x.shape[d]
	var sizes []int64
	for s := int64(0); s < size; s += splitSize {
		sizes = append(sizes, min(splitSize, size-s))
	}
	return opSplitSizes(x, sizes, dim, "split_size")
}

// opChunk is torch.chunk: ceil(size/chunks)-sized pieces, possibly fewer
// than chunks of them.
func opChunk(x *Tensor, chunks, dim int64) ([]*Tensor, error) {
	if chunks < 1 {
		return nil, ferr("chunks", "chunks must be positive, got %d", chunks)
	}
	if len(x.shape) == 0 {
		return nil, ferr("args[0]", "cannot chunk a 0-d tensor")
	}
	d, err := normDim(dim, len(x.shape), "dim")
	if err != nil {
		return nil, err
	}
	size := x.shape[d]
	return opSplit(x, (size+chunks-1)/chunks, dim)
}

// opCat is torch.cat. Piece k (size s_k at offset o_k along dim, of T in
// all) is loaded at ((i + T - o_k) % T) % s_k, which is always in bounds and
// is i - o_k where a where() selects piece k: no masked loads.
func opCat(ts []*Tensor, dim int64) (*Tensor, error) {
	if len(ts) == 0 {
		return nil, ferr("args", "cat needs at least one tensor")
	}
	ref := ts[0]
	n := len(ref.shape)
	if n == 0 {
		return nil, ferr("args[0]", "zero-dimensional tensors cannot be concatenated")
	}
	d, err := normDim(dim, n, "dim")
	if err != nil {
		return nil, err
	}
	offsets := make([]int64, len(ts))
	total := int64(0)
	for i, t := range ts {
		if t.isScalar() {
			return nil, ferr("args["+strconv.Itoa(i)+"]", "cat needs tensors, got the number %s", t.scalar.Value)
		}
		if len(t.shape) != n {
			return nil, ferr("args["+strconv.Itoa(i)+"]", "cat of a %d-d tensor with a %d-d tensor (shapes %s and %s)", n, len(t.shape), shapeStr(ref.shape), shapeStr(t.shape))
		}
		for k := range t.shape {
			if k != d && t.shape[k] != ref.shape[k] {
				return nil, ferr("args["+strconv.Itoa(i)+"]", "sizes of tensors must match except in dim %d: shapes %s and %s differ in dim %d", d, shapeStr(ref.shape), shapeStr(t.shape), k)
			}
		}
		offsets[i] = total
		total += t.shape[d]
	}
	if len(ts) == 1 {
		return ts[0], nil
	}
	dt := resultType(ts...)
	pieces := make([]*Tensor, len(ts))
	var ops [][]string
	for i, t := range ts {
		pieces[i] = mustCast(t, dt)
		ops = append(ops, t.ops)
	}
	shape := slices.Clone(ref.shape)
	shape[d] = total
	return &Tensor{shape: shape, dtype: dt, ops: mergeOps(append(ops, []string{"cat"})...),
		load: func(idx []ir.Index) *ir.Expr {
			i := idx[d]
			piece := func(k int) *ir.Expr {
				sub := slices.Clone(idx)
				sub[d] = i.Add(ir.ConstIndex(total - offsets[k])).Mod(total).Mod(pieces[k].shape[d])
				return pieces[k].load(sub)
			}
			// A balanced tree of selections over pieces lo..hi-1: the
			// expression's depth grows with the log of their number, so any
			// number of pieces stays within the IR's depth bound.
			var pick func(lo, hi int) *ir.Expr
			pick = func(lo, hi int) *ir.Expr {
				if hi-lo == 1 {
					return piece(lo)
				}
				mid := (lo + hi) / 2
				cond := eop("lt", eindex(ir.Int64, i), iconst(ir.Int64, offsets[mid]))
				return eop(ir.OpWhere, cond, pick(lo, mid), pick(mid, hi))
			}
			return pick(0, len(pieces))
		}}, nil
}
