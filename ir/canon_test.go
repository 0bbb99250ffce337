package ir

import (
	"math"
	"math/rand"
	"reflect"
	"testing"
)

// canon gives what canonSpelled (the general algorithm, keyed by every
// atom's spelling) gives.
func TestCanonMatchesSpelled(t *testing.T) {
	x, y := VarIndex("x"), VarIndex("y")
	inner := x.Scale(4).Add(y)
	named := Term{Coeff: 1, Var: "(x // 2)"} // a variable named like an atom
	tests := []struct {
		name  string
		terms []Term
		c     int64
	}{
		{"empty", nil, 3},
		{"zero", []Term{{Coeff: 0, Var: "x"}}, 0},
		{"one var", []Term{{Coeff: 2, Var: "x"}}, 1},
		{"vars unsorted", []Term{{Coeff: 1, Var: "z"}, {Coeff: 2, Var: "a"}, {Coeff: 3, Var: "m"}}, 0},
		{"vars merge", []Term{{Coeff: 1, Var: "y"}, {Coeff: 2, Var: "x"}, {Coeff: 3, Var: "y"}}, 0},
		{"vars cancel", []Term{{Coeff: 1, Var: "y"}, {Coeff: 2, Var: "x"}, {Coeff: -1, Var: "y"}}, 5},
		{"compound after vars", []Term{{Coeff: 1, Inner: &inner, Div: 3}, {Coeff: 1, Var: "x"}}, 0},
		{"compounds sorted", []Term{{Coeff: 1, Inner: &inner, Div: 3, Mod: 5}, {Coeff: 1, Inner: &inner, Div: 3}, {Coeff: 2, Inner: &inner, Div: 1, Mod: 7}}, 0},
		{"compounds merge", []Term{{Coeff: 1, Inner: &inner, Div: 3}, {Coeff: 1, Var: "x"}, {Coeff: 4, Inner: &inner, Div: 3}}, 0},
		{"compounds cancel", []Term{{Coeff: 1, Inner: &inner, Div: 3}, {Coeff: -1, Inner: &inner, Div: 3}}, 0},
		{"same spelling, different structure", []Term{
			{Coeff: 1, Inner: &x, Div: 2, Mod: 3},
			{Coeff: 1, Inner: &Index{Terms: []Term{{Coeff: 1, Inner: &x, Div: 2}}}, Div: 1, Mod: 3},
		}, 0},
		{"variable named like an atom", []Term{{Coeff: 1, Inner: &x, Div: 2}, named, {Coeff: 1, Var: "a"}}, 0},
		{"many", []Term{{Coeff: 1, Var: "j"}, {Coeff: 1, Var: "i"}, {Coeff: 1, Var: "h"}, {Coeff: 1, Var: "g"}, {Coeff: 1, Var: "f"},
			{Coeff: 1, Inner: &x, Div: 9}, {Coeff: 1, Inner: &x, Div: 8}, {Coeff: 1, Inner: &x, Div: 7}, {Coeff: 1, Inner: &y, Div: 7}, {Coeff: 1, Var: "e"}}, math.MinInt64},
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
	vars := []string{"x", "y", "r0", "i1", "(z)"}
	var atoms []*Index
	for range 12 {
		var ts []Term
		for range 1 + rng.Intn(3) {
			ts = append(ts, Term{Coeff: int64(rng.Intn(5) - 2), Var: vars[rng.Intn(4)]})
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
				terms = append(terms, Term{Coeff: int64(rng.Intn(5) - 2), Var: v})
			default:
				terms = append(terms, Term{Coeff: int64(rng.Intn(5) - 2), Inner: atoms[rng.Intn(len(atoms))], Div: int64(1 + rng.Intn(3)), Mod: int64(rng.Intn(3))})
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
		{Index{Terms: []Term{{Coeff: 1, Var: "x"}}, Const: math.MinInt64}, "x - -9223372036854775808"},
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
	atoms := []*Index{&x, {Terms: []Term{{Coeff: 2, Var: "y"}}, Const: 1}}
	randIndex := func() Index {
		var terms []Term
		for range rng.Intn(4) {
			if rng.Intn(3) == 0 {
				terms = append(terms, Term{Coeff: int64(rng.Intn(3) - 1), Inner: atoms[rng.Intn(len(atoms))], Div: int64(1 + rng.Intn(3))})
			} else {
				terms = append(terms, Term{Coeff: int64(rng.Intn(3) - 1), Var: []string{"a", "b", "c", "(d)"}[rng.Intn(4)]})
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
			t.Coeff *= c
			scaled[i] = t
		}
		want = canon(scaled, a.Const*c)
		if got := a.Scale(c); !reflect.DeepEqual(got, want) {
			t.Fatalf("%#v.Scale(%d) = %#v, want %#v", a, c, got, want)
		}
	}
}
