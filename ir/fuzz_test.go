package ir

import (
	"bytes"
	"testing"
)

// fuzzGraphSeeds are valid graph documents and broken ones.
var fuzzGraphSeeds = []string{
	sampleGraph,
	fullGraph,
	mixedGraph,
	`{"version":1,"name":"o","inputs":[{"name":"x","dtype":"bfloat16","shape":[3,5]},{"name":"t","dtype":"int64","shape":[3]}],"nodes":[{"name":"c","op":"cross_entropy","args":["x","t"]},{"outputs":["a","b"],"op":"chunk","args":["x"],"chunks":2,"dim":1},{"name":"y","op":"cat","args":["b","a"],"dim":-1},{"name":"g","op":"gather","args":["y","i"],"dim":1},{"name":"i","op":"unsqueeze","args":["t"],"dim":1}],"outputs":["c","g"]}`,
	`{"version":1,"name":"s","inputs":[{"name":"a","dtype":"bool","shape":[]}],"nodes":[{"name":"b","kind":"pointwise","ranges":[],"body":{"op":"logical_not","args":[{"op":"load","buffer":"a","index":[]}]}}],"outputs":["b","a"]}`,
	`{"version":1,"name":"idx","inputs":[{"name":"w","dtype":"float16","shape":[10,4]},{"name":"ids","dtype":"int32","shape":[6]}],"nodes":[{"name":"e","kind":"pointwise","ranges":[6,4],"body":{"op":"load","buffer":"w","index":["$0","i1"],"indirect":[{"op":"load","buffer":"ids","index":["i0"]}]}}],"outputs":["e"]}`,
	`{"version":1,"name":"split","inputs":[{"name":"x","dtype":"float32","shape":[6018]}],"nodes":[{"name":"y","kind":"reduction","ranges":[6],"reduction_ranges":[1003],"reduction":"argmax","body":{"op":"load","buffer":"x","index":["1003*((i0*1003 + r0) // 1003 % 6) + (r0 % 1003)"]}}],"outputs":["y"]}`,
	`{"version":1,"name":"c","inputs":[],"nodes":[{"name":"k","kind":"pointwise","ranges":[3],"body":{"op":"where","args":[{"op":"constant","dtype":"bool","value":true},{"op":"index","dtype":"int32","expr":"i0 // 2"},{"op":"cast","dtype":"int32","args":[{"op":"constant","dtype":"float64","value":"-inf"}]}]}}],"outputs":["k"]}`,
	``,
	`{`,
	`[]`,
	`{"version":2}`,
	`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"float32","shape":"4"}],"nodes":[],"outputs":["x"]}`,
	`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"float32","shape":[4]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[4],"body":{"op":"load","bufer":"x","index":["i0"]}}],"outputs":["y"]}`,
	`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"float32","shape":[4]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[4],"body":{"op":"load","buffer":"x","index":["i0 + 1"]}}],"outputs":["y"]}`,
	`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"float32","shape":[4]}],"nodes":[{"name":"a","kind":"pointwise","ranges":[4],"body":{"op":"load","buffer":"b","index":["i0"]}},{"name":"b","kind":"pointwise","ranges":[4],"body":{"op":"load","buffer":"a","index":["i0"]}}],"outputs":["a"]}`,
	`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"int8","shape":[4]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[4],"body":{"op":"add","args":[{"op":"load","buffer":"x","index":["i0"]},{"op":"constant","dtype":"int8","value":300}]}}],"outputs":["y"]}`,
}

// FuzzReadGraph: ReadGraph never panics, and whatever it accepts writes to a
// canonical file that reads back and writes to the same bytes.
func FuzzReadGraph(f *testing.F) {
	for _, s := range fuzzGraphSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ReadGraph(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		out1, err := WriteGraph(g)
		if err != nil {
			t.Fatalf("WriteGraph of a graph ReadGraph accepted: %v", err)
		}
		g2, err := ReadGraph(out1)
		if err != nil {
			t.Fatalf("written graph does not read back: %v\n%s", err, out1)
		}
		out2, err := WriteGraph(g2)
		if err != nil {
			t.Fatalf("second WriteGraph: %v", err)
		}
		if !bytes.Equal(out1, out2) {
			t.Fatalf("writing is not canonical:\nfirst:\n%s\nsecond:\n%s", out1, out2)
		}
		if _, err := TopoOrder(g2); err != nil {
			t.Fatalf("TopoOrder of a valid graph: %v", err)
		}
	})
}

// FuzzParseIndex: ParseIndex never panics, and what it accepts prints to a
// spelling that parses to the same spelling. On small ranges, Simplify keeps
// the value at every point.
func FuzzParseIndex(f *testing.F) {
	for _, s := range []string{
		"i0", "r0 + 2048*i0", "1003*((x // 1003) % 6) + (x % 1003)", "(x % 6) // 4",
		"((i0 + 3) % 6) // 3", "-x // 2", "x*y", "x // 0", "(x + 1", "x + 1)", "$0",
		"9007199254740992*9007199254740992", "(x // 9007199254740992) // 9007199254740992",
		"15*((x // 15) % 2) + 5*((x // 5) % 3) + (x % 5)", "", "é", "((((x))))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		x, err := ParseIndex(s)
		if err != nil {
			return
		}
		p := x.String()
		y, err := ParseIndex(p)
		if err != nil {
			t.Fatalf("ParseIndex(%q) prints %q, which does not parse: %v", s, p, err)
		}
		if q := y.String(); q != p {
			t.Fatalf("ParseIndex(%q) prints %q, which parses to %q", s, p, q)
		}
		vars := x.Vars()
		if len(vars) > 3 {
			return
		}
		sizes := map[string]int64{}
		for i, v := range vars {
			sizes[v] = int64(2 + 2*i)
		}
		if !smallIndex(x, sizes) {
			return
		}
		z := x.Simplify(sizes)
		if q := z.String(); q != z.Simplify(sizes).String() {
			t.Fatalf("Simplify(%q) not idempotent", p)
		}
		forEachPoint(sizes, vars, func(env map[string]int64) {
			if a, b := x.Eval(env), z.Eval(env); a != b {
				t.Fatalf("%q = %d but Simplify gives %q = %d at %v", p, a, z, b, env)
			}
		})
	})
}

// smallIndex reports whether every intermediate value of x stays far from
// int64 overflow over the ranges, so that evaluation is exact.
func smallIndex(x Index, sizes map[string]int64) bool {
	const lim = 1 << 40
	b := x.Bounds(sizes)
	if b.Lo < -lim || b.Hi > lim {
		return false
	}
	for _, t := range x.Terms {
		if t.Inner != nil && !smallIndex(*t.Inner, sizes) {
			return false
		}
	}
	return true
}
