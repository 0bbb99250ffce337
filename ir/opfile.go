package ir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// File is a graph file as written: its nodes are raw loop nodes and tensor-op
// nodes in file order. ParseFile reads one, Lower turns it into a Graph of
// loop nodes, and WriteFile writes it back in canonical form, op nodes as op
// nodes. A Graph lowered from a File keeps it in Graph.Source, so that
// WriteGraph gives the file back.
type File struct {
	Name    string
	Device  string
	Inputs  []*Buffer
	Nodes   []FileNode
	Outputs []string
}

// FileNode is one entry of a graph file's nodes: exactly one of Loop and Op
// is set.
type FileNode struct {
	Loop *Node
	Op   *OpNode
}

// Names returns the buffer names the node defines.
func (n FileNode) Names() []string {
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
	DType                             DType
	Shape, NormalizedShape            *[]int64
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
}

// opNodeFields are the fields an op node may have.
var opNodeFields = append([]string{"name", "outputs", "op", "args"}, attrFields...)

// attrFields lists the op node attributes in canonical order.
var attrFields = []string{"dim", "dims", "dim0", "dim1", "start_dim", "end_dim", "keepdim", "dtype",
	"shape", "normalized_shape", "start", "end", "step", "index", "length", "chunks", "split_size",
	"alpha", "rounding_mode", "approximate", "min", "max", "value", "beta", "threshold", "eps",
	"correction", "weight", "bias", "ignore_index", "reduction"}

// has reports whether the attribute field is set.
func (a *Attrs) has(field string) bool {
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
	}
	return false
}

// HasOps reports whether the file has any tensor-op node.
func (f *File) HasOps() bool {
	for _, n := range f.Nodes {
		if n.Op != nil {
			return true
		}
	}
	return false
}

// ParseFile parses a graph file without lowering or validating it: the
// structure (field names and JSON types, the version, index syntax, scalar
// spellings) is checked, names and typing are not.
func ParseFile(data []byte) (*File, error) {
	var root any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		return nil, jsonError(data, err)
	}
	rest := dec.InputOffset()
	for rest < int64(len(data)) && strings.IndexByte(" \t\r\n", data[rest]) >= 0 {
		rest++
	}
	if rest < int64(len(data)) {
		return nil, &Error{Msg: fmt.Sprintf("%s: unexpected data after the top-level object", lineCol(data, rest))}
	}
	r := reader{}
	obj := r.object(root, "")
	if r.err != nil {
		return nil, r.err
	}
	r.fields(obj, "", "version", "name", "device", "inputs", "nodes", "outputs")
	if v := r.int(obj["version"], "version", true); r.err == nil && v != FormatVersion {
		r.fail("version", "unsupported version %d (this fusegen reads version %d)", v, FormatVersion)
	}
	f := &File{
		Name:   r.string(obj["name"], "name", true),
		Device: r.string(obj["device"], "device", false),
	}
	if f.Device == "" {
		f.Device = "cuda"
	}
	for i, in := range r.array(obj["inputs"], "inputs", true) {
		f.Inputs = append(f.Inputs, r.buffer(in, "inputs["+strconv.Itoa(i)+"]"))
	}
	for i, n := range r.array(obj["nodes"], "nodes", false) {
		path := "nodes[" + strconv.Itoa(i) + "]"
		if m, ok := n.(map[string]any); ok && m["op"] != nil {
			f.Nodes = append(f.Nodes, FileNode{Op: r.opNode(m, path)})
			continue
		}
		f.Nodes = append(f.Nodes, FileNode{Loop: r.node(n, path)})
	}
	for i, o := range r.array(obj["outputs"], "outputs", true) {
		f.Outputs = append(f.Outputs, r.string(o, "outputs["+strconv.Itoa(i)+"]", true))
	}
	if r.err != nil {
		return nil, r.err
	}
	return f, nil
}

