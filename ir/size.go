package ir

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Size is an integer times a product of symbols: a dimension's size, a
// stride, and the coefficients and divisors of the index algebra. A static
// size has no symbols. Sizes that are no such product (S + 1, S // 2) are
// refused where they would arise, so that every size divides, multiplies
// and compares exactly.
type Size struct {
	C    int64
	Syms SymProduct
}

// SymProduct is a product of symbols, kept canonical: the names in sorted
// order, repeated as often as they multiply, joined by "*"; "" is 1. Only
// this file builds one, so that two equal products are equal strings.
type SymProduct string

// Int is the static size c.
func Int(c int64) Size { return Size{C: c} }

// Sym is the size that is the symbol name.
func Sym(name string) Size { return Size{C: 1, Syms: SymProduct(name)} }

// Sizes makes static sizes of integers.
func Sizes(cs ...int64) []Size {
	out := make([]Size, len(cs))
	for i, c := range cs {
		out[i] = Size{C: c}
	}
	return out
}

// Static returns the size's value when it has no symbols.
func (s Size) Static() (int64, bool) { return s.C, s.Syms == "" }

// IsStatic reports a size with no symbols.
func (s Size) IsStatic() bool { return s.Syms == "" }

// Is reports the static size c.
func (s Size) Is(c int64) bool { return s.Syms == "" && s.C == c }

// names returns the product's symbols, with repeats, in order.
func (p SymProduct) names() []string {
	if p == "" {
		return nil
	}
	return strings.Split(string(p), "*")
}

func product(names []string) SymProduct {
	sort.Strings(names)
	return SymProduct(strings.Join(names, "*"))
}

// Names returns the distinct symbols of the product, sorted.
func (p SymProduct) Names() []string {
	var out []string
	for _, n := range p.names() {
		if len(out) == 0 || out[len(out)-1] != n {
			out = append(out, n)
		}
	}
	return out
}

// Mul returns s * t.
func (s Size) Mul(t Size) Size {
	switch {
	case t.Syms == "":
		return Size{C: s.C * t.C, Syms: s.Syms}
	case s.Syms == "":
		return Size{C: s.C * t.C, Syms: t.Syms}
	}
	return Size{C: s.C * t.C, Syms: product(append(s.Syms.names(), t.Syms.names()...))}
}

// Scale returns c * s.
func (s Size) Scale(c int64) Size { return Size{C: s.C * c, Syms: s.Syms} }

// Quo returns s / t when t divides s exactly: its integer divides s's, and
// its symbols are among s's.
func (s Size) Quo(t Size) (Size, bool) {
	if t.C == 0 || s.C%t.C != 0 {
		return Size{}, false
	}
	if t.Syms == "" {
		return Size{C: s.C / t.C, Syms: s.Syms}, true
	}
	rest, ok := s.Syms.without(t.Syms)
	if !ok {
		return Size{}, false
	}
	return Size{C: s.C / t.C, Syms: rest}, true
}

// Divides reports whether t is a multiple of s (for symbols of at least 1,
// then also s <= t when both are positive).
func (s Size) Divides(t Size) bool {
	if s.C == 0 {
		return t.C == 0
	}
	_, ok := t.Quo(s)
	return ok
}

// without removes q's symbols from p, reporting false if some are missing.
func (p SymProduct) without(q SymProduct) (SymProduct, bool) {
	if q == "" {
		return p, true
	}
	if p == q {
		return "", true
	}
	a, b := p.names(), q.names()
	var rest []string
	j := 0
	for _, n := range a {
		if j < len(b) && b[j] == n {
			j++
			continue
		}
		if j < len(b) && b[j] < n {
			return "", false
		}
		rest = append(rest, n)
	}
	if j != len(b) {
		return "", false
	}
	return SymProduct(strings.Join(rest, "*")), true
}

// GCD returns the largest size dividing both: the gcd of the integers
// (positive) times the symbols they share.
func GCD(s, t Size) Size {
	switch {
	case s.C == 0:
		return Size{C: abs64(t.C), Syms: t.Syms}
	case t.C == 0:
		return Size{C: abs64(s.C), Syms: s.Syms}
	}
	g := gcd64(abs64(s.C), abs64(t.C))
	if s.Syms == "" || t.Syms == "" {
		return Size{C: g}
	}
	if s.Syms == t.Syms {
		return Size{C: g, Syms: s.Syms}
	}
	a, b := s.Syms.names(), t.Syms.names()
	var common []string
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			common = append(common, a[i])
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return Size{C: g, Syms: SymProduct(strings.Join(common, "*"))}
}

