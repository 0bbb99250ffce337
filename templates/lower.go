package templates

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fusegen/fusegen/ir"
)

func (l *lowering) tmp() string {
	name := fmt.Sprintf("tmp%d", l.nextTmp)
	l.nextTmp++
	return name
}

// emit places a statement: in a looped reduction, work that depends on the
// reduction index goes inside the loop and the rest is hoisted before it.
func (l *lowering) emit(s Stmt, usesR bool) {
	if l.looped && usesR {
		l.k.Loop = append(l.k.Loop, s)
	} else {
		l.k.Pre = append(l.k.Pre, s)
	}
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
	name := fmt.Sprintf("%s%d", prefix, n)
	l.ptrs[key] = name
	b := l.g.Lookup(buffer)
	l.k.Pointers = append(l.k.Pointers, Pointer{Name: name, Buffer: buffer, DType: b.DType, Out: out})
	return name
}

func (l *lowering) sizes() map[string]int64 {
	return map[string]int64{xVar: l.k.Numel, rVar: l.k.RNumel}
}

// offset renders a flat element offset and records how far it can reach.
func (l *lowering) offset(ix ir.Index) (string, bool) {
	ix = ix.Simplify(l.sizes())
	b := ix.Bounds(l.sizes())
	if b.Hi > l.maxOff {
		l.maxOff = b.Hi
	}
	if -b.Lo > l.maxOff {
		l.maxOff = -b.Lo
	}
	usesR := false
	for _, v := range ix.Vars() {
		usesR = usesR || v == rVar
	}
	return ix.String(), usesR
}

func (l *lowering) mask(usesR bool) string {
	if !l.reduce {
		return "xmask"
	}
	if usesR {
		return "r0_mask & xmask"
	}
	return "xmask"
}

func (l *lowering) node(n *ir.Node) error {
	sub := varSubst(n)
	v, err := l.expr(n.Body, sub)
	if err != nil {
		return err
	}
	if n.Kind == ir.Reduction {
		v = l.reduction(n, v)
	}
	// The node's buffer is contiguous over its ranges, so its offset is xindex.
	off, _ := l.offset(ir.VarIndex(xVar))
	st := Stmt{Kind: "store", Ptr: l.pointer(n.Name, true), Offset: off, Var: v.name, Mask: "xmask", DType: v.dtype}
	if n.DType != v.dtype {
		st.StoreAs = n.DType
	}
	if l.reduce {
		l.k.Post = append(l.k.Post, st)
	} else {
		l.k.Pre = append(l.k.Pre, st)
	}
	return nil
}

func (l *lowering) expr(e *ir.Expr, sub map[string]ir.Index) (value, error) {
	switch e.Op {
	case ir.OpLoad:
		return l.load(e, sub)
	case ir.OpConstant:
		key := "const:" + string(e.DType) + ":" + e.Value
		return l.cached(key, false, e.DType.Compute(), func(name string) Stmt {
			return Stmt{Kind: "constant", Var: name, Value: e.Value, DType: e.DType.Compute()}
		}), nil
	case ir.OpIndex:
		ix := e.Expr.Subst(sub).Simplify(l.sizes())
		off, usesR := l.offset(ix)
		key := "index:" + string(e.DType) + ":" + off
		return l.cached(key, usesR, e.DType, func(name string) Stmt {
			return Stmt{Kind: "index", Var: name, Offset: off, DType: e.DType, Value: constValue(ix)}
		}), nil
	}
	args := make([]value, len(e.Args))
	usesR := false
	names := make([]string, len(e.Args))
	for i, a := range e.Args {
		v, err := l.expr(a, sub)
		if err != nil {
			return value{}, err
		}
		args[i] = v
		names[i] = v.name
		usesR = usesR || v.usesR
	}
	if e.Op == ir.OpCast {
		to := e.DType
		from := args[0].dtype
		if to.Compute() == from && !to.IsHalf() {
			return args[0], nil // a no-op cast
		}
		key := "cast:" + string(to) + ":" + names[0]
		return l.cached(key, usesR, to.Compute(), func(name string) Stmt {
			return Stmt{Kind: "op", Op: "cast", Var: name, Args: names, DType: to.Compute(), From: from, To: to}
		}), nil
	}
	dt := e.DType.Compute()
	key := "op:" + string(e.Op) + ":" + strings.Join(names, ",")
	return l.cached(key, usesR, dt, func(name string) Stmt {
		return Stmt{Kind: "op", Op: string(e.Op), Var: name, Args: names, DType: dt, From: args[0].dtype}
	}), nil
}

func constValue(ix ir.Index) string {
	if ix.IsConst() {
		return fmt.Sprint(ix.Const)
	}
	return ""
}

// cached emits a statement once per key (common subexpression elimination).
func (l *lowering) cached(key string, usesR bool, dt ir.DType, mk func(name string) Stmt) value {
	if v, ok := l.cse[key]; ok {
		return v
	}
	v := value{name: l.tmp(), dtype: dt, usesR: usesR}
	l.emit(mk(v.name), usesR)
	l.cse[key] = v
	return v
}

