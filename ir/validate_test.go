package ir

import (
	"slices"
	"strings"
	"testing"
)

// Builders for graphs in code.

func ld(buf string, index ...string) *Expr {
	e := &Expr{Op: OpLoad, Buffer: buf, Index: []Index{}}
	for _, s := range index {
		x, err := ParseIndex(s)
		if err != nil {
			panic(err)
		}
		e.Index = append(e.Index, x)
	}
	return e
}

func op(o Op, args ...*Expr) *Expr { return &Expr{Op: o, Args: args} }

func guarded(e *Expr, gs ...Guard) *Expr { e.Guards = gs; return e }

func cst(t DType, v string) *Expr { return &Expr{Op: OpConstant, DType: t, Value: v} }

// baseGraph is valid: inputs of several dtypes, a pointwise node y and a
// reduction s over it.
func baseGraph() *Graph {
	return &Graph{
		Name:   "base",
		Device: "cuda",
		Inputs: []*Buffer{
			{Name: "x", DType: Float32, Shape: Sizes(4, 8)},
			{Name: "n", DType: Int32, Shape: Sizes(4, 8)},
			{Name: "m", DType: Bool, Shape: Sizes(4, 8)},
			{Name: "idx", DType: Int64, Shape: Sizes(4)},
			{Name: "f", DType: Float32, Shape: Sizes(4)},
		},
		Nodes: []*Node{
			{Name: "y", Kind: Pointwise, Ranges: Sizes(4, 8), Body: op("exp", ld("x", "i0", "i1"))},
			{Name: "s", Kind: Reduction, Ranges: Sizes(4), ReductionRanges: Sizes(8), Reduction: Sum, Body: ld("y", "i0", "r0")},
		},
		Outputs: []string{"s"},
	}
}

func TestValidateValid(t *testing.T) {
	g := baseGraph()
	g.Nodes = append(g.Nodes,
		&Node{Name: "c", Kind: Pointwise, Ranges: Sizes(4, 8), Body: op(OpWhere,
			op("lt", ld("n", "i0", "i1"), cst(Int32, "3")),
			op("add", ld("y", "i0", "i1"), cst(Float32, "1.50")),
			cst(Float32, "Infinity"))},
		&Node{Name: "am", Kind: Reduction, Ranges: Sizes(4), ReductionRanges: Sizes(8), Reduction: ArgMax, Body: ld("n", "i0", "r0")},
		&Node{Name: "an", Kind: Reduction, Ranges: Sizes(4), ReductionRanges: Sizes(8), Reduction: Any, Body: ld("m", "i0", "r0")},
		&Node{Name: "wm", Kind: Reduction, Ranges: Sizes(4), ReductionRanges: Sizes(8), Reduction: WelfordMean, Body: ld("y", "i0", "r0")},
		&Node{Name: "ix", Kind: Pointwise, Ranges: Sizes(4, 8), Body: &Expr{Op: OpIndex, DType: Int32, Expr: mustIndex(t, "8*i0 + i1")}},
		&Node{Name: "bw", Kind: Pointwise, Ranges: Sizes(4, 8), Body: op("bitwise_xor", ld("n", "i0", "i1"), ld("ix", "i0", "i1"))},
		&Node{Name: "h", Kind: Pointwise, Ranges: Sizes(4, 8), Body: &Expr{Op: OpCast, DType: BFloat16, Args: []*Expr{ld("n", "i0", "i1")}}},
	)
	g.Outputs = []string{"s", "c", "am", "an", "wm", "bw", "h", "x"}
	if err := Validate(g); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	want := map[string]DType{"y": Float32, "s": Float32, "c": Float32, "am": Int64, "an": Bool, "wm": Float32, "ix": Int32, "bw": Int32, "h": BFloat16}
	for _, n := range g.Nodes {
		if n.DType != want[n.Name] {
			t.Errorf("node %s: dtype %q, want %s", n.Name, n.DType, want[n.Name])
		}
	}
	c := g.Node("c").Body
	if c.DType != Float32 || c.Args[0].DType != Bool || c.Args[1].DType != Float32 || c.Args[0].Args[0].DType != Int32 {
		t.Errorf("expression dtypes not inferred: where %q, lt %q, add %q, load %q", c.DType, c.Args[0].DType, c.Args[1].DType, c.Args[0].Args[0].DType)
	}
	if v := c.Args[1].Args[1].Value; v != "1.5" {
		t.Errorf("constant value %q not canonical", v)
	}
	if v := c.Args[2].Value; v != "inf" {
		t.Errorf("constant value %q not canonical", v)
	}
	// Validating again is a no-op.
	if err := Validate(g); err != nil {
		t.Fatalf("second Validate: %v", err)
	}
}

