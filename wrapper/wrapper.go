// Package wrapper plans the host side of a generated module: input checks,
// allocations, launches, frees, outputs, random inputs and the byte count
// of one call. It produces a plain view model for the module template.
package wrapper

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/fusegen/fusegen/fusion"
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/kernel"
)

// Module is the view model of the whole generated module.
type Module struct {
	GraphName   string
	Device      string // "cuda:0"
	DeviceType  string // "cuda"
	DeviceIndex int
	Inputs      []Input
	Outputs     []string
	// Returns are the Python names call() returns, in output order: an
	// output that is also a read input is returned as the caller passed it,
	// not as the aligned copy a kernel may have read.
	Returns []string
	// Params are the inputs an archive holds the values of, in input order
	// (ir.Graph.Params): load_params reads them.
	Params []Param
	// Kernels are the Triton kernels, in launch order (extern calls are
	// steps only).
	Kernels    []*kernel.Kernel
	Steps      []Step
	BytesMoved int64 // at the symbols' hints
	// Symbols are the graph's sizes known at call time, by name, and
	// SymbolReads how call() reads each from its inputs' shapes, in order.
	Symbols     []ir.Symbol
	SymbolReads []SymbolRead
	// ShapeReads are the inputs whose shapes _plan unpacks into symbols,
	// and Plan what call() computes from its inputs' shapes once for each
	// set of them.
	ShapeReads []ShapeRead
	Plan       *Plan
	symbols    ir.Symbols
	// Filled in by the generator once the kernels are rendered.
	KernelSources []string
	HelperSources []string
}

// DirectLaunches reports whether some kernel is launched through its compiled
// launcher with the device's raw stream (all but autotuned ones are).
func (m *Module) DirectLaunches() bool {
	for _, k := range m.Kernels {
		if len(k.Configs) == 0 {
			return true
		}
	}
	return false
}

// ATenCalls reports whether call() calls an ATen op, whose result it checks.
func (m *Module) ATenCalls() bool {
	for _, s := range m.Steps {
		if s.Kind == "extern" && returns(s.Kernel) {
			return true
		}
	}
	return false
}

// InputNames lists the inputs' names in graph order.
func (m *Module) InputNames() []string {
	out := make([]string, len(m.Inputs))
	for i, in := range m.Inputs {
		out[i] = in.Name
	}
	return out
}

// BaseSymbols are the symbols call() reads from its inputs, by name.
func (m *Module) BaseSymbols() []ir.Symbol { return m.symbols.Base() }

// DerivedSymbols are the symbols computed from others (S // 2), by name.
func (m *Module) DerivedSymbols() []ir.Symbol { return m.symbols.Derived() }

// Symbolic reports a module whose sizes are read at call time.
func (m *Module) Symbolic() bool { return len(m.Symbols) > 0 }

// BlockTables reports whether some kernel picks its launch shape per call.
func (m *Module) BlockTables() bool {
	for _, k := range m.Kernels {
		if len(k.Blocks) > 0 {
			return true
		}
	}
	return false
}

// StaticKernels are the Triton kernels of static sizes, compiled when
// call() first runs (_KERNELS, _compiled), in launch order.
func (m *Module) StaticKernels() []*kernel.Kernel {
	var out []*kernel.Kernel
	for _, k := range m.Kernels {
		if !k.Symbolic() {
			out = append(out, k)
		}
	}
	return out
}

// SymbolicKernels are the kernels of symbolic sizes, compiled on first use
// for each class of their integer arguments (_SYMBOLIC, _variants), in
// launch order.
func (m *Module) SymbolicKernels() []*kernel.Kernel {
	var out []*kernel.Kernel
	for _, k := range m.Kernels {
		if k.Symbolic() {
			out = append(out, k)
		}
	}
	return out
}

// SymbolRead is how call() reads one symbol: dim Dim of input Input (of
// NDim dims), divided by Divisor (the dim's other factors, read before),
// then checked against the symbol's range; or, for a derived symbol (Def
// set), computed from the symbols its definition names, once they are read.
type SymbolRead struct {
	ir.Symbol
	Input   string
	NDim    int
	Dim     int
	Divisor ir.Size
	// CheckDims: the first read of its input, which checks its dims first;
	// InputSizeNames spells the input's sizes for that error.
	CheckDims      bool
	InputSizeNames []string
}

// Param is an input load_params reads from an archive entry: the entry's
// bytes are the storage that Shape, Stride and Offset view.
type Param struct {
	Input
	Entry string
}

