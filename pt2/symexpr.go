package pt2

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fusegen/fusegen/ir"
)

// A SymExpr's expr_str is sympy's srepr ("Mul(Integer(2), Symbol('s77',
// positive=True, integer=True))") or its str ("2*s77"). parseSize reads
// both into an ir.Size: integers, symbols, products and positive integer
// powers. Min and Max are read where one argument is provably the least
// (the greatest) of them: it divides the others (16 and 16*s27), or the
// symbols' ranges order them. Anything else (Add, FloorDiv, Mod, ...) is
// refused: it is not a product.

// maxSizeCoeff bounds an expression's integers, as the index algebra
// bounds its constants, so that products cannot overflow.
const maxSizeCoeff = int64(1) << 48

// maxPow bounds the exponent of a Pow.
const maxPow = 16

// notProduct is the error for an expression that is no integer times
// symbols; parse errors of malformed text are others.
type notProduct struct{ what string }

func (e notProduct) Error() string { return e.what }

type symParser struct {
	src  string
	pos  int
	tok  string // "" at the end; a quoted string keeps its quotes
	syms ir.Symbols
	// names collects the symbols the expression names (for hints).
	names map[string]bool
}

// parseSize reads expr into a size. syms are the archive's symbols (their
// ranges decide Min and Max; hints need not be known yet); a symbol not
// among them is refused.
func parseSize(expr string, syms ir.Symbols) (ir.Size, error) {
	if len(expr) > 4096 {
		return ir.Size{}, fmt.Errorf("expression of %d characters", len(expr))
	}
	p := &symParser{src: expr, syms: syms}
	p.next()
	s, err := p.product(0)
	if err != nil {
		return ir.Size{}, err
	}
	if p.tok != "" {
		return ir.Size{}, p.unsupported()
	}
	return s, nil
}

func (p *symParser) next() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n') {
		p.pos++
	}
	if p.pos >= len(p.src) {
		p.tok = ""
		return
	}
	start := p.pos
	c := p.src[p.pos]
	switch {
	case c == '*' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '*':
		p.pos += 2
	case c >= '0' && c <= '9':
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
	case c == '_' || c|0x20 >= 'a' && c|0x20 <= 'z':
		for p.pos < len(p.src) {
			c := p.src[p.pos]
			if c != '_' && !(c >= '0' && c <= '9') && !(c|0x20 >= 'a' && c|0x20 <= 'z') {
				break
			}
			p.pos++
		}
	case c == '\'' || c == '"':
		end := strings.IndexByte(p.src[p.pos+1:], c)
		if end < 0 {
			p.pos = len(p.src)
		} else {
			p.pos += end + 2
		}
	default:
		p.pos++
	}
	p.tok = p.src[start:p.pos]
}

// unsupported is the error for what the parser stopped at.
func (p *symParser) unsupported() error {
	if p.tok == "" {
		return fmt.Errorf("unexpected end")
	}
	return notProduct{fmt.Sprintf("%q is not part of a product", p.tok)}
}

func (p *symParser) expect(tok string) error {
	if p.tok != tok {
		if p.tok == "" {
			return fmt.Errorf("missing %q", tok)
		}
		return fmt.Errorf("want %q, got %q", tok, p.tok)
	}
	p.next()
	return nil
}

// product is power ('*' power)*.
func (p *symParser) product(depth int) (ir.Size, error) {
	x, err := p.power(depth)
	if err != nil {
		return x, err
	}
	for p.tok == "*" {
		p.next()
		y, err := p.power(depth)
		if err != nil {
			return x, err
		}
		if x, err = mulSizes(x, y); err != nil {
			return x, err
		}
	}
	return x, nil
}

// power is atom ('**' integer)?.
func (p *symParser) power(depth int) (ir.Size, error) {
	x, err := p.atom(depth)
	if err != nil || p.tok != "**" {
		return x, err
	}
	p.next()
	k, err := p.exponent(depth)
	if err != nil {
		return x, err
	}
	return powSize(x, k)
}

func (p *symParser) exponent(depth int) (int64, error) {
	e, err := p.atom(depth)
	if err != nil {
		return 0, err
	}
	k, ok := e.Static()
	if !ok || k < 1 || k > maxPow {
		return 0, notProduct{fmt.Sprintf("a power to the exponent %s is not a product", e)}
	}
	return k, nil
}

func mulSizes(x, y ir.Size) (ir.Size, error) {
	if x.C != 0 && (abs(y.C) > maxSizeCoeff/abs(x.C)) {
		return ir.Size{}, fmt.Errorf("integer too large")
	}
	return x.Mul(y), nil
}

func powSize(x ir.Size, k int64) (ir.Size, error) {
	out := ir.Int(1)
	for range k {
		var err error
		if out, err = mulSizes(out, x); err != nil {
			return out, err
		}
	}
	return out, nil
}

