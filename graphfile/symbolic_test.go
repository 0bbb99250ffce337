package graphfile

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/internal/randgraph"
	"github.com/fusegen/fusegen/ir"
)

// symbolicGraph is a graph of loop nodes over symbolic sizes: a symbolic
// shape and strides, ranges and reduction ranges, an index over a symbol,
// and the product spelled in both orders.
const symbolicGraph = `{"version": 1, "name": "sym", "device": "cuda",
 "symbols": {"S": {"hint": 128, "min": 1, "max": 2048}, "B": {"hint": 8, "min": 1, "max": 64}},
 "inputs": [{"name": "x", "dtype": "float32", "shape": ["B", "S", 768]},
            {"name": "t", "dtype": "float32", "shape": ["S", "B"], "strides": [1, "S"]}],
 "nodes": [
  {"name": "y", "kind": "pointwise", "ranges": ["S*B", 768],
   "body": {"op": "exp", "args": [{"op": "load", "buffer": "x", "index": ["i0 // S", "i0 % S", "i1"]}]}},
  {"name": "s", "kind": "reduction", "ranges": ["B*S"], "reduction_ranges": [768], "reduction": "sum",
   "body": {"op": "load", "buffer": "y", "index": ["i0", "r0"]}},
  {"name": "u", "kind": "pointwise", "ranges": ["B", "S"],
   "body": {"op": "add", "args": [{"op": "load", "buffer": "t", "index": ["i1", "i0"]},
     {"op": "load", "buffer": "s", "index": ["i0*S + i1"]}]}}],
 "outputs": ["u", "y"]}`

// symbolicProgram is an op program over symbolic sizes: reshape shapes
// with symbols and -1, a layer_norm's normalized_shape.
const symbolicProgram = `{"version": 1, "name": "symops", "device": "cuda",
 "symbols": {"B": {"hint": 2, "min": 1, "max": 64}, "S": {"hint": 16, "min": 2, "max": 1024}},
 "inputs": [{"name": "x", "dtype": "float32", "shape": ["B", "S", 64]}, {"name": "w", "dtype": "float32", "shape": [64]}],
 "nodes": [
  {"name": "h", "op": "reshape", "args": ["x"], "shape": ["S*B", 64]},
  {"name": "n", "op": "layer_norm", "args": ["h"], "normalized_shape": [64], "weight": "w"},
  {"name": "y", "op": "reshape", "args": ["n"], "shape": ["B", -1, 64]}],
 "outputs": ["y"]}`

