package ops

import (
	"fmt"

	"github.com/fusegen/fusegen/ir"
)

// Symbolic sizes in shape rules. Sizes are compared as values of ir.Size
// (an integer times a product of symbols, kept canonical), never by their
// spelling; where a rule needs what only the symbols' values decide, it
// refuses with a line naming the sizes.

// atMost reports whether a <= b for every value of the symbols: equal
// sizes, static ones compared, or ranges that show it. known is false
// when neither a <= b nor a > b holds everywhere.
func atMost(a, b ir.Size, syms ir.Symbols) (le, known bool) {
	if a == b {
		return true, true
	}
	ra, rb := syms.Range(a), syms.Range(b)
	switch {
	case ra.Hi <= rb.Lo:
		return true, true
	case ra.Lo > rb.Hi:
		return false, true
	}
	return false, false
}

// staticDim returns a dim's size when it is static, or an error naming
// the dim, its size and the op (the shape rules that compute with sizes,
// such as a convolution's spatial arithmetic, need them static).
func staticDim(s ir.Size, what string) (int64, error) {
	if v, ok := s.Static(); ok {
		return v, nil
	}
	return 0, fmt.Errorf("%s has the symbolic size %s, which is not supported here", what, s)
}

// addSizes is the size of sizes laid end to end: their sum when it is an
// integer times symbols (S + S = 2*S, 2 + 3), else a derived symbol for it
// (S + T, S + 2), which syms gains (ir.Symbols.Derive). A size with a
// derived symbol counts as its definition; one of two derived symbols, or
// a sum that can reach 2^48, is refused.
func addSizes(xs []ir.Size, syms ir.Symbols) (ir.Size, error) {
	if total, ok := sumSizes(xs); ok {
		return total, nil
	}
	var def ir.Index
	for _, x := range xs {
		ix, err := baseIndex(x, syms)
		if err != nil {
			return ir.Size{}, err
		}
		def = def.Add(ix)
	}
	return syms.Derive(def)
}

// baseIndex is a size as an index over base symbols: a derived symbol's
// definition times the size's other factors.
func baseIndex(x ir.Size, syms ir.Symbols) (ir.Index, error) {
	var derived []string
	for _, n := range x.Syms.Factors() {
		if s, ok := syms[n]; ok && s.Def != nil {
			derived = append(derived, n)
		}
	}
	switch len(derived) {
	case 0:
		return ir.SizeIndex(x), nil
	case 1:
		rest, _ := x.Quo(ir.Sym(derived[0]))
		return syms[derived[0]].Def.Times(rest), nil
	}
	return ir.Index{}, fmt.Errorf("size %s is a product of derived sizes (%s), which cannot be added to", x, syms.Spell(x))
}

// sumSizes adds sizes when their sum is one size: static sizes, or
// multiples of one product of symbols (S + S = 2*S).
func sumSizes(xs []ir.Size) (ir.Size, bool) {
	if len(xs) == 0 {
		return ir.Int(0), true
	}
	total := ir.Size{Syms: xs[0].Syms}
	for _, x := range xs {
		if x.Syms != total.Syms {
			return ir.Size{}, false
		}
		total.C += x.C
	}
	return total, true
}
