package ops

import (
	"fmt"
	"math"
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
func view(x *Tensor, shape []ir.Size, op string, f func(idx []ir.Index) []ir.Index) *Tensor {
	in := x
	return &Tensor{shape: shape, dtype: x.dtype, ops: x.ops, load: func(idx []ir.Index) *ir.Expr { return in.load(f(idx)) }}
}

// opReshape is view / reshape: the element at flat (row-major) position p of
// the result is the element at flat position p of x. Symbolic sizes factor
// by exact division of their products: [B*S, 768] and [B, S, 768] are views
// of each other, a -1 is the quotient of the numel by the other sizes, and
// a shape whose product is not the numel as a product of symbols is
// refused.
func opReshape(x *Tensor, shape []ir.Size) (*Tensor, error) {
	out := slices.Clone(shape)
	numel := ir.Product(x.shape)
	infer := -1
	known := ir.Int(1)
	for i, s := range out {
		switch {
		case s.Is(-1) && infer < 0:
			infer = i
		case s.Is(-1):
			return nil, ferr("shape", "only one size may be -1, got %s", shapeStr(shape))
		case s.C < 1:
			return nil, ferr("shape", "size %s in %s is not positive (zero-size tensors are not supported)", s, shapeStr(shape))
		default:
			known = known.Mul(s)
			if known.C > ir.MaxElements {
				return nil, ferr("shape", "shape %s is invalid for an input of %s elements", shapeStr(shape), numel)
			}
		}
	}
	if infer >= 0 {
		q, ok := numel.Quo(known)
		if !ok {
			return nil, ferr("shape", "shape %s is invalid for an input of %s elements", shapeStr(shape), numel)
		}
		out[infer] = q
		known = numel
	}
	if known != numel {
		return nil, ferr("shape", "view size mismatch: shape %s (%s elements) is invalid for an input of shape %s (%s elements)", shapeStr(shape), known, shapeStr(x.shape), numel)
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
			if !out[k].Is(1) {
				flat = flat.Add(ix.Times(outStrides[k]))
			}
		}
		sub := make([]ir.Index, len(inShape))
		for d := range inShape {
			switch {
			case inShape[d].Is(1):
				sub[d] = ir.ConstIndex(0)
			case d == 0 && ir.HasSymbols(inShape):
				// The flat index is below the numel, so the outer index is
				// below its size; the modulo, which simplification drops
				// where it proves that, keeps the load provably in bounds
				// where it cannot.
				sub[d] = flat.FloorDiv(inStrides[d]).Mod(inShape[d])
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
			return nil, ferr(field, "dim %d appears twice in %s", nd, intsStr(dims))
		}
		seen[nd] = true
		perm[i] = nd
	}
	shape := make([]ir.Size, n)
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

// opExpand is Tensor.expand(shape): -1 keeps a size, size-1 dims stretch
// (to a symbolic size too), new dims may be added in front.
func opExpand(x *Tensor, shape []ir.Size, syms ir.Symbols) (*Tensor, error) {
	if len(shape) < len(x.shape) {
		return nil, ferr("shape", "expand to %s has fewer dims than the input's shape %s", shapeStr(shape), shapeStr(x.shape))
	}
	out := slices.Clone(shape)
	off := len(shape) - len(x.shape)
	for i, s := range shape {
		d := i - off
		switch {
		case d < 0 && s.Is(-1):
			return nil, ferr("shape", "-1 is not allowed for the new leading dim %d of expand to %s", i, shapeStr(shape))
		case s.Is(-1):
			out[i] = x.shape[d]
		case s.C < 1:
			return nil, ferr("shape", "size %s in %s is not positive", s, shapeStr(shape))
		case d >= 0 && !x.shape[d].Is(1) && x.shape[d] != s:
			return nil, ferr("shape", "cannot expand shape %s to %s: dim %d has size %s, not 1", shapeStr(x.shape), shapeStr(shape), d, x.shape[d])
		}
	}
	if err := ir.CheckShape(out, "shape", syms); err != nil {
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
	shape := slices.Insert(slices.Clone(x.shape), d, ir.Int(1))
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
			drop[d] = s.Is(1)
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
			if n > 0 && x.shape[nd].Is(1) {
				drop[nd] = true
			}
		}
	}
	var shape []ir.Size
	for d, s := range x.shape {
		if !drop[d] {
			shape = append(shape, s)
		}
	}
	if shape == nil {
		shape = []ir.Size{}
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
		return opReshape(x, []ir.Size{ir.Int(1)})
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
// of start and end. On a dim of symbolic size S, a full slice (start 0, end
// at least S's maximum) keeps S, and a slice that ends within S's minimum
// has a static size; anything else depends on S's value and is refused.
func opSlice(x *Tensor, dim int64, start, end *int64, step int64, syms ir.Symbols) (*Tensor, error) {
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
	if !x.shape[d].IsStatic() {
		return symbolicSlice(x, d, start, end, step, syms)
	}
	size := x.shape[d].C
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
	return sliceView(x, d, lo, step, ir.Int(length)), nil
}

// sliceView is the view of x's dim d from lo in steps of step, of length
// elements.
func sliceView(x *Tensor, d int, lo, step int64, length ir.Size) *Tensor {
	shape := slices.Clone(x.shape)
	shape[d] = length
	return view(x, shape, "slice", func(idx []ir.Index) []ir.Index {
		sub := slices.Clone(idx)
		sub[d] = idx[d].Scale(step).Add(ir.ConstIndex(lo))
		return sub
	})
}

// symbolicSlice is opSlice on dim d of symbolic size.
func symbolicSlice(x *Tensor, d int, start, end *int64, step int64, syms ir.Symbols) (*Tensor, error) {
	size := x.shape[d]
	r := syms.Range(size)
	lo, hi := int64(0), int64(math.MaxInt64)
	if start != nil {
		lo = *start
	}
	if end != nil {
		hi = *end
	}
	switch {
	case lo == 0 && hi >= r.Hi && step == 1:
		return x, nil
	case lo >= 0 && hi > lo && hi <= r.Lo:
		// Within the smallest size S can be: the same elements for every S.
		return sliceView(x, d, lo, step, ir.Int((hi-lo+step-1)/step)), nil
	}
	return nil, ferr("end", "slice [%s:%s:%d] of dim %d of symbolic size %s (range [%d, %d]) is not supported: only a full slice, or one ending within the minimum, is the same for every value", optStr(start), optStr(end), step, d, size, r.Lo, r.Hi)
}

func optStr(v *int64) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(*v)
}

// opSelect is x.select(dim, index): the dim goes away. On a dim of
// symbolic size, an index below the size's minimum is in range for every
// value; others are refused.
func opSelect(x *Tensor, dim, index int64, syms ir.Symbols) (*Tensor, error) {
	n := len(x.shape)
	if n == 0 {
		return nil, ferr("args[0]", "select cannot be applied to a 0-d tensor")
	}
	d, err := normDim(dim, n, "dim")
	if err != nil {
		return nil, err
	}
	if s := x.shape[d]; !s.IsStatic() {
		if r := syms.Range(s); index < 0 || index >= r.Lo {
			return nil, ferr("index", "index %d of dim %d of symbolic size %s (range [%d, %d]) is not supported: only an index from 0 below the minimum is in range for every value", index, d, s, r.Lo, r.Hi)
		}
	} else {
		size := s.C
		if index < -size || index >= size {
			return nil, ferr("index", "index %d out of range for dim %d of size %d", index, d, size)
		}
		if index < 0 {
			index += size
		}
	}
	shape := slices.Delete(slices.Clone(x.shape), d, d+1)
	return view(x, shape, "select", func(idx []ir.Index) []ir.Index {
		return slices.Insert(slices.Clone(idx), d, ir.ConstIndex(index))
	}), nil
}

// opNarrow is x.narrow(dim, start, length).
func opNarrow(x *Tensor, dim, start, length int64, syms ir.Symbols) (*Tensor, error) {
	n := len(x.shape)
	if n == 0 {
		return nil, ferr("args[0]", "narrow cannot be applied to a 0-d tensor")
	}
	d, err := normDim(dim, n, "dim")
	if err != nil {
		return nil, err
	}
	if s := x.shape[d]; !s.IsStatic() {
		// A static length from a symbolic size fits every value only when
		// it ends within the minimum.
		end := start + length
		if r := syms.Range(s); start < 0 || length < 1 || end > r.Lo {
			return nil, ferr("length", "narrow of length %d from %d of dim %d of symbolic size %s (range [%d, %d]) is not supported: only one ending within the minimum fits every value", length, start, d, s, r.Lo, r.Hi)
		}
		return opSlice(x, int64(d), &start, &end, 1, syms)
	}
	size := x.shape[d].C
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
	return opSlice(x, int64(d), &start, &end, 1, syms)
}

// splitDim is the static size of the dim split, chunk split: pieces of
// a symbolic size have sizes (and a number) that depend on its value.
func splitDim(x *Tensor, d int, op string) (int64, error) {
	s := x.shape[d]
	if v, ok := s.Static(); ok {
		return v, nil
	}
	return 0, ferr("dim", "%s of dim %d of symbolic size %s is not supported: the pieces' sizes depend on its value", op, d, s)
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
	size, err := splitDim(x, d, "split")
	if err != nil {
		return nil, err
	}
	total := int64(0)
	for _, s := range sizes {
		if s < 1 {
			return nil, ferr(field, "split sizes %s include a size below 1 (zero-size tensors are not supported)", intsStr(sizes))
		}
		total += s
	}
	if total != size {
		return nil, ferr(field, "split sizes %s add up to %d, not the size %d of dim %d", intsStr(sizes), total, size, d)
	}
	var out []*Tensor
	start := int64(0)
	for _, s := range sizes {
		lo, hi := start, start+s
		t, err := opSlice(x, int64(d), &lo, &hi, 1, nil)
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
	size, err := splitDim(x, d, "split")
	if err != nil {
		return nil, err
	}
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
	size, err := splitDim(x, d, "chunk")
	if err != nil {
		return nil, err
	}
	return opSplit(x, (size+chunks-1)/chunks, dim)
}

// opCat is torch.cat. Piece k (size s_k at offset o_k along dim, of T in
// all) is read at i - o_k under a guard o_k <= i < o_k + s_k on its loads,
// where a where() selects it: a masked load, as Inductor's. Where the
// index along dim is no loop variable of its own (a view of the cat), a
// guard could not name it: the piece is read at ((i + T - o_k) % T) % s_k,
// which is always in bounds and is i - o_k where the piece is selected. T -
// o_k is the sizes from piece k on, so that no size is ever subtracted.
func opCat(ts []*Tensor, dim int64, syms ir.Symbols) (*Tensor, error) {
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
	offsets := make([]ir.Size, len(ts))
	sizes := make([]ir.Size, len(ts))
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
		sizes[i] = t.shape[d]
	}
	// The total, each offset (the sizes before a piece) and each back (the
	// sizes from it on) are one size each, which the loader compares and
	// wraps by: S + S = 2*S, or a derived symbol (S + T).
	backs := make([]ir.Size, len(ts))
	total, err := addSizes(sizes, syms)
	for i := range ts {
		if err == nil {
			offsets[i], err = addSizes(sizes[:i], syms)
		}
		if err == nil {
			backs[i], err = addSizes(sizes[i:], syms)
		}
	}
	if err != nil {
		return nil, ferr("args", "cat along dim %d of sizes %s: %v", d, shapeStr(sizes), err)
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
			_, guarded := i.IsVar()
			piece := func(k int) *ir.Expr {
				sub := slices.Clone(idx)
				if guarded {
					sub[d] = i.Add(ir.SizeIndex(offsets[k]).Scale(-1))
					return ir.GuardLoads(pieces[k].load(sub), []ir.Guard{{Index: i, Lo: offsets[k], Size: pieces[k].shape[d]}})
				}
				sub[d] = i.Add(ir.SizeIndex(backs[k])).Mod(total).Mod(pieces[k].shape[d])
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
				var at *ir.Expr
				if v, ok := offsets[mid].Static(); ok {
					at = iconst(ir.Int64, v)
				} else {
					at = eindex(ir.Int64, ir.SizeIndex(offsets[mid]))
				}
				cond := eop("lt", eindex(ir.Int64, i), at)
				return eop(ir.OpWhere, cond, pick(lo, mid), pick(mid, hi))
			}
			return pick(0, len(pieces))
		}}, nil
}
