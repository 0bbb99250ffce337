package graphfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// FormatVersion is the graph file version this package reads and writes.
const FormatVersion = 1

// Read parses a graph file, lowers its op nodes and validates the graph.
// Errors name the place: a line and column for malformed JSON, a JSON path
// (with the node's name) for everything else.
func Read(data []byte) (*ir.Graph, error) {
	g, err := Decode(data)
	if err != nil {
		return nil, err
	}
	if err := ir.Validate(g); err != nil {
		return nil, err
	}
	return g, nil
}

// ReadProgram parses a graph file into its op program and checks it as Read
// does (lowering fills in the dtypes of its loop nodes), so that Write gives
// its canonical form.
func ReadProgram(data []byte) (*ops.Program, error) {
	p, err := Parse(data)
	if err != nil {
		return nil, err
	}
	g, err := lower(p)
	if err != nil {
		return nil, err
	}
	if err := ir.Validate(g); err != nil {
		return nil, err
	}
	return p, nil
}

// Decode parses a graph file without validating it. A file with tensor-op
// nodes is lowered to loop nodes (see ops.Program.Lower), which checks the op
// nodes and the loop nodes they read; a file of loop nodes only is returned
// as written, unchecked.
func Decode(data []byte) (*ir.Graph, error) {
	p, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return lower(p)
}

func lower(p *ops.Program) (*ir.Graph, error) {
	if p.HasOps() {
		return p.Lower()
	}
	return p.LoopGraph(), nil
}

func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the bytes read, the offending one included.
		return &ir.Error{Msg: fmt.Sprintf("%s: invalid JSON: %v", lineCol(data, max(se.Offset-1, 0)), se)}
	}
	if errors.Is(err, io.EOF) {
		return &ir.Error{Msg: "empty file: want a JSON object"}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &ir.Error{Msg: fmt.Sprintf("%s: invalid JSON: unexpected end of file", lineCol(data, int64(len(data))))}
	}
	return &ir.Error{Msg: fmt.Sprintf("invalid JSON: %v", err)}
}

// lineCol gives the 1-based line and column (in bytes) of the byte at off.
func lineCol(data []byte, off int64) string {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("line %d, column %d", line, col)
}

// reader converts the decoded JSON tree, keeping the first error. syms
// are the file's symbols, read first: sizes and indices name them.
type reader struct {
	err  error
	syms ir.Symbols
}

func (r *reader) fail(path, format string, a ...any) {
	if r.err == nil {
		r.err = ir.ErrorAt(path, format, a...)
	}
}

// The fields each kind of object may have.
var (
	bufferFields  = []string{"name", "dtype", "shape", "strides", "offset"}
	nodeFields    = []string{"name", "kind", "dtype", "ranges", "strides", "reduction_ranges", "reduction", "origin", "body", "call"}
	callFields    = []string{"target", "args", "positional", "keywords", "scalars", "out_shape", "results", "result_of", "index"}
	operandFields = []string{"kind", "name", "arg", "args", "value", "dtype", "items"}
	viewFields    = []string{"buffer", "shape", "strides", "offset"}
	exprFields    = []string{"op", "args", "dtype", "buffer", "index", "indirect", "guards", "value", "expr"}
)

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a bool"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func (r *reader) object(v any, path string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok && r.err == nil {
		where := path
		if where == "" {
			where = "top level"
		}
		r.fail(where, "want an object, got %s", kind(v))
	}
	return m
}

