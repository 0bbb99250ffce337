package kernel

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fusegen/fusegen/fusion"
	"github.com/fusegen/fusegen/ir"
)

type value struct {
	name  string
	dtype ir.DType // compute dtype
	usesR bool     // varies along r0_index
	phase int      // reduction passes that must finish before it exists
	// scalar: a value, not a block (a load of one fixed element, or a cast
	// of one), which a load through it may not mask with a block
	scalar bool
}

type lowering struct {
	table        *ir.Table
	k            *Kernel
	group        fusion.Group
	nodes        map[string]*ir.Node // the nodes this kernel computes
	live         map[string]bool     // nodes whose values the kernel needs
	materialized map[string]bool
	reduced      map[string]value // reduction node -> its row result
	bodies       map[string]value // reduction node -> the value it reduced
	cse          map[string]value
	env          ir.Env // the ranges of the kernel's indices, and the symbols'
	syms         ir.Symbols
	phases       map[string]int   // memo of phaseOf for inlined producers
	inlined      map[string]value // memo of recomputed producers: name@index@pass
	ptrs         map[string]string
	nextTmp      int
	maxOff       int64
	names        Names
	spelling     map[string]ir.Index // neutral index names -> the target's
	reduce       bool
	looped       bool
	// guards are the masks of the guarded loads whose producer is being
	// recomputed: every load under them takes them too.
	guards []value
}

func newLowering(s *fusion.Schedule, fk *fusion.Kernel, k *Kernel, names Names) *lowering {
	l := &lowering{names: names, spelling: names.spelling(),
		table: s.Table, k: k, group: fk.Group, nodes: map[string]*ir.Node{}, live: map[string]bool{},
		materialized: s.Materialized, reduced: map[string]value{}, bodies: map[string]value{}, cse: map[string]value{},
		env: fk.Group.Env(s.Graph.Symbols), syms: s.Graph.Symbols, phases: map[string]int{}, inlined: map[string]value{}, ptrs: map[string]string{}, reduce: k.Reduction,
	}
	for _, n := range fk.Nodes {
		l.nodes[n.Name] = n
	}
	// A node is live if it is stored or something live reads it.
	for i := len(fk.Nodes) - 1; i >= 0; i-- {
		n := fk.Nodes[i]
		if !l.materialized[n.Name] && !l.live[n.Name] {
			continue
		}
		l.live[n.Name] = true
		for _, r := range n.Body.Reads() {
			if _, ok := l.nodes[r]; ok {
				l.live[r] = true
			}
		}
	}
	return l
}

func (l *lowering) tmp() string {
	name := "tmp" + strconv.Itoa(l.nextTmp)
	l.nextTmp++
	return name
}

// emit places a statement. Pointwise and persistent kernels run straight
// through. In a looped reduction, work along r0 goes into pass `at`; work
// per row goes before the loops when it needs no reduction, else right
// after the pass that finishes the last reduction it needs.
func (l *lowering) emit(s Stmt, usesR bool, phase, at int) {
	if !l.looped {
		l.k.Pre = append(l.k.Pre, s)
		return
	}
	switch {
	case usesR:
		l.ensureLoop(at)
		l.k.Loops[at].Body = append(l.k.Loops[at].Body, s)
	case phase == 0:
		l.k.Pre = append(l.k.Pre, s)
	default:
		l.ensureLoop(phase - 1)
		l.k.Loops[phase-1].After = append(l.k.Loops[phase-1].After, s)
	}
}

func (l *lowering) ensureLoop(i int) {
	for len(l.k.Loops) <= i {
		l.k.Loops = append(l.k.Loops, Loop{})
	}
}

// cacheKey scopes a CSE key: values along r0 exist only inside their pass.
func (l *lowering) cacheKey(key string, usesR bool, at int) string {
	if l.looped && usesR {
		return key + "@" + strconv.Itoa(at)
	}
	return key
}

