package fusion

import "github.com/fusegen/fusegen/ir"

// The flat loop indices of a kernel: every node of a kernel of group
// (numel, rnumel) is mapped onto the row index x in [0, numel) and, in
// reduction kernels, the reduction index r in [0, rnumel). The names are
// neutral (no loop variable of a graph is named so); the kernel view model
// spells them as the target does (xindex, r0_index in Triton).
const (
	XVar = "x"
	RVar = "r"
)

// Env returns the ranges of the kernel's flat indices, with the graph's
// symbols.
func (g Group) Env(syms ir.Symbols) ir.Env {
	return ir.Env{Sizes: map[string]ir.Size{XVar: g.Numel, RVar: g.ReductionNumel}, Symbols: syms}
}

// Coords maps a node's loop variables onto a kernel's flat indices, or
// reports that the node cannot run in a kernel of that group. A reduction
// node needs the group's exact shape; a pointwise node either covers the
// whole (numel * rnumel) space, one point per (xindex, r0_index) pair, or only
// the numel space, one point per row.
func Coords(n *ir.Node, g Group, syms ir.Symbols) (map[string]ir.Index, bool) {
	m := map[string]ir.Index{}
	env := g.Env(syms)
	// split maps vars over ranges onto flat, the last of order varying
	// fastest (nil order: the last dim).
	split := func(vars func(int) string, ranges []ir.Size, order []int, flat ir.Index) {
		div := ir.Int(1)
		for i := len(ranges) - 1; i >= 0; i-- {
			d := i
			if order != nil {
				d = order[i]
			}
			m[vars(d)] = flat.FloorDiv(div).Mod(ranges[d]).Simplify(env)
			div = div.Mul(ranges[d])
		}
	}
	x, r := ir.VarIndex(XVar), ir.VarIndex(RVar)
	switch {
	case n.Kind == ir.Reduction:
		if GroupOf(n) != g {
			return nil, false
		}
		split(ir.RangeVar, n.Ranges, nil, x)
		split(ir.ReductionVar, n.ReductionRanges, nil, r)
	case !g.ReductionNumel.Is(1) && n.Numel() == g.Numel.Mul(g.ReductionNumel):
		// A node's points run in the order its buffer is laid out, so
		// that it stores at consecutive addresses.
		split(ir.RangeVar, n.Ranges, denseOrder(n), x.Times(g.ReductionNumel).Add(r))
	case n.Numel() == g.Numel:
		split(ir.RangeVar, n.Ranges, denseOrder(n), x)
	default:
		return nil, false
	}
	return m, true
}

// Fits reports whether Coords would map n onto group g, without building
// the mapping.
func Fits(n *ir.Node, g Group) bool {
	switch {
	case n.Kind == ir.Reduction:
		return GroupOf(n) == g
	case !g.ReductionNumel.Is(1) && n.Numel() == g.Numel.Mul(g.ReductionNumel):
		return true
	}
	return n.Numel() == g.Numel
}

// IsRowIndex reports whether a flat index into a node's contiguous buffer
// is exactly the kernel's row, x: the only place a reduction's result
// can be read inside the kernel that computes it. With a single row the
// index simplifies to 0.
func (g Group) IsRowIndex(ix ir.Index) bool {
	if v, ok := ix.IsVar(); ok && v == XVar {
		return true
	}
	return g.Numel.Is(1) && ix.IsConst() && ix.Const == 0
}

// FlatIndex turns one index per dimension of a contiguous buffer of the given
// shape into a flat element index, simplified over the group's ranges.
func FlatIndex(shape []ir.Size, idx []ir.Index, g Group, syms ir.Symbols) ir.Index {
	strides := ir.ContiguousStrides(shape)
	flat := ir.Index{}
	for d, ix := range idx {
		flat = flat.Add(ix.Times(strides[d]))
	}
	return flat.Simplify(g.Env(syms))
}

// denseOrder is the layout order of a node's buffer, nil when contiguous.
func denseOrder(n *ir.Node) []int {
	if n.Strides == nil {
		return nil
	}
	order, _ := ir.DenseOrder(n.Ranges, n.Strides)
	return order
}