// fields rejects keys outside allowed, so a typo is never silently ignored.
func (r *reader) fields(m map[string]any, path string, allowed ...string) {
	var unknown []string
	for k := range m {
		found := false
		for _, a := range allowed {
			found = found || a == k
		}
		if !found {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		r.fail(join(path, unknown[0]), "unknown field %q (known: %s)", unknown[0], strings.Join(allowed, ", "))
	}
}

func (r *reader) string(v any, path string, required bool) string {
	if v == nil {
		if required {
			r.fail(path, "missing (want a string)")
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail(path, "want a string, got %s", kind(v))
	}
	return s
}

func (r *reader) int(v any, path string, required bool) int64 {
	if v == nil {
		if required {
			r.fail(path, "missing (want an integer)")
		}
		return 0
	}
	n, ok := v.(json.Number)
	if !ok {
		r.fail(path, "want an integer, got %s", kind(v))
		return 0
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		r.fail(path, "want an integer, got %s", n)
	}
	return i
}

func (r *reader) array(v any, path string, required bool) []any {
	if v == nil {
		if required {
			r.fail(path, "missing (want an array)")
		}
		return nil
	}
	a, ok := v.([]any)
	if !ok {
		r.fail(path, "want an array, got %s", kind(v))
	}
	return a
}

// The *At readers are the readers above for field of the object at path,
// spelling the field's path only where they fail.

func (r *reader) stringAt(v any, path, field string, required bool) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil && !required {
		return ""
	}
	return r.string(v, join(path, field), required)
}

func (r *reader) intAt(v any, path, field string, required bool) int64 {
	if n, ok := v.(json.Number); ok {
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i
		}
	}
	if v == nil && !required {
		return 0
	}
	return r.int(v, join(path, field), required)
}

func (r *reader) arrayAt(v any, path, field string, required bool) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	if v == nil && !required {
		return nil
	}
	return r.array(v, join(path, field), required)
}

func (r *reader) intsAt(v any, path, field string, required bool) []int64 {
	if a, ok := v.([]any); ok {
		out := make([]int64, len(a))
		for i, x := range a {
			n, ok := x.(json.Number)
			if !ok {
				return r.ints(v, join(path, field), required)
			}
			x, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil {
				return r.ints(v, join(path, field), required)
			}
			out[i] = x
		}
		return out
	}
	if v == nil && !required {
		return nil
	}
	return r.ints(v, join(path, field), required)
}

func (r *reader) dtypeAt(v any, path, field string, required bool) ir.DType {
	if s, ok := v.(string); ok && s != "" {
		if d, err := ir.ParseDType(s); err == nil {
			return d
		}
	}
	if v == nil && !required {
		return ""
	}
	return r.dtype(v, join(path, field), required)
}

func (r *reader) ints(v any, path string, required bool) []int64 {
	a := r.array(v, path, required)
	if a == nil {
		return nil
	}
	out := make([]int64, len(a))
	for i, x := range a {
		out[i] = r.int(x, path+"["+strconv.Itoa(i)+"]", true)
	}
	return out
}

func (r *reader) dtype(v any, path string, required bool) ir.DType {
	s := r.string(v, path, required)
	if s == "" {
		return ""
	}
	d, err := ir.ParseDType(s)
	if err != nil {
		r.fail(path, "%v", err)
	}
	return d
}

func (r *reader) buffer(v any, path string) *ir.Buffer {
	m := r.object(v, path)
	r.fields(m, path, bufferFields...)
	b := &ir.Buffer{
		Name:   r.stringAt(m["name"], path, "name", true),
		DType:  r.dtypeAt(m["dtype"], path, "dtype", true),
		Shape:  r.sizesAt(m["shape"], path, "shape", true),
		Offset: r.intAt(m["offset"], path, "offset", false),
	}
	if b.Shape == nil {
		b.Shape = []ir.Size{}
	}
	b.Strides = r.sizesAt(m["strides"], path, "strides", false)
	return b
}