func (l *lowering) pointer(buffer string, out bool) string {
	key := buffer
	if out {
		key = "out:" + buffer
	}
	if p, ok := l.ptrs[key]; ok {
		return p
	}
	n := 0
	for _, p := range l.k.Pointers {
		if p.Out == out {
			n++
		}
	}
	prefix := "in_ptr"
	if out {
		prefix = "out_ptr"
	}
	name := prefix + strconv.Itoa(n)
	l.ptrs[key] = name
	b := l.table.Buffer(buffer)
	l.k.Pointers = append(l.k.Pointers, Pointer{Name: name, Buffer: buffer, DType: b.DType, Out: out})
	return name
}

// offset renders a flat element offset and records how far it can reach.
func (l *lowering) offset(ix ir.Index) (ir.Index, bool) {
	ix = ix.Simplify(l.env)
	// Every step of the computation must fit the index type, not only the
	// offset it ends at.
	if m := ix.MaxMagnitude(l.env); m > l.maxOff {
		l.maxOff = m
	}
	return ix, ix.Mentions(rVar)
}

// spell writes an index as the target does: the flat indices by their
// target names.
func (l *lowering) spell(ix ir.Index) string {
	// Products spaced as black spaces binary operators (the index form
	// spells them 8*x).
	return strings.ReplaceAll(l.spellSymbols(ix.Subst(l.spelling)).String(), "*", " * ")
}

// spellSymbols renames the symbols of ix to the kernel's parameters,
// taking each as a parameter on first use.
func (l *lowering) spellSymbols(ix ir.Index) ir.Index {
	if !ix.HasSymbols() {
		return ix
	}
	m := map[string]string{}
	for _, s := range ix.Symbols() {
		m[s] = l.sizeArg(s)
	}
	return ix.RenameSymbols(m)
}

// sizeArg is the parameter that passes symbol s.
func (l *lowering) sizeArg(s string) string {
	name := l.names.SizePrefix + s
	for _, a := range l.k.SizeArgs {
		if a.Symbol == s {
			return name
		}
	}
	l.k.SizeArgs = append(l.k.SizeArgs, SizeArg{Name: name, Symbol: s})
	return name
}

// spellSize spells a size inside the kernel.
func (l *lowering) spellSize(s ir.Size) string {
	return l.spell(ir.SizeIndex(s))
}

// rnumelOperand is the reduction length as a float operand of a division:
// 1024.0, or the r0_numel argument.
func (l *lowering) rnumelOperand() string {
	if l.k.RNumelArg() {
		return l.names.RNumel
	}
	return strconv.FormatInt(l.k.RNumel, 10) + ".0"
}

func (l *lowering) mask(usesR bool) string {
	if l.k.Tiled {
		return l.names.TileMask
	}
	if !l.reduce {
		return l.names.XMask
	}
	if usesR {
		return l.names.RowMask
	}
	return l.names.XMask
}

// node lowers one node of the kernel: a reduction's combine steps, and the
// store of every node whose buffer is materialized. A pointwise node that is
// not stored needs no code of its own: its readers recompute it.
func (l *lowering) node(n *ir.Node) error {
	if !l.live[n.Name] || (n.Kind == ir.Pointwise && !l.materialized[n.Name]) {
		return nil
	}
	sub, ok := l.coords(n)
	if !ok {
		return fmt.Errorf("node does not fit the kernel's iteration space %s", l.group)
	}
	var v value
	if online, max, ok := l.onlineSource(n, sub); ok {
		v = l.onlineSum(online, l.reduced[max.Name])
		l.reduced[n.Name] = v
	} else {
		at := l.phaseOf(n.Body, sub)
		var err error
		if v, err = l.expr(n.Body, sub, at); err != nil {
			return err
		}
		if n.Kind == ir.Reduction {
			l.bodies[n.Name] = v
			v = l.reduction(n, v, at)
			l.reduced[n.Name] = v
		}
	}
	at := v.phase
	if !l.materialized[n.Name] {
		return nil
	}
	flat := l.stridedIndex(n.Buffer().StridesOrContiguous(), rangeVars(n, sub))
	off, offR := l.offset(flat)
	if flat.IsConst() {
		// A one-element buffer (numel 1): keep the pointer a block, which a
		// store of a block value needs; xmask leaves only xindex 0.
		off = ir.VarIndex(xVar).Add(flat)
	}
	usesR := v.usesR || offR
	st := Stmt{Kind: "store", Ptr: l.pointer(n.Name, true), Offset: l.spell(off), offset: off, Var: v.name, Mask: l.mask(usesR), DType: v.dtype}
	if n.DType != v.dtype {
		st.StoreAs = n.DType
	}
	if at < v.phase {
		at = v.phase
	}
	l.emit(st, usesR, v.phase, at)
	return nil
}

