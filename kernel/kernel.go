package kernel

import (
	"fmt"
	"slices"
	"sort"

	"github.com/fusegen/fusegen/fusion"
	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/ir"
)

// Kernel is the view model of one Triton kernel: plain data, every list in
// the order it is printed.
type Kernel struct {
	Name     string
	Category string   // poi, red or per, as in Inductor's kernel names
	Nodes    []string // the IR nodes it computes, for the provenance comment
	Pointers []Pointer
	// Numel and RNumel are the kernel's points and reduction length, at
	// the symbols' hints when NumelSize or RNumelSize is symbolic: a
	// symbolic one is the kernel's xnumel or r0_numel argument instead.
	Numel      int64
	RNumel     int64
	NumelSize  ir.Size
	RNumelSize ir.Size
	// SizeArgs are the symbols the kernel's offsets read, its integer
	// parameters after the pointers, sorted by symbol.
	SizeArgs []SizeArg
	// IntParams are all integer parameters in order: SizeArgs, then
	// xnumel and r0_numel where they are arguments. Wide ones can pass
	// 2^31 and are compiled as 64-bit.
	IntParams []IntParam
	// Blocks, when set, are launch shapes chosen per call by r0_numel:
	// entry i serves r0_numel up to Blocks[i].Upto (persistent
	// reductions over a symbolic length, whose R0_BLOCK must cover the row).
	Blocks []Block
	// Short is the persistent form of a looped reduction over a symbolic
	// length, for the rows short enough (the Blocks marked Short): the same
	// parameters, another kernel, picked per call as a launch shape is.
	Short      *Kernel
	XBlock     int64
	RBlock     int64
	NumWarps   int
	NumStages  int
	Grid       [3]int64
	Reduction  bool
	Persistent bool
	Index64    bool // int64 index arithmetic: some offset can pass 2^31
	XMask      bool // numel is not a multiple of XBLOCK
	RMask      bool // rnumel is not a multiple of R0_BLOCK (looped reductions)
	// Tiled pointwise kernels run 2-D tiles of YBLOCK rows by XBLOCK points,
	// rows of XNumel points, so that loads and stores that disagree on the
	// contiguous dimension (a transpose) are both coalesced.
	Tiled  bool
	YNumel int64
	XNumel int64
	YBlock int64
	YMask  bool // YNumel is not a multiple of YBLOCK
	Debug  bool // compiled with device asserts on (indirect loads)
	// Configs is the @triton.autotune candidate set; empty when the blocks
	// are fixed at generation time.
	Configs []heuristics.Config
	// Pre runs first: all of a pointwise or persistent kernel, and in a
	// looped reduction whatever does not depend on the reduction index.
	Pre []Stmt
	// Loops are the passes over the reduction index of a looped reduction:
	// pass k can use the results of the reductions of passes before it.
	Loops []Loop
	// Extern is set on an extern call, which has no Triton kernel: the
	// wrapper calls it (Name is its target, Pointers what it reads and
	// writes).
	Extern *Extern
}

// SizeArg is one symbol a kernel takes: its parameter name and the
// symbol whose value the wrapper passes.
type SizeArg struct {
	Name   string
	Symbol string
}

// IntParam is one integer parameter of a kernel: its name, the size the
// wrapper passes, and whether that can pass 2^31.
type IntParam struct {
	Name  string
	Value ir.Size
	Wide  bool
}

// Block is one launch shape of a kernel whose shape is chosen per call.
// Short: the shape runs the kernel's persistent form (Kernel.Short).
type Block struct {
	Upto     int64
	XBlock   int64
	RBlock   int64
	NumWarps int
	Short    bool
}

// NumelArg reports an xnumel passed as an argument (a symbolic numel).
func (k *Kernel) NumelArg() bool { return !k.NumelSize.IsStatic() }

// RNumelArg reports an r0_numel passed as an argument.
func (k *Kernel) RNumelArg() bool { return k.Reduction && !k.RNumelSize.IsStatic() }

