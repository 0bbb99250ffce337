package ops_test

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/fusion"
	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/kernel"
	"github.com/fusegen/fusegen/ops"
)

// A random program of tensor ops over ranks 1 to 5, built twice: with the
// Builder, and as a dense float64 reference computed here from torch's
// semantics. Steps are op names and their arguments, so that a failing
// program can be shrunk and printed.
type rankProgram struct {
	shape []int64 // the input's
	// channelsLast lays a rank-4 or rank-5 input out channels_last, whose
	// pointwise results keep that layout.
	channelsLast bool
	other        []int64 // the second input's, broadcastable to the first
	steps        []rankStep
}

type rankStep struct {
	op   string // neg, sigmoid, add, mul, permute, flatten, sum, amax, mean, softmax, sub_mean
	dims []int64
	keep bool
}

func (p rankProgram) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "x %v (channels_last %v), w %v:", p.shape, p.channelsLast, p.other)
	for _, s := range p.steps {
		fmt.Fprintf(&b, " %s%v", s.op, s.dims)
		if s.keep {
			b.WriteString("(keepdim)")
		}
	}
	return b.String()
}

func randShape(r *rand.Rand, rank int) []int64 {
	sizes := []int64{1, 2, 3, 5, 7, 4}
	shape := make([]int64, rank)
	for d := range shape {
		shape[d] = sizes[r.Intn(len(sizes))]
	}
	return shape
}

// randProgram makes a program over one input of rank 1 to 5 and a second
// input broadcast against it (leading dims dropped, some dims of size 1).
func randProgram(r *rand.Rand) rankProgram {
	p := rankProgram{shape: randShape(r, 1+r.Intn(5))}
	p.channelsLast = len(p.shape) >= 4 && r.Intn(2) == 0
	lead := r.Intn(len(p.shape))
	for d := lead; d < len(p.shape); d++ {
		n := p.shape[d]
		if r.Intn(3) == 0 {
			n = 1
		}
		p.other = append(p.other, n)
	}
	rank := len(p.shape)
	for range 1 + r.Intn(4) {
		if rank == 0 {
			break
		}
		var s rankStep
		switch k := r.Intn(9); {
		case k == 0:
			s.op = "neg"
		case k == 1:
			s.op = "sigmoid"
		case k <= 3:
			s.op = []string{"add", "mul"}[r.Intn(2)]
		case k == 4:
			s.op = "permute"
			s.dims = make([]int64, rank)
			for i, d := range r.Perm(rank) {
				s.dims[i] = int64(d)
			}
		case k == 5 && rank >= 2:
			start := r.Intn(rank - 1)
			s.op, s.dims = "flatten", []int64{int64(start), int64(start + 1 + r.Intn(rank-1-start))}
			rank -= int(s.dims[1] - s.dims[0])
		case k == 6:
			s.op = []string{"sum", "amax", "mean"}[r.Intn(3)]
			for d := 0; d < rank; d++ {
				if r.Intn(2) == 0 {
					s.dims = append(s.dims, int64(d))
				}
			}
			if len(s.dims) == 0 {
				s.dims = []int64{int64(r.Intn(rank))}
			}
			s.keep = r.Intn(2) == 0
			if !s.keep {
				rank -= len(s.dims)
			}
		case k == 7:
			s.op, s.dims = "softmax", []int64{int64(r.Intn(rank))}
		default:
			s.op, s.dims = "sub_mean", []int64{int64(rank - 1)}
		}
		if s.op == "" {
			continue
		}
		// add and mul broadcast the second input only while the shape is
		// the input's own.
		if (s.op == "add" || s.op == "mul") && len(p.steps) > 0 {
			s.op = "neg"
		}
		p.steps = append(p.steps, s)
	}
	return p
}

