package fusion

import (
	"github.com/fusegen/fusegen/ir"
)

// dropUnread removes the nodes no output needs, directly or through other
// nodes: they would get kernels that store what nobody reads (a graph of
// many unread nodes would launch them all on every call). Each is logged.
func dropUnread(g *ir.Graph, decisions *[]Decision) *ir.Graph {
	live := ir.Live(g.Nodes, g.Outputs)
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