// LaunchShapes are the kernel's launch shapes: its Blocks, or its one shape.
func (k *Kernel) LaunchShapes() []Block {
	if len(k.Blocks) > 0 {
		return k.Blocks
	}
	return []Block{{Upto: k.RNumel, XBlock: k.XBlock, RBlock: k.RBlock, NumWarps: k.NumWarps}}
}

// LaunchFlags reports a kernel that takes X_EVEN, ONE_PROGRAM and, for a
// reduction, R0_EVEN: constexprs the wrapper sets per launch from the
// sizes (a kernel of symbolic sizes, neither tiled nor autotuned).
func (k *Kernel) LaunchFlags() bool { return k.Symbolic() && !k.Tiled && len(k.Configs) == 0 }

// Symbolic reports a kernel that takes sizes at run time.
func (k *Kernel) Symbolic() bool { return k.NumelArg() || k.RNumelArg() || len(k.SizeArgs) > 0 }

// Loop is one pass over r0: its body, then what runs after it.
type Loop struct {
	Body  []Stmt
	After []Stmt
}

// Pointer is one pointer parameter: in_ptrN for a buffer read, out_ptrN for
// a buffer written.
type Pointer struct {
	Name   string
	Buffer string
	DType  ir.DType
	Out    bool
}

// Stmt is one statement of a kernel body. Kind picks the template
// ("stmt/<kind>") that prints it; which fields are set depends on Kind.
type Stmt struct {
	Kind  string // load, op, constant, index, assert, store, reduce_persistent, reduce_init, reduce_update, reduce_final
	Var   string
	Op    string   // op: the IR op; reduce_*: the reduction pass (Reduction.Pass: sum, prod, max, min, argmax, argmin, any, welford, online_softmax_sum)
	Args  []string // op: operand variables
	DType ir.DType // the compute type of the result (cast: of the target)
	// cast
	From ir.DType // compute type of the operand
	To   ir.DType // the IR target type, which may be a half type
	// load, store
	Ptr    string
	Offset string
	Mask   string
	Upcast bool // a half-type load widened to float32
	// load: the L2 eviction hint, "evict_last" (keep: a later pass or every
	// program reads it again) or "evict_first" (each element is read once
	// more at most), or empty (see setEvictions)
	Eviction string
	indirect bool // load: its index comes from a loaded value
	// load, store, index: the offset Offset spells, which evictions and
	// masks decide on
	offset ir.Index
	// store: the buffer's dtype, when it differs from the value's compute type
	StoreAs ir.DType
	// constant
	Value string
	// index, assert: the size, spelled
	Size string
	// reductions: Reduction is the reduction's table entry (for a pass of
	// several types, the first one's: they share the template names), whose
	// Template, Combine and Identity name the defines that spell it
	Reduction  *ir.ReductionInfo
	Acc        string   // accumulator name (looped)
	RIndex     string   // the flat reduction index, for argmax/argmin
	Identity   string   // Reduction.Identity for the compute type, canonical spelling
	RNumel     string   // the reduction length as a float operand (1024.0), or its argument
	IndexDType ir.DType // argmax/argmin: the index type of r0_index
	// a pass of several fields (welford): the fields some node uses, in the
	// order of ir.PassFields (mean, m2, weight)
	Fields []string
}

// The flat indices of a kernel, by their neutral names (fusion's, and the
// tile row of a tiled pointwise kernel); Names spells them.
const (
	xVar = fusion.XVar
	rVar = fusion.RVar
	yVar = "y"
)

// Names are the target's spelling of a kernel's flat indices and masks,
// which index expressions and masks in the view model are written with.
// They come from the templates (templates/triton/names.tmpl), which also
// spell the kernel that defines them.
type Names struct {
	X, Y, R string // the row index, the row of a 2-D tile, the reduction index
	// The masks of a row (XMask), of a tile element (TileMask) and of a row
	// element in a reduction (RowMask).
	XMask, TileMask, RowMask string
	// A symbol's parameter is SizePrefix and its name; the numels passed
	// as arguments are XNumel and RNumel.
	SizePrefix, XNumel, RNumel string
}

