package ir

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Index is an integer expression over loop variables, kept in one canonical
// form: a sum of terms, each a coefficient times an atom, plus a constant.
// Terms are sorted by their atom's spelling and like atoms are combined, so two
// equal expressions built in different ways print the same.
type Index struct {
	Terms []Term
	Const int64
}

// Term is Coeff times an atom. The atom is the variable Var when Inner is nil,
// else ModularIndexing(Inner, Div, Mod) = (Inner // Div) % Mod, where Mod == 0
// means no modulo. Inner is always non-negative (validation checks it), so
// floor and truncating division agree and targets may use either.
//
// An atom with Indirect = k+1 is no loop variable but the value of the
// load's indirect[k], known only at run time (IndirectIndex makes one; Var
// holds its spelling, "$k", which orders it among the variables).
type Term struct {
	Coeff    int64
	Var      string
	Inner    *Index
	Div      int64
	Mod      int64
	Indirect int
}

// Const returns the constant index c.
func ConstIndex(c int64) Index { return Index{Const: c} }

// VarIndex returns the index that is the variable name.
func VarIndex(name string) Index { return Index{Terms: []Term{{Coeff: 1, Var: name}}} }

// IndirectIndex returns the index that is the value of a load's
// indirect[k]: a gather's run-time index along one dimension.
func IndirectIndex(k int) Index {
	return Index{Terms: []Term{{Coeff: 1, Var: "$" + strconv.Itoa(k), Indirect: k + 1}}}
}

// IsIndirect reports whether x is exactly one indirect value, and which
// entry of the load's indirect list it is.
func (x Index) IsIndirect() (int, bool) {
	if len(x.Terms) == 1 && x.Const == 0 && x.Terms[0].Coeff == 1 && x.Terms[0].Indirect > 0 {
		return x.Terms[0].Indirect - 1, true
	}
	return 0, false
}

// FirstIndirect returns the first indirect value x mentions anywhere, if
// any (validation refuses one that is not a dimension's whole index).
func (x Index) FirstIndirect() (Term, bool) {
	for _, t := range x.Terms {
		if t.Indirect > 0 {
			return t, true
		}
		if t.Inner != nil {
			if u, ok := t.Inner.FirstIndirect(); ok {
				return u, true
			}
		}
	}
	return Term{}, false
}

// IsConst reports an index with no variables.
func (x Index) IsConst() bool { return len(x.Terms) == 0 }

// isBareAtom reports an index that is one compound atom with coefficient 1,
// which already prints inside its own parentheses.
func (x Index) isBareAtom() bool {
	return len(x.Terms) == 1 && x.Const == 0 && x.Terms[0].Coeff == 1 && x.Terms[0].Inner != nil
}

// IsVar reports whether x is exactly one variable and returns it.
func (x Index) IsVar() (string, bool) {
	if len(x.Terms) == 1 && x.Const == 0 && x.Terms[0].Coeff == 1 && x.Terms[0].Inner == nil {
		return x.Terms[0].Var, true
	}
	return "", false
}

func (t Term) atom() string {
	if t.Inner == nil {
		return t.Var
	}
	in := t.Inner.String()
	if _, ok := t.Inner.IsVar(); !ok && !t.Inner.isBareAtom() {
		in = "(" + in + ")"
	}
	// Built by hand: atoms are spelled for every canonicalization.
	switch {
	case t.Mod == 0:
		return "(" + in + " // " + strconv.FormatInt(t.Div, 10) + ")"
	case t.Div == 1:
		return "(" + in + " % " + strconv.FormatInt(t.Mod, 10) + ")"
	default:
		return "((" + in + " // " + strconv.FormatInt(t.Div, 10) + ") % " + strconv.FormatInt(t.Mod, 10) + ")"
	}
}

// String prints x in Python syntax, which is also what the graph file holds.
func (x Index) String() string {
	var b strings.Builder
	for i, t := range x.Terms {
		c := t.Coeff
		if i > 0 {
			if c < 0 {
				b.WriteString(" - ")
				c = -c
			} else {
				b.WriteString(" + ")
			}
		} else if c < 0 {
			b.WriteString("-")
			c = -c
		}
		if c != 1 {
			b.WriteString(strconv.FormatInt(c, 10))
			b.WriteString("*")
		}
		b.WriteString(t.atom())
	}
	switch {
	case len(x.Terms) == 0:
		return strconv.FormatInt(x.Const, 10)
	case x.Const > 0:
		b.WriteString(" + ")
		b.WriteString(strconv.FormatInt(x.Const, 10))
	case x.Const < 0:
		b.WriteString(" - ")
		b.WriteString(strconv.FormatInt(-x.Const, 10)) // as %d printed it, MinInt64 included
	}
	return b.String()
}