func (r *reader) node(v any, path string) *ir.Node {
	m := r.object(v, path)
	if name, ok := m["name"].(string); ok {
		path = path + " " + strconv.Quote(name)
	}
	r.fields(m, path, nodeFields...)
	n := &ir.Node{
		Name:            r.stringAt(m["name"], path, "name", true),
		Kind:            ir.NodeKind(r.stringAt(m["kind"], path, "kind", true)),
		DType:           r.dtypeAt(m["dtype"], path, "dtype", false),
		Ranges:          r.sizesAt(m["ranges"], path, "ranges", true),
		Strides:         r.sizesAt(m["strides"], path, "strides", false),
		ReductionRanges: r.sizesAt(m["reduction_ranges"], path, "reduction_ranges", false),
		Reduction:       ir.ReductionType(r.stringAt(m["reduction"], path, "reduction", false)),
		Origin:          r.stringAt(m["origin"], path, "origin", false),
	}
	if n.Ranges == nil {
		n.Ranges = []ir.Size{}
	}
	if n.Origin != "" && !ir.IsIdentifier(n.Origin) {
		r.fail(join(path, "origin"), "origin %q must be an op name (letters, digits and _)", n.Origin)
	}
	if n.Kind == ir.Extern {
		if m["body"] != nil {
			r.fail(join(path, "body"), "an extern node has a call, not a body")
			return n
		}
		n.Call = r.call(m["call"], join(path, "call"))
		return n
	}
	if m["call"] != nil {
		r.fail(join(path, "call"), "only an extern node has a call")
		return n
	}
	if m["body"] == nil {
		r.fail(join(path, "body"), "missing (want an expression)")
		return n
	}
	n.Body = r.expr(m["body"], join(path, "body"), 0)
	return n
}

// call reads an extern node's call: {"target": "mm", "args": [views],
// "scalars": {"alpha": 1.0}}.
func (r *reader) call(v any, path string) *ir.ExternCall {
	if v == nil {
		r.fail(path, "missing (an extern node needs a call)")
		return nil
	}
	m := r.object(v, path)
	if r.err != nil {
		return nil
	}
	r.fields(m, path, callFields...)
	c := &ir.ExternCall{Target: r.stringAt(m["target"], path, "target", true),
		OutShape: r.sizesAt(m["out_shape"], path, "out_shape", false)}
	for i, a := range r.arrayAt(m["args"], path, "args", true) {
		at := path + ".args[" + strconv.Itoa(i) + "]"
		vm := r.object(a, at)
		if r.err != nil {
			return nil
		}
		r.fields(vm, at, viewFields...)
		c.Args = append(c.Args, ir.View{
			Buffer:  r.stringAt(vm["buffer"], at, "buffer", true),
			Shape:   r.sizesAt(vm["shape"], at, "shape", true),
			Strides: r.sizesAt(vm["strides"], at, "strides", true),
			Offset:  r.intAt(vm["offset"], at, "offset", false),
		})
	}
	for i, o := range r.arrayAt(m["positional"], path, "positional", false) {
		c.Positional = append(c.Positional, r.operand(o, path+".positional["+strconv.Itoa(i)+"]"))
	}
	for i, o := range r.arrayAt(m["keywords"], path, "keywords", false) {
		c.Keywords = append(c.Keywords, r.operand(o, path+".keywords["+strconv.Itoa(i)+"]"))
	}
	for i, v := range r.arrayAt(m["results"], path, "results", false) {
		c.Results = append(c.Results, r.string(v, path+".results["+strconv.Itoa(i)+"]", true))
	}
	c.ResultOf = r.stringAt(m["result_of"], path, "result_of", false)
	c.Index = int(r.intAt(m["index"], path, "index", false))
	if r.err != nil {
		return nil
	}
	if sv, ok := m["scalars"]; ok && sv != nil {
		sm := r.object(sv, join(path, "scalars"))
		for _, name := range slices.Sorted(maps.Keys(sm)) {
			s, err := ParseScalar(sm[name])
			if err != nil {
				r.fail(join(join(path, "scalars"), name), "%v", err)
				return nil
			}
			c.Scalars = append(c.Scalars, ir.NamedScalar{Name: name, Value: s.Value})
		}
	}
	return c
}