// spelling maps the neutral index names to the target's.
func (n Names) spelling() map[string]ir.Index {
	return map[string]ir.Index{xVar: ir.VarIndex(n.X), yVar: ir.VarIndex(n.Y), rVar: ir.VarIndex(n.R)}
}

func (n Names) complete() bool {
	return n.X != "" && n.Y != "" && n.R != "" && n.XMask != "" && n.TileMask != "" && n.RowMask != "" &&
		n.SizePrefix != "" && n.XNumel != "" && n.RNumel != ""
}

// Build lowers every kernel of a schedule to its view model.
func Build(s *fusion.Schedule, h heuristics.Rules, names Names) ([]*Kernel, error) {
	if !names.complete() {
		return nil, fmt.Errorf("kernel names incomplete: %+v", names)
	}
	h = h.WithDefaults()
	var out []*Kernel
	id := 0 // Triton kernels are numbered on their own, as Inductor's
	for _, k := range s.Kernels {
		if k.IsExtern() {
			out = append(out, buildExtern(s, k.Nodes[0]))
			continue
		}
		km, err := buildKernel(s, k, id, h, names, nil)
		if err != nil {
			return nil, err
		}
		if err := addShortForm(s, k, km, id, h, names); err != nil {
			return nil, err
		}
		out = append(out, km)
		id++
	}
	return out, nil
}

// Extern is the view model of an extern call: the templates spell it with
// the template Define names.
type Extern struct {
	Target string
	Define string // ExternDefine(call)
	Out    string // the buffer it writes
	// OutShape is the shape the call writes Out as (a view of it), when it
	// is not Out's own
	OutShape []ir.Size
	Args     []ExternArg
	Scalars  []ir.NamedScalar
	// Returns: an ATen op, called through torch.ops, returns its result
	// (of Shape and Stride, checked) instead of writing Out; Positional and
	// Keywords are its arguments, Results the buffers that take its further
	// results. A further result of a call (ResultOf, the buffer that made
	// it) has only Out, DType, Shape and Stride, for its checks.
	Returns       bool
	Shape, Stride []ir.Size
	DType         ir.DType
	Positional    []ExternOperand
	Keywords      []ExternOperand
	Results       []string
	ResultOf      string
}

// ExternOperand is one argument of an ATen call, as ir.Operand has it,
// with its buffer views resolved: Arg for a tensor, Tensors for a list of
// them (nil entries: None).
type ExternOperand struct {
	Kind    ir.OperandKind
	Name    string
	Arg     *ExternArg
	Tensors []*ExternArg
	Value   string
	DType   ir.DType
	Items   []string
}

// ExternArg is a buffer an extern call reads, as a strided view.
type ExternArg struct {
	Buffer string
	Shape  []ir.Size
	Stride []ir.Size
	Offset int64
	// Whole: the view is the buffer itself (its shape, strides and first
	// element), passed as it is.
	Whole bool
}

// sameStrides compares two layouts of shape; a size-1 dim's stride is free.
func sameStrides(shape, a, b []ir.Size) bool {
	for d, n := range shape {
		if !n.Is(1) && a[d] != b[d] {
			return false
		}
	}
	return true
}

// ExternDefine names the template that spells an extern call:
// "extern/result" for a further result of a call, "extern/aten" for every
// ATen op, else "extern/<target>".
func ExternDefine(c *ir.ExternCall) string {
	switch {
	case c.ResultOf != "":
		return "extern/result"
	case ir.IsATen(c.Target):
		return "extern/aten"
	}
	return "extern/" + c.Target
}