// Input is one graph input as call() checks it and get_args() makes it.
type Input struct {
	Name   string
	DType  ir.DType
	Shape  []ir.Size
	Stride []ir.Size
	Offset int64
	Read   bool // some kernel reads it (so its alignment matters)
	// Symbolic: some size or stride is symbolic, and call() checks the
	// sizes dim by dim, naming the relation a dim breaks.
	Symbolic  bool
	sizeNames []string
	// ResultName keeps the input as passed, for returning it, when it is
	// both read by a kernel and a graph output; empty otherwise.
	ResultName string
	Integer    bool // get_args draws integers in [Low, High)
	Low        int64
	High       ir.Size
}

// InputResultName is the variable that keeps an input which is also an
// output, before call() may replace it with an aligned copy. Graph names
// never start with an underscore, so it cannot clash.
func InputResultName(input string) string { return "_" + input + "_result" }

// Step is one line group of call(): alloc, reuse, launch, extern or free.
type Step struct {
	Kind string
	// alloc
	Name   string
	Shape  []ir.Size
	Stride []ir.Size
	DType  ir.DType
	// launch, extern: the kernel (an extern call's view model for extern)
	// and the buffers it takes; launch: its slot among the Triton kernels
	// (the first of its Blocks), and the sizes it takes after the
	// buffers (its symbols, then xnumel and r0_numel where symbolic)
	Kernel *kernel.Kernel
	Slot   int
	Args   []string
	Sizes  []ir.Size
	// reuse: Name takes over the dead buffer From
	From string
	// free
	Names []string
}

// Build plans the host side for a schedule and its kernel view models.
func Build(s *fusion.Schedule, kernels []*kernel.Kernel) (*Module, error) {
	g := s.Graph
	if len(kernels) != len(s.Kernels) {
		return nil, fmt.Errorf("wrapper: %d kernel models for %d kernels", len(kernels), len(s.Kernels))
	}
	m := &Module{
		GraphName:   g.Name,
		DeviceType:  g.DeviceType(),
		DeviceIndex: g.DeviceIndex(),
		Outputs:     g.Outputs,
		Symbols:     g.Symbols.Sorted(),
		symbols:     g.Symbols,
	}
	for _, k := range kernels {
		if k.Extern == nil {
			m.Kernels = append(m.Kernels, k)
		}
	}
	m.Device = fmt.Sprintf("%s:%d", m.DeviceType, m.DeviceIndex)
	if m.DeviceType == "cpu" {
		m.Device = "cpu"
	}
	read := map[string]bool{}
	for _, k := range kernels {
		for _, p := range k.Pointers {
			if !p.Out {
				read[p.Buffer] = true
			}
		}
	}
	bounds := indexBounds(g)
	reads, err := symbolReads(g)
	if err != nil {
		return nil, err
	}
	m.SymbolReads = reads
	isOutput := map[string]bool{}
	for _, o := range g.Outputs {
		isOutput[o] = true
	}
	for _, b := range g.Inputs {
		in := Input{Name: b.Name, DType: b.DType, Shape: b.Shape, Stride: b.StridesOrContiguous(), Offset: b.Offset,
			Read: read[b.Name], Symbolic: ir.HasSymbols(b.Shape) || ir.HasSymbols(b.StridesOrContiguous()),
			sizeNames: sizeNames(b.Shape, g.Symbols)}
		if in.Read && isOutput[b.Name] {
			in.ResultName = InputResultName(b.Name)
		}
		if b.DType.IsInt() {
			in.Integer = true
			in.Low, in.High = -100, ir.Int(100)
			if b.DType == ir.Uint8 {
				in.Low = 0
			}
			if hi, ok := bounds[b.Name]; ok {
				in.Low, in.High = 0, hi
			}
		}
		m.Inputs = append(m.Inputs, in)
		for _, p := range g.Params {
			if p.Input == in.Name {
				m.Params = append(m.Params, Param{Input: in, Entry: p.Entry})
			}
		}
		if in.Read {
			m.BytesMoved += g.Symbols.Hint(b.Numel()) * b.DType.Bytes()
		}
	}
	for _, o := range g.Outputs {
		ret := o
		if n := s.Table.Node(o); n != nil {
			m.BytesMoved += g.Symbols.Hint(n.Numel()) * n.DType.Bytes()
		} else if read[o] {
			ret = InputResultName(o)
		}
		m.Returns = append(m.Returns, ret)
	}
	m.Steps = plan(s, kernels)
	if m.Symbolic() {
		m.ShapeReads = shapeReads(m)
		unpacked := map[string]bool{}
		for _, r := range m.ShapeReads {
			unpacked[r.Input] = true
		}
		for i := range m.SymbolReads {
			if unpacked[m.SymbolReads[i].Input] {
				m.SymbolReads[i].CheckDims = false
			}
		}
		m.Plan = buildPlan(m)
	}
	return m, nil
}

