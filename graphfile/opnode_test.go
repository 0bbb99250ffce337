package graphfile

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// mixedGraph mixes op nodes and loop nodes, in non-canonical spelling: a
// loop node reads an op result, an op reads a loop node, and the op fields
// cover every JSON type they take.
const mixedGraph = `{"version": 1, "name": "mixed", "inputs": [
  {"name": "x", "dtype": "float32", "shape": [4, 6]},
  {"name": "lo", "dtype": "float32", "shape": [6]}],
 "nodes": [
  {"name": "sm", "op": "softmax", "dim": -1, "args": ["x"]},
  {"name": "twice", "kind": "pointwise", "ranges": [4, 6],
   "body": {"op": "mul", "args": [{"op": "load", "buffer": "sm", "index": ["i0", "i1"]}, {"op": "constant", "dtype": "float32", "value": 2.0}]}},
  {"name": "c", "op": "clamp", "args": ["twice"], "min": "lo", "max": 1E0},
  {"outputs": ["a", "b"], "op": "split", "args": ["c"], "split_size": [2, 4], "dim": 1},
  {"name": "s", "op": "add", "args": ["b", "inf"], "alpha": 2.50},
  {"name": "k", "op": "sum", "args": ["a"], "keepdim": false, "dims": [], "dtype": "float64"},
  {"name": "e", "op": "mul", "args": [true, "a"]},
  {"name": "unused", "op": "log_softmax", "args": ["x"], "dim": 0}
 ],
 "outputs": ["s", "k", "twice"]}`