// operand reads one argument of an ATen call: {"kind": "tensor", "arg": 0},
// {"kind": "scalar", "value": 1, "dtype": "int64"}, {"kind": "list",
// "dtype": "int64", "items": [0, 1]}, {"kind": "tensors", "args": [0, -1]},
// {"kind": "string", "value": "tanh"}, {"kind": "dtype", "dtype":
// "float32"}, {"kind": "none"}, ...; a keyword argument has a "name".
func (r *reader) operand(v any, at string) ir.Operand {
	om := r.object(v, at)
	if r.err != nil {
		return ir.Operand{}
	}
	r.fields(om, at, operandFields...)
	op := ir.Operand{Kind: ir.OperandKind(r.stringAt(om["kind"], at, "kind", true)), Name: r.stringAt(om["name"], at, "name", false)}
	literal := func(v any, path string) string {
		s, err := ParseScalar(v)
		if err != nil {
			r.fail(path, "%v", err)
			return ""
		}
		return s.Value
	}
	switch op.Kind {
	case ir.OperandTensor:
		op.Arg = int(r.intAt(om["arg"], at, "arg", true))
	case ir.OperandTensors:
		for _, a := range r.intsAt(om["args"], at, "args", false) {
			op.Tensors = append(op.Tensors, int(a))
		}
		if op.Tensors == nil {
			op.Tensors = []int{}
		}
	case ir.OperandScalar:
		op.DType = r.dtypeAt(om["dtype"], at, "dtype", true)
		op.Value = literal(om["value"], join(at, "value"))
	case ir.OperandList:
		op.DType = r.dtypeAt(om["dtype"], at, "dtype", true)
		op.Items = []string{}
		for i, it := range r.arrayAt(om["items"], at, "items", true) {
			op.Items = append(op.Items, literal(it, join(at, "items")+"["+strconv.Itoa(i)+"]"))
		}
	case ir.OperandDType:
		op.DType = r.dtypeAt(om["dtype"], at, "dtype", true)
	case ir.OperandString, ir.OperandLayout, ir.OperandMemoryFormat:
		op.Value = r.stringAt(om["value"], at, "value", true)
	case ir.OperandNone, ir.OperandDevice:
	default:
		r.fail(join(at, "kind"), "unknown operand kind %q (want tensor, tensors, scalar, list, none, string, dtype, device, layout or memory_format)", op.Kind)
	}
	return op
}

func (r *reader) expr(v any, path string, depth int) *ir.Expr {
	if r.err != nil {
		return nil
	}
	if depth > ir.MaxExprDepth {
		r.fail(path, "expression nested deeper than %d", ir.MaxExprDepth)
		return nil
	}
	m := r.object(v, path)
	r.fields(m, path, exprFields...)
	e := &ir.Expr{
		Op:     ir.Op(r.stringAt(m["op"], path, "op", true)),
		DType:  r.dtypeAt(m["dtype"], path, "dtype", false),
		Buffer: r.stringAt(m["buffer"], path, "buffer", false),
	}
	for i, a := range r.arrayAt(m["args"], path, "args", false) {
		e.Args = append(e.Args, r.expr(a, path+".args["+strconv.Itoa(i)+"]", depth+1))
	}
	for i, a := range r.arrayAt(m["indirect"], path, "indirect", false) {
		e.Indirect = append(e.Indirect, r.expr(a, path+".indirect["+strconv.Itoa(i)+"]", depth+1))
	}
	for i, a := range r.arrayAt(m["guards"], path, "guards", false) {
		at := path + ".guards[" + strconv.Itoa(i) + "]"
		gm := r.object(a, at)
		r.fields(gm, at, "index", "lo", "size")
		if gm == nil {
			break
		}
		e.Guards = append(e.Guards, ir.Guard{Index: r.index(gm["index"], join(at, "index")),
			Lo: r.size(gm["lo"], func() string { return join(at, "lo") }), Size: r.size(gm["size"], func() string { return join(at, "size") })})
	}
	if ix, ok := m["index"]; ok {
		e.Index = []ir.Index{}
		for i, s := range r.array(ix, join(path, "index"), true) {
			e.Index = append(e.Index, r.index(s, path+".index["+strconv.Itoa(i)+"]"))
		}
	}
	if s, ok := m["expr"]; ok {
		if e.Op != ir.OpIndex {
			r.fail(join(path, "expr"), "expr belongs to index only")
		}
		e.Expr = r.index(s, join(path, "expr"))
	} else if e.Op == ir.OpIndex {
		r.fail(join(path, "expr"), "an index needs an expr")
	}
	switch val := m["value"].(type) {
	case nil:
	case json.Number:
		e.Value = string(val)
	case bool:
		e.Value = strconv.FormatBool(val)
	case string:
		switch val {
		case "inf", "-inf", "nan":
			e.Value = val
		default:
			r.fail(join(path, "value"), "want a number, a bool, or one of \"inf\", \"-inf\", \"nan\"; got %q", val)
		}
	default:
		r.fail(join(path, "value"), "want a number, a bool, or one of \"inf\", \"-inf\", \"nan\"; got %s", kind(val))
	}
	if e.Op == ir.OpConstant && e.Value == "" {
		r.fail(join(path, "value"), "a constant needs a value")
	}
	return e
}

