package ops

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/ir"
)

// Symbolic shape rules: what they accept and the exact lines they refuse
// with, and the property that a symbolic lowering, evaluated at concrete
// symbol values, indexes as the static lowering at those sizes does.

var (
	symB = ir.Sym("B")
	symS = ir.Sym("S")
	symH = ir.Sym("H")
)

// testSyms are the symbols of the tests: B in [1, 64], S in [2, 4096], H
// in [1, 32].
var testSyms = ir.Symbols{
	"B": {Name: "B", Hint: 8, Min: 1, Max: 64},
	"S": {Name: "S", Hint: 512, Min: 2, Max: 4096},
	"H": {Name: "H", Hint: 8, Min: 1, Max: 32},
}

// opPadMust pads x by testSyms, for a case that builds on a pad.
func opPadMust(x *Tensor, pad []int64) *Tensor {
	t, err := opPad(x, pad, nil, testSyms)
	if err != nil {
		panic(err)
	}
	return t
}

func sz(xs ...any) []ir.Size {
	out := make([]ir.Size, len(xs))
	for i, x := range xs {
		switch v := x.(type) {
		case int:
			out[i] = ir.Int(int64(v))
		case ir.Size:
			out[i] = v
		default:
			panic(fmt.Sprintf("sz: %T", x))
		}
	}
	return out
}

func TestBroadcastSymbolic(t *testing.T) {
	for _, tc := range []struct {
		a, b []ir.Size
		want string // the shape, or the error
	}{
		{sz(symB, symS, 768), sz(768), "[B, S, 768]"},
		{sz(symB, 1, symS), sz(symB, symS, 1), "[B, S, S]"},
		{sz(1, symS), sz(symB, 1), "[B, S]"},
		{sz(symS, symS), sz(symS, symS), "[S, S]"},
		{sz(symB.Mul(symS), 768), sz(1, 768), "[B*S, 768]"},
		{sz(8, 768), sz(8, 768), "[8, 768]"},
		{sz(symB, symS, 768), sz(symS, symB, 768), "shapes [B, S, 768] and [S, B, 768] do not broadcast (dimension -3: B against S)"},
		{sz(symS), sz(8), "shapes [S] and [8] do not broadcast (dimension -1: S against 8)"},
		{sz(symS), sz(symS.Scale(2)), "shapes [S] and [2*S] do not broadcast (dimension -1: S against 2*S)"},
		{sz(4, 3), sz(5, 3), "shapes [4, 3] and [5, 3] do not broadcast (dimension -2: 4 against 5)"},
	} {
		got, err := broadcastShapes(tc.a, tc.b)
		s := ""
		if err != nil {
			s = err.Error()
		} else {
			s = ir.SizesString(got)
		}
		if s != tc.want {
			t.Errorf("broadcast %s, %s = %q, want %q", ir.SizesString(tc.a), ir.SizesString(tc.b), s, tc.want)
		}
	}
}

// symInput is a symbolic input tensor of the given shape.
func symInput(shape []ir.Size) *Tensor {
	return bufferTensor("x", shape, nil, ir.Float32)
}

