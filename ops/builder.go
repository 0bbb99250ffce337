package ops

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/fusegen/fusegen/ir"
)

// Builder builds a graph from tensor ops in Go, with PyTorch's names and
// semantics, the same ops a graph file's op nodes have:
//
//	b := ops.NewBuilder("softmax", "cuda")
//	x := b.Input("x", ir.Float32, 32768, 1024)
//	b.Output("y", b.Softmax(x, -1))
//	g, err := b.Build()
//
// Each method records an op node (named after the op, e.g. "softmax_0",
// until Output gives it a name) and checks it at once. An error does not
// stop the builder: the op returns an invalid tensor, later ops on it are
// skipped, and Build returns every error, each naming its op. Operands
// written as `any` take a *Tensor or a Go number or bool, which stands for a
// Python scalar (int and int64 for int, float64 for float) with PyTorch's
// type promotion.
//
// Build lowers the recorded file to loop nodes and validates them. The
// graph's Source is the recorded file, so WriteGraph writes the op nodes.
type Builder struct {
	file  *Program
	l     *lowerer
	env   map[string]*Tensor // result name -> lowered value
	names map[string]bool    // every name in use
	auto  map[string]bool    // names the builder made up (renamed by Output)
	count map[string]int
	errs  []error
}

// NewBuilder starts a graph; device "" means cuda.
func NewBuilder(name, device string) *Builder {
	if device == "" {
		device = "cuda"
	}
	f := &Program{Name: name, Device: device}
	return &Builder{
		file:  f,
		l:     newLowerer(&ir.Graph{Name: name, Device: device}),
		env:   map[string]*Tensor{},
		names: map[string]bool{},
		auto:  map[string]bool{},
		count: map[string]int{},
	}
}

// Option sets an optional field of an op (keepdim, dtype, alpha, eps, ...).
type Option func(*Attrs)

// KeepDim keeps reduced dims as size 1.
func KeepDim(keep bool) Option { return func(a *Attrs) { a.KeepDim = &keep } }

// WithDType sets the dtype field (sum, mean, prod, softmax, full, ...).
func WithDType(dt ir.DType) Option { return func(a *Attrs) { a.DType = dt } }

// Alpha scales the second operand of add and sub.
func Alpha(v any) Option {
	return func(a *Attrs) {
		if s, err := toScalar(v); err == nil {
			a.Alpha = &s
		}
	}
}

// RoundingMode is div's rounding_mode: "trunc" or "floor".
func RoundingMode(mode string) Option { return func(a *Attrs) { a.RoundingMode = &mode } }

// Approximate is gelu's approximate: "none" or "tanh".
func Approximate(mode string) Option { return func(a *Attrs) { a.Approximate = &mode } }

// Eps is the epsilon of layer_norm and rms_norm.
func Eps(eps float64) Option { return func(a *Attrs) { s := FloatScalar(eps); a.Eps = &s } }

// Correction is the correction of var, std and var_mean (default 1).
func Correction(c any) Option {
	return func(a *Attrs) {
		if s, err := toScalar(c); err == nil {
			a.Correction = &s
		}
	}
}

// Weight and Bias are the affine tensors of layer_norm and rms_norm.
func Weight(t *Tensor) Option { return func(a *Attrs) { a.Weight = tensorName(t) } }

// Bias is layer_norm's bias.
func Bias(t *Tensor) Option { return func(a *Attrs) { a.Bias = tensorName(t) } }

// IgnoreIndex is cross_entropy's ignore_index (default -100).
func IgnoreIndex(i int64) Option { return func(a *Attrs) { a.IgnoreIndex = &i } }

// LossReduction is cross_entropy's reduction: "mean", "sum" or "none".
func LossReduction(r string) Option { return func(a *Attrs) { a.Reduction = &r } }

// Beta and Threshold are softplus's parameters.
func Beta(v float64) Option { return func(a *Attrs) { s := FloatScalar(v); a.Beta = &s } }

// Threshold is softplus's threshold.
func Threshold(v float64) Option { return func(a *Attrs) { s := FloatScalar(v); a.Threshold = &s } }

func tensorName(t *Tensor) string {
	if t == nil {
		return ""
	}
	if t.name == "" {
		return "\x00invalid"
	}
	return t.name
}

// toScalar converts a Go number or bool to a Python scalar.
func toScalar(v any) (Scalar, error) {
	switch x := v.(type) {
	case bool:
		return BoolScalar(x), nil
	case int:
		return IntScalar(int64(x)), nil
	case int64:
		return IntScalar(x), nil
	case int32:
		return IntScalar(int64(x)), nil
	case float64:
		return FloatScalar(x), nil
	case float32:
		return FloatScalar(float64(x)), nil
	}
	return Scalar{}, fmt.Errorf("want a *Tensor, a Go number or a bool, got %T", v)
}

// operand is a *Tensor or a Python scalar as a tensor.
func operand(v any) (*Tensor, error) {
	if t, ok := v.(*Tensor); ok {
		if t == nil {
			return nil, errors.New("nil tensor")
		}
		return t, nil
	}
	s, err := toScalar(v)
	if err != nil {
		return nil, err
	}
	return scalarTensor(s), nil
}

func (b *Builder) fail(err error) { b.errs = append(b.errs, err) }

// Input declares the next graph input, contiguous.
func (b *Builder) Input(name string, dt ir.DType, shape ...int64) *Tensor {
	return b.InputStridedSizes(name, dt, ir.Sizes(shape...), nil, 0)
}

// sizesOrNil converts ints to sizes, keeping nil (contiguous) nil.
func sizesOrNil(xs []int64) []ir.Size {
	if xs == nil {
		return nil
	}
	return ir.Sizes(xs...)
}

