package fusion

import (
	"testing"

	"github.com/fusegen/fusegen/graphfile"
)

// FuzzPlan checks, for any graph the reader accepts, that the schedule runs
// every node exactly once, after the nodes it reads, and materializes every
// node that is a graph output.
func FuzzPlan(f *testing.F) {
	f.Add([]byte(`{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[4,8]}],"nodes":[{"name":"b","kind":"pointwise","ranges":[4],"body":{"op":"neg","args":[{"op":"load","buffer":"a","index":["i0"]}]}},{"name":"a","kind":"reduction","ranges":[4],"reduction_ranges":[8],"reduction":"sum","body":{"op":"load","buffer":"x","index":["i0","r0"]}}],"outputs":["b"]}`))
	f.Add([]byte(`{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[4]}],"nodes":[{"name":"a","kind":"pointwise","ranges":[4],"body":{"op":"load","buffer":"x","index":["i0"]}},{"name":"c","kind":"pointwise","ranges":[4],"body":{"op":"add","args":[{"op":"load","buffer":"a","index":["i0"]},{"op":"load","buffer":"b","index":["i0"]}]}},{"name":"b","kind":"pointwise","ranges":[4],"body":{"op":"load","buffer":"a","index":["3 - i0"]}}],"outputs":["c","a"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := graphfile.Read(data)
		if err != nil {
			return
		}
		s, err := Plan(g, Options{})
		if err != nil {
			t.Fatalf("Plan of a valid graph failed: %v", err)
		}
		g = s.Graph // split reductions add nodes
		done := map[string]bool{}
		for _, in := range g.Inputs {
			done[in.Name] = true
		}
		count := 0
		for _, k := range s.Kernels {
			for _, n := range k.Nodes {
				for _, r := range n.Body.Reads() {
					if !done[r] {
						t.Fatalf("node %s reads %s before it is written", n.Name, r)
					}
				}
				if done[n.Name] {
					t.Fatalf("node %s scheduled twice", n.Name)
				}
				done[n.Name] = true
				count++
				if _, ok := Coords(n, k.Group, nil); !ok {
					t.Fatalf("node %s of group %v does not fit its kernel's group %v", n.Name, GroupOf(n), k.Group)
				}
			}
		}
		if count != len(g.Nodes) {
			t.Fatalf("scheduled %d of %d nodes", count, len(g.Nodes))
		}
		again, err := Plan(g, Options{})
		if err != nil || len(again.Kernels) != len(s.Kernels) || len(again.Decisions) != len(s.Decisions) {
			t.Fatalf("a second Plan differs: %v", err)
		}
		for i := range s.Decisions {
			if s.Decisions[i] != again.Decisions[i] {
				t.Fatalf("decision %d differs: %v vs %v", i, s.Decisions[i], again.Decisions[i])
			}
		}
		for _, o := range g.Outputs {
			if g.Node(o) != nil && !s.Materialized[o] {
				t.Fatalf("output %s is not materialized", o)
			}
		}
	})
}
