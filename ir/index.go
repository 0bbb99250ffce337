package ir

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Index is an integer expression over loop variables and symbols, kept in one
// canonical form: a sum of terms, each a coefficient (a Size: an integer
// times symbols) times an atom, plus an integer constant. Terms are sorted
// and like terms combined, so two equal expressions built in different ways
// print the same.
type Index struct {
	Terms []Term
	Const int64
}

// Term is Coeff times an atom. The atom is the variable Var when Inner is
// nil and Var is set, 1 when both are empty (the term is then a symbolic
// constant such as 768*S), else ModularIndexing(Inner, Div, Mod) =
// (Inner // Div) % Mod, where a zero Mod means no modulo. Inner is always
// non-negative (validation checks it), so floor and truncating division agree
// and targets may use either.
//
// An atom with Indirect = k+1 is no loop variable but the value of the
// load's indirect[k], known only at run time (IndirectIndex makes one; Var
// holds its spelling, "$k", which orders it among the variables).
type Term struct {
	Coeff    Size
	Var      string
	Inner    *Index
	Div      Size
	Mod      Size
	Indirect int
}

// ConstIndex returns the constant index c.
func ConstIndex(c int64) Index { return Index{Const: c} }

// VarIndex returns the index that is the variable name.
func VarIndex(name string) Index { return Index{Terms: []Term{{Coeff: Int(1), Var: name}}} }

// SizeIndex returns the index whose value is the size s.
func SizeIndex(s Size) Index {
	if s.Syms == "" {
		return Index{Const: s.C}
	}
	if s.C == 0 {
		return Index{}
	}
	return Index{Terms: []Term{{Coeff: s}}}
}

// IndirectIndex returns the index that is the value of a load's
// indirect[k]: a gather's run-time index along one dimension.
func IndirectIndex(k int) Index {
	return Index{Terms: []Term{{Coeff: Int(1), Var: "$" + strconv.Itoa(k), Indirect: k + 1}}}
}

