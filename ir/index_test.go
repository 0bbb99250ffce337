package ir

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
)

func mustIndex(t *testing.T, s string) Index {
	t.Helper()
	x, err := ParseIndex(s)
	if err != nil {
		t.Fatalf("ParseIndex(%q): %v", s, err)
	}
	return x
}

// checkReparse asserts that x prints to something that parses back to the
// same canonical form.
func checkReparse(t *testing.T, x Index) {
	t.Helper()
	s := x.String()
	y, err := ParseIndex(s)
	if err != nil {
		t.Fatalf("String() = %q does not parse again: %v", s, err)
	}
	if y.String() != s {
		t.Fatalf("String() = %q parses back as %q", s, y.String())
	}
}

func TestParseIndexCanonical(t *testing.T) {
	cases := []struct{ in, want string }{
		// Plain variables first, sorted by name, then the constant.
		{"i0", "i0"},
		{"r0 + 2048*i0", "2048*i0 + r0"},
		{"i1 + i0", "i0 + i1"},
		{"3 + x", "x + 3"},
		{"x - 5", "x - 5"},
		{"5 - x", "-x + 5"},
		{"-x - 2*y", "-x - 2*y"},
		{"x*3", "3*x"},
		{"3*x*2", "6*x"},
		{"2*(x + 1)", "2*x + 2"},
		{"(x + 1)*2", "2*x + 2"},
		{"x + x", "2*x"},
		{"x - x", "0"},
		{"x - x + 4", "4"},
		{"0*x", "0"},
		{"  i0  *\t4 ", "4*i0"},
		{"((x))", "x"},
		{"+x", "x"},
		{"--x", "x"},
		{"-(-x)", "x"},
		{"-0", "0"},
		{"$0", "$0"},
		{"_a + A", "A + _a"},
		// Compound atoms after plain variables, ordered by spelling.
		{"(x // 4) + y", "y + (x // 4)"},
		{"x % 7 + a", "a + (x % 7)"},
		{"(b // 2) + (a // 2)", "(a // 2) + (b // 2)"},
		{"x - (y // 2)", "x - (y // 2)"},
		{"-(x // 2) + 1", "-(x // 2) + 1"},
		{"3*((x // 2) % 5) + z", "z + 3*((x // 2) % 5)"},
		{"(x // 2) + (x // 2)", "2*(x // 2)"},
		{"(x // 2) - (x // 2)", "0"},
		// Python precedence: // and % bind like *, unary minus tighter.
		{"x + y // 2", "x + (y // 2)"},
		{"-x // 2", "((-x) // 2)"},
		{"x // 2 % 3", "((x // 2) % 3)"},
		// Nested divisions and modulos that need no ranges.
		{"(x // 2) // 3", "(x // 6)"},
		{"(x % 6) // 2", "((x // 2) % 3)"},
		{"(x // 2) % 3", "((x // 2) % 3)"},
		{"((x // 2) % 6) % 3", "((x // 2) % 3)"},
		{"(x // 2) % 3 % 3", "((x // 2) % 3)"},
		{"(x % 4) // 4", "0"},
		{"((x // 3) % 4) // 4", "0"},
		{"(x % 6) // 4", "((x % 6) // 4)"},
		{"(x % 6) % 4", "((x % 6) % 4)"},
		{"(2*x) // 3", "((2*x) // 3)"},
		// Found by the property test and the fuzzer: merged divisions and
		// modulos are rebuilt in the form their spelling parses to.
		{"((i0 + 3) % 6) // 3", "(((i0 // 3) + 1) % 2)"},
		{"((2*x) % 6) % 2", "0"},
		{"((2*x + 1) % 6) % 2", "1"},
		{"((x + 2*y) % 6) % 3", "((x + 2*y) % 3)"},
		{"(x + 1) // 2", "((x + 1) // 2)"},
		{"(x - 1) // 2", "((x - 1) // 2)"},
		// Terms the divisor divides come out of the division.
		{"(4*x + 2*y + 1) // 2", "2*x + y"},
		{"(4*x + y + 6) // 2", "2*x + (y // 2) + 3"},
		{"(4*x + y + 7) // 2", "2*x + ((y + 7) // 2)"},
		{"(6*x + y) % 3", "(y % 3)"},
		{"(6*x + 9) % 3", "0"},
		{"(x + 7) % 3", "((x + 1) % 3)"},
		{"(x - 1) % 3", "((x + 2) % 3)"},
		// Constants fold with floor semantics, as in Python.
		{"7 // 2", "3"},
		{"-7 // 2", "-4"},
		{"-7 % 3", "2"},
		{"x // 1", "x"},
		{"x % 1", "0"},
		{"9007199254740992", "9007199254740992"},
		{"(x // 9007199254740992) // 9007199254740992", "((x // 9007199254740992) // 9007199254740992)"},
		{"(x // 1073741824) // 1073741824", "((x // 1073741824) // 1073741824)"},
		{"(x // 1048576) // 1048576", "(x // 1099511627776)"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			x := mustIndex(t, c.in)
			if got := x.String(); got != c.want {
				t.Fatalf("ParseIndex(%q).String() = %q, want %q", c.in, got, c.want)
			}
			checkReparse(t, x)
		})
	}
}