// A symbolic graph reads, validates and writes canonically: symbols in
// name order, static sizes as integers, symbolic ones in their canonical
// spelling (S*B is B*S); what it writes reads back to the same graph and
// the same bytes.
func TestSymbolicRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      []string
	}{
		{"loop nodes", symbolicGraph, []string{
			"\"symbols\": {\n    \"B\": {\n      \"hint\": 8,\n      \"min\": 1,\n      \"max\": 64\n    },\n    \"S\": {",
			"\"shape\": [\n        \"B\",\n        \"S\",\n        768\n      ]",
			"\"strides\": [\n        1,\n        \"S\"\n      ]",
			"\"ranges\": [\n        \"B*S\",\n        768\n      ]",
			`"S*i0 + i1"`,
		}},
		{"op program", symbolicProgram, []string{
			"\"shape\": [\n        \"B*S\",\n        64\n      ]",
			"\"shape\": [\n        \"B\",\n        -1,\n        64\n      ]",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Read([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			want := ir.Symbols{"B": g.Symbols["B"], "S": g.Symbols["S"]}
			if len(g.Symbols) != 2 || g.Symbols["B"].Name != "B" || g.Symbols["S"].Hint == 0 {
				t.Fatalf("symbols %v", g.Symbols)
			}
			out := writeOK(t, g)
			g2, err := Read(out)
			if err != nil {
				t.Fatalf("written graph does not read back: %v\n%s", err, out)
			}
			if again := writeOK(t, g2); !bytes.Equal(again, out) {
				t.Fatalf("not canonical:\n%s\n---\n%s", out, again)
			}
			if len(g2.Symbols) != 2 || g2.Symbols["B"] != want["B"] || g2.Symbols["S"] != want["S"] {
				t.Errorf("symbols read back as %v, want %v", g2.Symbols, want)
			}
			p, err := ReadProgram([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			prog, err := Write(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(prog), w) {
					t.Errorf("program file lacks %q:\n%s", w, prog)
				}
			}
			p2, err := ReadProgram(prog)
			if err != nil {
				t.Fatalf("written program does not read back: %v\n%s", err, prog)
			}
			if prog2, _ := Write(p2); !bytes.Equal(prog, prog2) {
				t.Errorf("program not canonical:\n%s\n---\n%s", prog, prog2)
			}
		})
	}
}

// A graph's sizes read as what they spell.
func TestSymbolicSizesRead(t *testing.T) {
	p, err := Parse([]byte(symbolicGraph))
	if err != nil {
		t.Fatal(err)
	}
	if got := ir.SizesString(p.Inputs[1].Strides); got != "[1, S]" {
		t.Errorf("t strides %s", got)
	}
	y := p.Nodes[0].Loop
	if got := ir.SizesString(y.Ranges); got != "[B*S, 768]" {
		t.Errorf("y ranges %s", got)
	}
	if got := y.Body.Args[0].Index[0].String(); got != "(i0 // S)" || !y.Body.Args[0].Index[0].HasSymbols() {
		t.Errorf("index %s does not divide by the symbol S", got)
	}
	q, err := Parse([]byte(symbolicProgram))
	if err != nil {
		t.Fatal(err)
	}
	if got := ir.SizesString(*q.Nodes[2].Op.Attrs.Shape); got != "[B, -1, 64]" {
		t.Errorf("reshape shape %s", got)
	}
}

// Bad symbols and sizes are refused with one line naming the JSON path
// and the text.
func TestSymbolicErrors(t *testing.T) {
	withSyms := func(syms, shape string) string {
		return `{"version":1,"name":"g","symbols":` + syms + `,"inputs":[{"name":"x","dtype":"float32","shape":` + shape + `}],"nodes":[],"outputs":["x"]}`
	}
	const bs = `{"B":{"hint":8,"min":1,"max":64},"S":{"hint":4,"min":1,"max":16}}`
	cases := []struct {
		name string
		doc  string
		want string
	}{
		{"symbols array", withSyms(`[]`, `[4]`), "symbols: want an object, got an array"},
		{"symbol not object", withSyms(`{"B":8}`, `[4]`), "symbols.B: want an object, got a number"},
		{"missing hint", withSyms(`{"B":{"min":1,"max":64}}`, `[4]`), "symbols.B.hint: missing (want an integer)"},
		{"hint string", withSyms(`{"B":{"hint":"8","min":1,"max":64}}`, `[4]`), "symbols.B.hint: want an integer, got a string"},
		{"max fraction", withSyms(`{"B":{"hint":8,"min":1,"max":6.5}}`, `[4]`), "symbols.B.max: want an integer, got 6.5"},
		{"unknown field", withSyms(`{"B":{"hint":8,"min":1,"max":64,"step":2}}`, `[4]`), `symbols.B.step: unknown field "step" (known: hint, min, max)`},
		{"hint outside", withSyms(`{"B":{"hint":80,"min":1,"max":64}}`, `[4]`), `symbols.B: symbol "B": hint 80 is outside its range [1, 64]`},
		{"min zero", withSyms(`{"B":{"hint":8,"min":0,"max":64}}`, `[4]`), `symbols.B: symbol "B": range [0, 64] must lie within [1, 2^48]`},
		{"loop variable name", withSyms(`{"i0":{"hint":8,"min":1,"max":64}}`, `[4]`), `symbols.i0: symbol "i0" is spelled like a loop variable`},
		{"first bad symbol by name", withSyms(`{"Z":{"hint":0,"min":1,"max":2},"A":{"min":1,"max":2}}`, `[4]`), "symbols.A.hint: missing"},
		{"derived can be 0", withSyms(bs, `[4, "S // 600"]`), `inputs[0].shape[1]: size "S // 600": can be 0 over the symbols' ranges; a size must be at least 1 (raise a min)`},
		{"derived over derived", `{"version":1,"name":"g","symbols":{"S":{"hint":8,"min":2,"max":64},"S_div_2":{"def":"S // 2"}},"inputs":[{"name":"x","dtype":"float32","shape":["S_div_2 + 1"]}],"nodes":[],"outputs":["x"]}`,
			`inputs[0].shape[0]: size "S_div_2 + 1": is built on the derived size S_div_2 (S // 2); write it over base symbols`},
		{"derived misnamed", `{"version":1,"name":"g","symbols":{"S":{"hint":8,"min":2,"max":64},"T":{"def":"S // 2"}},"inputs":[],"nodes":[],"outputs":[]}`,
			`symbols.T: the derived symbol of "S // 2" is named S_div_2, not T`},
		{"derived product", withSyms(bs, `["B * (S // 2)"]`), `inputs[0].shape[0]: size "B * (S // 2)"`},
		{"undeclared", withSyms(bs, `["T"]`), `inputs[0].shape[0]: size "T" names "T", which is no declared symbol (declare it in "symbols")`},
		{"no symbols", `{"version":1,"name":"g","inputs":[{"name":"x","dtype":"float32","shape":["B"]}],"nodes":[],"outputs":["x"]}`, `inputs[0].shape[0]: size "B" names "B", which is no declared symbol`},
		{"static string", withSyms(bs, `[4, "8"]`), `inputs[0].shape[1]: want an integer, got a string ("8"); a size written as a string is an expression over symbols`},
		{"parse error", withSyms(bs, `["S *"]`), `inputs[0].shape[0]: size "S *": index "S *" at offset 3: unexpected end`},
		{"node ranges", `{"version":1,"name":"g","symbols":` + bs + `,"inputs":[],"nodes":[{"name":"y","kind":"pointwise","ranges":["B","S+T"],"body":{"op":"index","dtype":"int64","expr":"i0"}}],"outputs":["y"]}`,
			`nodes[0] "y".ranges[1]: size "S+T" names "T", which is no declared symbol`},
		{"op shape", `{"version":1,"name":"g","symbols":` + bs + `,"inputs":[{"name":"x","dtype":"float32","shape":["B","S"]}],"nodes":[{"name":"y","op":"reshape","args":["x"],"shape":["B*S","x"]}],"outputs":["y"]}`,
			`nodes[0] "y".shape[1]: size "x" names "x", which is no declared symbol`},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read([]byte(tt.doc))
			if err == nil {
				t.Fatal("accepted")
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want one line with %q", msg, tt.want)
			}
		})
	}
}

