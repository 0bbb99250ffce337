package ops_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// Convolutions are aten.convolution calls of torch's shapes: padding "same"
// pads an odd total on the right first, a channels_last input keeps its
// layout, and bad shapes are refused naming the op node.
func TestConvolutions(t *testing.T) {
	b := ops.NewBuilder("c", "cuda")
	x := b.Input("x", ir.Float32, 2, 8, 13, 11)
	w := b.Input("w", ir.Float32, 16, 4, 4, 2)
	xc := b.InputStridedSizes("xc", ir.Float32, ir.Sizes(2, 8, 13, 11), ir.StridesFor(ir.Sizes(2, 8, 13, 11), []int{0, 2, 3, 1}), 0)
	w3 := b.Input("w3", ir.Float32, 16, 8, 3, 3)
	b.Output("same", b.Conv2d(x, w, ops.PaddingMode("same"), ops.Groups(2), ops.Dilation(1, 2)))
	b.Output("strided", b.Conv2d(x, w3, ops.Stride(2), ops.Padding(1)))
	b.Output("cl", b.Conv2d(xc, w3))
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	pad := g.Node("same_pad")
	if pad == nil || pad.Call.Target != "aten.constant_pad_nd.default" || !slices.Equal(pad.Call.Positional[1].Items, []string{"0", "0", "0", "1"}) {
		t.Fatalf("same padding: %+v", pad)
	}
	if n := g.Node("same"); !slices.Equal(n.Ranges, ir.Sizes(2, 16, 13, 11)) || !slices.Equal(n.Call.Positional[4].Items, []string{"1", "1"}) {
		t.Errorf("same: ranges %v, padding %v", n.Ranges, n.Call.Positional[4].Items)
	}
	if n := g.Node("strided"); !slices.Equal(n.Ranges, ir.Sizes(2, 16, 7, 6)) {
		t.Errorf("strided: ranges %v, want [2 16 7 6]", n.Ranges)
	}
	if n := g.Node("cl"); !slices.Equal(n.Strides, ir.StridesFor(ir.Sizes(2, 16, 11, 9), []int{0, 2, 3, 1})) {
		t.Errorf("channels_last input: result strides %v", n.Strides)
	}
	for _, tt := range []struct {
		name  string
		build func(b *ops.Builder)
		want  string
	}{
		{"groups", func(b *ops.Builder) {
			b.Output("y", b.Conv2d(b.Input("x", ir.Float32, 1, 6, 5, 5), b.Input("w", ir.Float32, 4, 4, 3, 3), ops.Groups(4)))
		}, "conv2d: input of 6 channels, weight [4, 4, 3, 3] and groups 4 do not match"},
		{"same with a stride", func(b *ops.Builder) {
			b.Output("y", b.Conv1d(b.Input("x", ir.Float32, 1, 2, 9), b.Input("w", ir.Float32, 2, 2, 3), ops.PaddingMode("same"), ops.Stride(2)))
		}, `padding "same" is not supported for strided convolutions`},
		{"kernel too large", func(b *ops.Builder) {
			b.Output("y", b.Conv2d(b.Input("x", ir.Float32, 1, 2, 2, 2), b.Input("w", ir.Float32, 2, 2, 3, 3)))
		}, "does not fit the padded input"},
		{"rank", func(b *ops.Builder) {
			b.Output("y", b.Conv3d(b.Input("x", ir.Float32, 2, 5, 5), b.Input("w", ir.Float32, 2, 2, 3)))
		}, "conv3d takes a 5-d batched input and a 5-d weight"},
		{"stride entries", func(b *ops.Builder) {
			b.Output("y", b.Conv2d(b.Input("x", ir.Float32, 1, 2, 5, 5), b.Input("w", ir.Float32, 2, 2, 3, 3), ops.Stride(1, 1, 1)))
		}, "stride has 3 entries, want 2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := ops.NewBuilder("t", "cuda")
			tt.build(b)
			if _, err := b.Build(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}
