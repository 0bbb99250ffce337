package pt2

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// lowering imports one ATen node as fusegen op nodes.
type lowering func(im *importer, a *args) error

// skipped are ATen ops that compute nothing the program needs: run-time
// assertions on metadata the module checks itself.
var skipped = map[string]bool{
	"aten._assert_tensor_metadata.default":      true,
	"aten._assert_scalar.default":               true,
	"aten._assert_async.msg":                    true,
	"aten.sym_constrain_range_for_size.default": true,
}

// lowerings maps ATen targets (aten.<op>.<overload>) to their import; the
// elementwise registry's ops are found by name (elementwise), everything
// else takes the ATen fallback. docs/pt2.md lists them.
var lowerings = map[string]lowering{}

func init() {
	for _, t := range []string{"aten.view.default", "aten._unsafe_view.default", "aten.reshape.default"} {
		lowerings[t] = func(im *importer, a *args) error { return im.shaped("reshape", a) }
	}
	lowerings["aten.expand.default"] = func(im *importer, a *args) error { return im.shaped("expand", a) }
	lowerings["aten.permute.default"] = func(im *importer, a *args) error {
		dims, err := a.int64s("dims")
		if err != nil {
			return err
		}
		return im.unary("permute", a, func(at *ops.Attrs) { at.Dims = &dims })
	}
	lowerings["aten.transpose.int"] = func(im *importer, a *args) error {
		d, err := a.ints([]string{"dim0", "dim1"}, 0, 1)
		if err != nil {
			return err
		}
		return im.unary("transpose", a, func(at *ops.Attrs) { at.Dim0, at.Dim1 = &d[0], &d[1] })
	}
	lowerings["aten.t.default"] = func(im *importer, a *args) error { return im.shaped("reshape", a, "permute") }
	lowerings["aten.unsqueeze.default"] = func(im *importer, a *args) error { return im.withDim("unsqueeze", a, "dim") }
	lowerings["aten.squeeze.dim"] = func(im *importer, a *args) error { return im.withDim("squeeze", a, "dim") }
	lowerings["aten.squeeze.dims"] = func(im *importer, a *args) error { return im.withDims("squeeze", a, "dim", nil) }
	lowerings["aten.squeeze.default"] = func(im *importer, a *args) error { return im.unary("squeeze", a, nil) }
	lowerings["aten.flatten.using_ints"] = func(im *importer, a *args) error { return im.shaped("reshape", a) }
	lowerings["aten.slice.Tensor"] = func(im *importer, a *args) error {
		v, err := a.ints([]string{"dim", "step"}, 0, 1)
		if err != nil {
			return err
		}
		dim, step := v[0], v[1]
		var start, end *int64
		for _, f := range []struct {
			name string
			dst  **int64
		}{{"start", &start}, {"end", &end}} {
			if a.has(f.name) {
				v, err := a.int64(f.name, 0)
				if err != nil {
					return err
				}
				*f.dst = &v
			}
		}
		return im.unary("slice", a, func(at *ops.Attrs) { at.Dim, at.Start, at.End, at.Step = &dim, start, end, &step })
	}
	lowerings["aten.select.int"] = func(im *importer, a *args) error {
		v, err := a.ints([]string{"dim", "index"}, 0, 0)
		if err != nil {
			return err
		}
		return im.unary("select", a, func(at *ops.Attrs) { at.Dim, at.Index = &v[0], &v[1] })
	}
	lowerings["aten.split_with_sizes.default"] = func(im *importer, a *args) error { return im.split(a, "split_sizes", true) }
	lowerings["aten.split.Tensor"] = func(im *importer, a *args) error { return im.split(a, "split_size", false) }
	lowerings["aten.cat.default"] = func(im *importer, a *args) error {
		ts, err := a.arg("tensors")
		if err != nil {
			return err
		}
		dim, err := a.int64("dim", 0)
		if err != nil {
			return err
		}
		if ts.List == nil {
			return im.errorf("argument tensors: want a list of tensors")
		}
		return im.emit("cat", *ts.List, func(at *ops.Attrs) { at.Dim = &dim })
	}
	lowerings["aten.clone.default"] = func(im *importer, a *args) error { return im.unary("contiguous", a, nil) }
	for _, t := range []string{"aten.alias.default", "aten.detach.default", "aten.lift_fresh_copy.default"} {
		lowerings[t] = func(im *importer, a *args) error { return im.alias(a) }
	}
	lowerings["aten._to_copy.default"] = func(im *importer, a *args) error {
		out, err := im.out()
		if err != nil {
			return err
		}
		return im.unary("to", a, func(at *ops.Attrs) { at.DType = out.DType })
	}

	// Creation.
	lowerings["aten.full.default"] = func(im *importer, a *args) error { return im.full(a, "fill_value") }
	lowerings["aten.full_like.default"] = func(im *importer, a *args) error { return im.full(a, "fill_value") }
	lowerings["aten.scalar_tensor.default"] = func(im *importer, a *args) error { return im.full(a, "s") }
	lowerings["aten.zeros.default"] = func(im *importer, a *args) error { return im.fullOf(ops.IntScalar(0)) }
	lowerings["aten.zeros_like.default"] = func(im *importer, a *args) error { return im.fullOf(ops.IntScalar(0)) }
	lowerings["aten.ones.default"] = func(im *importer, a *args) error { return im.fullOf(ops.IntScalar(1)) }
	lowerings["aten.ones_like.default"] = func(im *importer, a *args) error { return im.fullOf(ops.IntScalar(1)) }
	for _, t := range []string{"aten.arange.start_step", "aten.arange.start", "aten.arange.default"} {
		lowerings[t] = func(im *importer, a *args) error { return im.arange(a) }
	}

	lowerings["aten.constant_pad_nd.default"] = func(im *importer, a *args) error {
		pad, err := a.int64s("pad")
		if err != nil {
			return err
		}
		v, err := a.scalar("value")
		if err != nil {
			return err
		}
		return im.unary("pad", a, func(at *ops.Attrs) { at.Pad, at.Value = &pad, v })
	}
	for _, op := range []string{"tril", "triu"} {
		lowerings["aten."+op+".default"] = func(im *importer, a *args) error {
			d, err := a.int64("diagonal", 0)
			if err != nil {
				return err
			}
			return im.unary(op, a, func(at *ops.Attrs) { at.Diagonal = &d })
		}
	}
	lowerings["aten.bitwise_not.default"] = func(im *importer, a *args) error {
		out, err := im.out()
		if err != nil {
			return err
		}
		if out.DType == ir.Bool {
			return im.unary("logical_not", a, nil)
		}
		self, err := a.arg("self")
		if err != nil {
			return err
		}
		minusOne := ops.IntScalar(-1) // ~x is x ^ -1 in two's complement
		return im.emit("bitwise_xor", []ops.Arg{self, {Scalar: &minusOne}}, nil)
	}
	lowerings["aten.index.Tensor"] = func(im *importer, a *args) error { return im.index(a) }

	// Elementwise ops with attributes of their own.
	for _, op := range []string{"add", "sub"} {
		for _, ov := range []string{"Tensor", "Scalar"} {
			lowerings["aten."+op+"."+ov] = func(im *importer, a *args) error {
				alpha, err := a.scalar("alpha")
				if err != nil {
					return err
				}
				return im.binary(op, a, "self", "other", func(at *ops.Attrs) { at.Alpha = alpha })
			}
		}
	}
	lowerings["aten.div.Tensor_mode"] = func(im *importer, a *args) error { return im.divMode(a) }
	lowerings["aten.div.Scalar_mode"] = func(im *importer, a *args) error { return im.divMode(a) }
	lowerings["aten.pow.Tensor_Scalar"] = func(im *importer, a *args) error { return im.binary("pow", a, "self", "exponent", nil) }
	lowerings["aten.pow.Tensor_Tensor"] = func(im *importer, a *args) error { return im.binary("pow", a, "self", "exponent", nil) }
	lowerings["aten.pow.Scalar"] = func(im *importer, a *args) error { return im.binary("pow", a, "self", "exponent", nil) }
	lowerings["aten.where.self"] = func(im *importer, a *args) error {
		return im.operands("where", a, nil, "condition", "self", "other")
	}
	for _, t := range []string{"aten.clamp.default", "aten.clamp.Tensor"} {
		lowerings[t] = func(im *importer, a *args) error { return im.clamp(a, "min", "max") }
	}
	lowerings["aten.clamp_min.default"] = func(im *importer, a *args) error { return im.clamp(a, "min", "") }
	lowerings["aten.clamp_max.default"] = func(im *importer, a *args) error { return im.clamp(a, "", "max") }
	lowerings["aten.gelu.default"] = func(im *importer, a *args) error {
		approx := "none"
		if a.has("approximate") {
			v, err := a.arg("approximate")
			if err != nil {
				return err
			}
			if v.Literal == nil || v.Literal.Kind != ir.OperandString {
				return im.errorf("argument approximate: want a string")
			}
			approx = v.Literal.Value
		}
		return im.unary("gelu", a, func(at *ops.Attrs) { at.Approximate = &approx })
	}
	lowerings["aten.softplus.default"] = func(im *importer, a *args) error {
		beta, err := a.scalar("beta")
		if err != nil {
			return err
		}
		th, err := a.scalar("threshold")
		if err != nil {
			return err
		}
		return im.unary("softplus", a, func(at *ops.Attrs) { at.Beta, at.Threshold = beta, th })
	}

	// Reductions.
	for _, t := range []string{"aten.sum.dim_IntList", "aten.sum.default", "aten.mean.dim", "aten.mean.default"} {
		op := strings.Split(t, ".")[1]
		lowerings[t] = func(im *importer, a *args) error { return im.reduce(op, a, true) }
	}
	for _, op := range []string{"amax", "amin", "logsumexp"} {
		lowerings["aten."+op+".default"] = func(im *importer, a *args) error { return im.reduce(op, a, false) }
	}
	for _, op := range []string{"any", "all"} {
		for _, ov := range []string{"dim", "dims", "default"} {
			lowerings["aten."+op+"."+ov] = func(im *importer, a *args) error { return im.reduce(op, a, false) }
		}
	}
	lowerings["aten.prod.dim_int"] = func(im *importer, a *args) error { return im.reduce("prod", a, true) }
	lowerings["aten.prod.default"] = func(im *importer, a *args) error { return im.reduce("prod", a, true) }
	for _, op := range []string{"argmax", "argmin"} {
		lowerings["aten."+op+".default"] = func(im *importer, a *args) error { return im.reduce(op, a, false) }
	}
	lowerings["aten.max.dim"] = func(im *importer, a *args) error { return im.valuesIndices(a, "amax", "argmax") }
	lowerings["aten.min.dim"] = func(im *importer, a *args) error { return im.valuesIndices(a, "amin", "argmin") }
	lowerings["aten.var_mean.correction"] = func(im *importer, a *args) error { return im.varMean(a, true, false) }
	lowerings["aten.var.correction"] = func(im *importer, a *args) error { return im.varMean(a, false, false) }
	lowerings["aten.std.correction"] = func(im *importer, a *args) error { return im.varMean(a, false, true) }
	lowerings["aten._softmax.default"] = func(im *importer, a *args) error { return im.softmax("softmax", a) }
	lowerings["aten._log_softmax.default"] = func(im *importer, a *args) error { return im.softmax("log_softmax", a) }

	// Norms.
	lowerings["aten.native_layer_norm.default"] = func(im *importer, a *args) error { return im.layerNorm(a) }
	lowerings["aten._native_batch_norm_legit_no_training.default"] = func(im *importer, a *args) error { return im.batchNorm(a) }

	// Indexing.
	lowerings["aten.embedding.default"] = func(im *importer, a *args) error {
		return im.operands("embedding", a, nil, "indices", "weight")
	}
	for _, op := range []string{"gather", "index_select"} {
		lowerings["aten."+op+".default"] = func(im *importer, a *args) error {
			dim, err := a.int64("dim", 0)
			if err != nil {
				return err
			}
			return im.operands(op, a, func(at *ops.Attrs) { at.Dim = &dim }, "self", "index")
		}
	}

	// Matrix products and convolutions: extern nodes.
	lowerings["aten.mm.default"] = func(im *importer, a *args) error { return im.operands("mm", a, nil, "self", "mat2") }
	lowerings["aten.bmm.default"] = func(im *importer, a *args) error { return im.operands("bmm", a, nil, "self", "mat2") }
	lowerings["aten.addmm.default"] = func(im *importer, a *args) error { return im.scaledProduct("addmm", a, "self", "mat1", "mat2") }
	lowerings["aten.baddbmm.default"] = func(im *importer, a *args) error {
		return im.scaledProduct("baddbmm", a, "self", "batch1", "batch2")
	}
	lowerings["aten.convolution.default"] = func(im *importer, a *args) error { return im.convolution(a) }
}