// buildExtern makes the view model of an extern node: a Kernel whose
// Extern is set, whose Pointers are the buffers it reads and writes.
func buildExtern(s *fusion.Schedule, n *ir.Node) *Kernel {
	c := n.Call
	e := &Extern{Target: c.Target, Define: ExternDefine(c), Out: n.Name, Scalars: c.Scalars, Results: c.Results, ResultOf: c.ResultOf}
	if c.OutShape != nil && !slices.Equal(c.OutShape, n.Ranges) {
		e.OutShape = c.OutShape
	}
	k := &Kernel{Name: c.Target, Category: "extern", Nodes: []string{n.Name}, Extern: e}
	for _, a := range c.Args {
		b := s.Table.Buffer(a.Buffer)
		whole := a.Offset == 0 && slices.Equal(a.Shape, b.Shape) && sameStrides(a.Shape, a.Strides, b.StridesOrContiguous())
		e.Args = append(e.Args, ExternArg{Buffer: a.Buffer, Shape: a.Shape, Stride: a.Strides, Offset: a.Offset, Whole: whole})
		if !slices.ContainsFunc(k.Pointers, func(p Pointer) bool { return p.Buffer == a.Buffer }) {
			k.Pointers = append(k.Pointers, Pointer{Buffer: a.Buffer, DType: b.DType})
		}
	}
	if c.ResultOf != "" {
		// Read, so that the call that binds it runs first.
		k.Pointers = append(k.Pointers, Pointer{Buffer: c.ResultOf, DType: s.Table.Buffer(c.ResultOf).DType})
	}
	k.Pointers = append(k.Pointers, Pointer{Buffer: n.Name, DType: n.DType, Out: true})
	if ir.IsATen(c.Target) {
		e.Returns, e.Shape, e.Stride, e.DType = true, n.Ranges, n.Buffer().StridesOrContiguous(), n.DType
		operand := func(o ir.Operand) ExternOperand {
			eo := ExternOperand{Kind: o.Kind, Name: o.Name, Value: o.Value, DType: o.DType, Items: o.Items}
			switch o.Kind {
			case ir.OperandTensor:
				eo.Arg = &e.Args[o.Arg]
			case ir.OperandTensors:
				eo.Tensors = []*ExternArg{}
				for _, a := range o.Tensors {
					var ea *ExternArg
					if a >= 0 {
						ea = &e.Args[a]
					}
					eo.Tensors = append(eo.Tensors, ea)
				}
			}
			return eo
		}
		for _, o := range c.Positional {
			e.Positional = append(e.Positional, operand(o))
		}
		for _, o := range c.Keywords {
			e.Keywords = append(e.Keywords, operand(o))
		}
	}
	return k
}

// addShortForm gives a looped reduction over a symbolic length whose
// Blocks start with rows short enough to be persistent its persistent form
// for them: the looped code would run its loop once there, with a loop's
// accumulator and without a persistent kernel's eviction hints. A form
// whose parameters differ from the looped one's is not kept.
func addShortForm(s *fusion.Schedule, fk *fusion.Kernel, k *Kernel, id int, h heuristics.Rules, names Names) error {
	if !k.Reduction || k.Persistent || len(k.Blocks) < 2 {
		return nil
	}
	short := k.Blocks[:len(k.Blocks)-1]
	sk, err := buildKernel(s, fk, id, h, names, short)
	if err != nil {
		return err
	}
	if !slices.Equal(sk.Pointers, k.Pointers) || !slices.Equal(sk.IntParams, k.IntParams) || sk.Debug != k.Debug {
		return nil
	}
	k.Short = sk
	for i := range short {
		k.Blocks[i].Short = true
	}
	return nil
}

