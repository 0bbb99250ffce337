package ops_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// The ATen fallback's keyword arguments, literal kinds and several results,
// as the IR records them.
func TestAtenCallKeywordsAndResults(t *testing.T) {
	b := ops.NewBuilder("a", "cuda")
	x := b.Input("x", ir.Float32, 4, 10)
	e := b.Exp(x)
	sorted := b.AtenCall("aten.sort.default", []ops.ResultSpec{
		{DType: ir.Float32, Shape: ir.Sizes(4, 10)}, {DType: ir.Int64, Shape: ir.Sizes(4, 10)}}, []any{x, -1, true}, nil)
	b.Output("v", sorted[0])
	b.Output("i", sorted[1])
	b.Output("c", b.AtenCall("aten.cumsum.default", []ops.ResultSpec{{DType: ir.Float64, Shape: ir.Sizes(4, 10)}},
		[]any{x, 0}, map[string]any{"dtype": ops.DTypeLiteral(ir.Float64)})[0])
	b.Output("s", b.AtenCall("aten.stack.default", []ops.ResultSpec{{DType: ir.Float32, Shape: ir.Sizes(2, 4, 10)}},
		[]any{[]*ops.Tensor{x, e}, 0}, nil)[0])
	b.Output("r", b.AtenCall("aten.arange.start_step", []ops.ResultSpec{{DType: ir.Float32, Shape: ir.Sizes(3)}},
		[]any{0, 3, 1}, map[string]any{"device": ops.DeviceLiteral("cuda"), "dtype": ops.DTypeLiteral(ir.Float32), "layout": ops.Layout("strided")})[0])
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	v, i := g.Node("v"), g.Node("i")
	if v == nil || i == nil || !slices.Equal(v.Call.Results, []string{"i"}) || i.Call.ResultOf != "v" || i.Call.Index != 1 || i.DType != ir.Int64 {
		t.Fatalf("sort's results: %+v / %+v", v, i)
	}
	if !slices.Equal(i.Reads(), []string{"v"}) {
		t.Errorf("a further result reads %v, want the call's node", i.Reads())
	}
	kw := g.Node("c").Call.Keywords
	if len(kw) != 1 || kw[0].Name != "dtype" || kw[0].Kind != ir.OperandDType || kw[0].DType != ir.Float64 {
		t.Errorf("cumsum keywords: %+v", kw)
	}
	st := g.Node("s").Call
	if p := st.Positional[0]; p.Kind != ir.OperandTensors || !slices.Equal(p.Tensors, []int{0, 1}) || len(st.Args) != 2 {
		t.Errorf("stack's tensor list: %+v", st)
	}
	ar := g.Node("r").Call
	var names []string
	for _, k := range ar.Keywords {
		names = append(names, k.Name+":"+string(k.Kind))
	}
	if len(ar.Args) != 0 || !slices.Equal(names, []string{"device:device", "dtype:dtype", "layout:layout"}) {
		t.Errorf("arange: args %v, keywords %v", ar.Args, names)
	}
}

// Bad ATen fallbacks are refused with one line naming the place.
func TestAtenCallErrors(t *testing.T) {
	cases := []struct {
		build func(b *ops.Builder, x *ops.Tensor)
		want  string
	}{
		{func(b *ops.Builder, x *ops.Tensor) {
			b.AtenCall("aten.gelu.default", []ops.ResultSpec{{DType: ir.Float32, Shape: ir.Sizes(4)}}, []any{x}, map[string]any{"out": x})
		}, `kwargs.out: keyword "out": want a name`},
		{func(b *ops.Builder, x *ops.Tensor) {
			b.AtenCall("aten.gelu.default", []ops.ResultSpec{{DType: ir.Float32, Shape: ir.Sizes(4)}}, []any{x}, map[string]any{"approximate": ops.Str("a'b")})
		}, `string "a'b"`},
		{func(b *ops.Builder, x *ops.Tensor) {
			b.AtenCall("aten.empty.memory_format", []ops.ResultSpec{{DType: ir.Float32, Shape: ir.Sizes(4)}}, []any{[]int64{4}}, map[string]any{"memory_format": ops.MemoryFormat("sideways")})
		}, `unknown memory format "sideways"`},
		{func(b *ops.Builder, x *ops.Tensor) {
			b.AtenCall("aten.Sort.default", []ops.ResultSpec{{DType: ir.Float32, Shape: ir.Sizes(4)}}, []any{x}, nil)
		}, `is not an ATen op name`},
		{func(b *ops.Builder, x *ops.Tensor) {
			b.AtenCall("aten.cat.default", []ops.ResultSpec{{DType: ir.Float32, Shape: ir.Sizes(8)}}, []any{[]*ops.Tensor{x, nil}, []float64{1}}, nil)
		}, ``}, // a None in a tensor list and a float list are both fine
	}
	for _, c := range cases {
		b := ops.NewBuilder("a", "cuda")
		x := b.Input("x", ir.Float32, 4)
		c.build(b, x)
		b.Output("y", b.Exp(x))
		_, err := b.Build()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("want no error, got %v", err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("want an error containing %q, got %v", c.want, err)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("error of more than one line: %q", err)
		}
	}
}