func TestViewsSymbolic(t *testing.T) {
	bs := symB.Mul(symS)
	for _, tc := range []struct {
		name string
		in   []ir.Size
		f    func(x *Tensor) (*Tensor, error)
		want string
	}{
		{"split rows", sz(bs, 768), func(x *Tensor) (*Tensor, error) { return opReshape(x, sz(symB, symS, 768)) }, "[B, S, 768]"},
		{"merge rows", sz(symB, symS, 768), func(x *Tensor) (*Tensor, error) { return opReshape(x, sz(bs, 768)) }, "[B*S, 768]"},
		{"infer S", sz(bs, 768), func(x *Tensor) (*Tensor, error) { return opReshape(x, sz(symB, -1, 768)) }, "[B, S, 768]"},
		{"infer B*S", sz(symB, symS, 768), func(x *Tensor) (*Tensor, error) { return opReshape(x, sz(-1, 768)) }, "[B*S, 768]"},
		{"infer heads", sz(symB, symS, 768), func(x *Tensor) (*Tensor, error) { return opReshape(x, sz(symB, symS, 12, -1)) }, "[B, S, 12, 64]"},
		{"flatten", sz(symB, symS, 768), func(x *Tensor) (*Tensor, error) { return opFlatten(x, 0, 1) }, "[B*S, 768]"},
		{"flatten all", sz(symB, symS, 2), func(x *Tensor) (*Tensor, error) { return opFlatten(x, 0, -1) }, "[2*B*S]"},
		{"unsqueeze", sz(symB, symS), func(x *Tensor) (*Tensor, error) { return opUnsqueeze(x, 1) }, "[B, 1, S]"},
		{"squeeze keeps symbols", sz(symB, 1, symS), func(x *Tensor) (*Tensor, error) { return opSqueeze(x, nil, "dims") }, "[B, S]"},
		{"squeeze of a symbolic dim", sz(symB, symS), func(x *Tensor) (*Tensor, error) { return opSqueeze(x, []int64{0}, "dims") }, "[B, S]"},
		{"permute", sz(symB, symS, 768), func(x *Tensor) (*Tensor, error) { return opPermute(x, []int64{1, 0, 2}, "dims") }, "[S, B, 768]"},
		{"transpose", sz(symB, symS, symS), func(x *Tensor) (*Tensor, error) { return opTranspose(x, -1, -2) }, "[B, S, S]"},
		{"expand 1 to B", sz(1, symS, 768), func(x *Tensor) (*Tensor, error) { return opExpand(x, sz(symB, -1, 768), testSyms) }, "[B, S, 768]"},
		{"expand new dim", sz(symS, symS), func(x *Tensor) (*Tensor, error) { return opExpand(x, sz(symB, symH, symS, symS), testSyms) }, "[B, H, S, S]"},
		{"full slice", sz(symB, symS), func(x *Tensor) (*Tensor, error) {
			return opSlice(x, 1, nil, ptr(int64(1<<62)), 1, testSyms)
		}, "[B, S]"},
		{"full slice to max", sz(symB, symS), func(x *Tensor) (*Tensor, error) { return opSlice(x, 1, ptr(int64(0)), ptr(int64(4096)), 1, testSyms) }, "[B, S]"},
		{"slice within min", sz(symB, symS), func(x *Tensor) (*Tensor, error) { return opSlice(x, 1, ptr(int64(0)), ptr(int64(2)), 1, testSyms) }, "[B, 2]"},
		{"select 0", sz(symB, symS, 768), func(x *Tensor) (*Tensor, error) { return opSelect(x, 1, 0, testSyms) }, "[B, 768]"},
		{"static slice", sz(symB, 10), func(x *Tensor) (*Tensor, error) { return opSlice(x, 1, ptr(int64(2)), ptr(int64(-1)), 2, testSyms) }, "[B, 4]"},
		{"cat S + S", sz(symB, symS), func(x *Tensor) (*Tensor, error) { return opCat([]*Tensor{x, x}, 1, testSyms) }, "[B, 2*S]"},
		{"cat static", sz(symB, 3), func(x *Tensor) (*Tensor, error) { return opCat([]*Tensor{x, x}, 1, testSyms) }, "[B, 6]"},
		{"cat along B keeps S", sz(symB, symS), func(x *Tensor) (*Tensor, error) { return opCat([]*Tensor{x, x, x}, 0, testSyms) }, "[3*B, S]"},

		{"numel mismatch", sz(symB, symS, 768), func(x *Tensor) (*Tensor, error) { return opReshape(x, sz(symB, 768)) },
			"shape: view size mismatch: shape [B, 768] (768*B elements) is invalid for an input of shape [B, S, 768] (768*B*S elements)"},
		{"transposed symbols", sz(symB, symS, 768), func(x *Tensor) (*Tensor, error) { return opReshape(x, sz(symS, symB, 768)) }, "[S, B, 768]"},
		{"no exact split", sz(symB, symS, 768), func(x *Tensor) (*Tensor, error) { return opReshape(x, sz(symH, -1)) },
			"shape: shape [H, -1] is invalid for an input of 768*B*S elements"},
		{"no exact split of an integer", sz(symS, 10), func(x *Tensor) (*Tensor, error) { return opReshape(x, sz(symS, 3, -1)) },
			"shape: shape [S, 3, -1] is invalid for an input of 10*S elements"},
		{"expand S to 8", sz(symS, 4), func(x *Tensor) (*Tensor, error) { return opExpand(x, sz(8, 4), testSyms) },
			"shape: cannot expand shape [S, 4] to [8, 4]: dim 0 has size S, not 1"},
		{"expand to an undeclared symbol", sz(1, 4), func(x *Tensor) (*Tensor, error) { return opExpand(x, sz(ir.Sym("T"), 4), testSyms) },
			`shape: size T names "T", which is no declared symbol`},
		{"partial slice", sz(symB, symS), func(x *Tensor) (*Tensor, error) { return opSlice(x, 1, ptr(int64(1)), nil, 1, testSyms) },
			"end: slice [1::1] of dim 1 of symbolic size S (range [2, 4096]) is not supported: only a full slice, or one ending within the minimum, is the same for every value"},
		{"negative slice", sz(symB, symS), func(x *Tensor) (*Tensor, error) { return opSlice(x, 1, nil, ptr(int64(-1)), 1, testSyms) },
			"end: slice [:-1:1] of dim 1 of symbolic size S (range [2, 4096]) is not supported: only a full slice, or one ending within the minimum, is the same for every value"},
		{"strided full slice", sz(symS), func(x *Tensor) (*Tensor, error) { return opSlice(x, 0, nil, nil, 2, testSyms) },
			"end: slice [::2] of dim 0 of symbolic size S (range [2, 4096]) is not supported: only a full slice, or one ending within the minimum, is the same for every value"},
		{"select last", sz(symB, symS, 768), func(x *Tensor) (*Tensor, error) { return opSelect(x, 1, -1, testSyms) },
			"index: index -1 of dim 1 of symbolic size S (range [2, 4096]) is not supported: only an index from 0 below the minimum is in range for every value"},
		{"narrow", sz(symS, 4), func(x *Tensor) (*Tensor, error) { return opNarrow(x, 0, 1, 4, testSyms) },
			"length: narrow of length 4 from 1 of dim 0 of symbolic size S (range [2, 4096]) is not supported: only one ending within the minimum fits every value"},
		{"narrow within min", sz(symS, 4), func(x *Tensor) (*Tensor, error) { return opNarrow(x, 0, 0, 2, testSyms) }, "[2, 4]"},
		{"cat S + 1", sz(symB, symS), func(x *Tensor) (*Tensor, error) {
			y := symInput(sz(symB, 1))
			return opCat([]*Tensor{x, y}, 1, testSyms)
		}, "[B, S_plus_1]"},
		{"cat B + S", sz(symS), func(x *Tensor) (*Tensor, error) { return opCat([]*Tensor{x, symInput(sz(symB))}, 0, testSyms) }, "[B_plus_S]"},
		{"cat of a cat adds to its definition", sz(symB, symS), func(x *Tensor) (*Tensor, error) {
			y := symInput(sz(symB, 1))
			xy, err := opCat([]*Tensor{x, y}, 1, testSyms)
			if err != nil {
				return nil, err
			}
			return opCat([]*Tensor{xy, y}, 1, testSyms)
		}, "[B, S_plus_2]"},
		{"cat mismatched other dim", sz(symB, symS), func(x *Tensor) (*Tensor, error) { return opCat([]*Tensor{x, symInput(sz(symS, symS))}, 1, testSyms) },
			"args[1]: sizes of tensors must match except in dim 1: shapes [B, S] and [S, S] differ in dim 0"},
		{"split", sz(symS, 4), func(x *Tensor) (*Tensor, error) {
			r, err := opSplit(x, 2, 0)
			if err != nil {
				return nil, err
			}
			return r[0], nil
		}, "dim: split of dim 0 of symbolic size S is not supported: the pieces' sizes depend on its value"},
		{"chunk", sz(symS, 4), func(x *Tensor) (*Tensor, error) {
			r, err := opChunk(x, 2, 0)
			if err != nil {
				return nil, err
			}
			return r[0], nil
		}, "dim: chunk of dim 0 of symbolic size S is not supported: the pieces' sizes depend on its value"},
		{"pad a symbolic dim", sz(symB, symS), func(x *Tensor) (*Tensor, error) { return opPad(x, []int64{1, 1}, nil, testSyms) }, "[B, S_plus_2]"},
		{"crop a symbolic dim", sz(symB, symS), func(x *Tensor) (*Tensor, error) { return opPad(x, []int64{-1, 0}, nil, testSyms) },
			"pad: cropping dim 1 of symbolic size S is not supported: what is left depends on its value"},
		{"cat of a product of derived sizes", sz(symB, symS), func(x *Tensor) (*Tensor, error) {
			p, err := opPad(x, []int64{1, 0}, nil, testSyms)
			if err != nil {
				return nil, err
			}
			q, err := opReshape(opPadMust(p, []int64{0, 0, 1, 0}), sz(-1))
			if err != nil {
				return nil, err
			}
			return opCat([]*Tensor{q, symInput(sz(symS))}, 0, testSyms)
		}, "args: cat along dim 0 of sizes [B_plus_1*S_plus_1, S]: size B_plus_1*S_plus_1 is a product of derived sizes ((B + 1)*(S + 1)), which cannot be added to"},
		{"pad a static dim", sz(symB, 5), func(x *Tensor) (*Tensor, error) { return opPad(x, []int64{1, 2}, nil, testSyms) }, "[B, 8]"},
		{"tril", sz(symB, symS, symS), func(x *Tensor) (*Tensor, error) { return opTriangle(x, 0, false) }, "[B, S, S]"},
	} {
		x := symInput(tc.in)
		got, err := tc.f(x)
		s := ""
		if err != nil {
			s = err.Error()
		} else {
			s = ir.SizesString(got.shape)
		}
		if s != tc.want {
			t.Errorf("%s: got %q\nwant %q", tc.name, s, tc.want)
		}
	}
}