// Random symbolic graphs (square and not) write and read back to the same
// bytes.
func TestRandomSymbolicRoundTrip(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		cols := int64(16)
		if seed%2 == 0 {
			cols = 24
		}
		g := randgraph.GenerateSymbolic(seed, 40, 16, cols)
		if err := ir.Validate(g); err != nil {
			t.Fatalf("seed %d: random graph invalid: %v", seed, err)
		}
		out := writeOK(t, g)
		g2, err := Read(out)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, out)
		}
		if again := writeOK(t, g2); !bytes.Equal(again, out) {
			t.Fatalf("seed %d: not canonical", seed)
		}
		if !strings.Contains(string(out), `"symbols"`) {
			t.Fatalf("seed %d: no symbols written", seed)
		}
	}
}

// A size that is no product of symbols ("S // 2") becomes a derived
// symbol, written in "symbols" with its definition; the file reads back to
// the same program and writes the same bytes.
func TestDerivedSymbolRoundTrip(t *testing.T) {
	src := `{"version":1,"name":"g","symbols":{"B":{"hint":8,"min":1,"max":64},"S":{"hint":512,"min":2,"max":4096}},
		"inputs":[{"name":"x","dtype":"float32","shape":["B","S // 2"]},{"name":"y","dtype":"float32","shape":["B","S + 1"]}],
		"nodes":[{"name":"z","op":"exp","args":["x"]}],"outputs":["z","y"]}`
	p, err := ReadProgram([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := p.Symbols["S_div_2"]
	if !ok || d.Def == nil || d.Hint != 256 || d.Min != 1 || d.Max != 2048 {
		t.Fatalf("derived symbol %+v", d)
	}
	if e := p.Symbols["S_plus_1"]; e.Hint != 513 || e.Min != 3 || e.Max != 4097 {
		t.Errorf("S + 1: %+v", e)
	}
	first, err := Write(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(first, []byte(`"def": "S // 2"`)) || !bytes.Contains(first, []byte(`"S_div_2"`)) {
		t.Errorf("written form lacks the definition:\n%s", first)
	}
	again, err := ReadProgram(first)
	if err != nil {
		t.Fatalf("reading back: %v\n%s", err, first)
	}
	second, err := Write(again)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("not stable:\n%s\n---\n%s", first, second)
	}
}

// The derived symbols the ops make (a cat of unequal sizes, a pad) are the
// lowered graph's: written as loop nodes with their definitions, the graph
// reads back and writes the same bytes, and the program it came from keeps
// only its own symbols.
func TestOpsDerivedSymbolsRoundTrip(t *testing.T) {
	src := `{"version":1,"name":"g","symbols":{"B":{"hint":4,"min":1,"max":64},"S":{"hint":100,"min":1,"max":4096},"T":{"hint":28,"min":1,"max":1024}},
		"inputs":[{"name":"x","dtype":"float32","shape":["B","S"]},{"name":"y","dtype":"float32","shape":["B","T"]}],
		"nodes":[{"name":"c","op":"cat","args":["x","y"],"dim":1},{"name":"p","op":"pad","args":["x"],"pad":[1,2]}],
		"outputs":["c","p"]}`
	p, err := ReadProgram([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	g, err := p.Lower()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Symbols) != 3 {
		t.Errorf("the program's symbols changed: %v", p.Symbols)
	}
	for _, name := range []string{"S_plus_T", "S_plus_3"} {
		if d, ok := g.Symbols[name]; !ok || d.Def == nil {
			t.Errorf("the graph has no derived symbol %s: %v", name, g.Symbols)
		}
	}
	first, err := WriteGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(first, []byte(`"def": "S + T"`)) || !bytes.Contains(first, []byte(`"def": "S + 3"`)) {
		t.Errorf("written form lacks the definitions:\n%s", first)
	}
	g2, err := Read(first)
	if err != nil {
		t.Fatalf("reading back: %v\n%s", err, first)
	}
	second, err := WriteGraph(g2)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("not stable:\n%s\n---\n%s", first, second)
	}
}