func abs(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

func (p *symParser) atom(depth int) (ir.Size, error) {
	if depth > 32 {
		return ir.Size{}, fmt.Errorf("nested deeper than 32")
	}
	tok := p.tok
	switch {
	case tok == "":
		return ir.Size{}, fmt.Errorf("unexpected end")
	case tok == "-":
		p.next()
		x, err := p.atom(depth + 1)
		return x.Scale(-1), err
	case tok == "(":
		p.next()
		x, err := p.product(depth + 1)
		if err != nil {
			return x, err
		}
		return x, p.expect(")")
	case tok[0] >= '0' && tok[0] <= '9':
		v, err := strconv.ParseInt(tok, 10, 64)
		if err != nil || v > maxSizeCoeff {
			return ir.Size{}, fmt.Errorf("integer %s too large", tok)
		}
		p.next()
		return ir.Int(v), nil
	case tok[0] == '_' || tok[0]|0x20 >= 'a' && tok[0]|0x20 <= 'z':
		p.next()
		if p.tok != "(" {
			return p.symbol(tok)
		}
		p.next()
		return p.call(tok, depth+1)
	}
	return ir.Size{}, p.unsupported()
}

// symbol is the size that is the symbol name.
func (p *symParser) symbol(name string) (ir.Size, error) {
	if _, ok := p.syms[name]; !ok {
		return ir.Size{}, fmt.Errorf("symbol %s has no range_constraints entry", name)
	}
	if p.names == nil {
		p.names = map[string]bool{}
	}
	p.names[name] = true
	return ir.Sym(name), nil
}

// call reads the arguments of a sympy constructor after its "(".
func (p *symParser) call(fn string, depth int) (ir.Size, error) {
	switch fn {
	case "Symbol":
		q := p.tok
		if len(q) < 2 || q[0] != '\'' && q[0] != '"' || q[len(q)-1] != q[0] {
			return ir.Size{}, fmt.Errorf("Symbol needs a quoted name")
		}
		p.next()
		// The assumptions (positive=True, integer=True) say nothing a
		// size needs: sizes are positive integers.
		for p.tok == "," {
			p.next()
			for p.tok != "," && p.tok != ")" && p.tok != "" {
				p.next()
			}
		}
		if err := p.expect(")"); err != nil {
			return ir.Size{}, err
		}
		name := q[1 : len(q)-1]
		if !ir.IsIdentifier(name) {
			return ir.Size{}, fmt.Errorf("symbol name %q is not an identifier", name)
		}
		return p.symbol(name)
	case "Integer":
		x, err := p.atom(depth)
		if err != nil {
			return x, err
		}
		if !x.IsStatic() {
			return ir.Size{}, fmt.Errorf("Integer of %s", x)
		}
		return x, p.expect(")")
	case "Mul", "Pow", "Min", "Max":
	default:
		return ir.Size{}, notProduct{fmt.Sprintf("%s is not a product", fn)}
	}
	var args []ir.Size
	err := p.arguments(func() error {
		if fn == "Pow" && len(args) == 1 {
			k, err := p.exponent(depth)
			args = append(args, ir.Int(k))
			return err
		}
		x, err := p.product(depth)
		args = append(args, x)
		return err
	})
	if err != nil {
		return ir.Size{}, err
	}
	switch fn {
	case "Mul":
		out := ir.Int(1)
		for _, a := range args {
			var err error
			if out, err = mulSizes(out, a); err != nil {
				return out, err
			}
		}
		return out, nil
	case "Pow":
		if len(args) != 2 {
			return ir.Size{}, fmt.Errorf("Pow of %d arguments", len(args))
		}
		return powSize(args[0], args[1].C)
	}
	return p.extremum(fn, args)
}

// arguments reads a constructor's arguments after its "(": one item at a
// time, separated by commas, then the ")".
func (p *symParser) arguments(item func() error) error {
	for {
		if err := item(); err != nil {
			return err
		}
		if p.tok != "," {
			return p.expect(")")
		}
		p.next()
	}
}

// extremum decides Min or Max: the argument at most (at least) every
// other one, where divisibility or the symbols' ranges prove it.
func (p *symParser) extremum(fn string, args []ir.Size) (ir.Size, error) {
	for i, a := range args {
		ok := true
		for j, b := range args {
			if i == j {
				continue
			}
			if fn == "Min" && !p.atMost(a, b) || fn == "Max" && !p.atMost(b, a) {
				ok = false
				break
			}
		}
		if ok {
			return a, nil
		}
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	return ir.Size{}, notProduct{fmt.Sprintf("%s(%s) is decided neither by divisibility nor by the symbols' ranges", fn, strings.Join(parts, ", "))}
}

// atMost reports a <= b for every value of the symbols (each at least 1).
func (p *symParser) atMost(a, b ir.Size) bool {
	if a == b {
		return true
	}
	if a.C > 0 {
		if q, ok := b.Quo(a); ok && q.C >= 1 {
			return true // b = a*q with q >= 1
		}
	}
	ra, rb := p.syms.Range(a), p.syms.Range(b)
	return ra.Hi <= rb.Lo
}

// A size that is no product (Add, FloorDiv: s27 + 1, s27 // 2) becomes a
// derived symbol: parseIndex reads the expression, over integers and the
// archive's symbols, into an index (sums, products by an integer times
// symbols, floor divisions by one), which ir.Symbols.Derive names.

// parseIndex reads a SymExpr's expression, srepr or str, into an index.
func parseIndex(expr string, syms ir.Symbols) (ir.Index, error) {
	if len(expr) > 4096 {
		return ir.Index{}, fmt.Errorf("expression of %d characters", len(expr))
	}
	p := &symParser{src: expr, syms: syms}
	p.next()
	x, err := p.sum(0)
	if err != nil {
		return x, err
	}
	if p.tok != "" {
		return x, fmt.Errorf("%q is not part of a sum of products", p.tok)
	}
	return x, nil
}

// sum is term (('+' | '-') term)*.
func (p *symParser) sum(depth int) (ir.Index, error) {
	x, err := p.term(depth)
	for err == nil && (p.tok == "+" || p.tok == "-") {
		neg := p.tok == "-"
		p.next()
		var y ir.Index
		if y, err = p.term(depth); neg {
			y = y.Scale(-1)
		}
		x = x.Add(y)
	}
	return x, err
}

// term is factor (('*' | '//') factor)*.
func (p *symParser) term(depth int) (ir.Index, error) {
	x, err := p.factor(depth)
	for err == nil && (p.tok == "*" || p.tok == "/") {
		div := p.tok == "/"
		p.next()
		if div {
			if err = p.expect("/"); err != nil {
				return x, fmt.Errorf("true division is no size")
			}
		}
		var y ir.Index
		if y, err = p.factor(depth); err == nil {
			x, err = combine(x, y, div)
		}
	}
	return x, err
}

// combine is x * y or x // y, where y (or, for a product, x) is an
// integer times symbols.
func combine(x, y ir.Index, div bool) (ir.Index, error) {
	ys, yok := y.AsSize()
	switch {
	case div && yok && ys.C > 0:
		return x.FloorDiv(ys), nil
	case div:
		return ir.Index{}, fmt.Errorf("a floor division by %s is no size", y.Expr())
	case yok:
		if largest(x) > maxSizeCoeff/max(abs(ys.C), 1) {
			return ir.Index{}, fmt.Errorf("integer too large")
		}
		return x.Times(ys), nil
	}
	if xs, ok := x.AsSize(); ok {
		return combine(y, ir.SizeIndex(xs), false)
	}
	return ir.Index{}, fmt.Errorf("a product of sums (%s and %s) is no size", x.Expr(), y.Expr())
}

// largest is the largest integer of an index, nested ones included.
func largest(x ir.Index) int64 {
	m := abs(x.Const)
	for _, t := range x.Terms {
		m = max(m, abs(t.Coeff.C))
		if t.Inner != nil {
			m = max(m, largest(*t.Inner))
		}
	}
	return m
}

// factor is '-' factor, '(' sum ')', an integer, a symbol, or a sympy
// constructor: Symbol, Integer, Add, Mul, FloorDiv, or a product the size
// parser reads (Pow, Min, Max).
func (p *symParser) factor(depth int) (ir.Index, error) {
	if depth > 32 {
		return ir.Index{}, fmt.Errorf("nested deeper than 32")
	}
	tok := p.tok
	switch {
	case tok == "-":
		p.next()
		x, err := p.factor(depth + 1)
		return x.Scale(-1), err
	case tok == "(":
		p.next()
		x, err := p.sum(depth + 1)
		if err != nil {
			return x, err
		}
		return x, p.expect(")")
	case tok != "" && (tok[0] == '_' || tok[0]|0x20 >= 'a' && tok[0]|0x20 <= 'z'):
		start := p.pos - len(tok)
		p.next()
		if p.tok != "(" {
			s, err := p.symbol(tok)
			return ir.SizeIndex(s), err
		}
		switch tok {
		case "Add", "Mul", "FloorDiv":
		default:
			// Symbol, Integer, Pow, Min, Max: one size, read by the
			// size parser from the constructor's name on.
			p.pos, p.tok = start, ""
			p.next()
			s, err := p.atom(depth + 1)
			return ir.SizeIndex(s), err
		}
		p.next()
		var args []ir.Index
		err := p.arguments(func() error {
			x, err := p.sum(depth + 1)
			args = append(args, x)
			return err
		})
		if err != nil {
			return ir.Index{}, err
		}
		if tok == "FloorDiv" {
			if len(args) != 2 {
				return ir.Index{}, fmt.Errorf("FloorDiv of %d arguments", len(args))
			}
			return combine(args[0], args[1], true)
		}
		out := args[0]
		for _, a := range args[1:] {
			var err error
			if tok == "Add" {
				out = out.Add(a)
			} else if out, err = combine(out, a, false); err != nil {
				return out, err
			}
		}
		return out, nil
	}
	s, err := p.atom(depth + 1)
	return ir.SizeIndex(s), err
}
