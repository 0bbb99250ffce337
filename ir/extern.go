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
	// means Args in order.
	Positional []Operand
	// OutShape is the shape the call writes its result as, a view of the
	// node's contiguous buffer (mm's [B*S, N] for a linear of [B, S, N]);
	// nil: the node's ranges.
	OutShape []int64
}

// View is a strided view of a buffer, as a library call receives it: Offset
// counts elements from the buffer's first element.
type View struct {
	Buffer  string
	Shape   []int64
	Strides []int64
	Offset  int64
}

// Operand is one positional argument of an extern call: Args[Arg], or,
// when Arg < 0, the literal Value of dtype DType (canonical spelling: int64
// for a Python int, float64 for a float, bool).
type Operand struct {
	Arg   int
	Value string
	DType DType
	// A literal list of ints (List, possibly empty), or None.
	Ints []int64
	List bool
	None bool
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
	case len(c.Args) == 0:
		return ErrorAt(path+".call.args", "an extern call reads at least one buffer")
	case c.OutShape != nil && (CheckShape(c.OutShape, "") != nil || Product(c.OutShape) != n.Numel()):
		return ErrorAt(path+".call.out_shape", "out_shape %v does not view the node's %d elements", c.OutShape, n.Numel())
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
		if err := checkView(a, b); err != nil {
			return ErrorAt(at, "%v", err)
		}
	}
	for i, o := range c.Positional {
		at := path + ".call.positional[" + strconv.Itoa(i) + "]"
		switch {
		case o.Arg >= len(c.Args):
			return ErrorAt(at, "names args[%d] of %d", o.Arg, len(c.Args))
		case o.Arg < 0 && (o.List || o.None):
			if o.Value != "" || o.DType != "" || o.List && o.None {
				return ErrorAt(at, "a literal is one of a value, a list of ints or None")
			}
		case o.Arg < 0:
			if o.DType != Int64 && o.DType != Float64 && o.DType != Bool {
				return ErrorAt(at, "a literal is int64, float64 or bool, got %q", o.DType)
			}
			if _, err := CanonicalValue(o.Value, o.DType); err != nil {
				return ErrorAt(at, "%v", err)
			}
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

// checkView reports a view that does not fit in its buffer's storage.
func checkView(v View, b *Buffer) error {
	if len(v.Strides) != len(v.Shape) {
		return fmt.Errorf("view of %q: %d strides for %d dims", v.Buffer, len(v.Strides), len(v.Shape))
	}
	if err := CheckShape(v.Shape, ""); err != nil {
		return fmt.Errorf("view of %q: %v", v.Buffer, err)
	}
	last := v.Offset
	for d, s := range v.Strides {
		if s < 0 {
			return fmt.Errorf("view of %q: negative stride %d", v.Buffer, s)
		}
		last += (v.Shape[d] - 1) * s
	}
	if v.Offset < 0 || last >= b.Extent() && Product(v.Shape) > 0 {
		return fmt.Errorf("view of %q (offset %d, shape %v, strides %v) reaches element %d of %d", v.Buffer, v.Offset, v.Shape, v.Strides, last, b.Extent())
	}
	return nil
}