// resultCounts spells the result counts the lowerings want.
var resultCounts = map[int]string{1: "one tensor result", 2: "two results", 3: "three results"}

// resultsN is the node's results when it has n of them, the first a
// tensor (the one the lowering names after the node).
func (im *importer) resultsN(n int) ([]string, error) {
	rs, err := im.results()
	if err != nil {
		return nil, err
	}
	if len(rs) != n || rs[0] == "" {
		return nil, im.errorf("want %s, got %d", resultCounts[n], len(rs))
	}
	return rs, nil
}

// out is the node's single result: its exported name's metadata.
func (im *importer) out() (*ir.Buffer, error) {
	rs, err := im.resultsN(1)
	if err != nil {
		return nil, err
	}
	b, err := im.tensorMetaOf(rs[0], "result")
	if err != nil {
		return nil, im.errorf("%v", err)
	}
	return b, nil
}

// emit adds an op node whose one result is the node's.
func (im *importer) emit(op string, args []ops.Arg, set func(*ops.Attrs)) error {
	rs, err := im.resultsN(1)
	if err != nil {
		return err
	}
	im.add(im.bind(rs[0]), op, args, set)
	return nil
}

// add appends an op node named name.
func (im *importer) add(name, op string, args []ops.Arg, set func(*ops.Attrs)) {
	n := &ops.OpNode{Name: name, Op: op, Args: args}
	if set != nil {
		set(&n.Attrs)
	}
	im.prog.Nodes = append(im.prog.Nodes, ops.Node{Op: n})
}

