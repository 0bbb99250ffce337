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
