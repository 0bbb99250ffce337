package graphfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// Parse parses a graph file into its op program without lowering or
// validating it: the
// structure (field names and JSON types, the version, index syntax, scalar
// spellings) is checked, names and typing are not.
func Parse(data []byte) (*ops.Program, error) {
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
		return nil, &ir.Error{Msg: fmt.Sprintf("%s: unexpected data after the top-level object", lineCol(data, rest))}
	}
	if err := checkDuplicateKeys(data); err != nil {
		return nil, err
	}
	r := reader{}
	obj := r.object(root, "")
	if r.err != nil {
		return nil, r.err
	}
	r.fields(obj, "", "version", "name", "device", "inputs", "nodes", "outputs", "symbols")
	if v := r.int(obj["version"], "version", true); r.err == nil && v != FormatVersion {
		r.fail("version", "unsupported version %d (this fusegen reads version %d)", v, FormatVersion)
	}
	f := &ops.Program{
		Name:   r.string(obj["name"], "name", true),
		Device: r.string(obj["device"], "device", false),
	}
	// Symbols first: every size and index after them may name them.
	r.syms = r.symbols(obj["symbols"])
	f.Symbols = r.syms
	if f.Device == "" {
		f.Device = "cuda"
	}
	for i, in := range r.array(obj["inputs"], "inputs", true) {
		f.Inputs = append(f.Inputs, r.buffer(in, "inputs["+strconv.Itoa(i)+"]"))
	}
	for i, n := range r.array(obj["nodes"], "nodes", false) {
		path := "nodes[" + strconv.Itoa(i) + "]"
		if m, ok := n.(map[string]any); ok && m["op"] != nil {
			f.Nodes = append(f.Nodes, ops.Node{Op: r.opNode(m, path)})
			continue
		}
		f.Nodes = append(f.Nodes, ops.Node{Loop: r.node(n, path)})
	}
	for i, o := range r.array(obj["outputs"], "outputs", true) {
		f.Outputs = append(f.Outputs, r.string(o, "outputs["+strconv.Itoa(i)+"]", true))
	}
	if r.err != nil {
		return nil, r.err
	}
	return f, nil
}

