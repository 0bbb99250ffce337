package templates

import (
	"bytes"
	"strings"
)

// Helpers renders the helper functions that the kernels (or other helpers)
// call, found by name: template "helper/NAME" defines NAME. They come out in
// name order, so the module is the same whatever the kernels' order.
func (r *Renderer) Helpers(kernels []string) ([]string, error) {
	var names []string
	for _, t := range r.Defined("helper/") {
		names = append(names, strings.TrimPrefix(t, "helper/"))
	}
	m := newMentionSet(names)
	for _, k := range kernels {
		m.scan(k)
	}
	used := map[string]string{}
	for changed := true; changed; {
		changed = false
		for i, name := range names {
			if _, ok := used[name]; ok || !m.mentioned(i) {
				continue
			}
			src, err := r.Execute("helper/"+name, nil)
			if err != nil {
				return nil, err
			}
			used[name] = strings.TrimSpace(src)
			m.scan(src)
			changed = true
		}
	}
	var out []string
	for _, name := range names { // Defined is sorted
		if src, ok := used[name]; ok {
			out = append(out, src)
		}
	}
	return out, nil
}

// mentionSet records which of some names the texts scanned so far mention
// as whole identifiers (see mentions). A name made of identifier bytes is
// mentioned exactly where it is a maximal run of identifier bytes, so one
// pass over each text finds them all; other names are searched for with
// mentions in every text.
type mentionSet struct {
	names []string
	index map[string]int // identifier names -> position in names
	found []bool
	texts []string // kept for the names that are not identifiers
	other bool
	// A run is looked up only when its length and first byte are those of
	// some identifier name.
	minLen, maxLen int
	first          [256]bool
}

func newMentionSet(names []string) *mentionSet {
	m := &mentionSet{names: names, index: make(map[string]int, len(names)), found: make([]bool, len(names))}
	for i, name := range names {
		ident := name != ""
		for j := 0; j < len(name); j++ {
			ident = ident && isIdentByte(name[j])
		}
		if ident {
			m.index[name] = i
			if len(m.index) == 1 || len(name) < m.minLen {
				m.minLen = len(name)
			}
			m.maxLen = max(m.maxLen, len(name))
			m.first[name[0]] = true
		} else {
			m.other = true
		}
	}
	return m
}

func (m *mentionSet) scan(text string) {
	if m.other {
		m.texts = append(m.texts, text)
	}
	for i := 0; i < len(text); {
		if !isIdentByte(text[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && isIdentByte(text[j]) {
			j++
		}
		if n := j - i; n >= m.minLen && n <= m.maxLen && m.first[text[i]] {
			if k, ok := m.index[text[i:j]]; ok {
				m.found[k] = true
			}
		}
		i = j
	}
}

func (m *mentionSet) mentioned(i int) bool {
	if m.found[i] {
		return true
	}
	if _, ident := m.index[m.names[i]]; ident {
		return false
	}
	for _, t := range m.texts {
		if mentions(t, m.names[i]) {
			return true
		}
	}
	return false
}

// mentions reports whether name occurs in text as a whole identifier (a
// call, or a combine function passed to tl.reduce).
func mentions(text, name string) bool {
	if name == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !isIdentByte(text[start-1])) && (end == len(text) || !isIdentByte(text[end])) {
			return true
		}
		i = end
	}
}

func isIdentByte(c byte) bool { return identBytes[c] }

var identBytes = func() (t [256]bool) {
	for c := range t {
		t[c] = c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	return t
}()

// Tidy strips trailing spaces, collapses runs of more than two blank lines and
// ends the file with exactly one newline.
func Tidy(s []byte) []byte {
	b := make([]byte, 0, len(s)+1) // lines shrink, and there is one newline more at most
	blank := 0
	for {
		l, rest, more := bytes.Cut(s, []byte("\n"))
		for len(l) > 0 && (l[len(l)-1] == ' ' || l[len(l)-1] == '\t' || l[len(l)-1] == '\r') {
			l = l[:len(l)-1]
		}
		if len(l) == 0 {
			blank++
		} else {
			blank = 0
		}
		if blank <= 2 {
			b = append(append(b, l...), '\n')
		}
		if !more {
			break
		}
		s = rest
	}
	for len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	return append(b, '\n')
}
