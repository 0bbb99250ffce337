package ops

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fusegen/fusegen/ir"
)

// Tensor is a value of the tensor-op layer, as Inductor's lowerings keep
// one: a shape, a dtype, and a loader that builds the expression of one
// element from one index per dimension. Pointwise ops and views compose
// loaders and create no loop nodes; reductions (and graph outputs) are
// realized as loop nodes, and a tensor read from a node is a load of it.
//
// The Builder hands out Tensors; their methods report shape and dtype.
type Tensor struct {
	shape  []ir.Size
	dtype  ir.DType
	load   func(idx []ir.Index) *ir.Expr
	scalar *Scalar  // a Python number: 0-d, and weakest in type promotion
	buffer string   // the tensor is this whole buffer (an input or a node)
	ops    []string // the PyTorch ops inlined into it, sorted (kernel names)
	// format is the dim order (outermost first) of a channels_last layout
	// this tensor keeps, as PyTorch's memory-format rule does: a buffer laid
	// out channels_last, and a pointwise result of one. Nil: contiguous.
	format []int
	// reshapeOf is a reshape's input, permuteOf and perm a permute's input
	// and its dims (result dim i is input dim perm[i]): a reshape of a
	// reshape, or a permute of a permute, is made from them in one step.
	reshapeOf *Tensor
	permuteOf *Tensor
	perm      []int

	// Builder only: the name of the op result this tensor is, and its builder.
	name string
	b    *Builder
}

// Shape returns the tensor's sizes.
func (t *Tensor) Shape() []ir.Size { return slices.Clone(t.shape) }

// DType returns the tensor's element type.
func (t *Tensor) DType() ir.DType { return t.dtype }

// Dim is the number of dimensions.
func (t *Tensor) Dim() int { return len(t.shape) }

// Name is the graph-file name of a Builder tensor (an input or an op result).
func (t *Tensor) Name() string { return t.name }

func (t *Tensor) isScalar() bool { return t.scalar != nil }

// opError is an error of one op, at one of its fields ("" for the node).
type opError struct {
	field string
	msg   string
}

func (e *opError) Error() string {
	if e.field == "" {
		return e.msg
	}
	return e.field + ": " + e.msg
}

func ferr(field, format string, a ...any) error {
	return &opError{field: field, msg: fmt.Sprintf(format, a...)}
}

// lowerer builds loop nodes from tensor ops.
type lowerer struct {
	g     *ir.Graph         // its Symbols are the program's
	taken map[string]string // every name in use -> where it is defined

	// The op node being lowered.
	base    string   // its (first) result name, for derived node names
	results []string // its result names
	made    map[string]bool
	origin  string // its PyTorch op name
	where   string // its path, for errors

	sentinels int
}

func newLowerer(g *ir.Graph) *lowerer {
	return &lowerer{g: g, taken: map[string]string{}}
}

// Expression helpers.

func eop(op ir.Op, args ...*ir.Expr) *ir.Expr { return &ir.Expr{Op: op, Args: args} }

func econst(dt ir.DType, value string) *ir.Expr {
	return &ir.Expr{Op: ir.OpConstant, DType: dt, Value: value}
}

func ecast(e *ir.Expr, dt ir.DType) *ir.Expr {
	return &ir.Expr{Op: ir.OpCast, DType: dt, Args: []*ir.Expr{e}}
}

func eindex(dt ir.DType, ix ir.Index) *ir.Expr { return &ir.Expr{Op: ir.OpIndex, DType: dt, Expr: ix} }

func eload(buffer string, idx []ir.Index) *ir.Expr {
	return &ir.Expr{Op: ir.OpLoad, Buffer: buffer, Index: slices.Clone(idx)}
}

// constant of a float value in dtype dt.
func fconst(dt ir.DType, v float64) *ir.Expr {
	return econst(dt, FloatScalar(v).Value)
}

func iconst(dt ir.DType, v int64) *ir.Expr { return econst(dt, IntScalar(v).Value) }

