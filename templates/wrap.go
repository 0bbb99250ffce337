package templates

import (
	"slices"
	"strings"
)

// LineLength is the longest line a module has: black's default, so that
// black leaves the generated modules as they are.
const LineLength = 88

// WrapLines splits each line longer than LineLength as black does, for the
// shapes of line the templates write: a statement is split at its last
// bracket pair (the "right hand"; for a return, an assignment, a del or an
// if whose value has operators of its own, at parentheses black adds
// around that value), the bracket's contents going on a line of their own
// when they fit, else at their strongest delimiter (commas, one item a
// line with a trailing comma; else boolean, comparison, bitwise, + and *
// operators, each line after the first starting with the operator), every
// resulting line again while it is too long. Lines inside a string that
// spans lines are left alone.
func WrapLines(src []byte) []byte {
	lines := strings.Split(string(src), "\n")
	out := make([]string, 0, len(lines))
	inDoc := false
	for _, line := range lines {
		d, doc := scanLine(line, inDoc)
		// A whole line (its brackets closed on it): a statement, or an item
		// of a list exploded over lines.
		whole := !inDoc && !doc && d == 0
		trimmed := strings.TrimSpace(line)
		switch {
		case !whole || len(line) <= LineLength || hasComment(line) || strings.HasSuffix(trimmed, "\\"):
			// A comment (or a continued line) is left as written: its text
			// could hold what reads as delimiters.
			out = append(out, line)
		case strings.HasSuffix(trimmed, ",") || strings.HasPrefix(trimmed, ")") || strings.HasPrefix(trimmed, "]"):
			out = append(out, split(line, true)...) // an item of an exploded list
		default:
			out = append(out, split(line, false)...)
		}
		inDoc = doc
	}
	return []byte(strings.Join(out, "\n"))
}

// hasComment reports a # outside strings.
func hasComment(line string) bool {
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '#':
			return true
		case '"', '\'':
			i = skipString(line, i)
		}
	}
	return false
}

// scanLine returns the change of bracket depth over a line (strings and
// comments left out) and whether a triple-quoted string is open after it.
func scanLine(line string, inDoc bool) (int, bool) {
	d := 0
	for i := 0; i < len(line); i++ {
		if inDoc {
			if strings.HasPrefix(line[i:], `"""`) {
				inDoc = false
				i += 2
			}
			continue
		}
		switch c := line[i]; c {
		case '#':
			return d, false
		case '"', '\'':
			if strings.HasPrefix(line[i:], `"""`) {
				inDoc = true
				i += 2
				continue
			}
			i = skipString(line, i)
		case '(', '[', '{':
			d++
		case ')', ']', '}':
			d--
		}
	}
	return d, inDoc
}

// skipString returns the index of the closing quote of the string at i.
func skipString(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j
		}
	}
	return len(s) - 1
}

func indentOf(line string) string { return line[:len(line)-len(strings.TrimLeft(line, " "))] }

// split splits one line; inside says it is a line within brackets (black
// tries its delimiters before its brackets).
func split(line string, inside bool) []string {
	if len(line) <= LineLength {
		return []string{line}
	}
	indent := indentOf(line)
	if inside {
		text := strings.TrimSpace(line)
		comma := strings.HasSuffix(text, ",")
		text = strings.TrimSuffix(text, ",")
		if items, op := delimiterSplit(text); len(items) > 1 {
			var out []string
			for k, it := range items {
				if op == "," || k == len(items)-1 && comma {
					it += ","
				}
				out = append(out, split(indent+it, true)...)
			}
			return out
		}
	}
	head, body, tail, ok := rightHand(line, inside)
	if !ok {
		return []string{line}
	}
	inner := indent + "    "
	out := []string{head}
	// Black explodes the contents of a tuple or list (an atom, not a call's
	// or a subscript's brackets) at its commas even when they would fit.
	items, op := delimiterSplit(strings.TrimSuffix(body, ","))
	switch {
	case op == "," && isAtom(head):
		for _, it := range items {
			out = append(out, split(inner+it+",", true)...)
		}
	case len(inner)+len(body) <= LineLength && !strings.HasSuffix(body, ","):
		out = append(out, inner+body)
	default:
		out = append(out, split(inner+body, true)...)
	}
	return append(out, indent+tail)
}