// operands emits op on the named tensor arguments, in that order.
func (im *importer) operands(op string, a *args, set func(*ops.Attrs), names ...string) error {
	var list []ops.Arg
	for _, n := range names {
		v, err := a.arg(n)
		if err != nil {
			return err
		}
		list = append(list, v)
	}
	return im.emit(op, list, set)
}

func (im *importer) unary(op string, a *args, set func(*ops.Attrs)) error {
	return im.operands(op, a, set, "self")
}

func (im *importer) binary(op string, a *args, x, y string, set func(*ops.Attrs)) error {
	return im.operands(op, a, set, x, y)
}

// shaped emits a view op whose shape is the result's (view, reshape,
// expand, flatten: -1 and symbolic sizes resolved by the export); with a
// second op name, that op (t as a permute of the reversed dims).
func (im *importer) shaped(op string, a *args, alt ...string) error {
	out, err := im.out()
	if err != nil {
		return err
	}
	if len(alt) > 0 {
		dims := []int64{}
		for d := len(out.Shape) - 1; d >= 0; d-- {
			dims = append(dims, int64(d))
		}
		return im.unary(alt[0], a, func(at *ops.Attrs) { at.Dims = &dims })
	}
	shape := out.Shape
	return im.unary(op, a, func(at *ops.Attrs) { at.Shape = &shape })
}

