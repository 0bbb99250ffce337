package wrapper

import (
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/kernel"
)

// Plan is what call() of a symbolic module computes from its inputs'
// shapes once for each set of them (_plan, remembered in _plans by those
// shapes), so that a call at sizes seen before costs what a static
// module's does: reading the symbols and checking their ranges, each
// symbolic kernel's launch (its compiled variant, grid and constexprs),
// and every tuple of sizes or compound size call() would otherwise build
// on each call.
type Plan struct {
	// Inputs are the inputs whose shapes give the symbols, in the order of
	// their first read: their shapes are the key of _plans.
	Inputs []string
	// Items in the order _plan returns them and call() unpacks them: the
	// launches first, by slot, then the sizes, then the symbols, read and
	// derived, in read order.
	Items  []PlanItem
	tuples map[string]int
}

// PlanItem is one value of a plan: a launch (its integers included), a
// tuple of sizes (Sizes), or a symbol (Symbol), which call() unpacks into
// its local.
type PlanItem struct {
	Index  int
	Launch *Step
	Sizes  []ir.Size
	Symbol *ir.Symbol
}

// PlanSlot is the index of a tuple of sizes ([]ir.Size) among the plan's
// items; -1 where the plan does not hold it (a static module or a static
// tuple).
// Templates look values up through the planned function, bound to the
// module being rendered.
func (m *Module) PlanSlot(v any) int {
	if m.Plan == nil {
		return -1
	}
	xs, ok := v.([]ir.Size)
	if !ok {
		return -1
	}
	i, ok := m.Plan.tuples[ir.SizesString(xs)]
	if !ok {
		return -1
	}
	return i
}

// buildPlan collects what a symbolic module's call() takes from its plan.
func buildPlan(m *Module) *Plan {
	p := &Plan{tuples: map[string]int{}}
	for i := range m.Steps {
		// in slot order: a launch step's Slot is its item's index
		if s := &m.Steps[i]; s.Kind == "launch" && s.Kernel.Symbolic() {
			p.Items = append(p.Items, PlanItem{Index: len(p.Items), Launch: s})
		}
	}
	tuple := func(xs []ir.Size) {
		if !ir.HasSymbols(xs) {
			return
		}
		key := ir.SizesString(xs)
		if _, ok := p.tuples[key]; !ok {
			p.tuples[key] = len(p.Items)
			p.Items = append(p.Items, PlanItem{Index: len(p.Items), Sizes: xs})
		}
	}
	for _, in := range m.Inputs {
		if in.Symbolic {
			tuple(in.Shape)
			tuple(in.Stride)
		}
	}
	arg := func(a *kernel.ExternArg) {
		if a != nil && !a.Whole {
			tuple(a.Shape)
			tuple(a.Stride)
		}
	}
	for _, s := range m.Steps {
		switch s.Kind {
		case "alloc":
			tuple(s.Shape)
			tuple(s.Stride)
		case "extern":
			e := s.Kernel.Extern
			for i := range e.Args {
				arg(&e.Args[i])
			}
			tuple(e.OutShape)
			for _, ops := range [][]kernel.ExternOperand{e.Positional, e.Keywords} {
				for _, o := range ops {
					arg(o.Arg)
					for _, t := range o.Tensors {
						arg(t)
					}
				}
			}
			if e.Returns || e.ResultOf != "" {
				tuple(e.Shape)
				tuple(e.Stride)
			}
		}
	}
	read := map[string]bool{}
	for _, r := range m.SymbolReads {
		sym := r.Symbol
		p.Items = append(p.Items, PlanItem{Index: len(p.Items), Symbol: &sym})
		if r.Def == nil && !read[r.Input] {
			read[r.Input] = true
			p.Inputs = append(p.Inputs, r.Input)
		}
	}
	return p
}

// ShapeRead is an input whose shape _plan unpacks, which checks its dims at
// once: Dims names, dim by dim, the symbol it gives ("" where none).
type ShapeRead struct {
	Input     string
	Dims      []string
	SizeNames []string
}

// shapeReads are the unpacks of the inputs that give a symbol by a dim of
// their own (not divided by others), in the order of their first read. The
// other reads divide the dim by symbols read before, after the unpacks.
func shapeReads(m *Module) []ShapeRead {
	var out []ShapeRead
	at := map[string]int{}
	for _, r := range m.SymbolReads {
		if r.Def != nil || !r.Divisor.Is(1) {
			continue
		}
		i, ok := at[r.Input]
		if !ok {
			i = len(out)
			at[r.Input] = i
			var in Input
			for _, x := range m.Inputs {
				if x.Name == r.Input {
					in = x
				}
			}
			out = append(out, ShapeRead{Input: r.Input, Dims: make([]string, r.NDim), SizeNames: in.sizeNames})
		}
		out[i].Dims[r.Dim] = r.Name
	}
	return out
}
