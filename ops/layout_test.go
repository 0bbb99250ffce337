package ops_test

import (
	"slices"
	"testing"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// Pointwise results keep a channels_last input's memory format, as
// PyTorch's do; everything else is contiguous.
func TestPointwiseKeepsChannelsLast(t *testing.T) {
	nchw := []int64{2, 3, 4, 5}
	cl := ir.StridesFor(ir.Sizes(nchw...), []int{0, 2, 3, 1})
	tests := []struct {
		name  string
		build func(b *ops.Builder)
		want  []ir.Size // the output node's strides; nil: contiguous
	}{
		{"channels_last in, channels_last out", func(b *ops.Builder) {
			x := b.InputStridedSizes("x", ir.Float32, ir.Sizes(nchw...), cl, 0)
			s := b.Input("s", ir.Float32, 3, 1, 1)
			b.Output("y", b.Relu(b.Mul(x, s)))
		}, cl},
		{"the first operand of the result's shape decides", func(b *ops.Builder) {
			x := b.InputStridedSizes("x", ir.Float32, ir.Sizes(nchw...), cl, 0)
			c := b.Input("c", ir.Float32, nchw...)
			b.Output("y", b.Add(c, x))
		}, nil},
		{"a broadcast operand does not", func(b *ops.Builder) {
			x := b.InputStridedSizes("x", ir.Float32, ir.Sizes(1, 3, 4, 5), ir.StridesFor(ir.Sizes(1, 3, 4, 5), []int{0, 2, 3, 1}), 0)
			c := b.Input("c", ir.Float32, nchw...)
			b.Output("y", b.Add(x, c))
		}, nil},
		{"a view is contiguous", func(b *ops.Builder) {
			x := b.InputStridedSizes("x", ir.Float32, ir.Sizes(nchw...), cl, 0)
			b.Output("y", b.Neg(b.Permute(x, 0, 2, 3, 1)))
		}, nil},
		{"a transposed 2-D input is not a memory format", func(b *ops.Builder) {
			x := b.InputStrided("x", ir.Float32, []int64{4, 5}, []int64{1, 4}, 0)
			b.Output("y", b.Neg(x))
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ops.NewBuilder("t", "cuda")
			tt.build(b)
			g, err := b.Build()
			if err != nil {
				t.Fatal(err)
			}
			n := g.Node("y")
			if n == nil {
				t.Fatal("no node y")
			}
			if !slices.Equal(n.Strides, tt.want) {
				t.Errorf("y's strides %v, want %v", n.Strides, tt.want)
			}
		})
	}
}
