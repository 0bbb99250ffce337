package graphfile

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/ir"
)

// sampleGraph is the example of the format's documentation.
const sampleGraph = `{"version":1,"name":"g","device":"cuda","inputs":[{"name":"x","dtype":"float32","shape":[4,8],"strides":[8,1],"offset":0}],"nodes":[{"name":"y","kind":"pointwise","ranges":[4,8],"body":{"op":"exp","args":[{"op":"load","buffer":"x","index":["i0","i1"]}]}},{"name":"s","kind":"reduction","ranges":[4],"reduction_ranges":[8],"reduction":"sum","body":{"op":"load","buffer":"y","index":["i0","r0"]}}],"outputs":["s"]}`

// sampleCanonical is what WriteGraph makes of sampleGraph: fixed field order,
// two-space indent, contiguous strides and zero offset dropped, node dtypes
// filled in.
const sampleCanonical = `{
  "version": 1,
  "name": "g",
  "device": "cuda",
  "inputs": [
    {
      "name": "x",
      "dtype": "float32",
      "shape": [
        4,
        8
      ]
    }
  ],
  "nodes": [
    {
      "name": "y",
      "kind": "pointwise",
      "dtype": "float32",
      "ranges": [
        4,
        8
      ],
      "body": {
        "op": "exp",
        "args": [
          {
            "op": "load",
            "buffer": "x",
            "index": [
              "i0",
              "i1"
            ]
          }
        ]
      }
    },
    {
      "name": "s",
      "kind": "reduction",
      "dtype": "float32",
      "ranges": [
        4
      ],
      "reduction_ranges": [
        8
      ],
      "reduction": "sum",
      "body": {
        "op": "load",
        "buffer": "y",
        "index": [
          "i0",
          "r0"
        ]
      }
    }
  ],
  "outputs": [
    "s"
  ]
}
`

// fullGraph uses every part of the format: strided inputs with an offset,
// pointwise and reduction nodes, constants in non-canonical spellings, index
// values, casts, indirect loads, a 0-d input, and nodes out of dependency
// order.
const fullGraph = `{
  "version": 1,
  "name": "full-graph.v1",
  "device": "cuda:1",
  "inputs": [
    {"name": "x", "dtype": "float32", "shape": [4, 8], "strides": [1, 4], "offset": 3},
    {"name": "c", "dtype": "float32", "shape": [4, 8], "strides": [8, 1], "offset": 0},
    {"name": "w", "dtype": "float16", "shape": [10, 8]},
    {"name": "idx", "dtype": "int64", "shape": [4]},
    {"name": "mask", "dtype": "bool", "shape": [4, 8]},
    {"name": "scale", "dtype": "float32", "shape": []}
  ],
  "nodes": [
    {"name": "out", "kind": "pointwise", "ranges": [4, 8], "origin": "mul",
     "body": {"op": "mul", "args": [
       {"op": "cast", "dtype": "float32", "args": [{"op": "load", "buffer": "pos", "index": ["i1 + 8*i0"]}]},
       {"op": "load", "buffer": "scale", "index": []}]}},
    {"name": "y", "kind": "pointwise", "ranges": [4, 8], "origin": "where",
     "body": {"op": "where", "args": [
       {"op": "load", "buffer": "mask", "index": ["i0", "i1"]},
       {"op": "add", "args": [
         {"op": "mul", "args": [{"op": "load", "buffer": "x", "index": ["i0", "(i1)"]}, {"op": "constant", "dtype": "float32", "value": 2.50}]},
         {"op": "constant", "dtype": "float32", "value": 1E-5}]},
       {"op": "constant", "dtype": "float32", "value": "-inf"}]}},
    {"name": "e", "kind": "pointwise", "dtype": "float32", "ranges": [4, 8],
     "body": {"op": "add", "args": [
       {"op": "cast", "dtype": "float32", "args": [
         {"op": "load", "buffer": "w", "index": ["$0", "i1"], "indirect": [{"op": "load", "buffer": "idx", "index": ["i0"]}]}]},
       {"op": "load", "buffer": "c", "index": ["i0", "i1"]}]}},
    {"name": "z", "kind": "pointwise", "ranges": [4, 8],
     "body": {"op": "logical_or", "args": [
       {"op": "isnan", "args": [{"op": "load", "buffer": "y", "index": ["i0", "i1"]}]},
       {"op": "logical_and", "args": [
         {"op": "eq", "args": [{"op": "load", "buffer": "e", "index": ["i0", "i1"]}, {"op": "constant", "dtype": "float32", "value": "nan"}]},
         {"op": "constant", "dtype": "bool", "value": true}]}]}},
    {"name": "s", "kind": "reduction", "ranges": [4], "reduction_ranges": [8], "reduction": "sum",
     "body": {"op": "add", "args": [
       {"op": "load", "buffer": "y", "index": ["i0", "r0"]},
       {"op": "load", "buffer": "e", "index": ["i0", "r0"]}]}},
    {"name": "am", "kind": "reduction", "ranges": [4], "reduction_ranges": [8], "reduction": "argmax",
     "body": {"op": "load", "buffer": "y", "index": ["i0", "r0"]}},
    {"name": "wm", "kind": "reduction", "ranges": [4], "reduction_ranges": [8], "reduction": "welford_m2",
     "body": {"op": "load", "buffer": "x", "index": ["i0", "r0"]}},
    {"name": "anyz", "kind": "reduction", "ranges": [], "reduction_ranges": [4, 8], "reduction": "any",
     "body": {"op": "load", "buffer": "z", "index": ["r0", "r1"]}},
    {"name": "pos", "kind": "pointwise", "ranges": [32],
     "body": {"op": "add", "args": [
       {"op": "index", "dtype": "int64", "expr": "8*(i0 % 8) + i0 // 8"},
       {"op": "constant", "dtype": "int64", "value": -7.0}]}}
  ],
  "outputs": ["s", "am", "wm", "anyz", "out", "y"]
}`