func TestParseIndexErrors(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"x*y", []string{"product of two variable terms is not affine", "offset 3"}},
		{"(x + 1)*(y + 2)", []string{"not affine", "offset 15"}},
		{"x // 0", []string{"// needs a positive integer constant", "offset 6"}},
		{"x // y", []string{"// needs a positive integer constant", "offset 6"}},
		{"x // -2", []string{"// needs a positive integer constant"}},
		{"x % 0", []string{"% needs a positive integer constant", "offset 5"}},
		{"x % y", []string{"% needs a positive integer constant"}},
		{"7 % -3 + 1", []string{"% needs a positive integer constant"}},
		{"x + @", []string{`unexpected "@"`, "offset 4"}},
		{"x + 1.5", []string{`unexpected "."`, "offset 5"}},
		{"x / 2", []string{`unexpected "/"`, "offset 2"}},
		{"x ** 2", []string{`unexpected "*"`, "offset 3"}},
		{"2x", []string{`unexpected "x"`, "offset 1"}},
		{"x y", []string{`unexpected "y"`, "offset 2"}},
		{"x\n", []string{`unexpected "\n"`, "offset 1"}},
		{"é", []string{"unexpected", "offset 0"}},
		{"(x + 1", []string{"missing )", "offset 6"}},
		{"((x)", []string{"missing )", "offset 4"}},
		{"x + 1)", []string{`unexpected ")"`, "offset 5"}},
		{")", []string{`unexpected ")"`, "offset 0"}},
		{"()", []string{`unexpected ")"`, "offset 1"}},
		{"", []string{"unexpected end", "offset 0"}},
		{"   ", []string{"unexpected end", "offset 3"}},
		{"x +", []string{"unexpected end", "offset 3"}},
		{"x // ", []string{"unexpected end", "offset 5"}},
		{"99999999999999999999", []string{"integer 99999999999999999999 out of range"}},
		{"9007199254740993", []string{"out of range"}},
		{"9007199254740992*9007199254740992", []string{"constant too large"}},
		{"2*x*9007199254740992", []string{"constant too large"}},
		{"9007199254740992*(x + 2)", []string{"constant too large"}},
		{"9007199254740992 + 9007199254740992", []string{"constant too large"}},
		{"x - 9007199254740992 - 1", []string{"constant too large"}},
		{"9007199254740992*x + 9007199254740992*x", []string{"constant too large"}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			x, err := ParseIndex(c.in)
			if err == nil {
				t.Fatalf("ParseIndex(%q) = %q, want an error", c.in, x)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, fmt.Sprintf("index %q", c.in)) {
				t.Errorf("error %q does not quote the input", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestParseIndexLimits(t *testing.T) {
	nest := func(n int) string {
		s := "x"
		for i := 0; i < n; i++ {
			s = "(" + s + " + 1) // 2"
		}
		return s
	}
	x := mustIndex(t, nest(32))
	if x.depth() != 32 {
		t.Errorf("depth %d, want 32", x.depth())
	}
	checkReparse(t, x)
	if _, err := ParseIndex(nest(33)); err == nil || !strings.Contains(err.Error(), "divisions and modulos nested deeper than 32") {
		t.Errorf("33 levels: %v", err)
	}
	// Nesting needs no parentheses: every % or // that cannot merge nests.
	if _, err := ParseIndex("x" + strings.Repeat(" % 3 // 2", 40)); err == nil || !strings.Contains(err.Error(), "nested deeper than 32") {
		t.Errorf("unparenthesized nesting: %v", err)
	}
	long := "x" + strings.Repeat(" + x", 1023) // 4093 characters
	if x := mustIndex(t, long); x.String() != "1024*x" {
		t.Errorf("long sum = %q", x)
	}
	_, err := ParseIndex(long + " + 1")
	if err == nil || !strings.Contains(err.Error(), "longer than 4096 characters") || len(err.Error()) > 100 {
		t.Errorf("over-long index: %v", err)
	}
}

func TestIndexBuilders(t *testing.T) {
	x, y := VarIndex("x"), VarIndex("y")
	cases := []struct {
		name string
		got  Index
		want string
	}{
		{"const", ConstIndex(-3), "-3"},
		{"var", x, "x"},
		{"add", x.Add(y.Scale(3)).Add(ConstIndex(2)), "x + 3*y + 2"},
		{"add cancels", x.Add(x.Scale(-1)), "0"},
		{"scale zero", x.Add(ConstIndex(4)).Scale(0), "0"},
		{"floordiv const", ConstIndex(-9).FloorDiv(Int(4)), "-3"},
		{"floordiv by one", x.Add(y).FloorDiv(Int(1)), "x + y"},
		{"floordiv exact", x.Scale(8).Add(ConstIndex(16)).FloorDiv(Int(8)), "x + 2"},
		{"floordiv partial", x.Scale(8).Add(y).FloorDiv(Int(8)), "x + (y // 8)"},
		{"floordiv of floordiv", x.FloorDiv(Int(3)).FloorDiv(Int(5)), "(x // 15)"},
		{"floordiv of mod", x.Mod(Int(12)).FloorDiv(Int(4)), "((x // 4) % 3)"},
		{"floordiv of mod gone", x.Mod(Int(4)).FloorDiv(Int(4)), "0"},
		{"floordiv huge nests", x.FloorDiv(Int(1 << 30)).FloorDiv(Int(1 << 30)), "((x // 1073741824) // 1073741824)"},
		{"mod const", ConstIndex(-1).Mod(Int(5)), "4"},
		{"mod by one", x.Mod(Int(1)), "0"},
		{"mod drops multiples", x.Scale(10).Add(y).Add(ConstIndex(12)).Mod(Int(5)), "((y + 2) % 5)"},
		{"mod of mod", x.Mod(Int(12)).Mod(Int(4)), "(x % 4)"},
		{"mod of floordiv", x.FloorDiv(Int(4)).Mod(Int(3)), "((x // 4) % 3)"},
		{"mod of floordiv mod", x.FloorDiv(Int(4)).Mod(Int(6)).Mod(Int(3)), "((x // 4) % 3)"},
		{"mod keeps coarser", x.Mod(Int(4)).Mod(Int(6)), "((x % 4) % 6)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if s := c.got.String(); s != c.want {
				t.Fatalf("got %q, want %q", s, c.want)
			}
			checkReparse(t, c.got)
		})
	}
}

func TestIsVarIsConstVars(t *testing.T) {
	if v, ok := mustIndex(t, "i3").IsVar(); !ok || v != "i3" {
		t.Errorf(`IsVar("i3") = %q, %v`, v, ok)
	}
	for _, s := range []string{"2*i3", "i3 + 1", "(i3 // 2)", "7", "i0 + i1"} {
		if v, ok := mustIndex(t, s).IsVar(); ok {
			t.Errorf("IsVar(%q) = %q, true", s, v)
		}
	}
	if !mustIndex(t, "3 + 4").IsConst() || mustIndex(t, "x").IsConst() {
		t.Error("IsConst wrong")
	}
	got := fmt.Sprint(mustIndex(t, "z + ((b + (a // 2)) // 3) - 4*y").Vars())
	if got != "[a b y z]" {
		t.Errorf("Vars = %s, want [a b y z]", got)
	}
	if v := ConstIndex(1).Vars(); len(v) != 0 {
		t.Errorf("Vars of a constant = %v", v)
	}
}

func TestSimplify(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		sizes map[string]int64
		want  string
	}{
		{"split flat index rejoins", "1003*((x // 1003) % 6) + (x % 1003)", map[string]int64{"x": 6 * 1003}, "x"},
		{"split flat index, order swapped", "(x % 1003) + 1003*((x // 1003) % 6)", map[string]int64{"x": 6 * 1003}, "x"},
		{"3-D split rejoins", "15*((x // 15) % 2) + 5*((x // 5) % 3) + (x % 5)", map[string]int64{"x": 30}, "x"},
		{"3-D split, larger x", "15*((x // 15) % 2) + 5*((x // 5) % 3) + (x % 5)", map[string]int64{"x": 60}, "(x % 30)"},
		{"3-D split, scaled", "30*((x // 15) % 2) + 10*((x // 5) % 3) + 2*(x % 5) + 7", map[string]int64{"x": 30}, "2*x + 7"},
		{"4-D split rejoins", "105*((x // 105) % 2) + 35*((x // 35) % 3) + 7*((x // 7) % 5) + (x % 7)", map[string]int64{"x": 210}, "x"},
		{"inner split rejoins", "2*((x // 2) % 4) + (x % 2)", map[string]int64{"x": 100}, "(x % 8)"},
		{"partial split", "5*((x // 5) % 3) + (x // 15)", map[string]int64{"x": 100}, "5*((x // 5) % 3) + (x // 15)"},
		{"split over expression", "8*(((i0 + 8*i1) // 8) % 4) + ((i0 + 8*i1) % 8)", map[string]int64{"i0": 8, "i1": 4}, "i0 + 8*i1"},
		{"division vanishes", "(x // 8)", map[string]int64{"x": 8}, "0"},
		{"division stays", "(x // 8)", map[string]int64{"x": 9}, "(x // 8)"},
		{"modulo dropped", "(x % 8)", map[string]int64{"x": 8}, "x"},
		{"modulo stays", "(x % 8)", map[string]int64{"x": 9}, "(x % 8)"},
		{"modulo of division dropped", "((x // 4) % 2)", map[string]int64{"x": 8}, "(x // 4)"},
		{"modulo of division vanishes", "((x // 8) % 2)", map[string]int64{"x": 8}, "0"},
		{"low part vanishes", "(i0 + 4*i1) // 4", map[string]int64{"i0": 4, "i1": 10}, "i1"},
		{"low part stays", "(i0 + 4*i1) // 4", map[string]int64{"i0": 5, "i1": 10}, "i1 + (i0 // 4)"},
		{"high part drops", "(i0 + 4*i1) % 4", map[string]int64{"i0": 4, "i1": 10}, "i0"},
		{"nested inner simplified", "((x % 8) // 2)", map[string]int64{"x": 8}, "(x // 2)"},
		{"unknown variable is zero", "(y // 2) + x", map[string]int64{"x": 3}, "x"},
		{"negative inner kept", "((x - 4) // 8)", map[string]int64{"x": 8}, "((x - 4) // 8)"},
		{"no ranges needed", "x + 3", nil, "x + 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := mustIndex(t, c.in)
			y := x.Simplify(StaticEnv(c.sizes))
			if got := y.String(); got != c.want {
				t.Fatalf("Simplify(%q) = %q, want %q", c.in, got, c.want)
			}
			if again := y.Simplify(StaticEnv(c.sizes)).String(); again != c.want {
				t.Errorf("Simplify is not idempotent: %q then %q", c.want, again)
			}
			checkReparse(t, y)
			forEachPoint(c.sizes, x.Vars(), func(env map[string]int64) {
				if a, b := x.Eval(env), y.Eval(env); a != b {
					t.Fatalf("at %v: %q = %d but simplified %q = %d", env, c.in, a, c.want, b)
				}
			})
		})
	}
}

