package ops_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/fusion"
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// matmulND is the dense reference: [..., M, K] @ [..., K, N] with equal
// leading dims.
func matmulND(a, b *nd) *nd {
	r := len(a.shape)
	m, k, n := a.shape[r-2], a.shape[r-1], b.shape[r-1]
	shape := append(append([]int64{}, a.shape[:r-2]...), m, n)
	out := newND(shape...)
	each(shape, func(idx []int64) {
		sum := 0.0
		for kk := int64(0); kk < k; kk++ {
			ai := append(append([]int64{}, idx[:r-2]...), idx[r-2], kk)
			bi := append(append([]int64{}, idx[:r-2]...), kk, idx[r-1])
			sum += a.at(ai...) * b.at(bi...)
		}
		out.set(sum, idx...)
	})
	return out
}

// Matrix products lower to extern calls on strided views: a transposed
// weight and a flattened batch are passed as views, uncopied; the products
// the interpreter computes from the views match the dense reference.
func TestMatrixProducts(t *testing.T) {
	b := ops.NewBuilder("mm", "cuda")
	x := b.Input("x", ir.Float32, 3, 5, 4) // linear input, 3-d
	w := b.Input("w", ir.Float32, 6, 4)    // linear weight [N, K]
	bias := b.Input("bias", ir.Float32, 6) // linear bias
	at := b.InputStrided("at", ir.Float32, []int64{7, 4}, []int64{1, 7}, 0)
	q := b.Input("q", ir.Float32, 2, 3, 4)
	k := b.Input("k", ir.Float32, 2, 4, 5)
	col := b.Input("col", ir.Float32, 7, 1)
	b.Output("lin", b.Linear(x, w, ops.Bias(bias)))
	b.Output("mm", b.Mm(at, b.Permute(w, 1, 0)))
	b.Output("att", b.Bmm(q, k))
	b.Output("am", b.Addmm(col, at, b.Permute(w, 1, 0), ops.Beta(0.5), ops.Alpha(2)))
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var externs []string
	for _, n := range g.Nodes {
		if n.Kind == ir.Extern {
			externs = append(externs, n.Name+":"+n.Call.Target)
			for _, a := range n.Call.Args {
				if strings.Contains(a.Buffer, "_arg") {
					t.Errorf("%s: operand %s was copied; a view would do", n.Name, a.Buffer)
				}
			}
		} else {
			t.Errorf("unexpected node %s: the products need no copy", n.Name)
		}
	}
	if got, want := strings.Join(externs, " "), "lin:addmm mm:mm att:bmm am:addmm"; got != want {
		t.Errorf("extern nodes %q, want %q", got, want)
	}
	s, err := fusion.Plan(g, fusion.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range s.Kernels {
		if len(k.Nodes) > 1 && k.Nodes[0].Kind == ir.Extern {
			t.Errorf("an extern node shares a kernel: %v", k.Nodes)
		}
	}
	got, in := interpret(t, g)
	wt := permuteND(in["w"], []int64{1, 0})
	lin := broadcastND(matmulND(&nd{shape: []int64{15, 4}, data: in["x"].data}, wt), in["bias"], func(a, b float64) float64 { return a + b })
	mm := matmulND(in["at"], wt)
	want := map[string]*nd{
		"lin": {shape: []int64{3, 5, 6}, data: lin.data},
		"mm":  mm,
		"att": matmulND(in["q"], in["k"]),
		"am":  broadcastND(mm, in["col"], func(p, c float64) float64 { return 0.5*c + 2*p }),
	}
	expectClose(t, got, want)
}

// Matrix products refuse what torch refuses, naming the op node.
func TestMatrixProductErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		build func(b *ops.Builder)
		want  string
	}{
		{"shapes", func(b *ops.Builder) {
			b.Output("y", b.Mm(b.Input("a", ir.Float32, 3, 4), b.Input("m", ir.Float32, 5, 2)))
		}, "mm: shapes [3, 4] and [5, 2] cannot be multiplied"},
		{"dtypes", func(b *ops.Builder) {
			b.Output("y", b.Mm(b.Input("a", ir.Float32, 3, 4), b.Input("m", ir.BFloat16, 4, 2)))
		}, "expected operands of one dtype, got float32 and bfloat16"},
		{"integers", func(b *ops.Builder) {
			b.Output("y", b.Bmm(b.Input("a", ir.Int32, 2, 3, 4), b.Input("m", ir.Int32, 2, 4, 2)))
		}, "BLAS takes floating-point operands, got int32"},
		{"ranks", func(b *ops.Builder) {
			b.Output("y", b.Bmm(b.Input("a", ir.Float32, 3, 4), b.Input("m", ir.Float32, 4, 2)))
		}, "bmm takes two 3-d tensors, got 2-d and 2-d"},
		{"linear weight", func(b *ops.Builder) {
			b.Output("y", b.Linear(b.Input("x", ir.Float32, 3, 4), b.Input("w", ir.Float32, 4, 5)))
		}, "linear: input of shape [3, 4] and weight of shape [4, 5] do not match"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := ops.NewBuilder("t", "cuda")
			tt.build(b)
			_, err := b.Build()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// torch.matmul's rank rules and baddbmm, against the dense reference.
func TestMatmulRankRules(t *testing.T) {
	b := ops.NewBuilder("mt", "cuda")
	v := b.Input("v", ir.Float32, 5)
	u := b.Input("u", ir.Float32, 5)
	a := b.Input("a", ir.Float32, 3, 5)
	m := b.Input("m", ir.Float32, 5, 4)
	x := b.Input("x", ir.Float32, 2, 3, 5)
	y := b.Input("y", ir.Float32, 2, 1, 5, 4)
	bias := b.Input("bias", ir.Float32, 3, 1)
	b.Output("dot", b.Matmul(v, u))
	b.Output("mv", b.Matmul(a, v))
	b.Output("vm", b.Matmul(v, m))
	b.Output("mmo", b.Matmul(a, m))
	b.Output("fold", b.Matmul(x, m))
	b.Output("bc", b.Matmul(x, y))
	b.Output("bd", b.Baddbmm(bias, x, b.Transpose(x, 1, 2), ops.Alpha(0.5)))
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	// torch's result shapes: the vectors' dims dropped (a dot product is 0-d).
	wantShapes := map[string][]int64{"dot": {}, "mv": {3}, "vm": {4}, "mmo": {3, 4}, "fold": {2, 3, 4}, "bc": {2, 2, 3, 4}, "bd": {2, 3, 3}}
	for name, shape := range wantShapes {
		if n := g.Node(name); n == nil || !slices.Equal(ivs(n.Ranges), shape) {
			t.Errorf("%s: want shape %v, got node %+v", name, shape, n)
		}
	}
	got, in := interpret(t, g)
	row := func(a *nd) *nd { return &nd{shape: append([]int64{1}, a.shape...), data: a.data} }
	col := func(a *nd) *nd { return &nd{shape: append(append([]int64{}, a.shape...), 1), data: a.data} }
	// bc: x [2, 3, 5] broadcast against y's batch [2, 1] -> [2, 2]
	bc := newND(2, 2, 3, 4)
	each(bc.shape, func(idx []int64) {
		sum := 0.0
		for k := int64(0); k < 5; k++ {
			sum += in["x"].at(idx[1], idx[2], k) * in["y"].at(idx[0], 0, k, idx[3])
		}
		bc.set(sum, idx...)
	})
	xt := permuteND(in["x"], []int64{0, 2, 1})
	bd := broadcastND(matmulND(in["x"], xt), in["bias"], func(p, c float64) float64 { return c + 0.5*p })
	want := map[string]*nd{
		"dot":  matmulND(row(in["v"]), col(in["u"])),
		"mv":   matmulND(in["a"], col(in["v"])),
		"vm":   matmulND(row(in["v"]), in["m"]),
		"mmo":  matmulND(in["a"], in["m"]),
		"fold": matmulND(&nd{shape: []int64{6, 5}, data: in["x"].data}, in["m"]),
		"bc":   bc,
		"bd":   bd,
	}
	expectClose(t, got, want)
	if n := g.Node("mmo"); n == nil || n.Kind != ir.Extern {
		t.Errorf("matmul of two matrices is not one extern node named after its result: %+v", n)
	}
}

// interpret runs g on fill's inputs: its outputs, and its inputs as dense
// arrays.
func interpret(t *testing.T, g *ir.Graph) (map[string][]float64, map[string]*nd) {
	t.Helper()
	got, in, err := runOnFill(g)
	if err != nil {
		t.Fatal(err)
	}
	return got, in
}

// runOnFill is interpret for callers that report the error themselves.
func runOnFill(g *ir.Graph) (map[string][]float64, map[string]*nd, error) {
	storage := map[string][]float64{}
	in := map[string]*nd{}
	for _, buf := range g.Inputs {
		storage[buf.Name] = fill(buf)
		in[buf.Name] = logical(buf, storage[buf.Name])
	}
	got, err := runGraph(g, storage)
	return got, in, err
}

// expectClose compares outputs with dense references, 1e-4 relative.
func expectClose(t *testing.T, got map[string][]float64, want map[string]*nd) {
	t.Helper()
	for name, w := range want {
		y := got[name]
		if len(y) != len(w.data) {
			t.Fatalf("%s: %d values, want %d", name, len(y), len(w.data))
		}
		for i := range y {
			if math.Abs(y[i]-w.data[i]) > 1e-4*(1+math.Abs(w.data[i])) {
				t.Fatalf("%s[%d] = %v, want %v", name, i, y[i], w.data[i])
			}
		}
	}
}

// The ATen fallback: a call through torch.ops with its arguments in order,
// tensors as views; a target is nothing but a qualified op name.
func TestATenFallback(t *testing.T) {
	b := ops.NewBuilder("a", "cuda")
	x := b.Input("x", ir.Float32, 8, 16)
	b.Output("y", b.Exp(b.Aten("aten.cumsum.default", ir.Float32, []int64{16, 8}, []any{b.Transpose(x, 0, 1), 1})))
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var call *ir.ExternCall
	for _, n := range g.Nodes {
		if n.Kind == ir.Extern {
			call = n.Call
		}
	}
	if call == nil || call.Target != "aten.cumsum.default" || len(call.Args) != 1 || len(call.Positional) != 2 ||
		call.Positional[0].Kind != ir.OperandTensor || call.Positional[0].Arg != 0 || call.Positional[1].Value != "1" || call.Positional[1].DType != ir.Int64 {
		t.Fatalf("call %+v", call)
	}
	if v := call.Args[0]; v.Buffer != "x" || !slices.Equal(v.Strides, ir.Sizes(1, 16)) {
		t.Errorf("the transpose is not passed as a view: %+v", v)
	}
	// Lists of ints, None and bools are literals of an aten op only.
	b = ops.NewBuilder("a", "cuda")
	x = b.Input("x", ir.Float32, 8, 16)
	b.Output("s", b.Aten("aten.sum.dim_IntList", ir.Float32, []int64{8}, []any{x, []int64{1}, false}))
	b.Output("c", b.Aten("aten.clamp.default", ir.Float32, []int64{8, 16}, []any{x, nil, 0.5}))
	if g, err = b.Build(); err != nil {
		t.Fatal(err)
	}
	s, c := g.Node("s").Call.Positional, g.Node("c").Call.Positional
	if s[1].Kind != ir.OperandList || !slices.Equal(s[1].Items, []string{"1"}) || s[2].DType != ir.Bool || c[1].Kind != ir.OperandNone || c[2].Value != "0.5" {
		t.Errorf("literals: %+v, %+v", s, c)
	}
	b = ops.NewBuilder("a", "cuda")
	x = b.Input("x", ir.Float32, 8, 16)
	b.Output("y", b.Aten("aten.sum.dim_IntList", ir.Float32, []int64{8}, []any{x, []int64{1}}))
	b.Output("z", b.Add(x, 1))
	if _, err := b.Build(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"aten.cumsum.default; import os", "torch.ops.aten.cumsum.default", "aten.CumSum.default", "aten.cumsum", "aten..default", "os.system.default"} {
		b := ops.NewBuilder("a", "cuda")
		x := b.Input("x", ir.Float32, 4)
		b.Output("y", b.Aten(bad, ir.Float32, []int64{4}, []any{x}))
		if _, err := b.Build(); err == nil || !strings.Contains(err.Error(), "is not an ATen op name") {
			t.Errorf("target %q: %v", bad, err)
		}
	}
}