func readOK(t *testing.T, doc string) *ir.Graph {
	t.Helper()
	g, err := Read([]byte(doc))
	if err != nil {
		t.Fatalf("ReadGraph: %v", err)
	}
	return g
}

func writeOK(t *testing.T, g *ir.Graph) []byte {
	t.Helper()
	out, err := WriteGraph(g)
	if err != nil {
		t.Fatalf("WriteGraph: %v", err)
	}
	return out
}

func TestSampleGraphCanonical(t *testing.T) {
	out := writeOK(t, readOK(t, sampleGraph))
	if string(out) != sampleCanonical {
		t.Fatalf("WriteGraph gave\n%s\nwant\n%s", out, sampleCanonical)
	}
	if again := writeOK(t, readOK(t, string(out))); !bytes.Equal(again, out) {
		t.Fatalf("second round differs:\n%s", again)
	}
}

func TestGraphRoundTrip(t *testing.T) {
	g := readOK(t, fullGraph)
	out1 := writeOK(t, g)
	g2 := readOK(t, string(out1))
	out2 := writeOK(t, g2)
	if !bytes.Equal(out1, out2) {
		t.Fatalf("not canonical:\nfirst:\n%s\nsecond:\n%s", out1, out2)
	}
	s := string(out1)
	for _, want := range []string{
		`"name": "full-graph.v1"`,
		`"device": "cuda:1"`,
		`"offset": 3`,
		`"value": 2.5` + "\n",
		`"value": 1e-05` + "\n",
		`"value": "-inf"`,
		`"value": "nan"`,
		`"value": true`,
		`"value": -7` + "\n",
		`"expr": "8*(i0 % 8) + (i0 // 8)"`,
		`"8*i0 + i1"`,
		`"$0"`,
		`"indirect": [`,
		`"origin": "mul"`,
		`"reduction": "welford_m2"`,
		`"shape": []`,
		`"ranges": []`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("canonical output lacks %s", want)
		}
	}
	if strings.Count(s, `"strides"`) != 1 {
		t.Errorf("want strides written for x only (c is contiguous):\n%s", s)
	}
	if strings.Contains(s, `"offset": 0`) {
		t.Error("zero offset written")
	}
	// A load of a 0-d buffer has no index to write; it reads back as such.
	if strings.Contains(s, `"index": []`) || !strings.Contains(s, "\"buffer\": \"scale\"\n") {
		t.Errorf("0-d load of scale not written as a bare load:\n%s", s)
	}

	// What the reader made of it.
	x, c := g2.Inputs[0], g2.Inputs[1]
	if fmt.Sprint(x.Strides, x.Offset, c.Strides, c.Offset) != "[1 4] 3 [] 0" {
		t.Errorf("inputs read back as x %v+%d, c %v+%d", x.Strides, x.Offset, c.Strides, c.Offset)
	}
	want := map[string]ir.DType{"out": ir.Float32, "y": ir.Float32, "e": ir.Float32, "z": ir.Bool, "s": ir.Float32, "am": ir.Int64, "wm": ir.Float32, "anyz": ir.Bool, "pos": ir.Int64}
	for _, n := range g2.Nodes {
		if n.DType != want[n.Name] {
			t.Errorf("node %s: dtype %s, want %s", n.Name, n.DType, want[n.Name])
		}
	}
	if g2.Device != "cuda:1" || g2.DeviceType() != "cuda" || g2.DeviceIndex() != 1 {
		t.Errorf("device %q type %q index %d", g2.Device, g2.DeviceType(), g2.DeviceIndex())
	}
	order, err := ir.TopoOrder(g2)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range order {
		names = append(names, n.Name)
	}
	if got := strings.Join(names, " "); got != "pos out y e z s am wm anyz" {
		t.Errorf("TopoOrder = %s", got)
	}
}

