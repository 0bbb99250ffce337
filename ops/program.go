package ops

import (
	"maps"
	"math"
	"strconv"
	"strings"

	"github.com/fusegen/fusegen/ir"
)

// Program is a graph as its author wrote it: raw loop nodes and tensor-op
// nodes in order. Package graphfile reads one from a graph file and writes it
// back in canonical form, op nodes as op nodes; a Builder records one; Lower
// turns it into an ir.Graph of loop nodes.
type Program struct {
	Name   string
	Device string
	// Symbols are the sizes known only at run time that shapes may name
	// (nil: a static program).
	Symbols ir.Symbols
	Inputs  []*ir.Buffer
	Nodes   []Node
	Outputs []string
	// Params: the inputs an archive holds the values of (ir.Graph.Params).
	Params []ir.Param
}

// Node is one entry of a program's nodes: exactly one of Loop and Op is set.
type Node struct {
	Loop *ir.Node
	Op   *OpNode
}

// Names returns the buffer names the node defines.
func (n Node) Names() []string {
	if n.Loop != nil {
		return []string{n.Loop.Name}
	}
	return n.Op.Results()
}

// OpNode is a tensor op with PyTorch's name and semantics, e.g.
// {"name": "y", "op": "softmax", "args": ["x"], "dim": -1}. Ops with several
// results (chunk, split, var_mean) name them in Outputs instead of Name.
type OpNode struct {
	Name    string
	Outputs []string
	Op      string
	Args    []Arg
	Attrs   Attrs
}

// Results returns the names of the op's results.
func (n *OpNode) Results() []string {
	if n.Outputs != nil {
		return n.Outputs
	}
	return []string{n.Name}
}

// Arg is an op argument: a buffer name, or a Python scalar.
type Arg struct {
	Name   string  // a buffer (input, loop node or op result); "inf", "-inf", "nan" when no buffer has that name
	Scalar *Scalar // a number or bool
	// An ATen op's list of ints (dims, sizes), any other list (floats,
	// bools, tensors and None), None, or a literal of another kind; no
	// other op takes them.
	Ints    *[]int64
	List    *[]Arg
	None    bool
	Literal *Literal
}

// ScalarKind is the Python type of a scalar: bool, int or float.
type ScalarKind int

// The Python scalar kinds, in promotion order.
const (
	ScalarBool ScalarKind = iota
	ScalarInt
	ScalarFloat
)

// Scalar is a Python number as written in a graph file: an integer (no
// decimal point or exponent), a float, or a bool. Value is its canonical
// spelling: an integer, a float that always shows it is one ("2.0", "1e-05",
// "inf", "-inf", "nan"), or true/false.
type Scalar struct {
	Kind  ScalarKind
	Value string
}

// IntScalar, FloatScalar and BoolScalar make scalars.
func IntScalar(v int64) Scalar { return Scalar{Kind: ScalarInt, Value: strconv.FormatInt(v, 10)} }

// FloatScalar returns a float scalar.
func FloatScalar(v float64) Scalar { return Scalar{Kind: ScalarFloat, Value: formatFloatScalar(v)} }

// BoolScalar returns a bool scalar.
func BoolScalar(v bool) Scalar { return Scalar{Kind: ScalarBool, Value: strconv.FormatBool(v)} }