// buildKernel lowers one fused kernel. With short set, it lowers the
// persistent form of a looped symbolic reduction for those launch shapes.
func buildKernel(s *fusion.Schedule, fk *fusion.Kernel, id int, h heuristics.Rules, names Names, short []Block) (*Kernel, error) {
	syms := s.Graph.Symbols
	k := &Kernel{
		Numel:      syms.Hint(fk.Group.Numel),
		RNumel:     syms.Hint(fk.Group.ReductionNumel),
		NumelSize:  fk.Group.Numel,
		RNumelSize: fk.Group.ReductionNumel,
		Reduction:  fk.IsReduction(),
		NumStages:  1,
	}
	for _, n := range fk.Nodes {
		k.Nodes = append(k.Nodes, n.Name)
	}
	strided := false
	if k.Reduction {
		inner := false
		for _, n := range fk.Nodes {
			inner = inner || fusion.IsInnerReduction(s.Table, n, syms)
		}
		var shape heuristics.Shape
		shape, strided = heuristics.Reduction(k.Numel, k.RNumel, inner, h)
		if k.RNumelArg() {
			shape, strided = k.symbolicReduction(syms, inner, h)
		}
		if short != nil {
			last := short[len(short)-1]
			shape = heuristics.Shape{XBlock: last.XBlock, RBlock: last.RBlock, NumWarps: last.NumWarps, NumStages: 1, Persistent: true}
			k.Blocks, strided = slices.Clone(short), false
		}
		k.setShape(shape)
	} else if x, ok := tileSplit(s, fk); ok && !k.NumelArg() {
		k.Tiled = true
		k.XNumel, k.YNumel = x, k.Numel/x
		k.setShape(heuristics.Tile(k.XNumel, k.YNumel))
	} else {
		k.setShape(heuristics.Pointwise(k.Numel))
	}
	l := newLowering(s, fk, k, names)
	// A statement per expression and store at most: one allocation.
	size := 0
	for _, n := range fk.Nodes {
		size++
		n.Body.Walk(func(*ir.Expr) { size++ })
	}
	k.Pre = make([]Stmt, 0, size)
	l.looped = k.Reduction && !k.Persistent
	if k.Tiled {
		l.env = ir.Env{Sizes: map[string]ir.Size{yVar: ir.Int(k.YNumel), xVar: ir.Int(k.XNumel)}, Symbols: l.syms}
	}
	for _, n := range fk.Nodes {
		if err := l.node(n); err != nil {
			return nil, fmt.Errorf("kernel for node %q: %w", n.Name, err)
		}
	}
	if strided {
		k.RBlock, k.NumWarps = heuristics.StridedTile(k.XBlock, k.RNumel, accumulators(k), h)
	}
	k.Category = "poi"
	if k.Reduction {
		k.Category = "red"
		if k.Persistent {
			k.Category = "per"
		}
	}
	k.Name = kernelName(k.Category, fk.Nodes, id)
	// Validation bounds numel times rnumel at the maxima by 2^48, so the
	// span cannot saturate; the block is compared apart from it.
	span := syms.Max(k.NumelSize.Mul(k.RNumelSize))
	rblock := k.RBlock
	for _, b := range k.Blocks {
		rblock = max(rblock, b.RBlock)
	}
	k.Index64 = l.maxOff >= 1<<31 || span >= 1<<31-k.XBlock*rblock
	k.XMask = k.Numel%k.XBlock != 0 || k.NumelArg()
	k.RMask = k.Reduction && (k.RNumel%k.RBlock != 0 || k.RNumelArg())
	k.Grid = [3]int64{heuristics.CeilDiv(k.Numel, k.XBlock), 1, 1}
	if k.Tiled {
		k.XMask = k.XNumel%k.XBlock != 0
		k.YMask = k.YNumel%k.YBlock != 0
		k.Grid = [3]int64{heuristics.CeilDiv(k.XNumel, k.XBlock), heuristics.CeilDiv(k.YNumel, k.YBlock), 1}
		k.Index64 = l.maxOff >= 1<<31 || k.Numel+k.XBlock*k.YBlock >= 1<<31
	}
	// A kernel of symbolic sizes keeps its shapes per call: the candidates
	// are chosen at the hint, and a persistent one's R0_BLOCK must cover
	// every row.
	if h.Autotune && !k.Tiled && !k.Symbolic() {
		k.Configs = heuristics.Candidates(k.shape(), k.Numel, k.Reduction, h)
		// Masks must hold for every candidate's blocks.
		for _, c := range k.Configs {
			k.XMask = k.XMask || k.Numel%c.XBlock != 0
			k.RMask = k.RMask || (k.Reduction && !k.Persistent && k.RNumel%c.RBlock != 0)
		}
	}
	setEvictions(k, s.Table, syms, h)
	// Input pointers first, then outputs, each in first-use order.
	sort.SliceStable(k.Pointers, func(i, j int) bool { return !k.Pointers[i].Out && k.Pointers[j].Out })
	sort.Slice(k.SizeArgs, func(i, j int) bool { return k.SizeArgs[i].Symbol < k.SizeArgs[j].Symbol })
	param := func(name string, v ir.Size) {
		k.IntParams = append(k.IntParams, IntParam{Name: name, Value: v, Wide: syms.Max(v) >= 1<<31})
	}
	for _, a := range k.SizeArgs {
		param(a.Name, ir.Sym(a.Symbol))
	}
	if k.NumelArg() {
		param(names.XNumel, k.NumelSize)
	}
	if k.RNumelArg() {
		param(names.RNumel, k.RNumelSize)
	}
	return k, nil
}

