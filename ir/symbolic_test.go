package ir

import "testing"

// The index algebra over symbols: the flat index of a row-major [B, S, D]
// buffer split into coordinates and rebuilt simplifies back to itself, and
// a row of [B, H, S, S] divides and wraps by S exactly.
func TestSymbolicSimplify(t *testing.T) {
	syms := Symbols{
		"B": {Name: "B", Hint: 8, Min: 1, Max: 64},
		"S": {Name: "S", Hint: 512, Min: 1, Max: 4096},
		"H": {Name: "H", Hint: 12, Min: 1, Max: 16},
	}
	b, s := Sym("B"), Sym("S")
	d := Int(768)
	x := VarIndex("x")
	env := Env{Sizes: map[string]Size{"x": b.Mul(s).Mul(d)}, Symbols: syms}
	shape := []Size{b, s, d}
	strides := ContiguousStrides(shape)
	var flat Index
	for k := range shape {
		coord := x.FloorDiv(strides[k]).Mod(shape[k]).Simplify(env)
		flat = flat.Add(coord.Times(strides[k]))
	}
	if got := flat.Simplify(env); !got.Equal(x) {
		t.Errorf("rebuilt [B, S, 768] index = %s, want x", got)
	}
	if got, want := x.FloorDiv(strides[0]).Mod(b).Simplify(env).String(), "(x // (768*S))"; got != want {
		t.Errorf("batch coordinate = %s, want %s", got, want)
	}

	rowEnv := Env{Sizes: map[string]Size{"x": b.Mul(Sym("H")).Mul(s), "r": s}, Symbols: syms}
	load := x.Times(s).Add(VarIndex("r"))
	tests := []struct {
		got  Index
		want string
	}{
		{load.FloorDiv(s).Simplify(rowEnv), "x"},
		{load.Mod(s).Simplify(rowEnv), "r"},
		{VarIndex("r").FloorDiv(s).Simplify(rowEnv), "0"},
		{x.Mod(s).Simplify(rowEnv), "(x % S)"},
		{load.FloorDiv(s.Mul(s)).Simplify(rowEnv), "(x // S)"},
		{load, "r + S*x"},
		{SizeIndex(b.Mul(s)).Add(ConstIndex(3)), "B*S + 3"},
	}
	for _, tt := range tests {
		if got := tt.got.String(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
	// What the ranges cannot show stays: r // 4 with r below S.
	if got := VarIndex("r").FloorDiv(Int(4)).Simplify(rowEnv).String(); got != "(r // 4)" {
		t.Errorf("r // 4 = %s", got)
	}
	// Bounds take the symbols' extremes.
	if got := load.Bounds(rowEnv); got != (Interval{0, 64*16*4096*4096 - 1}) {
		t.Errorf("bounds = %v", got)
	}
}

func TestParseSymbolicIndex(t *testing.T) {
	syms := Symbols{"S": {Name: "S", Hint: 4, Min: 1, Max: 8}, "B": {Name: "B", Hint: 2, Min: 1, Max: 8}}
	for _, tt := range []struct{ in, want string }{
		{"i0*S + i1", "S*i0 + i1"},
		{"S*i0*2", "2*S*i0"},
		{"i0 // (2*S)", "(i0 // (2*S))"},
		{"i0 % S", "(i0 % S)"},
		{"B*S", "B*S"},
		{"S*B*i0 + B*S*i1", "B*S*i0 + B*S*i1"},
	} {
		x, err := ParseIndexWith(tt.in, syms)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got := x.String(); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.in, got, tt.want)
		}
		y, err := ParseIndexWith(x.String(), syms)
		if err != nil || !y.Equal(x) {
			t.Errorf("%s does not parse back: %v %v", x, y, err)
		}
	}
	for _, in := range []string{"i0*i1", "i0 // (S + 1)", "i0 // i1"} {
		if _, err := ParseIndexWith(in, syms); err == nil {
			t.Errorf("%s parsed", in)
		}
	}
}

func TestSizeAlgebra(t *testing.T) {
	b, s := Sym("B"), Sym("S")
	bs := b.Mul(s).Scale(6)
	if q, ok := bs.Quo(s.Scale(2)); !ok || q != b.Scale(3) {
		t.Errorf("6*B*S / 2*S = %v, %v", q, ok)
	}
	if _, ok := s.Quo(b); ok {
		t.Error("S / B divided")
	}
	if g := GCD(bs, s.Mul(s).Scale(4)); g != s.Scale(2) {
		t.Errorf("gcd = %v", g)
	}
	if got := s.Mul(b).String(); got != "B*S" {
		t.Errorf("S*B = %s", got)
	}
	if err := CheckSymbol(Symbol{Name: "i0", Hint: 1, Min: 1, Max: 2}); err == nil {
		t.Error("loop-variable symbol name accepted")
	}
	if err := CheckSymbol(Symbol{Name: "S", Hint: 9, Min: 1, Max: 8}); err == nil {
		t.Error("hint outside range accepted")
	}
}
