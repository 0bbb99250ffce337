package ops_test

import (
	"fmt"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// The builder snippet of docs/graph-format.md: swiglu, rms_norm and a mean.
func ExampleBuilder() {
	b := ops.NewBuilder("block", "cuda")
	x := b.Input("x", ir.BFloat16, 16384, 8192)
	w := b.Input("w", ir.BFloat16, 4096)
	ab := b.Chunk(x, 2, -1)
	h := b.Mul(b.Silu(ab[0]), ab[1])
	b.Output("y", b.RMSNorm(h, []int64{4096}, ops.Weight(w)))
	b.Output("m", b.Mean(h, []int64{-1}, ops.KeepDim(true)))
	g, err := b.Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, n := range g.Nodes {
		fmt.Println(n.Name, n.Kind, n.DType, n.Ranges, n.Origin)
	}
	// Output:
	// y_sum reduction float32 [16384 1] rms_norm
	// y pointwise bfloat16 [16384 4096] rms_norm
	// m_sum reduction float32 [16384 1] mean
	// m pointwise bfloat16 [16384 1] mean
}

// A builder error names the op node and the field.
func ExampleBuilder_errors() {
	b := ops.NewBuilder("bad", "cuda")
	x := b.Input("x", ir.Float32, 8, 16)
	b.Output("y", b.Softmax(x, 2))
	_, err := b.Build()
	fmt.Println(err)
	// Output:
	// nodes[0] (softmax) "softmax_0".dim: dim 2 out of range for a 2-d tensor (want -2 to 1)
}