// InputStrided declares the next graph input with strides (nil means
// contiguous) and a storage offset.
func (b *Builder) InputStrided(name string, dt ir.DType, shape, strides []int64, offset int64) *Tensor {
	return b.InputStridedSizes(name, dt, ir.Sizes(shape...), sizesOrNil(strides), offset)
}

// InputSizes declares the next graph input, contiguous, with sizes that
// may name symbols (Symbol declares them).
func (b *Builder) InputSizes(name string, dt ir.DType, shape ...ir.Size) *Tensor {
	return b.InputStridedSizes(name, dt, shape, nil, 0)
}

// InputStridedSizes is InputStrided with sizes and strides that may name
// symbols.
func (b *Builder) InputStridedSizes(name string, dt ir.DType, shape, strides []ir.Size, offset int64) *Tensor {
	if shape == nil {
		shape = []ir.Size{}
	}
	in := &ir.Buffer{Name: name, DType: dt, Shape: slices.Clone(shape), Strides: slices.Clone(strides), Offset: offset}
	path := fmt.Sprintf("inputs[%d]", len(b.file.Inputs))
	if err := ir.CheckName(name); err != nil {
		b.fail(ir.ErrorAt(path+".name", "%v", err))
		return &Tensor{}
	}
	if b.names[name] {
		b.fail(ir.ErrorAt(path+".name", "duplicate name %q", name))
		return &Tensor{}
	}
	if err := ir.CheckBuffer(in, path, b.file.Symbols); err != nil {
		b.fail(err)
		return &Tensor{}
	}
	b.names[name] = true
	b.file.Inputs = append(b.file.Inputs, in)
	b.l.g.Inputs = append(b.l.g.Inputs, in)
	b.l.taken[name] = fmt.Sprintf("input %q", name)
	t := bufferTensor(name, in.Shape, in.Strides, dt)
	b.env[name] = t
	return &Tensor{shape: t.shape, dtype: dt, name: name, b: b}
}

// Symbol declares a size known only at run time, with the value that
// launch shapes are tuned for (hint) and the range it may take, and
// returns it as a size for InputSizes and the other ...Sizes methods.
// Declaring a symbol again with the same values is harmless; with other
// values it is an error.
func (b *Builder) Symbol(name string, hint, min, max int64) ir.Size {
	sym := ir.Symbol{Name: name, Hint: hint, Min: min, Max: max}
	at := "symbols." + name
	if err := ir.CheckSymbol(sym); err != nil {
		b.fail(ir.ErrorAt(at, "%v", err))
		return ir.Sym(name)
	}
	if prev, ok := b.file.Symbols[name]; ok {
		if prev != sym {
			b.fail(ir.ErrorAt(at, "symbol %q is declared again with hint %d and range [%d, %d], but it has hint %d and range [%d, %d]",
				name, hint, min, max, prev.Hint, prev.Min, prev.Max))
		}
		return ir.Sym(name)
	}
	if b.file.Symbols == nil {
		b.file.Symbols = ir.Symbols{}
	}
	b.file.Symbols[name] = sym
	b.l.g.Symbols = b.file.Symbols
	return ir.Sym(name)
}

// Output appends t to the graph's outputs under name. An op result the
// builder named itself takes name; otherwise name is a copy of it.
func (b *Builder) Output(name string, t *Tensor) {
	if t == nil || t.name == "" {
		return // its error is recorded already
	}
	if b.names[name] && name != t.name {
		b.fail(ir.ErrorAt(fmt.Sprintf("outputs[%d]", len(b.file.Outputs)), "name %q is already used", name))
		return
	}
	if err := ir.CheckName(name); err != nil {
		b.fail(ir.ErrorAt(fmt.Sprintf("outputs[%d]", len(b.file.Outputs)), "%v", err))
		return
	}
	switch {
	case name == t.name:
	case b.auto[t.name]:
		b.rename(t.name, name)
		t.name = name
	default:
		c := b.op("contiguous", []any{t}, nil, 0)
		if len(c) == 0 {
			return
		}
		b.rename(c[0].name, name)
	}
	b.file.Outputs = append(b.file.Outputs, name)
}

// rename gives an op result a new name everywhere in the recorded file.
func (b *Builder) rename(old, name string) {
	delete(b.auto, old)
	delete(b.names, old)
	b.names[name] = true
	b.env[name] = b.env[old]
	delete(b.env, old)
	r := func(s *string) {
		if *s == old {
			*s = name
		}
	}
	for _, n := range b.file.Nodes {
		op := n.Op
		r(&op.Name)
		for i := range op.Outputs {
			r(&op.Outputs[i])
		}
		for i := range op.Args {
			r(&op.Args[i].Name)
		}
		for _, a := range []*Arg{op.Attrs.Min, op.Attrs.Max} {
			if a != nil {
				r(&a.Name)
			}
		}
		r(&op.Attrs.Weight)
		r(&op.Attrs.Bias)
	}
	for i := range b.file.Outputs {
		r(&b.file.Outputs[i])
	}
}

// autoName makes up a free name for a result of op.
func (b *Builder) autoName(op string) string {
	for {
		name := fmt.Sprintf("%s_%d", op, b.count[op])
		b.count[op]++
		if !b.names[name] {
			b.names[name] = true
			b.auto[name] = true
			return name
		}
	}
}