// onlineSource recognizes, in a looped kernel, a sum of exp(x - m) where m
// is the row result of a max reduction of the same x in this kernel (the
// softmax denominator), and returns that max's body value and node. Such a
// sum can run in the max's own pass, as an online softmax: one read of the
// row instead of two.
func (l *lowering) onlineSource(n *ir.Node, sub map[string]ir.Index) (value, *ir.Node, bool) {
	if !l.looped || n.Kind != ir.Reduction || n.Reduction != ir.Sum {
		return value{}, nil, false
	}
	e := n.Body
	if e.Op != "exp" || len(e.Args) != 1 || e.Args[0].Op != "sub" {
		return value{}, nil, false
	}
	x, ld := e.Args[0].Args[0], e.Args[0].Args[1]
	if ld.Op != ir.OpLoad || len(ld.Indirect) > 0 {
		return value{}, nil, false
	}
	m, ok := l.nodes[ld.Buffer]
	if !ok || m.Kind != ir.Reduction || m.Reduction != ir.Max {
		return value{}, nil, false
	}
	body, done := l.bodies[m.Name]
	if !done || body.dtype != n.DType.Compute() || !l.group.IsRowIndex(l.flatIndex(m.Ranges, l.loadIndex(ld, sub))) {
		return value{}, nil, false
	}
	msub, _ := l.coords(m)
	if l.signature(x, sub) != l.signature(m.Body, msub) {
		return value{}, nil, false
	}
	return body, m, true
}

// signature spells an expression with its indices in kernel coordinates,
// recomputed producers expanded, so that equal values spell the same.
func (l *lowering) signature(e *ir.Expr, sub map[string]ir.Index) string {
	var b strings.Builder
	var walk func(e *ir.Expr, sub map[string]ir.Index)
	walk = func(e *ir.Expr, sub map[string]ir.Index) {
		b.WriteString(string(e.Op))
		b.WriteString("(")
		switch e.Op {
		case ir.OpLoad:
			idx := l.loadIndex(e, sub)
			for _, g := range e.Guards {
				fmt.Fprintf(&b, "guard[%s in %s+%s]", g.Index.Subst(sub).Simplify(l.env), g.Lo, g.Size)
			}
			if p, ok := l.nodes[e.Buffer]; ok && p.Kind == ir.Pointwise && len(e.Indirect) == 0 {
				walk(p.Body, producerSubst(p, idx))
			} else {
				b.WriteString(e.Buffer + "[" + indexKey(idx) + "]")
				for _, a := range e.Indirect {
					walk(a, sub)
				}
			}
		case ir.OpConstant:
			b.WriteString(string(e.DType) + ":" + e.Value)
		case ir.OpIndex:
			b.WriteString(string(e.DType) + ":" + e.Expr.Subst(sub).Simplify(l.env).String())
		case ir.OpCast:
			b.WriteString(string(e.DType))
		}
		for _, a := range e.Args {
			b.WriteString(",")
			walk(a, sub)
		}
		b.WriteString(")")
	}
	walk(e, sub)
	return b.String()
}

