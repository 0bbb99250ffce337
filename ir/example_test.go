package ir_test

import (
	"fmt"

	"github.com/fusegen/fusegen/ir"
)

// A graph of one pointwise node, y = exp(x), built and validated by hand.
func ExampleValidate() {
	g := &ir.Graph{
		Name:   "e",
		Device: "cuda",
		Inputs: []*ir.Buffer{{Name: "x", DType: ir.Float32, Shape: ir.Sizes(4, 8)}},
		Nodes: []*ir.Node{{Name: "y", Kind: ir.Pointwise, Ranges: ir.Sizes(4, 8),
			Body: &ir.Expr{Op: "exp", Args: []*ir.Expr{{Op: ir.OpLoad, Buffer: "x",
				Index: []ir.Index{ir.VarIndex("i0"), ir.VarIndex("i1")}}}}}},
		Outputs: []string{"y"},
	}
	fmt.Println(ir.Validate(g), g.Nodes[0].DType)
	// Output: <nil> float32
}

// Index expressions simplify over the ranges of their variables.
func ExampleIndex_Simplify() {
	ix, _ := ir.ParseIndex("((8*i0 + i1) // 8) + (8*i0 + i1) % 8")
	fmt.Println(ix.Simplify(ir.StaticEnv(map[string]int64{"i0": 4, "i1": 8})))
	// Output: i0 + i1
}
