package ir

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Error is a validation or format error at one place in a graph. Path reads
// like a JSON path into the graph file, with the node's name beside its
// position, e.g. `nodes[2] "y".body.args[0]`.
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

func ErrorAt(path, format string, a ...any) error {
	return &Error{Path: path, Msg: fmt.Sprintf(format, a...)}
}

// IsIdentifier reports whether s matches ^[A-Za-z_][A-Za-z0-9_]*$.
func IsIdentifier(s string) bool {
	if s == "" || isDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isGraphName reports whether s matches ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$.
func isGraphName(s string) bool {
	if s == "" || len(s) > 128 || s[0] == '.' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !isDigit(c) && c != '_' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// CheckName reports whether s can name a buffer: a Python identifier of at
// most 64 characters that does not start with an underscore, which is
// reserved for the names the generated module binds itself. The names a
// graph may not take because the module reads them (Python keywords, torch,
// ...) are the templates' to say, not the graph's: fusegen checks them
// against the device's list (templates.Renderer.ReservedNames).
func CheckName(s string) error {
	switch {
	case s == "":
		return errors.New("name is empty")
	case !IsIdentifier(s):
		return fmt.Errorf("name %q is not a Python identifier (letters, digits and _, not starting with a digit)", s)
	case strings.HasPrefix(s, "_"):
		return fmt.Errorf("name %q starts with an underscore, which is reserved for generated names", s)
	case len(s) > 64:
		return fmt.Errorf("name %q is longer than 64 characters", s)
	}
	return nil
}

// NamePlace is a name a graph defines, with where errors about it point.
type NamePlace struct {
	Name string
	// Path is the place that defines the name: "inputs[0].name",
	// "nodes[2].name", `nodes[1] "q, k".outputs[0]`; for a node that
	// lowering made for an op, the op's node, e.g. `nodes[3] "y"`.
	Path string
	// Op is the op that made the node when lowering made it ("softmax"
	// for "y_max"); empty otherwise.
	Op string
}

// NamePlaces lists every name g defines with its place: g.Places when the
// graph's source set them (a graph lowered from an op program), else its
// inputs, then its nodes, by position.
func NamePlaces(g *Graph) []NamePlace {
	if g.Places != nil {
		return g.Places
	}
	out := make([]NamePlace, 0, len(g.Inputs)+len(g.Nodes))
	for i, b := range g.Inputs {
		out = append(out, NamePlace{Name: b.Name, Path: "inputs[" + strconv.Itoa(i) + "].name"})
	}
	for i, n := range g.Nodes {
		out = append(out, NamePlace{Name: n.Name, Path: "nodes[" + strconv.Itoa(i) + "].name"})
	}
	return out
}

// maxElements bounds every size product, far above any real tensor, so that
// index arithmetic cannot overflow int64.
const MaxElements = int64(1) << 48

// Validate checks g and fills in the inferred dtypes of its nodes and
// expressions. Every error names the node and the field at fault.
func Validate(g *Graph) error {
	defined, err := ValidateHeader(g.Name, g.Device, g.Symbols, g.Inputs)
	if err != nil {
		return err
	}
	for i, n := range g.Nodes {
		path := "nodes[" + strconv.Itoa(i) + "]"
		if err := CheckName(n.Name); err != nil {
			return ErrorAt(path+".name", "%v", err)
		}
		if prev, ok := defined[n.Name]; ok {
			return ErrorAt(path+".name", "duplicate name %q (first defined at %s)", n.Name, prev)
		}
		defined[n.Name] = path
	}
	// Nodes are checked in dependency order, so that a node's dtype is known
	// before the nodes that load it are checked; the file need not be sorted.
	// A node reading itself is left to validateNode, which names the load.
	order, err := topoOrder(g, true)
	if err != nil {
		return err
	}
	pos := make(map[*Node]int, len(g.Nodes))
	for i, n := range g.Nodes {
		pos[n] = i
	}
	table := NewTable(g)
	for _, n := range order {
		if err := ValidateNode(g, table, n, "nodes["+strconv.Itoa(pos[n])+"] "+strconv.Quote(n.Name)); err != nil {
			return err
		}
	}
	for i, n := range g.Nodes {
		if n.Call == nil {
			continue
		}
		for k, r := range n.Call.Results {
			if r == "" {
				continue // discarded
			}
			if m := table.Node(r); m == nil || m.Call == nil || m.Call.ResultOf != n.Name {
				return ErrorAt("nodes["+strconv.Itoa(i)+"] "+strconv.Quote(n.Name)+".call.results["+strconv.Itoa(k)+"]", "no node %q holds result %d of this call", r, k+1)
			}
		}
	}
	if err := validateParams(g); err != nil {
		return err
	}
	if len(g.Outputs) == 0 {
		return ErrorAt("outputs", "the graph has no outputs")
	}
	seen := map[string]bool{}
	for i, o := range g.Outputs {
		path := "outputs[" + strconv.Itoa(i) + "]"
		if _, ok := defined[o]; !ok {
			return ErrorAt(path, "output %q is not an input or a node", o)
		}
		if seen[o] {
			return ErrorAt(path, "output %q is listed twice", o)
		}
		seen[o] = true
	}
	return nil
}

// validateHeader checks the graph name, the device and the inputs, and
// returns the input names with the paths that define them.
func ValidateHeader(name, device string, syms Symbols, inputs []*Buffer) (map[string]string, error) {
	if !isGraphName(name) {
		return nil, ErrorAt("name", "graph name %q must be 1 to 128 characters of letters, digits, _, . and -", name)
	}
	if err := ParseDevice(device); err != nil {
		return nil, ErrorAt("device", "%v", err)
	}
	for _, sym := range syms.Sorted() {
		if err := CheckSymbol(sym); err != nil {
			return nil, ErrorAt("symbols."+sym.Name, "%v", err)
		}
	}
	defined := map[string]string{} // name -> path where defined
	for i, b := range inputs {
		path := "inputs[" + strconv.Itoa(i) + "]"
		if err := CheckName(b.Name); err != nil {
			return nil, ErrorAt(path+".name", "%v", err)
		}
		if prev, ok := defined[b.Name]; ok {
			return nil, ErrorAt(path+".name", "duplicate name %q (first defined at %s)", b.Name, prev)
		}
		defined[b.Name] = path
		if err := CheckBuffer(b, path, syms); err != nil {
			return nil, err
		}
	}
	return defined, nil
}

// checkShapeAt is CheckShape(shape, path+field, syms), spelling the path
// only for an error.
func checkShapeAt(shape []Size, path, field string, syms Symbols) error {
	total := int64(1)
	for _, s := range shape {
		if s.Syms != "" {
			return CheckShape(shape, path+field, syms)
		}
		if s.C < 1 || s.C > MaxElements || total > MaxElements/s.C {
			return CheckShape(shape, path+field, syms)
		}
		total *= s.C
	}
	return nil
}

// CheckShape checks that every size is positive, names only declared
// symbols, and that the shape holds at most 2^48 elements at the symbols'
// maxima.
func CheckShape(shape []Size, path string, syms Symbols) error {
	total := int64(1)
	for d, s := range shape {
		at := path + "[" + strconv.Itoa(d) + "]"
		for _, n := range s.Syms.Names() {
			if _, ok := syms[n]; !ok {
				return ErrorAt(at, "size %s names %q, which is no declared symbol", s, n)
			}
		}
		if s.C < 1 {
			return ErrorAt(at, "size %s must be positive", s)
		}
		m := syms.Max(s)
		if m > MaxElements || total > MaxElements/m {
			return ErrorAt(path, "more than 2^48 elements")
		}
		total *= m
	}
	return nil
}

// CheckBuffer checks a buffer's dtype, shape, strides and offset.
func CheckBuffer(b *Buffer, path string, syms Symbols) error {
	if !b.DType.Valid() {
		return ErrorAt(path+".dtype", "unknown dtype %q", b.DType)
	}
	if err := checkShapeAt(b.Shape, path, ".shape", syms); err != nil {
		return err
	}
	if b.Strides != nil {
		if len(b.Strides) != len(b.Shape) {
			return ErrorAt(path+".strides", "%d strides for %d dimensions", len(b.Strides), len(b.Shape))
		}
		for d, s := range b.Strides {
			at := path + ".strides[" + strconv.Itoa(d) + "]"
			for _, n := range s.Syms.Names() {
				if _, ok := syms[n]; !ok {
					return ErrorAt(at, "stride %s names %q, which is no declared symbol", s, n)
				}
			}
			m := syms.Max(s)
			if s.C < 0 || m > MaxElements {
				return ErrorAt(at, "stride %s must be between 0 and 2^48", s)
			}
			// Checked per dimension so that Extent cannot overflow below.
			if m != 0 && syms.Max(b.Shape[d])-1 > MaxElements/m {
				return ErrorAt(path, "strides reach more than 2^48 elements")
			}
		}
	}
	if b.Offset < 0 || b.Offset > MaxElements {
		return ErrorAt(path+".offset", "storage offset %d must be between 0 and 2^48", b.Offset)
	}
	if b.Extent().Bounds(Env{Symbols: syms}).Hi > MaxElements {
		return ErrorAt(path, "strides reach more than 2^48 elements")
	}
	return nil
}

func ValidateNode(g *Graph, table *Table, n *Node, path string) error {
	if err := checkShapeAt(n.Ranges, path, ".ranges", g.Symbols); err != nil {
		return err
	}
	switch n.Kind {
	case Pointwise:
		if len(n.ReductionRanges) != 0 {
			return ErrorAt(path+".reduction_ranges", "a pointwise node has no reduction ranges")
		}
		if n.Reduction != "" {
			return ErrorAt(path+".reduction", "a pointwise node has no reduction type")
		}
	case Extern:
		return validateExtern(g, table, n, path)
	case Reduction:
		if len(n.ReductionRanges) == 0 {
			return ErrorAt(path+".reduction_ranges", "a reduction node needs at least one reduction range")
		}
		if err := checkShapeAt(n.ReductionRanges, path, ".reduction_ranges", g.Symbols); err != nil {
			return err
		}
		if g.Symbols.Max(n.Numel()) > MaxElements/g.Symbols.Max(n.ReductionNumel()) {
			return ErrorAt(path, "ranges times reduction ranges exceed 2^48 points")
		}
		if n.Reduction.Info() == nil {
			return ErrorAt(path+".reduction", "unknown reduction type %q (want %s)", n.Reduction, reductionList())
		}
	default:
		return ErrorAt(path+".kind", "unknown node kind %q (want pointwise, reduction or extern)", n.Kind)
	}
	if n.Strides != nil {
		if n.Kind != Pointwise {
			return ErrorAt(path+".strides", "only a pointwise node lays its buffer out with strides")
		}
		if _, ok := DenseOrder(n.Ranges, n.Strides); !ok {
			return ErrorAt(path+".strides", "strides %s do not lay ranges %s out densely (a permutation of the dims, each stride the product of the sizes inner to it)", SizesString(n.Strides), SizesString(n.Ranges))
		}
	}
	if n.Body == nil {
		return ErrorAt(path+".body", "missing body")
	}
	v := &exprChecker{g: g, table: table, env: Env{Sizes: n.VarSizes(), Symbols: g.Symbols}, self: n.Name, root: path}
	v.stack = v.stackBuf[:0]
	v.push(".body", -1)
	bodyType, err := v.check(n.Body)
	if err != nil {
		return err
	}
	out := bodyType
	if n.Kind == Reduction {
		info := n.Reduction.Info()
		if msg := info.CheckBody(bodyType); msg != "" {
			return ErrorAt(path+".body", "%s", msg)
		}
		out = info.Result.DType(bodyType)
	}
	if n.DType != "" && n.DType != out {
		return ErrorAt(path+".dtype", "declared dtype %s but the body computes %s", n.DType, out)
	}
	n.DType = out
	return nil
}

// pathElem is a step of an expression's path below its node: a field,
// and a position in the field's list when index >= 0.
type pathElem struct {
	field string
	index int
}

type exprChecker struct {
	// root, then stack, is the path of the expression being checked; it is
	// spelled only for an error.
	root     string
	stack    []pathElem
	stackBuf [8]pathElem

	g     *Graph
	table *Table
	env   Env
	self  string
	depth int
}

const MaxExprDepth = 256

func (v *exprChecker) push(field string, index int) {
	v.stack = append(v.stack, pathElem{field, index})
}

func (v *exprChecker) pop() { v.stack = v.stack[:len(v.stack)-1] }

// path spells the path of the expression being checked.
func (v *exprChecker) path() string {
	b := append([]byte(nil), v.root...)
	for _, e := range v.stack {
		b = append(b, e.field...)
		if e.index >= 0 {
			b = append(strconv.AppendInt(append(b, '['), int64(e.index), 10), ']')
		}
	}
	return string(b)
}

func (v *exprChecker) check(e *Expr) (DType, error) {
	if e == nil {
		return "", ErrorAt(v.path(), "missing expression")
	}
	v.depth++
	defer func() { v.depth-- }()
	if v.depth > MaxExprDepth {
		return "", ErrorAt(v.path(), "expression nested deeper than %d", MaxExprDepth)
	}
	arity := Arity(e.Op)
	if arity < 0 {
		return "", ErrorAt(v.path()+".op", "unknown op %q", e.Op)
	}
	if len(e.Args) != arity {
		return "", ErrorAt(v.path()+".args", "%s takes %d argument(s), got %d", e.Op, arity, len(e.Args))
	}
	if e.Op != OpLoad && (e.Buffer != "" || e.Index != nil || e.Indirect != nil || e.Guards != nil) {
		return "", ErrorAt(v.path(), "buffer, index, indirect and guards belong to load only")
	}
	if e.Op != OpConstant && e.Value != "" {
		return "", ErrorAt(v.path()+".value", "value belongs to constant only")
	}
	args := make([]DType, len(e.Args))
	for i, a := range e.Args {
		v.push(".args", i)
		t, err := v.check(a)
		v.pop()
		if err != nil {
			return "", err
		}
		args[i] = t
	}
	switch e.Op {
	case OpLoad:
		return v.checkLoad(e)
	case OpConstant:
		if !e.DType.Valid() {
			return "", ErrorAt(v.path()+".dtype", "constant needs a dtype, got %q", e.DType)
		}
		canon, err := CanonicalValue(e.Value, e.DType)
		if err != nil {
			return "", ErrorAt(v.path()+".value", "%v", err)
		}
		e.Value = canon
		return e.DType, nil
	case OpIndex:
		if e.DType != Int32 && e.DType != Int64 {
			return "", ErrorAt(v.path()+".dtype", "index needs dtype int32 or int64, got %q", e.DType)
		}
		v.push(".expr", -1)
		err := v.checkIndex(e.Expr, false)
		v.pop()
		if err != nil {
			return "", err
		}
		b := e.Expr.Bounds(v.env)
		if e.DType == Int32 && (b.Lo < -(1<<31) || b.Hi >= 1<<31) {
			return "", ErrorAt(v.path()+".expr", "value can reach %d, beyond int32", b.Hi)
		}
		return e.DType, nil
	case OpCast:
		if !e.DType.Valid() {
			return "", ErrorAt(v.path()+".dtype", "cast needs a target dtype, got %q", e.DType)
		}
		return e.DType, nil
	case OpWhere:
		if args[0] != Bool {
			return "", ErrorAt(v.path()+".args[0]", "where needs a bool condition, got %s", args[0])
		}
		if args[1] != args[2] {
			return "", ErrorAt(v.path(), "where's branches differ in dtype: %s and %s", args[1], args[2])
		}
		return v.result(e, args[1])
	}
	a := args[0]
	if len(args) == 2 && args[0] != args[1] {
		return "", ErrorAt(v.path(), "%s's operands differ in dtype: %s and %s (cast one)", e.Op, args[0], args[1])
	}
	switch opClasses[e.Op] {
	case ClassFloatUnary, ClassFloatBinary:
		if !a.IsFloat() {
			return "", ErrorAt(v.path(), "%s needs float operands, got %s", e.Op, a)
		}
		return v.result(e, a)
	case ClassNumUnary, ClassArith:
		if a == Bool {
			return "", ErrorAt(v.path(), "%s needs numeric operands, got bool", e.Op)
		}
		return v.result(e, a)
	case ClassPredicate:
		if a == Bool {
			return "", ErrorAt(v.path(), "%s needs a numeric operand, got bool", e.Op)
		}
		return v.result(e, Bool)
	case ClassLogicalNot, ClassCompare:
		return v.result(e, Bool)
	case ClassLogical:
		if a != Bool {
			return "", ErrorAt(v.path(), "%s needs bool operands, got %s", e.Op, a)
		}
		return v.result(e, Bool)
	case ClassBitwise:
		if a.IsFloat() {
			return "", ErrorAt(v.path(), "%s needs integer or bool operands, got %s", e.Op, a)
		}
		return v.result(e, a)
	case ClassMinMax:
		return v.result(e, a)
	}
	return "", ErrorAt(v.path()+".op", "unknown op %q", e.Op)
}

// result records an inferred dtype, refusing a contradicting declared one.
func (v *exprChecker) result(e *Expr, t DType) (DType, error) {
	if e.DType != "" && e.DType != t {
		return "", ErrorAt(v.path()+".dtype", "declared dtype %s but %s computes %s", e.DType, e.Op, t)
	}
	e.DType = t
	return t, nil
}

// bufferIn looks name up in the table when there is one, else in g (a
// graph still being built).
// nodeIn is bufferIn for nodes.
func nodeIn(g *Graph, table *Table, name string) *Node {
	if table != nil {
		return table.Node(name)
	}
	return g.Node(name)
}

func bufferIn(g *Graph, table *Table, name string) *Buffer {
	if table != nil {
		return table.Buffer(name)
	}
	return g.Lookup(name)
}

func (v *exprChecker) checkLoad(e *Expr) (DType, error) {
	if e.Buffer == v.self {
		return "", ErrorAt(v.path()+".buffer", "node reads its own buffer %q (a cycle)", e.Buffer)
	}
	b := bufferIn(v.g, v.table, e.Buffer)
	if b == nil {
		return "", ErrorAt(v.path()+".buffer", "undefined buffer %q", e.Buffer)
	}
	if len(e.Index) != len(b.Shape) {
		return "", ErrorAt(v.path()+".index", "%d indices for %q, which has %d dimensions", len(e.Index), e.Buffer, len(b.Shape))
	}
	usedIndirect := make([]bool, len(e.Indirect))
	for k, ind := range e.Indirect {
		v.push(".indirect", k)
		t, err := v.check(ind)
		v.pop()
		if err != nil {
			return "", err
		}
		if !t.IsInt() {
			return "", ErrorAt(v.path()+".indirect["+strconv.Itoa(k)+"]", "an indirect index must be an integer, got %s", t)
		}
	}
	// The index must be within the buffer where the guards hold: each
	// guarded variable v becomes Lo + a fresh variable of range Size.
	env, guard, err := v.guardedEnv(e.Guards)
	if err != nil {
		return "", err
	}
	outer := v.env
	v.env = env
	defer func() { v.env = outer }()
	where := ""
	if guard != nil {
		where = " where its guards hold"
	}
	for d, ix := range e.Index {
		orig := ix
		if guard != nil {
			ix = ix.Subst(guard)
		}
		if k, ok := ix.IsIndirect(); ok {
			if k >= len(e.Indirect) {
				return "", ErrorAt(v.path()+".index["+strconv.Itoa(d)+"]", "%s names no entry of indirect (it has %d)", ix, len(e.Indirect))
			}
			usedIndirect[k] = true
			continue
		}
		v.push(".index", d)
		err := v.checkIndex(ix, true)
		v.pop()
		if err != nil {
			return "", err
		}
		if !ix.nonNegative(v.env) || !ix.below(b.Shape[d], v.env) {
			bounds := ix.Bounds(v.env)
			if !b.Shape[d].IsStatic() || ix.HasSymbols() || ix.hasSymbolicExtent(v.env) {
				return "", ErrorAt(v.path()+".index["+strconv.Itoa(d)+"]", "index %s is not provably within [0, %s)%s (it ranges over [%d, %d] at the symbols' extremes), outside dimension %d of %q", orig, b.Shape[d], where, bounds.Lo, bounds.Hi, d, e.Buffer)
			}
			return "", ErrorAt(v.path()+".index["+strconv.Itoa(d)+"]", "index %s ranges over [%d, %d]%s, outside dimension %d of %q (size %s)", orig, bounds.Lo, bounds.Hi, where, d, e.Buffer, b.Shape[d])
		}
	}
	for k, used := range usedIndirect {
		if !used {
			return "", ErrorAt(v.path()+".indirect["+strconv.Itoa(k)+"]", "indirect value $%d is not used by any index", k)
		}
	}
	return v.result(e, b.DType)
}

// guardedEnv is the env a guarded load's index is checked in, and the
// substitution of each guarded variable v by Lo + a fresh variable (v
// primed) of range Size; env and nil without guards.
func (v *exprChecker) guardedEnv(gs []Guard) (Env, map[string]Index, error) {
	if len(gs) == 0 {
		return v.env, nil, nil
	}
	env := Env{Symbols: v.env.Symbols, Sizes: maps.Clone(v.env.Sizes)}
	sub := map[string]Index{}
	for i, g := range gs {
		at := v.path() + ".guards[" + strconv.Itoa(i) + "]"
		name, ok := g.Index.IsVar()
		if _, known := v.env.Sizes[name]; !ok || !known {
			return Env{}, nil, ErrorAt(at+".index", "a guard's index must be a loop variable of this node (%s), got %s", v.varList(), g.Index)
		}
		if _, dup := sub[name]; dup {
			return Env{}, nil, ErrorAt(at+".index", "a second guard on %s", name)
		}
		if err := checkGuardSize(g.Lo, 0, v.env.Symbols); err != nil {
			return Env{}, nil, ErrorAt(at+".lo", "%v", err)
		}
		if err := checkGuardSize(g.Size, 1, v.env.Symbols); err != nil {
			return Env{}, nil, ErrorAt(at+".size", "%v", err)
		}
		fresh := name + "'"
		env.Sizes[fresh] = g.Size
		sub[name] = VarIndex(fresh).Add(SizeIndex(g.Lo))
	}
	return env, sub, nil
}

// checkGuardSize checks a guard's bound: at least least, over declared
// symbols.
func checkGuardSize(s Size, least int64, syms Symbols) error {
	for _, n := range s.Syms.Names() {
		if _, ok := syms[n]; !ok {
			return fmt.Errorf("names %q, which is no declared symbol", n)
		}
	}
	if r := syms.Range(s); r.Lo < least {
		return fmt.Errorf("%s can be %d; it must be at least %d", s, r.Lo, least)
	}
	return nil
}

// checkIndex checks that an index mentions only this node's loop variables
// and that nothing it divides can be negative.
func (v *exprChecker) checkIndex(ix Index, inLoad bool) error {
	if t, ok := ix.FirstIndirect(); ok {
		if inLoad {
			return ErrorAt(v.path(), "an indirect value %s must be the whole index of a dimension", t.Var)
		}
		return ErrorAt(v.path(), "an indirect value %s may appear only in a load's index", t.Var)
	}
	for _, name := range v.badVars(ix) {
		if _, ok := v.env.Sizes[name]; !ok {
			return ErrorAt(v.path(), "unknown loop variable %q (this node has %s)", name, v.varList())
		}
	}
	if neg := v.negativeDividend(ix); neg != nil {
		return ErrorAt(v.path(), "%s can be negative where it is divided", neg)
	}
	return nil
}

// negativeDividend returns the first index, in depth-first order, that x
// divides or takes a modulo of and that can be negative; nil if none.
func (v *exprChecker) negativeDividend(x Index) *Index {
	for _, t := range x.Terms {
		if t.Inner == nil {
			continue
		}
		if !t.Inner.nonNegative(v.env) {
			return t.Inner
		}
		if neg := v.negativeDividend(*t.Inner); neg != nil {
			return neg
		}
	}
	return nil
}

// badVars is ix.Vars() when one of them is an indirect value or unknown,
// for checkIndex to report the first; nil when all are loop variables of
// the node, found without building the list.
func (v *exprChecker) badVars(ix Index) []string {
	if v.varsKnown(ix) {
		return nil
	}
	return ix.Vars()
}

func (v *exprChecker) varsKnown(x Index) bool {
	for _, t := range x.Terms {
		if t.Inner != nil {
			if !v.varsKnown(*t.Inner) {
				return false
			}
			continue
		}
		if _, known := v.env.Sizes[t.Var]; !known || t.Indirect > 0 {
			return false
		}
	}
	return true
}

func (v *exprChecker) varList() string {
	var names []string
	for d := 0; ; d++ {
		if _, ok := v.env.Sizes[RangeVar(d)]; !ok {
			break
		}
		names = append(names, RangeVar(d))
	}
	for d := 0; ; d++ {
		if _, ok := v.env.Sizes[ReductionVar(d)]; !ok {
			break
		}
		names = append(names, ReductionVar(d))
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// TopoOrder returns the nodes so that each comes after the nodes it reads,
// keeping file order where the dependencies allow. A cycle is an error that
// names the nodes on it.
func TopoOrder(g *Graph) ([]*Node, error) { return topoOrder(g, false) }

// topoOrder is TopoOrder; with skipSelf, a node reading its own buffer is not
// reported as a cycle.
func topoOrder(g *Graph, skipSelf bool) ([]*Node, error) {
	index := map[string]int{}
	for i, n := range g.Nodes {
		index[n.Name] = i
	}
	order, cycle := DependencyOrder(len(g.Nodes), func(i int) []int {
		var deps []int
		for _, r := range g.Nodes[i].Reads() {
			if j, ok := index[r]; ok && !(skipSelf && j == i) {
				deps = append(deps, j)
			}
		}
		return deps
	})
	if cycle != nil {
		names := make([]string, len(cycle))
		for k, j := range cycle {
			names[k] = g.Nodes[j].Name
		}
		last := cycle[len(cycle)-1]
		return nil, ErrorAt(fmt.Sprintf("nodes[%d] %q", last, g.Nodes[last].Name), "cycle: %s", strings.Join(names, " -> "))
	}
	nodes := make([]*Node, len(order))
	for k, i := range order {
		nodes[k] = g.Nodes[i]
	}
	return nodes, nil
}

// CanonicalValue checks a constant's spelling against its dtype and returns
// the canonical spelling.
func CanonicalValue(s string, t DType) (string, error) {
	switch {
	case t == Bool:
		switch s {
		case "true", "1":
			return "true", nil
		case "false", "0":
			return "false", nil
		}
		return "", fmt.Errorf("%q is not a bool (true or false)", s)
	case t.IsInt():
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil || f != float64(int64(f)) {
				return "", fmt.Errorf("%q is not an integer", s)
			}
			i = int64(f)
		}
		lo, hi := t.IntRange()
		if i < lo || i > hi {
			return "", fmt.Errorf("%d is out of range for %s", i, t)
		}
		return strconv.FormatInt(i, 10), nil
	default:
		switch s {
		case "inf", "+inf", "Infinity":
			return "inf", nil
		case "-inf", "-Infinity":
			return "-inf", nil
		case "nan", "NaN":
			return "nan", nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return "", fmt.Errorf("%q is not a number (or inf, -inf, nan)", s)
		}
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	}
}

// validateParams checks the inputs an archive holds: each an input, once,
// its entry a plain path (letters, digits and _ . / -), which the module
// spells as a string.
func validateParams(g *Graph) error {
	seen := map[string]bool{}
	for i, p := range g.Params {
		at := "params[" + strconv.Itoa(i) + "]"
		switch {
		case !slices.ContainsFunc(g.Inputs, func(b *Buffer) bool { return b.Name == p.Input }):
			return ErrorAt(at, "%q is not an input", p.Input)
		case seen[p.Input]:
			return ErrorAt(at, "input %q is loaded twice", p.Input)
		case !isEntryPath(p.Entry):
			return ErrorAt(at, "entry %q is not a plain path (letters, digits and _ . / -)", p.Entry)
		}
		seen[p.Input] = true
	}
	return nil
}

func isEntryPath(s string) bool {
	if s == "" || len(s) > 1024 || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./-", r)) {
			return false
		}
	}
	return true
}