func (l *lowering) load(e *ir.Expr, sub map[string]ir.Index) (value, error) {
	b := l.g.Lookup(e.Buffer)
	if b == nil {
		return value{}, fmt.Errorf("load of undefined buffer %q", e.Buffer)
	}
	usesR := false
	indirect := make([]value, len(e.Indirect))
	for i, ind := range e.Indirect {
		v, err := l.expr(ind, sub)
		if err != nil {
			return value{}, err
		}
		indirect[i] = v
		usesR = usesR || v.usesR
	}
	strides := b.StridesOrContiguous()
	flat := ir.Index{}
	var checks []Stmt
	for d, ix := range e.Index {
		if name, ok := ix.IsVar(); ok && strings.HasPrefix(name, "$") {
			var k int
			fmt.Sscanf(name[1:], "%d", &k)
			iv := indirect[k]
			checks = append(checks, Stmt{Kind: "assert", Var: iv.name, Size: b.Shape[d]})
			flat = flat.Add(ir.VarIndex(iv.name).Scale(strides[d]))
			continue
		}
		flat = flat.Add(ix.Subst(sub).Scale(strides[d]))
	}
	off, offR := l.offset(flat)
	if len(checks) > 0 {
		// An indirect index reaches as far as its dimension allows.
		l.recordIndirectReach(b)
	}
	usesR = usesR || offR
	mask := l.mask(usesR)
	for i := range checks {
		checks[i].Mask = mask
	}
	ptr := l.pointer(e.Buffer, false)
	key := "load:" + ptr + ":" + off
	if v, ok := l.cse[key]; ok {
		return v, nil
	}
	for _, c := range checks {
		l.emit(c, usesR)
		l.k.Debug = true
	}
	dt := b.DType.Compute()
	return l.cached(key, usesR, dt, func(name string) Stmt {
		return Stmt{Kind: "load", Var: name, Ptr: ptr, Offset: off, Mask: mask, DType: dt, Upcast: b.DType.IsHalf()}
	}), nil
}

func (l *lowering) recordIndirectReach(b *ir.Buffer) {
	if e := b.Extent(); e > l.maxOff {
		l.maxOff = e
	}
}

// reduction emits the combine steps for a reduction node whose body value is v.
func (l *lowering) reduction(n *ir.Node, v value) value {
	op := string(n.Reduction)
	if n.Reduction.IsWelford() {
		op = "welford"
	}
	lowest, highest := identities(v.dtype)
	idxType := ir.Int32
	if l.k.Index64 || l.k.Numel*l.k.RNumel >= 1<<31 {
		idxType = ir.Int64
	}
	// Reductions of the same value with the same combine share one pass:
	// welford_mean and welford_m2 of one body cost one reduction.
	key := "reduce:" + op + ":" + v.name
	res, ok := l.cse[key]
	field := strings.TrimPrefix(string(n.Reduction), "welford_")
	if ok && op == "welford" {
		l.addField(res.name, field)
	}
	if !ok {
		res = value{name: l.tmp(), dtype: v.dtype}
		if op == "argmax" || op == "argmin" {
			res.dtype = idxType
		}
		if op == "any" {
			res.dtype = ir.Bool
		}
		st := Stmt{Op: op, Var: res.name, Args: []string{v.name}, DType: v.dtype, Mask: "r0_mask & xmask",
			RIndex: rVar, Lowest: lowest, Highest: highest, RNumel: l.k.RNumel, IndexDType: idxType}
		if op == "welford" {
			st.Fields = []string{field}
		}
		if l.looped {
			st.Acc = "_" + res.name
			init, update, final := st, st, st
			init.Kind, update.Kind, final.Kind = "reduce_init", "reduce_update", "reduce_final"
			l.k.Pre = append(l.k.Pre, init)
			l.k.Loop = append(l.k.Loop, update)
			l.k.Post = append(l.k.Post, final)
		} else {
			st.Kind = "reduce_persistent"
			l.k.Pre = append(l.k.Pre, st)
		}
		l.cse[key] = res
	}
	switch n.Reduction {
	case ir.WelfordMean:
		return value{name: res.name + "_mean", dtype: v.dtype}
	case ir.WelfordM2:
		return value{name: res.name + "_m2", dtype: v.dtype}
	case ir.WelfordWeight:
		return value{name: res.name + "_weight", dtype: v.dtype}
	}
	return res
}

// addField records that a welford pass's field is used, on every statement
// of that pass, keeping the fields in the order mean, m2, weight.
func (l *lowering) addField(v, field string) {
	for _, ss := range [][]Stmt{l.k.Pre, l.k.Loop, l.k.Post} {
		for i := range ss {
			s := &ss[i]
			if s.Var != v || s.Op != "welford" || contains(s.Fields, field) {
				continue
			}
			var out []string
			for _, f := range []string{"mean", "m2", "weight"} {
				if f == field || contains(s.Fields, f) {
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

// identities returns the identities of max and min for a compute type, in
// canonical constant spelling.
func identities(t ir.DType) (lowest, highest string) {
	switch t {
	case ir.Bool:
		return "false", "true"
	case ir.Int8:
		return "-128", "127"
	case ir.Uint8:
		return "0", "255"
	case ir.Int16:
		return "-32768", "32767"
	case ir.Int32:
		return "-2147483648", "2147483647"
	case ir.Int64:
		return "-9223372036854775808", "9223372036854775807"
	}
	return "-inf", "inf"
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
