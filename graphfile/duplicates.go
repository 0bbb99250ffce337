package graphfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/fusegen/fusegen/ir"
)

// checkDuplicateKeys refuses an object that gives one field twice
// ({"dim": 0, "dim": 1}), which decoding would settle silently by keeping
// the last. data is known to be valid JSON.
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object    bool
		base      string          // the container's path
		keys      map[string]bool // object: the keys seen
		key       string          // object: the key whose value comes next
		expectKey bool            // object: the next token is a key (or })
		index     int             // array: the next element's index
	}
	var stack []*frame
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return stack[len(stack)-1]
	}
	done := func() { // a value of the top container is complete
		if f := top(); f != nil {
			if f.object {
				f.expectKey = true
			} else {
				f.index++
			}
		}
	}
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end; a syntax error was reported by the decoder
		}
		f := top()
		if f != nil && f.object && f.expectKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				done()
				continue
			}
			key, _ := tok.(string)
			if f.keys[key] {
				for off < int64(len(data)) && bytes.IndexByte([]byte(" \t\r\n,"), data[off]) >= 0 {
					off++ // to the key's opening quote
				}
				at := lineCol(data, off)
				return &ir.Error{Msg: fmt.Sprintf("%s: %s: field %q given twice", at, join(f.base, key), key)}
			}
			f.keys[key], f.key, f.expectKey = true, key, false
			continue
		}
		if d, ok := tok.(json.Delim); ok && d == ']' {
			stack = stack[:len(stack)-1]
			done()
			continue
		}
		path := ""
		if f != nil {
			if f.object {
				path = join(f.base, f.key)
			} else {
				path = f.base + "[" + strconv.Itoa(f.index) + "]"
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, base: path, keys: map[string]bool{}, expectKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{base: path})
		default:
			done()
		}
	}
}