func (im *importer) withDim(op string, a *args, field string) error {
	dim, err := a.int64(field, 0)
	if err != nil {
		return err
	}
	return im.unary(op, a, func(at *ops.Attrs) { at.Dim = &dim })
}

func (im *importer) withDims(op string, a *args, field string, set func(*ops.Attrs)) error {
	dims, err := a.int64s(field)
	if err != nil {
		return err
	}
	return im.unary(op, a, func(at *ops.Attrs) {
		at.Dims = &dims
		if set != nil {
			set(at)
		}
	})
}

// alias binds the result to its operand's program name: no node.
func (im *importer) alias(a *args) error {
	src, err := a.tensor("self")
	if err != nil {
		return err
	}
	rs, err := im.resultsN(1)
	if err != nil {
		return err
	}
	im.names[rs[0]] = src
	return nil
}

// split emits split with outputs named after the node's results.
func (im *importer) split(a *args, field string, list bool) error {
	sizes, err := a.int64s(field)
	if err != nil {
		return err
	}
	dim, err := a.int64("dim", 0)
	if err != nil {
		return err
	}
	self, err := a.arg("self")
	if err != nil {
		return err
	}
	rs, err := im.results()
	if err != nil {
		return err
	}
	n := &ops.OpNode{Op: "split", Args: []ops.Arg{self}}
	for _, r := range rs {
		n.Outputs = append(n.Outputs, im.bind(r))
	}
	n.Attrs.SplitSize, n.Attrs.SplitSizeList, n.Attrs.Dim = &sizes, list, &dim
	im.prog.Nodes = append(im.prog.Nodes, ops.Node{Op: n})
	return nil
}

// full emits full of the result's shape and dtype, filled with field.
func (im *importer) full(a *args, field string) error {
	v, err := a.scalar(field)
	if err != nil {
		return err
	}
	if v == nil {
		return im.errorf("no argument %s", field)
	}
	return im.fullOf(*v)
}

func (im *importer) fullOf(v ops.Scalar) error {
	out, err := im.out()
	if err != nil {
		return err
	}
	shape := out.Shape
	return im.emit("full", nil, func(at *ops.Attrs) { at.Shape, at.Value, at.DType = &shape, &v, out.DType })
}

// arange is a loop node: start + step*i0 over the result's one dim, in its
// dtype. Float bounds take the ATen fallback.
func (im *importer) arange(a *args) error {
	out, err := im.out()
	if err != nil {
		return err
	}
	start, step := int64(0), int64(1)
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"start", &start}, {"step", &step}} {
		if !a.has(f.name) {
			continue
		}
		v, err := a.scalar(f.name)
		if err != nil {
			return err
		}
		if v.Kind == ops.ScalarFloat {
			return im.fallback(strings.TrimPrefix(im.n.Target, "torch.ops."))
		}
		*f.dst = v.Int()
	}
	if len(out.Shape) != 1 {
		return im.errorf("arange gives one dim, the result has %d", len(out.Shape))
	}
	rs, _ := im.results()
	idx := ir.Index{Const: start, Terms: []ir.Term{{Coeff: ir.Int(step), Var: ir.RangeVar(0)}}}
	body := &ir.Expr{Op: ir.OpIndex, DType: ir.Int64, Expr: idx}
	if out.DType != ir.Int64 {
		body = &ir.Expr{Op: ir.OpCast, DType: out.DType, Args: []*ir.Expr{body}}
	}
	n := &ir.Node{Name: im.bind(rs[0]), Kind: ir.Pointwise, DType: out.DType, Ranges: out.Shape, Body: body, Origin: "arange"}
	im.prog.Nodes = append(im.prog.Nodes, ops.Node{Loop: n})
	return nil
}

func (im *importer) divMode(a *args) error {
	v, err := a.arg("rounding_mode")
	if err != nil {
		return err
	}
	var mode *string
	if v.Literal != nil {
		mode = &v.Literal.Value
	}
	return im.binary("div", a, "self", "other", func(at *ops.Attrs) { at.RoundingMode = mode })
}

func (im *importer) clamp(a *args, lo, hi string) error {
	var bounds [2]*ops.Arg
	for i, f := range []string{lo, hi} {
		if f == "" || !a.has(f) {
			continue
		}
		v, err := a.arg(f)
		if err != nil {
			return err
		}
		bounds[i] = &v
	}
	return im.unary("clamp", a, func(at *ops.Attrs) { at.Min, at.Max = bounds[0], bounds[1] })
}

