package ops_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/ir"
)

// nd is a small dense row-major tensor for reference computations.
type nd struct {
	shape []int64
	data  []float64
}

func newND(shape ...int64) *nd {
	return &nd{shape: shape, data: make([]float64, prod(shape))}
}

// prod multiplies ints; the product of none is 1.
func prod(xs []int64) int64 {
	p := int64(1)
	for _, x := range xs {
		p *= x
	}
	return p
}

func (a *nd) flat(idx []int64) int64 {
	f := int64(0)
	for d, i := range idx {
		f = f*a.shape[d] + i
	}
	return f
}

func (a *nd) at(idx ...int64) float64     { return a.data[a.flat(idx)] }
func (a *nd) set(v float64, idx ...int64) { a.data[a.flat(idx)] = v }

// each calls f with every index of shape, row-major.
func each(shape []int64, f func(idx []int64)) {
	idx := make([]int64, len(shape))
	var rec func(d int)
	rec = func(d int) {
		if d == len(shape) {
			f(slices.Clone(idx))
			return
		}
		for i := int64(0); i < shape[d]; i++ {
			idx[d] = i
			rec(d + 1)
		}
	}
	rec(0)
}

// fill makes deterministic storage for an input: floats in about [-3, 3],
// integers in [-6, 6], bools.
func fill(b *ir.Buffer) []float64 {
	n := b.Offset + b.Extent().Eval(nil)
	out := make([]float64, n)
	for i := range out {
		switch {
		case b.DType == ir.Bool:
			out[i] = b2f(i%3 == 0)
		case b.DType.IsInt():
			out[i] = float64((i*7919)%13 - 6)
		default:
			out[i] = 3 * math.Sin(float64(i)*1.7+0.3)
		}
	}
	return out
}

// logical reads an input's storage as a dense tensor.
func logical(b *ir.Buffer, storage []float64) *nd {
	it := &interp{bufs: map[string][]float64{b.Name: storage}}
	return &nd{shape: ivs(b.Shape), data: it.contiguous(b)}
}

type numCase struct {
	name  string
	graph string // inputs, nodes and outputs of a graph file, without braces
	data  map[string][]float64
	want  func(in map[string]*nd) map[string]*nd
	tol   float64
}

func runCase(t *testing.T, c numCase) {
	t.Helper()
	src := `{"version": 1, "name": "t", ` + c.graph + `}`
	g, err := graphfile.Read([]byte(src))
	if err != nil {
		t.Fatalf("ReadGraph: %v", err)
	}
	storage := map[string][]float64{}
	in := map[string]*nd{}
	for _, b := range g.Inputs {
		s := c.data[b.Name]
		if s == nil {
			s = fill(b)
		}
		storage[b.Name] = s
		in[b.Name] = logical(b, s)
	}
	got, err := runGraph(g, storage)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	want := c.want(in)
	tol := c.tol
	if tol == 0 {
		tol = 1e-5
	}
	for _, o := range g.Outputs {
		w, ok := want[o]
		if !ok {
			t.Fatalf("no reference for output %q", o)
		}
		b := g.Lookup(o)
		if !slices.Equal(ivs(b.Shape), w.shape) {
			t.Errorf("%s: shape %v, want %v", o, b.Shape, w.shape)
			continue
		}
		for i, v := range got[o] {
			ref := w.data[i]
			if math.IsNaN(ref) && math.IsNaN(v) {
				continue
			}
			if math.Abs(v-ref) > tol*math.Max(1, math.Abs(ref)) || math.IsNaN(v) != math.IsNaN(ref) {
				t.Errorf("%s[%d] = %v, want %v", o, i, v, ref)
				break
			}
		}
	}
}

// mapND applies f to each element.
func mapND(a *nd, f func(float64) float64) *nd {
	out := newND(a.shape...)
	for i, v := range a.data {
		out.data[i] = f(v)
	}
	return out
}

func rowsOp(x *nd, f func(row []float64) []float64) *nd {
	r, c := x.shape[0], x.shape[1]
	out := newND(x.shape...)
	for i := int64(0); i < r; i++ {
		copy(out.data[i*c:(i+1)*c], f(x.data[i*c:(i+1)*c]))
	}
	return out
}

func softmaxRow(row []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, v)
	}
	s := 0.0
	for _, v := range row {
		s += math.Exp(v - m)
	}
	out := make([]float64, len(row))
	for i, v := range row {
		out[i] = math.Exp(v-m) / s
	}
	return out
}

