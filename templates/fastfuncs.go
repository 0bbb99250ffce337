package templates

// The functions of the compiled evaluator (fastexec.go): text/template's
// builtins, mirrored from the Go standard library's text/template/funcs.go
// (BSD licence), and direct calls for the common signatures of the function
// map, so that neither goes through reflect.Value.Call. Each takes its
// arguments already converted to the parameter types (a reflect.Value
// parameter holds the value itself) and bails where text/template returns an
// error.

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

type fxBuiltin struct {
	sig    any // a function of the builtin's signature: arity and parameter types
	native func(s *fxState, argv []reflect.Value) reflect.Value
}

// fxBuiltins are the builtins the evaluator implements; call, html, js,
// slice and urlquery are left to text/template.
var fxBuiltins = map[string]fxBuiltin{
	"and": {sig: func(reflect.Value, ...reflect.Value) reflect.Value { return reflect.Value{} }},
	"or":  {sig: func(reflect.Value, ...reflect.Value) reflect.Value { return reflect.Value{} }},
	"not": {sig: func(reflect.Value) bool { return false }, native: func(_ *fxState, a []reflect.Value) reflect.Value {
		return boolValue(!truth(a[0]))
	}},
	"len": {sig: func(reflect.Value) (int, error) { return 0, nil }, native: func(_ *fxState, a []reflect.Value) reflect.Value {
		item, isNil := indirect(a[0])
		if isNil {
			bail("len of nil pointer")
		}
		switch item.Kind() {
		case reflect.Array, reflect.Chan, reflect.Map, reflect.Slice, reflect.String:
			return reflect.ValueOf(item.Len())
		}
		bail("len of a type without length")
		return reflect.Value{}
	}},
	"index": {sig: func(reflect.Value, ...reflect.Value) (reflect.Value, error) { return reflect.Value{}, nil }, native: fxIndex},
	"print": {sig: fmt.Sprint, native: func(_ *fxState, a []reflect.Value) reflect.Value {
		return reflect.ValueOf(fmt.Sprint(interfaces(a)...))
	}},
	"printf": {sig: fmt.Sprintf, native: fxPrintf},
	"println": {sig: fmt.Sprintln, native: func(_ *fxState, a []reflect.Value) reflect.Value {
		return reflect.ValueOf(fmt.Sprintln(interfaces(a)...))
	}},
	"eq": {sig: func(reflect.Value, ...reflect.Value) (bool, error) { return false, nil }, native: func(_ *fxState, a []reflect.Value) reflect.Value {
		return boolValue(fxEq(a[0], a[1:]...))
	}},
	"ne": {sig: func(reflect.Value, reflect.Value) (bool, error) { return false, nil }, native: func(_ *fxState, a []reflect.Value) reflect.Value {
		return boolValue(!fxEq(a[0], a[1]))
	}},
	"lt": {sig: func(reflect.Value, reflect.Value) (bool, error) { return false, nil }, native: func(_ *fxState, a []reflect.Value) reflect.Value {
		return boolValue(fxLt(a[0], a[1]))
	}},
	"le": {sig: func(reflect.Value, reflect.Value) (bool, error) { return false, nil }, native: func(_ *fxState, a []reflect.Value) reflect.Value {
		return boolValue(fxLt(a[0], a[1]) || fxEq(a[0], a[1]))
	}},
	"gt": {sig: func(reflect.Value, reflect.Value) (bool, error) { return false, nil }, native: func(_ *fxState, a []reflect.Value) reflect.Value {
		return boolValue(!(fxLt(a[0], a[1]) || fxEq(a[0], a[1])))
	}},
	"ge": {sig: func(reflect.Value, reflect.Value) (bool, error) { return false, nil }, native: func(_ *fxState, a []reflect.Value) reflect.Value {
		return boolValue(!fxLt(a[0], a[1]))
	}},
}

// interfaces is what reflect.Value.Call passes for ...any parameters.
func interfaces(a []reflect.Value) []any {
	out := make([]any, len(a))
	for i, v := range a {
		out[i] = v.Interface()
	}
	return out
}