// reduce emits a reduction over dim (an int, ints, or absent/None: all)
// with keepdim, and dtype where the op takes one.
func (im *importer) reduce(op string, a *args, withDType bool) error {
	keep, err := a.boolean("keepdim", false)
	if err != nil {
		return err
	}
	var dims *[]int64
	var dim *int64
	if a.has("dim") {
		v, err := a.arg("dim")
		if err != nil {
			return err
		}
		switch {
		case v.Ints != nil:
			d := slices.Clone(*v.Ints)
			dims = &d
		case v.Scalar != nil:
			d := v.Scalar.Int()
			dim = &d
		}
	}
	var dt ir.DType
	if withDType {
		if dt, err = a.dtype("dtype"); err != nil {
			return err
		}
	}
	if op == "argmax" || op == "argmin" {
		if dims != nil && len(*dims) == 1 {
			dim, dims = &(*dims)[0], nil
		}
	} else if dim != nil {
		d := []int64{*dim}
		dims, dim = &d, nil
	}
	return im.unary(op, a, func(at *ops.Attrs) { at.Dims, at.Dim, at.KeepDim, at.DType = dims, dim, &keep, dt })
}

// valuesIndices is max.dim / min.dim: values and indices over one dim.
func (im *importer) valuesIndices(a *args, values, indices string) error {
	dim, err := a.int64("dim", 0)
	if err != nil {
		return err
	}
	keep, err := a.boolean("keepdim", false)
	if err != nil {
		return err
	}
	self, err := a.arg("self")
	if err != nil {
		return err
	}
	rs, err := im.resultsN(2)
	if err != nil {
		return err
	}
	set := func(at *ops.Attrs) { at.KeepDim = &keep }
	d := []int64{dim}
	im.add(im.bind(rs[0]), values, []ops.Arg{self}, func(at *ops.Attrs) { set(at); at.Dims = &d })
	im.add(im.bind(rs[1]), indices, []ops.Arg{self}, func(at *ops.Attrs) { set(at); at.Dim = &dim })
	return nil
}

// varMean is var_mean (both results), var (the first) or std (the square
// root of the first).
func (im *importer) varMean(a *args, both, std bool) error {
	keep, err := a.boolean("keepdim", false)
	if err != nil {
		return err
	}
	var dims *[]int64
	if a.has("dim") {
		d, err := a.int64s("dim")
		if err != nil {
			return err
		}
		dims = &d
	}
	corr, err := a.scalar("correction")
	if err != nil {
		return err
	}
	if corr == nil {
		one := ops.IntScalar(1)
		corr = &one
	}
	self, err := a.arg("self")
	if err != nil {
		return err
	}
	count := 1 // var and std give one result, var_mean two
	if both {
		count = 2
	}
	rs, err := im.resultsN(count)
	if err != nil {
		return err
	}
	n := &ops.OpNode{Op: "var_mean", Args: []ops.Arg{self}}
	n.Attrs.Dims, n.Attrs.KeepDim, n.Attrs.Correction = dims, &keep, corr
	switch {
	case both:
		n.Outputs = []string{im.bind(rs[0]), im.bind(rs[1])}
	case std:
		v := im.fresh(rs[0] + "_var")
		n.Outputs = []string{v, im.fresh(rs[0] + "_mean")}
		im.prog.Nodes = append(im.prog.Nodes, ops.Node{Op: n})
		im.add(im.bind(rs[0]), "sqrt", []ops.Arg{{Name: v}}, nil)
		return nil
	default:
		n.Outputs = []string{im.bind(rs[0]), im.fresh(rs[0] + "_mean")}
	}
	im.prog.Nodes = append(im.prog.Nodes, ops.Node{Op: n})
	return nil
}

func (im *importer) softmax(op string, a *args) error {
	dim, err := a.int64("dim", -1)
	if err != nil {
		return err
	}
	half, err := a.boolean("half_to_float", false)
	if err != nil {
		return err
	}
	var dt ir.DType
	if half {
		dt = ir.Float32
	}
	return im.unary(op, a, func(at *ops.Attrs) { at.Dim, at.DType = &dim, dt })
}

// layerNorm is native_layer_norm: the normalized result, and the mean and
// reciprocal standard deviation when a later node reads them.
func (im *importer) layerNorm(a *args) error {
	ns, err := a.sizes("normalized_shape")
	if err != nil {
		return err
	}
	eps, err := a.scalar("eps")
	if err != nil {
		return err
	}
	x, err := a.arg("input")
	if err != nil {
		return err
	}
	var w, b string
	if a.has("weight") {
		if w, err = a.tensor("weight"); err != nil {
			return err
		}
	}
	if a.has("bias") {
		if b, err = a.tensor("bias"); err != nil {
			return err
		}
	}
	rs, err := im.resultsN(3)
	if err != nil {
		return err
	}
	im.add(im.bind(rs[0]), "layer_norm", []ops.Arg{x}, func(at *ops.Attrs) {
		at.NormalizedShape, at.Weight, at.Bias, at.Eps = &ns, w, b, eps
	})
	if !im.used(rs[1]) && !im.used(rs[2]) {
		return nil
	}
	in, err := im.tensorMetaOf(x.Name, "input")
	if err != nil {
		return im.errorf("%v", err)
	}
	dims := []int64{}
	for d := len(in.Shape) - len(ns); d < len(in.Shape); d++ {
		dims = append(dims, int64(d))
	}
	keep, zero := true, ops.IntScalar(0)
	v, m := im.fresh(rs[0]+"_var"), im.bind(rs[1])
	im.prog.Nodes = append(im.prog.Nodes, ops.Node{Op: &ops.OpNode{Op: "var_mean", Outputs: []string{v, m}, Args: []ops.Arg{x},
		Attrs: ops.Attrs{Dims: &dims, KeepDim: &keep, Correction: &zero}}})
	ve := im.fresh(rs[0] + "_var_eps")
	im.add(ve, "add", []ops.Arg{{Name: v}, {Scalar: eps}}, nil)
	im.add(im.bind(rs[2]), "rsqrt", []ops.Arg{{Name: ve}}, nil)
	return nil
}

