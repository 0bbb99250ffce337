package ops

import (
	"strconv"
	"strings"

	"github.com/fusegen/fusegen/ir"
)

// namePlaces lists every name a program defines with its place in the
// program, in program order: its inputs, its loop nodes and op results (an
// op result that lowering inlined included), and after each op the nodes its
// lowering made in g, which are named after its first result and a suffix.
// It is the lowered graph's ir.Graph.Places.
func namePlaces(p *Program, g *ir.Graph) []ir.NamePlace {
	out := make([]ir.NamePlace, 0, len(p.Inputs)+len(g.Nodes))
	named := map[string]bool{}
	for i, b := range p.Inputs {
		out = append(out, ir.NamePlace{Name: b.Name, Path: "inputs[" + strconv.Itoa(i) + "].name"})
		named[b.Name] = true
	}
	for _, n := range p.Nodes {
		for _, name := range n.Names() {
			named[name] = true
		}
	}
	// Each node lowering made goes with the op whose first result, with
	// "_", is the longest prefix of its name.
	made := map[int][]string{}
	var stray []int
	for k, n := range g.Nodes {
		if named[n.Name] {
			continue
		}
		op, best := -1, 0
		for i, pn := range p.Nodes {
			if pn.Op == nil {
				continue
			}
			if base := pn.Op.Results()[0]; len(base) >= best && strings.HasPrefix(n.Name, base+"_") {
				op, best = i, len(base)
			}
		}
		if op < 0 {
			stray = append(stray, k)
			continue
		}
		made[op] = append(made[op], n.Name)
	}
	for i, n := range p.Nodes {
		pos := "nodes[" + strconv.Itoa(i) + "]"
		if n.Loop != nil || n.Op.Outputs == nil {
			out = append(out, ir.NamePlace{Name: n.Names()[0], Path: pos + ".name"})
		} else {
			for k, name := range n.Op.Outputs {
				out = append(out, ir.NamePlace{Name: name, Path: NodePath(pos, n.Op) + ".outputs[" + strconv.Itoa(k) + "]"})
			}
		}
		for _, name := range made[i] {
			out = append(out, ir.NamePlace{Name: name, Path: NodePath(pos, n.Op), Op: n.Op.Op})
		}
	}
	for _, k := range stray { // a node the program does not account for
		out = append(out, ir.NamePlace{Name: g.Nodes[k].Name, Path: "nodes[" + strconv.Itoa(k) + "].name"})
	}
	return out
}