func fxIndex(_ *fxState, a []reflect.Value) reflect.Value {
	item := indirectInterface(a[0])
	if !item.IsValid() {
		bail("index of untyped nil")
	}
	for _, index := range a[1:] {
		index = indirectInterface(index)
		var isNil bool
		if item, isNil = indirect(item); isNil {
			bail("index of nil pointer")
		}
		switch item.Kind() {
		case reflect.Array, reflect.Slice, reflect.String:
			x := indexArg(index, item.Len())
			item = item.Index(x) // panics (and so bails) where x == len, as text/template fails
		case reflect.Map:
			index = prepareArg(index, item.Type().Key())
			if x := item.MapIndex(index); x.IsValid() {
				item = x
			} else {
				item = reflect.Zero(item.Type().Elem())
			}
		default:
			bail("can't index item")
		}
	}
	return item
}

func indexArg(index reflect.Value, cap int) int {
	var x int64
	switch index.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x = index.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		x = int64(index.Uint())
	default:
		bail("cannot index with that type")
	}
	if x < 0 || int(x) < 0 || int(x) > cap {
		bail("index out of range")
	}
	return int(x)
}

func prepareArg(value reflect.Value, argType reflect.Type) reflect.Value {
	if !value.IsValid() {
		if !canBeNil(argType) {
			bail("nil index")
		}
		value = reflect.Zero(argType)
	}
	if value.Type().AssignableTo(argType) {
		return value
	}
	if intLike(value.Kind()) && intLike(argType.Kind()) && value.Type().ConvertibleTo(argType) {
		return value.Convert(argType)
	}
	bail("index of the wrong type")
	return reflect.Value{}
}