func (r *reader) opNode(m map[string]any, pos string) *ops.OpNode {
	n := &ops.OpNode{}
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
	path := ops.NodePath(pos, n)
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
	optSizes := func(field string) *[]ir.Size {
		if m[field] == nil {
			return nil
		}
		v := r.sizesAt(m[field], path, field, true)
		if v == nil {
			v = []ir.Size{}
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
	optScalar := func(field string) *ops.Scalar {
		if m[field] == nil {
			return nil
		}
		s := r.scalar(m[field], join(path, field))
		return &s
	}
	optArg := func(field string) *ops.Arg {
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
	a.Shape, a.NormalizedShape = optSizes("shape"), optSizes("normalized_shape")
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
	a.Target = optString("target")
	a.Strides = optSizes("strides")
	if v := m["kwargs"]; v != nil {
		km := r.object(v, join(path, "kwargs"))
		kw := []ops.KeywordArg{}
		for _, name := range slices.Sorted(maps.Keys(km)) {
			kw = append(kw, ops.KeywordArg{Name: name, Arg: r.arg(km[name], join(join(path, "kwargs"), name))})
		}
		a.Kwargs = &kw
	}
	if v := m["results"]; v != nil {
		res := []ops.ResultSpec{}
		for i, e := range r.arrayAt(v, path, "results", true) {
			at := path + ".results[" + strconv.Itoa(i) + "]"
			if e == nil { // the result of a discarded output ("")
				res = append(res, ops.ResultSpec{})
				continue
			}
			em := r.object(e, at)
			if r.err != nil {
				break
			}
			r.fields(em, at, "dtype", "shape", "strides")
			res = append(res, ops.ResultSpec{DType: r.dtypeAt(em["dtype"], at, "dtype", true),
				Shape: nonNil(r.sizesAt(em["shape"], at, "shape", true)), Strides: r.sizesAt(em["strides"], at, "strides", false)})
		}
		a.Results = &res
	}
	intsOrOne := func(field string) *ops.IntsOrOne {
		v := m[field]
		if v == nil {
			return nil
		}
		if _, isList := v.([]any); isList {
			return &ops.IntsOrOne{Ints: nonNil(r.ints(v, join(path, field), true)), List: true}
		}
		return &ops.IntsOrOne{Ints: []int64{r.int(v, join(path, field), true)}}
	}
	a.Stride, a.Dilation = intsOrOne("stride"), intsOrOne("dilation")
	if s, ok := m["padding"].(string); ok {
		a.PaddingMode = &s
	} else {
		a.Padding = intsOrOne("padding")
	}
	a.Groups = optInt("groups")
	a.Pad = optInts("pad")
	a.Diagonal = optInt("diagonal")
	return n
}

// arg reads an op argument: a string (a buffer name, or inf, -inf, nan), a
// number or a bool; for an aten op also null, a list (of ints, or of other
// arguments) or a literal object ({"dtype": "float32"}).
func (r *reader) arg(v any, path string) ops.Arg {
	switch x := v.(type) {
	case nil:
		return ops.Arg{None: true}
	case []any:
		if allInts(x) {
			ints := nonNil(r.ints(x, path, true))
			return ops.Arg{Ints: &ints}
		}
		var list []ops.Arg
		for i, e := range x {
			at := path + "[" + strconv.Itoa(i) + "]"
			if _, nested := e.([]any); nested {
				r.fail(at, "a list argument holds no lists")
				break
			}
			list = append(list, r.arg(e, at))
		}
		return ops.Arg{List: &list}
	case map[string]any:
		if len(x) != 1 {
			r.fail(path, "a literal object has one field (%s)", literalFields())
			return ops.Arg{}
		}
		for _, lk := range ops.LiteralKinds {
			if fv, ok := x[lk.Field]; ok {
				return ops.Arg{Literal: &ops.Literal{Kind: lk.Kind, Value: r.stringAt(fv, path, lk.Field, true)}}
			}
		}
		for k := range x {
			r.fail(path, "unknown literal object field %q (want one of %s)", k, literalFields())
		}
		return ops.Arg{}
	}
	if s, ok := v.(string); ok {
		if s == "" {
			r.fail(path, "empty buffer name")
		}
		return ops.Arg{Name: s}
	}
	s := r.scalar(v, path)
	return ops.Arg{Scalar: &s}
}

// allInts reports a JSON list of integers (a list of ints, as dims and
// sizes are written); the empty list is one.
func allInts(x []any) bool {
	for _, e := range x {
		n, ok := e.(json.Number)
		if !ok || strings.ContainsAny(string(n), ".eE") {
			return false
		}
	}
	return true
}

// literalFields lists the fields of the literal objects.
func literalFields() string {
	var fs []string
	for _, lk := range ops.LiteralKinds {
		fs = append(fs, lk.Field)
	}
	return strings.Join(fs, ", ")
}

// scalar reads a Python scalar: a JSON number (an integer when written
// without a decimal point or exponent), a bool, or "inf", "-inf", "nan".
func (r *reader) scalar(v any, path string) ops.Scalar {
	s, err := ParseScalar(v)
	if err != nil {
		r.fail(path, "%v", err)
	}
	return s
}

// ParseScalar reads a decoded JSON value (json.Number, bool, or one of the
// strings inf, -inf, nan) as a Python scalar.
func ParseScalar(v any) (ops.Scalar, error) {
	switch x := v.(type) {
	case bool:
		return ops.BoolScalar(x), nil
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return ops.Scalar{}, fmt.Errorf("integer %s does not fit in int64", s)
			}
			return ops.IntScalar(i), nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return ops.Scalar{}, fmt.Errorf("number %s does not fit in a float64", s)
		}
		return ops.FloatScalar(f), nil
	case string:
		switch x {
		case "inf", "-inf", "nan":
			return ops.Scalar{Kind: ops.ScalarFloat, Value: x}, nil
		}
		return ops.Scalar{}, fmt.Errorf("want a number, a bool, or one of \"inf\", \"-inf\", \"nan\"; got %q", x)
	}
	return ops.Scalar{}, fmt.Errorf("want a number, a bool, or one of \"inf\", \"-inf\", \"nan\"; got %s", kind(v))
}

// opNodeFields are the fields an op node may have.
var opNodeFields = append([]string{"name", "outputs", "op", "args"}, ops.AttrFields...)

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
	DType           ir.DType          `json:"dtype,omitempty"`
	Shape           *fileSizes        `json:"shape,omitempty"`
	NormalizedShape *fileSizes        `json:"normalized_shape,omitempty"`
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
	Target          *string           `json:"target,omitempty"`
	Strides         *fileSizes        `json:"strides,omitempty"`
	Kwargs          json.RawMessage   `json:"kwargs,omitempty"`
	Results         []*fileResult     `json:"results,omitempty"`
	Stride          json.RawMessage   `json:"stride,omitempty"`
	Padding         json.RawMessage   `json:"padding,omitempty"`
	Dilation        json.RawMessage   `json:"dilation,omitempty"`
	Groups          *int64            `json:"groups,omitempty"`
	Pad             *[]int64          `json:"pad,omitempty"`
	Diagonal        *int64            `json:"diagonal,omitempty"`
}

type fileResult struct {
	DType   ir.DType  `json:"dtype"`
	Shape   fileSizes `json:"shape"`
	Strides fileSizes `json:"strides,omitempty"`
}