// arg converts one Go argument of op (at names it): a tensor of this
// builder, a Go number or bool, and for an aten op (top, not inside a list)
// also []int64, nil, a Literal, []float64, []bool or []*Tensor. It reports
// a failure and returns false.
func (b *Builder) arg(op, at string, a any, top bool) (Arg, bool) {
	tensorName := func(t *Tensor) (string, bool) {
		if t == nil || t.name == "" || t.b != b {
			if t == nil || t.name != "" {
				b.fail(fmt.Errorf("%s: %s: not a tensor of this builder", op, at))
			}
			return "", false // t.name == "": an earlier error
		}
		return t.name, true
	}
	switch v := a.(type) {
	case *Tensor:
		name, ok := tensorName(v)
		return Arg{Name: name}, ok
	case []int64:
		return Arg{Ints: ints(v)}, true
	case nil:
		return Arg{None: true}, true
	case Literal:
		return Arg{Literal: &v}, true
	case []float64:
		return b.listArg(op, at, top, toAny(v))
	case []bool:
		return b.listArg(op, at, top, toAny(v))
	case []*Tensor:
		return b.listArg(op, at, top, toAny(v))
	}
	s, err := toScalar(a)
	if err != nil {
		b.fail(fmt.Errorf("%s: %s: %v", op, at, err))
		return Arg{}, false
	}
	return Arg{Scalar: &s}, true
}

// listArg converts the items of a list argument, which holds no lists.
func (b *Builder) listArg(op, at string, top bool, items []any) (Arg, bool) {
	if !top {
		b.fail(fmt.Errorf("%s: %s: a list argument holds no lists", op, at))
		return Arg{}, false
	}
	list := []Arg{}
	for i, it := range items {
		if t, ok := it.(*Tensor); ok && t == nil {
			list = append(list, Arg{None: true})
			continue
		}
		e, ok := b.arg(op, at+"["+strconv.Itoa(i)+"]", it, false)
		if !ok {
			return Arg{}, false
		}
		list = append(list, e)
	}
	return Arg{List: &list}, true
}

func toAny[T any](v []T) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}

// op records and lowers one op node with nOut results (0: one, named).
func (b *Builder) op(op string, args []any, opts []Option, nOut int, set ...func(*Attrs)) []*Tensor {
	return b.opKw(op, args, nil, opts, nOut, set...)
}

// opKw is op with keyword arguments (an aten op's).
func (b *Builder) opKw(op string, args []any, kwargs map[string]any, opts []Option, nOut int, set ...func(*Attrs)) []*Tensor {
	n := &OpNode{Op: op}
	for _, o := range opts {
		o(&n.Attrs)
	}
	for _, s := range set {
		s(&n.Attrs)
	}
	for i, a := range args {
		arg, ok := b.arg(op, "args["+strconv.Itoa(i)+"]", a, true)
		if !ok {
			return nil
		}
		n.Args = append(n.Args, arg)
	}
	if kwargs != nil {
		list := []KeywordArg{}
		for _, name := range slices.Sorted(maps.Keys(kwargs)) {
			arg, ok := b.arg(op, "kwargs."+name, kwargs[name], true)
			if !ok {
				return nil
			}
			list = append(list, KeywordArg{Name: name, Arg: arg})
		}
		n.Attrs.Kwargs = &list
	}
	for _, name := range []string{n.Attrs.Weight, n.Attrs.Bias} {
		if name == "\x00invalid" {
			return nil
		}
	}
	if nOut == 0 {
		n.Name = b.autoName(op)
	} else {
		for range nOut {
			n.Outputs = append(n.Outputs, b.autoName(op))
		}
	}
	path := NodePath(fmt.Sprintf("nodes[%d] (%s)", len(b.file.Nodes), op), n)
	b.l.begin(op, n.Results(), path)
	resolve := func(a Arg, field string) (*Tensor, error) {
		if a.Scalar != nil {
			return scalarTensor(*a.Scalar), nil
		}
		if t, ok := b.env[a.Name]; ok {
			return t, nil
		}
		return nil, ferr(field, "undefined buffer %q", a.Name)
	}
	res, err := b.l.lowerOp(n, resolve)
	if err != nil {
		b.fail(opErrAt(path, err))
		return nil
	}
	b.file.Nodes = append(b.file.Nodes, Node{Op: n})
	out := make([]*Tensor, len(res))
	for k, name := range n.Results() {
		t := res[k]
		if t == nil { // a result the aten op's call discards
			out[k] = &Tensor{}
			continue
		}
		if tooLarge(t) {
			if t, err = b.l.realize(name, t); err != nil {
				b.fail(opErrAt(path, err))
				return nil
			}
		}
		b.env[name] = t
		out[k] = &Tensor{shape: t.shape, dtype: t.dtype, name: name, b: b}
	}
	return out
}

func (b *Builder) one(op string, args []any, opts []Option, set ...func(*Attrs)) *Tensor {
	r := b.op(op, args, opts, 0, set...)
	if len(r) == 0 {
		return &Tensor{}
	}
	return r[0]
}

// Build lowers the recorded ops to a validated graph of loop nodes, or
// returns every error recorded.
func (b *Builder) Build() (*ir.Graph, error) {
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	f := b.file.clone()
	g, err := f.Lower()
	if err != nil {
		return nil, err
	}
	if err := ir.Validate(g); err != nil {
		return nil, err
	}
	return g, nil
}

// Program returns a copy of the recorded op program (graphfile.Write writes
// it as a graph file).
func (b *Builder) Program() *Program { return b.file.clone() }

