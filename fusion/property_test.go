package fusion

import (
	"fmt"
	"testing"

	"github.com/fusegen/fusegen/internal/randgraph"
	"github.com/fusegen/fusegen/ir"
)

// TestScheduleProperties checks, over many random graphs, that the
// schedule is a valid order (every node once, after what it reads), that
// every graph output is materialized, that nodes fit their kernel's
// iteration space and kernels stay under the size cap, and that scheduling
// twice gives the same kernels and decisions.
func TestScheduleProperties(t *testing.T) {
	for seed := int64(1); seed <= 300; seed++ {
		n := 3 + int(seed%70)
		rows, cols := int64(16), int64(16+8*(seed%3))
		g := randgraph.Generate(seed, n, rows, cols)
		if err := ir.Validate(g); err != nil {
			t.Fatalf("seed %d: random graph invalid: %v", seed, err)
		}
		s, err := Plan(g, Options{})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if err := checkSchedule(s); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		again, _ := Plan(g, Options{})
		if describe(s) != describe(again) {
			t.Fatalf("seed %d: two runs differ", seed)
		}
	}
}

func checkSchedule(s *Schedule) error {
	g := s.Graph
	done := map[string]bool{}
	for _, in := range g.Inputs {
		done[in.Name] = true
	}
	count := 0
	for ki, k := range s.Kernels {
		if len(k.Nodes) > MaxKernelNodes {
			return fmt.Errorf("kernel %d has %d nodes", ki, len(k.Nodes))
		}
		for _, n := range k.Nodes {
			for _, r := range n.Body.Reads() {
				if !done[r] {
					return fmt.Errorf("node %s reads %s before it is written", n.Name, r)
				}
			}
			if done[n.Name] {
				return fmt.Errorf("node %s scheduled twice", n.Name)
			}
			if _, ok := Coords(n, k.Group, nil); !ok {
				return fmt.Errorf("node %s %v does not fit kernel %d %v", n.Name, GroupOf(n), ki, k.Group)
			}
			done[n.Name] = true
			count++
		}
		// Nodes read by a later kernel must be materialized.
		mine := map[string]bool{}
		for _, n := range k.Nodes {
			mine[n.Name] = true
		}
		for _, later := range s.Kernels[ki+1:] {
			for _, m := range later.Nodes {
				for _, r := range m.Body.Reads() {
					if mine[r] && !s.Materialized[r] {
						return fmt.Errorf("%s reads %s from another kernel, but it is not materialized", m.Name, r)
					}
				}
			}
		}
	}
	if count != len(g.Nodes) {
		return fmt.Errorf("scheduled %d of %d nodes", count, len(g.Nodes))
	}
	for _, o := range g.Outputs {
		if g.Node(o) != nil && !s.Materialized[o] {
			return fmt.Errorf("output %s is not materialized", o)
		}
	}
	return nil
}

func describe(s *Schedule) string {
	out := ""
	for _, k := range s.Kernels {
		out += k.Group.String()
		for _, n := range k.Nodes {
			out += " " + n.Name
		}
		out += "\n"
	}
	for _, d := range s.Decisions {
		out += d.String() + "\n"
	}
	return out
}

// BenchmarkPlan schedules random graphs of growing size; the time per node
// should stay roughly flat (linear scheduling).
func BenchmarkPlan(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		g := randgraph.Generate(42, n, 64, 64)
		if err := ir.Validate(g); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := Plan(g, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