func TestWriteGraphDefaults(t *testing.T) {
	// A graph built in code: nil shapes, ranges and outputs, no device
	// default applied.
	g := &ir.Graph{
		Name: "code", Device: "cpu",
		Inputs: []*ir.Buffer{{Name: "a", DType: ir.Float64}},
		Nodes: []*ir.Node{{Name: "b", Kind: ir.Pointwise, Body: &ir.Expr{Op: "neg", Args: []*ir.Expr{
			{Op: ir.OpLoad, Buffer: "a"}}}}},
		Outputs: []string{"b"},
	}
	if err := ir.Validate(g); err != nil {
		t.Fatal(err)
	}
	out := writeOK(t, g)
	g2 := readOK(t, string(out))
	if g2.Nodes[0].DType != ir.Float64 || len(g2.Inputs[0].Shape) != 0 {
		t.Errorf("read back %+v", g2.Nodes[0])
	}
	if again := writeOK(t, g2); !bytes.Equal(again, out) {
		t.Errorf("second write differs:\n%s\n%s", out, again)
	}
	// A missing device reads as cuda.
	g3 := readOK(t, `{"version":1,"name":"d","inputs":[{"name":"a","dtype":"int8","shape":[2]}],"outputs":["a"]}`)
	if g3.Device != "cuda" || len(g3.Nodes) != 0 {
		t.Errorf("device %q, %d nodes", g3.Device, len(g3.Nodes))
	}
	if !strings.Contains(string(writeOK(t, g3)), `"nodes": []`) {
		t.Error("empty nodes not written as []")
	}
	// WriteGraph refuses a constant whose value is not JSON rather than
	// writing a broken file.
	bad := &ir.Graph{Name: "b", Device: "cuda", Nodes: []*ir.Node{{Name: "n", Kind: ir.Pointwise, Body: &ir.Expr{Op: ir.OpConstant, DType: ir.Float32, Value: "abc"}}}}
	if _, err := WriteGraph(bad); err == nil {
		t.Error("WriteGraph wrote an invalid constant")
	}
}