func intLike(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

type basicKindT int

const (
	invalidKind basicKindT = iota
	boolKind
	complexKind
	intKind
	floatKind
	stringKind
	uintKind
)

func basicKind(v reflect.Value) basicKindT {
	switch v.Kind() {
	case reflect.Bool:
		return boolKind
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intKind
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintKind
	case reflect.Float32, reflect.Float64:
		return floatKind
	case reflect.Complex64, reflect.Complex128:
		return complexKind
	case reflect.String:
		return stringKind
	}
	return invalidKind
}

func isNilValue(v reflect.Value) bool {
	if !v.IsValid() {
		return true
	}
	switch v.Kind() {
	case reflect.Chan, reflect.Func, reflect.Interface, reflect.Map, reflect.Pointer, reflect.Slice:
		return v.IsNil()
	}
	return false
}

// fxEq is text/template's eq.
func fxEq(arg1 reflect.Value, arg2 ...reflect.Value) bool {
	arg1 = indirectInterface(arg1)
	if len(arg2) == 0 {
		bail("missing argument for comparison")
	}
	k1 := basicKind(arg1)
	for _, arg := range arg2 {
		arg = indirectInterface(arg)
		k2 := basicKind(arg)
		truth := false
		if k1 != k2 {
			switch {
			case k1 == intKind && k2 == uintKind:
				truth = arg1.Int() >= 0 && uint64(arg1.Int()) == arg.Uint()
			case k1 == uintKind && k2 == intKind:
				truth = arg.Int() >= 0 && arg1.Uint() == uint64(arg.Int())
			default:
				if arg1.IsValid() && arg.IsValid() {
					bail("incompatible types for comparison")
				}
			}
		} else {
			switch k1 {
			case boolKind:
				truth = arg1.Bool() == arg.Bool()
			case complexKind:
				truth = arg1.Complex() == arg.Complex()
			case floatKind:
				truth = arg1.Float() == arg.Float()
			case intKind:
				truth = arg1.Int() == arg.Int()
			case stringKind:
				truth = arg1.String() == arg.String()
			case uintKind:
				truth = arg1.Uint() == arg.Uint()
			default:
				if arg1.Kind() != arg.Kind() && arg1.IsValid() && arg.IsValid() {
					bail("non-comparable types")
				}
				if isNilValue(arg1) || isNilValue(arg) {
					truth = isNilValue(arg) == isNilValue(arg1)
				} else {
					if !arg.Type().Comparable() {
						bail("non-comparable type")
					}
					truth = arg1.Interface() == arg.Interface()
				}
			}
		}
		if truth {
			return true
		}
	}
	return false
}

// fxLt is text/template's lt.
func fxLt(arg1, arg2 reflect.Value) bool {
	arg1 = indirectInterface(arg1)
	k1 := basicKind(arg1)
	if k1 == invalidKind {
		bail("invalid type for comparison")
	}
	arg2 = indirectInterface(arg2)
	k2 := basicKind(arg2)
	if k2 == invalidKind {
		bail("invalid type for comparison")
	}
	if k1 != k2 {
		switch {
		case k1 == intKind && k2 == uintKind:
			return arg1.Int() < 0 || uint64(arg1.Int()) < arg2.Uint()
		case k1 == uintKind && k2 == intKind:
			return arg2.Int() >= 0 && arg1.Uint() < uint64(arg2.Int())
		}
		bail("incompatible types for comparison")
	}
	switch k1 {
	case floatKind:
		return arg1.Float() < arg2.Float()
	case intKind:
		return arg1.Int() < arg2.Int()
	case stringKind:
		return arg1.String() < arg2.String()
	case uintKind:
		return arg1.Uint() < arg2.Uint()
	}
	bail("invalid type for comparison")
	return false
}

// adapt returns a direct call of fn for the signatures common in the
// function map, nil for the others (called through reflect). The arguments
// already have the parameter types, so a string parameter's value is a
// string and an interface{} parameter's value converts with Interface, as
// reflect.Value.Call would convert them. A function's error result bails.
func adapt(fn any) func(s *fxState, a []reflect.Value) reflect.Value {
	switch f := fn.(type) {
	case func(string) string:
		return func(_ *fxState, a []reflect.Value) reflect.Value { return reflect.ValueOf(f(a[0].String())) }
	case func(string, string) string:
		return func(_ *fxState, a []reflect.Value) reflect.Value {
			return reflect.ValueOf(f(a[0].String(), a[1].String()))
		}
	case func(string, string) bool:
		return func(_ *fxState, a []reflect.Value) reflect.Value {
			return boolValue(f(a[0].String(), a[1].String()))
		}
	case func(int, string) string:
		return func(_ *fxState, a []reflect.Value) reflect.Value {
			return reflect.ValueOf(f(int(a[0].Int()), a[1].String()))
		}
	case func(string, any) string:
		return func(_ *fxState, a []reflect.Value) reflect.Value {
			return reflect.ValueOf(f(a[0].String(), a[1].Interface()))
		}
	case func(any) string:
		return func(_ *fxState, a []reflect.Value) reflect.Value { return reflect.ValueOf(f(a[0].Interface())) }
	case func(any) bool:
		return func(_ *fxState, a []reflect.Value) reflect.Value { return boolValue(f(a[0].Interface())) }
	case func(any, any) bool:
		return func(_ *fxState, a []reflect.Value) reflect.Value {
			return boolValue(f(a[0].Interface(), a[1].Interface()))
		}
	case func(string, any) bool:
		return func(_ *fxState, a []reflect.Value) reflect.Value {
			return boolValue(f(a[0].String(), a[1].Interface()))
		}
	case func(any) (string, error):
		return func(_ *fxState, a []reflect.Value) reflect.Value {
			r, err := f(a[0].Interface())
			if err != nil {
				bail("function error")
			}
			return reflect.ValueOf(r)
		}
	case func(string) (string, error):
		return func(_ *fxState, a []reflect.Value) reflect.Value {
			r, err := f(a[0].String())
			if err != nil {
				bail("function error")
			}
			return reflect.ValueOf(r)
		}
	case func(...any) string:
		return func(_ *fxState, a []reflect.Value) reflect.Value { return reflect.ValueOf(f(interfaces(a)...)) }
	// Functions returning an interface: reflect.Value.Call gives a value of
	// the interface type, which text/template only ever uses unwrapped
	// (evalPipeline unwraps it after the command; as an argument it is
	// converted, or unwrapped, as the concrete value would be), so the
	// concrete value stands for it.
	case func(...any) any:
		return func(_ *fxState, a []reflect.Value) reflect.Value { return reflect.ValueOf(f(interfaces(a)...)) }
	case func(any, ...any) any:
		return func(_ *fxState, a []reflect.Value) reflect.Value {
			return reflect.ValueOf(f(a[0].Interface(), interfaces(a[1:])...))
		}
	case func(...any) map[string]any:
		return func(_ *fxState, a []reflect.Value) reflect.Value { return reflect.ValueOf(f(interfaces(a)...)) }
	}
	return nil
}

// fxPrintf is fmt.Sprintf for the formats templates use to build names
// ("op/%s", "torch.%s"): literal text, %%, and the verbs %s, %d and %v
// without flags, of strings and integers whose types have no String, Error
// or Format method. Anything else goes to fmt.Sprintf.
func fxPrintf(_ *fxState, a []reflect.Value) reflect.Value {
	format, args := a[0].String(), a[1:]
	if out, ok := simpleSprintf(format, args); ok {
		return reflect.ValueOf(out)
	}
	return reflect.ValueOf(fmt.Sprintf(format, interfaces(args)...))
}

func simpleSprintf(format string, args []reflect.Value) (string, bool) {
	var buf [64]byte
	b := buf[:0]
	n := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+1 == len(format) {
			return "", false
		}
		i++
		verb := format[i]
		if verb == '%' {
			b = append(b, '%')
			continue
		}
		if n == len(args) {
			return "", false
		}
		v := args[n]
		n++
		if v.Kind() == reflect.Interface {
			v = v.Elem()
		}
		if !v.IsValid() || !fmtPlain(v.Type()) {
			return "", false
		}
		switch k := v.Kind(); {
		case k == reflect.String && (verb == 's' || verb == 'v'):
			b = append(b, v.String()...)
		case k >= reflect.Int && k <= reflect.Int64 && (verb == 'd' || verb == 'v'):
			b = strconv.AppendInt(b, v.Int(), 10)
		default:
			return "", false
		}
	}
	if n != len(args) {
		return "", false
	}
	return string(b), true
}

