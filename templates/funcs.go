package templates

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"

	"github.com/Masterminds/sprig/v3"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/kernel"
	"github.com/fusegen/fusegen/overrides"
)

// Removed lists the sprig functions the templates may not use: everything
// that reads the clock, the environment, the network or a random source, and
// everything whose result depends on map order. Output must be a function of
// the graph and the templates alone.
var Removed = []string{
	"env", "expandenv", "getHostByName",
	"now", "date", "dateInZone", "date_in_zone", "dateModify", "date_modify", "mustDateModify", "must_date_modify",
	"ago", "duration", "durationRound", "htmlDate", "htmlDateInZone", "toDate", "mustToDate", "unixEpoch",
	"randAlpha", "randAlphaNum", "randAscii", "randNumeric", "randBytes", "randInt", "uuidv4", "shuffle",
	"bcrypt", "htpasswd", "encryptAES", "decryptAES", "genPrivateKey", "derivePassword",
	"genCA", "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey",
	"buildCustomCert",
	"keys", "values",
	"osBase", "osClean", "osDir", "osExt", "osIsAbs",
}

// Funcs is the function map: sprig's hermetic map without Removed, plus
// fusegen's own helpers:
//
//	include NAME DATA  executes a named template into a string
//	deviceInfo         the device's data (overrides.Properties)
//	stmts LIST N       kernel statements, each by its template stmt/<Kind>,
//	                   one per line, indented by N spaces
//	tuple LIST         a Python tuple of ints, static sizes or strings: (), (4,), (4, 8)
//	size PAT SIZE      a size as a Python expression, each symbol spelled by
//	                   the printf pattern PAT: 768 * _sym_S
//	sizes PAT LIST     a list of sizes as a Python tuple, spelled as size does
//	index_expr PAT IX  an index over symbols (a derived symbol's definition)
//	                   as a Python expression, symbols spelled as size does
//	sortedKeys MAP     a map's keys, sorted
//	isFloat DTYPE      whether a dtype name is a floating-point type
//
// include and deviceInfo are bound to the device being rendered; in the map
// Funcs returns (used while parsing) they fail.
func Funcs() template.FuncMap { return maps.Clone(funcMap()) }

// funcMap is the map Funcs returns, built once; template.Funcs copies it.
var funcMap = sync.OnceValue(func() template.FuncMap {
	m := template.FuncMap(sprig.HermeticTxtFuncMap())
	for _, name := range Removed {
		delete(m, name)
	}
	m["include"] = func(string, any) (string, error) {
		return "", errors.New("include is only available while rendering")
	}
	m["stmts"] = func([]kernel.Stmt, int) (string, error) {
		return "", errors.New("stmts is only available while rendering")
	}
	m["deviceInfo"] = func() (overrides.Properties, error) {
		return overrides.Properties{}, errors.New("deviceInfo is only available while rendering")
	}
	m["planned"] = func(any) int { return -1 }
	guardedFormatting(m)
	m["tuple"] = pyTuple
	m["sizes"] = pySizes
	m["size"] = pySize
	m["index_expr"] = pyIndex
	m["sortedKeys"] = sortedMapKeys
	m["isFloat"] = isFloat
	return m
})

// pyTuple spells a list of integers as a Python tuple: (), (4,), (4, 8).
func pyTuple(xs any) (string, error) {
	var b []byte
	n := 0
	item := func() {
		if n > 0 {
			b = append(b, ", "...)
		}
		n++
	}
	b = append(b, '(')
	switch v := xs.(type) {
	case []int64:
		for _, x := range v {
			item()
			b = strconv.AppendInt(b, x, 10)
		}
	case []int:
		for _, x := range v {
			item()
			b = strconv.AppendInt(b, int64(x), 10)
		}
	case []string:
		for _, x := range v {
			item()
			b = append(b, x...)
		}
	case []ir.Size:
		for _, x := range v {
			c, ok := x.Static()
			if !ok {
				return "", fmt.Errorf("tuple: size %s is symbolic (spell it with sizes)", x)
			}
			item()
			b = strconv.AppendInt(b, c, 10)
		}
	default:
		return "", fmt.Errorf("tuple: want a list of integers or strings, got %T", xs)
	}
	if n == 1 {
		b = append(b, ',')
	}
	return string(append(b, ')')), nil
}

// pySize spells a size as a Python expression, each symbol by the
// pattern (a printf verb for its name: "_sym_%s"): 768, _sym_S,
// 768 * _sym_S.
func pySize(pattern string, s any) (string, error) {
	var x ir.Size
	switch v := s.(type) {
	case ir.Size:
		x = v
	case int64:
		x = ir.Int(v)
	case int:
		x = ir.Int(int64(v))
	default:
		return "", fmt.Errorf("size: want a size, got %T", s)
	}
	if x.IsStatic() {
		return strconv.FormatInt(x.C, 10), nil
	}
	var b []byte
	if x.C != 1 {
		b = strconv.AppendInt(b, x.C, 10)
	}
	for _, n := range x.Syms.Factors() {
		if len(b) > 0 {
			b = append(b, " * "...)
		}
		b = fmt.Appendf(b, pattern, n)
	}
	return string(b), nil
}

// pyIndex spells an index over symbols (a derived symbol's definition) as
// a Python expression, each symbol by the pattern: (_sym_S // 2).
func pyIndex(pattern string, x any) (string, error) {
	var ix ir.Index
	switch v := x.(type) {
	case ir.Index:
		ix = v
	case *ir.Index:
		ix = *v
	default:
		return "", fmt.Errorf("index_expr: want an index, got %T", x)
	}
	if len(ix.Vars()) > 0 {
		return "", fmt.Errorf("index_expr: %s names loop variables", ix)
	}
	m := map[string]string{}
	for _, n := range ix.Symbols() {
		m[n] = fmt.Sprintf(pattern, n)
	}
	return strings.ReplaceAll(ix.RenameSymbols(m).Expr(), "*", " * "), nil
}

// pySizes spells a list of sizes as a Python tuple, as pySize spells each.
func pySizes(pattern string, xs []ir.Size) (string, error) {
	parts := make([]string, len(xs))
	for i, x := range xs {
		s, err := pySize(pattern, x)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return pyTuple(parts)
}

// sortedMapKeys returns a map's keys in sorted order (sprig's keys is unordered).
func sortedMapKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

// isFloat reports whether a dtype name is a floating-point type.
func isFloat(d any) bool {
	var name string
	switch v := d.(type) {
	case ir.DType:
		name = string(v)
	case string:
		name = v
	default:
		name = fmt.Sprint(d)
	}
	switch name {
	case "float16", "bfloat16", "float32", "float64":
		return true
	}
	return false
}