// batchNorm is _native_batch_norm_legit_no_training: (x - mean) *
// rsqrt(var + eps) * weight + bias, per channel (dim 1).
func (im *importer) batchNorm(a *args) error {
	x, err := a.arg("input")
	if err != nil {
		return err
	}
	in, err := im.tensorMetaOf(x.Name, "input")
	if err != nil {
		return im.errorf("%v", err)
	}
	eps, err := a.scalar("eps")
	if err != nil {
		return err
	}
	rs, err := im.results()
	if err != nil {
		return err
	}
	if len(rs) == 0 || rs[0] == "" {
		return im.errorf("no result")
	}
	for _, r := range rs[1:] {
		if r != "" && im.used(r) {
			return im.errorf("the saved mean and invstd of batch norm are read; only its normalized result is supported")
		}
	}
	if len(in.Shape) < 2 {
		return im.errorf("batch norm of a %d-d input", len(in.Shape))
	}
	shape := []ir.Size{in.Shape[1]}
	for range len(in.Shape) - 2 {
		shape = append(shape, ir.Int(1))
	}
	base := rs[0]
	perChannel := func(field string) (string, error) {
		t, err := a.tensor(field)
		if err != nil {
			return "", err
		}
		name := im.fresh(base + "_" + field)
		im.add(name, "reshape", []ops.Arg{{Name: t}}, func(at *ops.Attrs) { at.Shape = &shape })
		return name, nil
	}
	mean, err := perChannel("running_mean")
	if err != nil {
		return err
	}
	vr, err := perChannel("running_var")
	if err != nil {
		return err
	}
	ve, inv, cen := im.fresh(base+"_var_eps"), im.fresh(base+"_invstd"), im.fresh(base+"_centered")
	im.add(ve, "add", []ops.Arg{{Name: vr}, {Scalar: eps}}, nil)
	im.add(inv, "rsqrt", []ops.Arg{{Name: ve}}, nil)
	im.add(cen, "sub", []ops.Arg{x, {Name: mean}}, nil)
	last := im.fresh(base + "_normed")
	im.add(last, "mul", []ops.Arg{{Name: cen}, {Name: inv}}, nil)
	for _, f := range []struct{ field, op string }{{"weight", "mul"}, {"bias", "add"}} {
		if !a.has(f.field) {
			continue
		}
		p, err := perChannel(f.field)
		if err != nil {
			return err
		}
		next := im.fresh(base + "_" + f.field + "ed")
		im.add(next, f.op, []ops.Arg{{Name: last}, {Name: p}}, nil)
		last = next
	}
	// The result is the last node: rename it to the exported name.
	im.prog.Nodes[len(im.prog.Nodes)-1].Op.Name = im.bind(rs[0])
	return nil
}