// forEachPoint calls f at every point of the ranges of vars (a variable
// without a size is held at 0).
func forEachPoint(sizes map[string]int64, vars []string, f func(map[string]int64)) {
	env := map[string]int64{}
	var rec func(k int)
	rec = func(k int) {
		if k == len(vars) {
			f(env)
			return
		}
		n := sizes[vars[k]]
		if n < 1 {
			n = 1
		}
		for v := int64(0); v < n; v++ {
			env[vars[k]] = v
			rec(k + 1)
		}
	}
	rec(0)
}

func TestBounds(t *testing.T) {
	sizes := map[string]int64{"i0": 4, "i1": 8, "r0": 16}
	cases := []struct {
		in     string
		lo, hi int64
	}{
		{"7", 7, 7},
		{"i0", 0, 3},
		{"8*i0 + i1", 0, 31},
		{"i1 - i0", -3, 7},
		{"-2*r0 + 5", -25, 5},
		{"(r0 // 4)", 0, 3},
		{"(r0 % 5)", 0, 4},
		{"(r0 % 32)", 0, 15},
		{"((r0 // 2) % 3)", 0, 2},
		{"((r0 + 3) // 4)", 0, 4},
		{"((i1 - 4) // 2)", -2, 1},
		{"unknown + 1", 1, 1},
		{"1 + i0 + i1 + r0", 1, 26},
	}
	for _, c := range cases {
		b := mustIndex(t, c.in).Bounds(StaticEnv(sizes))
		if b.Lo != c.lo || b.Hi != c.hi {
			t.Errorf("Bounds(%q) = [%d, %d], want [%d, %d]", c.in, b.Lo, b.Hi, c.lo, c.hi)
		}
	}
	// Huge coefficients saturate rather than wrap around.
	sat := []struct {
		in     string
		sizes  map[string]int64
		lo, hi int64
	}{
		{"9007199254740992*i0", map[string]int64{"i0": 2049}, 0, math.MaxInt64},
		{"-9007199254740992*i0", map[string]int64{"i0": 2049}, math.MinInt64, 0},
		{"9007199254740992*i0 + 9007199254740992*i1", map[string]int64{"i0": 1025, "i1": 1025}, 0, math.MaxInt64},
		{"9007199254740992*i0 - 9007199254740992*i1", map[string]int64{"i0": 1025, "i1": 1025}, math.MinInt64, math.MaxInt64},
	}
	for _, c := range sat {
		b := mustIndex(t, c.in).Bounds(StaticEnv(c.sizes))
		if b.Lo != c.lo || b.Hi != c.hi {
			t.Errorf("Bounds(%q) = [%d, %d], want [%d, %d]", c.in, b.Lo, b.Hi, c.lo, c.hi)
		}
	}
}

