package ir

import (
	"math"
	"math/rand"
	"reflect"
	"sort"
	"testing"
)

// canonSpelled is the general algorithm canon must agree with: terms keyed
// by their kind, every atom's spelling and their coefficient's symbols.
func canonSpelled(terms []Term, c int64) Index {
	type keyed struct {
		t   Term
		key string
	}
	var out []keyed
	for _, t := range terms {
		if t.isSymbolic() && t.Coeff.Syms == "" {
			c += t.Coeff.C
			continue
		}
		if t.Coeff.C == 0 {
			continue
		}
		k := string(rune('0'+t.class())) + t.atom() + "|" + string(t.Coeff.Syms)
		merged := false
		for i := range out {
			if out[i].key == k {
				out[i].t.Coeff.C += t.Coeff.C
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, keyed{t, k})
		}
	}
	kept := out[:0]
	for _, kt := range out {
		if kt.t.Coeff.C != 0 {
			kept = append(kept, kt)
		}
	}
	if len(kept) == 0 {
		return Index{Const: c}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if a.t.class() != b.t.class() {
			return a.t.class() < b.t.class()
		}
		if a.t.atom() != b.t.atom() {
			return a.t.atom() < b.t.atom()
		}
		return a.t.Coeff.Syms < b.t.Coeff.Syms
	})
	res := make([]Term, len(kept))
	for i, kt := range kept {
		res[i] = kt.t
	}
	return Index{Terms: res, Const: c}
}

// canon gives what canonSpelled gives.
func TestCanonMatchesSpelled(t *testing.T) {
	x, y := VarIndex("x"), VarIndex("y")
	inner := x.Scale(4).Add(y)
	named := Term{Coeff: Int(1), Var: "(x // 2)"} // a variable named like an atom
	tests := []struct {
		name  string
		terms []Term
		c     int64
	}{
		{"empty", nil, 3},
		{"zero", []Term{{Coeff: Int(0), Var: "x"}}, 0},
		{"one var", []Term{{Coeff: Int(2), Var: "x"}}, 1},
		{"vars unsorted", []Term{{Coeff: Int(1), Var: "z"}, {Coeff: Int(2), Var: "a"}, {Coeff: Int(3), Var: "m"}}, 0},
		{"vars merge", []Term{{Coeff: Int(1), Var: "y"}, {Coeff: Int(2), Var: "x"}, {Coeff: Int(3), Var: "y"}}, 0},
		{"vars cancel", []Term{{Coeff: Int(1), Var: "y"}, {Coeff: Int(2), Var: "x"}, {Coeff: Int(-1), Var: "y"}}, 5},
		{"compound after vars", []Term{{Coeff: Int(1), Inner: &inner, Div: Int(3)}, {Coeff: Int(1), Var: "x"}}, 0},
		{"compounds sorted", []Term{{Coeff: Int(1), Inner: &inner, Div: Int(3), Mod: Int(5)}, {Coeff: Int(1), Inner: &inner, Div: Int(3)}, {Coeff: Int(2), Inner: &inner, Div: Int(1), Mod: Int(7)}}, 0},
		{"compounds merge", []Term{{Coeff: Int(1), Inner: &inner, Div: Int(3)}, {Coeff: Int(1), Var: "x"}, {Coeff: Int(4), Inner: &inner, Div: Int(3)}}, 0},
		{"compounds cancel", []Term{{Coeff: Int(1), Inner: &inner, Div: Int(3)}, {Coeff: Int(-1), Inner: &inner, Div: Int(3)}}, 0},
		{"same spelling, different structure", []Term{
			{Coeff: Int(1), Inner: &x, Div: Int(2), Mod: Int(3)},
			{Coeff: Int(1), Inner: &Index{Terms: []Term{{Coeff: Int(1), Inner: &x, Div: Int(2)}}}, Div: Int(1), Mod: Int(3)},
		}, 0},
		{"variable named like an atom", []Term{{Coeff: Int(1), Inner: &x, Div: Int(2)}, named, {Coeff: Int(1), Var: "a"}}, 0},
		{"many", []Term{{Coeff: Int(1), Var: "j"}, {Coeff: Int(1), Var: "i"}, {Coeff: Int(1), Var: "h"}, {Coeff: Int(1), Var: "g"}, {Coeff: Int(1), Var: "f"},
			{Coeff: Int(1), Inner: &x, Div: Int(9)}, {Coeff: Int(1), Inner: &x, Div: Int(8)}, {Coeff: Int(1), Inner: &x, Div: Int(7)}, {Coeff: Int(1), Inner: &y, Div: Int(7)}, {Coeff: Int(1), Var: "e"}}, math.MinInt64},
	}
	check := func(name string, terms []Term, c int64) {
		t.Helper()
		want := canonSpelled(append([]Term(nil), terms...), c)
		got := canon(append([]Term(nil), terms...), c)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: canon = %v (%#v), want %v (%#v)", name, got, got, want, want)
		}
		if cap(got.Terms) != len(got.Terms) {
			t.Errorf("%s: cap %d, len %d", name, cap(got.Terms), len(got.Terms))
		}
	}
	for _, tt := range tests {
		check(tt.name, tt.terms, tt.c)
	}
	// Random terms over a few variables and nested atoms.
	rng := rand.New(rand.NewSource(1))
	syms := []SymProduct{"", "", "S", "B*S"}
	coeff := func(lo, n int) Size { return Size{C: int64(rng.Intn(n) + lo), Syms: syms[rng.Intn(len(syms))]} }
	vars := []string{"x", "y", "r0", "i1", "(z)"}
	var atoms []*Index
	for range 12 {
		var ts []Term
		for range 1 + rng.Intn(3) {
			ts = append(ts, Term{Coeff: Int(int64(rng.Intn(5) - 2)), Var: vars[rng.Intn(4)]})
		}
		ix := Index{Terms: ts, Const: int64(rng.Intn(3))}
		atoms = append(atoms, &ix)
	}
	for i := range 5000 {
		var terms []Term
		for range rng.Intn(9) {
			switch rng.Intn(3) {
			case 0:
				v := vars[rng.Intn(len(vars))]
				if i%2 == 0 && v == "(z)" {
					v = "w"
				}
				terms = append(terms, Term{Coeff: coeff(-2, 5), Var: v})
			case 1:
				terms = append(terms, Term{Coeff: coeff(-2, 5)})
			default:
				terms = append(terms, Term{Coeff: coeff(-2, 5), Inner: atoms[rng.Intn(len(atoms))], Div: Int(int64(1 + rng.Intn(3))), Mod: Int(int64(rng.Intn(3)))})
			}
		}
		check("random", terms, int64(rng.Intn(7)-3))
	}
}