// symbolicBuilder is a builder with the test symbols declared.
func symbolicBuilder(name string) (*Builder, ir.Size, ir.Size, ir.Size) {
	b := NewBuilder(name, "cuda")
	B := b.Symbol("B", 8, 1, 64)
	S := b.Symbol("S", 512, 2, 4096)
	H := b.Symbol("H", 8, 1, 32)
	return b, B, S, H
}

// TestBuilderSymbolic builds whole symbolic programs: what is accepted and
// the exact lines of what is refused, with the op's place.
func TestBuilderSymbolic(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(b *Builder, B, S, H ir.Size)
		want  string // "" builds
	}{
		{"layer_norm over [B, S, 768]", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float16, B, S, ir.Int(768))
			w := b.Input("w", ir.Float16, 768)
			b.Output("y", b.LayerNorm(x, []int64{768}, Weight(w)))
		}, ""},
		{"softmax over S", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float32, B, H, S, S)
			b.Output("y", b.Softmax(x, -1))
		}, ""},
		{"mean and var over S", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float32, B, S, ir.Int(64))
			b.Output("m", b.Mean(x, []int64{1}))
			b.Output("v", b.Var(x, []int64{1}))
			b.Output("s", b.Sum(x, nil))
			b.Output("a", b.Argmax(x, []int64{1}))
		}, ""},
		{"mm of [B*S, 768] and a weight", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float16, B.Mul(S), ir.Int(768))
			w := b.Input("w", ir.Float16, 768, 3072)
			b.Output("y", b.Mm(x, w))
		}, ""},
		{"linear over [B, S, 768]", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float16, B, S, ir.Int(768))
			w := b.Input("w", ir.Float16, 3072, 768)
			bias := b.Input("bias", ir.Float16, 3072)
			b.Output("y", b.Linear(x, w, Bias(bias)))
		}, ""},
		{"batched matmul with broadcast batch", func(b *Builder, B, S, H ir.Size) {
			q := b.InputSizes("q", ir.Float16, B, H, S, ir.Int(64))
			k := b.InputSizes("k", ir.Float16, ir.Int(1), H, ir.Int(64), S)
			b.Output("y", b.Matmul(q, k))
		}, ""},
		{"gather along S", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float32, B, S)
			i := b.InputSizes("i", ir.Int64, B, ir.Int(1))
			b.Output("y", b.Gather(x, 1, i))
		}, ""},
		{"embedding of [B, S] ids", func(b *Builder, B, S, H ir.Size) {
			ids := b.InputSizes("ids", ir.Int64, B, S)
			w := b.Input("w", ir.Float16, 50257, 768)
			b.Output("y", b.Embedding(ids, w))
		}, ""},
		{"conv2d of a symbolic batch", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float32, B, ir.Int(3), ir.Int(16), ir.Int(16))
			w := b.Input("w", ir.Float32, 8, 3, 3, 3)
			b.Output("y", b.Conv2d(x, w))
		}, ""},
		{"aten with a symbolic result", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float32, B, S)
			b.Output("y", b.AtenCall("aten.cumsum.default", []ResultSpec{{DType: ir.Float32, Shape: []ir.Size{B, S}}}, []any{x, 1}, nil)[0])
		}, ""},
		{"cat of S + S", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float32, B, S)
			b.Output("y", b.Cat([]*Tensor{x, b.Neg(x)}, 1))
		}, ""},

		{"mm with unequal contraction", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float16, B, S)
			w := b.Input("w", ir.Float16, 768, 3072)
			b.Output("y", b.Mm(x, w))
		}, `nodes[0] (mm) "mm_0".args: mm: shapes [B, S] and [768, 3072] cannot be multiplied`},
		{"matmul of S against B", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float16, B, S)
			y := b.InputSizes("y", ir.Float16, B, S)
			b.Output("z", b.Matmul(x, y))
		}, `nodes[0] (matmul) "matmul_0".args: matmul: shapes [B, S] and [B, S] cannot be multiplied`},
		{"matmul batch B against H", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float16, B, S, S)
			y := b.InputSizes("y", ir.Float16, H, S, S)
			b.Output("z", b.Matmul(x, y))
		}, `nodes[0] (matmul) "matmul_0".args: matmul: batch dims [B] and [H] do not broadcast`},
		{"add of B against S", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float32, B, S, ir.Int(768))
			y := b.InputSizes("y", ir.Float32, S, B, ir.Int(768))
			b.Output("z", b.Add(x, y))
		}, `nodes[0] (add) "add_0".args: shapes [B, S, 768] and [S, B, 768] do not broadcast (dimension -3: B against S)`},
		{"conv2d of symbolic spatial dims", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float32, B, ir.Int(3), S, S)
			w := b.Input("w", ir.Float32, 8, 3, 3, 3)
			b.Output("y", b.Conv2d(x, w))
		}, `nodes[0] (conv2d) "conv2d_0".args[0]: conv2d: input of shape [B, 3, S, S]: dim 2 has the symbolic size S; only the batch dim N may be symbolic`},
		{"gather with a symbolic index bound", func(b *Builder, B, S, H ir.Size) {
			x := b.InputSizes("x", ir.Float32, B, ir.Int(4))
			i := b.InputSizes("i", ir.Int64, B, S)
			b.Output("y", b.Gather(x, 0, i))
		}, `nodes[0] (gather) "gather_0".args[1]: index shape [B, S] may exceed the input shape [B, 4] in dim 1 (S against 4 depends on the symbols' values)`},
		{"an undeclared symbol", func(b *Builder, B, S, H ir.Size) {
			b.InputSizes("x", ir.Float32, ir.Sym("T"), ir.Int(4))
		}, `inputs[0].shape[0]: size T names "T", which is no declared symbol`},
		{"a symbol declared twice", func(b *Builder, B, S, H ir.Size) {
			b.Symbol("S", 512, 1, 4096)
		}, `symbols.S: symbol "S" is declared again with hint 512 and range [1, 4096], but it has hint 512 and range [2, 4096]`},
		{"a bad symbol", func(b *Builder, B, S, H ir.Size) {
			b.Symbol("T", 0, 1, 8)
		}, `symbols.T: symbol "T": hint 0 is outside its range [1, 8]`},
	} {
		b, B, S, H := symbolicBuilder("sym")
		b.Symbol("S", 512, 2, 4096) // the same again: harmless
		tc.build(b, B, S, H)
		g, err := b.Build()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: got %q\nwant %q", tc.name, got, tc.want)
			continue
		}
		if err == nil && (g.Symbols == nil || len(g.Symbols) != 3) {
			t.Errorf("%s: graph symbols %v, want B, S and H", tc.name, g.Symbols)
		}
	}
}