func meanVar(row []float64) (float64, float64) {
	m := 0.0
	for _, v := range row {
		m += v
	}
	m /= float64(len(row))
	s := 0.0
	for _, v := range row {
		s += (v - m) * (v - m)
	}
	return m, s
}

func TestLoweringNumerics(t *testing.T) {
	cases := []numCase{
		{
			name: "pointwise chain with scalars",
			graph: `"inputs": [{"name": "a", "dtype": "float32", "shape": [3, 5]}, {"name": "b", "dtype": "float32", "shape": [5]}],
			"nodes": [{"name": "s", "op": "add", "args": ["a", "b"], "alpha": 2},
			          {"name": "r", "op": "relu", "args": ["s"]},
			          {"name": "y", "op": "mul", "args": ["r", 0.5]},
			          {"name": "z", "op": "sub", "args": [1, "y"]}],
			"outputs": ["y", "z"]`,
			want: func(in map[string]*nd) map[string]*nd {
				y, z := newND(3, 5), newND(3, 5)
				each(y.shape, func(i []int64) {
					v := math.Max(0, in["a"].at(i...)+2*in["b"].at(i[1]))
					y.set(v*0.5, i...)
					z.set(1-v*0.5, i...)
				})
				return map[string]*nd{"y": y, "z": z}
			},
		},
		{
			name: "integer division modes and remainder",
			graph: `"inputs": [{"name": "a", "dtype": "int32", "shape": [8]}, {"name": "b", "dtype": "int32", "shape": [8]}],
			"nodes": [{"name": "t", "op": "div", "args": ["a", "b"], "rounding_mode": "trunc"},
			          {"name": "f", "op": "div", "args": ["a", "b"], "rounding_mode": "floor"},
			          {"name": "q", "op": "div", "args": ["a", "b"]},
			          {"name": "m", "op": "remainder", "args": ["a", "b"]}],
			"outputs": ["t", "f", "q", "m"]`,
			data: map[string][]float64{"a": {7, -7, 7, -7, 6, -6, 0, 5}, "b": {2, 2, -2, -2, 3, 4, 3, -3}},
			want: func(in map[string]*nd) map[string]*nd {
				tr, fl, q, m := newND(8), newND(8), newND(8), newND(8)
				for i := range 8 {
					a, b := in["a"].data[i], in["b"].data[i]
					tr.data[i] = math.Trunc(a / b)
					fl.data[i] = math.Floor(a / b)
					q.data[i] = float64(float32(a / b))
					m.data[i] = a - math.Floor(a/b)*b
				}
				return map[string]*nd{"t": tr, "f": fl, "q": q, "m": m}
			},
		},
		{
			name: "views of a transposed input",
			graph: `"inputs": [{"name": "x", "dtype": "float32", "shape": [4, 6], "strides": [1, 4]}],
			"nodes": [{"name": "p", "op": "permute", "args": ["x"], "dims": [1, 0]},
			          {"name": "v", "op": "reshape", "args": ["x"], "shape": [2, -1, 3]},
			          {"name": "s", "op": "slice", "args": ["v"], "dim": 1, "start": 1, "step": 2},
			          {"name": "e", "op": "select", "args": ["s"], "dim": -1, "index": -1},
			          {"name": "f", "op": "flatten", "args": ["p"]},
			          {"name": "n", "op": "narrow", "args": ["f"], "dim": 0, "start": 5, "length": 7},
			          {"name": "u", "op": "unsqueeze", "args": ["n"], "dim": 0},
			          {"name": "w", "op": "expand", "args": ["u"], "shape": [3, -1]},
			          {"name": "q", "op": "squeeze", "args": ["u"]}],
			"outputs": ["p", "e", "w", "q"]`,
			want: func(in map[string]*nd) map[string]*nd {
				x := in["x"]
				p := newND(6, 4)
				each(p.shape, func(i []int64) { p.set(x.at(i[1], i[0]), i...) })
				// v = x.reshape(2,4,3); s = v[:, 1::2]; e = s[..., -1]
				e := newND(2, 2)
				each(e.shape, func(i []int64) {
					flat := i[0]*12 + (1+2*i[1])*3 + 2
					e.set(x.data[flat], i...)
				})
				w, q := newND(3, 7), newND(7)
				each(w.shape, func(i []int64) { w.set(p.data[5+i[1]], i...) })
				each(q.shape, func(i []int64) { q.set(p.data[5+i[0]], i...) })
				return map[string]*nd{"p": p, "e": e, "w": w, "q": q}
			},
		},
		{
			name: "constant pad of two dims",
			graph: `"inputs": [{"name": "x", "dtype": "float32", "shape": [3, 4]}],
			"nodes": [{"name": "y", "op": "pad", "args": ["x"], "pad": [1, 2, 0, 1], "value": -1}],
			"outputs": ["y"]`,
			want: func(in map[string]*nd) map[string]*nd {
				x := in["x"]
				y := newND(4, 7)
				each(y.shape, func(i []int64) {
					v := -1.0
					if i[0] < 3 && i[1] >= 1 && i[1] < 5 {
						v = x.at(i[0], i[1]-1)
					}
					y.set(v, i...)
				})
				return map[string]*nd{"y": y}
			},
		},
		{
			name: "chunk, split and cat",
			graph: `"inputs": [{"name": "x", "dtype": "float32", "shape": [3, 7]}, {"name": "k", "dtype": "int32", "shape": [3, 2]}],
			"nodes": [{"outputs": ["a", "b", "c"], "op": "chunk", "args": ["x"], "chunks": 3, "dim": 1},
			          {"outputs": ["d", "e"], "op": "split", "args": ["x"], "split_size": [2, 5], "dim": -1},
			          {"name": "y", "op": "cat", "args": ["c", "a", "k", "d"], "dim": 1}],
			"outputs": ["y", "b", "e"]`,
			want: func(in map[string]*nd) map[string]*nd {
				x, k := in["x"], in["k"]
				y := newND(3, 1+3+2+2)
				each(y.shape, func(i []int64) {
					r, j := i[0], i[1]
					var v float64
					switch {
					case j < 1:
						v = x.at(r, 6)
					case j < 4:
						v = x.at(r, j-1)
					case j < 6:
						v = k.at(r, j-4)
					default:
						v = x.at(r, j-6)
					}
					y.set(v, i...)
				})
				b, e := newND(3, 3), newND(3, 5)
				each(b.shape, func(i []int64) { b.set(x.at(i[0], 3+i[1]), i...) })
				each(e.shape, func(i []int64) { e.set(x.at(i[0], 2+i[1]), i...) })
				return map[string]*nd{"y": y, "b": b, "e": e}
			},
		},
		{
			name: "reductions",
			graph: `"inputs": [{"name": "x", "dtype": "float32", "shape": [3, 4, 5]}, {"name": "k", "dtype": "int32", "shape": [3, 4]}],
			"nodes": [{"name": "s", "op": "sum", "args": ["x"], "dims": [0, 2], "keepdim": true},
			          {"name": "m", "op": "mean", "args": ["x"], "dim": -1},
			          {"name": "ks", "op": "sum", "args": ["k"]},
			          {"name": "am", "op": "argmax", "args": ["x"]},
			          {"name": "an", "op": "argmin", "args": ["x"], "dim": 1, "keepdim": true},
			          {"name": "mx", "op": "amax", "args": ["x"], "dims": [1, 2]},
			          {"name": "al", "op": "all", "args": ["k"], "dim": 1},
			          {"name": "v", "op": "var", "args": ["x"], "dim": 2, "correction": 0},
			          {"name": "sd", "op": "std", "args": ["x"], "dim": 2},
			          {"outputs": ["vv", "mm"], "op": "var_mean", "args": ["x"], "dims": [2]},
			          {"name": "l", "op": "logsumexp", "args": ["x"], "dims": [2]}],
			"outputs": ["s", "m", "ks", "am", "an", "mx", "al", "v", "sd", "vv", "mm", "l"]`,
			want: func(in map[string]*nd) map[string]*nd {
				x, k := in["x"], in["k"]
				s, m := newND(1, 4, 1), newND(3, 4)
				ks := newND()
				for _, v := range k.data {
					ks.data[0] += v
				}
				am := newND()
				best := 0
				for i, v := range x.data {
					if v > x.data[best] {
						best = i
					}
				}
				am.data[0] = float64(best)
				an, mx, al := newND(3, 1, 5), newND(3), newND(3)
				v, sd, l := newND(3, 4), newND(3, 4), newND(3, 4)
				each(x.shape, func(i []int64) { s.data[i[1]] += x.at(i...) })
				each(m.shape, func(i []int64) {
					row := x.data[(i[0]*4+i[1])*5 : (i[0]*4+i[1]+1)*5]
					mean, m2 := meanVar(row)
					m.set(mean, i...)
					v.set(m2/5, i...)
					sd.set(math.Sqrt(m2/4), i...)
					mmax := math.Inf(-1)
					for _, r := range row {
						mmax = math.Max(mmax, r)
					}
					e := 0.0
					for _, r := range row {
						e += math.Exp(r - mmax)
					}
					l.set(mmax+math.Log(e), i...)
				})
				each(an.shape, func(i []int64) {
					b := int64(0)
					for j := int64(0); j < 4; j++ {
						if x.at(i[0], j, i[2]) < x.at(i[0], b, i[2]) {
							b = j
						}
					}
					an.set(float64(b), i...)
				})
				for r := int64(0); r < 3; r++ {
					mx.data[r] = math.Inf(-1)
					for j := int64(0); j < 20; j++ {
						mx.data[r] = math.Max(mx.data[r], x.data[r*20+j])
					}
					all := 1.0
					for j := int64(0); j < 4; j++ {
						if k.at(r, j) == 0 {
							all = 0
						}
					}
					al.data[r] = all
				}
				vv := newND(3, 4)
				each(vv.shape, func(i []int64) { vv.set(sd.at(i...)*sd.at(i...), i...) })
				return map[string]*nd{"s": s, "m": m, "ks": ks, "am": am, "an": an, "mx": mx, "al": al,
					"v": v, "sd": sd, "vv": vv, "mm": m, "l": l}
			},
		},
		{
			name: "softmax, log_softmax, layer_norm and rms_norm",
			graph: `"inputs": [{"name": "x", "dtype": "float32", "shape": [4, 9]}, {"name": "w", "dtype": "float32", "shape": [9]}, {"name": "b", "dtype": "float32", "shape": [9]}],
			"nodes": [{"name": "sm", "op": "softmax", "args": ["x"], "dim": 1},
			          {"name": "ls", "op": "log_softmax", "args": ["x"], "dim": -1},
			          {"name": "ln", "op": "layer_norm", "args": ["x"], "normalized_shape": [9], "weight": "w", "bias": "b", "eps": 1e-5},
			          {"name": "rn", "op": "rms_norm", "args": ["x"], "normalized_shape": [9], "weight": "w", "eps": 1e-6}],
			"outputs": ["sm", "ls", "ln", "rn"]`,
			want: func(in map[string]*nd) map[string]*nd {
				x, w, b := in["x"], in["w"], in["b"]
				sm := rowsOp(x, softmaxRow)
				ls := mapND(sm, math.Log)
				ln := rowsOp(x, func(row []float64) []float64 {
					m, m2 := meanVar(row)
					out := make([]float64, len(row))
					for i, v := range row {
						out[i] = (v-m)/math.Sqrt(m2/float64(len(row))+1e-5)*w.data[i] + b.data[i]
					}
					return out
				})
				rn := rowsOp(x, func(row []float64) []float64 {
					ss := 0.0
					for _, v := range row {
						ss += v * v
					}
					out := make([]float64, len(row))
					for i, v := range row {
						out[i] = v / math.Sqrt(ss/float64(len(row))+1e-6) * w.data[i]
					}
					return out
				})
				return map[string]*nd{"sm": sm, "ls": ls, "ln": ln, "rn": rn}
			},
		},
		{
			name: "cross_entropy with ignored rows, gather, index_select, embedding",
			graph: `"inputs": [{"name": "x", "dtype": "float32", "shape": [5, 7]}, {"name": "t", "dtype": "int64", "shape": [5]},
			                   {"name": "gi", "dtype": "int64", "shape": [5, 3]}, {"name": "ids", "dtype": "int32", "shape": [2, 2]}],
			"nodes": [{"name": "ce", "op": "cross_entropy", "args": ["x", "t"]},
			          {"name": "cs", "op": "cross_entropy", "args": ["x", "t"], "reduction": "none"},
			          {"name": "xt", "op": "transpose", "args": ["x"], "dim0": 0, "dim1": 1},
			          {"name": "g", "op": "gather", "args": ["x", "gi"], "dim": 1},
			          {"name": "isel", "op": "index_select", "args": ["xt", "ids2"], "dim": 1},
			          {"name": "ids2", "op": "flatten", "args": ["ids"]},
			          {"name": "em", "op": "embedding", "args": ["ids", "xt"]}],
			"outputs": ["ce", "cs", "g", "isel", "em"]`,
			data: map[string][]float64{
				"t":   {3, -100, 0, 6, -100},
				"gi":  {0, 6, 6, 1, 2, 3, 5, 5, 5, 0, 0, 0, 4, 3, 2},
				"ids": {4, 0, 3, 2},
			},
			want: func(in map[string]*nd) map[string]*nd {
				x, tg, gi, ids := in["x"], in["t"], in["gi"], in["ids"]
				cs := newND(5)
				total, count := 0.0, 0.0
				for i := int64(0); i < 5; i++ {
					if tg.data[i] == -100 {
						continue
					}
					row := x.data[i*7 : i*7+7]
					p := softmaxRow(row)
					cs.data[i] = -math.Log(p[int(tg.data[i])])
					total += cs.data[i]
					count++
				}
				ce := newND()
				ce.data[0] = total / count
				g := newND(5, 3)
				each(g.shape, func(i []int64) { g.set(x.at(i[0], int64(gi.at(i...))), i...) })
				is := newND(7, 4)
				each(is.shape, func(i []int64) { is.set(x.at(int64(ids.data[i[1]]), i[0]), i...) })
				em := newND(2, 2, 5)
				each(em.shape, func(i []int64) { em.set(x.at(i[2], int64(ids.at(i[0], i[1]))), i...) })
				return map[string]*nd{"ce": ce, "cs": cs, "g": g, "isel": is, "em": em}
			},
		},
		{
			name: "promotion, comparisons, logical and bitwise ops",
			graph: `"inputs": [{"name": "k", "dtype": "int32", "shape": [6]}, {"name": "u", "dtype": "uint8", "shape": [6]},
			                   {"name": "i8", "dtype": "int8", "shape": [6]}, {"name": "m", "dtype": "bool", "shape": [6]},
			                   {"name": "d", "dtype": "float64", "shape": []}],
			"nodes": [{"name": "a", "op": "add", "args": ["k", 2.5]},
			          {"name": "b", "op": "add", "args": ["u", "i8"]},
			          {"name": "c", "op": "mul", "args": ["k", "d"]},
			          {"name": "e", "op": "add", "args": ["m", "m"]},
			          {"name": "f", "op": "bitwise_xor", "args": ["k", 5]},
			          {"name": "g", "op": "logical_and", "args": ["k", "m"]},
			          {"name": "h", "op": "ge", "args": ["k", 0.5]},
			          {"name": "w", "op": "where", "args": ["m", "k", -1]},
			          {"name": "cl", "op": "clamp", "args": ["k"], "min": -2, "max": 3},
			          {"name": "p", "op": "pow", "args": ["k", 3]},
			          {"name": "ab", "op": "abs", "args": ["k"]},
			          {"name": "ex", "op": "exp", "args": ["k"]},
			          {"name": "to", "op": "to", "args": ["ex"], "dtype": "int16"}],
			"outputs": ["a", "b", "c", "e", "f", "g", "h", "w", "cl", "p", "ab", "ex", "to"]`,
			data: map[string][]float64{"k": {-3, -1, 0, 1, 2, 4}, "u": {0, 1, 200, 255, 3, 7}, "i8": {-128, 5, 100, -1, 0, 127},
				"m": {1, 0, 1, 1, 0, 0}, "d": {1.5}},
			want: func(in map[string]*nd) map[string]*nd {
				k, u, i8, m, d := in["k"], in["u"], in["i8"], in["m"], in["d"]
				out := map[string]*nd{}
				for _, n := range []string{"a", "b", "c", "e", "f", "g", "h", "w", "cl", "p", "ab", "ex", "to"} {
					out[n] = newND(6)
				}
				for i := range 6 {
					kv := k.data[i]
					out["a"].data[i] = kv + 2.5
					out["b"].data[i] = u.data[i] + i8.data[i]
					out["c"].data[i] = kv * d.data[0]
					out["e"].data[i] = m.data[i]
					out["f"].data[i] = float64(int64(kv) ^ 5)
					out["g"].data[i] = b2f(kv != 0 && m.data[i] != 0)
					out["h"].data[i] = b2f(kv >= 0.5)
					if m.data[i] != 0 {
						out["w"].data[i] = kv
					} else {
						out["w"].data[i] = -1
					}
					out["cl"].data[i] = math.Min(math.Max(kv, -2), 3)
					out["p"].data[i] = kv * kv * kv
					out["ab"].data[i] = math.Abs(kv)
					out["ex"].data[i] = float64(float32(math.Exp(kv)))
					out["to"].data[i] = math.Trunc(float64(float32(math.Exp(kv))))
				}
				return out
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runCase(t, c) })
	}
}

