// Package randgraph builds random valid graphs for property tests and
// scaling benchmarks of the scheduler and the generator.
package randgraph

import (
	"fmt"
	"math/rand"

	"github.com/fusegen/fusegen/ir"
)

// Generate returns a random graph of n nodes over a rows x cols plane: chains
// of pointwise nodes, row reductions (every reduction type), row-level
// pointwise epilogues, broadcasts back over the plane, transposed reads
// (rows == cols), and some graph outputs. The same seed gives the same graph.
func Generate(seed int64, n int, rows, cols int64) *ir.Graph {
	return generate(seed, n, ir.Int(rows), ir.Int(cols), rows == cols)
}

// GenerateSymbolic is Generate over an R x C plane of symbols hinted at
// rows and cols (one symbol N for both when they are equal, so that
// transposed reads stay in bounds), each ranging over [1, 4096].
func GenerateSymbolic(seed int64, n int, rows, cols int64) *ir.Graph {
	syms := ir.Symbols{}
	sym := func(name string, hint int64) ir.Size {
		syms[name] = ir.Symbol{Name: name, Hint: hint, Min: 1, Max: max(4096, hint)}
		return ir.Sym(name)
	}
	var r, c ir.Size
	if rows == cols {
		r = sym("N", rows)
		c = r
	} else {
		r, c = sym("R", rows), sym("C", cols)
	}
	g := generate(seed, n, r, c, rows == cols)
	g.Name = fmt.Sprintf("random_sym_%d_%d", seed, n)
	g.Symbols = syms
	return g
}

func generate(seed int64, n int, rows, cols ir.Size, square bool) *ir.Graph {
	r := rand.New(rand.NewSource(seed))
	g := &ir.Graph{Name: fmt.Sprintf("random_%d_%d", seed, n), Device: "cuda"}
	plane := []string{"x", "y"}
	row := []string{"v"}
	g.Inputs = []*ir.Buffer{
		{Name: "x", DType: ir.Float32, Shape: []ir.Size{rows, cols}},
		{Name: "y", DType: ir.Float32, Shape: []ir.Size{rows, cols}},
		{Name: "v", DType: ir.Float32, Shape: []ir.Size{rows}},
	}
	// Prefer recent buffers, so chains form, but reach back sometimes.
	pick := func(names []string) string {
		if len(names) > 4 && r.Intn(4) > 0 {
			return names[len(names)-1-r.Intn(4)]
		}
		return names[r.Intn(len(names))]
	}
	load := func(buf string, idx ...string) *ir.Expr {
		ix := make([]ir.Index, len(idx))
		for i, s := range idx {
			ix[i], _ = ir.ParseIndex(s)
		}
		return &ir.Expr{Op: ir.OpLoad, Buffer: buf, Index: ix}
	}
	// planeLoad reads a plane buffer at (row, col), sometimes transposed.
	planeLoad := func(row, col string) *ir.Expr {
		if square && r.Intn(8) == 0 {
			return load(pick(plane), col, row)
		}
		return load(pick(plane), row, col)
	}
	binary := []ir.Op{"add", "sub", "mul", "maximum", "minimum"}
	unary := []ir.Op{"exp", "tanh", "sigmoid", "neg", "abs", "relu"}
	reductions := ir.ReductionTypes()
	// rowBody is a plane row of a dtype reduction red accepts: float32,
	// else a comparison (bool), else an int32 cast.
	rowBody := func(red ir.ReductionType) (*ir.Expr, ir.DType) {
		rule := red.Info().Body
		switch {
		case rule.Accepts(ir.Float32):
			return planeLoad("i0", "r0"), ir.Float32
		case rule.Accepts(ir.Bool):
			return &ir.Expr{Op: "gt", Args: []*ir.Expr{planeLoad("i0", "r0"), planeLoad("i0", "r0")}}, ir.Bool
		}
		return &ir.Expr{Op: ir.OpCast, DType: ir.Int32, Args: []*ir.Expr{planeLoad("i0", "r0")}}, ir.Int32
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("n%d", i)
		node := &ir.Node{Name: name}
		switch k := r.Intn(10); {
		case k < 5: // pointwise over the plane
			body := &ir.Expr{Op: binary[r.Intn(len(binary))], Args: []*ir.Expr{planeLoad("i0", "i1"), planeLoad("i0", "i1")}}
			if r.Intn(3) == 0 {
				body = &ir.Expr{Op: unary[r.Intn(len(unary))], Args: []*ir.Expr{body}}
			}
			if r.Intn(4) == 0 { // broadcast a row value back over the plane
				body = &ir.Expr{Op: "sub", Args: []*ir.Expr{body, load(pick(row), "i0")}}
			}
			node.Kind, node.Ranges, node.Body = ir.Pointwise, []ir.Size{rows, cols}, body
			plane = append(plane, name)
		case k < 8: // reduce the plane's rows
			red := reductions[r.Intn(len(reductions))]
			body, dt := rowBody(red)
			node.Kind, node.Ranges, node.ReductionRanges, node.Reduction = ir.Reduction, []ir.Size{rows}, []ir.Size{cols}, red
			node.Body = body
			if red.Info().Result.DType(dt) != ir.Float32 {
				// argmax is int64, any bool: read it back as a float row value.
				g.Nodes = append(g.Nodes, node)
				cast := &ir.Node{Name: name + "f", Kind: ir.Pointwise, Ranges: []ir.Size{rows},
					Body: &ir.Expr{Op: ir.OpCast, DType: ir.Float32, Args: []*ir.Expr{load(name, "i0")}}}
				g.Nodes = append(g.Nodes, cast)
				row = append(row, cast.Name)
				i++
				continue
			}
			row = append(row, name)
		default: // pointwise over rows
			a, b := load(pick(row), "i0"), load(pick(row), "i0")
			node.Kind, node.Ranges = ir.Pointwise, []ir.Size{rows}
			node.Body = &ir.Expr{Op: binary[r.Intn(len(binary))], Args: []*ir.Expr{a, b}}
			row = append(row, name)
		}
		g.Nodes = append(g.Nodes, node)
	}
	seen := map[string]bool{}
	for _, nd := range g.Nodes {
		if r.Intn(20) == 0 && !seen[nd.Name] {
			g.Outputs = append(g.Outputs, nd.Name)
			seen[nd.Name] = true
		}
	}
	if last := g.Nodes[len(g.Nodes)-1].Name; !seen[last] {
		g.Outputs = append(g.Outputs, last)
	}
	return g
}