func (f *Program) clone() *Program {
	c := *f
	c.Symbols = maps.Clone(f.Symbols)
	c.Inputs = slices.Clone(f.Inputs)
	c.Outputs = slices.Clone(f.Outputs)
	c.Nodes = make([]Node, len(f.Nodes))
	for i, n := range f.Nodes {
		if n.Op == nil {
			c.Nodes[i] = n
			continue
		}
		op := *n.Op
		op.Outputs = slices.Clone(n.Op.Outputs)
		op.Args = slices.Clone(n.Op.Args)
		if a := n.Op.Attrs.Min; a != nil {
			m := *a
			op.Attrs.Min = &m
		}
		if a := n.Op.Attrs.Max; a != nil {
			m := *a
			op.Attrs.Max = &m
		}
		c.Nodes[i] = Node{Op: &op}
	}
	return &c
}

func ints(xs []int64) *[]int64 { c := slices.Clone(xs); return &c }

// sizes is a shape attribute of ints.
func sizes(xs []int64) *[]ir.Size { c := ir.Sizes(xs...); return &c }

// symSizes is a shape attribute of sizes.
func symSizes(xs []ir.Size) *[]ir.Size { c := slices.Clone(xs); return &c }

func ptr[T any](v T) *T { return &v }

// Elementwise ops.

// Add is torch.add(x, y, alpha=...).
func (b *Builder) Add(x, y any, opts ...Option) *Tensor { return b.one("add", []any{x, y}, opts) }

// Sub is torch.sub(x, y, alpha=...).
func (b *Builder) Sub(x, y any, opts ...Option) *Tensor { return b.one("sub", []any{x, y}, opts) }

// Mul is torch.mul.
func (b *Builder) Mul(x, y any) *Tensor { return b.one("mul", []any{x, y}, nil) }

// Div is torch.div(x, y, rounding_mode=...).
func (b *Builder) Div(x, y any, opts ...Option) *Tensor { return b.one("div", []any{x, y}, opts) }

// Remainder is torch.remainder.
func (b *Builder) Remainder(x, y any) *Tensor { return b.one("remainder", []any{x, y}, nil) }

// Pow is torch.pow.
func (b *Builder) Pow(x, y any) *Tensor { return b.one("pow", []any{x, y}, nil) }

// Maximum is torch.maximum.
func (b *Builder) Maximum(x, y any) *Tensor { return b.one("maximum", []any{x, y}, nil) }

// Minimum is torch.minimum.
func (b *Builder) Minimum(x, y any) *Tensor { return b.one("minimum", []any{x, y}, nil) }

// Clamp is torch.clamp(x, min, max); nil leaves a bound out. Bounds are
// tensors or numbers.
func (b *Builder) Clamp(x *Tensor, lo, hi any) *Tensor {
	var set []func(*Attrs)
	for i, v := range []any{lo, hi} {
		if v == nil {
			continue
		}
		var arg Arg
		if t, ok := v.(*Tensor); ok {
			if t.name == "" {
				return &Tensor{}
			}
			arg = Arg{Name: t.name}
		} else {
			s, err := toScalar(v)
			if err != nil {
				b.fail(fmt.Errorf("clamp: %s: %v", []string{"min", "max"}[i], err))
				return &Tensor{}
			}
			arg = Arg{Scalar: &s}
		}
		if i == 0 {
			set = append(set, func(a *Attrs) { a.Min = &arg })
		} else {
			set = append(set, func(a *Attrs) { a.Max = &arg })
		}
	}
	return b.one("clamp", []any{x}, nil, set...)
}

// Where is torch.where(cond, x, y).
func (b *Builder) Where(cond *Tensor, x, y any) *Tensor {
	return b.one("where", []any{cond, x, y}, nil)
}

// Abs and the other unary ops are the torch functions of the same name.
func (b *Builder) Abs(x *Tensor) *Tensor { return b.one("abs", []any{x}, nil) }

// Neg is torch.neg.
func (b *Builder) Neg(x *Tensor) *Tensor { return b.one("neg", []any{x}, nil) }

// Exp is torch.exp.
func (b *Builder) Exp(x *Tensor) *Tensor { return b.one("exp", []any{x}, nil) }

// Exp2 is torch.exp2.
func (b *Builder) Exp2(x *Tensor) *Tensor { return b.one("exp2", []any{x}, nil) }

// Expm1 is torch.expm1.
func (b *Builder) Expm1(x *Tensor) *Tensor { return b.one("expm1", []any{x}, nil) }

// Log is torch.log.
func (b *Builder) Log(x *Tensor) *Tensor { return b.one("log", []any{x}, nil) }

// Log2 is torch.log2.
func (b *Builder) Log2(x *Tensor) *Tensor { return b.one("log2", []any{x}, nil) }

// Log1p is torch.log1p.
func (b *Builder) Log1p(x *Tensor) *Tensor { return b.one("log1p", []any{x}, nil) }

// Sqrt is torch.sqrt.
func (b *Builder) Sqrt(x *Tensor) *Tensor { return b.one("sqrt", []any{x}, nil) }

// Rsqrt is torch.rsqrt.
func (b *Builder) Rsqrt(x *Tensor) *Tensor { return b.one("rsqrt", []any{x}, nil) }

// Sin is torch.sin.
func (b *Builder) Sin(x *Tensor) *Tensor { return b.one("sin", []any{x}, nil) }

// Cos is torch.cos.
func (b *Builder) Cos(x *Tensor) *Tensor { return b.one("cos", []any{x}, nil) }

// Tanh is torch.tanh.
func (b *Builder) Tanh(x *Tensor) *Tensor { return b.one("tanh", []any{x}, nil) }

// Sigmoid is torch.sigmoid.
func (b *Builder) Sigmoid(x *Tensor) *Tensor { return b.one("sigmoid", []any{x}, nil) }

// Relu is torch.relu.
func (b *Builder) Relu(x *Tensor) *Tensor { return b.one("relu", []any{x}, nil) }