func (r *reader) index(v any, path string) ir.Index {
	if n, ok := v.(json.Number); ok {
		v = string(n)
	}
	s := r.string(v, path, true)
	if r.err != nil {
		return ir.Index{}
	}
	ix, err := ir.ParseIndexWith(s, r.syms)
	if err != nil {
		r.fail(path, "%v", err)
	}
	return ix
}

// symbolFields are the fields of a symbol's entry in "symbols"; a derived
// symbol's entry has its definition alone.
var symbolFields, derivedFields = []string{"hint", "min", "max"}, []string{"def"}

// symbols reads the top-level "symbols" object: each symbol's hint and
// range, in name order so that the first error is always the same one.
func (r *reader) symbols(v any) ir.Symbols {
	if v == nil {
		return nil
	}
	m := r.object(v, "symbols")
	if r.err != nil || len(m) == 0 {
		return nil
	}
	syms := ir.Symbols{}
	var derived []string
	for _, name := range slices.Sorted(maps.Keys(m)) {
		at := join("symbols", name)
		sm := r.object(m[name], at)
		if r.err != nil {
			return nil
		}
		if _, ok := sm["def"]; ok {
			derived = append(derived, name)
			continue
		}
		r.fields(sm, at, symbolFields...)
		s := ir.Symbol{Name: name,
			Hint: r.intAt(sm["hint"], at, "hint", true),
			Min:  r.intAt(sm["min"], at, "min", true),
			Max:  r.intAt(sm["max"], at, "max", true)}
		if r.err != nil {
			return nil
		}
		if err := ir.CheckSymbol(s); err != nil {
			r.fail(at, "%v", err)
			return nil
		}
		syms[name] = s
	}
	// Derived symbols, once every base symbol is known: each must be the
	// one its definition names.
	for _, name := range derived {
		at := join("symbols", name)
		sm := r.object(m[name], at)
		r.fields(sm, at, derivedFields...)
		def := r.string(sm["def"], join(at, "def"), true)
		if r.err != nil {
			return nil
		}
		sz, err := ParseSize(def, syms)
		switch {
		case err != nil:
			r.fail(join(at, "def"), "%v", err)
			return nil
		case sz != ir.Sym(name):
			r.fail(at, "the derived symbol of %q is named %s, not %s", def, sz, name)
			return nil
		}
	}
	return syms
}

// sizesAt reads a list of sizes (see size); field of the object at path.
func (r *reader) sizesAt(v any, path, field string, required bool) []ir.Size {
	if v == nil && !required {
		return nil
	}
	a := r.array(v, join(path, field), required)
	if a == nil {
		return nil
	}
	out := make([]ir.Size, len(a))
	for i, x := range a {
		out[i] = r.size(x, func() string { return join(path, field) + "[" + strconv.Itoa(i) + "]" })
	}
	return out
}

