package fusion

import (
	"fmt"

	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/ir"
)

// IsInnerReduction reports whether some load of a reduction node steps
// through consecutive elements as the flat reduction index grows: the
// reduction runs along the contiguous dimension.
func IsInnerReduction(t *ir.Table, n *ir.Node, syms ir.Symbols) bool {
	if n.Kind != ir.Reduction {
		return false
	}
	grp := GroupOf(n)
	sub, _ := Coords(n, grp, syms)
	inner := false
	n.Body.Walk(func(e *ir.Expr) {
		if e.Op != ir.OpLoad || e.Indirect != nil || inner {
			return
		}
		b := t.Buffer(e.Buffer)
		if b == nil {
			return
		}
		strides := b.StridesOrContiguous()
		off := ir.Index{}
		for d, ix := range e.Index {
			off = off.Add(ix.Subst(sub).Times(strides[d]))
		}
		off = off.Simplify(grp.Env(syms))
		for _, t := range off.Terms {
			// r itself, or its innermost split (r % k), with unit stride.
			plain := t.Inner == nil && t.Var == RVar
			split := t.Inner != nil && t.Div.Is(1) && t.Mod.C != 0 && !t.Mod.Is(1) && isVar(*t.Inner, RVar)
			if (plain || split) && t.Coeff.Is(1) {
				inner = true
			}
		}
	})
	return inner
}

// isVar reports whether x is exactly the variable name.
func isVar(x ir.Index, name string) bool {
	v, ok := x.IsVar()
	return ok && v == name
}

// splittable reports a reduction whose partial results combine with the
// same reduction (its table entry's Splits).
func splittable(n *ir.Node) bool {
	info := n.Reduction.Info()
	return n.Kind == ir.Reduction && info != nil && info.Splits
}

// splitReductions rewrites each reduction that would leave the GPU mostly
// idle (few rows, each long) into a partial reduction over S chunks and a
// final reduction over the S partial results, as Inductor's split reductions
// do. It returns g itself when nothing is split, else a copy.
func splitReductions(g *ir.Graph, t *ir.Table, opts Options, log *[]Decision) *ir.Graph {
	var out []*ir.Node
	changed := false
	taken := map[string]bool{}
	for _, b := range g.Inputs {
		taken[b.Name] = true
	}
	for _, n := range g.Nodes {
		taken[n.Name] = true
	}
	for _, n := range g.Nodes {
		s, why := splitFactor(g, t, n, opts)
		if s == 0 {
			out = append(out, n)
			continue
		}
		partial, final := split(n, s, freshName(n.Name+"_split", taken))
		*log = append(*log, Decision{Second: n.Name, Reason: fmt.Sprintf("split into %s %s and %s %s: %s",
			partial.Name, GroupOf(partial), final.Name, GroupOf(final), why)})
		out = append(out, partial, final)
		changed = true
	}
	return withNodes(g, out, changed)
}

func freshName(base string, taken map[string]bool) string {
	name := base
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	taken[name] = true
	return name
}

// splitFactor returns how many chunks to split a reduction into (0: none)
// and why.
func splitFactor(g *ir.Graph, t *ir.Table, n *ir.Node, opts Options) (int64, string) {
	if !splittable(n) {
		return 0, ""
	}
	numel, ok1 := n.Numel().Static()
	rnumel, ok2 := n.ReductionNumel().Static()
	if !ok1 || !ok2 {
		// A split factor must divide the reduction at every size; the
		// persistent-or-looped kernel serves the whole range instead.
		return 0, ""
	}
	s, programs := heuristics.Split(numel, rnumel, IsInnerReduction(t, n, g.Symbols), int64(opts.MultiProcessors), opts.SplitWaves)
	if s == 0 {
		return 0, ""
	}
	return s, fmt.Sprintf("%d rows of %d would run as %d programs", numel, rnumel, programs)
}

// split builds the partial node (ranges [S, ranges...], reducing chunks of
// rnumel/S) and the final node (the original name, reducing the S partials).
func split(n *ir.Node, s int64, partialName string) (*ir.Node, *ir.Node) {
	rnumel, _ := n.ReductionNumel().Static()
	chunk := rnumel / s
	// In the partial node, i0 is the chunk, i1.. the original ranges, and r0
	// walks one chunk; the original reduction index is chunk*i0 + r0.
	sub := map[string]ir.Index{}
	for d := range n.Ranges {
		sub[ir.RangeVar(d)] = ir.VarIndex(ir.RangeVar(d + 1))
	}
	flat := ir.VarIndex(ir.RangeVar(0)).Scale(chunk).Add(ir.VarIndex(ir.ReductionVar(0)))
	div := ir.Int(1)
	for d := len(n.ReductionRanges) - 1; d >= 0; d-- {
		sub[ir.ReductionVar(d)] = flat.FloorDiv(div).Mod(n.ReductionRanges[d])
		div = div.Mul(n.ReductionRanges[d])
	}
	partial := &ir.Node{
		Name:            partialName,
		Kind:            ir.Reduction,
		DType:           n.DType,
		Ranges:          append([]ir.Size{ir.Int(s)}, n.Ranges...),
		ReductionRanges: []ir.Size{ir.Int(chunk)},
		Reduction:       n.Reduction,
		Body:            substExpr(n.Body, sub, partialSizes(n, s, chunk)),
		Origin:          n.Origin,
	}
	idx := append([]ir.Index{ir.VarIndex(ir.ReductionVar(0))}, ir.RangeVars(len(n.Ranges))...)
	final := &ir.Node{
		Name:            n.Name,
		Kind:            ir.Reduction,
		DType:           n.DType,
		Ranges:          n.Ranges,
		ReductionRanges: []ir.Size{ir.Int(s)},
		Reduction:       n.Reduction,
		Body:            &ir.Expr{Op: ir.OpLoad, Buffer: partialName, Index: idx, DType: n.DType},
		Origin:          n.Origin,
	}
	return partial, final
}

func partialSizes(n *ir.Node, s, chunk int64) ir.Env {
	m := map[string]ir.Size{ir.RangeVar(0): ir.Int(s), ir.ReductionVar(0): ir.Int(chunk)}
	for d, r := range n.Ranges {
		m[ir.RangeVar(d+1)] = r
	}
	return ir.Env{Sizes: m}
}

// substExpr copies e with every index rewritten through sub.
func substExpr(e *ir.Expr, sub map[string]ir.Index, sizes ir.Env) *ir.Expr {
	return ir.Rebuild(e, func(c *ir.Expr) *ir.Expr {
		if c.Index != nil {
			idx := make([]ir.Index, len(c.Index))
			for i, ix := range c.Index {
				if _, ok := ix.IsIndirect(); ok {
					idx[i] = ix
					continue
				}
				idx[i] = ix.Subst(sub).Simplify(sizes)
			}
			c.Index = idx
		}
		if c.Guards != nil {
			gs := make([]ir.Guard, len(c.Guards))
			for i, g := range c.Guards {
				gs[i] = ir.Guard{Index: g.Index.Subst(sub).Simplify(sizes), Lo: g.Lo, Size: g.Size}
			}
			c.Guards = gs
		}
		if c.Op == ir.OpIndex {
			c.Expr = c.Expr.Subst(sub).Simplify(sizes)
		}
		return c
	})
}