// rightHand finds where black splits a line first: the last bracket pair
// (trailers after it, such as .to(...), stay on the closing line when
// the line before the bracket would not fit), or, for the value of a
// return, assignment, del or if with delimiters of its own, parentheses
// around that value. It returns the head line (ending with the opening
// bracket), the body and the tail line (starting with the closing one).
func rightHand(line string, inside bool) (head, body, tail string, ok bool) {
	indent := indentOf(line)
	text := strings.TrimSpace(line)
	if !inside {
		if i := topLevelAssign(text); i > 0 {
			// Targets too long for the line (a, b, c = _args): black wraps
			// them, and the value stays on the closing line.
			targets, value := text[:i], text[i+3:]
			if _, op := delimiterSplit(targets); op == "," {
				if _, vop := delimiterSplit(value); vop == "" && !endsWithBracket(value) {
					return indent + "(", targets, ") = " + value, true
				}
			}
		}
		if prefix, value, suffix, found := statementValue(text); found {
			if _, op := delimiterSplit(value); op != "" || !endsWithBracket(value) {
				return indent + prefix + "(", value, ")" + suffix, true
			}
		}
	}
	pairs := trailerPairs(line)
	for _, p := range pairs { // rightmost first
		h, t := line[:p[0]+1], line[p[1]:]
		if len(h) <= LineLength && len(indent)+len(t) <= LineLength {
			return h, strings.TrimSpace(line[p[0]+1 : p[1]]), strings.TrimLeft(t, " "), p[1]-p[0] > 1
		}
	}
	if len(pairs) > 0 && pairs[0][1]-pairs[0][0] > 1 {
		p := pairs[0]
		return line[:p[0]+1], strings.TrimSpace(line[p[0]+1 : p[1]]), line[p[1]:], true
	}
	return "", "", "", false
}

// isAtom reports a head line whose opening bracket starts a parenthesized
// expression, tuple or list: not a call's or subscript's, which follow a
// name or a closing bracket.
func isAtom(head string) bool {
	h := strings.TrimRight(head[:len(head)-1], " ")
	if h == "" {
		return true
	}
	c := h[len(h)-1]
	return !(c == '_' || c == ')' || c == ']' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
}

func endsWithBracket(s string) bool {
	return s != "" && strings.ContainsRune(")]}", rune(s[len(s)-1]))
}

// statementValue splits "return X", "del X", "NAME = X" and "if X:"
// (elif, while) into the text before X, X and the text after it.
func statementValue(text string) (prefix, value, suffix string, ok bool) {
	for _, kw := range []string{"return ", "del "} {
		if v, found := strings.CutPrefix(text, kw); found {
			return kw, v, "", true
		}
	}
	for _, kw := range []string{"if ", "elif ", "while "} {
		if v, found := strings.CutPrefix(text, kw); found && strings.HasSuffix(v, ":") {
			return kw, strings.TrimSuffix(v, ":"), ":", true
		}
	}
	if i := topLevelAssign(text); i > 0 {
		return text[:i+3], text[i+3:], "", true
	}
	return "", "", "", false
}

// topLevelAssign finds " = " outside brackets and strings.
func topLevelAssign(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', '\'':
			i = skipString(s, i)
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case '=':
			if depth == 0 && i > 0 && s[i-1] == ' ' && i+1 < len(s) && s[i+1] == ' ' {
				return i - 1
			}
		}
	}
	return -1
}

