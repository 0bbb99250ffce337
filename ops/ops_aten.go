package ops

import (
	"slices"
	"strconv"

	"github.com/fusegen/fusegen/ir"
)

// Literal is an ATen argument that is neither a tensor nor a number: a
// string, a torch.dtype, the graph's device, a layout or a memory format.
// The graph file writes it as an object of one field ({"str": "tanh"},
// {"dtype": "float32"}, {"device": "cuda"}, {"layout": "strided"},
// {"memory_format": "channels_last"}).
type Literal struct {
	Kind  ir.OperandKind // OperandString, OperandDType, OperandDevice, OperandLayout or OperandMemoryFormat
	Value string         // the string, dtype, device type, layout or memory format
}

// Str, DTypeLiteral, DeviceLiteral, Layout and MemoryFormat make literals.
func Str(s string) Literal { return Literal{Kind: ir.OperandString, Value: s} }

// DTypeLiteral is a torch.dtype argument.
func DTypeLiteral(dt ir.DType) Literal { return Literal{Kind: ir.OperandDType, Value: string(dt)} }

// DeviceLiteral is a device argument; the call is given the module's own
// device, whichever type it names.
func DeviceLiteral(deviceType string) Literal {
	return Literal{Kind: ir.OperandDevice, Value: deviceType}
}

// Layout is a torch.layout argument (strided).
func Layout(name string) Literal { return Literal{Kind: ir.OperandLayout, Value: name} }

// MemoryFormat is a torch.memory_format argument (contiguous_format, ...).
func MemoryFormat(name string) Literal { return Literal{Kind: ir.OperandMemoryFormat, Value: name} }

// LiteralKinds are the object fields of the graph file's literals, in
// canonical order, with the operand kind each makes.
var LiteralKinds = []struct {
	Field string
	Kind  ir.OperandKind
}{{"device", ir.OperandDevice}, {"dtype", ir.OperandDType}, {"layout", ir.OperandLayout},
	{"memory_format", ir.OperandMemoryFormat}, {"str", ir.OperandString}}

// KeywordArg is one keyword argument of an ATen op.
type KeywordArg struct {
	Name string
	Arg  Arg
}

// ResultSpec is one result of an ATen op as the graph gives it: dtype,
// shape and (nil: contiguous) strides.
type ResultSpec struct {
	DType   ir.DType
	Shape   []ir.Size
	Strides []ir.Size
}

// atenArg is one argument of an ATen call the lowering makes: a tensor, a
// list of tensors (nil entries are None) or a literal operand.
type atenArg struct {
	tensor  *Tensor
	tensors []*Tensor
	list    bool // tensors is the argument
	lit     ir.Operand
}

func tensorArg(t *Tensor) atenArg { return atenArg{tensor: t} }

func literalArg(o ir.Operand) atenArg { return atenArg{lit: o} }

func intsArg(v []int64) atenArg {
	items := make([]string, len(v))
	for i, n := range v {
		items[i] = strconv.FormatInt(n, 10)
	}
	return literalArg(ir.Operand{Kind: ir.OperandList, DType: ir.Int64, Items: items})
}

func scalarArg(s Scalar) atenArg {
	return literalArg(ir.Operand{Kind: ir.OperandScalar, Value: s.Value, DType: scalarDType(s.Kind)})
}

// scalarDType is the literal dtype of a Python scalar kind.
func scalarDType(k ScalarKind) ir.DType {
	switch k {
	case ScalarBool:
		return ir.Bool
	case ScalarInt:
		return ir.Int64
	}
	return ir.Float64
}

// namedAtenArg is a keyword argument of an ATen call.
type namedAtenArg struct {
	name string
	arg  atenArg
}

// atenResult is the dtype, shape and strides (nil: contiguous) of one
// result of an ATen call.
type atenResult struct {
	dtype   ir.DType
	shape   []ir.Size
	strides []ir.Size
	discard bool // a further result the call drops (no node holds it)
}

// atenOne is atenCall for an op of one result, named name.
func (l *lowerer) atenOne(name, origin, target string, r atenResult, positional ...atenArg) (*Tensor, error) {
	ts, err := l.atenCall([]string{name}, origin, target, []atenResult{r}, positional, nil)
	if err != nil {
		return nil, err
	}
	return ts[0], nil
}

