package fusion

import (
	"fmt"
	"strings"
)

// DOT draws the schedule as a Graphviz digraph: graph inputs as ellipses,
// one cluster per kernel, materialized buffers as solid boxes and buffers
// that live only inside their kernel as dashed grey boxes, and an edge for
// every read.
func (s *Schedule) DOT() string {
	var b strings.Builder
	q := func(name string) string { return fmt.Sprintf("%q", name) }
	fmt.Fprintf(&b, "digraph %s {\n", q(s.Graph.Name))
	b.WriteString("  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n")
	for _, in := range s.Graph.Inputs {
		fmt.Fprintf(&b, "  %s [shape=ellipse, label=%s];\n", q(in.Name), q(fmt.Sprintf("%s\n%s %v", in.Name, in.DType, in.Shape)))
	}
	for i, k := range s.Kernels {
		title := fmt.Sprintf("kernel %d %s", i, k.Group)
		if k.IsExtern() {
			title = fmt.Sprintf("kernel %d: extern %s", i, k.Nodes[0].Call.Target)
		}
		fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%s;\n    style=rounded;\n", i, q(title))
		for _, n := range k.Nodes {
			label := fmt.Sprintf("%s\n%s %s %v", n.Name, n.Kind, n.DType, n.Ranges)
			if n.Reduction != "" {
				label = fmt.Sprintf("%s\n%s %s %v over %v", n.Name, n.Reduction, n.DType, n.Ranges, n.ReductionRanges)
			}
			style := "shape=box"
			if !s.Materialized[n.Name] {
				style = "shape=box, style=dashed, color=grey40, fontcolor=grey40"
			}
			fmt.Fprintf(&b, "    %s [%s, label=%s];\n", q(n.Name), style, q(label))
		}
		b.WriteString("  }\n")
	}
	for _, k := range s.Kernels {
		for _, n := range k.Nodes {
			for _, r := range n.Reads() {
				fmt.Fprintf(&b, "  %s -> %s;\n", q(r), q(n.Name))
			}
		}
	}
	b.WriteString("}\n")
	return b.String()
}