// TestLoweringDTypes checks result dtypes against torch's rules.
func TestLoweringDTypes(t *testing.T) {
	cases := []struct {
		inputs string
		node   string
		want   ir.DType
	}{
		{`{"name": "a", "dtype": "int32", "shape": [2]}`, `{"name": "y", "op": "add", "args": ["a", 2]}`, ir.Int32},
		{`{"name": "a", "dtype": "int32", "shape": [2]}`, `{"name": "y", "op": "add", "args": ["a", 2.0]}`, ir.Float32},
		{`{"name": "a", "dtype": "bool", "shape": [2]}`, `{"name": "y", "op": "add", "args": ["a", 2]}`, ir.Int64},
		{`{"name": "a", "dtype": "bfloat16", "shape": [2]}`, `{"name": "y", "op": "mul", "args": ["a", 0.5]}`, ir.BFloat16},
		{`{"name": "a", "dtype": "float16", "shape": [2]}, {"name": "b", "dtype": "bfloat16", "shape": [2]}`, `{"name": "y", "op": "add", "args": ["a", "b"]}`, ir.Float32},
		{`{"name": "a", "dtype": "uint8", "shape": [2]}, {"name": "b", "dtype": "int8", "shape": [2]}`, `{"name": "y", "op": "add", "args": ["a", "b"]}`, ir.Int16},
		{`{"name": "a", "dtype": "int64", "shape": [2]}, {"name": "b", "dtype": "float64", "shape": []}`, `{"name": "y", "op": "add", "args": ["a", "b"]}`, ir.Float64},
		{`{"name": "a", "dtype": "float32", "shape": [2]}, {"name": "b", "dtype": "float64", "shape": []}`, `{"name": "y", "op": "add", "args": ["a", "b"]}`, ir.Float32},
		{`{"name": "a", "dtype": "int16", "shape": [2]}, {"name": "b", "dtype": "int64", "shape": []}`, `{"name": "y", "op": "add", "args": ["a", "b"]}`, ir.Int16},
		{`{"name": "a", "dtype": "int32", "shape": [2]}`, `{"name": "y", "op": "div", "args": ["a", 2]}`, ir.Float32},
		{`{"name": "a", "dtype": "int32", "shape": [2]}`, `{"name": "y", "op": "div", "args": ["a", 2], "rounding_mode": "floor"}`, ir.Int32},
		{`{"name": "a", "dtype": "int32", "shape": [2]}`, `{"name": "y", "op": "sqrt", "args": ["a"]}`, ir.Float32},
		{`{"name": "a", "dtype": "bool", "shape": [2]}`, `{"name": "y", "op": "sum", "args": ["a"]}`, ir.Int64},
		{`{"name": "a", "dtype": "bfloat16", "shape": [2]}`, `{"name": "y", "op": "sum", "args": ["a"]}`, ir.BFloat16},
		{`{"name": "a", "dtype": "int32", "shape": [2]}`, `{"name": "y", "op": "mean", "args": ["a"], "dtype": "float64"}`, ir.Float64},
		{`{"name": "a", "dtype": "uint8", "shape": [2]}`, `{"name": "y", "op": "any", "args": ["a"]}`, ir.Uint8},
		{`{"name": "a", "dtype": "float32", "shape": [2]}`, `{"name": "y", "op": "argmax", "args": ["a"]}`, ir.Int64},
		{`{"name": "a", "dtype": "int32", "shape": [2]}`, `{"name": "y", "op": "logsumexp", "args": ["a"], "dims": [0]}`, ir.Float32},
		{`{"name": "a", "dtype": "bfloat16", "shape": [2, 3]}`, `{"name": "y", "op": "softmax", "args": ["a"], "dim": 1}`, ir.BFloat16},
		{`{"name": "a", "dtype": "bfloat16", "shape": [2, 3]}`, `{"name": "y", "op": "softmax", "args": ["a"], "dim": 1, "dtype": "float32"}`, ir.Float32},
		{`{"name": "a", "dtype": "int32", "shape": [2]}`, `{"name": "y", "op": "full", "shape": [3], "value": 1.5}`, ir.Float32},
		{`{"name": "a", "dtype": "int32", "shape": [2]}`, `{"name": "y", "op": "full", "shape": [3], "value": 7}`, ir.Int64},
		{`{"name": "a", "dtype": "int32", "shape": [2]}, {"name": "b", "dtype": "float16", "shape": [2]}`, `{"name": "y", "op": "cat", "args": ["a", "b"]}`, ir.Float16},
		{`{"name": "a", "dtype": "int32", "shape": [2]}`, `{"name": "y", "op": "clamp", "args": ["a"], "min": 0.5}`, ir.Float32},
		{`{"name": "a", "dtype": "int32", "shape": [2]}`, `{"name": "y", "op": "where", "args": ["m", "a", 1.0]}`, ir.Float32},
	}
	for _, c := range cases {
		t.Run(c.node, func(t *testing.T) {
			src := fmt.Sprintf(`{"version": 1, "name": "t", "inputs": [%s, {"name": "m", "dtype": "bool", "shape": [2]}], "nodes": [%s], "outputs": ["y"]}`, c.inputs, c.node)
			g, err := graphfile.Read([]byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if got := g.Lookup("y").DType; got != c.want {
				t.Errorf("dtype %s, want %s", got, c.want)
			}
		})
	}
}

func TestLoweringErrors(t *testing.T) {
	x := `{"name": "x", "dtype": "float32", "shape": [8, 16]}, {"name": "k", "dtype": "int32", "shape": [8]}, {"name": "w", "dtype": "float32", "shape": [8, 15]}`
	cases := []struct {
		nodes   string
		outputs string
		want    string
	}{
		{`{"name": "y", "op": "softmax", "args": ["x"], "dim": 2}`, `"y"`, `nodes[0] "y".dim: dim 2 out of range for a 2-d tensor (want -2 to 1)`},
		{`{"name": "y", "op": "add", "args": ["x", "w"]}`, `"y"`, `nodes[0] "y".args: shapes [8, 16] and [8, 15] do not broadcast (dimension -1: 16 against 15)`},
		{`{"name": "y", "op": "gather", "args": ["x", "k"], "dim": 0}`, `"y"`, `nodes[0] "y".args[1]: wrong dtype for an index: gather needs int64 indices, got int32`},
		{`{"name": "y", "op": "embedding", "args": ["x", "w"]}`, `"y"`, `nodes[0] "y".args[0]: wrong dtype for an index: embedding needs int32 or int64 indices, got float32`},
		{`{"name": "y", "op": "view", "args": ["x"], "shape": [7, 16]}`, `"y"`, `nodes[0] "y".shape: view size mismatch: shape [7, 16] (112 elements) is invalid for an input of shape [8, 16] (128 elements)`},
		{`{"name": "y", "op": "view", "args": ["x"], "shape": [-1, 3]}`, `"y"`, `nodes[0] "y".shape: shape [-1, 3] is invalid for an input of 128 elements`},
		{`{"name": "y", "op": "softmax", "args": ["x"], "dim": 1, "keepdim": true}`, `"y"`, `nodes[0] "y".keepdim: softmax has no field keepdim (it takes fields dim, dtype)`},
		{`{"name": "y", "op": "softmax", "args": ["x"]}`, `"y"`, `nodes[0] "y".dim: softmax needs the field dim`},
		{`{"name": "y", "op": "softmaxx", "args": ["x"]}`, `"y"`, `nodes[0] "y".op: unknown op "softmaxx"`},
		{`{"name": "y", "op": "exp", "args": ["nope"]}`, `"y"`, `nodes[0] "y".args[0]: undefined buffer "nope"`},
		{`{"name": "y", "op": "exp", "args": ["x", "x"]}`, `"y"`, `nodes[0] "y".args: exp takes 1 argument(s), got 2`},
		{`{"name": "y", "op": "softmax", "args": ["x"], "dim": 1}, {"name": "y_max", "op": "exp", "args": ["x"]}`, `"y"`, `nodes[0] "y": lowering softmax makes a node named "y_max", but nodes[1] "y_max" already uses that name`},
		{`{"name": "y", "op": "exp", "args": ["z"]}, {"name": "z", "op": "exp", "args": ["y"]}`, `"y"`, `cycle: y -> z -> y`},
		{`{"outputs": ["a", "b"], "op": "chunk", "args": ["x"], "chunks": 3, "dim": 1}`, `"a"`, `nodes[0] "a, b".outputs: chunk gives 3 results here, but outputs names 2`},
		{`{"name": "y", "op": "chunk", "args": ["x"], "chunks": 3}`, `"y"`, `nodes[0] "y".name: chunk has several results: name them with outputs instead of name`},
		{`{"name": "y", "op": "sub", "args": ["m", "m"]}`, `"y"`, `nodes[0] "y".args: subtraction, the - operator, with a bool tensor is not supported`},
		{`{"name": "y", "op": "add", "args": ["k", 1], "alpha": 0.5}`, `"y"`, `nodes[0] "y".alpha: for int32 inputs alpha must be an integer, got 0.5`},
		{`{"name": "y", "op": "add", "args": ["k8", 300]}`, `"y"`, `nodes[0] "y".args[1]: the number 300 cannot be converted to int8`},
		{`{"name": "y", "op": "layer_norm", "args": ["x"], "normalized_shape": [15]}`, `"y"`, `nodes[0] "y".normalized_shape: normalized_shape [15] does not match the last dims of the input's shape [8, 16]`},
		{`{"name": "y", "op": "cross_entropy", "args": ["x", "k"]}`, `"y"`, `nodes[0] "y".args[1]: cross_entropy needs int64 class indices as target, got int32`},
		{`{"name": "y", "op": "bitwise_and", "args": ["x", 1]}`, `"y"`, `nodes[0] "y".args: bitwise_and is only defined for integer and bool tensors, got float32`},
		{`{"name": "y", "op": "permute", "args": ["x"], "dims": [0, 0]}`, `"y"`, `nodes[0] "y".dims: dim 0 appears twice in [0, 0]`},
		{`{"name": "y", "op": "slice", "args": ["x"], "dim": 1, "start": 16}`, `"y"`, `nodes[0] "y".end: slice [16:] of a dim of size 16 is empty`},
		{`{"name": "y", "op": "select", "args": ["x"], "dim": 0, "index": 8}`, `"y"`, `nodes[0] "y".index: index 8 out of range for dim 0 of size 8`},
		{`{"name": "y", "op": "cat", "args": ["x", "w"], "dim": 0}`, `"y"`, `nodes[0] "y".args[1]: sizes of tensors must match except in dim 0: shapes [8, 16] and [8, 15] differ in dim 1`},
		{`{"name": "y", "op": "where", "args": ["x", "x", 0]}`, `"y"`, `nodes[0] "y".args[0]: where needs a bool tensor as condition, got a float32 tensor`},
		{`{"name": "y", "op": "exp", "args": ["x"]}`, `"nope"`, `outputs[0]: output "nope" is not an input or a node`},
		{`{"name": "x", "op": "exp", "args": ["k"]}`, `"x"`, `nodes[0].name: duplicate name "x" (first defined at inputs[0])`},
		{`{"name": "y", "kind": "pointwise", "op": "exp"}`, `"y"`, `nodes[0] "y".kind: a node has either kind (a loop node) or op (a tensor op), not both`},
		{`{"name": "y", "op": "mean", "args": ["k"]}`, `"y"`, `nodes[0] "y".args[0]: mean needs a float tensor (or a float dtype), got int32`},
		{`{"name": "y", "op": "div", "args": ["x", 2], "rounding_mode": "round"}`, `"y"`, `nodes[0] "y".rounding_mode: want "trunc" or "floor"`},
		{`{"name": "y", "op": "gelu", "args": [2.0]}`, `"y"`, `nodes[0] "y".args[0]: gelu needs a tensor, got the number 2.0`},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			src := fmt.Sprintf(`{"version": 1, "name": "t", "inputs": [%s, {"name": "m", "dtype": "bool", "shape": [8]}, {"name": "k8", "dtype": "int8", "shape": [8]}], "nodes": [%s], "outputs": [%s]}`, x, c.nodes, c.outputs)
			_, err := graphfile.Read([]byte(src))
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}