func TestSatArith(t *testing.T) {
	const mx, mn = math.MaxInt64, math.MinInt64
	muls := [][3]int64{
		{0, mx, 0}, {3, 4, 12}, {-3, 4, -12}, {1 << 32, 1 << 31, mx}, {1 << 32, -(1 << 31), 1 << 63 * -1},
		{-(1 << 32), -(1 << 32), mx}, {-1, mn, mx}, {mn, -1, mx}, {mn, 1, mn}, {2, mn, mn},
	}
	for _, c := range muls {
		if got := satMul(c[0], c[1]); got != c[2] {
			t.Errorf("satMul(%d, %d) = %d, want %d", c[0], c[1], got, c[2])
		}
	}
	adds := [][3]int64{{1, 2, 3}, {mx, 1, mx}, {mn, -1, mn}, {mx, mn, -1}, {-5, 3, -2}}
	for _, c := range adds {
		if got := satAdd(c[0], c[1]); got != c[2] {
			t.Errorf("satAdd(%d, %d) = %d, want %d", c[0], c[1], got, c[2])
		}
	}
}

func TestEval(t *testing.T) {
	cases := []struct {
		in   string
		env  map[string]int64
		want int64
	}{
		{"8*i0 + i1 - 3", map[string]int64{"i0": 2, "i1": 5}, 18},
		{"((x // 2) % 3)", map[string]int64{"x": 7}, 0},
		{"((x // 2) % 3)", map[string]int64{"x": 11}, 2},
		{"(x // 2)", map[string]int64{"x": -3}, -2},
		{"(x % 3)", map[string]int64{"x": -1}, 2},
		{"((x - 1) // 4)", map[string]int64{"x": 0}, -1},
		{"x + y", map[string]int64{"x": 4}, 4}, // unbound variables are 0
		{"42", nil, 42},
	}
	for _, c := range cases {
		if got := mustIndex(t, c.in).Eval(c.env); got != c.want {
			t.Errorf("Eval(%q, %v) = %d, want %d", c.in, c.env, got, c.want)
		}
	}
}

