package ir

import "slices"

// Op names an expression operation.
type Op string

// Expr is one operation of a loop body. Which fields matter depends on Op:
// load uses Buffer, Index and Indirect; constant uses Value and DType; index
// uses Expr and DType; cast uses DType; every other op uses Args only, and
// its DType is inferred by Validate.
type Expr struct {
	Op    Op
	Args  []*Expr
	DType DType

	// load: one index per dimension of Buffer. IndirectIndex(k) (spelled
	// "$k") stands for the value of Indirect[k], an integer computed at run
	// time and bounds-checked in the kernel.
	Buffer   string
	Index    []Index
	Indirect []*Expr
	// Guards, on a load: the load reads only where every guard holds and
	// gives 0 elsewhere, where its value goes unused (a cat reads a piece
	// only where the piece is, a pad its input only inside it), so its
	// index need be within the buffer only there.
	Guards []Guard

	// constant: the value in canonical spelling: an integer, a float in
	// shortest round-trip form, true/false, or inf, -inf, nan.
	Value string

	// index: the loop-index expression whose value this is.
	Expr Index
}

// Guard holds where Index lies in [Lo, Lo + Size). In a graph a guard's
// Index is one of its node's loop variables; fusion substitutes it as it
// does a load's index.
type Guard struct {
	Index Index
	Lo    Size
	Size  Size
}

// GuardLoads returns a copy of e with every load in it guarded by gs too
// (e itself when gs is empty).
func GuardLoads(e *Expr, gs []Guard) *Expr {
	if len(gs) == 0 {
		return e
	}
	return Rebuild(e, func(c *Expr) *Expr {
		if c.Op == OpLoad {
			c.Guards = append(slices.Clone(c.Guards), gs...)
		}
		return c
	})
}

// Rebuild copies e: every sub-expression is copied, its operands and
// indirect values rebuilt first, and then handed to f, which may change the
// copy or return another expression in its place.
func Rebuild(e *Expr, f func(c *Expr) *Expr) *Expr {
	if e == nil {
		return nil
	}
	c := *e
	c.Args = nil
	for _, a := range e.Args {
		c.Args = append(c.Args, Rebuild(a, f))
	}
	c.Indirect = nil
	for _, a := range e.Indirect {
		c.Indirect = append(c.Indirect, Rebuild(a, f))
	}
	return f(&c)
}

// The leaf and structural ops.
const (
	OpLoad     Op = "load"
	OpConstant Op = "constant"
	OpIndex    Op = "index"
	OpCast     Op = "cast"
	OpWhere    Op = "where"
)

// OpClass groups the elementwise ops by their typing rule, which Validate
// applies; the class also gives the arity.
type OpClass int

// The op classes. The zero OpClass is no class.
const (
	ClassFloatUnary  OpClass = iota + 1 // float -> same
	ClassNumUnary                       // int or float -> same
	ClassPredicate                      // numeric -> bool
	ClassLogicalNot                     // any -> bool
	ClassArith                          // T, T -> T, numeric
	ClassFloatBinary                    // T, T -> T, float
	ClassCompare                        // T, T -> bool
	ClassLogical                        // bool, bool -> bool
	ClassBitwise                        // T, T -> T, int or bool
	ClassMinMax                         // T, T -> T, numeric or bool
)

// Arity is the number of operands of the class's ops, or -1 for no class.
func (c OpClass) Arity() int {
	switch c {
	case ClassFloatUnary, ClassNumUnary, ClassPredicate, ClassLogicalNot:
		return 1
	case ClassArith, ClassFloatBinary, ClassCompare, ClassLogical, ClassBitwise, ClassMinMax:
		return 2
	}
	return -1
}

// OpInfo is one entry of the IR's op table: an elementwise op and its class.
type OpInfo struct {
	Name  Op
	Class OpClass
}

