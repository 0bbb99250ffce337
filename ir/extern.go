package ir

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Extern is the kind of a node whose buffer a library call computes (a
// matrix product through the vendor's BLAS), outside the generated kernels.
const Extern NodeKind = "extern"

// ExternCall is what computes an extern node: a call the templates spell
// (wrapper/extern.tmpl defines "extern/<Target>"), the strided views of
// buffers it reads, and its named scalar arguments.
type ExternCall struct {
	Target  string
	Args    []View
	Scalars []NamedScalar
	// Positional, when set, is the call's argument list in order, each a
	// buffer of Args or a literal (an ATen op's tensors and scalars); nil
	// means Args in order. Keywords are an ATen op's keyword arguments,
	// sorted by Name.
	Positional []Operand
	Keywords   []Operand
	// OutShape is the shape the call writes its result as, a view of the
	// node's contiguous buffer (mm's [B*S, N] for a linear of [B, S, N]);
	// nil: the node's ranges.
	OutShape []Size
	// Results names the nodes that hold an ATen op's further results
	// (results 1, 2, ... of a call whose result 0 is this node); "" is a
	// result the call discards.
	Results []string
	// ResultOf, on such a node, is the node whose call returned it, as
	// its result Index; the node makes no call of its own.
	ResultOf string
	Index    int
}

// View is a strided view of a buffer, as a library call receives it: Offset
// counts elements from the buffer's first element.
type View struct {
	Buffer  string
	Shape   []Size
	Strides []Size
	Offset  int64
}

// OperandKind is what one argument of an ATen call is.
type OperandKind string

// The kinds of ATen call arguments, as torch's schema types them.
const (
	OperandTensor       OperandKind = "tensor"        // Args[Arg], as a strided view
	OperandTensors      OperandKind = "tensors"       // a list of Args[i] for i in Tensors (-1: None)
	OperandScalar       OperandKind = "scalar"        // Value of DType
	OperandList         OperandKind = "list"          // Items, each of DType
	OperandNone         OperandKind = "none"          // None
	OperandString       OperandKind = "string"        // Value, a plain string ("tanh", "ij,jk->ik")
	OperandDType        OperandKind = "dtype"         // DType, as a torch.dtype
	OperandDevice       OperandKind = "device"        // the graph's device
	OperandLayout       OperandKind = "layout"        // Value, one of Layouts
	OperandMemoryFormat OperandKind = "memory_format" // Value, one of MemoryFormats
)

// Layouts and MemoryFormats are the torch.layout and torch.memory_format
// values an ATen call may take.
var (
	Layouts       = []string{"strided"}
	MemoryFormats = []string{"channels_last", "channels_last_3d", "contiguous_format", "preserve_format"}
)

// Operand is one argument of an ATen call. Literal values are in canonical
// spelling, of dtype int64 (a Python int), float64 (a float) or bool.
type Operand struct {
	Kind OperandKind
	// Name is a keyword argument's name ("" for a positional one).
	Name    string
	Arg     int
	Tensors []int
	Value   string
	DType   DType
	Items   []string
}

// maxOperandString bounds a string argument: these are names and short
// equations, never data.
const maxOperandString = 64

// IsOperandString reports a string an ATen call may take as an argument:
// short, of letters, digits, spaces and _ , . - > only, so that it needs no
// escaping in any target language.
func IsOperandString(s string) bool {
	if len(s) > maxOperandString {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" _,.->", r)) {
			return false
		}
	}
	return true
}

// IsATen reports a target that names an ATen op (aten.<op>.<overload>: a
// lower-case op, an overload such as default, Tensor or dim_IntList), which
// the wrapper calls through torch.ops and which returns its result.
func IsATen(target string) bool {
	parts := strings.Split(target, ".")
	return len(parts) == 3 && parts[0] == "aten" && IsIdentifier(parts[1]) && strings.ToLower(parts[1]) == parts[1] && IsIdentifier(parts[2])
}

// NamedScalar is a scalar argument of an extern call (alpha, beta), its
// value in canonical spelling.
type NamedScalar struct {
	Name  string
	Value string
}

// Reads returns the buffers a node reads: its body's loads, or an extern
// call's arguments, in order, each once.
func (n *Node) Reads() []string {
	if n.Call == nil {
		return n.Body.Reads()
	}
	if n.Call.ResultOf != "" {
		return []string{n.Call.ResultOf}
	}
	var out []string
	for _, a := range n.Call.Args {
		if !slices.Contains(out, a.Buffer) {
			out = append(out, a.Buffer)
		}
	}
	return out
}

