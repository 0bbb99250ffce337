package fusion

import (
	"github.com/fusegen/fusegen/ir"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fusegen/fusegen/graphfile"
)

func TestPlanOrdersByDependencyAndFusesTheEpilogue(t *testing.T) {
	// Nodes listed consumer first still run producer first; the pointwise
	// consumer of the row sums joins their kernel, and the row sums, read
	// only there, are never materialized.
	g, err := graphfile.Read([]byte(`{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[4,8]}],"nodes":[
		{"name":"b","kind":"pointwise","ranges":[4],"body":{"op":"neg","args":[{"op":"load","buffer":"a","index":["i0"]}]}},
		{"name":"a","kind":"reduction","ranges":[4],"reduction_ranges":[8],"reduction":"sum","body":{"op":"load","buffer":"x","index":["i0","r0"]}}],"outputs":["b"]}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Plan(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Kernels) != 1 {
		t.Fatalf("%d kernels, want 1", len(s.Kernels))
	}
	k := s.Kernels[0]
	var got []string
	for _, n := range k.Nodes {
		got = append(got, n.Name)
	}
	if d := cmp.Diff([]string{"a", "b"}, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
	if k.Group != (Group{ir.Int(4), ir.Int(8)}) || !k.IsReduction() {
		t.Errorf("group %v, reduction %v", k.Group, k.IsReduction())
	}
	if d := cmp.Diff(map[string]bool{"b": true}, s.Materialized); d != "" {
		t.Errorf("materialized (-want +got):\n%s", d)
	}
	if len(s.Decisions) != 1 || !s.Decisions[0].Fused || s.Decisions[0].Second != "b" {
		t.Errorf("decisions = %v", s.Decisions)
	}
}

func TestDOTDrawsKernelsAndLocalBuffers(t *testing.T) {
	g, err := graphfile.Read([]byte(`{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[4,8]}],"nodes":[
		{"name":"a","kind":"reduction","ranges":[4],"reduction_ranges":[8],"reduction":"sum","body":{"op":"load","buffer":"x","index":["i0","r0"]}},
		{"name":"b","kind":"pointwise","ranges":[4],"body":{"op":"neg","args":[{"op":"load","buffer":"a","index":["i0"]}]}}],"outputs":["b"]}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Plan(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dot := s.DOT()
	for _, want := range []string{
		"digraph \"t\" {",
		"subgraph cluster_0 {",
		"label=\"kernel 0 (4, 8)\";",
		"\"a\" [shape=box, style=dashed",
		"\"b\" [shape=box, label=",
		"\"x\" -> \"a\";",
		"\"a\" -> \"b\";",
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("DOT lacks %q:\n%s", want, dot)
		}
	}
	if dot != s.DOT() {
		t.Error("DOT is not deterministic")
	}
}