// plan orders allocations, launches and frees: each buffer is allocated just
// before the kernel that writes it and dropped after the last kernel that
// reads it, unless it is a graph output. An allocation takes over a dropped
// buffer of the same shape, strides and dtype instead, when there is one, as
// Inductor's memory planning does ("buf1 = buf0; del buf0  # reuse").
func plan(s *fusion.Schedule, kernels []*kernel.Kernel) []Step {
	g := s.Graph
	lastUse := map[string]int{}
	for i, k := range kernels {
		for _, p := range k.Pointers {
			lastUse[p.Buffer] = i
		}
	}
	isOutput := map[string]bool{}
	for _, o := range g.Outputs {
		isOutput[o] = true
	}
	// Pass 1: decide which dead buffer each allocation reuses. Only buffers
	// this module allocated can be reused; inputs belong to the caller.
	reuse := map[string]string{} // new buffer -> the dead one it takes
	reused := map[string]bool{}
	pool := map[string][]string{} // shape and dtype -> dead buffers, oldest first
	key := func(n *ir.Node) string { return fmt.Sprint(n.DType, n.Ranges, n.Buffer().StridesOrContiguous()) }
	for i, k := range kernels {
		for _, p := range k.Pointers {
			if !p.Out || !s.Materialized[p.Buffer] || returns(k) {
				continue
			}
			n := s.Table.Node(p.Buffer)
			if free := pool[key(n)]; len(free) > 0 {
				reuse[n.Name], reused[free[0]] = free[0], true
				pool[key(n)] = free[1:]
			}
		}
		for _, p := range k.Pointers {
			if lastUse[p.Buffer] == i && !isOutput[p.Buffer] {
				if n := s.Table.Node(p.Buffer); n != nil {
					pool[key(n)] = append(pool[key(n)], n.Name)
				}
			}
		}
	}
	// Pass 2: emit.
	var steps []Step
	slot, symbolic := 0, 0
	for i, k := range kernels {
		var args []string
		for _, p := range k.Pointers {
			if p.Out && s.Materialized[p.Buffer] && !returns(k) {
				n := s.Table.Node(p.Buffer)
				if old, ok := reuse[n.Name]; ok {
					steps = append(steps, Step{Kind: "reuse", Name: n.Name, From: old})
				} else {
					steps = append(steps, Step{Kind: "alloc", Name: n.Name, Shape: n.Ranges, Stride: n.Buffer().StridesOrContiguous(), DType: n.DType})
				}
			}
			args = append(args, p.Buffer)
		}
		if k.Extern != nil {
			steps = append(steps, Step{Kind: "extern", Kernel: k, Args: args})
		} else {
			// Static kernels count slots of _compiled, symbolic ones
			// entries of _SYMBOLIC.
			at := &slot
			if k.Symbolic() {
				at = &symbolic
			}
			steps = append(steps, Step{Kind: "launch", Kernel: k, Slot: *at, Args: args, Sizes: launchSizes(k)})
			*at++
		}
		var dead []string
		for _, p := range k.Pointers {
			if lastUse[p.Buffer] == i && !isOutput[p.Buffer] && !reused[p.Buffer] {
				dead = append(dead, p.Buffer)
			}
		}
		if len(dead) > 0 {
			sort.Strings(dead)
			steps = append(steps, Step{Kind: "free", Names: dead})
		}
	}
	return steps
}

// returns reports an extern call that returns its result, which call()
// then binds instead of allocating a buffer for it.
func returns(k *kernel.Kernel) bool { return k.Extern != nil && k.Extern.Returns }

// indexSource finds the input load an indirect index comes from: a plain
// load, a cast of one, or where(cond, load, constant), the shape of an
// ignore_index (cross_entropy reads target[i] where it is not -100, else 0).
func indexSource(e *ir.Expr) *ir.Expr {
	switch {
	case e.Op == ir.OpLoad && len(e.Indirect) == 0:
		return e
	case e.Op == ir.OpCast:
		return indexSource(e.Args[0])
	case e.Op == ir.OpWhere && e.Args[2].Op == ir.OpConstant:
		return indexSource(e.Args[1])
	}
	return nil
}

