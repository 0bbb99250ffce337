package ir

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

	// constant: the value in canonical spelling: an integer, a float in
	// shortest round-trip form, true/false, or inf, -inf, nan.
	Value string

	// index: the loop-index expression whose value this is.
	Expr Index
}

// The leaf and structural ops.
const (
	OpLoad     Op = "load"
	OpConstant Op = "constant"
	OpIndex    Op = "index"
	OpCast     Op = "cast"
	OpWhere    Op = "where"
)

// opClass groups ops by their typing rule.
type opClass int

const (
	classFloatUnary  opClass = iota // float -> same
	classNumUnary                   // int or float -> same
	classPredicate                  // numeric -> bool
	classLogicalNot                 // any -> bool
	classArith                      // T, T -> T, numeric
	classFloatBinary                // T, T -> T, float
	classCompare                    // T, T -> bool
	classLogical                    // bool, bool -> bool
	classBitwise                    // T, T -> T, int or bool
	classMinMax                     // T, T -> T, numeric or bool
)

var opClasses = map[Op]opClass{
	"exp": classFloatUnary, "exp2": classFloatUnary, "expm1": classFloatUnary,
	"log": classFloatUnary, "log2": classFloatUnary, "log1p": classFloatUnary,
	"sqrt": classFloatUnary, "rsqrt": classFloatUnary, "sin": classFloatUnary,
	"cos": classFloatUnary, "tanh": classFloatUnary, "sigmoid": classFloatUnary,
	"erf": classFloatUnary, "reciprocal": classFloatUnary,
	"neg": classNumUnary, "abs": classNumUnary, "relu": classNumUnary,
	"floor": classNumUnary, "ceil": classNumUnary, "round": classNumUnary,
	"sign":  classNumUnary,
	"isnan": classPredicate, "isinf": classPredicate,
	"logical_not": classLogicalNot,
	"add":         classArith, "sub": classArith, "mul": classArith,
	"floordiv": classArith, "mod": classArith,
	"truediv": classFloatBinary, "pow": classFloatBinary,
	"maximum": classMinMax, "minimum": classMinMax,
	"eq": classCompare, "ne": classCompare, "lt": classCompare,
	"le": classCompare, "gt": classCompare, "ge": classCompare,
	"logical_and": classLogical, "logical_or": classLogical,
	"bitwise_and": classBitwise, "bitwise_or": classBitwise, "bitwise_xor": classBitwise,
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
	switch c {
	case classFloatUnary, classNumUnary, classPredicate, classLogicalNot:
		return 1
	}
	return 2
}

// Ops lists every expression op name, sorted.
func Ops() []Op {
	out := []Op{OpCast, OpConstant, OpIndex, OpLoad, OpWhere}
	for op := range opClasses {
		out = append(out, op)
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