// validateExtern checks an extern node: a known target spelling, no body, a
// declared dtype, and views that stay inside buffers defined elsewhere.
func validateExtern(g *Graph, table *Table, n *Node, path string) error {
	c := n.Call
	switch {
	case c == nil:
		return ErrorAt(path+".call", "an extern node needs a call")
	case n.Body != nil:
		return ErrorAt(path+".body", "an extern node has a call, not a body")
	case len(n.ReductionRanges) != 0 || n.Reduction != "":
		return ErrorAt(path+".reduction", "an extern node reduces nothing itself")
	case !IsATen(c.Target) && (!IsIdentifier(c.Target) || c.Target[0] == '_'):
		return ErrorAt(path+".call.target", "target %q is neither an extern op name (letters, digits and _, not starting with _ or a digit) nor an ATen op (aten.<op>.<overload>, the op in lower case)", c.Target)
	case n.Strides != nil && !IsATen(c.Target):
		return ErrorAt(path+".strides", "a library call writes a contiguous buffer; only an ATen op's result has strides of its own")
	case n.Strides != nil && len(n.Strides) != len(n.Ranges):
		return ErrorAt(path+".strides", "%d strides for %d dims", len(n.Strides), len(n.Ranges))
	case IsATen(c.Target) && c.OutShape != nil:
		return ErrorAt(path+".call.out_shape", "an ATen op returns its result; it writes no view")
	case !n.DType.Valid():
		return ErrorAt(path+".dtype", "an extern node declares its dtype (want one of %v)", DTypes())
	case (c.Results != nil || c.ResultOf != "" || c.Keywords != nil) && !IsATen(c.Target):
		return ErrorAt(path+".call", "only an ATen op takes keyword arguments or returns several results")
	case c.ResultOf != "":
		return validateResultOf(g, table, n, path)
	case len(c.Args) == 0 && !IsATen(c.Target):
		return ErrorAt(path+".call.args", "an extern call reads at least one buffer")
	case c.OutShape != nil && (CheckShape(c.OutShape, "", g.Symbols) != nil || Product(c.OutShape) != n.Numel()):
		return ErrorAt(path+".call.out_shape", "out_shape %s does not view the node's %s elements", SizesString(c.OutShape), n.Numel())
	}
	for i, a := range c.Args {
		at := path + ".call.args[" + strconv.Itoa(i) + "]"
		if a.Buffer == n.Name {
			return ErrorAt(at+".buffer", "an extern node cannot read its own buffer")
		}
		b := bufferIn(g, table, a.Buffer)
		if b == nil {
			return ErrorAt(at+".buffer", "undefined buffer %q", a.Buffer)
		}
		if err := checkView(a, b, g.Symbols); err != nil {
			return ErrorAt(at, "%v", err)
		}
	}
	for i, o := range c.Positional {
		if o.Name != "" {
			return ErrorAt(path+".call.positional["+strconv.Itoa(i)+"]", "a positional argument has no name (%q)", o.Name)
		}
		if err := CheckOperand(o, len(c.Args), path+".call.positional["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	for i, o := range c.Keywords {
		at := path + ".call.keywords[" + strconv.Itoa(i) + "]"
		switch {
		case !IsIdentifier(o.Name) || o.Name[0] == '_':
			return ErrorAt(at+".name", "keyword %q is not a name (letters, digits and _, not starting with _ or a digit)", o.Name)
		case o.Name == "out":
			return ErrorAt(at+".name", "an ATen op returns its results; it takes no out=")
		case i > 0 && c.Keywords[i-1].Name >= o.Name:
			return ErrorAt(at+".name", "keywords are sorted by name, each once (%q after %q)", o.Name, c.Keywords[i-1].Name)
		}
		if err := CheckOperand(o, len(c.Args), at); err != nil {
			return err
		}
	}
	for i, r := range c.Results {
		at := path + ".call.results[" + strconv.Itoa(i) + "]"
		if r != "" && (r == n.Name || slices.Contains(c.Results[:i], r)) {
			return ErrorAt(at, "result %q is named twice", r)
		}
	}
	for i, s := range c.Scalars {
		at := path + ".call.scalars[" + strconv.Itoa(i) + "]"
		if !IsIdentifier(s.Name) {
			return ErrorAt(at+".name", "scalar name %q is not an identifier", s.Name)
		}
		if _, err := CanonicalValue(s.Value, Float64); err != nil {
			return ErrorAt(at+".value", "%v", err)
		}
	}
	return nil
}

// validateResultOf checks a node that holds a further result of an ATen
// call: it names that call's node, defined before it, which lists it.
func validateResultOf(g *Graph, table *Table, n *Node, path string) error {
	c := n.Call
	if len(c.Args) != 0 || c.Positional != nil || c.Keywords != nil || c.Results != nil || c.Scalars != nil {
		return ErrorAt(path+".call", "a further result of a call makes no call of its own")
	}
	of := nodeIn(g, table, c.ResultOf)
	switch {
	case of == nil || of.Call == nil || of.Call.ResultOf != "":
		return ErrorAt(path+".call.result_of", "%q is no extern node that returns several results", c.ResultOf)
	case c.Index < 1 || c.Index > len(of.Call.Results) || of.Call.Results[c.Index-1] != n.Name:
		return ErrorAt(path+".call.index", "%q does not list %q as its result %d", c.ResultOf, n.Name, c.Index)
	case c.Target != of.Call.Target:
		return ErrorAt(path+".call.target", "target %q is not that of %q (%q)", c.Target, c.ResultOf, of.Call.Target)
	}
	return nil
}

// checkOperand checks one argument of an ATen call with nargs buffer views.
func CheckOperand(o Operand, nargs int, at string) error {
	literal := func(v string, dt DType) error {
		if dt != Int64 && dt != Float64 && dt != Bool {
			return ErrorAt(at, "a literal is int64, float64 or bool, got %q", dt)
		}
		if _, err := CanonicalValue(v, dt); err != nil {
			return ErrorAt(at, "%v", err)
		}
		return nil
	}
	switch o.Kind {
	case OperandTensor:
		if o.Arg < 0 || o.Arg >= nargs {
			return ErrorAt(at, "names args[%d] of %d", o.Arg, nargs)
		}
	case OperandTensors:
		for _, a := range o.Tensors {
			if a < -1 || a >= nargs {
				return ErrorAt(at, "names args[%d] of %d", a, nargs)
			}
		}
	case OperandScalar:
		return literal(o.Value, o.DType)
	case OperandList:
		for _, v := range o.Items {
			if err := literal(v, o.DType); err != nil {
				return err
			}
		}
		if o.DType != Int64 && o.DType != Float64 && o.DType != Bool {
			return ErrorAt(at, "a list holds int64, float64 or bool, got %q", o.DType)
		}
	case OperandNone, OperandDevice:
	case OperandString:
		if !IsOperandString(o.Value) {
			return ErrorAt(at, "string %q: at most %d letters, digits, spaces and _ , . - >", o.Value, maxOperandString)
		}
	case OperandDType:
		if !o.DType.Valid() {
			return ErrorAt(at, "unknown dtype %q", o.DType)
		}
	case OperandLayout:
		if !slices.Contains(Layouts, o.Value) {
			return ErrorAt(at, "unknown layout %q (want one of %v)", o.Value, Layouts)
		}
	case OperandMemoryFormat:
		if !slices.Contains(MemoryFormats, o.Value) {
			return ErrorAt(at, "unknown memory format %q (want one of %v)", o.Value, MemoryFormats)
		}
	default:
		return ErrorAt(at, "unknown operand kind %q", o.Kind)
	}
	return nil
}

// checkView reports a view that does not fit in its buffer's storage.
func checkView(v View, b *Buffer, syms Symbols) error {
	if len(v.Strides) != len(v.Shape) {
		return fmt.Errorf("view of %q: %d strides for %d dims", v.Buffer, len(v.Strides), len(v.Shape))
	}
	if err := CheckShape(v.Shape, "", syms); err != nil {
		return fmt.Errorf("view of %q: %v", v.Buffer, err)
	}
	last := ConstIndex(v.Offset)
	for d, s := range v.Strides {
		if s.C < 0 {
			return fmt.Errorf("view of %q: negative stride %s", v.Buffer, s)
		}
		last = last.Add(SizeIndex(v.Shape[d]).Add(ConstIndex(-1)).Times(s))
	}
	// The view fits when extent - 1 - last is never negative.
	room := b.Extent().Add(ConstIndex(-1)).Add(last.Scale(-1))
	if v.Offset < 0 || !room.nonNegative(Env{Symbols: syms}) {
		return fmt.Errorf("view of %q (offset %d, shape %s, strides %s) reaches element %s of %s", v.Buffer, v.Offset, SizesString(v.Shape), SizesString(v.Strides), last, b.Extent())
	}
	return nil
}
