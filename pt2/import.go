package pt2

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// scalarTypes maps the schema's ScalarType numbers to dtypes.
var scalarTypes = map[int]ir.DType{1: ir.Uint8, 2: ir.Int8, 3: ir.Int16, 4: ir.Int32, 5: ir.Int64,
	6: ir.Float16, 7: ir.Float32, 8: ir.Float64, 12: ir.Bool, 13: ir.BFloat16}

// memoryFormats and layouts map the schema's MemoryFormat and Layout.
var (
	memoryFormats = map[int]string{1: "contiguous_format", 2: "channels_last", 3: "channels_last_3d", 4: "preserve_format"}
	layouts       = map[int]string{7: "strided"}
)

// importer turns one model's graph into an op program.
type importer struct {
	a        *archive
	g        *graph
	opts     Options
	prog     *ops.Program
	names    map[string]string // exported value name -> program name
	exported map[string]string // program name -> the exported name it was bound for
	taken    map[string]bool   // program names in use
	syms     map[string]int64  // symbolic int names -> their hints (with Specialize)
	symTable ir.Symbols        // without Specialize: range_constraints' symbols, with the hints found
	usedSyms map[string]bool   // the symbols some size read names
	meta     map[string]tensorMeta
	n        *node           // the node being imported
	readers  map[string]bool // values some node or output reads (used)
}

// importError is an error at one node: its name, target and the user's
// source line.
func (im *importer) errorf(format string, a ...any) error {
	n := im.n
	name := n.Name
	if name == "" && len(n.Outputs) > 0 {
		name = firstOutput(n)
	}
	where := fmt.Sprintf("node %q (%s)", name, n.Target)
	if src := sourceLine(n.Metadata["stack_trace"]); src != "" {
		where += " at " + src
	}
	return &ir.Error{Path: where, Msg: fmt.Sprintf(format, a...)}
}

func firstOutput(n *node) string {
	var t tensorArgument
	if n.Outputs[0].Tag == "as_tensor" && n.Outputs[0].decode(&t) == nil {
		return t.Name
	}
	return ""
}

var frameRE = regexp.MustCompile(`File "([^"]*)", line (\d+), in [^\n]*(?:\n\s*([^\n]*))?`)

// sourceLine is the user's line a node came from: the first frame of its
// stack trace, as file:line (code).
func sourceLine(trace string) string {
	m := frameRE.FindStringSubmatch(trace)
	if m == nil {
		return ""
	}
	s := path.Base(m[1]) + ":" + m[2]
	if code := strings.TrimSpace(m[3]); code != "" {
		if len(code) > 80 {
			code = code[:77] + "..."
		}
		s += " (" + code + ")"
	}
	return s
}

func (a *archive) program(opts Options) (*ops.Program, error) {
	gm := &a.model.GraphModule
	im := &importer{a: a, g: &gm.Graph, opts: opts, names: map[string]string{}, exported: map[string]string{}, taken: map[string]bool{},
		syms: map[string]int64{}, meta: gm.Graph.TensorValues}
	im.prog = &ops.Program{Name: programName(a.root), Device: "cuda"}
	if err := im.symbols(); err != nil {
		return nil, err
	}
	if !opts.Specialize {
		if err := im.symbolTable(); err != nil {
			return nil, err
		}
	}
	if err := im.inputs(gm.Signature.InputSpecs); err != nil {
		return nil, err
	}
	for i := range im.g.Nodes {
		im.n = &im.g.Nodes[i]
		if err := im.node(); err != nil {
			return nil, err
		}
	}
	if err := im.outputs(gm.Signature.OutputSpecs); err != nil {
		return nil, err
	}
	if err := im.programSymbols(); err != nil {
		return nil, err
	}
	return im.prog, nil
}

// programName is the graph name of an archive's top folder.
func programName(root string) string {
	if ir.CheckName(root) == nil {
		return root
	}
	return mangle(root)
}

// mangle makes s a valid name: other characters become _, and a name
// that does not start with a letter gets a t in front.
func mangle(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	out := b.String()
	if out == "" || !(out[0] >= 'a' && out[0] <= 'z' || out[0] >= 'A' && out[0] <= 'Z') {
		out = "t" + out
	}
	return out
}

