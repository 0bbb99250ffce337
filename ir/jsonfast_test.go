package ir

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// slowJSON is ParseFile's decoding with encoding/json: one value, then only
// whitespace.
func slowJSON(data []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	rest := dec.InputOffset()
	for rest < int64(len(data)) && strings.IndexByte(" \t\r\n", data[rest]) >= 0 {
		rest++
	}
	return v, rest == int64(len(data))
}

// Where decodeJSONFast decodes, it gives encoding/json's value; it decodes
// every graph file of the repository.
func TestDecodeJSONFast(t *testing.T) {
	tests := []struct {
		in   string
		fast bool // must decode on the fast path
	}{
		{`{}`, true},
		{` {"a": 1} `, true},
		{"\t{\n\"a\":\r[1, 2.5, -3e4, 0, -0.0, 1E+2, 7e-1]}\n", true},
		{`{"a": [], "b": {}, "c": [[]], "d": null, "e": true, "f": false}`, true},
		{`{"a": 1, "a": 2}`, true},
		{`{"é": "ünïcödé ✓", "x": "\u00e9"}`, false},
		{`{"s": "tab\there"}`, false},
		{`{"s": "a\"b"}`, false},
		{"{\"s\": \"a\tb\"}", false},
		{"{\"s\": \"\xff\"}", false},
		{`[1, "two", {"three": [3]}]`, true},
		{`"top"`, true},
		{`12`, true},
		{`-`, false},
		{`01`, false},
		{`1.`, false},
		{`1.e3`, false},
		{`1e`, false},
		{`.5`, false},
		{`+1`, false},
		{`{"a": 1,}`, false},
		{`[1,]`, false},
		{`{"a" 1}`, false},
		{`{a: 1}`, false},
		{`{"a": 1} x`, false},
		{`{"a": 1}{}`, false},
		{`{"a": tru}`, false},
		{`{"a": nul}`, false},
		{`{"a": 1x}`, false},
		{``, false},
		{`   `, false},
		{`{"a": [1 2]}`, false},
		{"\ufeff{}", false},
		{strings.Repeat("[", 600) + strings.Repeat("]", 600), false},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), true},
	}
	for _, tt := range tests {
		got, ok := decodeJSONFast([]byte(tt.in))
		want, wantOK := slowJSON([]byte(tt.in))
		if ok && (!wantOK || !reflect.DeepEqual(got, want)) {
			t.Errorf("%q: fast %#v; encoding/json %#v, %v", tt.in, got, want, wantOK)
		}
		if tt.fast && !ok {
			t.Errorf("%q: not decoded on the fast path", tt.in)
		}
		if !tt.fast && ok {
			t.Errorf("%q: decoded on the fast path, want encoding/json", tt.in)
		}
	}
	var files []string
	for _, pattern := range []string{"../examples/*.json", "../examples/*/*.json", "../golden/testdata/*/graph.json", "../bench/gpu/graphs/*.json", "testdata/*.json"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("found %d graph files", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeJSONFast(data)
		want, wantOK := slowJSON(data)
		if !ok || !wantOK || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: fast %v, encoding/json %v, or their values differ", f, ok, wantOK)
		}
	}
}

// FuzzDecodeJSONFast: wherever the fast path decodes, encoding/json decodes
// too, to the same value.
func FuzzDecodeJSONFast(f *testing.F) {
	for _, s := range fuzzGraphSeeds {
		f.Add([]byte(s))
	}
	for _, s := range []string{`{"a": [1, -2.5e3, "x\u00e9", true, null, {}]}`, `[1 2]`, `"\ud800"`, `{"a":1}{}`, `-0`, `1e400`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := decodeJSONFast(data)
		if !ok {
			return
		}
		want, wantOK := slowJSON(data)
		if !wantOK || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: fast path %#v; encoding/json %#v (ok %v)", data, got, want, wantOK)
		}
	})
}
