package ops_test

import (
	"strings"
	"testing"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/ir"
)

// A lowered graph places its names where the program defines them.
func TestNamePlaces(t *testing.T) {
	g, err := graphfile.Decode([]byte(`{"version": 1, "name": "places",
		"inputs": [{"name": "x", "dtype": "float32", "shape": [4, 8]}],
		"nodes": [{"name": "y", "op": "softmax", "args": ["x"], "dim": -1},
		          {"name": "e", "op": "exp", "args": ["x"]},
		          {"outputs": ["a", "b"], "op": "chunk", "args": ["e"], "chunks": 2, "dim": 1},
		          {"name": "z", "kind": "pointwise", "ranges": [4, 8],
		           "body": {"op": "load", "buffer": "y", "index": ["i0", "i1"]}}],
		"outputs": ["z", "a", "b"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ir.NamePlaces(g) {
		got = append(got, p.Name+" @ "+p.Path+" "+p.Op)
	}
	want := []string{
		"x @ inputs[0].name ",
		"y @ nodes[0].name ",
		`y_max @ nodes[0] "y" softmax`,
		`y_sum @ nodes[0] "y" softmax`,
		"e @ nodes[1].name ", // inlined into the chunks: no node, still a name of the graph
		`a @ nodes[2] "a, b".outputs[0] `,
		`b @ nodes[2] "a, b".outputs[1] `,
		"z @ nodes[3].name ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("NamePlaces:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, n := range g.Nodes {
		found := false
		for _, p := range ir.NamePlaces(g) {
			found = found || p.Name == n.Name
		}
		if !found {
			t.Errorf("node %q has no place", n.Name)
		}
	}
}