// Gelu is torch.nn.functional.gelu(x, approximate=...).
func (b *Builder) Gelu(x *Tensor, opts ...Option) *Tensor { return b.one("gelu", []any{x}, opts) }

// Silu is torch.nn.functional.silu.
func (b *Builder) Silu(x *Tensor) *Tensor { return b.one("silu", []any{x}, nil) }

// Softplus is torch.nn.functional.softplus(x, beta=..., threshold=...).
func (b *Builder) Softplus(x *Tensor, opts ...Option) *Tensor {
	return b.one("softplus", []any{x}, opts)
}

// Erf is torch.erf.
func (b *Builder) Erf(x *Tensor) *Tensor { return b.one("erf", []any{x}, nil) }

// Floor is torch.floor.
func (b *Builder) Floor(x *Tensor) *Tensor { return b.one("floor", []any{x}, nil) }

// Ceil is torch.ceil.
func (b *Builder) Ceil(x *Tensor) *Tensor { return b.one("ceil", []any{x}, nil) }

// Round is torch.round (half to even).
func (b *Builder) Round(x *Tensor) *Tensor { return b.one("round", []any{x}, nil) }

// Sign is torch.sign.
func (b *Builder) Sign(x *Tensor) *Tensor { return b.one("sign", []any{x}, nil) }

// Reciprocal is torch.reciprocal.
func (b *Builder) Reciprocal(x *Tensor) *Tensor { return b.one("reciprocal", []any{x}, nil) }

// LogicalNot is torch.logical_not.
func (b *Builder) LogicalNot(x *Tensor) *Tensor { return b.one("logical_not", []any{x}, nil) }

// IsNan is torch.isnan.
func (b *Builder) IsNan(x *Tensor) *Tensor { return b.one("isnan", []any{x}, nil) }

// IsInf is torch.isinf.
func (b *Builder) IsInf(x *Tensor) *Tensor { return b.one("isinf", []any{x}, nil) }

// Eq is torch.eq.
func (b *Builder) Eq(x, y any) *Tensor { return b.one("eq", []any{x, y}, nil) }

// Ne is torch.ne.
func (b *Builder) Ne(x, y any) *Tensor { return b.one("ne", []any{x, y}, nil) }

// Lt is torch.lt.
func (b *Builder) Lt(x, y any) *Tensor { return b.one("lt", []any{x, y}, nil) }

// Le is torch.le.
func (b *Builder) Le(x, y any) *Tensor { return b.one("le", []any{x, y}, nil) }

// Gt is torch.gt.
func (b *Builder) Gt(x, y any) *Tensor { return b.one("gt", []any{x, y}, nil) }

// Ge is torch.ge.
func (b *Builder) Ge(x, y any) *Tensor { return b.one("ge", []any{x, y}, nil) }

// LogicalAnd is torch.logical_and.
func (b *Builder) LogicalAnd(x, y any) *Tensor { return b.one("logical_and", []any{x, y}, nil) }

// LogicalOr is torch.logical_or.
func (b *Builder) LogicalOr(x, y any) *Tensor { return b.one("logical_or", []any{x, y}, nil) }

// BitwiseAnd is torch.bitwise_and.
func (b *Builder) BitwiseAnd(x, y any) *Tensor { return b.one("bitwise_and", []any{x, y}, nil) }

// BitwiseOr is torch.bitwise_or.
func (b *Builder) BitwiseOr(x, y any) *Tensor { return b.one("bitwise_or", []any{x, y}, nil) }

// BitwiseXor is torch.bitwise_xor.
func (b *Builder) BitwiseXor(x, y any) *Tensor { return b.one("bitwise_xor", []any{x, y}, nil) }

// To is Tensor.to(dtype).
func (b *Builder) To(x *Tensor, dt ir.DType) *Tensor {
	return b.one("to", []any{x}, nil, func(a *Attrs) { a.DType = dt })
}

// Full is torch.full(shape, value, dtype=...).
func (b *Builder) Full(shape []int64, value any, opts ...Option) *Tensor {
	s, err := toScalar(value)
	if err != nil {
		b.fail(fmt.Errorf("full: value: %v", err))
		return &Tensor{}
	}
	return b.one("full", nil, opts, func(a *Attrs) { a.Shape = sizes(shape); a.Value = &s })
}

// ScalarTensor is torch.scalar_tensor(value, dtype=...).
func (b *Builder) ScalarTensor(value any, opts ...Option) *Tensor {
	s, err := toScalar(value)
	if err != nil {
		b.fail(fmt.Errorf("scalar_tensor: value: %v", err))
		return &Tensor{}
	}
	return b.one("scalar_tensor", nil, opts, func(a *Attrs) { a.Value = &s })
}

// Reductions: dims nil reduces every dim.

func setDims(dims []int64) func(*Attrs) {
	return func(a *Attrs) {
		if dims != nil {
			a.Dims = ints(dims)
		}
	}
}

// Sum is torch.sum(x, dims, keepdim=..., dtype=...).
func (b *Builder) Sum(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.one("sum", []any{x}, opts, setDims(dims))
}

// Mean is torch.mean.
func (b *Builder) Mean(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.one("mean", []any{x}, opts, setDims(dims))
}

// Prod is torch.prod.
func (b *Builder) Prod(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.one("prod", []any{x}, opts, setDims(dims))
}

// Amax is torch.amax.
func (b *Builder) Amax(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.one("amax", []any{x}, opts, setDims(dims))
}

// Amin is torch.amin.
func (b *Builder) Amin(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.one("amin", []any{x}, opts, setDims(dims))
}

// Any is torch.any.
func (b *Builder) Any(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.one("any", []any{x}, opts, setDims(dims))
}

