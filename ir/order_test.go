package ir

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDependencyOrder(t *testing.T) {
	for _, tc := range []struct {
		name      string
		deps      [][]int
		wantOrder []int
		wantCycle []int
	}{
		{name: "empty", deps: nil, wantOrder: []int{}},
		{name: "index order kept", deps: [][]int{nil, nil, nil}, wantOrder: []int{0, 1, 2}},
		{name: "reader before producer", deps: [][]int{{2}, nil, {1}}, wantOrder: []int{1, 2, 0}},
		{name: "diamond", deps: [][]int{{1, 2}, {3}, {3}, nil}, wantOrder: []int{3, 1, 2, 0}},
		{name: "self cycle", deps: [][]int{{0}}, wantCycle: []int{0, 0}},
		{name: "three cycle", deps: [][]int{nil, {2}, {3}, {1}}, wantCycle: []int{1, 2, 3, 1}},
		{name: "cycle reached from outside", deps: [][]int{{1}, {2}, {1}}, wantCycle: []int{1, 2, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			order, cycle := DependencyOrder(len(tc.deps), func(i int) []int { return tc.deps[i] })
			if !slices.Equal(cycle, tc.wantCycle) {
				t.Fatalf("cycle = %v, want %v", cycle, tc.wantCycle)
			}
			if tc.wantCycle == nil && !slices.Equal(order, tc.wantOrder) {
				t.Fatalf("order = %v, want %v", order, tc.wantOrder)
			}
			if tc.wantCycle != nil && order != nil {
				t.Fatalf("order = %v beside a cycle", order)
			}
		})
	}
}

// TestDependencyOrderRandomDAGs checks, on random acyclic graphs, that the
// order is a permutation in which every index follows its dependencies.
func TestDependencyOrderRandomDAGs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 500 {
		n := r.IntN(30)
		rank := r.Perm(n) // edges go from higher rank to lower: acyclic
		deps := make([][]int, n)
		for i := range n {
			for j := range n {
				if rank[j] < rank[i] && r.IntN(4) == 0 {
					deps[i] = append(deps[i], j)
				}
			}
		}
		order, cycle := DependencyOrder(n, func(i int) []int { return deps[i] })
		if cycle != nil {
			t.Fatalf("trial %d: cycle %v in an acyclic graph", trial, cycle)
		}
		pos := make([]int, n)
		seen := make([]bool, n)
		for k, i := range order {
			if seen[i] {
				t.Fatalf("trial %d: %d twice in %v", trial, i, order)
			}
			seen[i], pos[i] = true, k
		}
		if len(order) != n {
			t.Fatalf("trial %d: order has %d of %d indices", trial, len(order), n)
		}
		for i := range n {
			for _, j := range deps[i] {
				if pos[j] > pos[i] {
					t.Fatalf("trial %d: %d comes before its dependency %d", trial, i, j)
				}
			}
		}
	}
}
