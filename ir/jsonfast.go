package ir

import (
	"encoding/json"
	"unicode/utf8"
)

// decodeJSONFast parses a graph file's JSON into what encoding/json's
// Decoder with UseNumber decodes into an any: map[string]any, []any (never
// nil), json.Number, string, bool and nil. It reads the whole of data: one
// value, then only whitespace. It handles the common case in one pass and
// reports ok false for anything else (a syntax error, trailing data, a
// string with an escape or invalid UTF-8, deep nesting), where the caller
// decodes with encoding/json, which then gives the same value or the error.
func decodeJSONFast(data []byte) (v any, ok bool) {
	p := jsonParser{data: data}
	p.skipSpace()
	v, ok = p.value(0)
	if !ok {
		return nil, false
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return nil, false
	}
	return v, true
}

type jsonParser struct {
	data []byte
	pos  int
}

// maxFastJSONDepth bounds nesting on the fast path (encoding/json allows
// 10000).
const maxFastJSONDepth = 512

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, bool) {
	if p.pos >= len(p.data) || depth > maxFastJSONDepth {
		return nil, false
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.string()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, false
}

func (p *jsonParser) literal(word string) bool {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return false
	}
	p.pos += len(word)
	return true
}

func (p *jsonParser) object(depth int) (any, bool) {
	p.pos++ // {
	m := make(map[string]any)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return m, true
	}
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, false
		}
		k, ok := p.string()
		if !ok {
			return nil, false
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, false
		}
		p.pos++
		p.skipSpace()
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		m[k.(string)] = v
		if done, ok := p.separator('}'); !ok {
			return nil, false
		} else if done {
			return m, true
		}
	}
}

// separator reads what follows a member of an object or array: a comma
// (more members follow) or the closing byte (done); anything else is not ok.
func (p *jsonParser) separator(closing byte) (done, ok bool) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return false, false
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		p.skipSpace()
		return false, true
	case closing:
		p.pos++
		return true, true
	}
	return false, false
}

func (p *jsonParser) array(depth int) (any, bool) {
	p.pos++ // [
	a := make([]any, 0)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return a, true
	}
	for {
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		if done, ok := p.separator(']'); !ok {
			return nil, false
		} else if done {
			return a, true
		}
	}
}

// string reads a string with no escapes, no control characters and valid
// UTF-8, which encoding/json keeps byte for byte.
func (p *jsonParser) string() (any, bool) {
	start := p.pos + 1
	ascii := true
	for i := start; i < len(p.data); i++ {
		switch c := p.data[i]; {
		case c == '"':
			b := p.data[start:i]
			if !ascii && !utf8.Valid(b) {
				return nil, false
			}
			p.pos = i + 1
			return internJSON(b), true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (p *jsonParser) number() (any, bool) {
	d, i := p.data, p.pos
	if d[i] == '-' {
		i++
	}
	digits := func() bool {
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > start
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		return nil, false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return nil, false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return nil, false
		}
	}
	// What follows a number must end it, as the scanner requires.
	if i < len(d) {
		switch d[i] {
		case ' ', '\t', '\n', '\r', ',', ']', '}':
		default:
			return nil, false
		}
	}
	n := json.Number(d[p.pos:i])
	p.pos = i
	return n, true
}

// internJSON returns the string of b, without allocating for the keys and
// values graph files repeat.
func internJSON(b []byte) string {
	switch string(b) {
	case "name":
		return "name"
	case "op":
		return "op"
	case "args":
		return "args"
	case "dtype":
		return "dtype"
	case "shape":
		return "shape"
	case "strides":
		return "strides"
	case "dim":
		return "dim"
	case "keepdim":
		return "keepdim"
	case "inputs":
		return "inputs"
	case "outputs":
		return "outputs"
	case "nodes":
		return "nodes"
	case "version":
		return "version"
	case "device":
		return "device"
	case "kind":
		return "kind"
	case "ranges":
		return "ranges"
	case "body":
		return "body"
	case "buffer":
		return "buffer"
	case "index":
		return "index"
	case "float32":
		return "float32"
	case "bfloat16":
		return "bfloat16"
	case "float16":
		return "float16"
	case "int64":
		return "int64"
	case "int32":
		return "int32"
	case "bool":
		return "bool"
	case "cuda":
		return "cuda"
	}
	return string(b)
}
