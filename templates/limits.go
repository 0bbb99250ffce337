package templates

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"text/template"
	"time"
)

// The bounds of one template execution: an overlay's template may loop
// or build a huge string, and generation must still end with one line.
const (
	MaxOutputBytes = 256 << 20
	// MaxBuiltBytes bounds a string a template function builds (repeat,
	// printf's padding) before anything is written.
	MaxBuiltBytes = 1 << 20
)

// ExecDeadline bounds one template execution (a variable for tests).
var ExecDeadline = 20 * time.Second

var errOutputCap = fmt.Errorf("output of more than %d MiB (a template loops?)", MaxOutputBytes>>20)

// cappedWriter is a buffer that refuses to grow past MaxOutputBytes.
type cappedWriter struct{ buf *bytes.Buffer }

func (w cappedWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > MaxOutputBytes {
		return 0, errOutputCap
	}
	return w.buf.Write(p)
}

// executeBounded runs t's template name into out within ExecDeadline (the
// renderers of a set with an overlay use it: a goroutine an execution costs
// more than the embedded templates, which are known to end, need). On
// the deadline the execution is abandoned (its goroutine ends with the
// process), and the caller must not reuse t.
func executeBounded(t *template.Template, out *bytes.Buffer, name string, data any) (abandoned bool, err error) {
	done := make(chan error, 1)
	go func() { done <- t.ExecuteTemplate(cappedWriter{out}, name, data) }()
	timer := time.NewTimer(ExecDeadline)
	defer timer.Stop()
	select {
	case err := <-done:
		return false, err
	case <-timer.C:
		return true, fmt.Errorf("template %s: still running after %v (a template loops or builds a huge value)", name, ExecDeadline)
	}
}

// Formatting guards: printf, print, println and toString format basic
// values only. A pointer (or a struct holding one) would print an address,
// which differs from run to run; %p is refused outright; widths and
// precisions are bounded.
func guardedFormatting(m template.FuncMap) {
	m["printf"] = func(format string, args ...any) (string, error) {
		if err := checkFormat(format); err != nil {
			return "", err
		}
		if err := checkValues(args); err != nil {
			return "", err
		}
		return fmt.Sprintf(format, args...), nil
	}
	m["print"] = func(args ...any) (string, error) {
		if err := checkValues(args); err != nil {
			return "", err
		}
		return fmt.Sprint(args...), nil
	}
	m["println"] = func(args ...any) (string, error) {
		if err := checkValues(args); err != nil {
			return "", err
		}
		return fmt.Sprintln(args...), nil
	}
	m["toString"] = func(v any) (string, error) {
		if err := checkValues([]any{v}); err != nil {
			return "", err
		}
		return fmt.Sprint(v), nil
	}
	m["repeat"] = func(count int, s string) (string, error) {
		if count < 0 || count > 0 && len(s) > MaxBuiltBytes/count {
			return "", fmt.Errorf("repeat: %d times %d bytes is more than %d", count, len(s), MaxBuiltBytes)
		}
		return strings.Repeat(s, count), nil
	}
}

// checkFormat refuses %p and widths or precisions that would build a huge
// string.
func checkFormat(format string) error {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		n := 0
		for i++; i < len(format); i++ {
			c := format[i]
			switch {
			case c >= '0' && c <= '9':
				n = n*10 + int(c-'0')
				if n > MaxBuiltBytes {
					return fmt.Errorf("printf %q: a width or precision over %d", format, MaxBuiltBytes)
				}
				continue
			case c == '.':
				n = 0
				continue
			case strings.IndexByte("+-# *", c) >= 0:
				if c == '*' {
					return fmt.Errorf("printf %q: a width or precision from an argument (*) is not allowed", format)
				}
				continue
			case c == 'p':
				return fmt.Errorf("printf %q: %%p prints an address, which differs from run to run", format)
			}
			break
		}
	}
	return nil
}

// checkValues refuses values whose formatting would show an address.
func checkValues(args []any) error {
	for _, a := range args {
		if a == nil {
			continue
		}
		if hasPointer(reflect.TypeOf(a), 0) {
			return fmt.Errorf("formatting a %T would print an address, which differs from run to run: format its fields", a)
		}
	}
	return nil
}

func hasPointer(t reflect.Type, depth int) bool {
	if depth > 8 {
		return false
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.UnsafePointer, reflect.Func, reflect.Chan, reflect.Interface:
		return true
	case reflect.Slice, reflect.Array:
		return hasPointer(t.Elem(), depth+1)
	case reflect.Map:
		return hasPointer(t.Key(), depth+1) || hasPointer(t.Elem(), depth+1)
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointer(t.Field(i).Type, depth+1) {
				return true
			}
		}
	}
	return false
}