func formatFloatScalar(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// Float returns the scalar's value as a float64.
func (s Scalar) Float() float64 {
	switch s.Value {
	case "true":
		return 1
	case "false":
		return 0
	case "inf":
		return math.Inf(1)
	case "-inf":
		return math.Inf(-1)
	case "nan":
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(s.Value, 64)
	return f
}

// Int returns an int or bool scalar's value.
func (s Scalar) Int() int64 {
	switch s.Value {
	case "true":
		return 1
	case "false":
		return 0
	}
	i, _ := strconv.ParseInt(s.Value, 10, 64)
	return i
}

func (s Scalar) String() string { return s.Value }

// Attrs are an op node's named fields. A nil pointer (or nil slice) is a
// field left out. Which fields an op takes is in its entry of the op table
// (OpNames lists the ops).
type Attrs struct {
	Dim, Dim0, Dim1, StartDim, EndDim *int64
	Dims                              *[]int64
	KeepDim                           *bool
	DType                             ir.DType
	Shape, NormalizedShape            *[]ir.Size // a view's -1 is ir.Int(-1)
	Start, End, Step, Index, Length   *int64
	Chunks                            *int64
	SplitSize                         *[]int64
	SplitSizeList                     bool // split_size was written as a list
	Alpha                             *Scalar
	RoundingMode, Approximate         *string
	Min, Max                          *Arg
	Value, Beta, Threshold            *Scalar
	Eps, Correction                   *Scalar
	Weight, Bias                      string
	IgnoreIndex                       *int64
	Reduction                         *string
	Target                            *string    // aten: the qualified ATen op
	Strides                           *[]ir.Size // aten: the result's strides
	// aten: keyword arguments, sorted by name; the results of an op with
	// several (named by outputs)
	Kwargs  *[]KeywordArg
	Results *[]ResultSpec
	// convolutions: an int (every spatial dim) or a list; padding may be
	// "same" or "valid" instead (PaddingMode)
	Stride, Padding, Dilation *IntsOrOne
	PaddingMode               *string
	Groups                    *int64
	// pad: (before, after) pairs from the last dim backwards; tril, triu:
	// the diagonal
	Pad      *[]int64
	Diagonal *int64
}

// IntsOrOne is a field written as one int (List false: Ints has it alone)
// or as a list of ints.
type IntsOrOne struct {
	Ints []int64
	List bool
}

// AttrFields lists the op node attributes in canonical order.
var AttrFields = []string{"dim", "dims", "dim0", "dim1", "start_dim", "end_dim", "keepdim", "dtype",
	"shape", "normalized_shape", "start", "end", "step", "index", "length", "chunks", "split_size",
	"alpha", "rounding_mode", "approximate", "min", "max", "value", "beta", "threshold", "eps",
	"correction", "weight", "bias", "ignore_index", "reduction", "target", "strides",
	"kwargs", "results", "stride", "padding", "dilation", "groups", "pad", "diagonal"}

// Has reports whether the attribute field is set.
func (a *Attrs) Has(field string) bool {
	switch field {
	case "dim":
		return a.Dim != nil
	case "dims":
		return a.Dims != nil
	case "dim0":
		return a.Dim0 != nil
	case "dim1":
		return a.Dim1 != nil
	case "start_dim":
		return a.StartDim != nil
	case "end_dim":
		return a.EndDim != nil
	case "keepdim":
		return a.KeepDim != nil
	case "dtype":
		return a.DType != ""
	case "shape":
		return a.Shape != nil
	case "normalized_shape":
		return a.NormalizedShape != nil
	case "start":
		return a.Start != nil
	case "end":
		return a.End != nil
	case "step":
		return a.Step != nil
	case "index":
		return a.Index != nil
	case "length":
		return a.Length != nil
	case "chunks":
		return a.Chunks != nil
	case "split_size":
		return a.SplitSize != nil
	case "alpha":
		return a.Alpha != nil
	case "rounding_mode":
		return a.RoundingMode != nil
	case "approximate":
		return a.Approximate != nil
	case "min":
		return a.Min != nil
	case "max":
		return a.Max != nil
	case "value":
		return a.Value != nil
	case "beta":
		return a.Beta != nil
	case "threshold":
		return a.Threshold != nil
	case "eps":
		return a.Eps != nil
	case "correction":
		return a.Correction != nil
	case "weight":
		return a.Weight != ""
	case "bias":
		return a.Bias != ""
	case "ignore_index":
		return a.IgnoreIndex != nil
	case "reduction":
		return a.Reduction != nil
	case "target":
		return a.Target != nil
	case "strides":
		return a.Strides != nil
	case "kwargs":
		return a.Kwargs != nil
	case "results":
		return a.Results != nil
	case "stride":
		return a.Stride != nil
	case "padding":
		return a.Padding != nil || a.PaddingMode != nil
	case "dilation":
		return a.Dilation != nil
	case "groups":
		return a.Groups != nil
	case "pad":
		return a.Pad != nil
	case "diagonal":
		return a.Diagonal != nil
	}
	return false
}

// HasOps reports whether the program has any tensor-op node.
func (f *Program) HasOps() bool {
	for _, n := range f.Nodes {
		if n.Op != nil {
			return true
		}
	}
	return false
}

// NodePath is the path of an op node in errors: its position and its
// name, or its outputs' names.
func NodePath(pos string, n *OpNode) string {
	if n.Name != "" {
		return pos + " " + strconv.Quote(n.Name)
	}
	if len(n.Outputs) > 0 {
		return pos + " " + strconv.Quote(strings.Join(n.Outputs, ", "))
	}
	return pos
}

// LoopGraph returns the graph of a program of loop nodes only, as written
// (unchecked); op nodes are skipped (Lower lowers them).
func (p *Program) LoopGraph() *ir.Graph {
	g := &ir.Graph{Name: p.Name, Device: p.Device, Symbols: graphSymbols(p.Symbols), Inputs: p.Inputs, Outputs: p.Outputs}
	for _, n := range p.Nodes {
		if n.Loop != nil {
			g.Nodes = append(g.Nodes, n.Loop)
		}
	}
	return g
}

// graphSymbols is a program's symbols as a graph keeps them: nil when there
// are none, so that a static graph is as it always was.
func graphSymbols(syms ir.Symbols) ir.Symbols {
	if len(syms) == 0 {
		return nil
	}
	// A copy: lowering adds the derived symbols the ops make (S + T of a
	// cat), which are the graph's, not the file's.
	return maps.Clone(syms)
}