// cat takes any number of tensors, as torch.cat does: 300 pieces (the
// selection tree once nested deeper than the IR allows) concatenate in
// order.
func TestCatManyPieces(t *testing.T) {
	b := ops.NewBuilder("c", "cuda")
	var xs []*ops.Tensor
	for i := range 300 {
		xs = append(xs, b.Input("x"+strconv.Itoa(i), ir.Float32, 2))
	}
	b.Output("y", b.Cat(xs, 0))
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	got, in := interpret(t, g)
	for i := range 300 {
		for j := range 2 {
			if w, o := float64(float32(in["x"+strconv.Itoa(i)].at(int64(j)))), got["y"][2*i+j]; w != o {
				t.Fatalf("y[%d] = %v, want x%d[%d] = %v", 2*i+j, o, i, j, w)
			}
		}
	}
}

// Chains of reshapes and of permutes stay one view deep: 100 reshapes (each
// once nested the previous one's divisions, 1.3x the cost per link) and
// 10,000 transposes lower to one load of the input at a short index.
func TestViewChainsStayShallow(t *testing.T) {
	b := ops.NewBuilder("c", "cuda")
	x := b.Input("x", ir.Float32, 8, 16)
	r := x
	shapes := [][]int64{{16, 8}, {4, 32}, {32, 4}, {128}, {2, 64}, {8, 16}}
	for i := range 100 {
		r = b.Reshape(r, shapes[i%len(shapes)]...)
	}
	tr := x
	for range 10000 {
		tr = b.Transpose(tr, 0, 1)
	}
	b.Output("y", b.Exp(r))
	b.Output("z", b.Exp(tr))
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range g.Nodes {
		n.Body.Walk(func(e *ir.Expr) {
			if e.Op == ir.OpLoad {
				for _, ix := range e.Index {
					if len(ix.String()) > 40 {
						t.Errorf("%s loads %s at %s", n.Name, e.Buffer, ix)
					}
				}
			}
		})
	}
}

// cat and pad read their inputs under guards where the dim's index is a
// loop variable of the node (a masked load at i - offset), and at wrapped
// indices, without guards, where it is a view's (a reshape of the cat).
func TestCatPadGuards(t *testing.T) {
	guards := func(g *ir.Graph, node string) (out []string) {
		g.Node(node).Body.Walk(func(e *ir.Expr) {
			if e.Op != ir.OpLoad {
				return
			}
			var gs []string
			for _, gd := range e.Guards {
				gs = append(gs, fmt.Sprintf("%s in [%s, %s + %s)", gd.Index, gd.Lo, gd.Lo, gd.Size))
			}
			out = append(out, fmt.Sprintf("%s[%s] %s", e.Buffer, e.Index[len(e.Index)-1], strings.Join(gs, ", ")))
		})
		return out
	}
	b := ops.NewBuilder("c", "cuda")
	x := b.Input("x", ir.Float32, 4, 5)
	y := b.Input("y", ir.Float32, 4, 3)
	c := b.Cat([]*ops.Tensor{x, y}, 1)
	b.Output("c", c)
	b.Output("p", b.Pad(x, []int64{2, 1}))
	b.Output("r", b.Exp(b.Reshape(b.Cat([]*ops.Tensor{y, x}, 1), 32)))
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		node string
		want []string
	}{
		{"c", []string{"x[i1] i1 in [0, 0 + 5)", "y[i1 - 5] i1 in [5, 5 + 3)"}},
		{"p", []string{"x[i1 - 2] i1 in [2, 2 + 5)"}},
		{"r", []string{"y[((i0 % 8) % 3)] ", "x[((((i0 % 8) + 5) % 8) % 5)] "}},
	} {
		if got := guards(g, tt.node); !slices.Equal(got, tt.want) {
			t.Errorf("%s loads %q, want %q", tt.node, got, tt.want)
		}
	}
	got, in := interpret(t, g)
	for i := range int64(4) {
		for j := range int64(8) {
			want := float64(float32(in["y"].at(i, max(j-5, 0))))
			if j < 5 {
				want = float64(float32(in["x"].at(i, j)))
			}
			if o := got["c"][i*8+j]; o != want {
				t.Fatalf("c[%d, %d] = %v, want %v", i, j, o, want)
			}
		}
	}
}