// TestStaticGraphHasNoSymbols checks that a program with no symbols
// lowers to a graph with nil Symbols, as before.
func TestStaticGraphHasNoSymbols(t *testing.T) {
	b := NewBuilder("static", "cuda")
	x := b.Input("x", ir.Float32, 4, 8)
	b.Output("y", b.Softmax(x, -1))
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if g.Symbols != nil {
		t.Errorf("Symbols = %v, want nil", g.Symbols)
	}
}

// A program is built by a function of the sizes it takes, once with
// symbols and once with values.
type sizedProgram struct {
	name  string
	build func(b *Builder, B, S, H ir.Size)
}

// symbolicPrograms are the property test's programs.
var symbolicPrograms = []sizedProgram{
	{"layer_norm + residual over [B, S, 768]", func(b *Builder, B, S, H ir.Size) {
		x := b.InputSizes("x", ir.Float32, B, S, ir.Int(768))
		r := b.InputSizes("r", ir.Float32, B, S, ir.Int(768))
		w := b.Input("w", ir.Float32, 768)
		bias := b.Input("bias", ir.Float32, 768)
		h := b.Add(x, r)
		b.Output("h", h)
		b.Output("y", b.LayerNorm(h, []int64{768}, Weight(w), Bias(bias)))
	}},
	{"causal softmax over [B, H, S, S] with tril and where", func(b *Builder, B, S, H ir.Size) {
		x := b.InputSizes("x", ir.Float32, B, H, S, S)
		ones := b.ExpandSizes(b.Full([]int64{1, 1}, true), S, S)
		mask := b.Tril(ones, 0)
		scores := b.Where(mask, b.Mul(x, 0.125), -1e9)
		b.Output("p", b.Softmax(scores, -1))
	}},
	{"causal softmax with masked_fill through triu", func(b *Builder, B, S, H ir.Size) {
		x := b.InputSizes("x", ir.Float32, B, H, S, S)
		m := b.InputSizes("m", ir.Bool, S, S)
		upper := b.Triu(m, 1)
		b.Output("p", b.LogSoftmax(b.Where(upper, -1e9, x), -1))
	}},
	{"MLP [B*S, 768] @ W with gelu", func(b *Builder, B, S, H ir.Size) {
		x := b.InputSizes("x", ir.Float16, B, S, ir.Int(768))
		w := b.Input("w", ir.Float16, 768, 256)
		w2 := b.Input("w2", ir.Float16, 256, 768)
		x2 := b.ReshapeSizes(x, ir.Int(-1), ir.Int(768))
		h := b.Gelu(b.Mm(x2, w), Approximate("tanh"))
		y := b.Mm(h, w2)
		b.Output("y", b.Add(b.ViewSizes(y, B, S, ir.Int(768)), x))
	}},
	{"heads split, transposed and merged", func(b *Builder, B, S, H ir.Size) {
		x := b.InputSizes("x", ir.Float32, B, S, ir.Int(64))
		q := b.Transpose(b.ReshapeSizes(x, B, S, ir.Int(4), ir.Int(-1)), 1, 2)
		s := b.Softmax(q, -1)
		m := b.ReshapeSizes(b.Transpose(s, 1, 2), B.Mul(S), ir.Int(64))
		b.Output("y", b.Sum(m, []int64{0}))
		b.Output("c", b.Cat([]*Tensor{x, b.Exp(x)}, 1))
		b.Output("z", b.RMSNorm(b.Slice(x, 1, 0, 1<<62, 1), []int64{64}))
	}},
	{"cat of unequal sizes, a pad and a softmax over them (derived sizes)", func(b *Builder, B, S, H ir.Size) {
		x := b.InputSizes("x", ir.Float32, B, S)
		y := b.InputSizes("y", ir.Float32, B, H)
		c := b.Cat([]*Tensor{x, y, x}, 1)
		b.Output("c", c)
		b.Output("s", b.Softmax(c, -1))
		b.Output("p", b.Pad(x, []int64{1, 2}, Value(-1)))
	}},
}