// opNodePath is the path of an op node in errors: its position and its
// name, or its outputs' names.
func opNodePath(pos string, n *OpNode) string {
	if n.Name != "" {
		return pos + " " + strconv.Quote(n.Name)
	}
	if len(n.Outputs) > 0 {
		return pos + " " + strconv.Quote(strings.Join(n.Outputs, ", "))
	}
	return pos
}

func (r *reader) opNode(m map[string]any, pos string) *OpNode {
	n := &OpNode{}
	if name, ok := m["name"].(string); ok {
		n.Name = name
	}
	if outs, ok := m["outputs"].([]any); ok {
		for _, o := range outs {
			if s, ok := o.(string); ok {
				n.Outputs = append(n.Outputs, s)
			}
		}
	}
	path := opNodePath(pos, n)
	if _, hasKind := m["kind"]; hasKind {
		r.fail(join(path, "kind"), "a node has either kind (a loop node) or op (a tensor op), not both")
		return n
	}
	r.fields(m, path, opNodeFields...)
	n.Name = r.stringAt(m["name"], path, "name", false)
	if v, ok := m["outputs"]; ok && v != nil {
		n.Outputs = []string{}
		for i, o := range r.arrayAt(v, path, "outputs", false) {
			n.Outputs = append(n.Outputs, r.string(o, path+".outputs["+strconv.Itoa(i)+"]", true))
		}
		if len(n.Outputs) == 0 {
			r.fail(join(path, "outputs"), "outputs is empty")
		}
	}
	switch {
	case n.Name == "" && n.Outputs == nil:
		r.fail(join(path, "name"), "missing (want a string, or outputs for an op with several results)")
	case n.Name != "" && n.Outputs != nil:
		r.fail(join(path, "outputs"), "a node has either name or outputs, not both")
	}
	n.Op = r.stringAt(m["op"], path, "op", true)
	for i, a := range r.arrayAt(m["args"], path, "args", false) {
		n.Args = append(n.Args, r.arg(a, path+".args["+strconv.Itoa(i)+"]"))
	}
	// Most op nodes have no attributes: they would all read as unset.
	hasAttrs := false
	for k, v := range m {
		if v != nil && k != "name" && k != "outputs" && k != "op" && k != "args" {
			hasAttrs = true
			break
		}
	}
	if !hasAttrs {
		return n
	}
	a := &n.Attrs
	optInt := func(field string) *int64 {
		if m[field] == nil {
			return nil
		}
		v := r.int(m[field], join(path, field), true)
		return &v
	}
	optInts := func(field string) *[]int64 {
		if m[field] == nil {
			return nil
		}
		v := r.ints(m[field], join(path, field), true)
		if v == nil {
			v = []int64{}
		}
		return &v
	}
	optString := func(field string) *string {
		if m[field] == nil {
			return nil
		}
		v := r.string(m[field], join(path, field), true)
		return &v
	}
	optScalar := func(field string) *Scalar {
		if m[field] == nil {
			return nil
		}
		s := r.scalar(m[field], join(path, field))
		return &s
	}
	optArg := func(field string) *Arg {
		if m[field] == nil {
			return nil
		}
		v := r.arg(m[field], join(path, field))
		return &v
	}
	a.Dim, a.Dim0, a.Dim1 = optInt("dim"), optInt("dim0"), optInt("dim1")
	a.StartDim, a.EndDim = optInt("start_dim"), optInt("end_dim")
	a.Dims = optInts("dims")
	if m["keepdim"] != nil {
		b, ok := m["keepdim"].(bool)
		if !ok {
			r.fail(join(path, "keepdim"), "want a bool, got %s", kind(m["keepdim"]))
		}
		a.KeepDim = &b
	}
	a.DType = r.dtypeAt(m["dtype"], path, "dtype", false)
	a.Shape, a.NormalizedShape = optInts("shape"), optInts("normalized_shape")
	a.Start, a.End, a.Step = optInt("start"), optInt("end"), optInt("step")
	a.Index, a.Length, a.Chunks = optInt("index"), optInt("length"), optInt("chunks")
	if v := m["split_size"]; v != nil {
		if _, isList := v.([]any); isList {
			a.SplitSize = optInts("split_size")
			a.SplitSizeList = true
		} else {
			s := []int64{r.int(v, join(path, "split_size"), true)}
			a.SplitSize = &s
		}
	}
	a.Alpha = optScalar("alpha")
	a.RoundingMode, a.Approximate = optString("rounding_mode"), optString("approximate")
	a.Min, a.Max = optArg("min"), optArg("max")
	a.Value, a.Beta, a.Threshold = optScalar("value"), optScalar("beta"), optScalar("threshold")
	a.Eps, a.Correction = optScalar("eps"), optScalar("correction")
	a.Weight = r.stringAt(m["weight"], path, "weight", false)
	a.Bias = r.stringAt(m["bias"], path, "bias", false)
	a.IgnoreIndex = optInt("ignore_index")
	a.Reduction = optString("reduction")
	return n
}