// onlineSoftmaxSum is the reduction of an online softmax sum, which only
// kernels make (it is no reduction type of the IR): the sum of exp(x - the
// running max of x), in the defines reduce/online_softmax_sum/*. Its two
// accumulators are the running max and the running sum.
var onlineSoftmaxSum = ir.ReductionInfo{Type: "online_softmax_sum", Accumulators: 2, Pass: "online_softmax_sum",
	Template: "reduce/online_softmax_sum"}

// onlineSum emits the online softmax sum of exp(v - running max) in v's
// pass; its result exists after that pass, like the max's. The running max
// it keeps is the max reduction's result too, so that reduction's own
// accumulation is dropped and its result becomes an alias.
func (l *lowering) onlineSum(v, max value) value {
	at := v.phase
	if v.usesR {
		at = l.passOf(v)
	}
	res := value{name: l.tmp(), dtype: v.dtype, phase: at + 1}
	st := Stmt{Op: onlineSoftmaxSum.Pass, Reduction: &onlineSoftmaxSum, Var: res.name, Acc: "_" + res.name, Args: []string{v.name}, DType: v.dtype,
		Mask: l.names.RowMask, RNumel: l.rnumelOperand()}
	if !l.absorbMax(st, max, at) {
		l.emitLooped(st, at)
	}
	return res
}

// absorbMax replaces the looped max reduction whose result is max by the
// online sum st's running max: the max's init and update go, and its final
// combine becomes st's final combine plus "max = st's row max". It reports
// false, changing nothing, when the max's statements are not all where
// expected.
func (l *lowering) absorbMax(st Stmt, max value, at int) bool {
	find := func(list []Stmt, kind string) int {
		for i, s := range list {
			if s.Kind == kind && s.Reduction != nil && s.Reduction.Type == ir.Max && s.Var == max.name {
				return i
			}
		}
		return -1
	}
	if at >= len(l.k.Loops) {
		return false
	}
	lp := &l.k.Loops[at]
	pi, bi, ai := find(l.k.Pre, "reduce_init"), find(lp.Body, "reduce_update"), find(lp.After, "reduce_final")
	if pi < 0 || bi < 0 || ai < 0 {
		return false
	}
	init, update, final := st, st, st
	init.Kind, update.Kind, final.Kind = "reduce_init", "reduce_update", "reduce_final"
	alias := Stmt{Kind: "alias", Var: max.name, Args: []string{st.Var + "_max"}, DType: max.dtype}
	l.k.Pre[pi] = init
	lp.Body = append(append(lp.Body[:bi:bi], lp.Body[bi+1:]...), update)
	lp.After = append(lp.After[:ai:ai], append([]Stmt{final, alias}, lp.After[ai+1:]...)...)
	return true
}

// emitLooped places a looped reduction: its accumulator's initialization
// before the passes, its update in pass at, its final combine after it.
func (l *lowering) emitLooped(st Stmt, at int) {
	init, update, final := st, st, st
	init.Kind, update.Kind, final.Kind = "reduce_init", "reduce_update", "reduce_final"
	l.k.Pre = append(l.k.Pre, init)
	l.ensureLoop(at)
	l.k.Loops[at].Body = append(l.k.Loops[at].Body, update)
	l.k.Loops[at].After = append(l.k.Loops[at].After, final)
}

// passOf finds the pass whose body defines v.
func (l *lowering) passOf(v value) int {
	for i, lp := range l.k.Loops {
		for _, s := range lp.Body {
			if s.Var == v.name {
				return i
			}
		}
	}
	return v.phase
}

// coords maps a node's loop variables onto the kernel's indices: Coords,
// with the flat xindex of a tiled kernel split into yindex (rows of
// XNumel points) and xindex.
func (l *lowering) coords(n *ir.Node) (map[string]ir.Index, bool) {
	sub, ok := fusion.Coords(n, l.group, l.syms)
	if !ok || !l.k.Tiled {
		return sub, ok
	}
	split := map[string]ir.Index{xVar: ir.VarIndex(yVar).Scale(l.k.XNumel).Add(ir.VarIndex(xVar))}
	out := make(map[string]ir.Index, len(sub))
	for v, ix := range sub {
		out[v] = ix.Subst(split).Simplify(l.env)
	}
	return out, true
}

