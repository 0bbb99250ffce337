package ops

import (
	"slices"

	"github.com/fusegen/fusegen/ir"
)

// opConv is torch.nn.functional.conv1d, conv2d and conv3d (dims spatial
// dims) on a batched input [N, C, *spatial] and a weight [O, C/groups,
// *kernel]: an extern call of aten.convolution, padding "same" as torch
// does it (symmetric, the odd element padded on the right first).
func (l *lowerer) opConv(dims int, x, w, bias *Tensor, a *Attrs) (*Tensor, error) {
	op := "conv" + string(rune('0'+dims)) + "d"
	ts := []*Tensor{x, w}
	if bias != nil {
		ts = append(ts, bias)
	}
	dt, err := sameFloat(op, ts...)
	if err != nil {
		return nil, err
	}
	if x.Dim() != dims+2 || w.Dim() != dims+2 {
		return nil, ferr("args", "%s takes a %d-d batched input and a %d-d weight, got %d-d and %d-d", op, dims+2, dims+2, x.Dim(), w.Dim())
	}
	// Only the batch may be symbolic: the channel and spatial arithmetic
	// below (groups, padding, the output size) needs the sizes.
	for d := 1; d < x.Dim(); d++ {
		if !x.shape[d].IsStatic() {
			return nil, ferr("args[0]", "%s: input of shape %s: dim %d has the symbolic size %s; only the batch dim N may be symbolic", op, shapeStr(x.shape), d, x.shape[d])
		}
	}
	wk, ok := ir.StaticSizes(w.shape)
	if !ok {
		return nil, ferr("args[1]", "%s: weight of shape %s: a weight's sizes must be static", op, shapeStr(w.shape))
	}
	groups := i64(a.Groups, 1)
	c, o := x.shape[1].C, wk[0]
	if groups < 1 || c%groups != 0 || o%groups != 0 || wk[1]*groups != c {
		return nil, ferr("args", "%s: input of %d channels, weight %s and groups %d do not match (want weight [O, C/groups, ...] with groups dividing C and O)", op, c, shapeStr(w.shape), groups)
	}
	if bias != nil && (bias.Dim() != 1 || !bias.shape[0].Is(o)) {
		return nil, ferr("bias", "%s: bias of shape %s, want [%d]", op, shapeStr(bias.shape), o)
	}
	spread := func(v *IntsOrOne, field string, def int64) ([]int64, error) {
		if v == nil {
			return slices.Repeat([]int64{def}, dims), nil
		}
		if !v.List {
			return slices.Repeat(v.Ints, dims), nil
		}
		if len(v.Ints) != dims {
			return nil, ferr(field, "%s: %s has %d entries, want %d", op, field, len(v.Ints), dims)
		}
		return slices.Clone(v.Ints), nil
	}
	stride, err := spread(a.Stride, "stride", 1)
	if err != nil {
		return nil, err
	}
	dilation, err := spread(a.Dilation, "dilation", 1)
	if err != nil {
		return nil, err
	}
	padding, err := spread(a.Padding, "padding", 0)
	if err != nil {
		return nil, err
	}
	for d := 0; d < dims; d++ {
		if stride[d] < 1 || dilation[d] < 1 || padding[d] < 0 {
			return nil, ferr("stride", "%s: stride and dilation must be positive and padding not negative", op)
		}
	}
	in := x
	if mode := a.PaddingMode; mode != nil {
		switch *mode {
		case "valid":
			padding = make([]int64, dims)
		case "same":
			for _, s := range stride {
				if s != 1 {
					return nil, ferr("padding", "%s: padding \"same\" is not supported for strided convolutions", op)
				}
			}
			// Symmetric padding of half the total; an odd total pads one
			// more element on the right of that dim first.
			var extra []int64 // constant_pad_nd's pairs, last dim first
			odd := false
			for d := dims - 1; d >= 0; d-- {
				total := dilation[d] * (wk[d+2] - 1)
				padding[d] = total / 2
				extra = append(extra, 0, total%2)
				odd = odd || total%2 == 1
			}
			if odd {
				shape := slices.Clone(x.shape)
				for d := 0; d < dims; d++ {
					shape[d+2] = ir.Int(shape[d+2].C + extra[2*(dims-1-d)+1])
				}
				if in, err = l.atenOne(l.derived("pad"), "convolution", "aten.constant_pad_nd.default", atenResult{dtype: dt, shape: shape},
					tensorArg(x), intsArg(extra), scalarArg(FloatScalar(0))); err != nil {
					return nil, err
				}
			}
		default:
			return nil, ferr("padding", "%s: padding %q: want an int, a list of ints, \"same\" or \"valid\"", op, *mode)
		}
	}
	out := []ir.Size{in.shape[0], ir.Int(o)}
	for d := 0; d < dims; d++ {
		n := (in.shape[d+2].C+2*padding[d]-dilation[d]*(wk[d+2]-1)-1)/stride[d] + 1
		if n < 1 {
			return nil, ferr("args", "%s: the kernel %s does not fit the padded input %s", op, shapeStr(w.shape[2:]), shapeStr(in.shape[2:]))
		}
		out = append(out, ir.Int(n))
	}
	order := []int{0} // channels_last: N, the spatial dims, C
	for d := 2; d < dims+2; d++ {
		order = append(order, d)
	}
	order = append(order, 1)
	// cuDNN runs a channels_last convolution without converting layouts
	// around it: an input the call needs realized anyway (a fused
	// epilogue's result) is stored channels_last, as Inductor's layout
	// optimization does; a buffer given as it is keeps its layout.
	if _, isView := l.stridedView(in); !isView && in.format == nil && dims >= 2 {
		cl := *in
		cl.format = order
		in = &cl
	}
	// cuDNN keeps a channels_last input's layout, as torch does.
	var strides []ir.Size
	if in.format != nil || w.format != nil {
		strides = ir.StridesFor(out, order)
	}
	b := literalArg(ir.Operand{Kind: ir.OperandNone})
	if bias != nil {
		b = tensorArg(bias)
	}
	return l.atenOne(l.own(), "convolution", "aten.convolution.default", atenResult{dtype: dt, shape: out, strides: strides},
		tensorArg(in), tensorArg(w), b, intsArg(stride), intsArg(padding), intsArg(dilation),
		scalarArg(BoolScalar(false)), intsArg(make([]int64, dims)), scalarArg(IntScalar(groups)))
}