// Eval computes the size with the symbols bound by env.
func (s Size) Eval(env map[string]int64) int64 {
	v := s.C
	for _, n := range s.Syms.names() {
		v *= env[n]
	}
	return v
}

// String spells the size in Python: 768, S, 2*S, B*S.
func (s Size) String() string {
	if s.Syms == "" {
		return strconv.FormatInt(s.C, 10)
	}
	switch s.C {
	case 1:
		return string(s.Syms)
	case -1:
		return "-" + string(s.Syms)
	}
	return strconv.FormatInt(s.C, 10) + "*" + string(s.Syms)
}

// Product multiplies sizes; the product of none is 1.
func Product(xs []Size) Size {
	p := Size{C: 1}
	for _, x := range xs {
		p = p.Mul(x)
	}
	return p
}

// SizesString spells a shape, as [8, S, 768].
func SizesString(xs []Size) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = x.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// StaticSizes returns the integers of static sizes, or false if one is
// symbolic.
func StaticSizes(xs []Size) ([]int64, bool) {
	out := make([]int64, len(xs))
	for i, x := range xs {
		c, ok := x.Static()
		if !ok {
			return nil, false
		}
		out[i] = c
	}
	return out, true
}

// HasSymbols reports whether any size is symbolic.
func HasSymbols(xs []Size) bool {
	for _, x := range xs {
		if x.Syms != "" {
			return true
		}
	}
	return false
}

// Symbol is a size known only at run time, with the range it may take and
// the hint that launch shapes are chosen for.
type Symbol struct {
	Name           string
	Hint, Min, Max int64
	// Def, when set, makes the symbol derived: its value is this
	// expression over base symbols (S // 2, S + 1), computed in call()
	// rather than read from an input; Hint, Min and Max follow from it.
	Def *Index
}

// DeriveSymbol makes the symbol whose value is def (its errors say what is
// wrong with def, for the caller to name it), an expression over base
// symbols of syms that is no product of them (S // 2, S + 1): named after
// def, so that equal expressions give one symbol, with the hint and the
// range def takes. Its value must be at least 1 over the whole range.
func DeriveSymbol(syms Symbols, def Index) (Symbol, error) {
	if vars := def.Vars(); len(vars) > 0 {
		return Symbol{}, fmt.Errorf("names %q, which is no declared symbol", vars[0])
	}
	for _, n := range def.Symbols() {
		base, ok := syms[n]
		switch {
		case !ok:
			return Symbol{}, fmt.Errorf("names %q, which is no declared symbol", n)
		case base.Def != nil:
			return Symbol{}, fmt.Errorf("is built on the derived size %s (%s); write it over base symbols", n, base.Def.Expr())
		}
	}
	b := def.Bounds(Env{Symbols: syms})
	if b.Lo < 1 {
		return Symbol{}, fmt.Errorf("can be %d over the symbols' ranges; a size must be at least 1 (raise a min)", b.Lo)
	}
	if b.Hi > MaxSymbolSize {
		return Symbol{}, errors.New("can pass 2^48 over the symbols' ranges")
	}
	d := def
	return Symbol{Name: derivedName(def), Hint: def.Eval(syms.HintValues()), Min: b.Lo, Max: b.Hi, Def: &d}, nil
}

// Derive is the size def stands for: def itself when it is an integer
// times symbols, else the derived symbol for it (DeriveSymbol), which
// Derive adds to syms unless it is there already. Equal definitions give
// one symbol.
func (syms Symbols) Derive(def Index) (Size, error) {
	if sz, ok := def.AsSize(); ok {
		return sz, nil
	}
	d, err := DeriveSymbol(syms, def)
	if err != nil {
		return Size{}, err
	}
	if old, ok := syms[d.Name]; ok && (old.Def == nil || !old.Def.Equal(*d.Def)) {
		return Size{}, fmt.Errorf("would be the derived symbol %s, which names another symbol", d.Name)
	}
	syms[d.Name] = d
	return Sym(d.Name), nil
}