// bind gives the exported value name its program name: itself when that is
// a valid name not yet taken, else a mangled one.
func (im *importer) bind(exported string) string {
	name := exported
	if ir.CheckName(name) != nil || im.taken[name] {
		base := mangle(exported)
		name = base
		for k := 1; im.taken[name] || ir.CheckName(name) != nil; k++ {
			name = base + "_" + strconv.Itoa(k)
		}
	}
	im.taken[name] = true
	im.names[exported] = name
	im.exported[name] = exported
	return name
}

// fresh is a new program name for a node the importer adds.
func (im *importer) fresh(base string) string {
	name := base
	for k := 1; im.taken[name]; k++ {
		name = base + "_" + strconv.Itoa(k)
	}
	im.taken[name] = true
	return name
}

// symbols reads the symbolic ints' hints (used with Specialize).
func (im *importer) symbols() error {
	for name, u := range im.g.SymIntValues {
		v, _, err := im.symInt(u)
		if err != nil {
			return &ir.Error{Path: "sym_int_values." + name, Msg: err.Error()}
		}
		im.syms[name] = v
	}
	return nil
}

// symInt reads a SymInt: an int, or an expression and its hint; sym names
// the symbol of an expression ("" for an int).
func (im *importer) symInt(u union) (v int64, sym string, err error) {
	switch u.Tag {
	case "as_int":
		err = u.decode(&v)
		return v, "", err
	case "as_expr":
		var e symExpr
		if err := u.decode(&e); err != nil {
			return 0, "", err
		}
		if e.Hint == nil || e.Hint.Tag != "as_int" {
			return 0, e.ExprStr, fmt.Errorf("symbolic size %s has no int hint", symbolName(e.ExprStr))
		}
		err = e.Hint.decode(&v)
		return v, e.ExprStr, err
	}
	return 0, "", fmt.Errorf("a size is as_int or as_expr, got %s", u.Tag)
}

var symbolRE = regexp.MustCompile(`Symbol\('([^']*)'`)

// symbolName is the first symbol of a sympy srepr ("s27"), or the text.
func symbolName(expr string) string {
	if m := symbolRE.FindStringSubmatch(expr); m != nil {
		return m[1]
	}
	return expr
}

// tensorMetaOf reads a value's dtype, sizes, strides and offset; what
// names its place in errors.
func (im *importer) tensorMetaOf(name, what string) (*ir.Buffer, error) {
	m, ok := im.meta[name]
	if !ok {
		return nil, fmt.Errorf("%s %q has no tensor_values entry", what, name)
	}
	return im.buffer(name, m, what)
}

func (im *importer) buffer(name string, m tensorMeta, what string) (*ir.Buffer, error) {
	dt, ok := scalarTypes[m.DType]
	if !ok {
		return nil, fmt.Errorf("%s %q: dtype %d (%s) is not one fusegen has", what, name, m.DType, scalarTypeName(m.DType))
	}
	b := &ir.Buffer{Name: name, DType: dt}
	sizes := func(us []union, field string) ([]ir.Size, error) {
		out := []ir.Size{}
		for d, u := range us {
			s, err := im.size(u)
			if err != nil {
				return nil, fmt.Errorf("%s %q %s[%d]: %v", what, name, field, d, err)
			}
			out = append(out, s)
		}
		return out, nil
	}
	var err error
	if b.Shape, err = sizes(m.Sizes, "sizes"); err != nil {
		return nil, err
	}
	strides, err := sizes(m.Strides, "strides")
	if err != nil {
		return nil, err
	}
	if !slices.Equal(strides, ir.ContiguousStrides(b.Shape)) {
		b.Strides = strides
	}
	if m.StorageOffset.Tag != "" {
		v, expr, err := im.symInt(m.StorageOffset)
		if err != nil {
			return nil, fmt.Errorf("%s %q storage_offset: %v", what, name, err)
		}
		if expr != "" && !im.opts.Specialize {
			return nil, fmt.Errorf("%s %q: storage offset %s is symbolic; fusegen's offsets are integers (-specialize generates for the hints)", what, name, showExpr(expr))
		}
		b.Offset = v
	}
	return b, nil
}

// size reads a SymInt size: an int, its hint with Specialize, else the
// expression as an ir.Size over the archive's symbols.
func (im *importer) size(u union) (ir.Size, error) {
	v, expr, err := im.symInt(u)
	if err != nil {
		return ir.Size{}, err
	}
	if expr == "" || im.opts.Specialize {
		return ir.Int(v), nil
	}
	s, err := im.symbolicSize(expr)
	if err != nil {
		return s, err
	}
	// torch evaluated the expression at the hints: so must the size.
	if h := im.symTable.Hint(s); h != v && im.hinted(s) {
		return ir.Size{}, fmt.Errorf("symbolic size %s is %d at the symbols' hints, but the archive's hint is %d", showExpr(expr), h, v)
	}
	return s, nil
}