// symbolicReduction chooses the launch shape of a reduction whose length
// is symbolic. It is persistent when the heuristics keep the longest row
// persistent; then R0_BLOCK must cover each row, so one shape per power of
// two over the length's range is kept (Blocks) and the wrapper picks by
// r0_numel at each call. A looped one takes the hint's shape for long rows
// (the longest's where the hint's would be persistent) and, for rows short
// enough to be persistent, the persistent shape of their power of two: the
// loop then runs once, as a persistent kernel would. A strided reduction
// (over a dim that is not the innermost) has no such table.
func (k *Kernel) symbolicReduction(syms ir.Symbols, inner bool, h heuristics.Rules) (heuristics.Shape, bool) {
	rng := syms.Range(k.RNumelSize)
	top, topStrided := heuristics.Reduction(k.Numel, heuristics.NextPow2(rng.Hi), inner, h)
	if !top.Persistent {
		looped, strided := heuristics.Reduction(k.Numel, k.RNumel, inner, h)
		if looped.Persistent {
			// The hint's row is short enough to be persistent and the
			// longest is not: long rows take the longest's looped shape.
			looped, strided = top, topStrided
		}
		if strided {
			return looped, strided
		}
		for p := heuristics.NextPow2(rng.Lo); p < rng.Hi; p *= 2 {
			s, _ := heuristics.Reduction(k.Numel, p, inner, h)
			if !s.Persistent {
				break
			}
			k.Blocks = append(k.Blocks, Block{Upto: p, XBlock: s.XBlock, RBlock: max(s.RBlock, p), NumWarps: s.NumWarps})
		}
		if len(k.Blocks) > 0 {
			k.Blocks = append(k.Blocks, Block{Upto: rng.Hi, XBlock: looped.XBlock, RBlock: looped.RBlock, NumWarps: looped.NumWarps})
		}
		return looped, strided
	}
	var hint heuristics.Shape
	for p := heuristics.NextPow2(rng.Lo); ; p *= 2 {
		s, _ := heuristics.Reduction(k.Numel, p, inner, h)
		s.Persistent = true
		s.RBlock = max(s.RBlock, p)
		k.Blocks = append(k.Blocks, Block{Upto: p, XBlock: s.XBlock, RBlock: s.RBlock, NumWarps: s.NumWarps})
		if p >= k.RNumel && hint.XBlock == 0 {
			hint = s
		}
		if p >= rng.Hi {
			break
		}
	}
	if hint.XBlock == 0 {
		hint = top
	}
	return hint, topStrided
}

// setShape takes a launch shape chosen by the heuristics.
func (k *Kernel) setShape(s heuristics.Shape) {
	k.XBlock, k.RBlock, k.YBlock = s.XBlock, s.RBlock, s.YBlock
	k.NumWarps, k.NumStages, k.Persistent = s.NumWarps, s.NumStages, s.Persistent
}

// shape is the kernel's launch shape.
func (k *Kernel) shape() heuristics.Shape {
	return heuristics.Shape{XBlock: k.XBlock, RBlock: k.RBlock, YBlock: k.YBlock,
		NumWarps: k.NumWarps, NumStages: k.NumStages, Persistent: k.Persistent}
}