// arg reads an op argument: a string (a buffer name, or inf, -inf, nan), a
// number or a bool.
func (r *reader) arg(v any, path string) Arg {
	if s, ok := v.(string); ok {
		if s == "" {
			r.fail(path, "empty buffer name")
		}
		return Arg{Name: s}
	}
	s := r.scalar(v, path)
	return Arg{Scalar: &s}
}

// scalar reads a Python scalar: a JSON number (an integer when written
// without a decimal point or exponent), a bool, or "inf", "-inf", "nan".
func (r *reader) scalar(v any, path string) Scalar {
	s, err := ParseScalar(v)
	if err != nil {
		r.fail(path, "%v", err)
	}
	return s
}

// ParseScalar reads a decoded JSON value (json.Number, bool, or one of the
// strings inf, -inf, nan) as a Python scalar.
func ParseScalar(v any) (Scalar, error) {
	switch x := v.(type) {
	case bool:
		return BoolScalar(x), nil
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return Scalar{}, fmt.Errorf("integer %s does not fit in int64", s)
			}
			return IntScalar(i), nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return Scalar{}, fmt.Errorf("number %s does not fit in a float64", s)
		}
		return FloatScalar(f), nil
	case string:
		switch x {
		case "inf", "-inf", "nan":
			return Scalar{Kind: ScalarFloat, Value: x}, nil
		}
		return Scalar{}, fmt.Errorf("want a number, a bool, or one of \"inf\", \"-inf\", \"nan\"; got %q", x)
	}
	return Scalar{}, fmt.Errorf("want a number, a bool, or one of \"inf\", \"-inf\", \"nan\"; got %s", kind(v))
}

// The written form of an op node. Field order here is the canonical order.
type fileOpNode struct {
	Name            string            `json:"name,omitempty"`
	Outputs         []string          `json:"outputs,omitempty"`
	Op              string            `json:"op"`
	Args            []json.RawMessage `json:"args,omitempty"`
	Dim             *int64            `json:"dim,omitempty"`
	Dims            *[]int64          `json:"dims,omitempty"`
	Dim0            *int64            `json:"dim0,omitempty"`
	Dim1            *int64            `json:"dim1,omitempty"`
	StartDim        *int64            `json:"start_dim,omitempty"`
	EndDim          *int64            `json:"end_dim,omitempty"`
	KeepDim         *bool             `json:"keepdim,omitempty"`
	DType           DType             `json:"dtype,omitempty"`
	Shape           *[]int64          `json:"shape,omitempty"`
	NormalizedShape *[]int64          `json:"normalized_shape,omitempty"`
	Start           *int64            `json:"start,omitempty"`
	End             *int64            `json:"end,omitempty"`
	Step            *int64            `json:"step,omitempty"`
	Index           *int64            `json:"index,omitempty"`
	Length          *int64            `json:"length,omitempty"`
	Chunks          *int64            `json:"chunks,omitempty"`
	SplitSize       json.RawMessage   `json:"split_size,omitempty"`
	Alpha           json.RawMessage   `json:"alpha,omitempty"`
	RoundingMode    *string           `json:"rounding_mode,omitempty"`
	Approximate     *string           `json:"approximate,omitempty"`
	Min             json.RawMessage   `json:"min,omitempty"`
	Max             json.RawMessage   `json:"max,omitempty"`
	Value           json.RawMessage   `json:"value,omitempty"`
	Beta            json.RawMessage   `json:"beta,omitempty"`
	Threshold       json.RawMessage   `json:"threshold,omitempty"`
	Eps             json.RawMessage   `json:"eps,omitempty"`
	Correction      json.RawMessage   `json:"correction,omitempty"`
	Weight          string            `json:"weight,omitempty"`
	Bias            string            `json:"bias,omitempty"`
	IgnoreIndex     *int64            `json:"ignore_index,omitempty"`
	Reduction       *string           `json:"reduction,omitempty"`
}