func TestValidateOutOfOrderNodes(t *testing.T) {
	// The reduction comes first in the file but reads the pointwise node;
	// its dtype must be known when the load is checked.
	g := baseGraph()
	g.Nodes[0], g.Nodes[1] = g.Nodes[1], g.Nodes[0]
	g.Nodes = append(g.Nodes, &Node{Name: "z", Kind: Pointwise, Ranges: Sizes(4), Body: op("sqrt", ld("s", "i0"))})
	g.Nodes[0], g.Nodes[2] = g.Nodes[2], g.Nodes[0] // z, y, s
	g.Outputs = []string{"z"}
	if err := Validate(g); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for _, n := range g.Nodes {
		if n.DType != Float32 {
			t.Errorf("node %s: dtype %q", n.Name, n.DType)
		}
	}
	order, _ := TopoOrder(g)
	var names []string
	for _, n := range order {
		names = append(names, n.Name)
	}
	if got := strings.Join(names, " "); got != "y s z" {
		t.Errorf("TopoOrder = %s, want y s z", got)
	}
	// Errors in a later-checked node still name its file position.
	g.Nodes[0].Body = op("sqrt", ld("s", "i0 + 1"))
	err := Validate(g)
	if err == nil || !strings.Contains(err.Error(), `nodes[0] "z".body.args[0].index[0]`) {
		t.Errorf("Validate = %v", err)
	}
}

func TestTopoOrderKeepsFileOrder(t *testing.T) {
	g := &Graph{Nodes: []*Node{
		{Name: "a", Body: cst(Float32, "1")},
		{Name: "b", Body: ld("d")},
		{Name: "c", Body: cst(Float32, "1")},
		{Name: "d", Body: ld("a")},
		{Name: "e"},
	}}
	order, err := TopoOrder(g)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range order {
		names = append(names, n.Name)
	}
	if got := strings.Join(names, " "); got != "a d b c e" {
		t.Errorf("TopoOrder = %s, want a d b c e", got)
	}
	g.Nodes[0].Body = ld("b")
	if _, err := TopoOrder(g); err == nil || !strings.Contains(err.Error(), "cycle: a -> b -> d -> a") {
		t.Errorf("TopoOrder = %v", err)
	}
	g.Nodes[0].Body = ld("a")
	if _, err := TopoOrder(g); err == nil || !strings.Contains(err.Error(), `nodes[0] "a": cycle: a -> a`) {
		t.Errorf("TopoOrder on a self-read = %v", err)
	}
}