// size reads one size: a JSON integer, or a string that is an integer
// times declared symbols ("B", "2*S", "B*S"). The element's path (where)
// is spelled only where it fails.
func (r *reader) size(v any, where func() string) ir.Size {
	if n, ok := v.(json.Number); ok {
		if c, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return ir.Int(c)
		}
	}
	at := where()
	s, ok := v.(string)
	if !ok {
		return ir.Int(r.int(v, at, true))
	}
	sz, err := ParseSize(s, r.syms)
	switch {
	case err != nil:
		r.fail(at, "%v", err)
	case sz.IsStatic():
		// One spelling for a static size, as the writer writes it.
		r.fail(at, "want an integer, got a string (%q); a size written as a string is an expression over symbols", s)
	}
	return sz
}

// ParseSize reads a size written as a string: an integer times symbols of
// syms ("B", "2*S", "S*B", which is B*S), or another expression over them
// ("S // 2", "S + 1"), which becomes a derived symbol (ir.DeriveSymbol)
// that ParseSize adds to syms. Names that are no symbol are refused.
func ParseSize(s string, syms ir.Symbols) (ir.Size, error) {
	ix, err := ir.ParseIndexWith(s, syms)
	if err != nil {
		return ir.Size{}, fmt.Errorf("size %q: %v", s, err)
	}
	if vars := ix.Vars(); len(vars) > 0 {
		return ir.Size{}, fmt.Errorf("size %q names %q, which is no declared symbol (declare it in \"symbols\")", s, vars[0])
	}
	sz, err := syms.Derive(ix)
	if err != nil {
		return ir.Size{}, fmt.Errorf("size %q: %v", s, err)
	}
	return sz, nil
}

// The written form. Field order here is the canonical order.
// Its nodes are loop nodes (WriteGraph) or loop and op nodes (Write).
type fileGraph[N any] struct {
	Version int                   `json:"version"`
	Name    string                `json:"name"`
	Device  string                `json:"device"`
	Symbols map[string]fileSymbol `json:"symbols,omitempty"`
	Inputs  []fileBuffer          `json:"inputs"`
	Nodes   []N                   `json:"nodes"`
	Outputs []string              `json:"outputs"`
}

// fileSymbol is a symbol's entry in "symbols"; the map's keys are written
// sorted, so the symbols are in name order.
type fileSymbol struct {
	Hint int64  `json:"hint,omitempty"`
	Min  int64  `json:"min,omitempty"`
	Max  int64  `json:"max,omitempty"`
	Def  string `json:"def,omitempty"`
}

func writeSymbols(syms ir.Symbols) map[string]fileSymbol {
	if len(syms) == 0 {
		return nil
	}
	out := map[string]fileSymbol{}
	for _, s := range syms {
		if s.Def != nil {
			out[s.Name] = fileSymbol{Def: s.Def.Expr()}
			continue
		}
		out[s.Name] = fileSymbol{Hint: s.Hint, Min: s.Min, Max: s.Max}
	}
	return out
}

// fileSizes are sizes as written: a static size as its integer, a symbolic
// one as its spelling ("2*S"). A nil list is null, as a nil []int64 was.
type fileSizes []ir.Size

func (xs fileSizes) MarshalJSON() ([]byte, error) {
	if xs == nil {
		return []byte("null"), nil
	}
	b := []byte{'['}
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		one, _ := fileSize(x).MarshalJSON()
		b = append(b, one...)
	}
	return append(b, ']'), nil
}

// fileSize is one size: an integer, or its spelling over symbols.
type fileSize ir.Size

func (x fileSize) MarshalJSON() ([]byte, error) {
	if c, ok := ir.Size(x).Static(); ok {
		return strconv.AppendInt(nil, c, 10), nil
	}
	return strconv.AppendQuote(nil, ir.Size(x).String()), nil
}

type fileGuard struct {
	Index string   `json:"index"`
	Lo    fileSize `json:"lo"`
	Size  fileSize `json:"size"`
}

