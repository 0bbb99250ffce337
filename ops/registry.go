package ops

import (
	"fmt"
	"strings"

	"github.com/fusegen/fusegen/ir"
)

// The elementwise op registry: the tensor ops that are one elementwise
// function of their operands, with torch's name, each in one entry. The
// unary ones come from the IR's op table (ir.OpTable) as data: every unary
// IR op is a tensor op of the same name, lowered to that IR op and typed as
// its class says. The binary ones that map to an IR op one to one are named
// in binaryOps; silu is a fixed body. tweaks holds where an op is not its
// class's default: torch's typing, a Builder method name, the example of
// docs/graph-format.md. The op table (opTable), the lowering's checks
// (opUnary, opBinary) and the coverage tests (Builder method, docs example,
// schema, template, golden case) all read the registry, so a new unary op
// is an entry of ir.OpTable and a Builder method; docs/adding-an-op.md has
// the whole list.

// Elementwise is one op of the registry.
type Elementwise struct {
	Name    string     // the op in graph files, torch's name
	Arity   int        // tensor operands (each may be a Python scalar for binary ops)
	IR      ir.Op      // the IR op it lowers to one to one; "" for a composite (silu)
	Class   ir.OpClass // IR's class (0 for a composite)
	Builder string     // the Builder method recording it
	Example string     // its example node in docs/graph-format.md (the Op reference)

	promote promotion               // how torch types its operands and result
	body    func(*ir.Expr) *ir.Expr // a composite's body
}

// promotion is how an elementwise op types its operands and result, after
// torch: which dtypes it takes, and what it gives.
type promotion int

const (
	promoteFloat   promotion = iota + 1 // integer and bool tensors become float32 (torch's float functions)
	refuseBool                          // the operand's dtype, bool refused (abs, neg, relu)
	identityOnInts                      // as refuseBool, and the identity on integers (floor, ceil, round)
	identityOnBool                      // the operand's dtype, the identity on bool (sign)
	predicate                           // bool; false for bool operands (isnan, isinf)
	boolResult                          // bool from any dtype (logical_not; comparisons on the promoted dtype)
	floatOnly                           // a float tensor only, its dtype (silu)
	promoteSame                         // binary: the promoted dtype (maximum, minimum)
	intOrBool                           // binary: the promoted dtype, integer or bool only (bitwise ops)
)

// classPromotion is the default promotion of an IR class's ops.
var classPromotion = map[ir.OpClass]promotion{
	ir.ClassFloatUnary: promoteFloat,
	ir.ClassNumUnary:   refuseBool,
	ir.ClassPredicate:  predicate,
	ir.ClassLogicalNot: boolResult,
	ir.ClassCompare:    boolResult,
	ir.ClassMinMax:     promoteSame,
	ir.ClassBitwise:    intOrBool,
}

// binaryOps are the binary tensor ops that are the IR op of the same name
// on the promoted operands. (add, sub, mul, div, remainder, pow and the
// logical ops have lowerings of their own, in opTable.)
var binaryOps = []ir.Op{"maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
	"bitwise_and", "bitwise_or", "bitwise_xor"}

// composites are the registry's ops with a body instead of one IR op.
var composites = []Elementwise{
	{Name: "silu", Arity: 1, promote: floatOnly, body: func(e *ir.Expr) *ir.Expr { return eop("mul", e, eop("sigmoid", e)) }},
}

// tweak changes the defaults of one op: set fields win.
type tweak struct {
	promote promotion
	builder string // the Builder method, when not the op's name in Go spelling
	args    string // the example's args, when not "x" (unary) or "x", "b" (binary)
}

var tweaks = map[string]tweak{
	"abs":         {args: `"k"`},
	"log2":        {args: `"k"`},
	"cos":         {args: `"h"`},
	"floor":       {promote: identityOnInts},
	"ceil":        {promote: identityOnInts},
	"round":       {promote: identityOnInts},
	"sign":        {promote: identityOnBool, args: `"k"`},
	"isnan":       {builder: "IsNan"},
	"isinf":       {builder: "IsInf"},
	"logical_not": {args: `"k"`},
	"minimum":     {args: `"x", 0.0`},
	"eq":          {args: `"k", 0`},
	"lt":          {args: `"x", 0.5`},
	"le":          {args: `"k", "x"`},
	"ge":          {args: `"h", 0.25`},
	"bitwise_and": {args: `"k", 255`},
	"bitwise_or":  {args: `"mask", true`},
	"bitwise_xor": {args: `"k", 7`},
}

// elementwiseOps is the registry, built once: the IR's unary ops in table
// order, then binaryOps, then composites.
var elementwiseOps = buildRegistry()

func buildRegistry() []Elementwise {
	var out []Elementwise
	for _, o := range ir.OpTable() {
		if o.Class.Arity() == 1 {
			out = append(out, Elementwise{Name: string(o.Name), Arity: 1, IR: o.Name, Class: o.Class})
		}
	}
	for _, op := range binaryOps {
		c, ok := ir.ClassOf(op)
		if !ok || c.Arity() != 2 {
			panic(fmt.Sprintf("ops: binary op %q is not a binary op of ir.OpTable", op))
		}
		out = append(out, Elementwise{Name: string(op), Arity: 2, IR: op, Class: c})
	}
	out = append(out, composites...)
	seen := map[string]bool{}
	for i := range out {
		e := &out[i]
		if seen[e.Name] {
			panic(fmt.Sprintf("ops: elementwise op %q registered twice", e.Name))
		}
		seen[e.Name] = true
		tw := tweaks[e.Name]
		if e.promote == 0 {
			e.promote = tw.promote
		}
		if e.promote == 0 {
			e.promote = classPromotion[e.Class]
		}
		if e.promote == 0 {
			panic(fmt.Sprintf("ops: elementwise op %q: no promotion for its IR class; give one in tweaks", e.Name))
		}
		e.Builder = tw.builder
		if e.Builder == "" {
			e.Builder = goName(e.Name)
		}
		args := tw.args
		if args == "" {
			args = `"x"`
			if e.Arity == 2 {
				args = `"x", "b"`
			}
		}
		e.Example = fmt.Sprintf(`{"name": "y", "op": %q, "args": [%s]}`, e.Name, args)
	}
	return out
}

// goName spells an op name in Go: logical_not is LogicalNot.
func goName(op string) string {
	parts := strings.Split(op, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

// ElementwiseOps returns the registry of elementwise tensor ops, a copy:
// the unary ops of ir.OpTable, the binary ops that are one IR op, and silu.
func ElementwiseOps() []Elementwise {
	return append([]Elementwise(nil), elementwiseOps...)
}

// lower lowers the op on its (one or two) operands.
func (e *Elementwise) lower(args []*Tensor) (*Tensor, error) {
	if e.Arity == 1 {
		return opUnary(e, args[0])
	}
	return opBinary(e, args[0], args[1])
}