func TestMixedGraphRoundTrip(t *testing.T) {
	g, err := Read([]byte(mixedGraph))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadProgram([]byte(mixedGraph))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Write(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"op": "softmax",` + "\n      \"args\": [\n        \"x\"\n      ],\n      \"dim\": -1",
		`"max": 1.0`, `"min": "lo"`, `"alpha": 2.5`, `"dims": []`, `"keepdim": false`,
		`"kind": "pointwise",` + "\n      \"dtype\": \"float32\"",
		"\"split_size\": [\n        2,\n        4\n      ]",
		"\"args\": [\n        true,\n        \"a\"\n      ]",
		"\"args\": [\n        \"b\",\n        \"inf\"\n      ]",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("canonical form lacks %q:\n%s", want, out)
		}
	}
	p2, err := ReadProgram(out)
	if err != nil {
		t.Fatalf("canonical form does not read back: %v\n%s", err, out)
	}
	out2, err := Write(p2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, out2) {
		t.Errorf("not a fixed point:\n%s\n---\n%s", out, out2)
	}
	// The lowered graph: the loop node reads the realized softmax "sm".
	if n := g.Node("sm"); n == nil || n.Kind != ir.Pointwise || n.Origin != "softmax" {
		t.Errorf("sm not realized as a softmax pointwise node: %+v", n)
	}
	for _, name := range []string{"sm_max", "sm_sum", "twice", "s", "k"} {
		if g.Node(name) == nil {
			t.Errorf("no node %q in the lowered graph", name)
		}
	}
	// Not outputs and read by no loop node: inlined, or dropped.
	for _, name := range []string{"c", "a", "b", "e", "unused", "unused_max", "unused_sum"} {
		if g.Node(name) != nil {
			t.Errorf("node %q should have been inlined", name)
		}
	}
}

func TestScalarSpelling(t *testing.T) {
	cases := []struct{ in, value string }{
		{"2", "2"}, {"2.0", "2.0"}, {"-0.0", "-0.0"}, {"1e-5", "1e-05"}, {"1E3", "1000.0"},
		{"0.1", "0.1"}, {"1e23", "1e+23"}, {"true", "true"}, {`"-inf"`, "-inf"}, {`"nan"`, "nan"},
		{"-9223372036854775808", "-9223372036854775808"},
	}
	for _, c := range cases {
		f, err := Parse([]byte(`{"version": 1, "name": "t", "inputs": [], "nodes": [{"name": "y", "op": "full", "shape": [], "value": ` + c.in + `}], "outputs": ["y"]}`))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := f.Nodes[0].Op.Attrs.Value.Value; got != c.value {
			t.Errorf("%s: value %q, want %q", c.in, got, c.value)
		}
	}
	for _, bad := range []string{"1e999", "9223372036854775808", `"infinity"`, `[1]`} {
		_, err := Parse([]byte(`{"version": 1, "name": "t", "inputs": [], "nodes": [{"name": "y", "op": "full", "shape": [], "value": ` + bad + `}], "outputs": ["y"]}`))
		if err == nil || !strings.Contains(err.Error(), `nodes[0] "y".value`) {
			t.Errorf("%s: error %v, want one at nodes[0] \"y\".value", bad, err)
		}
	}
}

func TestOpFileStructureErrors(t *testing.T) {
	cases := []struct{ node, want string }{
		{`{"name": "y", "op": "exp", "args": ["x"], "dimm": 1}`, `nodes[0] "y".dimm: unknown field "dimm"`},
		{`{"name": "y", "op": "sum", "args": ["x"], "keepdim": 1}`, `nodes[0] "y".keepdim: want a bool, got a number`},
		{`{"name": "y", "op": "sum", "args": ["x"], "dims": 1}`, `nodes[0] "y".dims: want an array, got a number`},
		{`{"op": "exp", "args": ["x"]}`, `nodes[0].name: missing (want a string, or outputs for an op with several results)`},
		{`{"name": "y", "outputs": ["a"], "op": "chunk", "args": ["x"], "chunks": 1}`, `nodes[0] "y".outputs: a node has either name or outputs, not both`},
		{`{"name": "y", "op": "exp", "args": [{"a": 1}]}`, `nodes[0] "y".args[0]: unknown literal object field "a" (want one of device, dtype, layout, memory_format, str)`},
		{`{"name": "y", "op": "exp", "args": [{"str": "a", "dtype": "float32"}]}`, `nodes[0] "y".args[0]: a literal object has one field (device, dtype, layout, memory_format, str)`},
		{`{"name": "y", "op": "aten", "target": "aten.foo.default", "args": [[[1]]], "dtype": "float32", "shape": [1]}`, `nodes[0] "y".args[0][0]: a list argument holds no lists`},
		{`{"outputs": ["a", "b"], "op": "aten", "target": "aten.sort.default", "args": ["x"], "results": [{"dtype": "float32"}]}`, `nodes[0] "a, b".results[0].shape: missing`},
		{`{"name": "y", "op": "sum", "args": ["x"], "dtype": "float8"}`, `nodes[0] "y".dtype: unknown dtype "float8"`},
		{`{"name": "y", "op": "sum", "args": ["x"], "dim": 0, "dim": 1}`, `line 1, column 152: nodes[0].dim: field "dim" given twice`},
		{`{"name": "y", "kind": "pointwise", "ranges": [2], "body": {"op": "neg", "args": [{"op": "load", "buffer": "x", "index": ["i0"], "index": ["0"]}]}}`, `nodes[0].body.args[0].index: field "index" given twice`},
	}
	for _, c := range cases {
		src := `{"version": 1, "name": "t", "inputs": [{"name": "x", "dtype": "float32", "shape": [2]}], "nodes": [` + c.node + `], "outputs": ["x"]}`
		_, err := Read([]byte(src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n  error %v\n  want %s", c.node, err, c.want)
		}
	}
}

// TestBuilderMatchesFile: each builder program records exactly the op file
// beside it, and lowers to the same loop nodes.
func TestBuilderMatchesFile(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *ops.Builder)
		file  string
	}{
		{
			"softmax",
			func(b *ops.Builder) {
				x := b.Input("x", ir.Float32, 8, 16)
				b.Output("y", b.Softmax(x, -1))
			},
			`{"version": 1, "name": "softmax", "inputs": [{"name": "x", "dtype": "float32", "shape": [8, 16]}],
			  "nodes": [{"name": "y", "op": "softmax", "args": ["x"], "dim": -1}], "outputs": ["y"]}`,
		},
		{
			"chain",
			func(b *ops.Builder) {
				a := b.Input("a", ir.Float32, 4, 8)
				w := b.Input("w", ir.Float32, 8)
				h := b.Add(a, w, ops.Alpha(2))
				r := b.Sigmoid(b.Relu(h))
				b.Output("out", b.Mul(r, 2.0))
				b.Output("total", b.Sum(h, []int64{1}, ops.KeepDim(true)))
			},
			`{"version": 1, "name": "chain", "inputs": [{"name": "a", "dtype": "float32", "shape": [4, 8]}, {"name": "w", "dtype": "float32", "shape": [8]}],
			  "nodes": [{"name": "add_0", "op": "add", "args": ["a", "w"], "alpha": 2},
			            {"name": "relu_0", "op": "relu", "args": ["add_0"]},
			            {"name": "sigmoid_0", "op": "sigmoid", "args": ["relu_0"]},
			            {"name": "out", "op": "mul", "args": ["sigmoid_0", 2.0]},
			            {"name": "total", "op": "sum", "args": ["add_0"], "dims": [1], "keepdim": true}],
			  "outputs": ["out", "total"]}`,
		},
		{
			"swiglu",
			func(b *ops.Builder) {
				x := b.Input("x", ir.BFloat16, 16, 64)
				ab := b.Chunk(x, 2, -1)
				b.Output("y", b.Mul(b.Silu(ab[0]), ab[1]))
			},
			`{"version": 1, "name": "swiglu", "inputs": [{"name": "x", "dtype": "bfloat16", "shape": [16, 64]}],
			  "nodes": [{"outputs": ["chunk_0", "chunk_1"], "op": "chunk", "args": ["x"], "chunks": 2, "dim": -1},
			            {"name": "silu_0", "op": "silu", "args": ["chunk_0"]},
			            {"name": "y", "op": "mul", "args": ["silu_0", "chunk_1"]}],
			  "outputs": ["y"]}`,
		},
		{
			"norms and losses",
			func(b *ops.Builder) {
				x := b.Input("x", ir.Float32, 8, 32)
				w := b.Input("w", ir.Float32, 32)
				t := b.Input("t", ir.Int64, 8)
				v, m := b.VarMean(x, []int64{1}, ops.Correction(0))
				b.Output("v", v)
				b.Output("m", m)
				b.Output("ln", b.LayerNorm(x, []int64{32}, ops.Weight(w), ops.Eps(1e-6)))
				b.Output("ce", b.CrossEntropy(x, t, ops.IgnoreIndex(0)))
				b.Output("cl", b.Clamp(x, nil, w))
				b.Output("sl", b.Slice(b.Transpose(x, 0, 1), 0, 1, math.MaxInt64, 3))
			},
			`{"version": 1, "name": "norms_and_losses", "inputs": [{"name": "x", "dtype": "float32", "shape": [8, 32]},
			  {"name": "w", "dtype": "float32", "shape": [32]}, {"name": "t", "dtype": "int64", "shape": [8]}],
			  "nodes": [{"outputs": ["v", "m"], "op": "var_mean", "args": ["x"], "dims": [1], "correction": 0},
			            {"name": "ln", "op": "layer_norm", "args": ["x"], "normalized_shape": [32], "weight": "w", "eps": 1e-06},
			            {"name": "ce", "op": "cross_entropy", "args": ["x", "t"], "ignore_index": 0},
			            {"name": "cl", "op": "clamp", "args": ["x"], "max": "w"},
			            {"name": "transpose_0", "op": "transpose", "args": ["x"], "dim0": 0, "dim1": 1},
			            {"name": "sl", "op": "slice", "args": ["transpose_0"], "dim": 0, "start": 1, "step": 3}],
			  "outputs": ["v", "m", "ln", "ce", "cl", "sl"]}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := strings.ReplaceAll(c.name, " ", "_")
			b := ops.NewBuilder(name, "")
			c.build(b)
			g, err := b.Build()
			if err != nil {
				t.Fatal(err)
			}
			got, err := Write(b.Program())
			if err != nil {
				t.Fatal(err)
			}
			fp, err := ReadProgram([]byte(c.file))
			if err != nil {
				t.Fatalf("the reference file: %v", err)
			}
			want, _ := Write(fp)
			if !bytes.Equal(got, want) {
				t.Errorf("builder recorded\n%s\nwant\n%s", got, want)
			}
			fg, err := Read([]byte(c.file))
			if err != nil {
				t.Fatal(err)
			}
			gl, _ := WriteGraph(g)
			fl, _ := WriteGraph(fg)
			if !bytes.Equal(gl, fl) {
				t.Errorf("lowered graphs differ:\n%s\n---\n%s", gl, fl)
			}
		})
	}
}