func TestSubst(t *testing.T) {
	cases := []struct {
		in   string
		m    map[string]string
		want string
	}{
		{"x + y", map[string]string{"x": "2*a"}, "2*a + y"},
		{"3*x", map[string]string{"x": "a - 1"}, "3*a - 3"},
		{"(x // 4) + y", map[string]string{"x": "4*a + b", "y": "2"}, "a + (b // 4) + 2"},
		{"(x % 4)", map[string]string{"x": "4*a + b"}, "(b % 4)"},
		{"(x % 4)", map[string]string{"x": "8"}, "0"},
		{"((x // 2) % 3)", map[string]string{"x": "6*a + 2*b"}, "(b % 3)"},
		{"x + y", map[string]string{"x": "y"}, "2*y"},
		{"x + y", map[string]string{"x": "y", "y": "x"}, "x + y"},
		{"x", nil, "x"},
	}
	for _, c := range cases {
		m := map[string]Index{}
		for k, v := range c.m {
			m[k] = mustIndex(t, v)
		}
		want := mustIndex(t, c.want).String()
		x := mustIndex(t, c.in)
		got := x.Subst(m)
		if got.String() != want {
			t.Errorf("Subst(%q, %v) = %q, want %q", c.in, c.m, got, want)
		}
		checkReparse(t, got)
		// Evaluating the substituted form equals evaluating the original at
		// the substituted values.
		sizes := map[string]int64{"a": 5, "b": 7, "x": 3, "y": 3}
		forEachPoint(sizes, got.Vars(), func(env map[string]int64) {
			inner := map[string]int64{}
			for _, v := range x.Vars() {
				if r, ok := m[v]; ok {
					inner[v] = r.Eval(env)
				} else {
					inner[v] = env[v]
				}
			}
			if a, b := x.Eval(inner), got.Eval(env); a != b {
				t.Fatalf("Subst(%q) at %v: %d, original gives %d", c.in, env, b, a)
			}
		})
	}
}