// hinted reports whether every symbol of s has a hint.
func (im *importer) hinted(s ir.Size) bool {
	for _, n := range s.Syms.Names() {
		if im.symTable[n].Hint == 0 {
			return false
		}
	}
	return true
}

// symbolicSize parses a SymExpr's expression and notes the symbols it
// names.
func (im *importer) symbolicSize(expr string) (ir.Size, error) {
	s, err := parseSize(expr, im.symTable)
	var np notProduct
	if errors.As(err, &np) {
		// A sum or a floor division: a derived symbol, which the wrapper
		// computes from the symbols it names.
		ix, perr := parseIndex(expr, im.symTable)
		if perr == nil {
			s, perr = im.symTable.Derive(ix)
		}
		if c, static := s.Static(); perr == nil && static && c < 1 {
			perr = fmt.Errorf("is %d, no size", c)
		}
		if perr != nil {
			return ir.Size{}, fmt.Errorf("symbolic size %s: %v (fusegen's sizes are an integer times symbols, or a derived symbol: a sum or a floor division of them); -specialize generates for the hints", showExpr(expr), perr)
		}
		err = nil
		for _, n := range ix.Symbols() {
			im.usedSyms[n] = true
		}
	}
	if err != nil {
		return ir.Size{}, fmt.Errorf("symbolic size %s: %v", showExpr(expr), err)
	}
	for _, n := range s.Syms.Names() {
		im.usedSyms[n] = true
	}
	return s, nil
}

var (
	symbolSreprRE  = regexp.MustCompile(`Symbol\('([^']*)'[^)]*\)`)
	integerSreprRE = regexp.MustCompile(`Integer\((-?[0-9]+)\)`)
)

