package ops_test

import (
	"fmt"
	"math"
	"strconv"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// A reference interpreter of the loop IR, for tests: it runs a validated
// graph on the CPU in float64 (integers exactly up to 2^53, bool as 0/1;
// half types are not rounded) and returns every output as a contiguous
// array. A reduction combines its row with its table entry's Fold.

type interp struct {
	g    *ir.Graph
	bufs map[string][]float64 // storage; inputs strided, nodes contiguous
}

// run evaluates g; inputs holds each input's storage (offset and strides
// applied as the buffer says).
func runGraph(g *ir.Graph, inputs map[string][]float64) (map[string][]float64, error) {
	it := &interp{g: g, bufs: map[string][]float64{}}
	for _, b := range g.Inputs {
		data, ok := inputs[b.Name]
		if !ok {
			return nil, fmt.Errorf("no data for input %q", b.Name)
		}
		if need := b.Offset + b.Extent().Eval(nil); int64(len(data)) < need {
			return nil, fmt.Errorf("input %q: %d elements of storage, need %d", b.Name, len(data), need)
		}
		it.bufs[b.Name] = data
	}
	order, err := ir.TopoOrder(g)
	if err != nil {
		return nil, err
	}
	for _, n := range order {
		if err := it.node(n); err != nil {
			return nil, fmt.Errorf("node %q: %w", n.Name, err)
		}
	}
	out := map[string][]float64{}
	for _, o := range g.Outputs {
		b := g.Lookup(o)
		out[o] = it.contiguous(b)
	}
	return out, nil
}

func (it *interp) contiguous(b *ir.Buffer) []float64 {
	n := iv(b.Numel())
	out := make([]float64, n)
	strides := ivs(b.StridesOrContiguous())
	shape := ivs(b.Shape)
	for flat := int64(0); flat < n; flat++ {
		off, rem := b.Offset, flat
		for d := len(shape) - 1; d >= 0; d-- {
			off += (rem % shape[d]) * strides[d]
			rem /= shape[d]
		}
		out[flat] = it.bufs[b.Name][off]
	}
	return out
}

// iv is a static size's value (the interpreter runs static graphs).
func iv(s ir.Size) int64 { return s.Eval(nil) }

// ivs are static sizes' values.
func ivs(xs []ir.Size) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = iv(x)
	}
	return out
}

// points calls f with every point of ranges, row-major, as variable values.
func points(ranges []int64, prefix func(int) string, env map[string]int64, f func() error) error {
	var rec func(d int) error
	rec = func(d int) error {
		if d == len(ranges) {
			return f()
		}
		for i := int64(0); i < ranges[d]; i++ {
			env[prefix(d)] = i
			if err := rec(d + 1); err != nil {
				return err
			}
		}
		return nil
	}
	return rec(0)
}

func (it *interp) node(n *ir.Node) error {
	if n.Kind == ir.Extern {
		return it.extern(n)
	}
	out := make([]float64, iv(n.Numel()))
	env := map[string]int64{}
	pos := 0
	strides := ivs(n.Buffer().StridesOrContiguous())
	err := points(ivs(n.Ranges), ir.RangeVar, env, func() error {
		if n.Kind == ir.Pointwise {
			v, err := it.eval(n.Body, env)
			if err != nil {
				return err
			}
			off := int64(0) // where the node's layout puts this point
			for d := range n.Ranges {
				off += env[ir.RangeVar(d)] * strides[d]
			}
			out[off] = convert(v, n.DType)
			return nil
		}
		var vals []float64
		err := points(ivs(n.ReductionRanges), ir.ReductionVar, env, func() error {
			v, err := it.eval(n.Body, env)
			vals = append(vals, v)
			return err
		})
		if err != nil {
			return err
		}
		out[pos] = convert(n.Reduction.Info().Fold(vals), n.DType)
		pos++
		return nil
	})
	it.bufs[n.Name] = out
	return err
}

