package ir

import (
	"testing"
)

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
		z := x.Simplify(StaticEnv(sizes))
		if q := z.String(); q != z.Simplify(StaticEnv(sizes)).String() {
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
	b := x.Bounds(StaticEnv(sizes))
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