// indexBounds finds integer inputs used as indirect indices and the largest
// value each may take plus one (the smallest dimension it indexes).
func indexBounds(g *ir.Graph) map[string]ir.Size {
	out := map[string]ir.Size{}
	for _, n := range g.Nodes {
		n.Body.Walk(func(e *ir.Expr) {
			if e.Op != ir.OpLoad || len(e.Indirect) == 0 {
				return
			}
			b := g.Lookup(e.Buffer)
			for d, ix := range e.Index {
				k, ok := ix.IsIndirect()
				if !ok || k >= len(e.Indirect) {
					continue
				}
				src := indexSource(e.Indirect[k])
				if src == nil {
					continue
				}
				if cur, ok := out[src.Buffer]; !ok || smaller(b.Shape[d], cur, g.Symbols) {
					out[src.Buffer] = b.Shape[d]
				}
			}
		})
	}
	return out
}

// smaller orders two sizes by their values at the hints, ties by spelling.
func smaller(a, b ir.Size, syms ir.Symbols) bool {
	ha, hb := syms.Hint(a), syms.Hint(b)
	if ha != hb {
		return ha < hb
	}
	return a.String() < b.String()
}

// launchSizes are the sizes a kernel takes after its buffers.
func launchSizes(k *kernel.Kernel) []ir.Size {
	out := make([]ir.Size, len(k.IntParams))
	for i, p := range k.IntParams {
		out[i] = p.Value
	}
	return out
}

// symbolReads decides how call() reads each symbol from its inputs'
// shapes: a dim whose size has exactly one symbol not yet read, once,
// gives it (dividing by the rest). A symbol no input dim gives is refused:
// call() could not know it.
func symbolReads(g *ir.Graph) ([]SymbolRead, error) {
	if len(g.Symbols) == 0 {
		return nil, nil
	}
	known := map[string]bool{}
	checked := map[string]bool{}
	var out []SymbolRead
	derive := func() {
		for _, d := range g.Symbols.Derived() {
			ready := !known[d.Name]
			for _, n := range d.Def.Symbols() {
				ready = ready && known[n]
			}
			if ready {
				known[d.Name] = true
				out = append(out, SymbolRead{Symbol: d})
			}
		}
	}
	for progress := true; progress; {
		progress = false
		derive()
		for _, b := range g.Inputs {
			for d, s := range b.Shape {
				var unknown []string
				for _, n := range s.Syms.Names() {
					if !known[n] {
						unknown = append(unknown, n)
					}
				}
				if len(unknown) != 1 || g.Symbols[unknown[0]].Def != nil {
					continue // none to read, several, or one computed instead
				}
				u := unknown[0]
				div, _ := s.Quo(ir.Sym(u))
				if _, again := div.Quo(ir.Sym(u)); again {
					continue // u appears squared: not read from this dim
				}
				known[u] = true
				progress = true
				r := SymbolRead{Symbol: g.Symbols[u], Input: b.Name, NDim: len(b.Shape), Dim: d, Divisor: div, CheckDims: !checked[b.Name]}
				if r.CheckDims {
					r.InputSizeNames = sizeNames(b.Shape, g.Symbols)
				}
				checked[b.Name] = true
				out = append(out, r)
				derive()
			}
		}
	}
	for _, sym := range g.Symbols.Sorted() {
		if !known[sym.Name] {
			return nil, &ir.Error{Path: "symbols." + sym.Name, Msg: fmt.Sprintf("symbol %q is the size of no input dimension (alone or times symbols read before), so call() cannot read it", sym.Name)}
		}
	}
	return out, nil
}

// CompoundDivisor reports a divisor spelled as a product, which Python
// needs in parentheses after //.
func (r SymbolRead) CompoundDivisor() bool {
	n := len(r.Divisor.Syms.Factors())
	if r.Divisor.C != 1 {
		n++
	}
	return n > 1
}

// SizeNames are the input's sizes as quoted Python strings ("B", "768"),
// for the errors call() raises.
func (in Input) SizeNames() []string { return in.sizeNames }

// sizeNames spells sizes for messages, derived symbols by their
// definitions ("(S // 2)").
func sizeNames(shape []ir.Size, syms ir.Symbols) []string {
	out := make([]string, len(shape))
	for i, s := range shape {
		out[i] = strconv.Quote(syms.Spell(s))
	}
	return out
}