type fileBuffer struct {
	Name    string    `json:"name"`
	DType   ir.DType  `json:"dtype"`
	Shape   fileSizes `json:"shape"`
	Strides fileSizes `json:"strides,omitempty"`
	Offset  int64     `json:"offset,omitempty"`
}

type fileNode struct {
	Name            string           `json:"name"`
	Kind            ir.NodeKind      `json:"kind"`
	DType           ir.DType         `json:"dtype,omitempty"`
	Origin          string           `json:"origin,omitempty"`
	Ranges          fileSizes        `json:"ranges"`
	Strides         fileSizes        `json:"strides,omitempty"`
	ReductionRanges fileSizes        `json:"reduction_ranges,omitempty"`
	Reduction       ir.ReductionType `json:"reduction,omitempty"`
	Body            *fileExpr        `json:"body,omitempty"`
	Call            *fileCall        `json:"call,omitempty"`
}

type fileCall struct {
	Target     string                     `json:"target"`
	Args       []fileView                 `json:"args"`
	Positional []fileOperand              `json:"positional,omitempty"`
	Keywords   []fileOperand              `json:"keywords,omitempty"`
	Scalars    map[string]json.RawMessage `json:"scalars,omitempty"`
	OutShape   fileSizes                  `json:"out_shape,omitempty"`
	Results    []string                   `json:"results,omitempty"`
	ResultOf   string                     `json:"result_of,omitempty"`
	Index      int                        `json:"index,omitempty"`
}

type fileOperand struct {
	Kind  ir.OperandKind    `json:"kind"`
	Name  string            `json:"name,omitempty"`
	Arg   *int              `json:"arg,omitempty"`
	Args  []int             `json:"args,omitempty"`
	Value json.RawMessage   `json:"value,omitempty"`
	DType ir.DType          `json:"dtype,omitempty"`
	Items []json.RawMessage `json:"items,omitempty"`
}

func toFileOperand(o ir.Operand) fileOperand {
	fo := fileOperand{Kind: o.Kind, Name: o.Name, DType: o.DType}
	switch o.Kind {
	case ir.OperandTensor:
		k := o.Arg
		fo.Arg = &k
	case ir.OperandTensors:
		fo.Args = append([]int{}, o.Tensors...)
	case ir.OperandScalar:
		fo.Value = scalarJSON(&ops.Scalar{Value: o.Value})
	case ir.OperandList:
		fo.Items = []json.RawMessage{}
		for _, it := range o.Items {
			fo.Items = append(fo.Items, scalarJSON(&ops.Scalar{Value: it}))
		}
	case ir.OperandString, ir.OperandLayout, ir.OperandMemoryFormat:
		fo.Value, _ = json.Marshal(o.Value)
	}
	return fo
}

type fileView struct {
	Buffer  string    `json:"buffer"`
	Shape   fileSizes `json:"shape"`
	Strides fileSizes `json:"strides"`
	Offset  int64     `json:"offset,omitempty"`
}

type fileExpr struct {
	Op       ir.Op           `json:"op"`
	DType    ir.DType        `json:"dtype,omitempty"`
	Buffer   string          `json:"buffer,omitempty"`
	Index    []string        `json:"index,omitempty"`
	Indirect []*fileExpr     `json:"indirect,omitempty"`
	Guards   []fileGuard     `json:"guards,omitempty"`
	Value    json.RawMessage `json:"value,omitempty"`
	Expr     string          `json:"expr,omitempty"`
	Args     []*fileExpr     `json:"args,omitempty"`
}