// setEvictions gives loads L2 eviction hints. In a looped reduction of
// several passes, as Inductor: a buffer that a later pass loads again stays
// in L2 (evict_last), as does a load all programs share; the other loads of
// the last pass that reads a buffer go first. In any other reduction, a
// load all programs share (a weight) stays. In a persistent reduction that
// stores only per-row results, a direct load of a buffer no larger than
// what the kernel's loads of it read (each element read once) goes first:
// the streamed rows then leave the rest of L2 alone, dirty lines included.
// Kernels that store whole rows or elements run slower with it, and have
// none (the measurements are in docs/kernels.md).
func setEvictions(k *Kernel, t *ir.Table, syms ir.Symbols, h heuristics.Rules) {
	switch {
	case !k.Reduction:
		return
	case len(k.Loops) >= 2:
		setPassEvictions(k)
		return
	}
	stmts := [][]Stmt{k.Pre}
	for _, lp := range k.Loops {
		stmts = append(stmts, lp.Body)
	}
	space := k.Numel * max(k.RNumel, 1)
	hints := syms.HintValues()
	loads := map[string]int64{} // pointer -> its loads
	indirect := map[string]bool{}
	rowStores := k.Persistent
	for _, body := range stmts {
		for _, s := range body {
			switch s.Kind {
			case "load":
				loads[s.Ptr]++
				indirect[s.Ptr] = indirect[s.Ptr] || s.indirect
			case "store":
				rowStores = rowStores && !s.offset.Mentions(rVar)
			}
		}
	}
	extent := map[string]int64{}
	for _, p := range k.Pointers {
		if b := t.Buffer(p.Buffer); b != nil {
			extent[p.Name] = b.Extent().Eval(hints)
		}
	}
	for _, body := range stmts {
		for i := range body {
			s := &body[i]
			switch {
			case s.Kind != "load":
			case !s.offset.Mentions(xVar): // the same elements in every program
				if programs(k) > 1 {
					s.Eviction = "evict_last"
				}
			case rowStores && !h.NoEvictFirst && !indirect[s.Ptr] && loads[s.Ptr]*space <= extent[s.Ptr]:
				s.Eviction = "evict_first"
			}
		}
	}
}

// programs is how many programs the kernel's grid launches.
func programs(k *Kernel) int64 { return k.Grid[0] * k.Grid[1] * k.Grid[2] }

// setPassEvictions is setEvictions for a looped reduction of several passes.
func setPassEvictions(k *Kernel) {
	last := map[string]int{} // pointer -> last pass loading it
	for p, lp := range k.Loops {
		for _, s := range lp.Body {
			if s.Kind == "load" {
				last[s.Ptr] = p
			}
		}
	}
	for p := range k.Loops {
		body := k.Loops[p].Body
		for i := range body {
			if body[i].Kind != "load" {
				continue
			}
			// A load every program shares (no xindex in its offset: a
			// weight, a bias) stays too, when there are several programs.
			shared := !body[i].offset.Mentions(xVar) && programs(k) > 1
			if last[body[i].Ptr] > p || shared {
				body[i].Eviction = "evict_last"
			} else {
				body[i].Eviction = "evict_first"
			}
		}
	}
}

// tileSplit decides whether a pointwise kernel should run 2-D tiles: when
// a load steps through memory along the rows (contiguous in the row index y)
// while the stores are contiguous along x, as in a transpose or a permute of
// any rank. The rows are the leading dims of the kernel's first node and x
// the trailing ones, in the order its points run; splits are tried from the last dim alone outwards, and
// the first that shows such a load is taken. It returns the row length
// XNumel.
func tileSplit(s *fusion.Schedule, fk *fusion.Kernel) (int64, bool) {
	first := fk.Nodes[0]
	if len(first.Ranges) < 2 || ir.HasSymbols(first.Ranges) || !anyReordered(s.Table, fk) {
		return 0, false
	}
	// The dims in the order the node's points run (its buffer's layout).
	dims, _ := ir.StaticSizes(first.Ranges)
	if first.Strides != nil {
		order, _ := ir.DenseOrder(first.Ranges, first.Strides)
		dims = make([]int64, len(order))
		for i, d := range order {
			dims[i], _ = first.Ranges[d].Static()
		}
	}
	numel, _ := fk.Group.Numel.Static()
	x := int64(1)
	for k := len(dims) - 1; k >= 1; k-- {
		if dims[k] == 1 {
			continue
		}
		x *= dims[k]
		y := numel / x
		if !heuristics.TileFits(x, y) {
			continue
		}
		fits, transposed := transposedLoad(s, fk, x, y)
		if !fits {
			return 0, false
		}
		if transposed {
			return x, true
		}
	}
	return 0, false
}

