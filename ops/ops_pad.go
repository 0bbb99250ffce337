package ops

import (
	"slices"

	"github.com/fusegen/fusegen/ir"
)

// opPad is torch.nn.functional.pad(x, pad, value=value) in constant mode
// (aten.constant_pad_nd): pad holds (before, after) pairs from the last
// dim backwards; a negative amount crops.
func opPad(x *Tensor, pad []int64, value *Scalar, syms ir.Symbols) (*Tensor, error) {
	if err := needTensor(x, "pad", "args[0]"); err != nil {
		return nil, err
	}
	n := len(x.shape)
	switch {
	case len(pad)%2 != 0:
		return nil, ferr("pad", "pad takes (before, after) pairs, got %d values", len(pad))
	case len(pad)/2 > n:
		return nil, ferr("pad", "%d pairs for a %d-d tensor", len(pad)/2, n)
	}
	v := IntScalar(0)
	if value != nil {
		v = *value
	}
	c, err := castTo(scalarTensor(v), x.dtype)
	if err != nil {
		return nil, ferr("value", "%v", err)
	}
	fill := c.load(nil).Value
	lo, hi := make([]int64, n), make([]int64, n)
	for k := 0; k < len(pad)/2; k++ {
		lo[n-1-k], hi[n-1-k] = pad[2*k], pad[2*k+1]
	}
	// A padded symbolic dim's size is a derived symbol (S + 2); cropping
	// one would leave a size that depends on its value below the amounts.
	for d := range n {
		if (lo[d] < 0 || hi[d] < 0) && !x.shape[d].IsStatic() {
			return nil, ferr("pad", "cropping dim %d of symbolic size %s is not supported: what is left depends on its value", d, x.shape[d])
		}
	}
	// Crop first (a negative amount is a slice), then pad.
	src := x
	for d := range n {
		if lo[d] >= 0 && hi[d] >= 0 {
			continue
		}
		start, end := max(-lo[d], 0), src.shape[d].C-max(-hi[d], 0)
		if end <= start {
			return nil, ferr("pad", "cropping %d and %d from a dim of size %d leaves nothing", max(-lo[d], 0), max(-hi[d], 0), src.shape[d].C)
		}
		if src, err = opSlice(src, int64(d), &start, &end, 1, syms); err != nil {
			return nil, err
		}
		lo[d], hi[d] = max(lo[d], 0), max(hi[d], 0)
	}
	shape := slices.Clone(src.shape)
	for d := range n {
		if lo[d] != 0 || hi[d] != 0 {
			if shape[d], err = addSizes([]ir.Size{src.shape[d], ir.Int(lo[d] + hi[d])}, syms); err != nil {
				return nil, ferr("pad", "dim %d: %v", d, err)
			}
		}
	}
	if err := ir.CheckShape(shape, "pad", syms); err != nil {
		return nil, ferr("pad", "%v", err.(*ir.Error).Msg)
	}
	return &Tensor{shape: shape, dtype: x.dtype, ops: mergeOps(src.ops, []string{"constant_pad_nd"}),
		load: func(idx []ir.Index) *ir.Expr {
			// src is read at i - lo under a guard lo <= i < lo + size on its
			// loads (a masked load) where every padded dim's index is a loop
			// variable of its own; else every read stays inside src (the
			// index wraps into it). The condition picks the fill outside.
			sub := slices.Clone(idx)
			guarded := true
			for d := range n {
				if _, ok := idx[d].IsVar(); !ok && (lo[d] != 0 || hi[d] != 0) {
					guarded = false
				}
			}
			var cond *ir.Expr
			var guards []ir.Guard
			for d := range n {
				if lo[d] == 0 && hi[d] == 0 {
					continue
				}
				if guarded {
					sub[d] = idx[d].Add(ir.ConstIndex(-lo[d]))
					guards = append(guards, ir.Guard{Index: idx[d], Lo: ir.Int(lo[d]), Size: src.shape[d]})
				} else {
					// i + (size - lo), the size being src's plus lo and hi
					sub[d] = idx[d].Add(ir.SizeIndex(src.shape[d])).Add(ir.ConstIndex(hi[d])).Mod(shape[d]).Mod(src.shape[d])
				}
				end := iconst(ir.Int64, lo[d]+src.shape[d].C)
				if !src.shape[d].IsStatic() {
					end = eindex(ir.Int64, ir.SizeIndex(src.shape[d]).Add(ir.ConstIndex(lo[d])))
				}
				in := eop("logical_and", eop("ge", eindex(ir.Int64, idx[d]), iconst(ir.Int64, lo[d])), eop("lt", eindex(ir.Int64, idx[d]), end))
				if cond == nil {
					cond = in
				} else {
					cond = eop("logical_and", cond, in)
				}
			}
			if cond == nil {
				return src.load(idx)
			}
			return eop(ir.OpWhere, cond, ir.GuardLoads(src.load(sub), guards), econst(x.dtype, fill))
		}}, nil
}

// opTriangle is torch.tril (upper false) or torch.triu of the last two
// dims: the elements on and below (above) the diagonal-th diagonal kept,
// the others zero.
func opTriangle(x *Tensor, diagonal int64, upper bool) (*Tensor, error) {
	op := "tril"
	if upper {
		op = "triu"
	}
	if err := needTensor(x, op, "args[0]"); err != nil {
		return nil, err
	}
	n := len(x.shape)
	if n < 2 {
		return nil, ferr("args[0]", "%s needs at least 2 dims, got a %d-d tensor", op, n)
	}
	zero, err := castTo(scalarTensor(IntScalar(0)), x.dtype)
	if err != nil {
		return nil, err
	}
	z := zero.load(nil).Value
	return &Tensor{shape: slices.Clone(x.shape), dtype: x.dtype, ops: mergeOps(x.ops, []string{op}), format: x.format,
		load: func(idx []ir.Index) *ir.Expr {
			// col - row against the diagonal
			diff := eindex(ir.Int64, idx[n-1].Add(idx[n-2].Scale(-1)))
			cmp := "le"
			if upper {
				cmp = "ge"
			}
			return eop(ir.OpWhere, eop(ir.Op(cmp), diff, iconst(ir.Int64, diagonal)), x.load(idx), econst(x.dtype, z))
		}}, nil
}