// Index.String spells constants as %d did.
func TestIndexStringConst(t *testing.T) {
	for _, tt := range []struct {
		x    Index
		want string
	}{
		{VarIndex("x").Add(ConstIndex(3)), "x + 3"},
		{VarIndex("x").Add(ConstIndex(-3)), "x - 3"},
		{Index{Terms: []Term{{Coeff: Int(1), Var: "x"}}, Const: math.MinInt64}, "x - -9223372036854775808"},
		{ConstIndex(-7), "-7"},
	} {
		if got := tt.x.String(); got != tt.want {
			t.Errorf("%#v: %q, want %q", tt.x, got, tt.want)
		}
	}
}

// Add and Scale, which keep the terms of a canonical operand where they
// can, give what canonicalizing the combined terms gives.
func TestAddScaleMatchCanon(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	x := VarIndex("x")
	atoms := []*Index{&x, {Terms: []Term{{Coeff: Int(2), Var: "y"}}, Const: 1}}
	randIndex := func() Index {
		var terms []Term
		for range rng.Intn(4) {
			if rng.Intn(3) == 0 {
				terms = append(terms, Term{Coeff: Int(int64(rng.Intn(3) - 1)), Inner: atoms[rng.Intn(len(atoms))], Div: Int(int64(1 + rng.Intn(3)))})
			} else {
				terms = append(terms, Term{Coeff: Size{C: int64(rng.Intn(3) - 1), Syms: []SymProduct{"", "", "S"}[rng.Intn(3)]}, Var: []string{"a", "b", "c", "(d)"}[rng.Intn(4)]})
			}
		}
		switch rng.Intn(3) {
		case 0: // canonical, as built by the package
			return canon(terms, int64(rng.Intn(5)))
		case 1: // with spare capacity
			terms = append(make([]Term, 0, len(terms)+2), terms...)
		case 2:
			if len(terms) == 0 && rng.Intn(2) == 0 {
				terms = []Term{}
			}
		}
		return Index{Terms: terms, Const: int64(rng.Intn(5))}
	}
	for range 20000 {
		a, b := randIndex(), randIndex()
		want := canon(append(append([]Term(nil), a.Terms...), b.Terms...), a.Const+b.Const)
		if got := a.Add(b); !reflect.DeepEqual(got, want) {
			t.Fatalf("%#v.Add(%#v) = %#v, want %#v", a, b, got, want)
		}
		c := int64(rng.Intn(4) - 1)
		scaled := make([]Term, len(a.Terms))
		for i, t := range a.Terms {
			t.Coeff.C *= c
			scaled[i] = t
		}
		want = canon(scaled, a.Const*c)
		if got := a.Scale(c); !reflect.DeepEqual(got, want) {
			t.Fatalf("%#v.Scale(%d) = %#v, want %#v", a, c, got, want)
		}
	}
}