// transposedLoad reports whether some load of the kernel, with the flat
// index split into rows of x points, moves by one element along y and by
// more along x (a load that does not move with x at all is a broadcast, not
// a transpose, and reads well in 1-D). fits is false when a node does not
// map onto the kernel's group.
func transposedLoad(s *fusion.Schedule, fk *fusion.Kernel, x, y int64) (fits, transposed bool) {
	sizes := ir.StaticEnv(map[string]int64{yVar: y, xVar: x})
	split := map[string]ir.Index{xVar: ir.VarIndex(yVar).Scale(x).Add(ir.VarIndex(xVar))}
	for _, n := range fk.Nodes {
		sub, ok := fusion.Coords(n, fk.Group, s.Graph.Symbols)
		if !ok {
			return false, false
		}
		n.Body.Walk(func(e *ir.Expr) {
			if e.Op != ir.OpLoad || len(e.Indirect) > 0 || transposed {
				return
			}
			b := s.Table.Buffer(e.Buffer)
			if b == nil {
				return
			}
			off := ir.Index{}
			for d, ix := range e.Index {
				off = off.Add(ix.Subst(sub).Subst(split).Times(b.StridesOrContiguous()[d]))
			}
			off = off.Simplify(sizes)
			unitX, unitY := false, false
			for _, t := range off.Terms {
				unitX = unitX || unitStep(t, xVar)
				unitY = unitY || unitStep(t, yVar)
			}
			transposed = unitY && !unitX && off.Mentions(xVar)
		})
	}
	return true, transposed
}

// unitStep reports a term that moves by one element as the variable v does:
// v itself, or its innermost split v % m.
func unitStep(t ir.Term, v string) bool {
	if !t.Coeff.Is(1) {
		return false
	}
	if t.Inner == nil {
		return t.Var == v
	}
	name, ok := t.Inner.IsVar()
	return ok && name == v && t.Div.Is(1) && t.Mod.C != 0 && !t.Mod.Is(1)
}

// anyReordered is tileSplit's quick test: true when some load is not a
// plain contiguous read of its buffer in the node's own dimension order
// (only such loads can disagree with the stores on the contiguous dimension).
func anyReordered(t *ir.Table, fk *fusion.Kernel) bool {
	found := false
	for _, n := range fk.Nodes {
		n.Body.Walk(func(e *ir.Expr) {
			if found || e.Op != ir.OpLoad || len(e.Indirect) > 0 {
				return
			}
			b := t.Buffer(e.Buffer)
			if b == nil {
				return
			}
			if b.Strides != nil && !slices.Equal(b.Strides, ir.ContiguousStrides(b.Shape)) {
				found = true
				return
			}
			// Loads of the trailing dimensions, in order, are contiguous
			// along the node's last dimension.
			shift := len(n.Ranges) - len(e.Index)
			for d, ix := range e.Index {
				if v, ok := ix.IsVar(); ok && v == ir.RangeVar(d+shift) {
					continue
				}
				if ix.IsConst() {
					continue
				}
				found = true
				return
			}
		})
	}
	return found
}

// accumulators counts the reduction accumulators a looped kernel carries,
// which bound the tile of a strided reduction.
func accumulators(k *Kernel) int64 {
	acc := int64(0)
	for _, s := range k.Pre {
		if s.Kind == "reduce_init" {
			acc += int64(s.Reduction.Accumulators)
		}
	}
	return acc
}
