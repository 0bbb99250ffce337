package ops

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fusegen/fusegen/ir"
)

// opArgs are an op node's resolved operands.
type opArgs struct {
	args                   []*Tensor
	weight, bias, min, max *Tensor
	// resolve gives the tensor of an argument an op reads itself (an aten
	// op's lists and keywords)
	resolve func(a Arg, field string) (*Tensor, error)
}

// opSpec describes one tensor op of the graph file.
type opSpec struct {
	minArgs, maxArgs int      // maxArgs < 0: any number
	fields           []string // the attribute fields it takes
	required         []string // of which these are required
	multi            bool     // results are named by "outputs"
	lower            func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error)
}

func one(t *Tensor, err error) ([]*Tensor, error) {
	if err != nil {
		return nil, err
	}
	return []*Tensor{t}, nil
}

func i64(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func strOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

// reductionDims reads dim (one int) or dims (a list) of a reduction.
func reductionDims(x *Tensor, a *Attrs) ([]bool, error) {
	if a.Dim != nil && a.Dims != nil {
		return nil, ferr("dims", "give dim or dims, not both")
	}
	if a.Dim != nil {
		return reducedDims(x, []int64{*a.Dim}, "dim")
	}
	if a.Dims != nil {
		return reducedDims(x, *a.Dims, "dims")
	}
	return reducedDims(x, nil, "dims")
}

var reduceFields = []string{"dim", "dims", "keepdim"}

var opTable = func() map[string]*opSpec {
	t := map[string]*opSpec{
		"add": {2, 2, []string{"alpha"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opAddSub(a.args[0], a.args[1], n.Attrs.Alpha, false))
		}},
		"sub": {2, 2, []string{"alpha"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opAddSub(a.args[0], a.args[1], n.Attrs.Alpha, true))
		}},
		"mul": {2, 2, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opMul(a.args[0], a.args[1]))
		}},
		"div": {2, 2, []string{"rounding_mode"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opDiv(a.args[0], a.args[1], n.Attrs.RoundingMode))
		}},
		"remainder": {2, 2, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opRemainder(a.args[0], a.args[1]))
		}},
		"pow": {2, 2, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opPow(a.args[0], a.args[1]))
		}},
		"logical_and": {2, 2, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opLogical("logical_and", a.args[0], a.args[1]))
		}},
		"logical_or": {2, 2, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opLogical("logical_or", a.args[0], a.args[1]))
		}},
		"clamp": {1, 1, []string{"min", "max"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opClamp(a.args[0], a.min, a.max))
		}},
		"where": {3, 3, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opWhere(a.args[0], a.args[1], a.args[2]))
		}},
		"gelu": {1, 1, []string{"approximate"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opGelu(a.args[0], n.Attrs.Approximate))
		}},
		"softplus": {1, 1, []string{"beta", "threshold"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opSoftplus(a.args[0], n.Attrs.Beta, n.Attrs.Threshold))
		}},
		"to": {1, 1, []string{"dtype"}, []string{"dtype"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opTo(a.args[0], n.Attrs.DType))
		}},
		"full": {0, 0, []string{"shape", "value", "dtype"}, []string{"shape", "value"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opFull(*n.Attrs.Shape, *n.Attrs.Value, n.Attrs.DType, l.syms()))
		}},
		"scalar_tensor": {0, 0, []string{"value", "dtype"}, []string{"value"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opFull([]ir.Size{}, *n.Attrs.Value, n.Attrs.DType, l.syms()))
		}},

		// Reductions.
		"sum": {1, 1, append(slices.Clone(reduceFields), "dtype"), nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return reduceOp(l, n, a, func(x *Tensor, red []bool, keep bool) (*Tensor, error) {
				return l.opSum(x, red, keep, n.Attrs.DType, ir.Sum)
			})
		}},
		"prod": {1, 1, append(slices.Clone(reduceFields), "dtype"), nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return reduceOp(l, n, a, func(x *Tensor, red []bool, keep bool) (*Tensor, error) {
				return l.opSum(x, red, keep, n.Attrs.DType, ir.Prod)
			})
		}},
		"mean": {1, 1, append(slices.Clone(reduceFields), "dtype"), nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return reduceOp(l, n, a, func(x *Tensor, red []bool, keep bool) (*Tensor, error) {
				return l.opMean(x, red, keep, n.Attrs.DType)
			})
		}},
		"amax": {1, 1, reduceFields, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return reduceOp(l, n, a, func(x *Tensor, red []bool, keep bool) (*Tensor, error) { return l.opAmax(x, red, keep, ir.Max) })
		}},
		"amin": {1, 1, reduceFields, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return reduceOp(l, n, a, func(x *Tensor, red []bool, keep bool) (*Tensor, error) { return l.opAmax(x, red, keep, ir.Min) })
		}},
		"any": {1, 1, reduceFields, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return reduceOp(l, n, a, func(x *Tensor, red []bool, keep bool) (*Tensor, error) { return l.opAny(x, red, keep, false) })
		}},
		"all": {1, 1, reduceFields, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return reduceOp(l, n, a, func(x *Tensor, red []bool, keep bool) (*Tensor, error) { return l.opAny(x, red, keep, true) })
		}},
		"argmax": {1, 1, []string{"dim", "keepdim"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opArgmax(a.args[0], n.Attrs.Dim, boolOr(n.Attrs.KeepDim, false), ir.ArgMax))
		}},
		"argmin": {1, 1, []string{"dim", "keepdim"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opArgmax(a.args[0], n.Attrs.Dim, boolOr(n.Attrs.KeepDim, false), ir.ArgMin))
		}},
		"logsumexp": {1, 1, reduceFields, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return reduceOp(l, n, a, l.opLogsumexp)
		}},
		"var":      {1, 1, append(slices.Clone(reduceFields), "correction"), nil, false, varOp("var")},
		"std":      {1, 1, append(slices.Clone(reduceFields), "correction"), nil, false, varOp("std")},
		"var_mean": {1, 1, append(slices.Clone(reduceFields), "correction"), nil, true, varOp("var_mean")},

		// Composites.
		"softmax": {1, 1, []string{"dim", "dtype"}, []string{"dim"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opSoftmax(a.args[0], *n.Attrs.Dim, n.Attrs.DType, false))
		}},
		"log_softmax": {1, 1, []string{"dim", "dtype"}, []string{"dim"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opSoftmax(a.args[0], *n.Attrs.Dim, n.Attrs.DType, true))
		}},
		"layer_norm": {1, 1, []string{"normalized_shape", "weight", "bias", "eps"}, []string{"normalized_shape"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opLayerNorm(a.args[0], *n.Attrs.NormalizedShape, a.weight, a.bias, n.Attrs.Eps))
		}},
		"rms_norm": {1, 1, []string{"normalized_shape", "weight", "eps"}, []string{"normalized_shape"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opRMSNorm(a.args[0], *n.Attrs.NormalizedShape, a.weight, n.Attrs.Eps))
		}},
		"cross_entropy": {2, 2, []string{"ignore_index", "reduction"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opCrossEntropy(a.args[0], a.args[1], i64(n.Attrs.IgnoreIndex, -100), strOr(n.Attrs.Reduction, "mean")))
		}},

		// Views and layout.
		"view": {1, 1, []string{"shape"}, []string{"shape"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "view", func(x *Tensor) (*Tensor, error) { return opReshape(x, *n.Attrs.Shape) }))
		}},
		"reshape": {1, 1, []string{"shape"}, []string{"shape"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "reshape", func(x *Tensor) (*Tensor, error) { return opReshape(x, *n.Attrs.Shape) }))
		}},
		"permute": {1, 1, []string{"dims"}, []string{"dims"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "permute", func(x *Tensor) (*Tensor, error) { return opPermute(x, *n.Attrs.Dims, "dims") }))
		}},
		"transpose": {1, 1, []string{"dim0", "dim1"}, []string{"dim0", "dim1"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "transpose", func(x *Tensor) (*Tensor, error) { return opTranspose(x, *n.Attrs.Dim0, *n.Attrs.Dim1) }))
		}},
		"expand": {1, 1, []string{"shape"}, []string{"shape"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "expand", func(x *Tensor) (*Tensor, error) { return opExpand(x, *n.Attrs.Shape, l.syms()) }))
		}},
		"unsqueeze": {1, 1, []string{"dim"}, []string{"dim"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "unsqueeze", func(x *Tensor) (*Tensor, error) { return opUnsqueeze(x, *n.Attrs.Dim) }))
		}},
		"squeeze": {1, 1, []string{"dim", "dims"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "squeeze", func(x *Tensor) (*Tensor, error) {
				switch {
				case n.Attrs.Dim != nil && n.Attrs.Dims != nil:
					return nil, ferr("dims", "give dim or dims, not both")
				case n.Attrs.Dim != nil:
					return opSqueeze(x, []int64{*n.Attrs.Dim}, "dim")
				case n.Attrs.Dims != nil:
					return opSqueeze(x, *n.Attrs.Dims, "dims")
				}
				return opSqueeze(x, nil, "dims")
			}))
		}},
		"flatten": {1, 1, []string{"start_dim", "end_dim"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "flatten", func(x *Tensor) (*Tensor, error) {
				return opFlatten(x, i64(n.Attrs.StartDim, 0), i64(n.Attrs.EndDim, -1))
			}))
		}},
		"slice": {1, 1, []string{"dim", "start", "end", "step"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "slice", func(x *Tensor) (*Tensor, error) {
				return opSlice(x, i64(n.Attrs.Dim, 0), n.Attrs.Start, n.Attrs.End, i64(n.Attrs.Step, 1), l.syms())
			}))
		}},
		"select": {1, 1, []string{"dim", "index"}, []string{"dim", "index"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "select", func(x *Tensor) (*Tensor, error) { return opSelect(x, *n.Attrs.Dim, *n.Attrs.Index, l.syms()) }))
		}},
		"narrow": {1, 1, []string{"dim", "start", "length"}, []string{"dim", "start", "length"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "narrow", func(x *Tensor) (*Tensor, error) {
				return opNarrow(x, *n.Attrs.Dim, *n.Attrs.Start, *n.Attrs.Length, l.syms())
			}))
		}},
		"contiguous": {1, 1, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(viewArg(a.args[0], "contiguous", func(x *Tensor) (*Tensor, error) { return x, nil }))
		}},
		"chunk": {1, 1, []string{"chunks", "dim"}, []string{"chunks"}, true, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			if err := needTensor(a.args[0], "chunk", "args[0]"); err != nil {
				return nil, err
			}
			return opChunk(a.args[0], *n.Attrs.Chunks, i64(n.Attrs.Dim, 0))
		}},
		"split": {1, 1, []string{"split_size", "dim"}, []string{"split_size"}, true, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			if err := needTensor(a.args[0], "split", "args[0]"); err != nil {
				return nil, err
			}
			if n.Attrs.SplitSizeList {
				return opSplitSizes(a.args[0], *n.Attrs.SplitSize, i64(n.Attrs.Dim, 0), "split_size")
			}
			return opSplit(a.args[0], (*n.Attrs.SplitSize)[0], i64(n.Attrs.Dim, 0))
		}},
		"pad": {1, 1, []string{"pad", "value"}, []string{"pad"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opPad(a.args[0], *n.Attrs.Pad, n.Attrs.Value, l.syms()))
		}},
		"tril": {1, 1, []string{"diagonal"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opTriangle(a.args[0], i64(n.Attrs.Diagonal, 0), false))
		}},
		"triu": {1, 1, []string{"diagonal"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opTriangle(a.args[0], i64(n.Attrs.Diagonal, 0), true))
		}},
		"cat": {1, -1, []string{"dim"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(opCat(a.args, i64(n.Attrs.Dim, 0), l.syms()))
		}},

		// Indexing.
		"gather": {2, 2, []string{"dim"}, []string{"dim"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opGather(a.args[0], *n.Attrs.Dim, a.args[1]))
		}},
		"index_select": {2, 2, []string{"dim"}, []string{"dim"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opIndexSelect(a.args[0], *n.Attrs.Dim, a.args[1]))
		}},
		"embedding": {2, 2, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opEmbedding(a.args[0], a.args[1]))
		}},
		"mm": {2, 2, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opMM(l.own(), nil, a.args[0], a.args[1]))
		}},
		"bmm": {2, 2, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opBMM(l.own(), nil, a.args[0], a.args[1]))
		}},
		"addmm": {3, 3, []string{"beta", "alpha"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opAddmm(l.own(), nil, a.args[0], a.args[1], a.args[2], n.Attrs.Beta, n.Attrs.Alpha))
		}},
		// aten names one result with name or several with outputs.
		"aten": {0, -1, []string{"target", "dtype", "shape", "strides", "kwargs", "results"}, []string{"target"}, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return l.opATen(n, a.args, a.resolve)
		}},
		"conv1d": {2, 2, []string{"bias", "stride", "padding", "dilation", "groups"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opConv(1, a.args[0], a.args[1], a.bias, &n.Attrs))
		}},
		"conv2d": {2, 2, []string{"bias", "stride", "padding", "dilation", "groups"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opConv(2, a.args[0], a.args[1], a.bias, &n.Attrs))
		}},
		"conv3d": {2, 2, []string{"bias", "stride", "padding", "dilation", "groups"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opConv(3, a.args[0], a.args[1], a.bias, &n.Attrs))
		}},
		"baddbmm": {3, 3, []string{"beta", "alpha"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opBaddbmm(l.own(), a.args[0], a.args[1], a.args[2], n.Attrs.Beta, n.Attrs.Alpha))
		}},
		"matmul": {2, 2, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opMatmul(a.args[0], a.args[1]))
		}},
		"linear": {2, 2, []string{"bias"}, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(l.opLinear(a.args[0], a.args[1], a.bias))
		}},
	}
	for i := range elementwiseOps {
		e := &elementwiseOps[i]
		if _, dup := t[e.Name]; dup {
			panic("ops: op " + e.Name + " is in the registry and in opTable")
		}
		t[e.Name] = &opSpec{e.Arity, e.Arity, nil, nil, false, func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
			return one(e.lower(a.args))
		}}
	}
	return t
}()