// build records the program with the Builder; ok is false when the
// Builder refused it (it is checked separately).
func (p rankProgram) build() (*ops.Builder, error) {
	b := ops.NewBuilder("rank", "cuda")
	var x *ops.Tensor
	if p.channelsLast {
		order := []int{0}
		for d := 2; d < len(p.shape); d++ {
			order = append(order, d)
		}
		x = b.InputStridedSizes("x", ir.Float32, ir.Sizes(p.shape...), ir.StridesFor(ir.Sizes(p.shape...), append(order, 1)), 0)
	} else {
		x = b.Input("x", ir.Float32, p.shape...)
	}
	w := b.Input("w", ir.Float32, p.other...)
	for _, s := range p.steps {
		switch s.op {
		case "neg":
			x = b.Neg(x)
		case "sigmoid":
			x = b.Sigmoid(x)
		case "add":
			x = b.Add(x, w)
		case "mul":
			x = b.Mul(x, w)
		case "permute":
			x = b.Permute(x, s.dims...)
		case "flatten":
			x = b.Flatten(x, s.dims[0], s.dims[1])
		case "sum":
			x = b.Sum(x, s.dims, ops.KeepDim(s.keep))
		case "amax":
			x = b.Amax(x, s.dims, ops.KeepDim(s.keep))
		case "mean":
			x = b.Mean(x, s.dims, ops.KeepDim(s.keep))
		case "softmax":
			x = b.Softmax(x, s.dims[0])
		case "sub_mean":
			x = b.Sub(x, b.Mean(x, s.dims, ops.KeepDim(true)))
		}
	}
	b.Output("y", x)
	return b, nil
}

// reference computes the program on dense arrays.
func (p rankProgram) reference(x, w *nd) *nd {
	for _, s := range p.steps {
		switch s.op {
		case "neg":
			x = mapND(x, func(v float64) float64 { return -v })
		case "sigmoid":
			x = mapND(x, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) })
		case "add":
			x = broadcastND(x, w, func(a, b float64) float64 { return a + b })
		case "mul":
			x = broadcastND(x, w, func(a, b float64) float64 { return a * b })
		case "permute":
			x = permuteND(x, s.dims)
		case "flatten":
			shape := slices.Clone(x.shape[:s.dims[0]])
			shape = append(shape, prod(x.shape[s.dims[0]:s.dims[1]+1]))
			shape = append(shape, x.shape[s.dims[1]+1:]...)
			x = &nd{shape: shape, data: x.data}
		case "sum", "amax", "mean":
			x = reduceND(x, s.dims, s.keep, s.op)
		case "softmax":
			m := reduceND(x, s.dims, true, "amax")
			e := broadcastND(x, m, func(a, b float64) float64 { return math.Exp(a - b) })
			x = broadcastND(e, reduceND(e, s.dims, true, "sum"), func(a, b float64) float64 { return a / b })
		case "sub_mean":
			x = broadcastND(x, reduceND(x, s.dims, true, "mean"), func(a, b float64) float64 { return a - b })
		}
	}
	return x
}

// broadcastND applies f to a and b broadcast to a's shape (b's dims align
// with a's trailing dims).
func broadcastND(a, b *nd, f func(x, y float64) float64) *nd {
	out := newND(a.shape...)
	shift := len(a.shape) - len(b.shape)
	each(a.shape, func(idx []int64) {
		bi := make([]int64, len(b.shape))
		for d := range bi {
			if b.shape[d] != 1 {
				bi[d] = idx[d+shift]
			}
		}
		out.set(f(a.at(idx...), b.at(bi...)), idx...)
	})
	return out
}

func permuteND(a *nd, dims []int64) *nd {
	shape := make([]int64, len(dims))
	for i, d := range dims {
		shape[i] = a.shape[d]
	}
	out := newND(shape...)
	each(shape, func(idx []int64) {
		src := make([]int64, len(dims))
		for i, d := range dims {
			src[d] = idx[i]
		}
		out.set(a.at(src...), idx...)
	})
	return out
}

func reduceND(a *nd, dims []int64, keep bool, op string) *nd {
	red := make([]bool, len(a.shape))
	for _, d := range dims {
		red[d] = true
	}
	var kept []int64
	for d, n := range a.shape {
		switch {
		case !red[d]:
			kept = append(kept, n)
		case keep:
			kept = append(kept, 1)
		}
	}
	out := newND(kept...)
	count := make([]float64, len(out.data))
	first := make([]bool, len(out.data))
	each(a.shape, func(idx []int64) {
		var oi []int64
		for d, i := range idx {
			switch {
			case !red[d]:
				oi = append(oi, i)
			case keep:
				oi = append(oi, 0)
			}
		}
		f := out.flat(oi)
		v := a.at(idx...)
		switch {
		case op == "amax" && !first[f]:
			out.data[f] = v
		case op == "amax":
			out.data[f] = math.Max(out.data[f], v)
		default:
			out.data[f] += v
		}
		first[f] = true
		count[f]++
	})
	if op == "mean" {
		for i := range out.data {
			out.data[i] /= count[i]
		}
	}
	return out
}