// showExpr spells a sympy srepr shorter for messages: Symbol('s27', ...)
// as s27, Integer(2) as 2; on one line, at most 120 characters.
func showExpr(expr string) string {
	s := symbolSreprRE.ReplaceAllString(expr, "$1")
	s = integerSreprRE.ReplaceAllString(s, "$1")
	s = strings.Map(func(r rune) rune { // errors are one line
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

// symbolTable reads range_constraints into the program's symbols, each
// with the hint of a size that is it alone (or a multiple of it, or a
// product where the other symbols are known).
func (im *importer) symbolTable() error {
	rc := im.a.model.RangeConstraints
	im.symTable, im.usedSyms = ir.Symbols{}, map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(rc)) {
		if !ir.IsIdentifier(name) {
			return &ir.Error{Path: "range_constraints", Msg: fmt.Sprintf("symbol %q is not an identifier", name)}
		}
		lo, hi, err := rc[name].bounds()
		if err != nil {
			return &ir.Error{Path: "range_constraints." + name, Msg: err.Error()}
		}
		im.symTable[name] = ir.Symbol{Name: name, Min: lo, Max: hi}
	}
	type hinted struct {
		s    ir.Size
		hint int64
	}
	var pairs []hinted
	add := func(u union) {
		if u.Tag != "as_expr" {
			return
		}
		v, expr, err := im.symInt(u)
		if err != nil {
			return
		}
		if s, err := parseSize(expr, im.symTable); err == nil && !s.IsStatic() {
			pairs = append(pairs, hinted{s, v})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(im.g.SymIntValues)) {
		add(im.g.SymIntValues[name])
	}
	for _, name := range slices.Sorted(maps.Keys(im.g.TensorValues)) {
		m := im.g.TensorValues[name]
		for _, u := range m.Sizes {
			add(u)
		}
	}
	known := map[string]int64{}
	for changed := true; changed; {
		changed = false
		for _, p := range pairs {
			var unknown []string
			for _, n := range p.s.Syms.Names() {
				if _, ok := known[n]; !ok {
					unknown = append(unknown, n)
				}
			}
			if len(unknown) != 1 {
				continue
			}
			q, _ := p.s.Quo(ir.Sym(unknown[0]))
			if slices.Contains(q.Syms.Names(), unknown[0]) {
				continue // a power: solved from another size, if any
			}
			if d := q.Eval(known); d > 0 && p.hint%d == 0 {
				known[unknown[0]] = p.hint / d
				changed = true
			}
		}
	}
	for name, h := range known {
		s := im.symTable[name]
		s.Hint = h
		im.symTable[name] = s
	}
	return nil
}

// programSymbols gives the program the symbols its sizes name, each
// checked (a name fusegen takes, a hint within the range).
func (im *importer) programSymbols() error {
	if len(im.usedSyms) == 0 {
		return nil
	}
	im.prog.Symbols = ir.Symbols{}
	for _, name := range slices.Sorted(maps.Keys(im.usedSyms)) {
		s := im.symTable[name]
		if s.Hint == 0 {
			return &ir.Error{Path: "range_constraints." + name, Msg: fmt.Sprintf("symbol %s: no size of the archive gives its hint", name)}
		}
		if err := ir.CheckSymbol(s); err != nil {
			return &ir.Error{Path: "range_constraints." + name, Msg: err.Error()}
		}
		im.prog.Symbols[name] = s
	}
	return nil
}

func scalarTypeName(t int) string {
	names := map[int]string{0: "unknown", 9: "complex32", 10: "complex64", 11: "complex128", 28: "uint16",
		29: "float8_e4m3fn", 30: "float8_e5m2", 31: "float8_e4m3fnuz", 32: "float8_e5m2fnuz"}
	if s, ok := names[t]; ok {
		return s
	}
	return "unknown"
}

// inputs reads the signature's input specs: parameters, buffers and
// constants (with their archive entries), and user inputs, in order.
func (im *importer) inputs(specs []union) error {
	for i, s := range specs {
		at := fmt.Sprintf("graph_module.signature.input_specs[%d]", i)
		var spec struct {
			Arg struct {
				Name     string `json:"name"`
				AsTensor *struct {
					Name string `json:"name"`
				} `json:"as_tensor"`
			} `json:"arg"`
			ParameterName      string `json:"parameter_name"`
			BufferName         string `json:"buffer_name"`
			TensorConstantName string `json:"tensor_constant_name"`
		}
		if err := s.decode(&spec); err != nil {
			return &ir.Error{Path: at, Msg: err.Error()}
		}
		name, fqn := spec.Arg.Name, ""
		switch s.Tag {
		case "user_input":
			if spec.Arg.AsTensor == nil {
				return &ir.Error{Path: at, Msg: "a user input that is not a tensor (a symbolic int or a constant) is not supported"}
			}
			name = spec.Arg.AsTensor.Name
		case "parameter":
			fqn = spec.ParameterName
		case "buffer":
			fqn = spec.BufferName
		case "tensor_constant":
			fqn = spec.TensorConstantName
		default:
			return &ir.Error{Path: at, Msg: fmt.Sprintf("input kind %s is not supported (parameters, buffers, tensor constants and user tensors are)", s.Tag)}
		}
		b, err := im.tensorMetaOf(name, "input")
		if err != nil {
			return &ir.Error{Path: at, Msg: err.Error()}
		}
		b.Name = im.bind(name)
		im.prog.Inputs = append(im.prog.Inputs, b)
		if fqn == "" {
			continue
		}
		entry, err := im.entry(fqn, b)
		if err != nil {
			return &ir.Error{Path: at, Msg: err.Error()}
		}
		im.prog.Params = append(im.prog.Params, ir.Param{Input: b.Name, Entry: entry})
	}
	return nil
}

// entry finds the archive entry holding the value of fqn and checks that
// it holds every byte b's view reaches.
func (im *importer) entry(fqn string, b *ir.Buffer) (string, error) {
	m, ok := im.a.weights[fqn]
	if !ok {
		return "", fmt.Errorf("%q is in no weights or constants config of the archive", fqn)
	}
	if m.UsePickle {
		return "", fmt.Errorf("%q is stored pickled (a tensor subclass or custom object), which load_params does not read", fqn)
	}
	entry := im.a.root + "/" + im.a.places[fqn] + "/" + m.PathName
	f, ok := im.a.files[entry]
	if !ok {
		return "", fmt.Errorf("%q: missing entry %s", fqn, entry)
	}
	ext := b.Extent()
	if !ext.IsConst() {
		return "", fmt.Errorf("%q: symbolic sizes %s; the weights and constants of an archive have integer sizes", fqn, ir.SizesString(b.Shape))
	}
	need := uint64(ext.Const) * uint64(b.DType.Bytes())
	if f.UncompressedSize64 < need {
		return "", fmt.Errorf("%q: entry %s holds %d bytes, its view needs %d", fqn, entry, f.UncompressedSize64, need)
	}
	return entry, nil
}

// outputs reads the signature's output specs: user outputs only.
func (im *importer) outputs(specs []union) error {
	for i, s := range specs {
		at := fmt.Sprintf("graph_module.signature.output_specs[%d]", i)
		if s.Tag != "user_output" {
			return &ir.Error{Path: at, Msg: fmt.Sprintf("output kind %s (the program mutates state) is not supported: export in eval mode, without in-place updates of buffers or inputs", s.Tag)}
		}
		var spec struct {
			Arg union `json:"arg"`
		}
		if err := s.decode(&spec); err != nil {
			return &ir.Error{Path: at, Msg: err.Error()}
		}
		if spec.Arg.Tag != "as_tensor" {
			return &ir.Error{Path: at, Msg: fmt.Sprintf("output %s is not a tensor; fusegen's call() returns tensors", spec.Arg.Tag)}
		}
		var t tensorArgument
		if err := spec.Arg.decode(&t); err != nil {
			return &ir.Error{Path: at, Msg: err.Error()}
		}
		name, ok := im.names[t.Name]
		if !ok {
			return &ir.Error{Path: at, Msg: fmt.Sprintf("output %q is no value of the graph", t.Name)}
		}
		im.prog.Outputs = append(im.prog.Outputs, name)
	}
	return nil
}

// node imports the current node.
func (im *importer) node() error {
	target := im.n.Target
	op, ok := strings.CutPrefix(target, "torch.ops.")
	switch {
	case strings.HasPrefix(target, "torch.ops.higher_order."):
		return im.errorf("higher-order op %s (control flow or a nested graph) is not supported", strings.TrimPrefix(target, "torch.ops.higher_order."))
	case isSymbolic(target):
		// Arithmetic on symbolic sizes: its results are in sym_int_values
		// (hints, or expressions over the symbols), where an argument
		// that names them is read, and in the shapes of tensor_values.
		return nil
	case !ok:
		return im.errorf("target %q is not a torch.ops operator", target)
	case !strings.HasPrefix(op, "aten."):
		return im.errorf("custom op %s has no lowering and no ATen equivalent that torch.ops can run", op)
	}
	if skipped[op] {
		return nil
	}
	if f, ok := lowerings[op]; ok {
		return f(im, im.args())
	}
	if f, ok := im.elementwise(op); ok {
		return f(im, im.args())
	}
	return im.fallback(op)
}

// isSymbolic reports a target that computes a symbolic size, not a tensor.
func isSymbolic(target string) bool {
	op := strings.TrimPrefix(target, "torch.ops.")
	return strings.HasPrefix(target, "_operator.") || strings.HasPrefix(target, "torch.sym_") || op == "aten.sym_size.int" ||
		op == "aten.sym_numel.default" || op == "aten.sym_stride.int" || op == "aten.sym_storage_offset.default"
}

// args are a node's inputs by schema name, in order.
type args struct {
	im     *importer
	list   []namedArgument
	byName map[string]union
}

func (im *importer) args() *args {
	a := &args{im: im, list: im.n.Inputs, byName: map[string]union{}}
	for _, in := range im.n.Inputs {
		a.byName[in.Name] = in.Arg
	}
	return a
}

// has reports an argument that is given and not None.
func (a *args) has(name string) bool {
	u, ok := a.byName[name]
	return ok && u.Tag != "as_none"
}

// arg converts a named argument to an op argument (see value).
func (a *args) arg(name string) (ops.Arg, error) {
	u, ok := a.byName[name]
	if !ok {
		return ops.Arg{}, a.im.errorf("no argument %s", name)
	}
	v, err := a.im.value(u)
	if err != nil {
		return ops.Arg{}, a.im.errorf("argument %s: %v", name, err)
	}
	return v, nil
}

// tensor is the program name of a tensor argument.
func (a *args) tensor(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok || u.Tag != "as_tensor" {
		return "", a.im.errorf("argument %s is not a tensor", name)
	}
	v, err := a.im.value(u)
	return v.Name, err
}

// int64s reads an int or ints argument (a list; sym ints through their
// hints).
func (a *args) int64s(name string) ([]int64, error) {
	v, err := a.arg(name)
	if err != nil {
		return nil, err
	}
	switch {
	case v.Ints != nil:
		return *v.Ints, nil
	case v.Scalar != nil && v.Scalar.Kind == ops.ScalarInt:
		return []int64{v.Scalar.Int()}, nil
	}
	return nil, a.im.errorf("argument %s: want ints", name)
}

// sizes reads an int or ints argument as sizes: its symbolic ints as
// their expressions over the symbols (their hints with Specialize).
func (a *args) sizes(name string) ([]ir.Size, error) {
	u, ok := a.byName[name]
	if !ok || u.Tag != "as_sym_ints" && u.Tag != "as_sym_int" {
		v, err := a.int64s(name)
		return ir.Sizes(v...), err
	}
	var items []union
	if u.Tag == "as_sym_int" {
		items = []union{{}}
		err := u.decode(&items[0])
		if err != nil {
			return nil, a.im.errorf("argument %s: %v", name, err)
		}
	} else if err := u.decode(&items); err != nil {
		return nil, a.im.errorf("argument %s: %v", name, err)
	}
	out := []ir.Size{}
	for _, it := range items {
		v, err := a.im.symIntArg(it)
		if err != nil {
			return nil, a.im.errorf("argument %s: %v", name, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func (a *args) int64(name string, def int64) (int64, error) {
	if !a.has(name) {
		return def, nil
	}
	v, err := a.arg(name)
	if err != nil {
		return 0, err
	}
	if v.Scalar == nil || v.Scalar.Kind == ops.ScalarFloat {
		return 0, a.im.errorf("argument %s: want an int", name)
	}
	return v.Scalar.Int(), nil
}

// ints reads the int arguments names, each defs[i] when absent.
func (a *args) ints(names []string, defs ...int64) ([]int64, error) {
	out := make([]int64, len(names))
	for i, name := range names {
		var err error
		if out[i], err = a.int64(name, defs[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (a *args) boolean(name string, def bool) (bool, error) {
	if !a.has(name) {
		return def, nil
	}
	v, err := a.arg(name)
	if err != nil {
		return false, err
	}
	if v.Scalar == nil || v.Scalar.Kind != ops.ScalarBool {
		return false, a.im.errorf("argument %s: want a bool", name)
	}
	return v.Scalar.Value == "true", nil
}

func (a *args) scalar(name string) (*ops.Scalar, error) {
	if !a.has(name) {
		return nil, nil
	}
	v, err := a.arg(name)
	if err != nil {
		return nil, err
	}
	if v.Scalar == nil {
		return nil, a.im.errorf("argument %s: want a number", name)
	}
	return v.Scalar, nil
}

// dtype reads a scalar-type argument ("" when absent).
func (a *args) dtype(name string) (ir.DType, error) {
	if !a.has(name) {
		return "", nil
	}
	v, err := a.arg(name)
	if err != nil {
		return "", err
	}
	if v.Literal == nil || v.Literal.Kind != ir.OperandDType {
		return "", a.im.errorf("argument %s: want a dtype", name)
	}
	return ir.DType(v.Literal.Value), nil
}

// value converts one serialized argument: a tensor (by its program name),
// a number, a bool, a list, None or a literal (a dtype, a device, a
// layout, a memory format, a string).
func (im *importer) value(u union) (ops.Arg, error) {
	tensorName := func(t tensorArgument) (string, error) {
		name, ok := im.names[t.Name]
		if !ok {
			return "", fmt.Errorf("refers to %q, which no input or earlier node defines", t.Name)
		}
		return name, nil
	}
	switch u.Tag {
	case "as_none":
		return ops.Arg{None: true}, nil
	case "as_tensor":
		var t tensorArgument
		if err := u.decode(&t); err != nil {
			return ops.Arg{}, err
		}
		name, err := tensorName(t)
		return ops.Arg{Name: name}, err
	case "as_optional_tensor":
		var o union
		if err := u.decode(&o); err != nil {
			return ops.Arg{}, err
		}
		return im.value(o)
	case "as_tensors", "as_optional_tensors":
		var items []json.RawMessage
		if err := u.decode(&items); err != nil {
			return ops.Arg{}, err
		}
		list := []ops.Arg{}
		for _, it := range items {
			if u.Tag == "as_tensors" {
				var t tensorArgument
				if err := json.Unmarshal(it, &t); err != nil {
					return ops.Arg{}, err
				}
				name, err := tensorName(t)
				if err != nil {
					return ops.Arg{}, err
				}
				list = append(list, ops.Arg{Name: name})
				continue
			}
			var o union
			if err := json.Unmarshal(it, &o); err != nil {
				return ops.Arg{}, err
			}
			v, err := im.value(o)
			if err != nil {
				return ops.Arg{}, err
			}
			list = append(list, v)
		}
		return ops.Arg{List: &list}, nil
	case "as_int":
		var v int64
		if err := u.decode(&v); err != nil {
			return ops.Arg{}, err
		}
		s := ops.IntScalar(v)
		return ops.Arg{Scalar: &s}, nil
	case "as_sym_int":
		var inner union
		if err := u.decode(&inner); err != nil {
			return ops.Arg{}, err
		}
		v, err := im.symIntArg(inner)
		if err != nil {
			return ops.Arg{}, err
		}
		c, ok := v.Static()
		if !ok {
			return ops.Arg{}, symbolicArgError(v)
		}
		s := ops.IntScalar(c)
		return ops.Arg{Scalar: &s}, nil
	case "as_ints":
		var v []int64
		if err := u.decode(&v); err != nil {
			return ops.Arg{}, err
		}
		if v == nil {
			v = []int64{}
		}
		return ops.Arg{Ints: &v}, nil
	case "as_sym_ints":
		var items []union
		if err := u.decode(&items); err != nil {
			return ops.Arg{}, err
		}
		v := []int64{}
		for _, it := range items {
			n, err := im.symIntArg(it)
			if err != nil {
				return ops.Arg{}, err
			}
			c, ok := n.Static()
			if !ok {
				return ops.Arg{}, symbolicArgError(n)
			}
			v = append(v, c)
		}
		return ops.Arg{Ints: &v}, nil
	case "as_float":
		f, err := decodeFloat(u.Value)
		s := ops.FloatScalar(f)
		return ops.Arg{Scalar: &s}, err
	case "as_floats":
		var items []json.RawMessage
		if err := u.decode(&items); err != nil {
			return ops.Arg{}, err
		}
		list := []ops.Arg{}
		for _, it := range items {
			f, err := decodeFloat(it)
			if err != nil {
				return ops.Arg{}, err
			}
			s := ops.FloatScalar(f)
			list = append(list, ops.Arg{Scalar: &s})
		}
		return ops.Arg{List: &list}, nil
	case "as_bool":
		var v bool
		if err := u.decode(&v); err != nil {
			return ops.Arg{}, err
		}
		s := ops.BoolScalar(v)
		return ops.Arg{Scalar: &s}, nil
	case "as_bools":
		var v []bool
		if err := u.decode(&v); err != nil {
			return ops.Arg{}, err
		}
		list := []ops.Arg{}
		for _, b := range v {
			s := ops.BoolScalar(b)
			list = append(list, ops.Arg{Scalar: &s})
		}
		return ops.Arg{List: &list}, nil
	case "as_string":
		var s string
		if err := u.decode(&s); err != nil {
			return ops.Arg{}, err
		}
		if !ir.IsOperandString(s) {
			return ops.Arg{}, fmt.Errorf("string %q: fusegen passes strings of at most 64 letters, digits, spaces and _ , . - > only", s)
		}
		lit := ops.Str(s)
		return ops.Arg{Literal: &lit}, nil
	case "as_scalar_type":
		var t int
		if err := u.decode(&t); err != nil {
			return ops.Arg{}, err
		}
		dt, ok := scalarTypes[t]
		if !ok {
			return ops.Arg{}, fmt.Errorf("dtype %d (%s) is not one fusegen has", t, scalarTypeName(t))
		}
		lit := ops.DTypeLiteral(dt)
		return ops.Arg{Literal: &lit}, nil
	case "as_memory_format", "as_layout":
		var t int
		if err := u.decode(&t); err != nil {
			return ops.Arg{}, err
		}
		table, mk := memoryFormats, ops.MemoryFormat
		if u.Tag == "as_layout" {
			table, mk = layouts, ops.Layout
		}
		name, ok := table[t]
		if !ok {
			return ops.Arg{}, fmt.Errorf("%s %d is not supported", strings.TrimPrefix(u.Tag, "as_"), t)
		}
		lit := mk(name)
		return ops.Arg{Literal: &lit}, nil
	case "as_device":
		var d device
		if err := u.decode(&d); err != nil {
			return ops.Arg{}, err
		}
		lit := ops.DeviceLiteral(mangle(d.Type))
		return ops.Arg{Literal: &lit}, nil
	}
	return ops.Arg{}, fmt.Errorf("argument of kind %s is not supported", u.Tag)
}

// symbolicArgError refuses a symbolic int where an op argument must be
// an integer (an index, a slice's bounds, a fallback's argument).
func symbolicArgError(v ir.Size) error {
	return fmt.Errorf("symbolic int %s: fusegen takes symbolic sizes from tensor shapes, not as this argument; -specialize generates for the hints", v)
}

// symIntArg reads a SymIntArgument (a union: as_int, or as_name of a
// sym_int_values entry): an int, or the named value (its hint with
// Specialize, else its expression over the symbols).
func (im *importer) symIntArg(u union) (ir.Size, error) {
	switch u.Tag {
	case "as_int":
		var v int64
		err := u.decode(&v)
		return ir.Int(v), err
	case "as_name":
	default:
		return ir.Size{}, fmt.Errorf("a symbolic int is as_name or as_int, got %s", u.Tag)
	}
	var name string
	if err := u.decode(&name); err != nil {
		return ir.Size{}, err
	}
	if im.opts.Specialize {
		v, ok := im.syms[name]
		if !ok {
			return ir.Size{}, fmt.Errorf("symbolic int %s has no sym_int_values entry", name)
		}
		return ir.Int(v), nil
	}
	val, ok := im.g.SymIntValues[name]
	if !ok {
		return ir.Size{}, fmt.Errorf("symbolic int %s has no sym_int_values entry", name)
	}
	v, err := im.size(val)
	if err != nil {
		return ir.Size{}, fmt.Errorf("symbolic int %s: %v", name, err)
	}
	return v, nil
}

// decodeFloat reads a JSON float, which torch writes as a string for
// infinities and NaN.
func decodeFloat(b json.RawMessage) (float64, error) {
	var f float64
	if err := json.Unmarshal(b, &f); err == nil {
		return f, nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return 0, fmt.Errorf("want a float, got %s", b)
	}
	switch s {
	case "Infinity", "inf":
		return math.Inf(1), nil
	case "-Infinity", "-inf":
		return math.Inf(-1), nil
	case "NaN", "nan":
		return math.NaN(), nil
	}
	return 0, fmt.Errorf("want a float, got %q", s)
}

// results are the node's tensor results in order: each exported name (""
// for a None result), flattened over lists of tensors.
func (im *importer) results() ([]string, error) {
	var out []string
	for _, o := range im.n.Outputs {
		switch o.Tag {
		case "as_tensor":
			var t tensorArgument
			if err := o.decode(&t); err != nil {
				return nil, err
			}
			out = append(out, t.Name)
		case "as_tensors":
			var ts []tensorArgument
			if err := o.decode(&ts); err != nil {
				return nil, err
			}
			for _, t := range ts {
				out = append(out, t.Name)
			}
		case "as_none":
			out = append(out, "")
		default:
			return nil, im.errorf("result of kind %s is not supported", o.Tag)
		}
	}
	return out, nil
}

// used reports whether a value is read by a later node or is an output.
func (im *importer) used(exported string) bool {
	if im.readers == nil {
		im.readers = map[string]bool{}
		var mark func(u union)
		mark = func(u union) {
			switch u.Tag {
			case "as_tensor":
				var t tensorArgument
				if u.decode(&t) == nil {
					im.readers[t.Name] = true
				}
			case "as_tensors":
				var ts []tensorArgument
				if u.decode(&ts) == nil {
					for _, t := range ts {
						im.readers[t.Name] = true
					}
				}
			case "as_optional_tensors":
				var us []union
				if u.decode(&us) == nil {
					for _, x := range us {
						mark(x)
					}
				}
			case "as_optional_tensor":
				var x union
				if u.decode(&x) == nil {
					mark(x)
				}
			}
		}
		for _, n := range im.g.Nodes {
			for _, in := range n.Inputs {
				mark(in.Arg)
			}
		}
		for _, s := range im.a.model.GraphModule.Signature.OutputSpecs {
			var spec struct {
				Arg union `json:"arg"`
			}
			if s.decode(&spec) == nil {
				mark(spec.Arg)
			}
		}
	}
	return im.readers[exported]
}