// opTable is the IR's op table: every elementwise op (the leaf and
// structural ops above aside) with its class. It is the one list of them:
// Validate, Arity and Ops read it, and package ops makes every unary op here
// a tensor op of the same name (see docs/adding-an-op.md). Each op needs a
// template op/<name> (templates/triton/ops.tmpl).
var opTable = []OpInfo{
	{"exp", ClassFloatUnary}, {"exp2", ClassFloatUnary}, {"expm1", ClassFloatUnary},
	{"log", ClassFloatUnary}, {"log2", ClassFloatUnary}, {"log1p", ClassFloatUnary},
	{"sqrt", ClassFloatUnary}, {"rsqrt", ClassFloatUnary}, {"sin", ClassFloatUnary},
	{"cos", ClassFloatUnary}, {"tanh", ClassFloatUnary}, {"sigmoid", ClassFloatUnary},
	{"erf", ClassFloatUnary}, {"reciprocal", ClassFloatUnary},
	{"neg", ClassNumUnary}, {"abs", ClassNumUnary}, {"relu", ClassNumUnary},
	{"floor", ClassNumUnary}, {"ceil", ClassNumUnary}, {"round", ClassNumUnary},
	{"sign", ClassNumUnary},
	{"isnan", ClassPredicate}, {"isinf", ClassPredicate},
	{"logical_not", ClassLogicalNot},
	{"add", ClassArith}, {"sub", ClassArith}, {"mul", ClassArith},
	{"floordiv", ClassArith}, {"mod", ClassArith},
	{"truediv", ClassFloatBinary}, {"pow", ClassFloatBinary},
	{"maximum", ClassMinMax}, {"minimum", ClassMinMax},
	{"eq", ClassCompare}, {"ne", ClassCompare}, {"lt", ClassCompare},
	{"le", ClassCompare}, {"gt", ClassCompare}, {"ge", ClassCompare},
	{"logical_and", ClassLogical}, {"logical_or", ClassLogical},
	{"bitwise_and", ClassBitwise}, {"bitwise_or", ClassBitwise}, {"bitwise_xor", ClassBitwise},
}

// opClasses indexes opTable.
var opClasses = func() map[Op]OpClass {
	m := make(map[Op]OpClass, len(opTable))
	for _, o := range opTable {
		if _, dup := m[o.Name]; dup || o.Class.Arity() < 0 {
			panic("ir: op table: bad or repeated entry " + string(o.Name))
		}
		m[o.Name] = o.Class
	}
	return m
}()

// OpTable returns the IR's op table: every elementwise op with its class,
// in table order (grouped by class).
func OpTable() []OpInfo { return append([]OpInfo(nil), opTable...) }

// ClassOf returns the class of an elementwise op; ok is false for the leaf
// and structural ops and for unknown ones.
func ClassOf(op Op) (c OpClass, ok bool) {
	c, ok = opClasses[op]
	return c, ok
}

// Arity is the number of Args op takes, or -1 for an unknown op.
func Arity(op Op) int {
	switch op {
	case OpLoad, OpConstant, OpIndex:
		return 0
	case OpCast:
		return 1
	case OpWhere:
		return 3
	}
	c, ok := opClasses[op]
	if !ok {
		return -1
	}
	return c.Arity()
}

// Ops lists every expression op name, sorted.
func Ops() []Op {
	out := []Op{OpCast, OpConstant, OpIndex, OpLoad, OpWhere}
	for _, o := range opTable {
		out = append(out, o.Name)
	}
	sortOps(out)
	return out
}

func sortOps(ops []Op) {
	for i := 1; i < len(ops); i++ {
		for j := i; j > 0 && ops[j] < ops[j-1]; j-- {
			ops[j], ops[j-1] = ops[j-1], ops[j]
		}
	}
}

// Walk calls f on e and every expression below it, parents first: Args in
// order, then Indirect.
func (e *Expr) Walk(f func(*Expr)) {
	if e == nil {
		return
	}
	f(e)
	for _, a := range e.Args {
		a.Walk(f)
	}
	for _, a := range e.Indirect {
		a.Walk(f)
	}
}

// Reads returns the buffers e loads, in first-use order without repeats.
func (e *Expr) Reads() []string {
	var out []string
	seen := map[string]bool{}
	e.Walk(func(x *Expr) {
		if x.Op == OpLoad && !seen[x.Buffer] {
			seen[x.Buffer] = true
			out = append(out, x.Buffer)
		}
	})
	return out
}