// canon sorts terms, combines like atoms and drops zero coefficients. terms
// is the caller's own slice, which no one else holds: canon reorders it and
// the result keeps it (capped at its length, so that appending to the
// result copies).
func canon(terms []Term, c int64) Index {
	// Terms are combined when their atoms are spelled the same, and sorted
	// plain variables first (by name), then compound atoms by spelling.
	// Spelling a compound atom is the costly part, so it is done only where
	// two compound atoms meet. A plain variable never has a compound atom's
	// spelling, which starts with "(", unless it is named like one; such
	// graphs take the general path.
	compound := 0
	for i := range terms {
		if terms[i].Inner != nil {
			compound++
		} else if strings.HasPrefix(terms[i].Var, "(") {
			return canonSpelled(terms, c)
		}
	}
	var keyBuf [8]string
	var keys []string // the spelling of each compound atom, once two meet
	if compound > 1 {
		if len(terms) <= len(keyBuf) {
			keys = keyBuf[:len(terms)]
		} else {
			keys = make([]string, len(terms))
		}
	}
	k := 0
	for i := range terms {
		t := terms[i]
		if t.Coeff == 0 {
			continue
		}
		var key string
		if t.Inner != nil && keys != nil {
			key = t.atom()
		}
		merged := false
		for j := 0; j < k; j++ {
			u := &terms[j]
			if (u.Inner == nil) != (t.Inner == nil) {
				continue
			}
			if t.Inner == nil && u.Var == t.Var || t.Inner != nil && keys[j] == key {
				u.Coeff += t.Coeff
				merged = true
				break
			}
		}
		if !merged {
			terms[k] = t
			if keys != nil {
				keys[k] = key
			}
			k++
		}
	}
	n := 0
	for j := 0; j < k; j++ {
		if terms[j].Coeff != 0 {
			terms[n] = terms[j]
			if keys != nil {
				keys[n] = keys[j]
			}
			n++
		}
	}
	if n == 0 {
		return Index{Const: c}
	}
	// A stable insertion sort: there are a few terms.
	for i := 1; i < n; i++ {
		for j := i; j > 0 && termLess(&terms[j], &terms[j-1], keys, j, j-1); j-- {
			terms[j], terms[j-1] = terms[j-1], terms[j]
			if keys != nil {
				keys[j], keys[j-1] = keys[j-1], keys[j]
			}
		}
	}
	return Index{Terms: terms[:n:n], Const: c}
}

// shareable reports terms that canon would return unchanged, as far as that
// shows without spelling atoms: non-zero coefficients, plain variables in
// increasing order (none named like an atom), then at most one compound
// atom. They must be non-empty and full (length = capacity), as canon's
// results are, so that a result sharing them is what canon would give.
func shareable(terms []Term) bool {
	if len(terms) == 0 || len(terms) != cap(terms) {
		return false
	}
	compound := false
	for i := range terms {
		t := &terms[i]
		switch {
		case t.Coeff == 0 || compound:
			return false
		case t.Inner != nil:
			compound = true
		case strings.HasPrefix(t.Var, "(") || i > 0 && terms[i-1].Var >= t.Var:
			return false
		}
	}
	return true
}

// termLess orders canonical terms: plain variables first, by name, then
// compound atoms by spelling (keys holds them when there are two or more).
func termLess(a, b *Term, keys []string, i, j int) bool {
	if (a.Inner == nil) != (b.Inner == nil) {
		return a.Inner == nil
	}
	if a.Inner == nil {
		return a.Var < b.Var
	}
	return keys[i] < keys[j]
}

