package fusion

import (
	"github.com/fusegen/fusegen/ir"
)

// dropUnread removes the nodes no output needs, directly or through other
// nodes: they would get kernels that store what nobody reads (a graph of
// many unread nodes would launch them all on every call). Each is logged.
func dropUnread(g *ir.Graph, decisions *[]Decision) *ir.Graph {
	byName := make(map[string]*ir.Node, len(g.Nodes))
	for _, n := range g.Nodes {
		byName[n.Name] = n
	}
	live := map[string]bool{}
	var stack []string
	for _, o := range g.Outputs {
		stack = append(stack, o)
	}
	for len(stack) > 0 {
		name := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n, ok := byName[name]
		if !ok || live[name] {
			continue
		}
		live[name] = true
		stack = append(stack, n.Reads()...)
		if n.Call != nil {
			for _, r := range n.Call.Results {
				if r != "" {
					stack = append(stack, r) // a call binds all of its results
				}
			}
		}
	}
	out := make([]*ir.Node, 0, len(g.Nodes))
	for _, n := range g.Nodes {
		if live[n.Name] {
			out = append(out, n)
			continue
		}
		*decisions = append(*decisions, Decision{Second: n.Name, Reason: "dropped: no output reads it"})
	}
	return withNodes(g, out, len(out) != len(g.Nodes))
}