func scalarJSON(s *ops.Scalar) json.RawMessage {
	if s == nil {
		return nil
	}
	switch s.Value {
	case "inf", "-inf", "nan":
		return json.RawMessage(strconv.Quote(s.Value))
	}
	return json.RawMessage(s.Value)
}

func intsOrOneJSON(v *ops.IntsOrOne) json.RawMessage {
	if v == nil {
		return nil
	}
	var x any = v.Ints
	if !v.List && len(v.Ints) == 1 {
		x = v.Ints[0]
	}
	b, _ := json.Marshal(x)
	return b
}

func argJSON(a *ops.Arg) json.RawMessage {
	if a == nil {
		return nil
	}
	switch {
	case a.Scalar != nil:
		return scalarJSON(a.Scalar)
	case a.None:
		return json.RawMessage("null")
	case a.Ints != nil:
		b, _ := json.Marshal(*a.Ints)
		return b
	case a.List != nil:
		items := []json.RawMessage{}
		for i := range *a.List {
			items = append(items, argJSON(&(*a.List)[i]))
		}
		b, _ := json.Marshal(items)
		return b
	case a.Literal != nil:
		for _, lk := range ops.LiteralKinds {
			if lk.Kind == a.Literal.Kind {
				b, _ := json.Marshal(map[string]string{lk.Field: a.Literal.Value})
				return b
			}
		}
	}
	b, _ := json.Marshal(a.Name)
	return b
}

func toFileOpNode(n *ops.OpNode) *fileOpNode {
	a := &n.Attrs
	f := &fileOpNode{
		Name: n.Name, Outputs: n.Outputs, Op: n.Op,
		Dim: a.Dim, Dims: a.Dims, Dim0: a.Dim0, Dim1: a.Dim1, StartDim: a.StartDim, EndDim: a.EndDim,
		KeepDim: a.KeepDim, DType: a.DType, Shape: (*fileSizes)(a.Shape), NormalizedShape: (*fileSizes)(a.NormalizedShape),
		Start: a.Start, End: a.End, Step: a.Step, Index: a.Index, Length: a.Length, Chunks: a.Chunks,
		Alpha: scalarJSON(a.Alpha), RoundingMode: a.RoundingMode, Approximate: a.Approximate,
		Min: argJSON(a.Min), Max: argJSON(a.Max), Value: scalarJSON(a.Value), Beta: scalarJSON(a.Beta),
		Threshold: scalarJSON(a.Threshold), Eps: scalarJSON(a.Eps), Correction: scalarJSON(a.Correction),
		Weight: a.Weight, Bias: a.Bias, IgnoreIndex: a.IgnoreIndex, Reduction: a.Reduction,
		Target: a.Target, Strides: (*fileSizes)(a.Strides), Groups: a.Groups, Pad: a.Pad, Diagonal: a.Diagonal,
		Stride: intsOrOneJSON(a.Stride), Padding: intsOrOneJSON(a.Padding), Dilation: intsOrOneJSON(a.Dilation),
	}
	for i := range n.Args {
		f.Args = append(f.Args, argJSON(&n.Args[i]))
	}
	if a.Kwargs != nil {
		kw := map[string]json.RawMessage{}
		for i := range *a.Kwargs {
			kw[(*a.Kwargs)[i].Name] = argJSON(&(*a.Kwargs)[i].Arg)
		}
		f.Kwargs, _ = json.Marshal(kw)
	}
	if a.Results != nil {
		f.Results = []*fileResult{}
		for k, res := range *a.Results {
			if k > 0 && k < len(n.Outputs) && n.Outputs[k] == "" {
				f.Results = append(f.Results, nil) // discarded
				continue
			}
			f.Results = append(f.Results, &fileResult{DType: res.DType, Shape: nonNil(res.Shape), Strides: res.Strides})
		}
	}
	if a.SplitSize != nil {
		var v any = *a.SplitSize
		if !a.SplitSizeList && len(*a.SplitSize) == 1 {
			v = (*a.SplitSize)[0]
		}
		// Indented like the rest of the file by the encoder.
		f.SplitSize, _ = json.Marshal(v)
	}
	if a.PaddingMode != nil {
		f.Padding, _ = json.Marshal(*a.PaddingMode)
	}
	return f
}

// Write returns the canonical graph file for a program: loop nodes as
// WriteGraph writes them (their dtypes must be known, so the program must
// have been lowered: ReadProgram, or a Builder's), op nodes as written with
// their fields in canonical order and scalars in canonical spelling.
func Write(f *ops.Program) ([]byte, error) {
	out := fileGraph[any]{Version: FormatVersion, Name: f.Name, Device: f.Device, Symbols: writeSymbols(f.Symbols),
		Inputs: writeBuffers(f.Inputs), Nodes: []any{}, Outputs: f.Outputs}
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