// randIndexExpr builds a random expression over vars in the syntax ParseIndex
// reads; it stays affine (one side of * is a constant) and divides only by
// positive constants.
func randIndexExpr(r *rand.Rand, vars []string, depth int) string {
	if depth <= 0 || r.Intn(4) == 0 {
		if r.Intn(3) == 0 {
			return fmt.Sprint(r.Intn(7) - 2)
		}
		return vars[r.Intn(len(vars))]
	}
	a := randIndexExpr(r, vars, depth-1)
	switch r.Intn(6) {
	case 0:
		return "(" + a + " + " + randIndexExpr(r, vars, depth-1) + ")"
	case 1:
		return "(" + a + " - " + randIndexExpr(r, vars, depth-1) + ")"
	case 2:
		return fmt.Sprintf("%d*(%s)", r.Intn(7)-2, a)
	case 3:
		return fmt.Sprintf("((%s) // %d)", a, 1+r.Intn(6))
	case 4:
		return fmt.Sprintf("((%s) %% %d)", a, 1+r.Intn(6))
	default:
		// The shape a split dimension has: c*((e // d) % m) + ((e // d') % m').
		d := int64(1 + r.Intn(3))
		m := int64(1 + r.Intn(4))
		return fmt.Sprintf("(%d*((%s // %d) %% %d) + ((%s // %d) %% %d))", m, a, d*m, 1+r.Intn(4), a, d, m)
	}
}

