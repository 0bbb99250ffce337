package fusion

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/fusegen/fusegen/ir"
)

// A pointwise node is cheap to recompute when its body has at most
// maxInlineOps operations (loads, constants and index values not counted)
// and at most maxInlineLoads loads. Such a node, read by a node of another
// iteration space (a mask or a scale over fewer dims than its reader), is
// recomputed inside each reader instead of being stored: it would otherwise
// need a kernel and a buffer of its own, since nodes of different spaces
// never share a kernel.
const (
	maxInlineOps   = 8
	maxInlineLoads = 2
)

// inlineCheap rewrites g so that every cheap pointwise node (not an output)
// that some reader reads across iteration spaces is computed inside its
// readers, and drops it. A reader reads it across spaces when the node does
// not fit the reader's kernel group (Fits): otherwise they may share a
// kernel, and the node lives in it without being stored. It returns g itself
// when nothing is inlined, else a copy, and which readers each inlined node
// went into.
func inlineCheap(g *ir.Graph) (*ir.Graph, map[string][]string) {
	outputs := map[string]bool{}
	for _, o := range g.Outputs {
		outputs[o] = true
	}
	candidate := func(n *ir.Node) bool {
		return n.Kind == ir.Pointwise && !outputs[n.Name] && (cheap(n.Body) || gatherable(n.Body))
	}
	if !slices.ContainsFunc(g.Nodes, candidate) {
		return g, nil
	}
	readers := map[string][]int{}
	for i, n := range g.Nodes {
		for _, r := range n.Reads() {
			readers[r] = append(readers[r], i)
		}
	}
	order, err := ir.TopoOrder(g)
	if err != nil {
		return g, nil // Plan reports it
	}
	nodes := append([]*ir.Node(nil), g.Nodes...)
	position := make(map[*ir.Node]int, len(nodes))
	for i, n := range nodes {
		position[n] = i
	}
	inlined := map[string][]string{}
	for _, o := range order {
		i := position[o]
		n := nodes[i]
		if !candidate(n) {
			continue
		}
		var rs []int
		for _, j := range readers[n.Name] {
			if nodes[j] != nil && !slices.Contains(rs, j) {
				rs = append(rs, j)
			}
		}
		// Recomputed where the readers are of other spaces, or where every
		// reader only gathers from it (a log_softmax read at the target
		// index): a few elements recomputed instead of all of them stored.
		across, gathered := false, len(rs) > 0
		for _, j := range rs {
			across = across || !Fits(n, GroupOf(nodes[j]))
			gathered = gathered && nodes[j].Kind != ir.Extern && readsOnlyIndirectly(nodes[j].Body, n.Name)
			if nodes[j].Kind == ir.Extern || readsIndirectly(nodes[j].Body, n.Name) {
				across = false
			}
		}
		if !(across && cheap(n.Body)) && !gathered {
			continue
		}
		for _, j := range rs {
			r := *nodes[j]
			r.Body = inlineInto(r.Body, n, ir.Env{Sizes: r.VarSizes(), Symbols: g.Symbols})
			nodes[j] = &r
			inlined[n.Name] = append(inlined[n.Name], r.Name)
		}
		nodes[i] = nil
		// A reader's reads now include what n read.
		for _, b := range n.Body.Reads() {
			readers[b] = append(readers[b], rs...)
		}
	}
	if len(inlined) == 0 {
		return g, nil
	}
	gc := *g
	gc.Nodes = nil
	for _, n := range nodes {
		if n != nil {
			gc.Nodes = append(gc.Nodes, n)
		}
	}
	return &gc, inlined
}

// cheap reports a body within the inlining limits.
func cheap(e *ir.Expr) bool {
	ops, loads, indirect := bodyCost(e)
	return !indirect && ops <= maxInlineOps && loads <= maxInlineLoads
}

// gatherable reports a body worth recomputing at the few elements a
// gather reads: within the operation limit, with no indirect load of its
// own (any number of plain loads).
func gatherable(e *ir.Expr) bool {
	ops, _, indirect := bodyCost(e)
	return !indirect && ops <= maxInlineOps
}

// bodyCost counts a body's operations (loads, constants and index values
// not counted) and loads, and reports an indirect load.
func bodyCost(e *ir.Expr) (ops, loads int, indirect bool) {
	e.Walk(func(x *ir.Expr) {
		switch x.Op {
		case ir.OpLoad:
			loads++
			indirect = indirect || len(x.Indirect) > 0
		case ir.OpConstant, ir.OpIndex:
		default:
			ops++
		}
	})
	return ops, loads, indirect
}

// readsOnlyIndirectly reports whether e loads buffer, and only at indirect
// indices.
func readsOnlyIndirectly(e *ir.Expr, buffer string) bool {
	some, all := false, true
	e.Walk(func(x *ir.Expr) {
		if x.Op == ir.OpLoad && x.Buffer == buffer {
			some = true
			all = all && len(x.Indirect) > 0
		}
	})
	return some && all
}

// readsIndirectly reports whether e loads buffer at an indirect index.
func readsIndirectly(e *ir.Expr, buffer string) bool {
	found := false
	e.Walk(func(x *ir.Expr) {
		found = found || x.Op == ir.OpLoad && x.Buffer == buffer && len(x.Indirect) > 0
	})
	return found
}

// inlineInto copies e with every load of n replaced by n's body at the
// load's index; sizes are the reader's loop variables.
func inlineInto(e *ir.Expr, n *ir.Node, sizes ir.Env) *ir.Expr {
	return ir.Rebuild(e, func(c *ir.Expr) *ir.Expr {
		if c.Op != ir.OpLoad || c.Buffer != n.Name {
			return c
		}
		sub := make(map[string]ir.Index, len(c.Index))
		for d, ix := range c.Index {
			sub[ir.RangeVar(d)] = ix
		}
		// A guarded read of n guards every load of n's body.
		body := ir.GuardLoads(substExpr(n.Body, sub, sizes), c.Guards)
		if len(c.Indirect) == 0 {
			return body
		}
		// Read at an indirect index: the loads of n's body whose index now
		// holds the indirect values compute them as the reader's load did.
		return ir.Rebuild(body, func(x *ir.Expr) *ir.Expr {
			if x.Op != ir.OpLoad || !slices.ContainsFunc(x.Index, func(ix ir.Index) bool { _, ok := ix.FirstIndirect(); return ok }) {
				return x
			}
			y := *x
			y.Indirect = c.Indirect
			return &y
		})
	})
}

// logInlined records, for each inlined node, the kernels that recompute it.
func (s *Schedule) logInlined(inlined map[string][]string) {
	if len(inlined) == 0 {
		return
	}
	kernelOf := map[string]int{}
	for id, k := range s.Kernels {
		for _, n := range k.Nodes {
			kernelOf[n.Name] = id
		}
	}
	var names []string
	for name := range inlined {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		var ks []string
		seen := map[int]bool{}
		for _, r := range inlined[name] {
			if k, ok := kernelOf[r]; ok && !seen[k] {
				seen[k] = true
				ks = append(ks, fmt.Sprint(k))
			}
		}
		s.Decisions = append(s.Decisions, Decision{Second: name, Reason: fmt.Sprintf("recomputed in %s %s (a cheap pointwise node read across iteration spaces, or only at gathered indices, by %s)",
			plural(len(ks), "kernel"), strings.Join(ks, ", "), strings.Join(inlined[name], ", "))})
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