// trailerPairs lists the top-level bracket pairs of a line from the right
// that end it: the last one, then each one before it that only trailers
// (an attribute and a call, a subscript) follow.
func trailerPairs(line string) [][2]int {
	end := len(line)
	for end > 0 && (line[end-1] == ':' || line[end-1] == ',' || line[end-1] == ' ') {
		end--
	}
	var out [][2]int
	i := end - 1
	for i >= 0 && strings.ContainsRune(")]}", rune(line[i])) {
		open := matchBackward(line, i)
		if open < 0 {
			break
		}
		out = append(out, [2]int{open, i})
		// Step over an attribute name before the bracket (".to"), to the
		// bracket of the trailer before it.
		j := open - 1
		for j >= 0 && (isIdentByte(line[j]) || line[j] == '.') {
			j--
		}
		// Go on only to a closing bracket right before (f(a)(b), x[i](y)) or
		// before an attribute (.to).
		if j < 0 || !strings.ContainsRune(")]}", rune(line[j])) {
			break
		}
		if between := line[j+1 : open]; between != "" && !strings.Contains(between, ".") {
			break
		}
		i = j
	}
	return out
}

// matchBackward finds the opening bracket of the closing one at i.
func matchBackward(line string, i int) int {
	quoted := stringMask(line)
	depth := 0
	for k := i; k >= 0; k-- {
		if quoted[k] {
			continue
		}
		switch line[k] {
		case ')', ']', '}':
			depth++
		case '(', '[', '{':
			depth--
			if depth == 0 {
				return k
			}
		}
	}
	return -1
}

// delimiter priorities, black's order: commas, then the ternary, boolean,
// comparison, bitwise, additive and multiplicative operators.
var delimiters = [][]string{
	{","},
	{" if ", " else "},
	{" or "},
	{" and "},
	{" == ", " != ", " < ", " > ", " <= ", " >= ", " in ", " not in ", " is ", " is not "},
	{" | "},
	{" ^ "},
	{" & "},
	{" + ", " - "},
	{" * ", " / ", " // ", " % "},
}

// delimiterSplit splits text at its strongest top-level delimiter: the
// pieces (for an operator, every piece after the first starts with its
// operator, "+ str(x)"), and the delimiter: "," for commas, the operator
// for the others, "" when it has none.
func delimiterSplit(text string) ([]string, string) {
	quoted := stringMask(text)
	top := make([]bool, len(text)) // outside brackets and strings
	depth := 0
	for i := 0; i < len(text); i++ {
		if quoted[i] {
			continue
		}
		switch text[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		default:
			top[i] = depth == 0
		}
	}
	for _, group := range delimiters {
		if !slices.ContainsFunc(group, func(d string) bool { return strings.Contains(text, d) }) {
			continue // none of the group's delimiters anywhere in the text
		}
		var cuts [][2]int // start and length of each delimiter
		for i := 0; i < len(text); i++ {
			if !top[i] {
				continue
			}
			for _, d := range group {
				if strings.HasPrefix(text[i:], d) && allTop(top, i, len(d)) {
					cuts = append(cuts, [2]int{i, len(d)})
					i += len(d) - 1
					break
				}
			}
		}
		if len(cuts) == 0 {
			continue
		}
		var pieces []string
		if group[0] == "," {
			prev := 0
			for _, c := range cuts {
				pieces = append(pieces, strings.TrimSpace(text[prev:c[0]]))
				prev = c[0] + c[1]
			}
			if last := strings.TrimSpace(text[prev:]); last != "" {
				pieces = append(pieces, last)
			}
			return pieces, ","
		}
		prev := 0
		for _, c := range cuts {
			pieces = append(pieces, strings.TrimSpace(text[prev:c[0]]))
			prev = c[0] + 1 // the next piece starts with the operator
		}
		pieces = append(pieces, strings.TrimSpace(text[prev:]))
		return pieces, strings.TrimSpace(text[cuts[0][0] : cuts[0][0]+cuts[0][1]])
	}
	return []string{text}, ""
}

func allTop(top []bool, i, n int) bool {
	for k := i; k < i+n && k < len(top); k++ {
		if !top[k] {
			return false
		}
	}
	return true
}

// stringMask marks the bytes of s that belong to a string literal.
func stringMask(s string) []bool {
	m := make([]bool, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\'' {
			j := skipString(s, i)
			for k := i; k <= j; k++ {
				m[k] = true
			}
			i = j
		}
	}
	return m
}