func TestBuilderErrors(t *testing.T) {
	b := ops.NewBuilder("bad", "cuda")
	x := b.Input("x", ir.Float32, 8, 16)
	k := b.Input("k", ir.Int32, 8)
	y := b.Softmax(x, 2)
	b.Output("y", b.Exp(y))          // skipped: y is invalid already
	b.Output("g", b.Gather(x, 0, k)) // wrong index dtype
	b.Output("z", b.Add(x, b.Sum(x, []int64{0})))
	b.Output("v", b.View(x, 3, 5))
	_, err := b.Build()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		`nodes[0] (softmax) "softmax_0".dim: dim 2 out of range for a 2-d tensor (want -2 to 1)`,
		`(gather) "gather_0".args[1]: wrong dtype for an index: gather needs int64 indices, got int32`,
		`(view) "view_0".shape: view size mismatch: shape [3, 5]`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors\n%s\nlack %q", msg, want)
		}
	}
	if strings.Count(msg, "\n") != 2 {
		t.Errorf("want 3 errors (later ops on an invalid tensor are skipped), got\n%s", msg)
	}
}

// TestBuilderOutputCopies: naming one result twice, or an input, as
// outputs.
func TestBuilderOutputs(t *testing.T) {
	b := ops.NewBuilder("outs", "cuda")
	x := b.Input("x", ir.Float32, 4)
	e := b.Exp(x)
	b.Output("e", e)
	b.Output("e2", e)
	b.Output("x", x)
	g, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.Outputs, ","); got != "e,e2,x" {
		t.Errorf("outputs %s", got)
	}
	if g.Node("e2") == nil || g.Node("e") == nil {
		t.Errorf("e and e2 should be nodes")
	}
}