// defaultNames are the names templates/triton/names.tmpl gives.
var defaultNames = kernel.Names{X: "xindex", Y: "yindex", R: "r0_index", XMask: "xmask", TileMask: "ymask & xmask", RowMask: "r0_mask & xmask", SizePrefix: "ks_", XNumel: "xnumel", RNumel: "r0_numel"}

// checkRankProgram builds, lowers, schedules and interprets p, and compares
// with the reference; it returns the first disagreement.
func checkRankProgram(p rankProgram) error {
	b, _ := p.build()
	g, err := b.Build()
	if err != nil {
		return fmt.Errorf("build: %v", err)
	}
	s, err := fusion.Plan(g, fusion.Options{})
	if err != nil {
		return fmt.Errorf("plan: %v", err)
	}
	if _, err := kernel.Build(s, heuristics.Rules{}, defaultNames); err != nil {
		return fmt.Errorf("kernels: %v", err)
	}
	got, in, err := runOnFill(g)
	if err != nil {
		return fmt.Errorf("interpret: %v", err)
	}
	want := p.reference(in["x"], in["w"])
	y := got["y"]
	if len(y) != len(want.data) {
		return fmt.Errorf("%d values, want %d", len(y), len(want.data))
	}
	for i := range y {
		if d := math.Abs(y[i] - want.data[i]); d > 1e-6*(1+math.Abs(want.data[i])) {
			return fmt.Errorf("element %d: %v, want %v", i, y[i], want.data[i])
		}
	}
	return nil
}

// shrink returns the smallest prefix of p's steps that still fails.
func shrink(p rankProgram) (rankProgram, error) {
	err := checkRankProgram(p)
	for n := 1; n < len(p.steps); n++ {
		q := p
		q.steps = p.steps[:n]
		if e := checkRankProgram(q); e != nil {
			return q, e
		}
	}
	return p, err
}

// Random programs of rank 1 to 5 schedule and lower to kernels, and the
// interpreter of their loop nodes agrees with the dense reference.
func TestRandomRankPrograms(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	for iter := 0; iter < 400; iter++ {
		p := randProgram(r)
		if err := checkRankProgram(p); err != nil {
			small, serr := shrink(p)
			b, _ := small.build()
			file, _ := graphfile.Write(b.Program())
			t.Fatalf("program %d (%s): %v\nsmallest failing program: %s: %v\n%s", iter, p, err, small, serr, file)
		}
	}
}

// A row reduction over the trailing dims plus its pointwise epilogue fuses
// at every rank exactly as its 2-D form does (the same tensor flattened to
// [rows, row]): the same kernels, of the same shape; where the 2-D form is
// one kernel (the row is not split), so is every rank.
func TestRowReductionEpilogueFusesAsIn2D(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	kernels := func(shape []int64, k, epilogue int) string {
		b := ops.NewBuilder("row", "cuda")
		x := b.Input("x", ir.Float32, shape...)
		dims := make([]int64, k)
		for i := range dims {
			dims[i] = int64(len(shape) - k + i)
		}
		var y *ops.Tensor
		switch epilogue {
		case 0:
			y = b.Sub(x, b.Amax(x, dims, ops.KeepDim(true)))
		case 1:
			y = b.Div(x, b.Sum(x, dims, ops.KeepDim(true)))
		default:
			y = b.Mul(x, b.Mean(x, dims, ops.KeepDim(true)))
		}
		b.Output("y", y)
		g, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		s, err := fusion.Plan(g, fusion.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ks, err := kernel.Build(s, heuristics.Rules{}, defaultNames)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range ks {
			out = append(out, fmt.Sprintf("%s x%d r%d w%d grid%v", k.Category, k.XBlock, k.RBlock, k.NumWarps, k.Grid))
		}
		return strings.Join(out, "; ")
	}
	for iter := 0; iter < 300; iter++ {
		shape := randShape(r, 1+r.Intn(6))
		for d := range shape {
			if r.Intn(4) == 0 {
				shape[d] = int64(16 + r.Intn(300))
			}
		}
		k := 1 + r.Intn(len(shape))
		if k == len(shape) && len(shape) > 1 {
			k-- // keep some rows
		}
		rows, row := prod(shape[:len(shape)-k]), prod(shape[len(shape)-k:])
		want := kernels([]int64{rows, row}, 1, iter%3)
		if got := kernels(shape, k, iter%3); got != want {
			t.Fatalf("shape %v reduced over its last %d dims: kernels %q, its 2-D form [%d, %d]: %q", shape, k, got, rows, row, want)
		}
	}
}
