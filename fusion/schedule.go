// Package fusion groups the loop nodes of a validated graph into kernels and
// decides which buffers live in device memory.
package fusion

import (
	"fmt"

	"github.com/fusegen/fusegen/ir"
)

// Group is a kernel's iteration space as Inductor's group_fn computes it:
// (numel, rnumel), with rnumel 1 for pointwise work.
type Group struct {
	Numel          int64
	ReductionNumel int64
}

func (g Group) String() string { return fmt.Sprintf("(%d, %d)", g.Numel, g.ReductionNumel) }

// Kernel is one launch: the nodes it computes, in order.
type Kernel struct {
	Nodes []*ir.Node
	Group Group
}

// IsReduction reports whether any node of k reduces.
func (k *Kernel) IsReduction() bool {
	for _, n := range k.Nodes {
		if n.Kind == ir.Reduction {
			return true
		}
	}
	return false
}

// Decision records one fusion choice and why it was made.
type Decision struct {
	First, Second string
	Fused         bool
	Reason        string
}

func (d Decision) String() string {
	verb := "not fused"
	if d.Fused {
		verb = "fused"
	}
	return fmt.Sprintf("%s + %s: %s: %s", d.First, d.Second, verb, d.Reason)
}

// Schedule is the kernel plan for a graph.
type Schedule struct {
	Graph   *ir.Graph
	Kernels []*Kernel
	// Materialized holds every node buffer that is written to device memory.
	Materialized map[string]bool
	Decisions    []Decision
}

// GroupOf returns the iteration space of a node.
func GroupOf(n *ir.Node) Group {
	return Group{Numel: n.Numel(), ReductionNumel: n.ReductionNumel()}
}

// Options are the scheduling switches a device may set, as the test
// extension backend's can_fuse_vertical / can_fuse_horizontal do.
type Options struct {
	NoVertical   bool // never fuse a consumer with its producer
	NoHorizontal bool // never fuse independent nodes
}

// Plan schedules a validated graph: nodes in dependency order, one kernel each.
func Plan(g *ir.Graph, opts Options) (*Schedule, error) {
	order, err := ir.TopoOrder(g)
	if err != nil {
		return nil, err
	}
	s := &Schedule{Graph: g, Materialized: map[string]bool{}}
	for _, n := range order {
		s.Kernels = append(s.Kernels, &Kernel{Nodes: []*ir.Node{n}, Group: GroupOf(n)})
		s.Materialized[n.Name] = true
	}
	return s, nil
}
