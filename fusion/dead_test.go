package fusion

import (
	"strings"
	"testing"

	"github.com/fusegen/fusegen/graphfile"
)

// A node no output reads gets no kernel (it would have had one with
// nothing to read); the drop is logged; what outputs read stays.
func TestDropUnread(t *testing.T) {
	g, err := graphfile.Read([]byte(`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"float32","shape":[4]}],"nodes":[
		{"name":"c","kind":"pointwise","ranges":[4],"body":{"op":"constant","dtype":"float32","value":1}},
		{"name":"d","kind":"pointwise","ranges":[4],"body":{"op":"neg","args":[{"op":"load","buffer":"c","index":["i0"]}]}},
		{"name":"y","kind":"pointwise","ranges":[4],"body":{"op":"exp","args":[{"op":"load","buffer":"x","index":["i0"]}]}}],"outputs":["x","y"]}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Plan(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Kernels) != 1 || s.Table.Node("c") != nil || s.Table.Node("d") != nil || s.Table.Node("y") == nil {
		t.Errorf("%d kernels; c, d, y kept: %v %v %v", len(s.Kernels), s.Table.Node("c") != nil, s.Table.Node("d") != nil, s.Table.Node("y") != nil)
	}
	var log []string
	for _, d := range s.Decisions {
		log = append(log, d.String())
	}
	for _, want := range []string{"c: dropped: no output reads it", "d: dropped: no output reads it"} {
		if !strings.Contains(strings.Join(log, "\n"), want) {
			t.Errorf("no decision %q in %v", want, log)
		}
	}
}