func scalarJSON(s *Scalar) json.RawMessage {
	if s == nil {
		return nil
	}
	switch s.Value {
	case "inf", "-inf", "nan":
		return json.RawMessage(strconv.Quote(s.Value))
	}
	return json.RawMessage(s.Value)
}

func argJSON(a *Arg) json.RawMessage {
	if a == nil {
		return nil
	}
	if a.Scalar != nil {
		return scalarJSON(a.Scalar)
	}
	b, _ := json.Marshal(a.Name)
	return b
}

func toFileOpNode(n *OpNode) *fileOpNode {
	a := &n.Attrs
	f := &fileOpNode{
		Name: n.Name, Outputs: n.Outputs, Op: n.Op,
		Dim: a.Dim, Dims: a.Dims, Dim0: a.Dim0, Dim1: a.Dim1, StartDim: a.StartDim, EndDim: a.EndDim,
		KeepDim: a.KeepDim, DType: a.DType, Shape: a.Shape, NormalizedShape: a.NormalizedShape,
		Start: a.Start, End: a.End, Step: a.Step, Index: a.Index, Length: a.Length, Chunks: a.Chunks,
		Alpha: scalarJSON(a.Alpha), RoundingMode: a.RoundingMode, Approximate: a.Approximate,
		Min: argJSON(a.Min), Max: argJSON(a.Max), Value: scalarJSON(a.Value), Beta: scalarJSON(a.Beta),
		Threshold: scalarJSON(a.Threshold), Eps: scalarJSON(a.Eps), Correction: scalarJSON(a.Correction),
		Weight: a.Weight, Bias: a.Bias, IgnoreIndex: a.IgnoreIndex, Reduction: a.Reduction,
	}
	for i := range n.Args {
		f.Args = append(f.Args, argJSON(&n.Args[i]))
	}
	if a.SplitSize != nil {
		var v any = *a.SplitSize
		if !a.SplitSizeList && len(*a.SplitSize) == 1 {
			v = (*a.SplitSize)[0]
		}
		// Indented like the rest of the file by the encoder.
		f.SplitSize, _ = json.Marshal(v)
	}
	return f
}

// WriteFile returns the canonical graph file for f: loop nodes as WriteGraph
// writes them (their dtypes must be known, so f must have been lowered), op
// nodes as written with their fields in canonical order and scalars in
// canonical spelling.
func WriteFile(f *File) ([]byte, error) {
	type file struct {
		Version int          `json:"version"`
		Name    string       `json:"name"`
		Device  string       `json:"device"`
		Inputs  []fileBuffer `json:"inputs"`
		Nodes   []any        `json:"nodes"`
		Outputs []string     `json:"outputs"`
	}
	out := file{Version: FormatVersion, Name: f.Name, Device: f.Device, Inputs: writeBuffers(f.Inputs), Nodes: []any{}, Outputs: f.Outputs}
	for _, n := range f.Nodes {
		if n.Loop != nil {
			out.Nodes = append(out.Nodes, toFileNode(n.Loop))
		} else {
			out.Nodes = append(out.Nodes, toFileOpNode(n.Op))
		}
	}
	if out.Outputs == nil {
		out.Outputs = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("write graph %q: %w", f.Name, err)
	}
	return buf.Bytes(), nil
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