// All is torch.all.
func (b *Builder) All(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.one("all", []any{x}, opts, setDims(dims))
}

// Logsumexp is torch.logsumexp.
func (b *Builder) Logsumexp(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.one("logsumexp", []any{x}, opts, setDims(dims))
}

// Var is torch.var(x, dims, correction=..., keepdim=...).
func (b *Builder) Var(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.one("var", []any{x}, opts, setDims(dims))
}

// Std is torch.std.
func (b *Builder) Std(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.one("std", []any{x}, opts, setDims(dims))
}

// VarMean is torch.var_mean: (var, mean).
func (b *Builder) VarMean(x *Tensor, dims []int64, opts ...Option) (*Tensor, *Tensor) {
	r := b.op("var_mean", []any{x}, opts, 2, setDims(dims))
	if len(r) != 2 {
		return &Tensor{}, &Tensor{}
	}
	return r[0], r[1]
}

// argDim is argmax's dim: nil dims means the flattened tensor.
func (b *Builder) argReduce(op string, x *Tensor, dims []int64, opts []Option) *Tensor {
	if len(dims) > 1 {
		b.fail(fmt.Errorf("%s: takes one dim, got %d", op, len(dims)))
		return &Tensor{}
	}
	return b.one(op, []any{x}, opts, func(a *Attrs) {
		if len(dims) == 1 {
			a.Dim = ptr(dims[0])
		}
	})
}

// Argmax is torch.argmax over one dim (dims nil: the flattened tensor).
func (b *Builder) Argmax(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.argReduce("argmax", x, dims, opts)
}

// Argmin is torch.argmin.
func (b *Builder) Argmin(x *Tensor, dims []int64, opts ...Option) *Tensor {
	return b.argReduce("argmin", x, dims, opts)
}

// Composites.

// Softmax is torch.softmax(x, dim, dtype=...).
func (b *Builder) Softmax(x *Tensor, dim int64, opts ...Option) *Tensor {
	return b.one("softmax", []any{x}, opts, func(a *Attrs) { a.Dim = ptr(dim) })
}

// LogSoftmax is torch.log_softmax.
func (b *Builder) LogSoftmax(x *Tensor, dim int64, opts ...Option) *Tensor {
	return b.one("log_softmax", []any{x}, opts, func(a *Attrs) { a.Dim = ptr(dim) })
}

// LayerNorm is torch.nn.functional.layer_norm(x, normalized_shape,
// weight=..., bias=..., eps=...).
func (b *Builder) LayerNorm(x *Tensor, normalizedShape []int64, opts ...Option) *Tensor {
	return b.one("layer_norm", []any{x}, opts, func(a *Attrs) { a.NormalizedShape = sizes(normalizedShape) })
}

// RMSNorm is torch.nn.functional.rms_norm(x, normalized_shape, weight=...,
// eps=...).
func (b *Builder) RMSNorm(x *Tensor, normalizedShape []int64, opts ...Option) *Tensor {
	return b.one("rms_norm", []any{x}, opts, func(a *Attrs) { a.NormalizedShape = sizes(normalizedShape) })
}

// CrossEntropy is torch.nn.functional.cross_entropy(input, target,
// ignore_index=..., reduction=...) with int64 class indices.
func (b *Builder) CrossEntropy(input, target *Tensor, opts ...Option) *Tensor {
	return b.one("cross_entropy", []any{input, target}, opts)
}

// Views and layout.

// View is Tensor.view(shape); one size may be -1.
func (b *Builder) View(x *Tensor, shape ...int64) *Tensor {
	return b.ViewSizes(x, ir.Sizes(shape...)...)
}

// ViewSizes is View with sizes that may name symbols; one may be
// ir.Int(-1).
func (b *Builder) ViewSizes(x *Tensor, shape ...ir.Size) *Tensor {
	return b.one("view", []any{x}, nil, func(a *Attrs) { a.Shape = symSizes(shape) })
}

// Reshape is torch.reshape.
func (b *Builder) Reshape(x *Tensor, shape ...int64) *Tensor {
	return b.ReshapeSizes(x, ir.Sizes(shape...)...)
}

// ReshapeSizes is Reshape with sizes that may name symbols.
func (b *Builder) ReshapeSizes(x *Tensor, shape ...ir.Size) *Tensor {
	return b.one("reshape", []any{x}, nil, func(a *Attrs) { a.Shape = symSizes(shape) })
}

// Permute is torch.permute.
func (b *Builder) Permute(x *Tensor, dims ...int64) *Tensor {
	return b.one("permute", []any{x}, nil, func(a *Attrs) { a.Dims = ints(dims) })
}

// Transpose is torch.transpose.
func (b *Builder) Transpose(x *Tensor, dim0, dim1 int64) *Tensor {
	return b.one("transpose", []any{x}, nil, func(a *Attrs) { a.Dim0, a.Dim1 = ptr(dim0), ptr(dim1) })
}

// Expand is Tensor.expand(shape); -1 keeps a size.
func (b *Builder) Expand(x *Tensor, shape ...int64) *Tensor {
	return b.ExpandSizes(x, ir.Sizes(shape...)...)
}

// ExpandSizes is Expand with sizes that may name symbols (a size-1 dim
// expanded to B).
func (b *Builder) ExpandSizes(x *Tensor, shape ...ir.Size) *Tensor {
	return b.one("expand", []any{x}, nil, func(a *Attrs) { a.Shape = symSizes(shape) })
}

// Unsqueeze is torch.unsqueeze.
func (b *Builder) Unsqueeze(x *Tensor, dim int64) *Tensor {
	return b.one("unsqueeze", []any{x}, nil, func(a *Attrs) { a.Dim = ptr(dim) })
}

