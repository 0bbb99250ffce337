package pt2

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/ir"
)

// parseSize reads sympy's srepr and str spellings of an integer times
// symbols, decides Min and Max where divisibility or the ranges prove
// them, and refuses everything else with what it stopped at.
func TestParseSize(t *testing.T) {
	syms := ir.Symbols{"s27": {Name: "s27", Min: 2, Max: 8}, "s77": {Name: "s77", Min: 1, Max: 64}, "s9": {Name: "s9", Min: 100, Max: 200}}
	sym := func(n string) string { return "Symbol('" + n + "', positive=True, integer=True)" }
	tests := []struct {
		expr string
		want string // the size, or "error: " and a part of the message
	}{
		{sym("s77"), "s77"},
		{"Mul(Integer(16), " + sym("s27") + ")", "16*s27"},
		{"Mul(" + sym("s77") + ", " + sym("s27") + ")", "s27*s77"},
		{"Pow(" + sym("s27") + ", Integer(2))", "s27*s27"},
		{"Mul(Integer(2), Pow(" + sym("s27") + ", Integer(2)))", "2*s27*s27"},
		{"Min(Integer(16), Mul(Integer(16), " + sym("s27") + "))", "16"},
		{"Max(Integer(16), Mul(Integer(16), " + sym("s27") + "))", "16*s27"},
		{"Min(" + sym("s9") + ", Mul(Integer(2), " + sym("s27") + "))", "2*s27"}, // by the ranges: 2*s27 <= 16 < 100
		{"Integer(7)", "7"},
		{"Integer(-1)", "-1"},
		{"s77", "s77"},
		{"2*s77", "2*s77"},
		{"s77*s27", "s27*s77"},
		{"s27**2", "s27*s27"},
		{"(2*s27)*3", "6*s27"},
		{"Add(" + sym("s77") + ", Integer(1))", "error: Add is not a product"},
		{"FloorDiv(" + sym("s77") + ", Integer(2))", "error: FloorDiv is not a product"},
		{"s77 + 1", `error: "+" is not part of a product`},
		{"s77 // 2", `error: "/" is not part of a product`},
		{"Min(" + sym("s77") + ", " + sym("s27") + ")", "error: Min(s77, s27) is decided neither"},
		{"Pow(" + sym("s27") + ", Integer(-1))", "error: exponent -1"},
		{"s5", "error: symbol s5 has no range_constraints entry"},
		{sym("s5"), "error: symbol s5 has no range_constraints entry"},
		{"Mul(Integer(2)", "error: missing"},
		{"Symbol(s77)", "error: Symbol needs a quoted name"},
		{"", "error: unexpected end"},
		{"Mul(Integer(281474976710656), Integer(2))", "error: integer too large"},
	}
	for _, tt := range tests {
		s, err := parseSize(tt.expr, syms)
		got := s.String()
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != tt.want && !(strings.HasPrefix(tt.want, "error: ") && strings.Contains(got, strings.TrimPrefix(tt.want, "error: "))) {
			t.Errorf("parseSize(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// A sum or a floor division of symbols, srepr or str, becomes a derived
// symbol named after its definition, with its hint and range from the
// symbols'; equal definitions give one symbol; what is no size is refused.
func TestDerivedSizes(t *testing.T) {
	sym := func(n string) string { return "Symbol('" + n + "', positive=True, integer=True)" }
	tests := []struct {
		expr string
		want string // the size and its symbol (hint, min, max), or "error: " and a part of the message
	}{
		{"FloorDiv(" + sym("s27") + ", Integer(2))", "s27_div_2 = s27 // 2: hint 2 in [1, 4]"},
		{"s27//2", "s27_div_2 = s27 // 2: hint 2 in [1, 4]"},
		{"Add(" + sym("s77") + ", Integer(1))", "s77_plus_1 = s77 + 1: hint 3 in [2, 65]"},
		{"s77 + 1", "s77_plus_1 = s77 + 1: hint 3 in [2, 65]"},
		{"Add(Mul(Integer(2), " + sym("s27") + "), " + sym("s77") + ")", "n2_s27_plus_s77 = 2*s27 + s77: hint 10 in [5, 80]"},
		{"2*s27 - 1", "n2_s27_minus_1 = 2*s27 - 1: hint 7 in [3, 15]"},
		{"Add(" + sym("s77") + ", Integer(0))", "s77"},
		{"Mul(Add(" + sym("s77") + ", Integer(1)), Add(" + sym("s27") + ", Integer(1)))", "error: a product of sums (s77 + 1 and s27 + 1) is no size"},
		{"FloorDiv(" + sym("s77") + ", " + sym("s27") + ")", "error: can be 0 over the symbols' ranges"},
		{"s77 / 2", "error: true division is no size"},
		{"Mod(" + sym("s77") + ", Integer(2))", "error: Mod is not a product"},
		{"s77 - s77 - 1", "error: is -1, no size"},
	}
	for _, tt := range tests {
		syms := ir.Symbols{"s27": {Name: "s27", Hint: 4, Min: 2, Max: 8}, "s77": {Name: "s77", Hint: 2, Min: 1, Max: 64}}
		im := &importer{symTable: syms, usedSyms: map[string]bool{}}
		s, err := im.symbolicSize(tt.expr)
		got := s.String()
		if d, ok := syms[got]; ok && d.Def != nil {
			got = fmt.Sprintf("%s = %s: hint %d in [%d, %d]", got, d.Def.Expr(), d.Hint, d.Min, d.Max)
		}
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != tt.want && !(strings.HasPrefix(tt.want, "error: ") && strings.Contains(got, strings.TrimPrefix(tt.want, "error: "))) {
			t.Errorf("symbolicSize(%q) = %q, want %q", tt.expr, got, tt.want)
		}
		if err == nil && !im.usedSyms["s27"] && !im.usedSyms["s77"] {
			t.Errorf("symbolicSize(%q) noted no symbol", tt.expr)
		}
	}
}

// range_constraints give the symbol's range: an unbounded max (null, or
// one past 2^48 such as int64's maximum) is 2^31-1, a min below 1 is 1.
func TestRangeBounds(t *testing.T) {
	tests := []struct {
		json   string
		lo, hi int64
		err    string
	}{
		{`{"min_val": 2, "max_val": 8}`, 2, 8, ""},
		{`{"min_val": 2, "max_val": null}`, 2, 1<<31 - 1, ""},
		{`{"min_val": 0}`, 1, 1<<31 - 1, ""},
		{`{"min_val": 2, "max_val": 9223372036854775807}`, 2, 1<<31 - 1, ""},
		{`{"min_val": 2, "max_val": 1099511627776}`, 2, 1 << 40, ""},
		{`{"min_val": "a"}`, 0, 0, "min_val: want an integer or null"},
		{`{"min_val": 9223372036854775807}`, 0, 0, "min_val: 9223372036854775807 is past 2^48"},
	}
	for _, tt := range tests {
		var rc rangeConstraint
		if err := json.Unmarshal([]byte(tt.json), &rc); err != nil {
			t.Fatal(err)
		}
		lo, hi, err := rc.bounds()
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: error %v, want %q", tt.json, err, tt.err)
			}
			continue
		}
		if err != nil || lo != tt.lo || hi != tt.hi {
			t.Errorf("%s: [%d, %d] (%v), want [%d, %d]", tt.json, lo, hi, err, tt.lo, tt.hi)
		}
	}
}

// FuzzParseSize: the expression parser never panics, its errors are one
// line, and a size it reads reads back from its own spelling.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"Mul(Integer(16), Symbol('s27', positive=True, integer=True))", "s27*s77", "Pow(s27, 2)",
		"Min(Integer(16), Mul(Integer(16), Symbol('s27')))", "Add(s77, 1)", "2*(s27**3)", "-s77", "Max(s27, s77)",
		"FloorDiv(Add(s77, Integer(3)), Integer(2))", "2*s27 - 1", "(s77 + s27)//s27"} {
		f.Add(s)
	}
	syms := ir.Symbols{"s27": {Name: "s27", Hint: 4, Min: 2, Max: 8}, "s77": {Name: "s77", Hint: 2, Min: 1, Max: 64}}
	f.Fuzz(func(t *testing.T, expr string) {
		// A sum or floor division reads as an index, and a derived symbol
		// for it, or is refused with one line.
		if ix, err := parseIndex(expr, syms); err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
		} else {
			// the size it stands for is the expression at the hints, and a
			// derived symbol's hint lies in its range
			more := maps.Clone(syms)
			if d, err := more.Derive(ix); err == nil {
				if h, want := more.Hint(d), ix.Eval(syms.HintValues()); h != want {
					t.Fatalf("%q: %s is %d at the hints, the expression %d", expr, d, h, want)
				}
				for _, n := range d.Syms.Names() {
					if sym := more[n]; sym.Hint < sym.Min || sym.Hint > sym.Max {
						t.Fatalf("%q: symbol %s has hint %d outside [%d, %d]", expr, n, sym.Hint, sym.Min, sym.Max)
					}
				}
			}
		}
		s, err := parseSize(expr, syms)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		again, err := parseSize(s.String(), syms)
		if err != nil || again != s {
			t.Fatalf("%q read as %s, which reads back as %s (%v)", expr, s, again, err)
		}
	})
}