// An aten node's keywords, several results, lists and literal objects come
// back from the canonical form as written; its loop-node form (-graph)
// round-trips too.
func TestAtenFallbackRoundTrip(t *testing.T) {
	const graph = `{"version": 1, "name": "a", "device": "cuda",
 "inputs": [{"name": "x", "dtype": "float32", "shape": [4, 10]}],
 "nodes": [
  {"outputs": ["v", "i"], "op": "aten", "target": "aten.sort.default", "args": ["x", -1, true],
   "results": [{"dtype": "float32", "shape": [4, 10]}, {"dtype": "int64", "shape": [4, 10], "strides": [10, 1]}]},
  {"name": "st", "op": "aten", "target": "aten.stack.default", "args": [["x", "v"], 0], "dtype": "float32", "shape": [2, 4, 10]},
  {"name": "u", "op": "aten", "target": "aten.arange.start_step", "args": [0, 3, 1], "dtype": "float32", "shape": [3],
   "kwargs": {"layout": {"layout": "strided"}, "dtype": {"dtype": "float32"}, "device": {"device": "cuda"}}},
  {"name": "g", "op": "aten", "target": "aten.gelu.default", "args": ["x"], "kwargs": {"approximate": {"str": "tanh"}}, "dtype": "float32", "shape": [4, 10]},
  {"name": "f", "op": "aten", "target": "aten.foo.default", "args": ["x", [1.5, 2], [true, false], null], "dtype": "float32", "shape": [4, 10]}
 ],
 "outputs": ["i", "st", "u", "g", "f"]}`
	p, err := ReadProgram([]byte(graph))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Write(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"kwargs": {` + "\n        \"device\": {\n          \"device\": \"cuda\"\n        },\n        \"dtype\"",
		`"str": "tanh"`, `"results": [`, `"strides": [`, `1.5,`, `true,`, "null\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("canonical form lacks %q:\n%s", want, out)
		}
	}
	p2, err := ReadProgram(out)
	if err != nil {
		t.Fatalf("canonical form does not read back: %v\n%s", err, out)
	}
	if out2, _ := Write(p2); !bytes.Equal(out, out2) {
		t.Errorf("second round differs:\n%s", out2)
	}
	g, err := Read([]byte(graph))
	if err != nil {
		t.Fatal(err)
	}
	loops, err := WriteGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := Read(loops)
	if err != nil {
		t.Fatalf("loop-node form does not read back: %v\n%s", err, loops)
	}
	if again, _ := WriteGraph(g2); !bytes.Equal(loops, again) {
		t.Errorf("loop-node form differs on the second round:\n%s", again)
	}
	for _, want := range []string{`"result_of": "v"`, `"kind": "tensors"`, `"kind": "layout"`, `"name": "approximate"`, `"items": [`} {
		if !strings.Contains(string(loops), want) {
			t.Errorf("loop-node form lacks %q", want)
		}
	}
}