// Squeeze is torch.squeeze; no dims squeezes every size-1 dim.
func (b *Builder) Squeeze(x *Tensor, dims ...int64) *Tensor {
	return b.one("squeeze", []any{x}, nil, func(a *Attrs) {
		if len(dims) > 0 {
			a.Dims = ints(dims)
		}
	})
}

// Flatten is torch.flatten(x, start_dim, end_dim).
func (b *Builder) Flatten(x *Tensor, startDim, endDim int64) *Tensor {
	return b.one("flatten", []any{x}, nil, func(a *Attrs) {
		if startDim != 0 {
			a.StartDim = ptr(startDim)
		}
		if endDim != -1 {
			a.EndDim = ptr(endDim)
		}
	})
}

// Slice is x[start:end:step] along dim (Python's clamping; end
// math.MaxInt64 means to the end).
func (b *Builder) Slice(x *Tensor, dim, start, end, step int64) *Tensor {
	return b.one("slice", []any{x}, nil, func(a *Attrs) {
		a.Dim = ptr(dim)
		if start != 0 {
			a.Start = ptr(start)
		}
		if end != math.MaxInt64 {
			a.End = ptr(end)
		}
		if step != 1 {
			a.Step = ptr(step)
		}
	})
}

// Select is torch.select(x, dim, index).
func (b *Builder) Select(x *Tensor, dim, index int64) *Tensor {
	return b.one("select", []any{x}, nil, func(a *Attrs) { a.Dim, a.Index = ptr(dim), ptr(index) })
}

// Narrow is torch.narrow(x, dim, start, length).
func (b *Builder) Narrow(x *Tensor, dim, start, length int64) *Tensor {
	return b.one("narrow", []any{x}, nil, func(a *Attrs) { a.Dim, a.Start, a.Length = ptr(dim), ptr(start), ptr(length) })
}

// Contiguous is Tensor.contiguous (a no-op on values).
func (b *Builder) Contiguous(x *Tensor) *Tensor { return b.one("contiguous", []any{x}, nil) }

// pieces is how many results chunk / split give.
func pieces(x *Tensor, dim int64, size func(n int64) int64) int {
	if x == nil || len(x.shape) == 0 {
		return 1
	}
	d, err := normDim(dim, len(x.shape), "dim")
	if err != nil {
		return 1
	}
	n, ok := x.shape[d].Static()
	if !ok {
		return 1 // lowering refuses splitting a symbolic dim
	}
	return int(max(1, size(n)))
}

// Chunk is torch.chunk(x, chunks, dim).
func (b *Builder) Chunk(x *Tensor, chunks, dim int64) []*Tensor {
	n := pieces(x, dim, func(size int64) int64 {
		if chunks < 1 {
			return 1
		}
		step := (size + chunks - 1) / chunks
		return (size + step - 1) / step
	})
	return b.op("chunk", []any{x}, nil, n, func(a *Attrs) { a.Chunks = ptr(chunks); a.Dim = ptr(dim) })
}

// Split is torch.split(x, split_size, dim) with an int split_size.
func (b *Builder) Split(x *Tensor, splitSize, dim int64) []*Tensor {
	n := pieces(x, dim, func(size int64) int64 {
		if splitSize < 1 {
			return 1
		}
		return (size + splitSize - 1) / splitSize
	})
	return b.op("split", []any{x}, nil, n, func(a *Attrs) { a.SplitSize = ints([]int64{splitSize}); a.Dim = ptr(dim) })
}

// SplitSizes is torch.split(x, sizes, dim) with a list of sizes.
func (b *Builder) SplitSizes(x *Tensor, sizes []int64, dim int64) []*Tensor {
	return b.op("split", []any{x}, nil, max(1, len(sizes)), func(a *Attrs) {
		a.SplitSize = ints(sizes)
		a.SplitSizeList = true
		a.Dim = ptr(dim)
	})
}

// Cat is torch.cat(tensors, dim).
func (b *Builder) Cat(ts []*Tensor, dim int64) *Tensor {
	args := make([]any, len(ts))
	for i, t := range ts {
		args[i] = t
	}
	return b.one("cat", args, nil, func(a *Attrs) { a.Dim = ptr(dim) })
}

// Indexing.

// Gather is torch.gather(x, dim, index) (int64 index).
func (b *Builder) Gather(x *Tensor, dim int64, index *Tensor) *Tensor {
	return b.one("gather", []any{x, index}, nil, func(a *Attrs) { a.Dim = ptr(dim) })
}

// IndexSelect is torch.index_select(x, dim, index).
func (b *Builder) IndexSelect(x *Tensor, dim int64, index *Tensor) *Tensor {
	return b.one("index_select", []any{x, index}, nil, func(a *Attrs) { a.Dim = ptr(dim) })
}

// Embedding is torch.nn.functional.embedding(ids, weight).
func (b *Builder) Embedding(ids, weight *Tensor) *Tensor {
	return b.one("embedding", []any{ids, weight}, nil)
}

// Mm is torch.mm(a, b): [M, K] @ [K, N], an extern call.
func (b *Builder) Mm(a, m *Tensor) *Tensor { return b.one("mm", []any{a, m}, nil) }

// Bmm is torch.bmm(a, b): [B, M, K] @ [B, K, N], an extern call.
func (b *Builder) Bmm(a, m *Tensor) *Tensor { return b.one("bmm", []any{a, m}, nil) }

// Addmm is torch.addmm(input, mat1, mat2, beta=..., alpha=...), an extern
// call; options Beta and Alpha.
func (b *Builder) Addmm(input, mat1, mat2 *Tensor, opts ...Option) *Tensor {
	return b.one("addmm", []any{input, mat1, mat2}, opts)
}