// derivedName spells def as an identifier: S // 2 is S_div_2, S + 1 is
// S_plus_1, 2*S - 1 is n2_S_minus_1.
func derivedName(def Index) string {
	r := strings.NewReplacer(" // ", "_div_", " % ", "_mod_", " + ", "_plus_", " - ", "_minus_", "*", "_", "(", "", ")", "", "-", "neg_", " ", "")
	name := r.Replace(def.Expr())
	if name == "" || isDigit(name[0]) {
		name = "n" + name
	}
	return name
}

// Spell spells a size with each derived symbol as its definition, for
// messages: S_div_2 is (S // 2).
func (syms Symbols) Spell(s Size) string {
	text := s.String()
	for _, n := range s.Syms.Names() {
		if sym, ok := syms[n]; ok && sym.Def != nil {
			text = strings.ReplaceAll(text, n, "("+sym.Def.Expr()+")")
		}
	}
	return text
}

// Base returns the symbols that are no derived ones, by name.
func (syms Symbols) Base() []Symbol {
	var out []Symbol
	for _, s := range syms.Sorted() {
		if s.Def == nil {
			out = append(out, s)
		}
	}
	return out
}

// Derived returns the derived symbols, by name.
func (syms Symbols) Derived() []Symbol {
	var out []Symbol
	for _, s := range syms.Sorted() {
		if s.Def != nil {
			out = append(out, s)
		}
	}
	return out
}

// Symbols are a graph's symbols by name. A nil Symbols has none.
type Symbols map[string]Symbol

// Range is the interval of a size over the symbols' ranges (an unknown
// symbol counts as [1, 1], which validation never lets through).
func (syms Symbols) Range(s Size) Interval {
	lo, hi := s.C, s.C
	for _, n := range s.Syms.names() {
		sym, ok := syms[n]
		if !ok {
			sym = Symbol{Min: 1, Max: 1}
		}
		lo, hi = satMul(lo, sym.Min), satMul(hi, sym.Max)
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	return Interval{lo, hi}
}

// Hint is the size at the symbols' hints.
func (syms Symbols) Hint(s Size) int64 {
	v := s.C
	for _, n := range s.Syms.names() {
		v = satMul(v, syms[n].Hint)
	}
	return v
}

// HintValues maps each symbol to its hint, for Eval.
func (syms Symbols) HintValues() map[string]int64 {
	out := make(map[string]int64, len(syms))
	for name, s := range syms {
		out[name] = s.Hint
	}
	return out
}

// Max is the largest value the size takes.
func (syms Symbols) Max(s Size) int64 { return syms.Range(s).Hi }

// Sorted returns the symbols ordered by name.
func (syms Symbols) Sorted() []Symbol {
	out := make([]Symbol, 0, len(syms))
	for _, s := range syms {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// MaxSymbolSize bounds a symbol's range, as MaxElements bounds a buffer.
const MaxSymbolSize = MaxElements

// CheckSymbol checks one symbol's name, hint and range.
func CheckSymbol(s Symbol) error {
	switch {
	case !IsIdentifier(s.Name) || strings.HasPrefix(s.Name, "_") || len(s.Name) > 64:
		return fmt.Errorf("symbol %q is not a Python identifier of at most 64 characters that does not start with an underscore", s.Name)
	case IsLoopVar(s.Name):
		return fmt.Errorf("symbol %q is spelled like a loop variable (i0, r0, ...)", s.Name)
	case s.Min < 1 || s.Max > MaxSymbolSize || s.Min > s.Max:
		return fmt.Errorf("symbol %q: range [%d, %d] must lie within [1, 2^48] with min <= max", s.Name, s.Min, s.Max)
	case s.Hint < s.Min || s.Hint > s.Max:
		return fmt.Errorf("symbol %q: hint %d is outside its range [%d, %d]", s.Name, s.Hint, s.Min, s.Max)
	}
	return nil
}

// IsLoopVar reports a name of the form i<digits> or r<digits>, which
// loop bodies use for their variables.
func IsLoopVar(name string) bool {
	return len(name) > 1 && (name[0] == 'i' || name[0] == 'r') && allDigits(name[1:])
}

// Rename returns the size with its symbols renamed through m (a symbol
// not in m keeps its name), re-sorted.
func (s Size) Rename(m map[string]string) Size {
	if s.Syms == "" {
		return s
	}
	names := s.Syms.names()
	for i, n := range names {
		if r, ok := m[n]; ok {
			names[i] = r
		}
	}
	return Size{C: s.C, Syms: product(names)}
}

// Factors returns the product's symbols with repeats, in order (S*S is
// S, S).
func (p SymProduct) Factors() []string { return p.names() }