// TestSymbolicMatchesStatic lowers each symbolic program, and at several
// values of the symbols the program built with those values: the graphs
// have the same nodes, ranges and extern views (evaluated), and every
// load index of the symbolic graph, evaluated at the symbol values and at
// every point of its node's loops, is the static graph's index there.
func TestSymbolicMatchesStatic(t *testing.T) {
	values := []map[string]int64{
		{"B": 2, "S": 3, "H": 2},
		{"B": 1, "S": 5, "H": 3},
		{"B": 3, "S": 2, "H": 1},
	}
	for _, p := range symbolicPrograms {
		b, B, S, H := symbolicBuilder("sym")
		p.build(b, B, S, H)
		sg, err := b.Build()
		if err != nil {
			t.Errorf("%s: symbolic: %v", p.name, err)
			continue
		}
		for _, v := range values {
			v = maps.Clone(v)
			for _, d := range sg.Symbols.Derived() {
				v[d.Name] = d.Def.Eval(v)
			}
			sb := NewBuilder("sym", "cuda")
			p.build(sb, ir.Int(v["B"]), ir.Int(v["S"]), ir.Int(v["H"]))
			g, err := sb.Build()
			if err != nil {
				t.Errorf("%s at %v: static: %v", p.name, v, err)
				continue
			}
			if err := sameAtValues(sg, g, v); err != nil {
				t.Errorf("%s at %v: %v", p.name, v, err)
			}
		}
	}
}