// TestSimplifyPreservesValues checks, for random affine/div/mod expressions
// over small ranges, that parsing and Simplify keep the value at every point.
func TestSimplifyPreservesValues(t *testing.T) {
	r := rand.New(rand.NewSource(20240601))
	vars := []string{"i0", "i1", "r0"}
	for iter := 0; iter < 3000; iter++ {
		src := randIndexExpr(r, vars, 1+r.Intn(4))
		x, err := ParseIndex(src)
		if err != nil {
			t.Fatalf("ParseIndex(%q): %v", src, err)
		}
		checkReparse(t, x)
		sizes := map[string]int64{}
		for _, v := range vars {
			sizes[v] = int64(1 + r.Intn(7))
		}
		y := x.Simplify(StaticEnv(sizes))
		checkReparse(t, y)
		if y2 := y.Simplify(StaticEnv(sizes)); y2.String() != y.String() {
			t.Fatalf("Simplify(%q) not idempotent: %q then %q", src, y, y2)
		}
		b := y.Bounds(StaticEnv(sizes))
		forEachPoint(sizes, vars, func(env map[string]int64) {
			want := pyEval(t, src, env)
			if got := x.Eval(env); got != want {
				t.Fatalf("%q parsed as %q: Eval at %v = %d, Python gives %d", src, x, env, got, want)
			}
			got := y.Eval(env)
			if got != want {
				t.Fatalf("%q simplified with %v to %q: at %v gives %d, want %d", src, sizes, y, env, got, want)
			}
			if got < b.Lo || got > b.Hi {
				t.Fatalf("%q: value %d at %v outside Bounds [%d, %d]", y, got, env, b.Lo, b.Hi)
			}
		})
	}
}

// pyEval evaluates src with Python's integer semantics through a tiny
// recursive-descent evaluator that shares no code with Index.
func pyEval(t *testing.T, src string, env map[string]int64) int64 {
	t.Helper()
	toks := tokenize(src)
	pos := 0
	peek := func() string {
		if pos < len(toks) {
			return toks[pos]
		}
		return ""
	}
	var expr, term, unary func() int64
	expr = func() int64 {
		v := term()
		for peek() == "+" || peek() == "-" {
			op := toks[pos]
			pos++
			w := term()
			if op == "+" {
				v += w
			} else {
				v -= w
			}
		}
		return v
	}
	term = func() int64 {
		v := unary()
		for peek() == "*" || peek() == "//" || peek() == "%" {
			op := toks[pos]
			pos++
			w := unary()
			switch op {
			case "*":
				v *= w
			case "//":
				v = floorDiv(v, w)
			default:
				v = v - floorDiv(v, w)*w
			}
		}
		return v
	}
	unary = func() int64 {
		switch peek() {
		case "-":
			pos++
			return -unary()
		case "(":
			pos++
			v := expr()
			pos++ // ")"
			return v
		}
		tok := toks[pos]
		pos++
		var n int64
		if _, err := fmt.Sscan(tok, &n); err == nil {
			return n
		}
		return env[tok]
	}
	v := expr()
	if pos != len(toks) {
		t.Fatalf("pyEval(%q): trailing tokens %v", src, toks[pos:])
	}
	return v
}

func tokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ':
			i++
		case c == '/':
			out = append(out, "//")
			i += 2
		case strings.IndexByte("+-*%()", c) >= 0:
			out = append(out, string(c))
			i++
		default:
			j := i
			for j < len(s) && strings.IndexByte(" +-*%()/", s[j]) < 0 {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out
}

// An indirect value is a typed term: "$k" parses to it, it prints back as
// "$k", and only a whole "$k" index is one.
func TestIndirectIndex(t *testing.T) {
	x := mustIndex(t, "$3")
	if k, ok := x.IsIndirect(); !ok || k != 3 {
		t.Errorf(`ParseIndex("$3").IsIndirect() = %d, %v; want 3, true`, k, ok)
	}
	if !x.Equal(IndirectIndex(3)) || x.String() != "$3" {
		t.Errorf(`ParseIndex("$3") = %q, want IndirectIndex(3)`, x)
	}
	if _, ok := VarIndex("$3").IsIndirect(); ok {
		t.Error(`VarIndex("$3") is a variable, not an indirect value`)
	}
	sum := mustIndex(t, "2*$0 + i1")
	if _, ok := sum.IsIndirect(); ok {
		t.Errorf("%s is not a whole indirect value", sum)
	}
	if term, ok := sum.FirstIndirect(); !ok || term.Indirect != 1 {
		t.Errorf("FirstIndirect(%s) = %+v, %v", sum, term, ok)
	}
	if _, ok := mustIndex(t, "i0 // 2").FirstIndirect(); ok {
		t.Error("i0 // 2 has no indirect value")
	}
	for _, bad := range []string{"$a", "$", "$99999999999"} {
		if _, err := ParseIndex(bad); err == nil {
			t.Errorf("ParseIndex(%q) accepted", bad)
		}
	}
}

