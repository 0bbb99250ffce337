package wrapper

import (
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/kernel"
)

// Plan is what call() of a symbolic module computes from its symbols once
// for each set of their values (_plan, remembered in _plans), so that a
// call at sizes seen before costs what a static module's does: the range
// checks, each symbolic kernel's launch (its compiled variant, grid and
// block sizes), the derived symbols and every tuple of sizes or compound
// size call() would otherwise build on each call.
type Plan struct {
	// Items in the order _plan returns them and call() unpacks them: the
	// launches first, by slot, then the sizes, then the derived symbols.
	Items []PlanItem
	// BeforePlan names the derived symbols call() computes before it looks
	// its plan up, because a divided read divides by them.
	BeforePlan map[string]bool
	tuples     map[string]int
	scalars    map[string]int
}

// PlanItem is one value of a plan: a launch, a tuple of sizes or one size
// (Sizes, Tuple), or a derived symbol (Symbol).
type PlanItem struct {
	Index  int
	Launch *Step
	Sizes  []ir.Size
	Tuple  bool
	Symbol *ir.Symbol
}

// PlanSlot is the index of a value among the plan's items: v is a tuple of
// sizes ([]ir.Size) or one size; -1 where the plan does not hold it (a
// static module, a static value, or a single symbol, which call() has as
// a local).
// Templates look values up through the planned function, bound to the
// module being rendered.
func (m *Module) PlanSlot(v any) int {
	if m.Plan == nil {
		return -1
	}
	var i int
	var ok bool
	switch v := v.(type) {
	case []ir.Size:
		i, ok = m.Plan.tuples[ir.SizesString(v)]
	case ir.Size:
		i, ok = m.Plan.scalars[v.String()]
	}
	if !ok {
		return -1
	}
	return i
}

// buildPlan collects what a symbolic module's call() takes from its plan.
func buildPlan(m *Module) *Plan {
	p := &Plan{BeforePlan: map[string]bool{}, tuples: map[string]int{}, scalars: map[string]int{}}
	for i := range m.Steps {
		if s := &m.Steps[i]; s.Kind == "launch" && s.Kernel.Symbolic() && len(s.Kernel.Configs) == 0 {
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
			p.Items = append(p.Items, PlanItem{Index: len(p.Items), Sizes: xs, Tuple: true})
		}
	}
	scalar := func(x ir.Size) {
		if x.Syms == "" {
			return
		}
		if x.C == 1 && len(x.Syms.Factors()) == 1 {
			return // a symbol: a local of call() already (a derived one from the plan)
		}
		key := x.String()
		if _, ok := p.scalars[key]; !ok {
			p.scalars[key] = len(p.Items)
			p.Items = append(p.Items, PlanItem{Index: len(p.Items), Sizes: []ir.Size{x}})
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
		case "launch":
			for _, x := range s.Sizes {
				scalar(x)
			}
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
	for _, r := range m.SymbolReads {
		if r.Def != nil {
			sym := r.Symbol
			p.Items = append(p.Items, PlanItem{Index: len(p.Items), Symbol: &sym})
		}
	}
	// A divided read divides by symbols read or derived before it; the
	// derived ones among them, and what they derive from, call() computes
	// before the lookup.
	def := map[string]*ir.Index{}
	for _, r := range m.SymbolReads {
		if r.Def != nil {
			def[r.Name] = r.Def
		}
	}
	var need func(name string)
	need = func(name string) {
		d, ok := def[name]
		if !ok || p.BeforePlan[name] {
			return
		}
		p.BeforePlan[name] = true
		for _, n := range d.Symbols() {
			need(n)
		}
	}
	for _, r := range m.SymbolReads {
		if r.Def == nil && !r.Divisor.Is(1) {
			for _, n := range r.Divisor.Syms.Factors() {
				need(n)
			}
		}
	}
	return p
}

// ShapeRead is an input whose shape call() unpacks, which checks its dims
// at once: Dims names, dim by dim, the symbol it gives ("" where none).
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
