package graphfile_test

import (
	"fmt"

	"github.com/fusegen/fusegen/graphfile"
)

// A graph file of tensor ops, read into loop nodes.
func ExampleDecode() {
	g, err := graphfile.Decode([]byte(`{"version": 1, "name": "s",
		"inputs": [{"name": "x", "dtype": "float32", "shape": [32, 1024]}],
		"nodes": [{"name": "y", "op": "softmax", "args": ["x"], "dim": -1}],
		"outputs": ["y"]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range g.Nodes {
		fmt.Println(n.Name, n.Kind)
	}
	// Output:
	// y_max reduction
	// y_sum reduction
	// y pointwise
}

// Errors name the place at fault.
func ExampleDecode_error() {
	_, err := graphfile.Decode([]byte(`{"version": 1, "name": "s",
		"inputs": [{"name": "x", "dtype": "float32", "shape": [4]}],
		"nodes": [{"name": "y", "op": "softmax", "args": ["x"], "dim": 3}],
		"outputs": ["y"]}`))
	fmt.Println(err)
	// Output: nodes[0] "y".dim: dim 3 out of range for a 1-d tensor (want -1 to 0)
}