// canonSpelled is canon keyed by every atom's spelling, for terms where a
// plain variable might be spelled like a compound atom.
func canonSpelled(terms []Term, c int64) Index {
	type keyed struct {
		t   Term
		key string
	}
	out := make([]keyed, 0, len(terms))
	for _, t := range terms {
		if t.Coeff == 0 {
			continue
		}
		k := t.atom()
		merged := false
		for i := range out {
			if out[i].key == k {
				out[i].t.Coeff += t.Coeff
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
		if kt.t.Coeff != 0 {
			kept = append(kept, kt)
		}
	}
	if len(kept) == 0 {
		return Index{Const: c}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if (a.t.Inner == nil) != (b.t.Inner == nil) {
			return a.t.Inner == nil
		}
		return a.key < b.key
	})
	res := make([]Term, len(kept))
	for i, kt := range kept {
		res[i] = kt.t
	}
	return Index{Terms: res, Const: c}
}

// Equal reports whether x and y are the same canonical expression.
func (x Index) Equal(y Index) bool {
	if x.Const != y.Const || len(x.Terms) != len(y.Terms) {
		return false
	}
	for i, a := range x.Terms {
		b := y.Terms[i]
		if a.Coeff != b.Coeff || a.Var != b.Var || a.Indirect != b.Indirect || a.Div != b.Div || a.Mod != b.Mod || (a.Inner == nil) != (b.Inner == nil) {
			return false
		}
		if a.Inner != nil && !a.Inner.Equal(*b.Inner) {
			return false
		}
	}
	return true
}

// Add returns x + y.
func (x Index) Add(y Index) Index {
	// Adding a constant to a canonical index, or an index to a constant,
	// keeps its terms (which are never modified in place).
	switch {
	case len(y.Terms) == 0 && shareable(x.Terms):
		return Index{Terms: x.Terms, Const: x.Const + y.Const}
	case len(x.Terms) == 0 && shareable(y.Terms):
		return Index{Terms: y.Terms, Const: x.Const + y.Const}
	}
	terms := make([]Term, len(x.Terms)+len(y.Terms))
	copy(terms[copy(terms, x.Terms):], y.Terms)
	return canon(terms, x.Const+y.Const)
}

// Scale returns c * x.
func (x Index) Scale(c int64) Index {
	switch {
	case c == 0:
		return Index{}
	case c == 1 && shareable(x.Terms):
		return x
	}
	terms := make([]Term, len(x.Terms))
	for i, t := range x.Terms {
		t.Coeff *= c
		terms[i] = t
	}
	return canon(terms, x.Const*c)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// FloorDiv returns x // d for d > 0, simplified where that needs no ranges.
func (x Index) FloorDiv(d int64) Index {
	if d == 1 {
		return x
	}
	if x.IsConst() {
		return ConstIndex(floorDiv(x.Const, d))
	}
	// Terms whose coefficient d divides come out of the division exactly.
	out, rest := divisible(x.Terms, d)
	c := x.Const
	var outConst int64
	if len(rest) == 0 {
		outConst = floorDiv(c, d)
		return canon(out, outConst)
	}
	if c%d == 0 {
		outConst = c / d
		c = 0
	}
	inner := canon(rest, c)
	if len(inner.Terms) == 1 && inner.Const == 0 && inner.Terms[0].Coeff == 1 && inner.Terms[0].Inner != nil {
		t := inner.Terms[0]
		switch {
		case t.Mod == d:
			// ((q % d) // d) is always 0.
			return canon(out, outConst)
		case (t.Mod == 0 || t.Mod%d == 0) && t.Div <= maxIndexMagnitude/d:
			// (e // D) // d is e // (D*d), and ((e // D) % M) // d is
			// (e // (D*d)) % (M/d) when d divides M. The result is rebuilt
			// through FloorDiv and Mod, so that it has the form parsing its
			// spelling gives. Divisors that would grow past
			// maxIndexMagnitude stay nested instead, which is exact too.
			merged := t.Inner.FloorDiv(t.Div * d)
			if t.Mod != 0 {
				merged = merged.Mod(t.Mod / d)
			}
			return canon(out, outConst).Add(merged)
		}
	}
	out = append(out, Term{Coeff: 1, Inner: &inner, Div: d})
	return canon(out, outConst)
}

// Mod returns x % d for d > 0, simplified where that needs no ranges.
func (x Index) Mod(d int64) Index {
	if d == 1 {
		return Index{}
	}
	var rest []Term
	for _, t := range x.Terms {
		if t.Coeff%d != 0 {
			rest = append(rest, t)
		}
	}
	c := floorMod(x.Const, d)
	if len(rest) == 0 {
		return ConstIndex(c)
	}
	inner := canon(rest, c)
	if len(inner.Terms) == 1 && inner.Const == 0 && inner.Terms[0].Coeff == 1 && inner.Terms[0].Inner != nil {
		t := inner.Terms[0]
		switch {
		case t.Div == 1 && t.Mod%d == 0:
			// (e % M) % d is e % d when d divides M.
			return t.Inner.Mod(d)
		case t.Mod == 0 || t.Mod%d == 0:
			return canon([]Term{{Coeff: 1, Inner: t.Inner, Div: t.Div, Mod: d}}, 0)
		}
	}
	return canon([]Term{{Coeff: 1, Inner: &inner, Div: 1, Mod: d}}, 0)
}

// Vars returns the variables x mentions, sorted.
func (x Index) Vars() []string {
	seen := map[string]bool{}
	var walk func(Index)
	walk = func(x Index) {
		for _, t := range x.Terms {
			if t.Inner == nil {
				seen[t.Var] = true
			} else {
				walk(*t.Inner)
			}
		}
	}
	walk(x)
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Subst replaces variables by indices; variables not in m stay.
func (x Index) Subst(m map[string]Index) Index {
	out := ConstIndex(x.Const)
	for _, t := range x.Terms {
		var a Index
		if t.Inner == nil {
			r, ok := m[t.Var]
			if !ok {
				r = VarIndex(t.Var)
			}
			a = r
		} else {
			a = t.Inner.Subst(m).FloorDiv(t.Div)
			if t.Mod != 0 {
				a = a.Mod(t.Mod)
			}
		}
		out = out.Add(a.Scale(t.Coeff))
	}
	return out
}

// Eval computes x with the variables bound by env (floor semantics).
func (x Index) Eval(env map[string]int64) int64 {
	v := x.Const
	for _, t := range x.Terms {
		var a int64
		if t.Inner == nil {
			a = env[t.Var]
		} else {
			a = floorDiv(t.Inner.Eval(env), t.Div)
			if t.Mod != 0 {
				a = floorMod(a, t.Mod)
			}
		}
		v += t.Coeff * a
	}
	return v
}

// Interval is a closed integer range.
type Interval struct{ Lo, Hi int64 }

// Bounds returns the smallest and largest value x takes when each variable v
// ranges over [0, sizes[v]-1]. Unknown variables are treated as [0, 0].
// The arithmetic saturates at the int64 limits instead of wrapping, so that
// huge coefficients widen the interval rather than hide out-of-range values.
func (x Index) Bounds(sizes map[string]int64) Interval {
	iv := Interval{x.Const, x.Const}
	for _, t := range x.Terms {
		a := t.atomBounds(sizes)
		lo, hi := satMul(t.Coeff, a.Lo), satMul(t.Coeff, a.Hi)
		if lo > hi {
			lo, hi = hi, lo
		}
		iv.Lo = satAdd(iv.Lo, lo)
		iv.Hi = satAdd(iv.Hi, hi)
	}
	return iv
}

// MaxMagnitude is the largest absolute value any part of x's computation
// takes when each variable ranges over [0, sizes[v]-1]: the whole, every
// partial sum of its terms (bounded by the sum of their magnitudes), and
// every expression inside a floor division or modulo. An integer type that
// holds it holds every step: ((i + 2147483642) % 2147483647) is below 2^31
// but its sum is not.
func (x Index) MaxMagnitude(sizes map[string]int64) int64 {
	b := x.Bounds(sizes)
	m := max(satAbs(b.Lo), satAbs(b.Hi))
	partial := satAbs(x.Const)
	for _, t := range x.Terms {
		a := t.atomBounds(sizes)
		tm := max(satAbs(satMul(t.Coeff, a.Lo)), satAbs(satMul(t.Coeff, a.Hi)))
		partial = satAdd(partial, tm)
		if t.Inner != nil {
			m = max(m, t.Inner.MaxMagnitude(sizes))
		}
	}
	return max(m, partial)
}

func satAbs(a int64) int64 {
	if a == math.MinInt64 {
		return math.MaxInt64
	}
	if a < 0 {
		return -a
	}
	return a
}

func satAdd(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}

func satMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		if (a < 0) == (b < 0) {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return p
}

func (t Term) atomBounds(sizes map[string]int64) Interval {
	if t.Inner == nil {
		n := sizes[t.Var]
		if n < 1 {
			n = 1
		}
		return Interval{0, n - 1}
	}
	in := t.Inner.Bounds(sizes)
	a := Interval{floorDiv(in.Lo, t.Div), floorDiv(in.Hi, t.Div)}
	if t.Mod != 0 {
		if a.Lo >= 0 && a.Hi < t.Mod {
			return a
		}
		return Interval{0, t.Mod - 1}
	}
	return a
}

// Simplify applies the simplifications that need variable ranges: a division
// whose dividend is always below the divisor vanishes, a modulo that can never
// wrap is dropped, and c*((x//D)%M) + c*M*((x//(D*M))%M2) merges into
// c*((x//D)%(M*M2)), which turns a split contiguous index back into one term.
func (x Index) Simplify(sizes map[string]int64) Index {
	compound, unit := false, false
	for _, t := range x.Terms {
		compound = compound || t.Inner != nil
		unit = unit || t.Inner == nil && sizes[t.Var] == 1
	}
	if unit {
		// A variable of range [0, 0] is 0.
		x = x.Subst(unitVars(x, sizes))
	}
	if !compound {
		return x // an affine sum of variables is already as simple as it gets
	}
	for {
		y := x.simplifyOnce(sizes)
		if y.Equal(x) {
			return y
		}
		x = y
	}
}

func (x Index) simplifyOnce(sizes map[string]int64) Index {
	out := ConstIndex(x.Const)
	var terms []Term
	for _, t := range x.Terms {
		if t.Inner == nil {
			terms = append(terms, t)
			continue
		}
		inner := t.Inner.Simplify(sizes)
		div := t.Div
		if q, g, ok := alignedQuotient(inner, div, sizes); ok {
			// (Q + R) // D is (Q/g) // (D/g) when g divides D and every
			// coefficient of Q, and 0 <= R < g.
			inner, div = q, div/g
			if div == 1 && t.Mod == 0 {
				out = out.Add(inner.Scale(t.Coeff))
				continue
			}
			t.Div = div
		}
		b := inner.Bounds(sizes)
		var a Index
		switch {
		case b.Lo >= 0 && b.Hi < t.Div:
			a = Index{}
		case t.Mod != 0 && b.Lo >= 0 && b.Hi < t.Div*t.Mod:
			a = inner.FloorDiv(t.Div)
		default:
			a = inner.FloorDiv(t.Div)
			if t.Mod != 0 {
				a = a.Mod(t.Mod)
			}
		}
		out = out.Add(a.Scale(t.Coeff))
	}
	out = out.Add(canon(terms, 0))
	return mergeSplits(out)
}

// unitVars maps the variables of x's top level whose range is [0, 0] to 0.
func unitVars(x Index, sizes map[string]int64) map[string]Index {
	m := map[string]Index{}
	for _, t := range x.Terms {
		if t.Inner == nil && sizes[t.Var] == 1 {
			m[t.Var] = Index{}
		}
	}
	return m
}

// alignedQuotient splits x into Q + R, where g > 1 divides d, every
// coefficient of Q and Q's constant, and R stays within [0, g) over the
// ranges; it returns Q/g and g, the largest such g, so that x // d is
// (Q/g) // (d/g). In a row-major flat index r + R*x the row x is Q and the
// element r the remainder: (r + R*x) // (R*S) is x // S.
func alignedQuotient(x Index, d int64, sizes map[string]int64) (Index, int64, bool) {
	best := int64(1)
	var bestQ Index
	for _, cand := range x.Terms {
		g := gcd64(abs64(cand.Coeff), d)
		if g <= best {
			continue
		}
		q, r := divisible(x.Terms, g)
		if len(r) == 0 {
			continue // FloorDiv already divides out what it can
		}
		qc, rc := x.Const-floorMod(x.Const, g), floorMod(x.Const, g)
		rb := canon(r, rc).Bounds(sizes)
		if rb.Lo < 0 || rb.Hi >= g {
			continue
		}
		best, bestQ = g, canon(q, qc/g)
	}
	return bestQ, best, best > 1
}

// divisible splits terms into those whose coefficient d divides, divided
// by d, and the rest, as they are.
func divisible(terms []Term, d int64) (quotient, rest []Term) {
	for _, t := range terms {
		if t.Coeff%d == 0 {
			t.Coeff /= d
			quotient = append(quotient, t)
		} else {
			rest = append(rest, t)
		}
	}
	return quotient, rest
}

func gcd64(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// mergeSplits performs the merge rule of Simplify once, where it applies.
func mergeSplits(x Index) Index {
	for i, a := range x.Terms {
		if a.Inner == nil || a.Mod == 0 {
			continue
		}
		for j, b := range x.Terms {
			if i == j || b.Inner == nil || a.Div > maxIndexMagnitude/a.Mod || b.Div != a.Div*a.Mod || b.Coeff != satMul(a.Coeff, a.Mod) {
				continue
			}
			if a.Inner.String() != b.Inner.String() {
				continue
			}
			mod := int64(0)
			if b.Mod != 0 {
				mod = a.Mod * b.Mod
			}
			var terms []Term
			for k, t := range x.Terms {
				if k != i && k != j {
					terms = append(terms, t)
				}
			}
			merged := a.Inner.FloorDiv(a.Div)
			if mod != 0 {
				merged = merged.Mod(mod)
			}
			return canon(terms, x.Const).Add(merged.Scale(a.Coeff))
		}
	}
	return x
}

// ParseIndex reads an index expression in Python syntax: integers, variable
// names, +, -, * (one side constant), // and % (by a positive constant), and
// parentheses.
func ParseIndex(s string) (Index, error) {
	if len(s) > maxIndexLength {
		return Index{}, fmt.Errorf("index %.32q...: longer than %d characters", s, maxIndexLength)
	}
	p := &indexParser{src: s}
	p.next()
	x, err := p.expr()
	if err != nil {
		return Index{}, err
	}
	if p.tok != "" {
		return Index{}, fmt.Errorf("index %q: unexpected %q at offset %d", s, p.tok, p.tokPos)
	}
	return x, nil
}

type indexParser struct {
	src    string
	pos    int
	tok    string
	tokPos int
}

func (p *indexParser) next() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	p.tokPos = p.pos
	if p.pos >= len(p.src) {
		p.tok = ""
		return
	}
	c := p.src[p.pos]
	switch {
	case c == '/' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '/':
		p.tok = "//"
		p.pos += 2
	case strings.IndexByte("+-*%()", c) >= 0:
		p.tok = string(c)
		p.pos++
	case c >= '0' && c <= '9':
		start := p.pos
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		p.tok = p.src[start:p.pos]
	case c == '_' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z'):
		start := p.pos
		p.pos++
		for p.pos < len(p.src) {
			c := p.src[p.pos]
			if c == '_' || (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z') {
				p.pos++
				continue
			}
			break
		}
		p.tok = p.src[start:p.pos]
	default:
		// One character, however many bytes it takes.
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		p.tok = string(r)
		p.pos += size
	}
}

func (p *indexParser) errf(format string, a ...any) error {
	return fmt.Errorf("index %q at offset %d: %s", p.src, p.tokPos, fmt.Sprintf(format, a...))
}

func (p *indexParser) expr() (Index, error) {
	x, err := p.term()
	if err != nil {
		return x, err
	}
	for p.tok == "+" || p.tok == "-" {
		op := p.tok
		p.next()
		y, err := p.term()
		if err != nil {
			return x, err
		}
		if op == "-" {
			y = y.Scale(-1)
		}
		x = x.Add(y)
		if x.magnitude() > maxIndexMagnitude {
			return x, p.errf("constant too large")
		}
	}
	return x, nil
}

const maxIndexMagnitude = int64(1) << 53

// Limits on the size of a parsed index. Canonicalizing re-spells nested atoms,
// so unbounded inputs would take time cubic in their length; real indices are
// a few hundred characters and a few levels deep.
const (
	maxIndexLength = 4096
	maxIndexDepth  = 32
)

func (p *indexParser) term() (Index, error) {
	x, err := p.unary()
	if err != nil {
		return x, err
	}
	for p.tok == "*" || p.tok == "//" || p.tok == "%" {
		op := p.tok
		p.next()
		y, err := p.unary()
		if err != nil {
			return x, err
		}
		switch op {
		case "*":
			switch {
			case y.IsConst():
				if x.scaleOverflows(y.Const) {
					return x, p.errf("constant too large")
				}
				x = x.Scale(y.Const)
			case x.IsConst():
				if y.scaleOverflows(x.Const) {
					return x, p.errf("constant too large")
				}
				x = y.Scale(x.Const)
			default:
				return x, p.errf("product of two variable terms is not affine")
			}
		default:
			if !y.IsConst() || y.Const <= 0 {
				return x, p.errf("%s needs a positive integer constant on its right", op)
			}
			if op == "//" {
				x = x.FloorDiv(y.Const)
			} else {
				x = x.Mod(y.Const)
			}
			if x.depth() > maxIndexDepth {
				return x, p.errf("divisions and modulos nested deeper than %d", maxIndexDepth)
			}
		}
		if x.magnitude() > maxIndexMagnitude {
			return x, p.errf("constant too large")
		}
	}
	return x, nil
}

// scaleOverflows reports whether c*x would take a coefficient or the
// constant past maxIndexMagnitude (the parser keeps every number below it, so
// the test itself cannot overflow).
func (x Index) scaleOverflows(c int64) bool {
	if c == 0 {
		return false
	}
	lim := maxIndexMagnitude / abs64(c)
	if abs64(x.Const) > lim {
		return true
	}
	for _, t := range x.Terms {
		if abs64(t.Coeff) > lim {
			return true
		}
	}
	return false
}

func (x Index) magnitude() int64 {
	m := abs64(x.Const)
	for _, t := range x.Terms {
		if a := abs64(t.Coeff); a > m {
			m = a
		}
		if t.Inner != nil {
			if a := t.Inner.magnitude(); a > m {
				m = a
			}
			if t.Div > m {
				m = t.Div
			}
			if t.Mod > m {
				m = t.Mod
			}
		}
	}
	return m
}

// depth is how deeply x nests divisions and modulos (0 for an affine x).
func (x Index) depth() int {
	d := 0
	for _, t := range x.Terms {
		if t.Inner != nil {
			d = max(d, 1+t.Inner.depth())
		}
	}
	return d
}

func abs64(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

func (p *indexParser) unary() (Index, error) {
	if p.tok == "-" {
		p.next()
		x, err := p.unary()
		return x.Scale(-1), err
	}
	if p.tok == "+" {
		p.next()
		return p.unary()
	}
	return p.primary()
}

func (p *indexParser) primary() (Index, error) {
	tok := p.tok
	switch {
	case tok == "":
		return Index{}, p.errf("unexpected end")
	case tok == "(":
		p.next()
		x, err := p.expr()
		if err != nil {
			return x, err
		}
		if p.tok != ")" {
			return x, p.errf("missing )")
		}
		p.next()
		return x, nil
	case tok[0] >= '0' && tok[0] <= '9':
		v, err := strconv.ParseInt(tok, 10, 64)
		if err != nil || v > maxIndexMagnitude {
			return Index{}, p.errf("integer %s out of range", tok)
		}
		p.next()
		return ConstIndex(v), nil
	case tok[0] == '$' && len(tok) > 1 && allDigits(tok[1:]):
		k, err := strconv.Atoi(tok[1:])
		if err != nil || k > maxIndirect {
			return Index{}, p.errf("indirect value %s out of range", tok)
		}
		p.next()
		return IndirectIndex(k), nil
	case tok[0] == '$':
		return Index{}, p.errf("%s is no indirect value: write $ and the position in the load's indirect list, e.g. $0", tok)
	case tok[0] == '_' || (tok[0]|0x20 >= 'a' && tok[0]|0x20 <= 'z'):
		p.next()
		return VarIndex(tok), nil
	}
	return Index{}, p.errf("unexpected %q", tok)
}

// maxIndirect bounds the k of "$k", far above any load's indirect list.
const maxIndirect = 1 << 20

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Mentions reports whether the variable name occurs in x, at any depth.
func (x Index) Mentions(name string) bool {
	for _, t := range x.Terms {
		if t.Inner == nil && t.Var == name || t.Inner != nil && t.Inner.Mentions(name) {
			return true
		}
	}
	return false
}