// flatIndex is fusion.FlatIndex over this kernel's index ranges.
func (l *lowering) flatIndex(shape []ir.Size, idx []ir.Index) ir.Index {
	return l.stridedIndex(ir.ContiguousStrides(shape), idx)
}

// stridedIndex is the offset of a point idx of a buffer with these strides,
// simplified over this kernel's index ranges.
func (l *lowering) stridedIndex(strides []ir.Size, idx []ir.Index) ir.Index {
	flat := ir.Index{}
	for d, ix := range idx {
		flat = flat.Add(ix.Times(strides[d]))
	}
	return flat.Simplify(l.env)
}

// rangeVars returns the node's range variables in kernel coordinates.
func rangeVars(n *ir.Node, sub map[string]ir.Index) []ir.Index {
	out := make([]ir.Index, len(n.Ranges))
	for d := range n.Ranges {
		out[d] = sub[ir.RangeVar(d)]
	}
	return out
}

// phaseOf is the number of reduction passes e needs finished: the latest
// pass of any in-kernel reduction it reads, directly or through the
// pointwise producers it recomputes.
func (l *lowering) phaseOf(e *ir.Expr, sub map[string]ir.Index) int {
	phase := 0
	e.Walk(func(x *ir.Expr) {
		if x.Op != ir.OpLoad {
			return
		}
		p, ok := l.nodes[x.Buffer]
		if !ok {
			return
		}
		if p.Kind == ir.Reduction {
			if v, ok := l.reduced[p.Name]; ok && v.phase > phase {
				phase = v.phase
			}
			return
		}
		idx := l.loadIndex(x, sub)
		key := p.Name + "@" + indexKey(idx)
		ph, ok := l.phases[key]
		if !ok {
			ph = l.phaseOf(p.Body, producerSubst(p, idx))
			l.phases[key] = ph
		}
		if ph > phase {
			phase = ph
		}
	})
	return phase
}

func (l *lowering) loadIndex(e *ir.Expr, sub map[string]ir.Index) []ir.Index {
	idx := make([]ir.Index, len(e.Index))
	for d, ix := range e.Index {
		idx[d] = ix.Subst(sub).Simplify(l.env)
	}
	return idx
}

func producerSubst(p *ir.Node, idx []ir.Index) map[string]ir.Index {
	m := make(map[string]ir.Index, len(idx))
	for d, ix := range idx {
		m[ir.RangeVar(d)] = ix
	}
	return m
}

func indexKey(idx []ir.Index) string {
	parts := make([]string, len(idx))
	for i, ix := range idx {
		parts[i] = ix.String()
	}
	return strings.Join(parts, ",")
}

