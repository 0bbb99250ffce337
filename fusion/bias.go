package fusion

import (
	"fmt"
	"slices"

	"github.com/fusegen/fusegen/ir"
)

// unfuseBias splits each addmm whose readers are all loop nodes into an mm
// and a pointwise node that adds the bias, which then fuses into its
// readers' kernel: cuBLAS runs a plain mm faster than addmm's bias
// epilogue, and the add costs nothing in a kernel that runs anyway (as
// Inductor's unfuse_bias_add_to_pointwise does). Only a 1-d contiguous
// bias broadcast over the rows (linear's) is split. It returns g itself
// when nothing changes.
func unfuseBias(g *ir.Graph, table *ir.Table, decisions *[]Decision) *ir.Graph {
	outputs := map[string]bool{}
	for _, o := range g.Outputs {
		outputs[o] = true
	}
	readers := map[string][]*ir.Node{}
	for _, n := range g.Nodes {
		for _, r := range n.Reads() {
			readers[r] = append(readers[r], n)
		}
	}
	var out []*ir.Node
	changed := false
	for _, n := range g.Nodes {
		bias, ok := splittableBias(n, table, readers[n.Name], outputs[n.Name])
		if !ok {
			out = append(out, n)
			continue
		}
		mmName := freeName(table, n.Name+"_mm")
		c := n.Call
		mm := &ir.Node{Name: mmName, Kind: ir.Extern, DType: n.DType, Ranges: slices.Clone(n.Ranges), Origin: n.Origin,
			Call: &ir.ExternCall{Target: "mm", Args: slices.Clone(c.Args[1:]), OutShape: c.OutShape}}
		vars := ir.RangeVars(len(n.Ranges))
		last := ir.Index{Const: bias.Offset, Terms: []ir.Term{{Coeff: ir.Int(1), Var: ir.RangeVar(len(n.Ranges) - 1)}}}
		add := &ir.Node{Name: n.Name, Kind: ir.Pointwise, DType: n.DType, Ranges: slices.Clone(n.Ranges), Origin: "addmm",
			Body: &ir.Expr{Op: "add", DType: n.DType, Args: []*ir.Expr{
				{Op: ir.OpLoad, DType: n.DType, Buffer: mmName, Index: vars},
				{Op: ir.OpLoad, DType: n.DType, Buffer: bias.Buffer, Index: []ir.Index{last}},
			}}}
		out = append(out, mm, add)
		changed = true
		*decisions = append(*decisions, Decision{Second: n.Name, Reason: fmt.Sprintf("addmm split into mm %s and a bias add that fuses into its readers (cuBLAS runs a plain mm faster)", mmName)})
	}
	return withNodes(g, out, changed)
}

// withNodes is g itself when nothing changed, else a copy of g with nodes.
func withNodes(g *ir.Graph, nodes []*ir.Node, changed bool) *ir.Graph {
	if !changed {
		return g
	}
	gc := *g
	gc.Nodes = nodes
	return &gc
}

// splittableBias reports an addmm of default alpha and beta whose input is
// a 1-d contiguous buffer broadcast over the rows, read by loop nodes only,
// and gives the bias's view.
func splittableBias(n *ir.Node, table *ir.Table, readers []*ir.Node, isOutput bool) (ir.View, bool) {
	if n.Kind != ir.Extern || n.Call.Target != "addmm" || len(n.Call.Scalars) > 0 || isOutput || len(readers) == 0 || len(n.Call.Args) != 3 {
		return ir.View{}, false
	}
	for _, r := range readers {
		if r.Kind == ir.Extern {
			return ir.View{}, false
		}
	}
	v := n.Call.Args[0]
	b := table.Buffer(v.Buffer)
	if b == nil || len(b.Shape) != 1 || !slices.Equal(b.StridesOrContiguous(), ir.Sizes(1)) {
		return ir.View{}, false
	}
	// [N] as it is, or broadcast over the rows as [M, N] with strides (0, 1).
	rowBias := len(v.Shape) == 1 && slices.Equal(v.Strides, ir.Sizes(1)) ||
		len(v.Shape) == 2 && slices.Equal(v.Strides, ir.Sizes(0, 1))
	if !rowBias || n.Ranges[len(n.Ranges)-1] != v.Shape[len(v.Shape)-1] {
		return ir.View{}, false
	}
	return v, true
}

// freeName is name, or name with a number, that no buffer has.
func freeName(table *ir.Table, name string) string {
	out := name
	for k := 1; table.Buffer(out) != nil; k++ {
		out = fmt.Sprintf("%s_%d", name, k)
	}
	return out
}