func TestReadGraphJSONErrors(t *testing.T) {
	cases := []struct{ doc, want string }{
		{``, "empty file"},
		{"  \n ", "empty file"},
		{`{"x": ,}`, "line 1, column 7: invalid JSON: invalid character ','"},
		{"{\n  \"version\": 1,\n  \"name\": ,\n}", "line 3, column 11: invalid JSON"},
		{`{"a" 1}`, "line 1, column 6: invalid JSON: invalid character '1' after object key"},
		{`{"a":1,}`, "line 1, column 8:"},
		{"{\n\"a\":[1,2}", "line 2, column 9:"},
		{`{"version":1`, "line 1, column 13: invalid JSON: unexpected end of file"},
		{"{\"version\":1,\n\"name\":\"g\"", "line 2, column 11: invalid JSON: unexpected end of file"},
		{`{"version":1} x`, "line 1, column 15: unexpected data after the top-level object"},
		{"{}\n\n  {}", "line 3, column 3: unexpected data after the top-level object"},
		{"{} \n 7", "line 2, column 2: unexpected data"},
	}
	for _, c := range cases {
		_, err := Read([]byte(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Read(%q) = %v, want an error containing %q", c.doc, err, c.want)
		}
	}
}

// doc fills a graph document around the given inputs and nodes.
func doc(inputs, nodes, outputs string) string {
	return fmt.Sprintf(`{"version":1,"name":"g","device":"cuda","inputs":[%s],"nodes":[%s],"outputs":[%s]}`, inputs, nodes, outputs)
}

const xIn = `{"name":"x","dtype":"float32","shape":[4,8]}`

func yNode(body string) string {
	return `{"name":"y","kind":"pointwise","ranges":[4,8],"body":` + body + `}`
}

const loadX = `{"op":"load","buffer":"x","index":["i0","i1"]}`

func TestReadGraphFormatErrors(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		want []string
	}{
		{"top level array", `[1]`, []string{"top level: want an object, got an array"}},
		{"top level null", `null`, []string{"top level: want an object, got null"}},
		{"unsupported version", `{"version":2,"name":"g","inputs":[],"outputs":[]}`, []string{"version: unsupported version 2", "version 1"}},
		{"version as string", `{"version":"1","name":"g","inputs":[],"outputs":[]}`, []string{"version: want an integer, got a string"}},
		{"version fraction", `{"version":1.5,"name":"g","inputs":[],"outputs":[]}`, []string{"version: want an integer, got 1.5"}},
		{"missing version", `{"name":"g","inputs":[],"outputs":[]}`, []string{"version: missing"}},
		{"unknown top field", `{"version":1,"name":"g","input":[],"inputs":[],"outputs":[]}`, []string{`input: unknown field "input"`, "known: version, name, device, inputs, nodes, outputs"}},
		{"missing name", `{"version":1,"inputs":[],"outputs":[]}`, []string{"name: missing (want a string)"}},
		{"missing inputs", `{"version":1,"name":"g","outputs":[]}`, []string{"inputs: missing (want an array)"}},
		{"inputs object", `{"version":1,"name":"g","inputs":{},"outputs":[]}`, []string{"inputs: want an array, got an object"}},
		{"shape as string", doc(`{"name":"x","dtype":"float32","shape":"4"}`, "", `"x"`), []string{"inputs[0].shape: want an array, got a string"}},
		{"shape element", doc(`{"name":"x","dtype":"float32","shape":[4,"8"]}`, "", `"x"`), []string{"inputs[0].shape[1]: want an integer, got a string"}},
		{"shape float", doc(`{"name":"x","dtype":"float32","shape":[4,8.0]}`, "", `"x"`), []string{"inputs[0].shape[1]: want an integer, got 8.0"}},
		{"shape missing", doc(`{"name":"x","dtype":"float32"}`, "", `"x"`), []string{"inputs[0].shape: missing"}},
		{"unknown dtype", doc(`{"name":"x","dtype":"float8","shape":[4]}`, "", `"x"`), []string{"inputs[0].dtype: unknown dtype \"float8\""}},
		{"input field typo", doc(`{"name":"x","dtype":"float32","shape":[4],"stride":[1]}`, "", `"x"`), []string{`inputs[0].stride: unknown field "stride"`}},
		{"input not object", doc(`"x"`, "", `"x"`), []string{"inputs[0]: want an object, got a string"}},
		{"unknown field bufer", doc(xIn, yNode(`{"op":"exp","args":[{"op":"load","bufer":"x","index":["i0","i1"]}]}`), `"y"`),
			[]string{`nodes[0] "y".body.args[0].bufer: unknown field "bufer"`}},
		{"node field typo", doc(xIn, `{"name":"y","kind":"pointwise","range":[4,8],"body":`+loadX+`}`, `"y"`), []string{`nodes[0] "y".range: unknown field "range"`}},
		{"node missing body", doc(xIn, `{"name":"y","kind":"pointwise","ranges":[4,8]}`, `"y"`), []string{`nodes[0] "y".body: missing`}},
		{"node missing ranges", doc(xIn, `{"name":"y","kind":"pointwise","body":`+loadX+`}`, `"y"`), []string{`nodes[0] "y".ranges: missing`}},
		{"node name number", doc(xIn, `{"name":5,"kind":"pointwise","ranges":[4],"body":`+loadX+`}`, `"y"`), []string{"nodes[0].name: want a string, got a number"}},
		{"bad origin", doc(xIn, `{"name":"y","kind":"pointwise","origin":"a b","ranges":[4,8],"body":`+loadX+`}`, `"y"`), []string{`nodes[0] "y".origin: origin "a b"`}},
		{"body array", doc(xIn, yNode(`[]`), `"y"`), []string{`nodes[0] "y".body: want an object, got an array`}},
		{"index not string", doc(xIn, yNode(`{"op":"load","buffer":"x","index":["i0",true]}`), `"y"`), []string{`nodes[0] "y".body.index[1]: want a string, got a bool`}},
		{"index parse error", doc(xIn, yNode(`{"op":"load","buffer":"x","index":["i0","i1*i0"]}`), `"y"`), []string{`nodes[0] "y".body.index[1]: index "i1*i0" at offset 5: product of two variable terms`}},
		{"index null", doc(xIn, yNode(`{"op":"load","buffer":"x","index":null}`), `"y"`), []string{`nodes[0] "y".body.index: missing`}},
		{"args not array", doc(xIn, yNode(`{"op":"exp","args":{}}`), `"y"`), []string{`nodes[0] "y".body.args: want an array, got an object`}},
		{"value string", doc(xIn, yNode(`{"op":"constant","dtype":"float32","value":"1.5"}`), `"y"`), []string{`nodes[0] "y".body.value: want a number, a bool, or one of "inf", "-inf", "nan"; got "1.5"`}},
		{"value object", doc(xIn, yNode(`{"op":"constant","dtype":"float32","value":{}}`), `"y"`), []string{`nodes[0] "y".body.value: want a number`, "got an object"}},
		{"constant without value", doc(xIn, yNode(`{"op":"constant","dtype":"float32"}`), `"y"`), []string{`nodes[0] "y".body.value: a constant needs a value`}},
		{"index without expr", doc(xIn, yNode(`{"op":"index","dtype":"int64"}`), `"y"`), []string{`nodes[0] "y".body.expr: an index needs an expr`}},
		{"expr on add", doc(xIn, yNode(`{"op":"add","expr":"i0","args":[`+loadX+`,`+loadX+`]}`), `"y"`), []string{`nodes[0] "y".body.expr: expr belongs to index only`}},
		{"expr parse error", doc(xIn, yNode(`{"op":"index","dtype":"int64","expr":"i0 // 0"}`), `"y"`), []string{`nodes[0] "y".body.expr: index "i0 // 0"`, "positive integer constant"}},
		{"node dtype unknown", doc(xIn, `{"name":"y","kind":"pointwise","dtype":"half","ranges":[4,8],"body":`+loadX+`}`, `"y"`), []string{`nodes[0] "y".dtype: unknown dtype "half"`}},
		{"outputs number", doc(xIn, "", `1`), []string{"outputs[0]: want a string, got a number"}},
		{"validation error", doc(xIn, yNode(`{"op":"load","buffer":"x","index":["i0 + 1","i1"]}`), `"y"`), []string{`nodes[0] "y".body.index[0]: index i0 + 1 ranges over [1, 4], outside dimension 0 of "x" (size 4)`}},
		{"too deep", doc(xIn, yNode(strings.Repeat(`{"op":"neg","args":[`, 300)+loadX+strings.Repeat(`]}`, 300)), `"y"`), []string{"nested deeper than 256"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read([]byte(c.doc))
			if err == nil {
				t.Fatalf("ReadGraph accepted\n%s", c.doc)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDecodeGraphDoesNotValidate(t *testing.T) {
	d := doc(xIn, yNode(`{"op":"load","buffer":"nope","index":["i0"]}`), `"y"`)
	g, err := Decode([]byte(d))
	if err != nil {
		t.Fatalf("DecodeGraph: %v", err)
	}
	if g.Nodes[0].Body.Buffer != "nope" {
		t.Errorf("body %+v", g.Nodes[0].Body)
	}
	if _, err := Read([]byte(d)); err == nil || !strings.Contains(err.Error(), `undefined buffer "nope"`) {
		t.Errorf("ReadGraph: %v", err)
	}
}