// expr lowers e with the node's variables mapped by sub; values along r0
// are placed in pass at.
func (l *lowering) expr(e *ir.Expr, sub map[string]ir.Index, at int) (value, error) {
	switch e.Op {
	case ir.OpLoad:
		return l.load(e, sub, at)
	case ir.OpConstant:
		key := "const:" + string(e.DType) + ":" + e.Value
		return l.cached(key, value{dtype: e.DType.Compute()}, at, func(name string) Stmt {
			return Stmt{Kind: "constant", Var: name, Value: e.Value, DType: e.DType.Compute()}
		}), nil
	case ir.OpIndex:
		ix := e.Expr.Subst(sub).Simplify(l.env)
		off, usesR := l.offset(ix)
		spelled := l.spell(off)
		key := "index:" + string(e.DType) + ":" + spelled
		return l.cached(key, value{dtype: e.DType, usesR: usesR}, at, func(name string) Stmt {
			return Stmt{Kind: "index", Var: name, Offset: spelled, offset: off, DType: e.DType, Value: constValue(ix)}
		}), nil
	}
	args := make([]value, len(e.Args))
	names := make([]string, len(e.Args))
	shape := value{}
	for i, a := range e.Args {
		v, err := l.expr(a, sub, at)
		if err != nil {
			return value{}, err
		}
		args[i] = v
		names[i] = v.name
		shape.usesR = shape.usesR || v.usesR
		if v.phase > shape.phase {
			shape.phase = v.phase
		}
	}
	if e.Op == ir.OpCast {
		to := e.DType
		from := args[0].dtype
		if to.Compute() == from && !to.IsHalf() {
			return args[0], nil // a no-op cast
		}
		shape.dtype = to.Compute()
		shape.scalar = args[0].scalar
		key := "cast:" + string(to) + ":" + names[0]
		return l.cached(key, shape, at, func(name string) Stmt {
			return Stmt{Kind: "op", Op: "cast", Var: name, Args: names, DType: to.Compute(), From: from, To: to}
		}), nil
	}
	shape.dtype = e.DType.Compute()
	key := "op:" + string(e.Op) + ":" + strings.Join(names, ",")
	return l.cached(key, shape, at, func(name string) Stmt {
		return Stmt{Kind: "op", Op: string(e.Op), Var: name, Args: names, DType: shape.dtype, From: args[0].dtype}
	}), nil
}

func constValue(ix ir.Index) string {
	if ix.IsConst() {
		return fmt.Sprint(ix.Const)
	}
	return ""
}

// cached emits a statement once per key (common subexpression elimination).
// v carries the new value's dtype, usesR and phase.
func (l *lowering) cached(key string, v value, at int, mk func(name string) Stmt) value {
	key = l.cacheKey(key, v.usesR, at)
	if old, ok := l.cse[key]; ok {
		return old
	}
	v.name = l.tmp()
	l.emit(mk(v.name), v.usesR, v.phase, at)
	l.cse[key] = v
	return v
}