// convert rounds v to what dtype t can hold (integers truncate, bool is 0
// or 1, float32 rounds; half types are left in float64).
func convert(v float64, t ir.DType) float64 {
	switch {
	case t == ir.Bool:
		if v != 0 {
			return 1
		}
		return 0
	case t.IsInt():
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
		return math.Trunc(v)
	case t == ir.Float32:
		return float64(float32(v))
	}
	return v
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (it *interp) eval(e *ir.Expr, env map[string]int64) (float64, error) {
	switch e.Op {
	case ir.OpConstant:
		return ops.Scalar{Value: e.Value}.Float(), nil
	case ir.OpIndex:
		return float64(e.Expr.Eval(env)), nil
	case ir.OpLoad:
		for _, g := range e.Guards {
			// A guarded load outside its guard reads nothing.
			if v, lo := g.Index.Eval(env), ir.SizeIndex(g.Lo).Eval(env); v < lo || v >= lo+ir.SizeIndex(g.Size).Eval(env) {
				return 0, nil
			}
		}
		b := it.g.Lookup(e.Buffer)
		strides := ivs(b.StridesOrContiguous())
		shape := ivs(b.Shape)
		off := b.Offset
		for d, ix := range e.Index {
			var i int64
			if k, ok := ix.IsIndirect(); ok {
				iv, err := it.eval(e.Indirect[k], env)
				if err != nil {
					return 0, err
				}
				i = int64(iv)
			} else {
				i = ix.Eval(env)
			}
			if i < 0 || i >= shape[d] {
				return 0, fmt.Errorf("load %s: index %d outside dimension %d (size %d)", e.Buffer, i, d, shape[d])
			}
			off += i * strides[d]
		}
		return it.bufs[e.Buffer][off], nil
	}
	args := make([]float64, len(e.Args))
	for i, a := range e.Args {
		v, err := it.eval(a, env)
		if err != nil {
			return 0, err
		}
		args[i] = v
	}
	t := e.DType
	if len(e.Args) > 0 && e.Args[0].DType != "" {
		t = e.Args[0].DType
	}
	a := args[0]
	var b float64
	if len(args) > 1 {
		b = args[1]
	}
	isInt := t.IsInt() || t == ir.Bool
	switch e.Op {
	case ir.OpCast:
		return convert(a, e.DType), nil
	case ir.OpWhere:
		if a != 0 {
			return args[1], nil
		}
		return args[2], nil
	case "exp":
		return math.Exp(a), nil
	case "exp2":
		return math.Exp2(a), nil
	case "expm1":
		return math.Expm1(a), nil
	case "log":
		return math.Log(a), nil
	case "log2":
		return math.Log2(a), nil
	case "log1p":
		return math.Log1p(a), nil
	case "sqrt":
		return math.Sqrt(a), nil
	case "rsqrt":
		return 1 / math.Sqrt(a), nil
	case "sin":
		return math.Sin(a), nil
	case "cos":
		return math.Cos(a), nil
	case "tanh":
		return math.Tanh(a), nil
	case "sigmoid":
		return 1 / (1 + math.Exp(-a)), nil
	case "erf":
		return math.Erf(a), nil
	case "reciprocal":
		return 1 / a, nil
	case "neg":
		return -a, nil
	case "abs":
		return math.Abs(a), nil
	case "relu":
		if a < 0 {
			return 0, nil
		}
		return a, nil
	case "floor":
		return math.Floor(a), nil
	case "ceil":
		return math.Ceil(a), nil
	case "round":
		return math.RoundToEven(a), nil
	case "sign":
		return b2f(a > 0) - b2f(a < 0), nil
	case "isnan":
		return b2f(math.IsNaN(a)), nil
	case "isinf":
		return b2f(math.IsInf(a, 0)), nil
	case "logical_not":
		return b2f(a == 0), nil
	case "add":
		return a + b, nil
	case "sub":
		return a - b, nil
	case "mul":
		return a * b, nil
	case "truediv":
		return a / b, nil
	case "floordiv":
		if isInt && b == 0 {
			return 0, fmt.Errorf("integer division by zero")
		}
		return math.Floor(a / b), nil
	case "mod":
		if isInt && b == 0 {
			return 0, fmt.Errorf("integer modulo by zero")
		}
		if isInt {
			r := math.Mod(a, b)
			if r != 0 && (r < 0) != (b < 0) {
				r += b
			}
			return r, nil
		}
		return a - math.Floor(a/b)*b, nil
	case "pow":
		return math.Pow(a, b), nil
	case "maximum":
		if math.IsNaN(a) || math.IsNaN(b) {
			return math.NaN(), nil
		}
		return math.Max(a, b), nil
	case "minimum":
		if math.IsNaN(a) || math.IsNaN(b) {
			return math.NaN(), nil
		}
		return math.Min(a, b), nil
	case "eq":
		return b2f(a == b), nil
	case "ne":
		return b2f(a != b), nil
	case "lt":
		return b2f(a < b), nil
	case "le":
		return b2f(a <= b), nil
	case "gt":
		return b2f(a > b), nil
	case "ge":
		return b2f(a >= b), nil
	case "logical_and":
		return b2f(a != 0 && b != 0), nil
	case "logical_or":
		return b2f(a != 0 || b != 0), nil
	case "bitwise_and":
		return float64(int64(a) & int64(b)), nil
	case "bitwise_or":
		return float64(int64(a) | int64(b)), nil
	case "bitwise_xor":
		return float64(int64(a) ^ int64(b)), nil
	}
	return 0, fmt.Errorf("interp: op %s", e.Op)
}

// extern computes an extern node: the matrix products, on the views of
// their arguments.
func (it *interp) extern(n *ir.Node) error {
	c := n.Call
	at := func(k int, idx ...int64) float64 {
		v := c.Args[k]
		off := v.Offset
		if b := it.g.Lookup(v.Buffer); b != nil {
			off += b.Offset
		}
		for d, i := range idx {
			off += i * iv(v.Strides[d])
		}
		return it.bufs[v.Buffer][off]
	}
	scalar := func(name string) float64 {
		for _, s := range c.Scalars {
			if s.Name == name {
				f, _ := strconv.ParseFloat(s.Value, 64)
				return f
			}
		}
		return 1
	}
	out := make([]float64, iv(n.Numel()))
	switch c.Target {
	case "mm", "addmm":
		a, b := 0, 1
		if c.Target == "addmm" {
			a, b = 1, 2
		}
		m, kk, nn := iv(c.Args[a].Shape[0]), iv(c.Args[a].Shape[1]), iv(c.Args[b].Shape[1])
		in := ivs(c.Args[0].Shape)
		for i := int64(0); i < m; i++ {
			for j := int64(0); j < nn; j++ {
				sum := 0.0
				for k := int64(0); k < kk; k++ {
					sum += at(a, i, k) * at(b, k, j)
				}
				if c.Target == "addmm" {
					// input broadcast to [M, N] from its trailing dims
					var idx []int64
					switch len(in) {
					case 1:
						idx = []int64{j % in[0]}
					case 2:
						idx = []int64{i % in[0], j % in[1]}
					}
					sum = scalar("beta")*at(0, idx...) + scalar("alpha")*sum
				}
				out[i*nn+j] = convert(sum, n.DType)
			}
		}
	case "bmm", "baddbmm":
		a, b := 0, 1
		if c.Target == "baddbmm" {
			a, b = 1, 2
		}
		bs, m, kk, nn := iv(c.Args[a].Shape[0]), iv(c.Args[a].Shape[1]), iv(c.Args[a].Shape[2]), iv(c.Args[b].Shape[2])
		in := ivs(c.Args[0].Shape)
		for q := int64(0); q < bs; q++ {
			for i := int64(0); i < m; i++ {
				for j := int64(0); j < nn; j++ {
					sum := 0.0
					for k := int64(0); k < kk; k++ {
						sum += at(a, q, i, k) * at(b, q, k, j)
					}
					if c.Target == "baddbmm" {
						// input broadcast to [B, M, N] from its trailing dims
						full := []int64{q, i, j}
						idx := make([]int64, len(in))
						for d := range idx {
							idx[d] = full[3-len(in)+d] % in[d]
						}
						sum = scalar("beta")*at(0, idx...) + scalar("alpha")*sum
					}
					out[(q*m+i)*nn+j] = convert(sum, n.DType)
				}
			}
		}
	default:
		return fmt.Errorf("extern target %q: no reference", c.Target)
	}
	it.bufs[n.Name] = out
	return nil
}
