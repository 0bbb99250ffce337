package ir

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseIndex reads an index expression in Python syntax: integers, variable
// names, +, -, * (one side constant), // and % (by a positive constant), and
// parentheses.
func ParseIndex(s string) (Index, error) { return ParseIndexWith(s, nil) }

// ParseIndexWith is ParseIndex where the names of syms are symbols: a
// product may have a size (an integer times symbols) on one side, and //
// and % may divide by a positive size.
func ParseIndexWith(s string, syms Symbols) (Index, error) {
	if len(s) > maxIndexLength {
		return Index{}, fmt.Errorf("index %.32q...: longer than %d characters", s, maxIndexLength)
	}
	p := &indexParser{src: s, syms: syms}
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
	syms   Symbols
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
			ys, yok := y.AsSize()
			xs, xok := x.AsSize()
			switch {
			case yok:
				if x.scaleOverflows(ys.C) {
					return x, p.errf("constant too large")
				}
				x = x.Times(ys)
			case xok:
				if y.scaleOverflows(xs.C) {
					return x, p.errf("constant too large")
				}
				x = y.Times(xs)
			default:
				return x, p.errf("product of two variable terms is not affine")
			}
		default:
			d, ok := y.AsSize()
			if !ok || d.C <= 0 {
				if p.syms != nil {
					return x, p.errf("%s needs a positive size (an integer times symbols) on its right", op)
				}
				return x, p.errf("%s needs a positive integer constant on its right", op)
			}
			if op == "//" {
				x = x.FloorDiv(d)
			} else {
				x = x.Mod(d)
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
		if abs64(t.Coeff.C) > lim {
			return true
		}
	}
	return false
}

func (x Index) magnitude() int64 {
	m := abs64(x.Const)
	for _, t := range x.Terms {
		if a := abs64(t.Coeff.C); a > m {
			m = a
		}
		if t.Inner != nil {
			if a := t.Inner.magnitude(); a > m {
				m = a
			}
			m = max(m, t.Div.C, t.Mod.C)
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
		if _, ok := p.syms[tok]; ok {
			return SizeIndex(Sym(tok)), nil
		}
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