// index is x[indices] with tensor indices (aten.index.Tensor): a loop node
// that loads x at the indices' values, wrapped when negative and
// bounds-checked. Index tensors of one shape in adjacent dims are lowered;
// others (broadcast shapes, indices apart, bool masks) take the fallback.
func (im *importer) index(a *args) error {
	fallback := func() error { return im.fallback("aten.index.Tensor") }
	self, err := a.tensor("self")
	if err != nil {
		return err
	}
	list, err := a.arg("indices")
	if err != nil {
		return err
	}
	x, err := im.programMeta(self)
	if err != nil {
		return err
	}
	out, err := im.out()
	if err != nil {
		return err
	}
	if list.List == nil || len(*list.List) == 0 || len(*list.List) > len(x.Shape) {
		return fallback()
	}
	first, count := -1, 0
	var idxShape []ir.Size
	var idx []string
	for d, it := range *list.List {
		if it.None {
			continue
		}
		if first >= 0 && d != first+count {
			return fallback() // indices apart
		}
		if first < 0 {
			first = d
		}
		b, err := im.programMeta(it.Name)
		if err != nil {
			return err
		}
		if b.DType != ir.Int64 && b.DType != ir.Int32 || idxShape != nil && !slices.Equal(b.Shape, idxShape) {
			return fallback()
		}
		idxShape = b.Shape
		idx = append(idx, it.Name)
		count++
	}
	if first < 0 {
		return fallback()
	}
	want := append(append(slices.Clone(x.Shape[:first]), idxShape...), x.Shape[first+count:]...)
	if !slices.Equal(want, out.Shape) {
		return im.errorf("index: result shape %s, the archive says %s", shapeString(want), shapeString(out.Shape))
	}
	v := func(d int) ir.Index { return ir.VarIndex(ir.RangeVar(d)) }
	var loads []ir.Index
	var indirect []*ir.Expr
	for d := 0; d < first; d++ {
		loads = append(loads, v(d))
	}
	for k, name := range idx {
		var at []ir.Index
		for q := range idxShape {
			at = append(at, v(first+q))
		}
		b, _ := im.programMeta(name)
		val := &ir.Expr{Op: ir.OpLoad, Buffer: name, Index: at, DType: b.DType}
		if b.DType != ir.Int64 {
			val = &ir.Expr{Op: ir.OpCast, DType: ir.Int64, Args: []*ir.Expr{val}}
		}
		// A negative index counts from the end, as torch's does; a
		// symbolic size is read as an index expression.
		size := &ir.Expr{Op: ir.OpIndex, DType: ir.Int64, Expr: ir.SizeIndex(x.Shape[first+k])}
		if c, ok := x.Shape[first+k].Static(); ok {
			size = &ir.Expr{Op: ir.OpConstant, DType: ir.Int64, Value: strconv.FormatInt(c, 10)}
		}
		wrapped := &ir.Expr{Op: ir.OpWhere, DType: ir.Int64, Args: []*ir.Expr{
			{Op: "lt", DType: ir.Bool, Args: []*ir.Expr{val, {Op: ir.OpConstant, DType: ir.Int64, Value: "0"}}},
			{Op: "add", DType: ir.Int64, Args: []*ir.Expr{val, size}},
			val}}
		indirect = append(indirect, wrapped)
		loads = append(loads, ir.IndirectIndex(k))
	}
	for d := first + count; d < len(x.Shape); d++ {
		loads = append(loads, v(d-count+len(idxShape)))
	}
	rs, _ := im.results()
	n := &ir.Node{Name: im.bind(rs[0]), Kind: ir.Pointwise, DType: x.DType, Ranges: out.Shape, Origin: "index",
		Body: &ir.Expr{Op: ir.OpLoad, Buffer: self, Index: loads, Indirect: indirect, DType: x.DType}}
	im.prog.Nodes = append(im.prog.Nodes, ops.Node{Loop: n})
	return nil
}

// shapeString spells a shape in errors: a static one as before sizes could
// be symbolic ([4 10]), a symbolic one as [B, S, 768].
func shapeString(shape []ir.Size) string {
	if c, ok := ir.StaticSizes(shape); ok {
		return fmt.Sprint(c)
	}
	return ir.SizesString(shape)
}

// programMeta is the metadata of a value by its program name.
func (im *importer) programMeta(name string) (*ir.Buffer, error) {
	exported, ok := im.exported[name]
	if !ok {
		return nil, im.errorf("no value %q", name)
	}
	b, err := im.tensorMetaOf(exported, "value")
	if err != nil {
		return nil, im.errorf("%v", err)
	}
	return b, nil
}

// scaledProduct is addmm or baddbmm with beta and alpha.
func (im *importer) scaledProduct(op string, a *args, names ...string) error {
	beta, err := a.scalar("beta")
	if err != nil {
		return err
	}
	alpha, err := a.scalar("alpha")
	if err != nil {
		return err
	}
	return im.operands(op, a, func(at *ops.Attrs) { at.Beta, at.Alpha = beta, alpha }, names...)
}

// convolution is conv1d/2d/3d; a transposed one or one with output padding
// takes the ATen fallback.
func (im *importer) convolution(a *args) error {
	transposed, err := a.boolean("transposed", false)
	if err != nil {
		return err
	}
	outPad, err := a.int64s("output_padding")
	if err != nil {
		return err
	}
	stride, err := a.int64s("stride")
	if err != nil {
		return err
	}
	if transposed || slices.ContainsFunc(outPad, func(p int64) bool { return p != 0 }) || len(stride) < 1 || len(stride) > 3 {
		return im.fallback("aten.convolution.default")
	}
	padding, err := a.int64s("padding")
	if err != nil {
		return err
	}
	dilation, err := a.int64s("dilation")
	if err != nil {
		return err
	}
	groups, err := a.int64("groups", 1)
	if err != nil {
		return err
	}
	var bias string
	if a.has("bias") {
		if bias, err = a.tensor("bias"); err != nil {
			return err
		}
	}
	op := []string{"conv1d", "conv2d", "conv3d"}[len(stride)-1]
	return im.operands(op, a, func(at *ops.Attrs) {
		at.Bias, at.Groups = bias, &groups
		at.Stride = &ops.IntsOrOne{Ints: stride, List: true}
		at.Padding = &ops.IntsOrOne{Ints: padding, List: true}
		at.Dilation = &ops.IntsOrOne{Ints: dilation, List: true}
	}, "input", "weight")
}

// elementwise finds an ATen op that is an op of fusegen's elementwise
// registry of the same name: unary ones on self (overload default),
// binary ones on self and other (Tensor, Scalar or default).
func (im *importer) elementwise(op string) (lowering, bool) {
	parts := strings.Split(op, ".")
	if len(parts) != 3 {
		return nil, false
	}
	name, overload := parts[1], parts[2]
	for _, e := range ops.ElementwiseOps() {
		if e.Name != name {
			continue
		}
		switch {
		case e.Arity == 1 && overload == "default":
			return func(im *importer, a *args) error { return im.unary(name, a, nil) }, true
		case e.Arity == 2 && (overload == "Tensor" || overload == "Scalar" || overload == "default"):
			return func(im *importer, a *args) error { return im.binary(name, a, "self", "other", nil) }, true
		}
	}
	switch op {
	case "aten.mul.Tensor", "aten.mul.Scalar", "aten.div.Tensor", "aten.div.Scalar",
		"aten.remainder.Tensor", "aten.remainder.Scalar", "aten.logical_and.default", "aten.logical_or.default":
		return func(im *importer, a *args) error { return im.binary(name, a, "self", "other", nil) }, true
	}
	return nil, false
}