// atenCall adds the extern nodes names, made for the op origin: a call of
// the ATen op target (tensors passed as strided views) whose results, in
// order, the nodes hold: the first makes the call, each other one holds
// its result of it.
func (l *lowerer) atenCall(names []string, origin, target string, results []atenResult, positional []atenArg, keywords []namedAtenArg) ([]*Tensor, error) {
	c := &ir.ExternCall{Target: target, Results: slices.Clone(names[1:])}
	if len(c.Results) == 0 {
		c.Results = nil
	}
	view := func(t *Tensor) (int, error) {
		v, err := l.view(t, names[0]+"_arg"+strconv.Itoa(len(c.Args)))
		if err != nil {
			return 0, err
		}
		c.Args = append(c.Args, v)
		return len(c.Args) - 1, nil
	}
	operand := func(a atenArg) (ir.Operand, error) {
		switch {
		case a.tensor != nil:
			k, err := view(a.tensor)
			return ir.Operand{Kind: ir.OperandTensor, Arg: k}, err
		case a.list:
			o := ir.Operand{Kind: ir.OperandTensors, Tensors: []int{}}
			for _, t := range a.tensors {
				k := -1
				if t != nil {
					var err error
					if k, err = view(t); err != nil {
						return o, err
					}
				}
				o.Tensors = append(o.Tensors, k)
			}
			return o, nil
		}
		return a.lit, nil
	}
	for _, a := range positional {
		o, err := operand(a)
		if err != nil {
			return nil, err
		}
		c.Positional = append(c.Positional, o)
	}
	for _, k := range keywords {
		o, err := operand(k.arg)
		if err != nil {
			return nil, err
		}
		o.Name = k.name
		c.Keywords = append(c.Keywords, o)
	}
	var out []*Tensor
	for i, name := range names {
		r := results[i]
		if r.discard {
			out = append(out, nil)
			continue
		}
		n := &ir.Node{Name: name, Kind: ir.Extern, DType: r.dtype, Ranges: slices.Clone(r.shape), Strides: r.strides, Origin: origin, Call: c}
		if i > 0 {
			n.Call = &ir.ExternCall{Target: target, ResultOf: names[0], Index: i}
		}
		t, err := l.addNode(n)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// opATen is the generic fallback: any ATen op by its qualified name
// (aten.cumsum.default), called through torch.ops with the node's
// positional and keyword arguments (tensors passed as strided views), its
// results' dtypes, shapes and strides given (strides default to
// contiguous; the module checks all three).
func (l *lowerer) opATen(n *OpNode, args []*Tensor, resolve func(Arg, string) (*Tensor, error)) ([]*Tensor, error) {
	a := &n.Attrs
	target := *a.Target
	if !ir.IsATen(target) {
		return nil, ferr("target", "%q is not an ATen op name: want aten.<op>.<overload>, letters, digits and _, the op in lower case", target)
	}
	var results []atenResult
	switch {
	case n.Outputs != nil && a.Results == nil:
		return nil, ferr("results", "an ATen op with several results gives each one's dtype and shape in results")
	case n.Outputs != nil && (a.DType != "" || a.Shape != nil || a.Strides != nil):
		return nil, ferr("results", "an ATen op with several results gives dtypes, shapes and strides in results, not in dtype, shape and strides")
	case n.Outputs != nil && len(*a.Results) != len(n.Outputs):
		return nil, ferr("results", "%d results for %d outputs", len(*a.Results), len(n.Outputs))
	case n.Outputs != nil:
		for k, r := range *a.Results {
			if k > 0 && n.Outputs[k] == "" {
				results = append(results, atenResult{discard: true})
				continue
			}
			results = append(results, atenResult{dtype: r.DType, shape: slices.Clone(r.Shape), strides: slices.Clone(r.Strides)})
		}
	case a.Results != nil:
		return nil, ferr("results", "an ATen op with one result gives its dtype and shape in dtype and shape; results goes with outputs")
	case a.DType == "":
		return nil, ferr("dtype", "an ATen op's result dtype must be given")
	case a.Shape == nil:
		return nil, ferr("shape", "an ATen op's result shape must be given")
	default:
		r := atenResult{dtype: a.DType, shape: slices.Clone(*a.Shape)}
		if n.Name == "" {
			return nil, ferr("name", "an aten op's first result needs a name")
		}
		if a.Strides != nil {
			r.strides = slices.Clone(*a.Strides)
		}
		results = append(results, r)
	}
	if n.Outputs != nil && n.Outputs[0] == "" {
		return nil, ferr("outputs[0]", "an aten op's first result needs a name (it holds the call); only later ones may be discarded with \"\"")
	}
	for i, r := range results {
		at := "results[" + strconv.Itoa(i) + "]"
		if n.Outputs == nil {
			at = "shape"
		}
		if r.discard {
			continue
		}
		if !r.dtype.Valid() {
			return nil, ferr(at, "unknown dtype %q (want one of %v)", r.dtype, ir.DTypes())
		}
		if err := ir.CheckShape(r.shape, "", l.syms()); err != nil && len(r.shape) > 0 {
			return nil, ferr(at, "%v", err)
		}
		if r.strides != nil && len(r.strides) != len(r.shape) {
			return nil, ferr(at, "%d strides for %d dims", len(r.strides), len(r.shape))
		}
		for _, st := range r.strides {
			for _, name := range st.Syms.Names() {
				if _, ok := l.syms()[name]; !ok {
					return nil, ferr(at, "stride %s names %q, which is no declared symbol", st, name)
				}
			}
		}
	}
	positional := make([]atenArg, len(n.Args))
	for i, raw := range n.Args {
		var err error
		if positional[i], err = l.atenArgOf(raw, args[i], "args["+strconv.Itoa(i)+"]", resolve); err != nil {
			return nil, err
		}
	}
	var keywords []namedAtenArg
	if a.Kwargs != nil {
		for _, k := range *a.Kwargs {
			at := "kwargs." + k.Name
			if !ir.IsIdentifier(k.Name) || k.Name[0] == '_' || k.Name == "out" {
				return nil, ferr(at, "keyword %q: want a name (letters, digits and _, not starting with _ or a digit) other than out", k.Name)
			}
			var t *Tensor
			if k.Arg.Scalar != nil || k.Arg.Name != "" && k.Arg.Literal == nil {
				var err error
				if t, err = resolve(k.Arg, at); err != nil {
					return nil, err
				}
			}
			o, err := l.atenArgOf(k.Arg, t, at, resolve)
			if err != nil {
				return nil, err
			}
			keywords = append(keywords, namedAtenArg{k.Name, o})
		}
	}
	return l.atenCall(n.Results(), "aten", target, results, positional, keywords)
}

// atenArgOf is the call argument of one written argument raw, whose tensor
// (or scalar) is t when it has one.
func (l *lowerer) atenArgOf(raw Arg, t *Tensor, at string, resolve func(Arg, string) (*Tensor, error)) (atenArg, error) {
	switch {
	case raw.None:
		return literalArg(ir.Operand{Kind: ir.OperandNone}), nil
	case raw.Ints != nil:
		return intsArg(*raw.Ints), nil
	case raw.Literal != nil:
		return l.literal(*raw.Literal, at)
	case raw.List != nil:
		return l.listArg(*raw.List, at, resolve)
	case t == nil:
		return atenArg{}, ferr(at, "internal error: argument without a value")
	case t.isScalar():
		return scalarArg(*t.scalar), nil
	}
	return tensorArg(t), nil
}

// literal checks one literal argument.
func (l *lowerer) literal(lit Literal, at string) (atenArg, error) {
	o := ir.Operand{Kind: lit.Kind, Value: lit.Value}
	switch lit.Kind {
	case ir.OperandDType:
		o.Value, o.DType = "", ir.DType(lit.Value)
	case ir.OperandDevice:
		// Whatever device it names, the call gets the module's own: a
		// module generated for another device (-device) moves with it.
		if !ir.IsIdentifier(lit.Value) {
			return atenArg{}, ferr(at, "device %q: want a device type (cuda, cpu, ...)", lit.Value)
		}
		o.Value = ""
	}
	if err := ir.CheckOperand(o, 0, ""); err != nil {
		return atenArg{}, ferr(at, "%v", err)
	}
	return literalArg(o), nil
}

// listArg is a list argument other than a list of ints: floats or bools
// (one kind each), or tensors and None.
func (l *lowerer) listArg(items []Arg, at string, resolve func(Arg, string) (*Tensor, error)) (atenArg, error) {
	var scalars []Scalar
	var tensors []*Tensor
	for i, it := range items {
		ai := at + "[" + strconv.Itoa(i) + "]"
		switch {
		case it.Scalar != nil:
			scalars = append(scalars, *it.Scalar)
		case it.None:
			tensors = append(tensors, nil)
		case it.Name != "" && it.Literal == nil && it.List == nil && it.Ints == nil:
			t, err := resolve(it, ai)
			if err != nil {
				return atenArg{}, err
			}
			tensors = append(tensors, t)
		default:
			return atenArg{}, ferr(ai, "a list holds numbers, bools, or tensors and null")
		}
	}
	if scalars != nil && tensors != nil {
		return atenArg{}, ferr(at, "a list holds numbers or bools, or tensors and null, not both")
	}
	if tensors != nil {
		return atenArg{tensors: tensors, list: true}, nil
	}
	o := ir.Operand{Kind: ir.OperandList, DType: ir.Int64, Items: []string{}}
	for _, s := range scalars {
		o.Items = append(o.Items, s.Value)
		if s.Kind == ScalarFloat {
			o.DType = ir.Float64
		}
	}
	for i, s := range scalars {
		if (s.Kind == ScalarBool) != (scalars[0].Kind == ScalarBool) {
			return atenArg{}, ferr(at+"["+strconv.Itoa(i)+"]", "a list holds bools or numbers, not both")
		}
	}
	if len(scalars) > 0 && scalars[0].Kind == ScalarBool {
		o.DType = ir.Bool
	}
	if o.DType == ir.Float64 {
		for i, s := range scalars {
			o.Items[i] = FloatScalar(s.Float()).Value
		}
	}
	return literalArg(o), nil
}