// IsIndirect reports whether x is exactly one indirect value, and which
// entry of the load's indirect list it is.
func (x Index) IsIndirect() (int, bool) {
	if len(x.Terms) == 1 && x.Const == 0 && x.Terms[0].Coeff.Is(1) && x.Terms[0].Indirect > 0 {
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

// IsConst reports an index with no variables and no symbols.
func (x Index) IsConst() bool { return len(x.Terms) == 0 }

// AsSize returns x as a size when it is one: an integer, or a single
// product of symbols.
func (x Index) AsSize() (Size, bool) {
	switch {
	case len(x.Terms) == 0:
		return Int(x.Const), true
	case len(x.Terms) == 1 && x.Const == 0 && x.Terms[0].isSymbolic():
		return x.Terms[0].Coeff, true
	}
	return Size{}, false
}

// isSymbolic reports a term with no atom: its coefficient alone.
func (t Term) isSymbolic() bool { return t.Inner == nil && t.Var == "" }

// isBareAtom reports an index that is one compound atom with coefficient 1,
// which already prints inside its own parentheses.
func (x Index) isBareAtom() bool {
	return len(x.Terms) == 1 && x.Const == 0 && x.Terms[0].Coeff.Is(1) && x.Terms[0].Inner != nil
}

// isPlainSymbol reports an index that is one symbol, which needs no
// parentheses of its own.
func (x Index) isPlainSymbol() bool {
	return len(x.Terms) == 1 && x.Const == 0 && x.Terms[0].isSymbolic() && x.Terms[0].Coeff.C == 1 &&
		x.Terms[0].Coeff.Syms != "" && !strings.Contains(string(x.Terms[0].Coeff.Syms), "*")
}

// IsVar reports whether x is exactly one variable and returns it.
func (x Index) IsVar() (string, bool) {
	if len(x.Terms) == 1 && x.Const == 0 && x.Terms[0].Coeff.Is(1) && x.Terms[0].Inner == nil && x.Terms[0].Var != "" {
		return x.Terms[0].Var, true
	}
	return "", false
}

// divisorString spells a divisor so that it binds as one operand.
func divisorString(d Size) string {
	s := d.String()
	if d.Syms != "" && (d.C != 1 || strings.Contains(string(d.Syms), "*")) {
		return "(" + s + ")"
	}
	return s
}

func (t Term) atom() string {
	if t.Inner == nil {
		return t.Var
	}
	in := t.Inner.String()
	if _, ok := t.Inner.IsVar(); !ok && !t.Inner.isBareAtom() && !t.Inner.isPlainSymbol() {
		in = "(" + in + ")"
	}
	// Built by hand: atoms are spelled for every canonicalization.
	switch {
	case t.Mod.C == 0:
		return "(" + in + " // " + divisorString(t.Div) + ")"
	case t.Div.Is(1):
		return "(" + in + " % " + divisorString(t.Mod) + ")"
	default:
		return "((" + in + " // " + divisorString(t.Div) + ") % " + divisorString(t.Mod) + ")"
	}
}

// String prints x in Python syntax, which is also what the graph file holds.
func (x Index) String() string {
	var b strings.Builder
	for i, t := range x.Terms {
		c := t.Coeff
		if i > 0 {
			if c.C < 0 {
				b.WriteString(" - ")
				c.C = -c.C
			} else {
				b.WriteString(" + ")
			}
		} else if c.C < 0 {
			b.WriteString("-")
			c.C = -c.C
		}
		a := t.atom()
		switch {
		case a == "":
			b.WriteString(c.String())
		case c.Is(1):
			b.WriteString(a)
		default:
			b.WriteString(c.String())
			b.WriteString("*")
			b.WriteString(a)
		}
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

// Expr is String without the parentheses a lone compound atom prints in:
// S // 2 where String gives (S // 2), for an expression standing alone.
func (x Index) Expr() string {
	s := x.String()
	if x.isBareAtom() && strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		return s[1 : len(s)-1]
	}
	return s
}

// termClass orders terms: plain variables, then compound atoms, then
// symbolic constants.
func (t *Term) class() int {
	switch {
	case t.Inner != nil:
		return 1
	case t.Var == "":
		return 2
	}
	return 0
}

// canon sorts terms, combines like terms (the same atom and the same
// symbols in the coefficient) and drops zero coefficients. terms is the
// caller's own slice, which no one else holds: canon reorders it and the
// result keeps it (capped at its length, so that appending to the result
// copies).
func canon(terms []Term, c int64) Index {
	// Spelling a compound atom is the costly part, so it is done only where
	// two compound atoms meet.
	compound := 0
	for i := range terms {
		if terms[i].Inner != nil {
			compound++
		}
		if terms[i].Coeff.Syms == "" && terms[i].isSymbolic() {
			// A coefficient alone with no symbols is part of the constant.
			c += terms[i].Coeff.C
			terms[i].Coeff.C = 0
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
		if t.Coeff.C == 0 {
			continue
		}
		var key string
		if t.Inner != nil && keys != nil {
			key = t.atom()
		}
		merged := false
		for j := 0; j < k; j++ {
			u := &terms[j]
			if u.class() != t.class() || u.Coeff.Syms != t.Coeff.Syms {
				continue
			}
			if t.Inner == nil && u.Var == t.Var || t.Inner != nil && keys[j] == key {
				u.Coeff.C += t.Coeff.C
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
	for i := 0; i < k; i++ {
		if terms[i].Coeff.C != 0 {
			terms[n] = terms[i]
			if keys != nil {
				keys[n] = keys[i]
			}
			n++
		}
	}
	terms = terms[:n:n]
	if n == 0 {
		return Index{Const: c}
	}
	if n > 1 {
		sort.Sort(termSorter{terms, keys})
	}
	return Index{Terms: terms, Const: c}
}

type termSorter struct {
	t    []Term
	keys []string
}

func (s termSorter) Len() int { return len(s.t) }
func (s termSorter) Swap(i, j int) {
	s.t[i], s.t[j] = s.t[j], s.t[i]
	if s.keys != nil {
		s.keys[i], s.keys[j] = s.keys[j], s.keys[i]
	}
}
func (s termSorter) Less(i, j int) bool {
	a, b := &s.t[i], &s.t[j]
	if ca, cb := a.class(), b.class(); ca != cb {
		return ca < cb
	}
	switch {
	case a.Inner == nil && a.Var != b.Var:
		return a.Var < b.Var
	case a.Inner != nil && s.keys != nil && s.keys[i] != s.keys[j]:
		return s.keys[i] < s.keys[j]
	}
	return a.Coeff.Syms < b.Coeff.Syms
}

// shareable reports terms that are already canonical in a way that shows
// without spelling atoms: non-zero coefficients without symbols, plain
// variables in increasing order, then at most one compound atom. They must
// be non-empty and full (length = capacity), as canon's results are, so that
// a result sharing them is what canon would give.
func shareable(terms []Term) bool {
	if len(terms) == 0 || len(terms) != cap(terms) {
		return false
	}
	compound := false
	for i := range terms {
		t := &terms[i]
		switch {
		case t.Coeff.C == 0 || t.Coeff.Syms != "" || compound || t.Var == "" && t.Inner == nil:
			return false
		case t.Inner != nil:
			compound = true
		case i > 0 && terms[i-1].Var >= t.Var:
			return false
		}
	}
	return true
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
		t.Coeff.C *= c
		terms[i] = t
	}
	return canon(terms, x.Const*c)
}

// Times returns s * x.
func (x Index) Times(s Size) Index {
	if s.Syms == "" {
		return x.Scale(s.C)
	}
	if s.C == 0 {
		return Index{}
	}
	terms := make([]Term, len(x.Terms), len(x.Terms)+1)
	for i, t := range x.Terms {
		t.Coeff = t.Coeff.Mul(s)
		terms[i] = t
	}
	if x.Const != 0 {
		terms = append(terms, Term{Coeff: s.Scale(x.Const)})
	}
	return canon(terms, 0)
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
func (x Index) FloorDiv(d Size) Index {
	if d.Is(1) {
		return x
	}
	if x.IsConst() && d.IsStatic() {
		return ConstIndex(floorDiv(x.Const, d.C))
	}
	// Terms whose coefficient d divides come out of the division exactly.
	out, rest := divisible(x.Terms, d)
	c := x.Const
	var outConst int64
	if len(rest) == 0 && d.IsStatic() {
		return canon(out, floorDiv(c, d.C))
	}
	if len(rest) == 0 && c == 0 {
		return canon(out, 0)
	}
	if d.IsStatic() && c%d.C == 0 {
		outConst = c / d.C
		c = 0
	}
	inner := canon(rest, c)
	if inner.isBareAtom() {
		t := inner.Terms[0]
		switch {
		case t.Mod == d:
			// ((q % d) // d) is always 0.
			return canon(out, outConst)
		case (t.Mod.C == 0 || d.Divides(t.Mod)) && t.Div.C <= maxIndexMagnitude/d.C:
			// (e // D) // d is e // (D*d), and ((e // D) % M) // d is
			// (e // (D*d)) % (M/d) when d divides M. The result is rebuilt
			// through FloorDiv and Mod, so that it has the form parsing its
			// spelling gives. Divisors that would grow past
			// maxIndexMagnitude stay nested instead, which is exact too.
			merged := t.Inner.FloorDiv(t.Div.Mul(d))
			if t.Mod.C != 0 {
				m, _ := t.Mod.Quo(d)
				merged = merged.Mod(m)
			}
			return canon(out, outConst).Add(merged)
		}
	}
	out = append(out, Term{Coeff: Int(1), Inner: &inner, Div: d})
	return canon(out, outConst)
}

// Mod returns x % d for d > 0, simplified where that needs no ranges.
func (x Index) Mod(d Size) Index {
	if d.Is(1) {
		return Index{}
	}
	var rest []Term
	for _, t := range x.Terms {
		if !d.Divides(t.Coeff) {
			rest = append(rest, t)
		}
	}
	c := x.Const
	if d.IsStatic() {
		c = floorMod(c, d.C)
	}
	if len(rest) == 0 && (d.IsStatic() || c == 0) {
		return ConstIndex(c)
	}
	inner := canon(rest, c)
	if inner.isBareAtom() {
		t := inner.Terms[0]
		switch {
		case t.Div.Is(1) && d.Divides(t.Mod):
			// (e % M) % d is e % d when d divides M.
			return t.Inner.Mod(d)
		case t.Mod.C == 0 || d.Divides(t.Mod):
			return canon([]Term{{Coeff: Int(1), Inner: t.Inner, Div: t.Div, Mod: d}}, 0)
		}
	}
	return canon([]Term{{Coeff: Int(1), Inner: &inner, Div: Int(1), Mod: d}}, 0)
}

// Vars returns the variables x mentions, sorted (symbols are no variables).
func (x Index) Vars() []string {
	seen := map[string]bool{}
	var walk func(Index)
	walk = func(x Index) {
		for _, t := range x.Terms {
			if t.Inner == nil {
				if t.Var != "" {
					seen[t.Var] = true
				}
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

// Symbols returns the symbols x mentions, in coefficients and divisors,
// sorted.
func (x Index) Symbols() []string {
	seen := map[string]bool{}
	x.addSymbols(seen)
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func (x Index) addSymbols(seen map[string]bool) {
	for _, t := range x.Terms {
		for _, s := range [...]Size{t.Coeff, t.Div, t.Mod} {
			for _, n := range s.Syms.names() {
				seen[n] = true
			}
		}
		if t.Inner != nil {
			t.Inner.addSymbols(seen)
		}
	}
}

// HasSymbols reports whether x mentions a symbol.
func (x Index) HasSymbols() bool {
	for _, t := range x.Terms {
		if t.Coeff.Syms != "" || t.Div.Syms != "" || t.Mod.Syms != "" || t.Inner != nil && t.Inner.HasSymbols() {
			return true
		}
	}
	return false
}

// Subst replaces variables by indices; variables not in m stay.
func (x Index) Subst(m map[string]Index) Index {
	out := ConstIndex(x.Const)
	for _, t := range x.Terms {
		var a Index
		switch {
		case t.isSymbolic():
			a = ConstIndex(1)
		case t.Inner == nil:
			r, ok := m[t.Var]
			if !ok {
				r = VarIndex(t.Var)
			}
			a = r
		default:
			a = t.Inner.Subst(m).FloorDiv(t.Div)
			if t.Mod.C != 0 {
				a = a.Mod(t.Mod)
			}
		}
		out = out.Add(a.Times(t.Coeff))
	}
	return out
}

// Eval computes x with the variables and symbols bound by env (floor
// semantics).
func (x Index) Eval(env map[string]int64) int64 {
	v := x.Const
	for _, t := range x.Terms {
		var a int64
		switch {
		case t.isSymbolic():
			a = 1
		case t.Inner == nil:
			a = env[t.Var]
		default:
			a = floorDiv(t.Inner.Eval(env), t.Div.Eval(env))
			if t.Mod.C != 0 {
				a = floorMod(a, t.Mod.Eval(env))
			}
		}
		v += t.Coeff.Eval(env) * a
	}
	return v
}

// Interval is a closed integer range.
type Interval struct{ Lo, Hi int64 }

// Env is what the simplifications and bounds know: the extent of each loop
// variable (which ranges over [0, extent-1]) and the symbols' ranges.
type Env struct {
	Sizes   map[string]Size
	Symbols Symbols
}

// StaticEnv is the Env of static extents and no symbols.
func StaticEnv(sizes map[string]int64) Env {
	m := make(map[string]Size, len(sizes))
	for v, s := range sizes {
		m[v] = Int(s)
	}
	return Env{Sizes: m}
}

// varMax is the largest value variable v takes (its extent's maximum - 1).
func (env Env) varMax(v string) int64 {
	s, ok := env.Sizes[v]
	if !ok {
		return 0
	}
	n := env.Symbols.Range(s).Hi
	if n < 1 {
		n = 1
	}
	return n - 1
}

func mulIntervals(a, b Interval) Interval {
	p := [4]int64{satMul(a.Lo, b.Lo), satMul(a.Lo, b.Hi), satMul(a.Hi, b.Lo), satMul(a.Hi, b.Hi)}
	return Interval{min(p[0], p[1], p[2], p[3]), max(p[0], p[1], p[2], p[3])}
}

// Bounds returns the smallest and largest value x takes when each variable v
// ranges over [0, extent-1] and each symbol over its range. Unknown
// variables are treated as [0, 0]. The arithmetic saturates at the int64
// limits instead of wrapping, so that huge coefficients widen the interval
// rather than hide out-of-range values.
func (x Index) Bounds(env Env) Interval {
	iv := Interval{x.Const, x.Const}
	for _, t := range x.Terms {
		a := mulIntervals(env.Symbols.Range(t.Coeff), t.atomBounds(env))
		iv.Lo = satAdd(iv.Lo, a.Lo)
		iv.Hi = satAdd(iv.Hi, a.Hi)
	}
	return iv
}

// MaxMagnitude is the largest absolute value any part of x's computation
// takes over env: the whole, every partial sum of its terms (bounded by the
// sum of their magnitudes), and every expression inside a floor division or
// modulo. An integer type that holds it holds every step:
// ((i + 2147483642) % 2147483647) is below 2^31 but its sum is not.
func (x Index) MaxMagnitude(env Env) int64 {
	b := x.Bounds(env)
	m := max(satAbs(b.Lo), satAbs(b.Hi))
	partial := satAbs(x.Const)
	for _, t := range x.Terms {
		a := mulIntervals(env.Symbols.Range(t.Coeff), t.atomBounds(env))
		partial = satAdd(partial, max(satAbs(a.Lo), satAbs(a.Hi)))
		if t.Inner != nil {
			m = max(m, t.Inner.MaxMagnitude(env))
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

func (t Term) atomBounds(env Env) Interval {
	switch {
	case t.isSymbolic():
		return Interval{1, 1}
	case t.Inner == nil:
		return Interval{0, env.varMax(t.Var)}
	}
	in := t.Inner.Bounds(env)
	d := env.Symbols.Range(t.Div)
	d.Lo = max(d.Lo, 1)
	q := [4]int64{floorDiv(in.Lo, d.Lo), floorDiv(in.Lo, d.Hi), floorDiv(in.Hi, d.Lo), floorDiv(in.Hi, d.Hi)}
	a := Interval{min(q[0], q[1], q[2], q[3]), max(q[0], q[1], q[2], q[3])}
	if t.Mod.C != 0 {
		m := env.Symbols.Range(t.Mod)
		if a.Lo >= 0 && a.Hi < m.Lo {
			return a
		}
		return Interval{0, m.Hi - 1}
	}
	return a
}

// nonNegative reports whether x is never below 0 over env.
func (x Index) nonNegative(env Env) bool {
	if x.Bounds(env).Lo >= 0 {
		return true
	}
	if x.Const < 0 {
		return false
	}
	for _, t := range x.Terms {
		if t.Coeff.C < 0 || t.Inner != nil && !t.Inner.nonNegative(env) {
			return false
		}
	}
	return true
}

// below reports whether x < d everywhere over env, for a non-negative x:
// from the bounds when the ranges show it, else from a mixed-radix chain
// of its terms (bound returns one).
func (x Index) below(d Size, env Env) bool {
	if x.Bounds(env).Hi < env.Symbols.Range(d).Lo {
		return true
	}
	u, ok := x.bound(env)
	return ok && sizeAtMost(u, d, env)
}

// sizeAtMost reports a <= b for every value of the symbols: when a divides
// b (both positive, symbols at least 1), or when the ranges show it.
func sizeAtMost(a, b Size, env Env) bool {
	if a.C > 0 && b.C > 0 && a.Divides(b) {
		return true
	}
	return env.Symbols.Range(a).Hi <= env.Symbols.Range(b).Lo
}

// bound returns a size u with 0 <= x < u, proven symbolically: the terms,
// with positive coefficients and atoms below e_i, ordered so that each
// c_i*e_i is at most the next coefficient, sum to at most c_k*e_k - 1 (a
// row-major offset i*S*D + j*D + k with j < S and k < D is below its last
// c*e, B*S*D). A static x is bounded by its ranges.
func (x Index) bound(env Env) (Size, bool) {
	if !x.HasSymbols() {
		b := x.Bounds(env)
		if b.Lo < 0 || b.Hi == math.MaxInt64 {
			return Size{}, false
		}
		// The extents may still be symbolic; Bounds took their maxima.
		if !x.hasSymbolicExtent(env) {
			return Int(b.Hi + 1), true
		}
	}
	if x.Const != 0 || len(x.Terms) == 0 {
		return Size{}, false
	}
	type link struct{ c, ce Size }
	links := make([]link, len(x.Terms))
	for i, t := range x.Terms {
		if t.Coeff.C <= 0 {
			return Size{}, false
		}
		var e Size
		switch {
		case t.isSymbolic() || t.Indirect > 0:
			return Size{}, false
		case t.Inner == nil:
			s, ok := env.Sizes[t.Var]
			if !ok {
				return Size{}, false
			}
			e = s
		case t.Mod.C != 0:
			e = t.Mod
		default:
			ui, ok := t.Inner.bound(env)
			if !ok {
				return Size{}, false
			}
			q, ok := ui.Quo(t.Div)
			if !ok {
				if !ui.IsStatic() || !t.Div.IsStatic() {
					return Size{}, false
				}
				q = Int((ui.C + t.Div.C - 1) / t.Div.C)
			}
			e = q
		}
		links[i] = link{t.Coeff, t.Coeff.Mul(e)}
	}
	sort.SliceStable(links, func(i, j int) bool {
		return env.Symbols.Hint(links[i].c) < env.Symbols.Hint(links[j].c)
	})
	for i := 1; i < len(links); i++ {
		if !sizeAtMost(links[i-1].ce, links[i].c, env) {
			return Size{}, false
		}
	}
	return links[len(links)-1].ce, true
}

// hasSymbolicExtent reports whether a variable x mentions ranges over a
// symbolic extent.
func (x Index) hasSymbolicExtent(env Env) bool {
	for _, t := range x.Terms {
		if t.Inner == nil && t.Var != "" && !env.Sizes[t.Var].IsStatic() {
			return true
		}
		if t.Inner != nil && t.Inner.hasSymbolicExtent(env) {
			return true
		}
	}
	return false
}

// Simplify applies the simplifications that need variable ranges: a division
// whose dividend is always below the divisor vanishes, a modulo that can never
// wrap is dropped, and c*((x//D)%M) + c*M*((x//(D*M))%M2) merges into
// c*((x//D)%(M*M2)), which turns a split contiguous index back into one term.
func (x Index) Simplify(env Env) Index {
	compound, unit := false, false
	for _, t := range x.Terms {
		compound = compound || t.Inner != nil
		unit = unit || t.Inner == nil && t.Var != "" && env.Sizes[t.Var].Is(1)
	}
	if unit {
		// A variable of range [0, 0] is 0.
		x = x.Subst(unitVars(x, env))
	}
	if !compound {
		return x // an affine sum of variables is already as simple as it gets
	}
	for {
		y := x.simplifyOnce(env)
		if y.Equal(x) {
			return y
		}
		x = y
	}
}

func (x Index) simplifyOnce(env Env) Index {
	out := ConstIndex(x.Const)
	var terms []Term
	for _, t := range x.Terms {
		if t.Inner == nil {
			terms = append(terms, t)
			continue
		}
		orig := t
		inner := t.Inner.Simplify(env)
		if !inner.nonNegative(env) {
			inner = *t.Inner // see below: a dividend stays non-negative
		}
		if q, g, ok := alignedQuotient(inner, t.Div, env); ok {
			// (Q + R) // D is (Q/g) // (D/g) when g divides D and every
			// coefficient of Q, and 0 <= R < g.
			inner = q
			t.Div, _ = t.Div.Quo(g)
			if t.Div.Is(1) && t.Mod.C == 0 {
				out = out.Add(inner.Times(t.Coeff))
				continue
			}
		}
		var a Index
		nonNeg := inner.nonNegative(env)
		switch {
		case nonNeg && inner.below(t.Div, env):
			a = Index{}
		case t.Mod.C != 0 && nonNeg && inner.below(t.Div.Mul(t.Mod), env):
			a = inner.FloorDiv(t.Div)
		default:
			a = inner.FloorDiv(t.Div)
			if t.Mod.C != 0 {
				a = a.Mod(t.Mod)
			}
		}
		if !a.dividendsNonNegative(env) {
			// Moving a term or a constant out of a dividend can leave the
			// rest negative, where the target's truncating // and % differ
			// from floor division: keep the atom as it was.
			a = Index{Terms: []Term{{Coeff: Int(1), Inner: orig.Inner, Div: orig.Div, Mod: orig.Mod}}}
		}
		out = out.Add(a.Times(t.Coeff))
	}
	out = out.Add(canon(terms, 0))
	return mergeSplits(out)
}

// dividendsNonNegative reports whether every dividend of a division or
// modulo in x is non-negative over env, as validation requires of the
// indices it accepts.
func (x Index) dividendsNonNegative(env Env) bool {
	for _, t := range x.Terms {
		if t.Inner != nil && (!t.Inner.nonNegative(env) || !t.Inner.dividendsNonNegative(env)) {
			return false
		}
	}
	return true
}

// unitVars maps the variables of x's top level whose range is [0, 0] to 0.
func unitVars(x Index, env Env) map[string]Index {
	m := map[string]Index{}
	for _, t := range x.Terms {
		if t.Inner == nil && t.Var != "" && env.Sizes[t.Var].Is(1) {
			m[t.Var] = Index{}
		}
	}
	return m
}

// alignedQuotient splits x into Q + R, where g divides d, every coefficient
// of Q and Q's constant, and R stays within [0, g) over env; it returns Q/g
// and g, the largest such g, so that x // d is (Q/g) // (d/g). In a
// row-major flat index r + R*x the row x is Q and the element r the
// remainder: (r + R*x) // (R*S) is x // S.
func alignedQuotient(x Index, d Size, env Env) (Index, Size, bool) {
	best := Int(1)
	var bestQ Index
	for _, cand := range x.Terms {
		g := GCD(cand.Coeff, d)
		if env.Symbols.Range(g).Hi <= env.Symbols.Range(best).Hi || g.Is(1) {
			continue
		}
		q, r := divisible(x.Terms, g)
		if len(r) == 0 {
			continue // FloorDiv already divides out what it can
		}
		var qc, rc int64
		switch {
		case g.IsStatic():
			qc, rc = x.Const-floorMod(x.Const, g.C), floorMod(x.Const, g.C)
		default:
			rc = x.Const // a constant stays in the remainder
		}
		rest := canon(r, rc)
		if !rest.nonNegative(env) || !rest.below(g, env) {
			continue
		}
		best = g
		if g.IsStatic() {
			bestQ = canon(q, qc/g.C)
		} else {
			bestQ = canon(q, 0)
		}
	}
	return bestQ, best, !best.Is(1)
}

// divisible splits terms into those whose coefficient d divides, divided
// by d, and the rest, as they are.
func divisible(terms []Term, d Size) (quotient, rest []Term) {
	for _, t := range terms {
		if q, ok := t.Coeff.Quo(d); ok {
			t.Coeff = q
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
		if a.Inner == nil || a.Mod.C == 0 {
			continue
		}
		for j, b := range x.Terms {
			if i == j || b.Inner == nil || a.Div.C > maxIndexMagnitude/a.Mod.C || b.Div != a.Div.Mul(a.Mod) || b.Coeff != a.Coeff.Mul(a.Mod) || satMul(a.Coeff.C, a.Mod.C) != b.Coeff.C {
				continue
			}
			if a.Inner.String() != b.Inner.String() {
				continue
			}
			mod := Size{}
			if b.Mod.C != 0 {
				mod = a.Mod.Mul(b.Mod)
			}
			var terms []Term
			for k, t := range x.Terms {
				if k != i && k != j {
					terms = append(terms, t)
				}
			}
			merged := a.Inner.FloorDiv(a.Div)
			if mod.C != 0 {
				merged = merged.Mod(mod)
			}
			return canon(terms, x.Const).Add(merged.Times(a.Coeff))
		}
	}
	return x
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

// RenameSymbols returns x with its symbols renamed through m, for
// spelling: a kernel names the symbols it takes after its parameters.
func (x Index) RenameSymbols(m map[string]string) Index {
	if !x.HasSymbols() {
		return x
	}
	terms := make([]Term, len(x.Terms))
	for i, t := range x.Terms {
		t.Coeff, t.Div, t.Mod = t.Coeff.Rename(m), t.Div.Rename(m), t.Mod.Rename(m)
		if t.Inner != nil {
			in := t.Inner.RenameSymbols(m)
			t.Inner = &in
		}
		terms[i] = t
	}
	return canon(terms, x.Const)
}