func viewArg(x *Tensor, op string, f func(*Tensor) (*Tensor, error)) (*Tensor, error) {
	if err := needTensor(x, op, "args[0]"); err != nil {
		return nil, err
	}
	return f(x)
}

func reduceOp(l *lowerer, n *OpNode, a *opArgs, f func(x *Tensor, red []bool, keep bool) (*Tensor, error)) ([]*Tensor, error) {
	x := a.args[0]
	if err := needTensor(x, n.Op, "args[0]"); err != nil {
		return nil, err
	}
	red, err := reductionDims(x, &n.Attrs)
	if err != nil {
		return nil, err
	}
	return one(f(x, red, boolOr(n.Attrs.KeepDim, false)))
}

func varOp(which string) func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
	return func(l *lowerer, n *OpNode, a *opArgs) ([]*Tensor, error) {
		x := a.args[0]
		if err := needTensor(x, which, "args[0]"); err != nil {
			return nil, err
		}
		red, err := reductionDims(x, &n.Attrs)
		if err != nil {
			return nil, err
		}
		return l.opVar(x, red, boolOr(n.Attrs.KeepDim, false), n.Attrs.Correction, which)
	}
}

// OpNames lists the tensor ops of the graph file, sorted.
func OpNames() []string {
	out := slices.Sorted(maps.Keys(opTable))
	sort.Strings(out)
	return out
}