// mergeOps unions sorted op-name sets.
func mergeOps(sets ...[]string) []string {
	var out []string
	for _, s := range sets {
		for _, o := range s {
			if !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	sort.Strings(out)
	return out
}

// bufferTensor reads a whole buffer.
func bufferTensor(name string, shape, strides []ir.Size, dt ir.DType) *Tensor {
	return &Tensor{shape: slices.Clone(shape), dtype: dt, buffer: name, format: channelsLast(shape, strides),
		load: func(idx []ir.Index) *ir.Expr { return eload(name, idx) }}
}

// channelsLast returns the dim order of strides that lay shape out
// channels_last (rank 4: N, H, W, C) or channels_last_3d (rank 5), with
// more than one channel; nil for any other layout.
func channelsLast(shape, strides []ir.Size) []int {
	if strides == nil || (len(shape) != 4 && len(shape) != 5) || shape[1].Is(1) {
		return nil
	}
	order, ok := ir.DenseOrder(shape, strides)
	if !ok {
		return nil
	}
	want := []int{0}
	for d := 2; d < len(shape); d++ {
		want = append(want, d)
	}
	want = append(want, 1)
	if !slices.Equal(order, want) {
		return nil
	}
	return order
}

// formatOf is the format a pointwise result of ts over shape keeps: the
// first operand of the result's own shape decides, as the first operand
// with informative strides does in PyTorch's TensorIterator; broadcast
// operands and scalars do not.
func formatOf(ts []*Tensor, shape []ir.Size) []int {
	for _, t := range ts {
		if !t.isScalar() && slices.Equal(t.shape, shape) {
			return t.format
		}
	}
	return nil
}

// scalarTensor is a Python number as an op argument.
func scalarTensor(s Scalar) *Tensor {
	dt := s.defaultDType()
	return &Tensor{shape: []ir.Size{}, dtype: dt, scalar: &s,
		load: func([]ir.Index) *ir.Expr { return econst(dt, s.Value) }}
}

// defaultDType is the dtype PyTorch gives a Python scalar of this kind on
// its own: bool, int64, or the default float dtype float32.
func (s Scalar) defaultDType() ir.DType {
	switch s.Kind {
	case ScalarBool:
		return ir.Bool
	case ScalarInt:
		return ir.Int64
	}
	return ir.Float32
}

// Type promotion, as torch.result_type does it.

// PromoteTypes is torch.promote_types for the dtypes fusegen knows.
func PromoteTypes(a, b ir.DType) ir.DType {
	switch {
	case a == b:
		return a
	case a == ir.Bool:
		return b
	case b == ir.Bool:
		return a
	case a.IsFloat() && b.IsFloat():
		if a.IsHalf() && b.IsHalf() {
			return ir.Float32
		}
		if a.Bytes() >= b.Bytes() {
			return a
		}
		return b
	case a.IsFloat():
		return a
	case b.IsFloat():
		return b
	case a == ir.Uint8 || b == ir.Uint8:
		other := a
		if a == ir.Uint8 {
			other = b
		}
		if other == ir.Int8 {
			return ir.Int16
		}
		return other
	case a.Bytes() >= b.Bytes():
		return a
	}
	return b
}

func category(d ir.DType) int {
	switch {
	case d == "":
		return -1
	case d == ir.Bool:
		return 0
	case d.IsInt():
		return 1
	}
	return 2
}

// combineCategories is c10's combine_categories: the higher-priority class
// of operands decides unless the lower one is of a higher category.
func combineCategories(higher, lower ir.DType) ir.DType {
	if higher.IsFloat() {
		return higher
	}
	if higher == ir.Bool || lower.IsFloat() {
		if higher == "" {
			return lower
		}
		if lower == "" {
			return higher
		}
		return PromoteTypes(higher, lower)
	}
	if higher != "" {
		return higher
	}
	return lower
}

// ResultType is torch.result_type over tensors and Python scalars:
// dimensioned tensors take priority over 0-d tensors, which take priority
// over Python scalars, unless a lower-priority operand is of a higher
// category (bool < integer < float).
func resultType(ts ...*Tensor) ir.DType {
	var dim, zero, wrapped ir.DType
	promote := func(acc, d ir.DType) ir.DType {
		if acc == "" {
			return d
		}
		return PromoteTypes(acc, d)
	}
	for _, t := range ts {
		if t == nil {
			continue
		}
		switch {
		case t.isScalar():
			wrapped = promote(wrapped, t.dtype)
		case len(t.shape) > 0:
			dim = promote(dim, t.dtype)
		default:
			zero = promote(zero, t.dtype)
		}
	}
	return combineCategories(dim, combineCategories(zero, wrapped))
}

// ResultType is torch.result_type for the Builder's operands: *Tensor, or a
// Go number or bool standing for a Python scalar.
func ResultType(operands ...any) (ir.DType, error) {
	var ts []*Tensor
	for _, o := range operands {
		t, err := operand(o)
		if err != nil {
			return "", err
		}
		ts = append(ts, t)
	}
	return resultType(ts...), nil
}

// Shapes.

// broadcastShapes is torch.broadcast_shapes. Sizes match when they are
// equal; a static 1 broadcasts. A symbol against anything else (B against
// S, S against 8) is refused: which would win depends on the values.
func broadcastShapes(shapes ...[]ir.Size) ([]ir.Size, error) {
	n := 0
	for _, s := range shapes {
		n = max(n, len(s))
	}
	out := make([]ir.Size, n)
	for i := range out {
		out[i] = ir.Int(1)
	}
	for _, s := range shapes {
		for i, size := range s {
			d := n - len(s) + i
			switch {
			case size == out[d] || size.Is(1):
			case out[d].Is(1):
				out[d] = size
			default:
				return nil, fmt.Errorf("shapes %s do not broadcast (dimension %d: %s against %s)", shapeList(shapes), d-n, out[d], size)
			}
		}
	}
	return out, nil
}

// shapeStr spells a shape: [8, S, 768].
func shapeStr(s []ir.Size) string { return ir.SizesString(s) }

// intsStr spells a list of ints (dims, split sizes) as shapes are spelled.
func intsStr(s []int64) string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func shapeList(shapes [][]ir.Size) string {
	parts := make([]string, len(shapes))
	for i, s := range shapes {
		parts[i] = shapeStr(s)
	}
	if len(parts) == 2 {
		return parts[0] + " and " + parts[1]
	}
	return strings.Join(parts, ", ")
}

// broadcastTo views t with shape (which t broadcasts to): new leading
// dimensions are ignored and size-1 dimensions index 0.
func broadcastTo(t *Tensor, shape []ir.Size) *Tensor {
	if slices.Equal(t.shape, shape) {
		return t
	}
	off := len(shape) - len(t.shape)
	in := t
	return &Tensor{shape: slices.Clone(shape), dtype: t.dtype, scalar: t.scalar, ops: t.ops,
		load: func(idx []ir.Index) *ir.Expr {
			sub := make([]ir.Index, len(in.shape))
			for d := range in.shape {
				if in.shape[d].Is(1) {
					sub[d] = ir.ConstIndex(0)
				} else {
					sub[d] = idx[d+off]
				}
			}
			return in.load(sub)
		}}
}

// castTo converts t to dt: a Python scalar becomes a constant of dt (which
// must hold its value), a tensor gets a cast.
func castTo(t *Tensor, dt ir.DType) (*Tensor, error) {
	if t.dtype == dt && t.scalar == nil {
		return t, nil
	}
	if t.scalar != nil {
		s := *t.scalar
		v := s.Value
		if dt.IsFloat() && s.Kind != ScalarFloat {
			v = FloatScalar(s.Float()).Value
		}
		canon, err := ir.CanonicalValue(v, dt)
		if err != nil {
			return nil, fmt.Errorf("the number %s cannot be converted to %s without overflow or rounding: %v", s.Value, dt, err)
		}
		return &Tensor{shape: []ir.Size{}, dtype: dt, load: func([]ir.Index) *ir.Expr { return econst(dt, canon) }}, nil
	}
	if t.dtype == dt {
		return t, nil
	}
	in := t
	return &Tensor{shape: t.shape, dtype: dt, ops: t.ops, format: t.format,
		load: func(idx []ir.Index) *ir.Expr { return ecast(in.load(idx), dt) }}, nil
}

// mustCast is castTo for tensors (never fails).
func mustCast(t *Tensor, dt ir.DType) *Tensor {
	c, err := castTo(t, dt)
	if err != nil {
		panic(err)
	}
	return c
}

// pointwiseN broadcasts ts together, converts each to the matching dtype of
// in (or leaves it when in[i] is ""), and combines their elements with f.
func pointwiseN(ts []*Tensor, in []ir.DType, out ir.DType, op string, f func(args []*ir.Expr) *ir.Expr) (*Tensor, error) {
	shapes := make([][]ir.Size, len(ts))
	for i, t := range ts {
		shapes[i] = t.shape
	}
	shape, err := broadcastShapes(shapes...)
	if err != nil {
		return nil, ferr("args", "%v", err)
	}
	conv := make([]*Tensor, len(ts))
	var ops [][]string
	for i, t := range ts {
		c := t
		if in != nil && in[i] != "" {
			if c, err = castTo(t, in[i]); err != nil {
				return nil, ferr("args["+strconv.Itoa(i)+"]", "%v", err)
			}
		}
		conv[i] = broadcastTo(c, shape)
		ops = append(ops, t.ops)
	}
	if op != "" {
		ops = append(ops, []string{op})
	}
	return &Tensor{shape: shape, dtype: out, ops: mergeOps(ops...), format: formatOf(ts, shape),
		load: func(idx []ir.Index) *ir.Expr {
			args := make([]*ir.Expr, len(conv))
			for i, c := range conv {
				args[i] = c.load(idx)
			}
			return f(args)
		}}, nil
}

// unary maps each element of t.
func unary(t *Tensor, out ir.DType, op string, f func(*ir.Expr) *ir.Expr) *Tensor {
	in := t
	ops := t.ops
	if op != "" {
		ops = mergeOps(t.ops, []string{op})
	}
	return &Tensor{shape: t.shape, dtype: out, ops: ops, format: t.format,
		load: func(idx []ir.Index) *ir.Expr { return f(in.load(idx)) }}
}

// withOps returns t marked as coming from op alone (composites).
func withOps(t *Tensor, op string) *Tensor {
	c := *t
	c.ops = []string{op}
	return &c
}

// Nodes.

// begin starts lowering one op node.
func (l *lowerer) begin(op string, results []string, where string) {
	l.origin, l.results, l.where = op, results, where
	l.base = results[0]
	l.made = map[string]bool{}
}

// claim reserves a name the lowering creates, or reports who has it. The
// op's own result names are reserved for it already.
func (l *lowerer) claim(name string) error {
	if slices.Contains(l.results, name) && !l.made[name] {
		l.made[name] = true
		return nil
	}
	if err := ir.CheckName(name); err != nil {
		return ferr("", "lowering %s makes a node %v", l.origin, err)
	}
	if who, ok := l.taken[name]; ok {
		return ferr("", "lowering %s makes a node named %q, but %s already uses that name", l.origin, name, who)
	}
	l.taken[name] = l.where
	return nil
}

// derived is the name of a node the current op creates: its result name
// and a suffix.
func (l *lowerer) derived(suffix string) string { return l.base + "_" + suffix }

// addNode finishes a node the lowering made (simplified indices, checked),
// appends it to the graph, and returns the tensor that reads it.
func (l *lowerer) addNode(n *ir.Node) (*Tensor, error) {
	if err := l.claim(n.Name); err != nil {
		return nil, err
	}
	simplifyBody(n.Body, l.env(n))
	if err := ir.ValidateNode(l.g, nil, n, "node "+strconv.Quote(n.Name)); err != nil {
		return nil, ferr("", "internal error: lowering %s made an invalid loop node: %v", l.origin, err)
	}
	l.g.Nodes = append(l.g.Nodes, n)
	return bufferTensor(n.Name, n.Ranges, n.Strides, n.DType), nil
}

// realize stores t in a pointwise node called name and returns the tensor
// that reads it. origin names the node's op for kernel names; "" takes the
// ops inlined into t.
func (l *lowerer) realize(name string, t *Tensor) (*Tensor, error) {
	if t.buffer == name {
		return t, nil
	}
	body := t.load(ir.RangeVars(len(t.shape)))
	if t.isScalar() {
		body = econst(t.dtype, t.scalar.Value)
	}
	n := &ir.Node{Name: name, Kind: ir.Pointwise, Ranges: slices.Clone(t.shape), Body: body, Origin: originOf(t.ops, l.origin)}
	if t.format != nil {
		n.Strides = ir.StridesFor(n.Ranges, t.format)
	}
	r, err := l.addNode(n)
	if err != nil {
		return nil, err
	}
	r.ops = t.ops
	return r, nil
}

// originOf names a realized node's kernel op: the PyTorch ops it inlines
// (at most 10, as kernel names take), else the op that made it.
func originOf(ops []string, fallback string) string {
	if len(ops) == 0 {
		return fallback
	}
	if len(ops) > 10 {
		ops = ops[:10]
	}
	return strings.Join(ops, "_")
}

// reduce makes a reduction node over the dims of x marked in reduced, whose
// body is body evaluated at x's index; ranges keep the reduced dims as size 1
// when keepdim. The node is called name.
func (l *lowerer) reduce(name string, x *Tensor, reduced []bool, keepdim bool, rt ir.ReductionType, body func(idx []ir.Index) *ir.Expr) (*Tensor, error) {
	var ranges, rranges []ir.Size
	idx := make([]ir.Index, len(x.shape))
	for d, size := range x.shape {
		if reduced[d] {
			idx[d] = ir.VarIndex(ir.ReductionVar(len(rranges)))
			rranges = append(rranges, size)
			if keepdim {
				ranges = append(ranges, ir.Int(1))
			}
			continue
		}
		idx[d] = ir.VarIndex(ir.RangeVar(len(ranges)))
		ranges = append(ranges, size)
	}
	if ranges == nil {
		ranges = []ir.Size{}
	}
	n := &ir.Node{Name: name, Kind: ir.Reduction, Ranges: ranges, ReductionRanges: rranges, Reduction: rt,
		Body: body(idx), Origin: l.origin}
	t, err := l.addNode(n)
	if err != nil {
		return nil, err
	}
	t.ops = []string{l.origin}
	return t, nil
}

// env is what simplification knows of node n: its loop variables' extents
// and the program's symbols.
func (l *lowerer) env(n *ir.Node) ir.Env {
	return ir.Env{Sizes: n.VarSizes(), Symbols: l.g.Symbols}
}

// syms are the program's symbols.
func (l *lowerer) syms() ir.Symbols { return l.g.Symbols }

// simplifyBody simplifies every index of e with the node's variable sizes.
func simplifyBody(e *ir.Expr, env ir.Env) {
	e.Walk(func(x *ir.Expr) {
		switch x.Op {
		case ir.OpLoad:
			for d, ix := range x.Index {
				if _, ok := ix.IsIndirect(); ok {
					continue
				}
				x.Index[d] = ix.Simplify(env)
			}
		case ir.OpIndex:
			x.Expr = x.Expr.Simplify(env)
		}
	})
}

// exprSize counts the expressions of e and its depth.
func exprSize(e *ir.Expr) (n, depth int) {
	if e == nil {
		return 0, 0
	}
	n = 1
	for _, args := range [2][]*ir.Expr{e.Args, e.Indirect} {
		for _, a := range args {
			an, ad := exprSize(a)
			n += an
			depth = max(depth, ad)
		}
	}
	return n, depth + 1
}

// Inlining limits: a pointwise value whose expression grows past them is
// realized, as Inductor realizes buffers with too large a body.
const (
	maxInlineExprs = 400
	maxInlineDepth = 64
)

func tooLarge(t *Tensor) bool {
	if t.buffer != "" || t.isScalar() {
		return false
	}
	n, d := exprSize(t.load(ir.RangeVars(len(t.shape))))
	return n > maxInlineExprs || d > maxInlineDepth
}

// Indirect loads.

var errIndirect = errors.New("the source of an indirect load is not a plain view of a buffer")

// indirectLoad loads src at idx, with dimension dim taken at run time from
// value (an integer expression). It works when src reads dimension dim of
// buffers as a whole index (inputs, nodes, and views that keep the
// dimension); otherwise it reports errIndirect and the caller realizes src.
func (l *lowerer) indirectLoad(src *Tensor, idx []ir.Index, dim int, value *ir.Expr) (*ir.Expr, error) {
	sentinel := fmt.Sprintf("$s%d", l.sentinels)
	l.sentinels++
	sub := slices.Clone(idx)
	sub[dim] = ir.VarIndex(sentinel)
	e := src.load(sub)
	bad := false
	e.Walk(func(x *ir.Expr) {
		switch x.Op {
		case ir.OpLoad:
			k := -1
			for d, ix := range x.Index {
				if v, ok := ix.IsVar(); ok && v == sentinel {
					if k < 0 {
						k = len(x.Indirect)
						x.Indirect = append(x.Indirect, value)
					}
					x.Index[d] = ir.IndirectIndex(k)
					continue
				}
				if slices.Contains(ix.Vars(), sentinel) {
					bad = true
				}
			}
		case ir.OpIndex:
			if slices.Contains(x.Expr.Vars(), sentinel) {
				bad = true
			}
		}
	})
	if bad {
		return nil, errIndirect
	}
	return e, nil
}

// indirectSource returns src, or src realized as node name when an
// indirect load along dim cannot read it directly (a view that divides or
// offsets the dimension, a cat). Gathers call it before building loaders,
// which then cannot fail.
func (l *lowerer) indirectSource(src *Tensor, dim int, name string) (*Tensor, error) {
	probe := ir.RangeVars(len(src.shape))
	if _, err := l.indirectLoad(src, probe, dim, iconst(ir.Int64, 0)); err == nil {
		return src, nil
	}
	return l.realize(name, src)
}

// mustIndirect is indirectLoad for a source indirectSource accepted.
func (l *lowerer) mustIndirect(src *Tensor, idx []ir.Index, dim int, value *ir.Expr) *ir.Expr {
	e, err := l.indirectLoad(src, idx, dim, value)
	if err != nil {
		panic(err)
	}
	return e
}
