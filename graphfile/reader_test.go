package graphfile

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// The *At readers give the value and the error their plain readers give
// with the joined path.
func TestReaderAt(t *testing.T) {
	values := []any{nil, "", "x", "float32", "nope", json.Number("3"), json.Number("-7"), json.Number("2.5"),
		json.Number("99999999999999999999"), true, []any{}, []any{json.Number("1"), json.Number("2")},
		[]any{json.Number("1"), "2"}, []any{json.Number("1.5")}, []any{nil}, map[string]any{}}
	type reading struct {
		v   any
		err string
	}
	read := func(f func(r *reader) any) reading {
		r := &reader{}
		v := f(r)
		return reading{v, fmt.Sprint(r.err)}
	}
	for _, v := range values {
		for _, req := range []bool{false, true} {
			for name, pair := range map[string][2]func(r *reader) any{
				"string": {func(r *reader) any { return r.stringAt(v, "p", "f", req) }, func(r *reader) any { return r.string(v, "p.f", req) }},
				"int":    {func(r *reader) any { return r.intAt(v, "p", "f", req) }, func(r *reader) any { return r.int(v, "p.f", req) }},
				"array":  {func(r *reader) any { return r.arrayAt(v, "p", "f", req) }, func(r *reader) any { return r.array(v, "p.f", req) }},
				"ints":   {func(r *reader) any { return r.intsAt(v, "p", "f", req) }, func(r *reader) any { return r.ints(v, "p.f", req) }},
				"dtype":  {func(r *reader) any { return r.dtypeAt(v, "p", "f", req) }, func(r *reader) any { return r.dtype(v, "p.f", req) }},
			} {
				got, want := read(pair[0]), read(pair[1])
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%sAt(%#v, required %v) = %#v, want %#v", name, v, req, got, want)
				}
			}
		}
	}
}