// OpFields returns the attribute fields op takes and which of them are
// required, in canonical order; ok is false for an unknown op.
func OpFields(op string) (fields, required []string, multi, ok bool) {
	s, ok := opTable[op]
	if !ok {
		return nil, nil, false, false
	}
	for _, f := range AttrFields {
		if slices.Contains(s.fields, f) {
			fields = append(fields, f)
		}
	}
	return fields, slices.Clone(s.required), s.multi, true
}

// lowerOp checks an op node's shape (known op, argument count, fields,
// result names) and lowers it. resolve gives the tensor of an argument.
func (l *lowerer) lowerOp(n *OpNode, resolve func(a Arg, field string) (*Tensor, error)) ([]*Tensor, error) {
	spec, ok := opTable[n.Op]
	if !ok {
		return nil, ferr("op", "unknown op %q (known: %s)", n.Op, strings.Join(OpNames(), ", "))
	}
	switch {
	case n.Op == "aten": // either: results are data of the node
	case spec.multi && n.Outputs == nil:
		return nil, ferr("name", "%s has several results: name them with outputs instead of name", n.Op)
	case !spec.multi && n.Outputs != nil:
		return nil, ferr("outputs", "%s has one result: name it with name instead of outputs", n.Op)
	}
	if len(n.Args) < spec.minArgs || (spec.maxArgs >= 0 && len(n.Args) > spec.maxArgs) {
		want := fmt.Sprint(spec.minArgs)
		switch {
		case spec.maxArgs < 0:
			want = fmt.Sprintf("at least %d", spec.minArgs)
		case spec.maxArgs != spec.minArgs:
			want = fmt.Sprintf("%d to %d", spec.minArgs, spec.maxArgs)
		}
		return nil, ferr("args", "%s takes %s argument(s), got %d", n.Op, want, len(n.Args))
	}
	for _, f := range AttrFields {
		if n.Attrs.Has(f) && !slices.Contains(spec.fields, f) {
			takes := "no fields"
			if fs, _, _, _ := OpFields(n.Op); len(fs) > 0 {
				takes = "fields " + strings.Join(fs, ", ")
			}
			return nil, ferr(f, "%s has no field %s (it takes %s)", n.Op, f, takes)
		}
	}
	for _, f := range spec.required {
		if !n.Attrs.Has(f) {
			return nil, ferr(f, "%s needs the field %s", n.Op, f)
		}
	}
	a := &opArgs{resolve: resolve}
	for i, arg := range n.Args {
		if arg.Ints != nil || arg.None || arg.List != nil || arg.Literal != nil {
			if n.Op != "aten" {
				return nil, ferr("args["+strconv.Itoa(i)+"]", "%s takes tensors and numbers; only an aten op takes a list, null or a literal object", n.Op)
			}
			a.args = append(a.args, nil) // a literal opATen reads from n.Args
			continue
		}
		t, err := resolve(arg, "args["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		a.args = append(a.args, t)
	}
	var err error
	resolveField := func(name string, field string, scalarOK bool) *Tensor {
		if name == "" || err != nil {
			return nil
		}
		var t *Tensor
		t, err = resolve(Arg{Name: name}, field)
		return t
	}
	a.weight = resolveField(n.Attrs.Weight, "weight", false)
	a.bias = resolveField(n.Attrs.Bias, "bias", false)
	for _, b := range []struct {
		arg   *Arg
		field string
		dst   **Tensor
	}{{n.Attrs.Min, "min", &a.min}, {n.Attrs.Max, "max", &a.max}} {
		if b.arg == nil || err != nil {
			continue
		}
		*b.dst, err = resolve(*b.arg, b.field)
	}
	if err != nil {
		return nil, err
	}
	res, err := spec.lower(l, n, a)
	if err != nil {
		return nil, err
	}
	if spec.multi && len(res) != len(n.Outputs) {
		return nil, ferr("outputs", "%s gives %d results here, but outputs names %d", n.Op, len(res), len(n.Outputs))
	}
	return res, nil
}
