package fusion

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fusegen/fusegen/ir"
)

func TestPlanOrdersByDependency(t *testing.T) {
	// Nodes listed consumer first still run producer first.
	g, err := ir.ReadGraph([]byte(`{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[4,8]}],"nodes":[
		{"name":"b","kind":"pointwise","ranges":[4],"body":{"op":"neg","args":[{"op":"load","buffer":"a","index":["i0"]}]}},
		{"name":"a","kind":"reduction","ranges":[4],"reduction_ranges":[8],"reduction":"sum","body":{"op":"load","buffer":"x","index":["i0","r0"]}}],"outputs":["b"]}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Plan(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var groups []Group
	for _, k := range s.Kernels {
		got = append(got, k.Nodes[0].Name)
		groups = append(groups, k.Group)
	}
	if d := cmp.Diff([]string{"a", "b"}, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]Group{{4, 8}, {4, 1}}, groups); d != "" {
		t.Errorf("groups (-want +got):\n%s", d)
	}
	if !s.Materialized["a"] || !s.Materialized["b"] {
		t.Errorf("materialized = %v", s.Materialized)
	}
	if !s.Kernels[0].IsReduction() || s.Kernels[1].IsReduction() {
		t.Error("IsReduction wrong")
	}
}