var fmtFormatterType = reflect.TypeFor[fmt.Formatter]()

// fxFmtPlain caches fmtPlain.
var fxFmtPlain sync.Map // reflect.Type -> bool

// fmtPlain reports whether fmt prints a value of type t (passed to it in an
// interface, so with t's own methods) without calling its methods.
func fmtPlain(t reflect.Type) bool {
	if c, ok := fxFmtPlain.Load(t); ok {
		return c.(bool)
	}
	plain := !t.Implements(errorType) && !t.Implements(fmtStringerType) && !t.Implements(fmtFormatterType)
	fxFmtPlain.Store(t, plain)
	return plain
}

var (
	int64sType  = reflect.TypeFor[[]int64]()
	intsType    = reflect.TypeFor[[]int]()
	stringsType = reflect.TypeFor[[]string]()
)

// nativeTuple is pyTuple (funcs.go) reading the list through reflect, so
// that it is not copied into an interface; other types go to pyTuple.
func nativeTuple(_ *fxState, a []reflect.Value) reflect.Value {
	v := a[0]
	if v.Kind() == reflect.Interface {
		v = v.Elem()
	}
	if !v.IsValid() || v.Type() != int64sType && v.Type() != intsType && v.Type() != stringsType {
		r, err := pyTuple(a[0].Interface())
		if err != nil {
			bail("tuple of the wrong type")
		}
		return reflect.ValueOf(r)
	}
	n := v.Len()
	var buf [64]byte
	b := append(buf[:0], '(')
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		if e := v.Index(i); e.Kind() == reflect.String {
			b = append(b, e.String()...)
		} else {
			b = strconv.AppendInt(b, e.Int(), 10)
		}
	}
	if n == 1 {
		b = append(b, ',')
	}
	return reflect.ValueOf(string(append(b, ')')))
}

// nativeJoin is sprig's join for a []string, read through reflect; other
// lists go to sprig's.
func nativeJoin(join func(string, any) string) func(*fxState, []reflect.Value) reflect.Value {
	return func(_ *fxState, a []reflect.Value) reflect.Value {
		v := a[1]
		if v.Kind() == reflect.Interface {
			v = v.Elem()
		}
		if !v.IsValid() || v.Type() != stringsType {
			return reflect.ValueOf(join(a[0].String(), a[1].Interface()))
		}
		var list []string
		if v.CanAddr() {
			list = *v.Addr().Interface().(*[]string)
		} else {
			list = v.Interface().([]string)
		}
		return reflect.ValueOf(strings.Join(list, a[0].String()))
	}
}