// guardValues lowers a load's guards to boolean values in kernel
// coordinates, after the guards of the producers being recomputed.
func (l *lowering) guardValues(gs []ir.Guard, sub map[string]ir.Index, at int) ([]value, error) {
	bound := func(b ir.Index) *ir.Expr {
		if b.IsConst() {
			return &ir.Expr{Op: ir.OpConstant, DType: ir.Int64, Value: strconv.FormatInt(b.Const, 10)}
		}
		return &ir.Expr{Op: ir.OpIndex, DType: ir.Int64, Expr: b}
	}
	out := slices.Clone(l.guards)
	for _, g := range gs {
		ix := &ir.Expr{Op: ir.OpIndex, DType: ir.Int64, Expr: g.Index.Subst(sub).Simplify(l.env)}
		// The side the index's range already keeps is left out.
		lo, hi := ir.SizeIndex(g.Lo), ir.SizeIndex(g.Lo).Add(ir.SizeIndex(g.Size))
		r := ix.Expr.Bounds(l.env)
		var cond *ir.Expr
		if !hi.IsConst() || r.Hi >= hi.Const {
			cond = &ir.Expr{Op: "lt", DType: ir.Bool, Args: []*ir.Expr{ix, bound(hi)}}
		}
		if !lo.IsConst() || r.Lo < lo.Const {
			above := &ir.Expr{Op: "ge", DType: ir.Bool, Args: []*ir.Expr{ix, bound(lo)}}
			if cond == nil {
				cond = above
			} else {
				cond = &ir.Expr{Op: "logical_and", DType: ir.Bool, Args: []*ir.Expr{above, cond}}
			}
		}
		if cond == nil {
			continue
		}
		v, err := l.expr(cond, nil, at)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func guardKey(gs []value) string {
	var b strings.Builder
	for _, g := range gs {
		b.WriteString("&" + g.name)
	}
	return b.String()
}

func (l *lowering) load(e *ir.Expr, sub map[string]ir.Index, at int) (value, error) {
	p, inKernel := l.nodes[e.Buffer]
	if inKernel && p.Kind == ir.Reduction {
		// The row's result, computed already: nothing is read.
		v, done := l.reduced[p.Name]
		flat := l.flatIndex(p.Ranges, l.loadIndex(e, sub))
		if !done || !l.group.IsRowIndex(flat) {
			return value{}, fmt.Errorf("reads reduction %q at %s inside the kernel computing it", p.Name, flat)
		}
		return v, nil
	}
	guards, err := l.guardValues(e.Guards, sub, at)
	if err != nil {
		return value{}, err
	}
	if inKernel {
		idx := l.loadIndex(e, sub)
		// A pointwise producer in this kernel: recompute it at this index,
		// once per index, guards and pass; its loads take the guards.
		key := p.Name + "@" + indexKey(idx) + "@" + strconv.Itoa(at) + guardKey(guards)
		if v, ok := l.inlined[key]; ok {
			return v, nil
		}
		outer := l.guards
		l.guards = guards
		v, err := l.expr(p.Body, producerSubst(p, idx), at)
		l.guards = outer
		if err != nil {
			return value{}, err
		}
		l.inlined[key] = v
		return v, nil
	}
	b := l.table.Buffer(e.Buffer)
	if b == nil {
		return value{}, fmt.Errorf("load of undefined buffer %q", e.Buffer)
	}
	shape := value{dtype: b.DType.Compute()}
	indirect := make([]value, len(e.Indirect))
	for i, ind := range e.Indirect {
		v, err := l.expr(ind, sub, at)
		if err != nil {
			return value{}, err
		}
		indirect[i] = v
		shape.usesR = shape.usesR || v.usesR
		if v.phase > shape.phase {
			shape.phase = v.phase
		}
	}
	strides := b.StridesOrContiguous()
	flat := ir.Index{}
	var checks []Stmt
	for d, ix := range e.Index {
		if k, ok := ix.IsIndirect(); ok {
			iv := indirect[k]
			checks = append(checks, Stmt{Kind: "assert", Var: iv.name, Size: l.spellSize(b.Shape[d])})
			flat = flat.Add(ir.VarIndex(iv.name).Times(strides[d]))
			continue
		}
		flat = flat.Add(ix.Subst(sub).Times(strides[d]))
	}
	off, offR := l.offset(flat)
	if len(checks) > 0 {
		// An indirect index reaches as far as its dimension allows.
		if ext := b.Extent().Bounds(l.env).Hi; ext > l.maxOff {
			l.maxOff = ext
		}
	}
	shape.usesR = shape.usesR || offR
	for _, g := range guards {
		shape.usesR = shape.usesR || g.usesR
		shape.phase = max(shape.phase, g.phase)
	}
	mask := l.mask(shape.usesR)
	if len(indirect) == 0 && off.IsConst() || len(indirect) > 0 && scalarOffset(off, indirect) {
		mask = "" // a fixed element: a scalar load needs (and allows) no mask
	}
	for _, g := range guards {
		// A guarded load reads only where its guards hold.
		if mask == "" {
			mask = g.name
		} else {
			mask += " & " + g.name
		}
	}
	shape.scalar = mask == ""
	ptr := l.pointer(e.Buffer, false)
	spelled := l.spell(off)
	loadKey := "load:" + ptr + ":" + spelled + guardKey(guards)
	key := l.cacheKey(loadKey, shape.usesR, at)
	if v, ok := l.cse[key]; ok {
		return v, nil
	}
	for _, c := range checks {
		c.Mask = mask
		l.emit(c, shape.usesR, shape.phase, at)
		l.k.Debug = true
	}
	return l.cached(loadKey, shape, at, func(name string) Stmt {
		return Stmt{Kind: "load", Var: name, Ptr: ptr, Offset: spelled, offset: off, Mask: mask, DType: shape.dtype, Upcast: b.DType.IsHalf(),
			indirect: len(checks) > 0}
	}), nil
}

// reduction emits the combine steps for a reduction node whose body value
// is v, accumulating in pass at; its result exists from pass at+1 on.
func (l *lowering) reduction(n *ir.Node, v value, at int) value {
	info := n.Reduction.Info()
	idxType := ir.Int32
	if l.syms.Max(l.k.NumelSize.Mul(l.k.RNumelSize)) >= 1<<31 {
		idxType = ir.Int64
	}
	// Reductions of the same value in the same pass share it: welford_mean
	// and welford_m2 of one body cost one reduction.
	key := "reduce:" + info.Pass + ":" + v.name
	res, ok := l.cse[key]
	if ok && info.Field != "" {
		l.addField(res.name, info)
	}
	if !ok {
		res = value{name: l.tmp(), dtype: info.Result.DType(v.dtype), phase: at + 1}
		if info.Result == ir.IndexResult {
			res.dtype = idxType // the compute type of a position: int32 where it fits
		}
		st := Stmt{Op: info.Pass, Reduction: info, Var: res.name, Args: []string{v.name}, DType: v.dtype, Mask: l.names.RowMask,
			RIndex: l.names.R, Identity: info.Identity.Value(v.dtype), RNumel: l.rnumelOperand(), IndexDType: idxType}
		if info.Field != "" {
			st.Fields = []string{info.Field}
		}
		if l.looped {
			st.Acc = "_" + res.name
			l.emitLooped(st, at)
		} else {
			st.Kind = "reduce_persistent"
			l.k.Pre = append(l.k.Pre, st)
		}
		l.cse[key] = res
	}
	if info.Field != "" {
		return value{name: res.name + "_" + info.Field, dtype: v.dtype, phase: res.phase}
	}
	return res
}

// addField records that the field of info is used from the pass whose
// result is v, on every statement of that pass, keeping the fields in the
// order of ir.PassFields.
func (l *lowering) addField(v string, info *ir.ReductionInfo) {
	lists := [][]Stmt{l.k.Pre}
	for _, lp := range l.k.Loops {
		lists = append(lists, lp.Body, lp.After)
	}
	for _, ss := range lists {
		for i := range ss {
			s := &ss[i]
			if s.Var != v || s.Reduction == nil || s.Reduction.Pass != info.Pass || contains(s.Fields, info.Field) {
				continue
			}
			var out []string
			for _, f := range ir.PassFields(info.Pass) {
				if f == info.Field || contains(s.Fields, f) {
					out = append(out, f)
				}
			}
			s.Fields = out
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// kernelName builds triton_<category>_fused_<ops>_<n> from the sorted set of
// op names the kernel computes (the node's origin op where it has one), at
// most ten of them, as Inductor does.
func kernelName(category string, nodes []*ir.Node, id int) string {
	seen := map[string]bool{}
	for _, n := range nodes {
		if n.Origin != "" {
			seen[n.Origin] = true
			continue
		}
		if n.Kind == ir.Reduction {
			seen[string(n.Reduction)] = true
		}
		n.Body.Walk(func(e *ir.Expr) {
			switch e.Op {
			case ir.OpLoad, ir.OpConstant, ir.OpIndex:
			case ir.OpCast:
				seen["to"] = true
			default:
				seen[string(e.Op)] = true
			}
		})
	}
	names := make([]string, 0, len(seen))
	for s := range seen {
		names = append(names, s)
	}
	sort.Strings(names)
	if len(names) > 10 {
		names = names[:10]
	}
	fused := "fused"
	if len(names) > 0 {
		fused += "_" + strings.Join(names, "_")
	}
	return fmt.Sprintf("triton_%s_%s_%d", category, fused, id)
}

// scalarOffset reports an offset that is a fixed element but for indirect
// values that are all scalars: the load reads one element, so its pointer
// is no block and takes no block mask.
func scalarOffset(off ir.Index, indirect []value) bool {
	byName := map[string]bool{}
	for _, v := range indirect {
		if !v.scalar {
			return false
		}
		byName[v.name] = true
	}
	for _, t := range off.Terms {
		if t.Inner != nil || t.Var != "" && !byName[t.Var] {
			return false
		}
	}
	return true
}