// fallback imports any other ATen op as the generic ATen fallback node:
// positional and keyword arguments as the archive has them, its results'
// dtypes, shapes and strides from tensor_values.
func (im *importer) fallback(op string) error {
	n := &ops.OpNode{Op: "aten"}
	target := op
	n.Attrs.Target = &target
	var kw []ops.KeywordArg
	for _, in := range im.n.Inputs {
		v, err := im.value(in.Arg)
		if err != nil {
			return im.errorf("argument %s: %v", in.Name, err)
		}
		if in.Kind == argumentKeyword {
			kw = append(kw, ops.KeywordArg{Name: in.Name, Arg: v})
			continue
		}
		if len(kw) > 0 {
			return im.errorf("positional argument %s after keyword arguments", in.Name)
		}
		n.Args = append(n.Args, v)
	}
	if kw != nil {
		slices.SortFunc(kw, func(x, y ops.KeywordArg) int { return strings.Compare(x.Name, y.Name) })
		n.Attrs.Kwargs = &kw
	}
	// Results: the tensors, in order; a further one nothing reads (an
	// attention kernel's logsumexp, its random seed and offset) is
	// discarded ("").
	var rs []string
	for _, o := range im.n.Outputs {
		switch o.Tag {
		case "as_tensor":
			var t tensorArgument
			if err := o.decode(&t); err != nil {
				return im.errorf("%v", err)
			}
			rs = append(rs, t.Name)
		case "as_tensors":
			var ts []tensorArgument
			if err := o.decode(&ts); err != nil {
				return im.errorf("%v", err)
			}
			for _, t := range ts {
				rs = append(rs, t.Name)
			}
		case "as_none", "as_sym_int", "as_sym_float", "as_sym_bool", "as_int", "as_float", "as_bool":
			rs = append(rs, "")
		default:
			return im.errorf("result of kind %s is not supported", o.Tag)
		}
	}
	var specs []ops.ResultSpec
	for i, r := range rs {
		if i > 0 && (r == "" || !im.used(r)) {
			rs[i] = ""
			specs = append(specs, ops.ResultSpec{})
			continue
		}
		if r == "" {
			return im.errorf("the first result is no tensor; the ATen fallback binds tensor results")
		}
		b, err := im.tensorMetaOf(r, "result")
		if err != nil {
			return im.errorf("%v", err)
		}
		specs = append(specs, ops.ResultSpec{DType: b.DType, Shape: b.Shape, Strides: b.StridesOrContiguous()})
	}
	switch len(specs) {
	case 0:
		return im.errorf("an op with no tensor result (an in-place or side-effect op) is not supported")
	case 1:
		n.Name = im.bind(rs[0])
		shape, strides := specs[0].Shape, specs[0].Strides
		n.Attrs.DType, n.Attrs.Shape, n.Attrs.Strides = specs[0].DType, &shape, &strides
	default:
		for _, r := range rs {
			if r != "" {
				r = im.bind(r)
			}
			n.Outputs = append(n.Outputs, r)
		}
		n.Attrs.Results = &specs
	}
	im.prog.Nodes = append(im.prog.Nodes, ops.Node{Op: n})
	return nil
}

// How an ATen target is imported.
const (
	Lowered  = "lowered"  // fusegen ops (loop nodes)
	Extern   = "extern"   // an extern node: a library call (mm, convolution)
	Fallback = "fallback" // the ATen fallback: called through torch.ops
	Skipped  = "skipped"  // an assertion that computes nothing
	Symbolic = "symbolic" // size arithmetic: read where its results are (sym_int_values, shapes)
)

// externOps are the lowerings that make extern nodes.
var externOps = map[string]bool{"aten.mm.default": true, "aten.bmm.default": true, "aten.addmm.default": true,
	"aten.baddbmm.default": true, "aten.convolution.default": true}

// Mapping says how the importer imports an ATen target
// ("aten.<op>.<overload>"): Lowered, Extern, Fallback, Skipped or Symbolic. A
// convolution is Extern unless transposed; an arange with float bounds
// takes the fallback.
func Mapping(target string) string {
	switch {
	case isSymbolic(target):
		return Symbolic
	case skipped[target]:
		return Skipped
	case externOps[target]:
		return Extern
	}
	if _, ok := lowerings[target]; ok {
		return Lowered
	}
	im := &importer{}
	if _, ok := im.elementwise(target); ok {
		return Lowered
	}
	return Fallback
}

// Lowerings lists the ATen targets the importer lowers or makes extern by
// name, sorted (the elementwise registry's ops are found by name besides).
func Lowerings() []string {
	var out []string
	for t := range lowerings {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