// WriteGraph returns the canonical graph file for a graph of loop nodes:
// fixed field order, contiguous strides and zero offsets left out, constants
// and index expressions in canonical spelling. Writing what Read returned
// gives the same bytes every time. Only leaf dtypes (constant, index, cast)
// are written inside bodies; the rest are inferred on reading. To write op
// nodes as op nodes, write the op program (Write).
func WriteGraph(g *ir.Graph) ([]byte, error) {
	f := fileGraph[fileNode]{Version: FormatVersion, Name: g.Name, Device: g.Device, Symbols: writeSymbols(g.Symbols),
		Inputs: writeBuffers(g.Inputs), Nodes: []fileNode{}, Outputs: g.Outputs}
	for _, n := range g.Nodes {
		f.Nodes = append(f.Nodes, *toFileNode(n))
	}
	if f.Outputs == nil {
		f.Outputs = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("write graph %q: %w", g.Name, err)
	}
	return buf.Bytes(), nil
}

func writeBuffers(bs []*ir.Buffer) []fileBuffer {
	out := []fileBuffer{}
	for _, b := range bs {
		fb := fileBuffer{Name: b.Name, DType: b.DType, Shape: nonNil(b.Shape), Offset: b.Offset}
		if b.Strides != nil && !slices.Equal(b.Strides, ir.ContiguousStrides(b.Shape)) {
			fb.Strides = b.Strides
		}
		out = append(out, fb)
	}
	return out
}

func toFileNode(n *ir.Node) *fileNode {
	fn := &fileNode{
		Name: n.Name, Kind: n.Kind, DType: n.DType, Origin: n.Origin, Ranges: nonNil(n.Ranges),
		ReductionRanges: n.ReductionRanges, Reduction: n.Reduction, Body: toFileExpr(n.Body),
	}
	if n.Strides != nil && !slices.Equal(n.Strides, ir.ContiguousStrides(n.Ranges)) {
		fn.Strides = n.Strides
	}
	if c := n.Call; c != nil {
		fc := &fileCall{Target: c.Target, Args: []fileView{}, OutShape: c.OutShape}
		for _, a := range c.Args {
			fc.Args = append(fc.Args, fileView{Buffer: a.Buffer, Shape: nonNil(a.Shape), Strides: nonNil(a.Strides), Offset: a.Offset})
		}
		for _, o := range c.Positional {
			fc.Positional = append(fc.Positional, toFileOperand(o))
		}
		for _, o := range c.Keywords {
			fc.Keywords = append(fc.Keywords, toFileOperand(o))
		}
		fc.Results, fc.ResultOf, fc.Index = c.Results, c.ResultOf, c.Index
		for _, s := range c.Scalars {
			if fc.Scalars == nil {
				fc.Scalars = map[string]json.RawMessage{}
			}
			fc.Scalars[s.Name] = scalarJSON(&ops.Scalar{Value: s.Value})
		}
		fn.Call = fc
	}
	return fn
}

func toFileExpr(e *ir.Expr) *fileExpr {
	if e == nil {
		return nil
	}
	f := &fileExpr{Op: e.Op, Buffer: e.Buffer}
	switch e.Op {
	case ir.OpConstant, ir.OpIndex, ir.OpCast:
		f.DType = e.DType
	}
	if e.Op == ir.OpLoad {
		f.Index = make([]string, len(e.Index))
		for i, ix := range e.Index {
			f.Index[i] = ix.String()
		}
	}
	if e.Op == ir.OpIndex {
		f.Expr = e.Expr.String()
	}
	if e.Op == ir.OpConstant {
		switch e.Value {
		case "inf", "-inf", "nan":
			f.Value = json.RawMessage(strconv.Quote(e.Value))
		default:
			f.Value = json.RawMessage(e.Value)
		}
	}
	for _, a := range e.Args {
		f.Args = append(f.Args, toFileExpr(a))
	}
	for _, a := range e.Indirect {
		f.Indirect = append(f.Indirect, toFileExpr(a))
	}
	for _, g := range e.Guards {
		f.Guards = append(f.Guards, fileGuard{Index: g.Index.String(), Lo: fileSize(g.Lo), Size: fileSize(g.Size)})
	}
	return f
}

// nonNil keeps a 0-d shape written as [] rather than null, which would not
// read back.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