func evalSizes(xs []ir.Size, env map[string]int64) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = x.Eval(env)
	}
	return out
}

// sameAtValues compares symbolic graph sg at symbol values vals with the
// static graph g.
func sameAtValues(sg, g *ir.Graph, vals map[string]int64) error {
	if len(sg.Nodes) != len(g.Nodes) {
		return fmt.Errorf("%d nodes, the static graph has %d", len(sg.Nodes), len(g.Nodes))
	}
	for i, sn := range sg.Nodes {
		n := g.Nodes[i]
		at := fmt.Sprintf("node %q", sn.Name)
		if sn.Name != n.Name || sn.Kind != n.Kind || sn.DType != n.DType {
			return fmt.Errorf("%s (%s %s) against %q (%s %s)", at, sn.Kind, sn.DType, n.Name, n.Kind, n.DType)
		}
		for _, pair := range [][2][]ir.Size{{sn.Ranges, n.Ranges}, {sn.ReductionRanges, n.ReductionRanges}, {sn.Strides, n.Strides}} {
			if !slices.Equal(evalSizes(pair[0], vals), evalSizes(pair[1], vals)) {
				return fmt.Errorf("%s: sizes %s against %s", at, ir.SizesString(pair[0]), ir.SizesString(pair[1]))
			}
		}
		if sn.Call != nil {
			if len(sn.Call.Args) != len(n.Call.Args) {
				return fmt.Errorf("%s: %d call args against %d", at, len(sn.Call.Args), len(n.Call.Args))
			}
			for k, sv := range sn.Call.Args {
				v := n.Call.Args[k]
				if sv.Buffer != v.Buffer || sv.Offset != v.Offset ||
					!slices.Equal(evalSizes(sv.Shape, vals), evalSizes(v.Shape, vals)) ||
					!slices.Equal(evalSizes(sv.Strides, vals), evalSizes(v.Strides, vals)) {
					return fmt.Errorf("%s: view %d %s %s %s+%d against %s %s %s+%d", at, k,
						sv.Buffer, ir.SizesString(sv.Shape), ir.SizesString(sv.Strides), sv.Offset,
						v.Buffer, ir.SizesString(v.Shape), ir.SizesString(v.Strides), v.Offset)
				}
			}
			if !slices.Equal(evalSizes(sn.Call.OutShape, vals), evalSizes(n.Call.OutShape, vals)) {
				return fmt.Errorf("%s: out shape %s against %s", at, ir.SizesString(sn.Call.OutShape), ir.SizesString(n.Call.OutShape))
			}
		}
		if sn.Body == nil {
			continue
		}
		sl, l := indices(sn.Body), indices(n.Body)
		if len(sl) != len(l) {
			return fmt.Errorf("%s: %d indices against %d", at, len(sl), len(l))
		}
		// Every point of the node's loops.
		extents := map[string]int64{}
		for v, s := range n.VarSizes() {
			extents[v] = s.Eval(nil)
		}
		vars := make([]string, 0, len(extents))
		for v := range extents {
			vars = append(vars, v)
		}
		slices.Sort(vars)
		env := map[string]int64{}
		for k, v := range vals {
			env[k] = v
		}
		var walk func(k int) error
		walk = func(k int) error {
			if k == len(vars) {
				for j := range sl {
					if a, b := sl[j].Eval(env), l[j].Eval(env); a != b {
						return fmt.Errorf("%s: index %d %s is %d at %v, the static %s is %d", at, j, sl[j], a, env, l[j], b)
					}
				}
				return nil
			}
			for x := int64(0); x < extents[vars[k]]; x++ {
				env[vars[k]] = x
				if err := walk(k + 1); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(0); err != nil {
			return err
		}
	}
	return nil
}

// indices lists a body's load indices (each dim's) and index expressions,
// in walk order; the buffers of loads are part of what is compared.
func indices(e *ir.Expr) []ir.Index {
	var out []ir.Index
	e.Walk(func(x *ir.Expr) {
		switch x.Op {
		case ir.OpLoad:
			out = append(out, ir.ConstIndex(int64(len(x.Buffer)))) // a buffer's name, by length
			for _, ix := range x.Index {
				if _, ok := ix.IsIndirect(); ok {
					continue
				}
				out = append(out, ix)
			}
		case ir.OpIndex:
			if !x.Expr.HasSymbols() {
				out = append(out, x.Expr)
			}
		}
	})
	return out
}

// TestSymbolicCountIsRunTime checks that a mean over a symbolic dim
// divides by the size computed from the symbols, and a static one by a
// constant.
func TestSymbolicCountIsRunTime(t *testing.T) {
	b, B, S, _ := symbolicBuilder("mean")
	x := b.InputSizes("x", ir.Float32, B, S)
	b.Output("y", b.Mean(x, []int64{1}))
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	g.Node("y").Body.Walk(func(e *ir.Expr) {
		if e.Op == ir.OpIndex && strings.Contains(e.Expr.String(), "S") {
			found = true
		}
	})
	if !found {
		t.Errorf("mean over S divides by no run-time S: %v", g.Node("y").Body)
	}
}