// Baddbmm is torch.baddbmm(input, batch1, batch2, beta=..., alpha=...), an
// extern call; options Beta and Alpha.
func (b *Builder) Baddbmm(input, batch1, batch2 *Tensor, opts ...Option) *Tensor {
	return b.one("baddbmm", []any{input, batch1, batch2}, opts)
}

// Matmul is torch.matmul(a, b) with all of its rank rules: extern calls (mm
// or bmm) and the views around them.
func (b *Builder) Matmul(a, m *Tensor) *Tensor { return b.one("matmul", []any{a, m}, nil) }

// Aten calls any ATen op by its qualified name (aten.cumsum.default) with
// args in order (tensors, or Go numbers and bools for Python scalars); its
// result has dtype dt and shape, contiguous unless the option Strides says
// otherwise. An extern call through torch.ops.
func (b *Builder) Aten(target string, dt ir.DType, shape []int64, args []any, opts ...Option) *Tensor {
	return b.one("aten", args, opts, func(a *Attrs) {
		a.Target, a.DType, a.Shape = &target, dt, sizes(shape)
	})
}

// Value sets the value field (pad's fill).
func Value(v any) Option {
	return func(a *Attrs) {
		if s, err := toScalar(v); err == nil {
			a.Value = &s
		}
	}
}

// Pad is torch.nn.functional.pad(x, pad, value=...) in constant mode:
// pad holds (before, after) pairs from the last dim backwards, a negative
// amount cropping; option Value (default 0).
func (b *Builder) Pad(x *Tensor, pad []int64, opts ...Option) *Tensor {
	return b.one("pad", []any{x}, opts, func(a *Attrs) { a.Pad = ints(pad) })
}

// Tril is torch.tril(x, diagonal): the last two dims' elements on and
// below the diagonal-th diagonal, the others zero.
func (b *Builder) Tril(x *Tensor, diagonal int64) *Tensor {
	return b.one("tril", []any{x}, nil, func(a *Attrs) { a.Diagonal = &diagonal })
}

// Triu is torch.triu(x, diagonal): on and above the diagonal.
func (b *Builder) Triu(x *Tensor, diagonal int64) *Tensor {
	return b.one("triu", []any{x}, nil, func(a *Attrs) { a.Diagonal = &diagonal })
}

// AtenCall calls any ATen op by its qualified name with positional args
// and keyword kwargs (each as Aten takes them, plus a Literal, []float64,
// []bool or []*Tensor; a nil tensor in a []*Tensor is None), returning one
// tensor per result, each of the dtype, shape and strides (nil:
// contiguous) results gives. An op of one result is Aten with keywords.
func (b *Builder) AtenCall(target string, results []ResultSpec, args []any, kwargs map[string]any) []*Tensor {
	set := func(a *Attrs) {
		a.Target = &target
		if len(results) == 1 {
			a.DType, a.Shape = results[0].DType, symSizes(results[0].Shape)
			if results[0].Strides != nil {
				a.Strides = symSizes(results[0].Strides)
			}
			return
		}
		rs := slices.Clone(results)
		a.Results = &rs
	}
	nOut := len(results)
	if nOut == 1 {
		nOut = 0
	}
	return b.opKw("aten", args, kwargs, nil, nOut, set)
}

// Conv1d, Conv2d and Conv3d are torch.nn.functional.conv1d/2d/3d on a
// batched input [N, C, *spatial] and a weight [O, C/groups, *kernel];
// options Bias, Stride, Padding, PaddingMode, Dilation and Groups.
func (b *Builder) Conv1d(x, weight *Tensor, opts ...Option) *Tensor {
	return b.one("conv1d", []any{x, weight}, opts)
}

// Conv2d is torch.nn.functional.conv2d; see Conv1d.
func (b *Builder) Conv2d(x, weight *Tensor, opts ...Option) *Tensor {
	return b.one("conv2d", []any{x, weight}, opts)
}

// Conv3d is torch.nn.functional.conv3d; see Conv1d.
func (b *Builder) Conv3d(x, weight *Tensor, opts ...Option) *Tensor {
	return b.one("conv3d", []any{x, weight}, opts)
}

// intsOrOne is one int for every spatial dim, or a list of them.
func intsOrOne(v []int64) *IntsOrOne { return &IntsOrOne{Ints: slices.Clone(v), List: len(v) != 1} }

// Stride sets a convolution's stride: one for every spatial dim, or one each.
func Stride(s ...int64) Option { return func(a *Attrs) { a.Stride = intsOrOne(s) } }

// Padding sets a convolution's zero padding: one for every spatial dim, or
// one each.
func Padding(p ...int64) Option { return func(a *Attrs) { a.Padding = intsOrOne(p) } }

// PaddingMode sets a convolution's padding to "same" or "valid".
func PaddingMode(mode string) Option { return func(a *Attrs) { a.PaddingMode = &mode } }

// Dilation sets a convolution's dilation.
func Dilation(d ...int64) Option { return func(a *Attrs) { a.Dilation = intsOrOne(d) } }

// Groups sets a convolution's groups.
func Groups(g int64) Option { return func(a *Attrs) { a.Groups = &g } }

// Strides gives an ATen op's result strides.
func Strides(s ...int64) Option { return func(a *Attrs) { a.Strides = sizes(s) } }

// Linear is torch.nn.functional.linear(x, weight, bias): x [..., K], weight
// [N, K]; option Bias.
func (b *Builder) Linear(x, weight *Tensor, opts ...Option) *Tensor {
	return b.one("linear", []any{x, weight}, opts)
}