// indexSize counts an index's terms and constants at every depth: what
// Simplify must never grow.
func indexSize(x Index) int {
	n := len(x.Terms)
	if x.Const != 0 {
		n++
	}
	for _, t := range x.Terms {
		if t.Inner != nil {
			n += indexSize(*t.Inner)
		}
	}
	return n
}

// Simplify never grows an expression.
func TestSimplifyNeverGrows(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	vars := []string{"i0", "i1", "r0"}
	for iter := 0; iter < 5000; iter++ {
		src := randIndexExpr(r, vars, 1+r.Intn(4))
		x, err := ParseIndex(src)
		if err != nil {
			t.Fatalf("ParseIndex(%q): %v", src, err)
		}
		sizes := map[string]int64{}
		for _, v := range vars {
			sizes[v] = int64(1 + r.Intn(9))
		}
		if y := x.Simplify(StaticEnv(sizes)); indexSize(y) > indexSize(x) {
			t.Fatalf("Simplify(%q) over %v grew it to %q", x, sizes, y)
		}
	}
}

// A reduction over the trailing dims of a rank-1 to rank-6 tensor reads its
// result (keepdim, contiguous) back at its own row: the point r + R*x split
// into coordinates and recombined into the result's flat index simplifies to
// x exactly, and agrees with the original at every point.
func TestRowIndexAtEveryRank(t *testing.T) {
	r := rand.New(rand.NewSource(11))
	for iter := 0; iter < 2000; iter++ {
		rank := 1 + r.Intn(6)
		shape := make([]int64, rank)
		for d := range shape {
			shape[d] = int64(1 + r.Intn(6))
			if r.Intn(8) == 0 {
				shape[d] = int64(1 + r.Intn(300))
			}
		}
		lead := r.Intn(rank + 1) // dims [lead, rank) are reduced
		var rows, rlen int64 = 1, 1
		for d, n := range shape {
			if d < lead {
				rows *= n
			} else {
				rlen *= n
			}
		}
		sizes := map[string]int64{"x": rows, "r": rlen}
		point := VarIndex("r").Add(VarIndex("x").Scale(rlen))
		strides := ContiguousStrides(Sizes(shape...))
		var flat Index
		resStride := int64(1) // the result keeps the leading dims, the rest of size 1
		for d := lead - 1; d >= 0; d-- {
			coord := point.FloorDiv(strides[d]).Mod(Int(shape[d]))
			flat = flat.Add(coord.Scale(resStride))
			resStride *= shape[d]
		}
		got := flat.Simplify(StaticEnv(sizes))
		want := VarIndex("x")
		if rows == 1 {
			want = ConstIndex(0)
		}
		if !got.Equal(want) {
			t.Fatalf("shape %v reduced from dim %d: the result's index %q simplifies to %q, want %q", shape, lead, flat, got, want)
		}
		if rows*rlen <= 4096 {
			forEachPoint(sizes, []string{"r", "x"}, func(env map[string]int64) {
				if a, b := flat.Eval(env), got.Eval(env); a != b {
					t.Fatalf("%q = %d but %q = %d at %v", flat, a, got, b, env)
				}
			})
		}
	}
}

// MaxMagnitude bounds every step of an index computation, not only its
// value: the sum inside a modulo, partial sums of mixed signs.
func TestMaxMagnitude(t *testing.T) {
	sizes := map[string]int64{"i0": 10, "i1": 4}
	for _, tc := range []struct {
		index string
		want  int64
	}{
		{"i0", 9},
		{"4*i0 + i1", 39},
		{"(i0 + 2147483642) % 2147483647", 2147483651},
		{"i0 - 1000", 1009},
	} {
		ix, err := ParseIndex(tc.index)
		if err != nil {
			t.Fatal(err)
		}
		if got := ix.MaxMagnitude(StaticEnv(sizes)); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.index, got, tc.want)
		}
	}
}