func TestValidateErrors(t *testing.T) {
	setBody := func(b *Expr) func(*Graph) { return func(g *Graph) { g.Nodes[0].Body = op("exp", b) } }
	rename := func(name string) func(*Graph) {
		return func(g *Graph) { g.Nodes[0].Name = name; g.Nodes[1].Body = ld(name, "i0", "r0") }
	}
	red := func(r ReductionType, body *Expr) func(*Graph) {
		return func(g *Graph) { g.Nodes[1].Reduction = r; g.Nodes[1].Body = body }
	}
	y := `nodes[0] "y".body`
	s := `nodes[1] "s".body`
	cases := []struct {
		name string
		mut  func(*Graph)
		want []string
	}{
		// Graph level.
		{"graph name", func(g *Graph) { g.Name = "a b" }, []string{"name: graph name \"a b\""}},
		{"empty graph name", func(g *Graph) { g.Name = "" }, []string{"name: graph name \"\""}},
		{"device upper", func(g *Graph) { g.Device = "CUDA" }, []string{`device: device "CUDA": want a lowercase name`}},
		{"device empty", func(g *Graph) { g.Device = "" }, []string{`device: device ""`}},
		{"device no name", func(g *Graph) { g.Device = ":0" }, []string{`device: device ":0"`}},
		{"device bad index", func(g *Graph) { g.Device = "cuda:x" }, []string{`device: device "cuda:x": index "x" is not a small non-negative integer`}},
		{"device padded index", func(g *Graph) { g.Device = "cuda:01" }, []string{`index "01"`}},
		{"device negative index", func(g *Graph) { g.Device = "cuda:-1" }, []string{`index "-1"`}},
		{"device empty index", func(g *Graph) { g.Device = "cuda:" }, []string{`index ""`}},
		{"device two colons", func(g *Graph) { g.Device = "cuda:1:2" }, []string{`index "1:2"`}},
		{"device huge index", func(g *Graph) { g.Device = "cuda:1024" }, []string{`index "1024"`}},
		{"device code", func(g *Graph) { g.Device = "cuda; rm" }, []string{`device "cuda; rm"`}},

		// Inputs.
		{"unknown dtype", func(g *Graph) { g.Inputs[0].DType = "float8" }, []string{`inputs[0].dtype: unknown dtype "float8"`}},
		{"zero size", func(g *Graph) { g.Inputs[0].Shape = Sizes(4, 0) }, []string{"inputs[0].shape[1]: size 0 must be positive"}},
		{"negative size", func(g *Graph) { g.Inputs[0].Shape = Sizes(-4, 8) }, []string{"inputs[0].shape[0]: size -4 must be positive"}},
		{"too many elements", func(g *Graph) { g.Inputs[4].Shape = Sizes(1<<30, 1<<30) }, []string{"inputs[4].shape: more than 2^48 elements"}},
		{"stride count", func(g *Graph) { g.Inputs[0].Strides = Sizes(1) }, []string{"inputs[0].strides: 1 strides for 2 dimensions"}},
		{"negative stride", func(g *Graph) { g.Inputs[0].Strides = Sizes(8, -1) }, []string{"inputs[0].strides[1]: stride -1 must be between 0 and 2^48"}},
		{"negative offset", func(g *Graph) { g.Inputs[0].Offset = -1 }, []string{"inputs[0].offset: storage offset -1"}},
		{"extent", func(g *Graph) { g.Inputs[4].Strides = Sizes(1 << 47) }, []string{"inputs[4]: strides reach more than 2^48 elements"}},
		// (2^16)*2^48 wraps to 0 in int64: the check must not be fooled.
		{"extent overflow", func(g *Graph) { g.Inputs[4].Shape = Sizes(1<<16 + 1); g.Inputs[4].Strides = Sizes(1 << 48) }, []string{"inputs[4]: strides reach more than 2^48 elements"}},

		// Names.
		{"duplicate input", func(g *Graph) { g.Inputs[1].Name = "x" }, []string{`inputs[1].name: duplicate name "x" (first defined at inputs[0])`}},
		{"duplicate node", func(g *Graph) { g.Nodes[1].Name = "x" }, []string{`nodes[1].name: duplicate name "x" (first defined at inputs[0])`}},
		{"unsafe code", rename("x; import os"), []string{`nodes[0].name: name "x; import os" is not a Python identifier`}},
		{"underscore", rename("_x"), []string{`nodes[0].name: name "_x" starts with an underscore`}},
		{"dunder", rename("__name__"), []string{`nodes[0].name: name "__name__" starts with an underscore`}},
		{"non-ASCII", rename("caf\u00e9"), []string{`nodes[0].name: name "café" is not a Python identifier`}},
		{"digit first", rename("1abc"), []string{`name "1abc" is not a Python identifier`}},
		{"empty name", rename(""), []string{"nodes[0].name: name is empty"}},
		{"long name", rename(strings.Repeat("a", 65)), []string{"is longer than 64 characters"}},
		{"unsafe input name", func(g *Graph) { g.Inputs[0].Name = "os.system" }, []string{`inputs[0].name: name "os.system" is not a Python identifier`}},

		// Nodes.
		{"unknown kind", func(g *Graph) { g.Nodes[0].Kind = "scan" }, []string{`nodes[0] "y".kind: unknown node kind "scan"`}},
		{"zero range", func(g *Graph) { g.Nodes[0].Ranges = Sizes(4, 0) }, []string{`nodes[0] "y".ranges[1]: size 0 must be positive`}},
		{"negative range", func(g *Graph) { g.Nodes[1].ReductionRanges = Sizes(-8) }, []string{`nodes[1] "s".reduction_ranges[0]: size -8 must be positive`}},
		{"pointwise reduction ranges", func(g *Graph) { g.Nodes[0].ReductionRanges = Sizes(2) }, []string{`nodes[0] "y".reduction_ranges: a pointwise node has no reduction ranges`}},
		{"pointwise reduction type", func(g *Graph) { g.Nodes[0].Reduction = Sum }, []string{`nodes[0] "y".reduction: a pointwise node has no reduction type`}},
		{"reduction without ranges", func(g *Graph) { g.Nodes[1].ReductionRanges = nil }, []string{`nodes[1] "s".reduction_ranges: a reduction node needs at least one`}},
		{"reduction too big", func(g *Graph) { g.Nodes[1].Ranges = Sizes(1 << 25); g.Nodes[1].ReductionRanges = Sizes(1 << 25) }, []string{`nodes[1] "s": ranges times reduction ranges exceed 2^48`}},
		{"unknown reduction", func(g *Graph) { g.Nodes[1].Reduction = "mean" }, []string{`nodes[1] "s".reduction: unknown reduction type "mean"`}},
		{"missing body", func(g *Graph) { g.Nodes[0].Body = nil }, []string{`nodes[0] "y".body: missing body`}},
		{"declared node dtype", func(g *Graph) { g.Nodes[0].DType = Float16 }, []string{`nodes[0] "y".dtype: declared dtype float16 but the body computes float32`}},

		// Expressions.
		{"unknown op", func(g *Graph) { g.Nodes[0].Body.Op = "expp" }, []string{y + `.op: unknown op "expp"`}},
		{"arity", func(g *Graph) { g.Nodes[0].Body.Args = append(g.Nodes[0].Body.Args, ld("x", "i0", "i1")) }, []string{y + ".args: exp takes 1 argument(s), got 2"}},
		{"nil arg", func(g *Graph) { g.Nodes[0].Body.Args[0] = nil }, []string{y + ".args[0]: missing expression"}},
		{"undefined buffer", setBody(ld("xx", "i0", "i1")), []string{y + `.args[0].buffer: undefined buffer "xx"`}},
		{"output buffer is no input", setBody(ld("S", "i0")), []string{`undefined buffer "S"`}},
		{"cycle", func(g *Graph) {
			g.Nodes = append(g.Nodes,
				&Node{Name: "a", Kind: Pointwise, Ranges: Sizes(4), Body: op("exp", ld("b", "i0"))},
				&Node{Name: "b", Kind: Pointwise, Ranges: Sizes(4), Body: op("exp", ld("a", "i0"))})
		}, []string{`nodes[2] "a": cycle: a -> b -> a`}},
		{"self-read", setBody(ld("y", "i0", "i1")), []string{y + `.args[0].buffer: node reads its own buffer "y" (a cycle)`}},
		{"self-read in indirect", setBody(&Expr{Op: OpLoad, Buffer: "x", Index: []Index{IndirectIndex(0), VarIndex("i1")}, Indirect: []*Expr{ld("y", "i0", "i1")}}),
			[]string{y + `.args[0].indirect[0].buffer: node reads its own buffer "y"`}},
		{"binary dtype mismatch", setBody(op("add", ld("x", "i0", "i1"), ld("n", "i0", "i1"))), []string{y + ".args[0]: add's operands differ in dtype: float32 and int32"}},
		{"compare dtype mismatch", func(g *Graph) { g.Nodes[0].Body = op("lt", ld("x", "i0", "i1"), cst(Float64, "0")) }, []string{y + ": lt's operands differ in dtype: float32 and float64"}},
		{"where non-bool", setBody(op(OpWhere, ld("x", "i0", "i1"), ld("x", "i0", "i1"), ld("x", "i0", "i1"))), []string{y + ".args[0].args[0]: where needs a bool condition, got float32"}},
		{"where branches", setBody(op(OpWhere, ld("m", "i0", "i1"), ld("x", "i0", "i1"), ld("n", "i0", "i1"))), []string{y + ".args[0]: where's branches differ in dtype: float32 and int32"}},
		{"float op on int", func(g *Graph) { g.Nodes[0].Body = op("exp", ld("n", "i0", "i1")) }, []string{y + ": exp needs float operands, got int32"}},
		{"truediv on int", func(g *Graph) { g.Nodes[0].Body = op("truediv", ld("n", "i0", "i1"), ld("n", "i0", "i1")) }, []string{y + ": truediv needs float operands, got int32"}},
		{"arith on bool", func(g *Graph) { g.Nodes[0].Body = op("add", ld("m", "i0", "i1"), ld("m", "i0", "i1")) }, []string{y + ": add needs numeric operands, got bool"}},
		{"isnan on bool", func(g *Graph) { g.Nodes[0].Body = op("isnan", ld("m", "i0", "i1")) }, []string{y + ": isnan needs a numeric operand, got bool"}},
		{"logical on int", func(g *Graph) { g.Nodes[0].Body = op("logical_and", ld("n", "i0", "i1"), ld("n", "i0", "i1")) }, []string{y + ": logical_and needs bool operands, got int32"}},
		{"bitwise on float", func(g *Graph) { g.Nodes[0].Body = op("bitwise_or", ld("x", "i0", "i1"), ld("x", "i0", "i1")) }, []string{y + ": bitwise_or needs integer or bool operands, got float32"}},
		{"declared expr dtype", func(g *Graph) { g.Nodes[0].Body.DType = Float64 }, []string{y + ".dtype: declared dtype float64 but exp computes float32"}},
		{"declared load dtype", func(g *Graph) { g.Nodes[0].Body.Args[0].DType = Float16 }, []string{y + ".args[0].dtype: declared dtype float16 but load computes float32"}},
		{"buffer on non-load", func(g *Graph) { g.Nodes[0].Body.Buffer = "x" }, []string{y + ": buffer, index, indirect and guards belong to load only"}},
		{"value on non-load", func(g *Graph) { g.Nodes[0].Body.Value = "1" }, []string{y + ".value: value belongs to constant only"}},
		{"cast without dtype", setBody(&Expr{Op: OpCast, Args: []*Expr{ld("x", "i0", "i1")}}), []string{y + ".args[0].dtype: cast needs a target dtype"}},
		{"deep", func(g *Graph) {
			e := ld("x", "i0", "i1")
			for i := 0; i < 300; i++ {
				e = op("neg", e)
			}
			g.Nodes[0].Body = e
		}, []string{"expression nested deeper than 256"}},

		// Indices.
		{"index out of range", setBody(ld("x", "i0 + 1", "i1")), []string{y + `.args[0].index[0]: index i0 + 1 ranges over [1, 4], outside dimension 0 of "x" (size 4)`}},
		{"index negative", setBody(ld("x", "i0", "i1 - 1")), []string{y + `.args[0].index[1]: index i1 - 1 ranges over [-1, 6]`}},
		{"index swapped", setBody(ld("x", "i1", "i0")), []string{`index i1 ranges over [0, 7], outside dimension 0 of "x" (size 4)`}},
		{"index overflow", func(g *Graph) {
			// 2^53 * 2048 wraps to 0 in int64; the bound must not.
			g.Inputs[4].Shape = Sizes(1)
			g.Nodes[0].Ranges = Sizes(2049)
			g.Nodes[0].Body = op("exp", ld("f", "9007199254740992*i0"))
		}, []string{y + ".args[0].index[0]: index 9007199254740992*i0 ranges over [0, 9223372036854775807]"}},
		{"unknown loop variable", setBody(ld("x", "r0", "i1")), []string{y + `.args[0].index[0]: unknown loop variable "r0" (this node has i0, i1)`}},
		{"loop variable of scalar node", func(g *Graph) { g.Nodes[0].Ranges = Sizes(); g.Nodes[0].Body = op("exp", ld("f", "i0")) }, []string{`unknown loop variable "i0" (this node has none)`}},
		{"reduction variables listed", func(g *Graph) { g.Nodes[1].Body = ld("y", "i0", "r1") }, []string{s + `.index[1]: unknown loop variable "r1" (this node has i0, r0)`}},
		{"too few indices", setBody(ld("x", "i0")), []string{y + `.args[0].index: 1 indices for "x", which has 2 dimensions`}},
		{"too many indices", setBody(ld("x", "i0", "i1", "0")), []string{`3 indices for "x", which has 2 dimensions`}},
		{"negative dividend", setBody(ld("x", "(i0 - 1) // 2", "i1")), []string{y + ".args[0].index[0]: i0 - 1 can be negative where it is divided"}},

		// Reductions.
		{"any on float", red(Any, ld("y", "i0", "r0")), []string{s + ": any needs a bool body, got float32"}},
		{"welford on int", red(WelfordMean, ld("n", "i0", "r0")), []string{s + ": welford_mean needs a float body, got int32"}},
		{"welford_m2 on bool", red(WelfordM2, ld("m", "i0", "r0")), []string{s + ": welford_m2 needs a float body, got bool"}},
		{"sum of bool", red(Sum, ld("m", "i0", "r0")), []string{s + ": sum of bool is not defined"}},
		{"argmax of bool", red(ArgMax, ld("m", "i0", "r0")), []string{s + ": argmax of bool is not defined"}},
		{"argmax declared float", func(g *Graph) {
			g.Nodes[1].Reduction = ArgMax
			g.Nodes[1].DType = Float32
		}, []string{`nodes[1] "s".dtype: declared dtype float32 but the body computes int64`}},

		// Indirect loads.
		{"float indirect", setBody(&Expr{Op: OpLoad, Buffer: "x", Index: []Index{IndirectIndex(0), VarIndex("i1")}, Indirect: []*Expr{ld("f", "i0")}}),
			[]string{y + ".args[0].indirect[0]: an indirect index must be an integer, got float32"}},
		{"bool indirect", setBody(&Expr{Op: OpLoad, Buffer: "x", Index: []Index{IndirectIndex(0), VarIndex("i1")}, Indirect: []*Expr{ld("m", "i0", "i1")}}),
			[]string{"an indirect index must be an integer, got bool"}},
		{"indirect missing", setBody(&Expr{Op: OpLoad, Buffer: "x", Index: []Index{IndirectIndex(0), IndirectIndex(1)}, Indirect: []*Expr{ld("idx", "i0")}}),
			[]string{y + ".args[0].index[1]: $1 names no entry of indirect (it has 1)"}},
		{"indirect none", setBody(ld("x", "$0", "i1")), []string{"$0 names no entry of indirect (it has 0)"}},
		{"indirect bad name", setBody(&Expr{Op: OpLoad, Buffer: "x", Index: []Index{VarIndex("$a"), VarIndex("i1")}, Indirect: []*Expr{ld("idx", "i0")}}),
			[]string{`unknown loop variable "$a"`}},
		{"indirect unused", setBody(&Expr{Op: OpLoad, Buffer: "x", Index: []Index{VarIndex("i0"), VarIndex("i1")}, Indirect: []*Expr{ld("idx", "i0")}}),
			[]string{y + ".args[0].indirect[0]: indirect value $0 is not used by any index"}},
		{"indirect in expression", setBody(&Expr{Op: OpLoad, Buffer: "x", Index: []Index{mustIndex(t, "$0 + 1"), VarIndex("i1")}, Indirect: []*Expr{ld("idx", "i0")}}),
			[]string{y + ".args[0].index[0]: an indirect value $0 must be the whole index of a dimension"}},
		{"indirect in index op", func(g *Graph) { g.Nodes[0].Body = &Expr{Op: OpIndex, DType: Int64, Expr: IndirectIndex(0)} }, []string{y + ".expr: an indirect value $0 may appear only in a load's index"}},
		{"indirect with bad index", setBody(&Expr{Op: OpLoad, Buffer: "x", Index: []Index{IndirectIndex(0), VarIndex("i1")}, Indirect: []*Expr{ld("idx", "i1")}}),
			[]string{y + `.args[0].indirect[0].index[0]: index i1 ranges over [0, 7], outside dimension 0 of "idx" (size 4)`}},

		// Constants and index values.
		{"constant int32 fraction", func(g *Graph) { g.Nodes[0].Body = cst(Int32, "1.5") }, []string{y + `.value: "1.5" is not an integer`}},
		{"constant int8 range", func(g *Graph) { g.Nodes[0].Body = cst(Int8, "300") }, []string{y + ".value: 300 is out of range for int8"}},
		{"constant uint8 negative", func(g *Graph) { g.Nodes[0].Body = cst(Uint8, "-1") }, []string{"-1 is out of range for uint8"}},
		{"constant int inf", func(g *Graph) { g.Nodes[0].Body = cst(Int64, "inf") }, []string{`"inf" is not an integer`}},
		{"constant bool", func(g *Graph) { g.Nodes[0].Body = cst(Bool, "2") }, []string{`"2" is not a bool`}},
		{"constant float junk", func(g *Graph) { g.Nodes[0].Body = cst(Float32, "1.5.2") }, []string{`"1.5.2" is not a number`}},
		{"constant float overflow", func(g *Graph) { g.Nodes[0].Body = cst(Float64, "1e400") }, []string{`"1e400" is not a number`}},
		{"constant no dtype", func(g *Graph) { g.Nodes[0].Body = cst("", "1") }, []string{y + `.dtype: constant needs a dtype, got ""`}},
		{"index op float", func(g *Graph) { g.Nodes[0].Body = &Expr{Op: OpIndex, DType: Float32, Expr: VarIndex("i0")} }, []string{y + `.dtype: index needs dtype int32 or int64, got "float32"`}},
		{"index op int32 overflow", func(g *Graph) {
			g.Nodes[0].Ranges = Sizes(1<<20, 1<<12)
			g.Nodes[0].Body = &Expr{Op: OpIndex, DType: Int32, Expr: mustIndex(t, "4096*i0 + i1")}
		}, []string{y + ".expr: value can reach 4294967295, beyond int32"}},
		{"guarded load out of bounds", setBody(guarded(ld("x", "i0", "i1 - 1"), Guard{Index: VarIndex("i1"), Lo: Int(0), Size: Int(8)})),
			[]string{y + `.args[0].index[1]: index i1 - 1 ranges over [-1, 6] where its guards hold, outside dimension 1 of "x" (size 8)`}},
		{"unguarded negative index", setBody(ld("x", "i0", "i1 - 1")), []string{y + `.args[0].index[1]: index i1 - 1 ranges over [-1, 6]`}},
		{"guard on no variable", setBody(guarded(ld("x", "i0", "i1"), Guard{Index: mustIndex(t, "i1 + 1"), Lo: Int(0), Size: Int(8)})),
			[]string{y + ".args[0].guards[0].index: a guard's index must be a loop variable of this node (i0, i1), got i1 + 1"}},
		{"guard twice on one variable", setBody(guarded(ld("x", "i0", "i1"), Guard{Index: VarIndex("i1"), Lo: Int(0), Size: Int(8)}, Guard{Index: VarIndex("i1"), Lo: Int(0), Size: Int(4)})),
			[]string{y + ".args[0].guards[1].index: a second guard on i1"}},
		{"guard of size 0", setBody(guarded(ld("x", "i0", "i1"), Guard{Index: VarIndex("i1"), Lo: Int(0), Size: Int(0)})),
			[]string{y + ".args[0].guards[0].size: 0 can be 0; it must be at least 1"}},
		{"guard on a constant", setBody(guarded(cst(Float32, "1"), Guard{Index: VarIndex("i1"), Lo: Int(0), Size: Int(8)})),
			[]string{y + ".args[0]: buffer, index, indirect and guards belong to load only"}},
		{"index op unknown variable", func(g *Graph) { g.Nodes[0].Body = &Expr{Op: OpIndex, DType: Int64, Expr: VarIndex("r0")} }, []string{y + `.expr: unknown loop variable "r0"`}},

		// Outputs.
		{"no outputs", func(g *Graph) { g.Outputs = nil }, []string{"outputs: the graph has no outputs"}},
		{"output undefined", func(g *Graph) { g.Outputs = []string{"s", "q"} }, []string{`outputs[1]: output "q" is not an input or a node`}},
		{"output twice", func(g *Graph) { g.Outputs = []string{"s", "y", "s"} }, []string{`outputs[2]: output "s" is listed twice`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := baseGraph()
			c.mut(g)
			err := Validate(g)
			if err == nil {
				t.Fatal("Validate accepted the graph")
			}
			if _, ok := err.(*Error); !ok {
				t.Errorf("error is %T, want *Error", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	cases := []struct {
		name string
		mut  func(*Graph)
	}{
		{"integer indirect", func(g *Graph) {
			g.Nodes[0].Body = op("exp", &Expr{Op: OpLoad, Buffer: "x", Index: []Index{IndirectIndex(0), VarIndex("i1")}, Indirect: []*Expr{ld("idx", "i0")}})
		}},
		{"int32 indirect used twice", func(g *Graph) {
			g.Nodes[0].Body = op("exp", &Expr{Op: OpLoad, Buffer: "x", Index: []Index{IndirectIndex(0), IndirectIndex(0)}, Indirect: []*Expr{ld("n", "i0", "i1")}})
		}},
		{"float inf", func(g *Graph) { g.Nodes[0].Body = op("exp", cst(Float32, "inf")) }},
		{"float -inf nan", func(g *Graph) { g.Nodes[0].Body = op("maximum", cst(Float16, "-inf"), cst(Float16, "nan")) }},
		{"int from integral float", func(g *Graph) { g.Nodes[0].Body = cst(Int32, "3.0") }},
		{"int8 bounds", func(g *Graph) { g.Nodes[0].Body = op("add", cst(Int8, "-128"), cst(Int8, "127")) }},
		{"uint8 max", func(g *Graph) { g.Nodes[0].Body = cst(Uint8, "255") }},
		{"bool from 1", func(g *Graph) { g.Nodes[0].Body = cst(Bool, "1"); g.Nodes[1].Reduction = Any }},
		{"device cpu", func(g *Graph) { g.Device = "cpu" }},
		{"device index", func(g *Graph) { g.Device = "cuda:7" }},
		{"device other", func(g *Graph) { g.Device = "xpu:0" }},
		{"graph name with dots", func(g *Graph) { g.Name = "model.layer-3_fwd" }},
		{"split index", func(g *Graph) {
			g.Inputs[0].Shape = Sizes(6, 1003)
			g.Nodes[0].Ranges = Sizes(6018)
			g.Nodes[0].Body = op("exp", ld("x", "(i0 // 1003) % 6", "i0 % 1003"))
			g.Nodes[1].Ranges = Sizes(6)
			g.Nodes[1].ReductionRanges = Sizes(1003)
			g.Nodes[1].Body = ld("y", "1003*i0 + r0")
		}},
		{"broadcast stride", func(g *Graph) { g.Inputs[0].Strides = Sizes(0, 1) }},
		{"transposed input", func(g *Graph) { g.Inputs[0].Strides = Sizes(1, 4); g.Inputs[0].Offset = 5 }},
		{"output is input", func(g *Graph) { g.Outputs = []string{"x", "s"} }},
		{"name with stream inside", func(g *Graph) { g.Nodes[0].Name = "upstream"; g.Nodes[1].Body = ld("upstream", "i0", "r0") }},
		{"argmin of int", func(g *Graph) { g.Nodes[1].Reduction = ArgMin; g.Nodes[1].Body = ld("n", "i0", "r0") }},
		{"prod of int", func(g *Graph) { g.Nodes[1].Reduction = Prod; g.Nodes[1].Body = ld("n", "i0", "r0") }},
		{"welford_weight", func(g *Graph) { g.Nodes[1].Reduction = WelfordWeight }},
		{"guarded load", func(g *Graph) {
			// y over [4, 12] reads x's 8 columns at i1 - 4 where 4 <= i1 < 12.
			g.Nodes[0].Ranges = Sizes(4, 12)
			g.Nodes[0].Body = op("exp", guarded(ld("x", "i0", "i1 - 4"), Guard{Index: VarIndex("i1"), Lo: Int(4), Size: Int(8)}))
			g.Nodes[1].ReductionRanges = Sizes(12)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := baseGraph()
			c.mut(g)
			if err := Validate(g); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestCanonicalValue(t *testing.T) {
	cases := []struct {
		in   string
		t    DType
		want string
	}{
		{"true", Bool, "true"}, {"0", Bool, "false"},
		{"-0", Int32, "0"}, {"1e3", Int64, "1000"}, {"007", Int16, "7"},
		{"2.50", Float32, "2.5"}, {"1E-5", Float32, "1e-05"}, {"1e6", Float64, "1e+06"},
		{"+inf", Float32, "inf"}, {"Infinity", Float32, "inf"}, {"-Infinity", BFloat16, "-inf"},
		{"NaN", Float64, "nan"}, {"-0.0", Float32, "-0"}, {"0.1", Float32, "0.1"},
	}
	for _, c := range cases {
		got, err := CanonicalValue(c.in, c.t)
		if err != nil || got != c.want {
			t.Errorf("CanonicalValue(%q, %s) = %q, %v; want %q", c.in, c.t, got, err, c.want)
		}
		if again, err := CanonicalValue(got, c.t); err != nil || again != got {
			t.Errorf("CanonicalValue(%q, %s) not stable: %q, %v", got, c.t, again, err)
		}
	}
}

func TestDTypes(t *testing.T) {
	for _, d := range DTypes() {
		p, err := ParseDType(string(d))
		if err != nil || p != d || !d.Valid() || d.Bytes() == 0 {
			t.Errorf("dtype %s: parse %q %v, bytes %d", d, p, err, d.Bytes())
		}
		if d.IsFloat() && d.IsInt() {
			t.Errorf("%s is both float and int", d)
		}
	}
	if _, err := ParseDType("float"); err == nil || !strings.Contains(err.Error(), `unknown dtype "float"`) {
		t.Errorf("ParseDType(float) = %v", err)
	}
	if Float16.Compute() != Float32 || BFloat16.Compute() != Float32 || Int8.Compute() != Int8 || Bool.IsInt() {
		t.Error("Compute/IsInt wrong")
	}
	for _, o := range Ops() {
		if Arity(o) < 0 {
			t.Errorf("op %s has no arity", o)
		}
	}
	if Arity("nope") != -1 || Arity(OpWhere) != 3 || Arity("add") != 2 || Arity(OpLoad) != 0 {
		t.Error("Arity wrong")
	}
}

func TestBufferExtent(t *testing.T) {
	cases := []struct {
		b    Buffer
		want int64
	}{
		{Buffer{Shape: Sizes(4, 8)}, 32},
		{Buffer{Shape: Sizes(4, 8), Strides: Sizes(1, 4)}, 32},
		{Buffer{Shape: Sizes(4, 8), Strides: Sizes(0, 1)}, 8},
		{Buffer{Shape: Sizes(4, 8), Strides: Sizes(16, 1)}, 56},
		{Buffer{Shape: Sizes()}, 1},
	}
	for _, c := range cases {
		if got := c.b.Extent(); !got.Equal(ConstIndex(c.want)) {
			t.Errorf("Extent(%v, %v) = %s, want %d", c.b.Shape, c.b.Strides, got, c.want)
		}
	}
}

func TestDenseOrder(t *testing.T) {
	tests := []struct {
		shape, strides []int64
		order          []int
		ok             bool
	}{
		{[]int64{2, 3, 4}, []int64{12, 4, 1}, []int{0, 1, 2}, true},
		{[]int64{2, 3, 4, 5}, []int64{60, 1, 15, 3}, []int{0, 2, 3, 1}, true}, // channels_last
		{[]int64{4, 3}, []int64{1, 4}, []int{1, 0}, true},
		{[]int64{2, 1, 4}, []int64{4, 99, 1}, []int{1, 0, 2}, true}, // a size-1 dim's stride is free
		{[]int64{2, 3}, []int64{3, 2}, nil, false},                  // overlap
		{[]int64{2, 3}, []int64{6, 1}, nil, false},                  // gap
		{[]int64{2, 3}, []int64{3}, nil, false},
	}
	for _, tt := range tests {
		shape, strides := Sizes(tt.shape...), Sizes(tt.strides...)
		order, ok := DenseOrder(shape, strides)
		if ok != tt.ok || tt.ok && !slices.Equal(order, tt.order) {
			t.Errorf("DenseOrder(%v, %v) = %v, %v; want %v, %v", tt.shape, tt.strides, order, ok, tt.order, tt.ok)
		}
		if ok && !slices.Equal(StridesFor(shape, order), strides) && !slices.Contains(tt.shape, 1) {
			t.Errorf("StridesFor(%v, %v) = %v, want %v", tt.shape, order, StridesFor(shape, order), tt.strides)
		}
	}
	// Symbolic: [B, S, 64] channels-last-like, S*64 strides.
	b, sq := Sym("B"), Sym("S")
	order, ok := DenseOrder([]Size{b, sq, Int(64)}, []Size{sq.Scale(64), Int(1), sq})
	if !ok || !slices.Equal(order, []int{0, 2, 1}) {
		t.Errorf("symbolic DenseOrder = %v, %v; want [0 2 1], true", order, ok)
	}
}
