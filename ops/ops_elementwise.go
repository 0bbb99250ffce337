package ops

import (
	"fmt"
	"math"

	"github.com/fusegen/fusegen/ir"
)

// Elementwise ops with PyTorch's semantics: broadcasting, type promotion
// (torch.result_type, Python scalars included), and the result dtypes of
// torch's functions. Each builds a loader; none creates a node.

func needTensor(t *Tensor, op string, field string) error {
	if t.isScalar() {
		return ferr(field, "%s needs a tensor, got the number %s", op, t.scalar.Value)
	}
	return nil
}

func isOne(s *Scalar) bool { return s == nil || s.Float() == 1 }

// opAddSub is torch.add / torch.sub: x + alpha*y, x - alpha*y.
func opAddSub(x, y *Tensor, alpha *Scalar, sub bool) (*Tensor, error) {
	name, irop := "add", ir.Op("add")
	if sub {
		name, irop = "sub", "sub"
	}
	t := resultType(x, y)
	if sub && (x.dtype == ir.Bool || y.dtype == ir.Bool) {
		return nil, ferr("args", "subtraction, the - operator, with a bool tensor is not supported; use logical_not or logical_xor for masks")
	}
	if alpha != nil {
		switch {
		case t != ir.Bool && alpha.Kind == ScalarBool:
			return nil, ferr("alpha", "a bool alpha is only supported for bool results (the result is %s)", t)
		case !t.IsFloat() && alpha.Kind == ScalarFloat:
			return nil, ferr("alpha", "for %s inputs alpha must be an integer, got %s", t, alpha.Value)
		}
	}
	var a *ir.Expr
	if !isOne(alpha) {
		c, err := castTo(scalarTensor(*alpha), t)
		if err != nil {
			return nil, ferr("alpha", "%v", err)
		}
		a = c.load(nil)
	}
	if t == ir.Bool {
		// bool + bool is logical or, as in torch.
		return pointwiseN([]*Tensor{x, y}, []ir.DType{t, t}, t, name, func(e []*ir.Expr) *ir.Expr {
			if a != nil {
				return eop("logical_or", e[0], eop("logical_and", e[1], a))
			}
			return eop("logical_or", e[0], e[1])
		})
	}
	return pointwiseN([]*Tensor{x, y}, []ir.DType{t, t}, t, name, func(e []*ir.Expr) *ir.Expr {
		b := e[1]
		if a != nil {
			b = eop("mul", b, a)
		}
		return eop(irop, e[0], b)
	})
}

// opMul is torch.mul.
func opMul(x, y *Tensor) (*Tensor, error) {
	t := resultType(x, y)
	op := ir.Op("mul")
	if t == ir.Bool {
		op = "logical_and"
	}
	return pointwiseN([]*Tensor{x, y}, []ir.DType{t, t}, t, "mul", func(e []*ir.Expr) *ir.Expr { return eop(op, e[0], e[1]) })
}

// opDiv is torch.div with rounding_mode nil (true division, integers give
// float32), "trunc" or "floor".
func opDiv(x, y *Tensor, mode *string) (*Tensor, error) {
	t := resultType(x, y)
	if mode == nil {
		f := t
		if !f.IsFloat() {
			f = ir.Float32
		}
		return pointwiseN([]*Tensor{x, y}, []ir.DType{f, f}, f, "div", func(e []*ir.Expr) *ir.Expr { return eop("truediv", e[0], e[1]) })
	}
	switch *mode {
	case "trunc", "floor":
	default:
		return nil, ferr("rounding_mode", "want \"trunc\" or \"floor\" (or leave it out for true division), got %q", *mode)
	}
	if t == ir.Bool {
		return nil, ferr("args", "div with rounding_mode %q is not defined for bool", *mode)
	}
	floor := *mode == "floor"
	return pointwiseN([]*Tensor{x, y}, []ir.DType{t, t}, t, "div", func(e []*ir.Expr) *ir.Expr {
		a, b := e[0], e[1]
		switch {
		case floor:
			return eop("floordiv", a, b)
		case t.IsFloat():
			return truncExpr(eop("truediv", a, b), t)
		}
		// Integer truncating division from the flooring one.
		q := eop("floordiv", a, b)
		zero := iconst(t, 0)
		fix := eop("logical_and",
			eop("ne", eop("mod", a, b), zero),
			eop("ne", eop("lt", a, zero), eop("lt", b, zero)))
		return eop(ir.OpWhere, fix, eop("add", q, iconst(t, 1)), q)
	})
}

// truncExpr rounds a float toward zero.
func truncExpr(v *ir.Expr, t ir.DType) *ir.Expr {
	return eop(ir.OpWhere, eop("lt", v, fconst(t, 0)), eop("ceil", v), eop("floor", v))
}

// opRemainder is torch.remainder (the result has the divisor's sign).
func opRemainder(x, y *Tensor) (*Tensor, error) {
	t := resultType(x, y)
	if t == ir.Bool {
		return nil, ferr("args", "remainder is not defined for bool")
	}
	return pointwiseN([]*Tensor{x, y}, []ir.DType{t, t}, t, "remainder", func(e []*ir.Expr) *ir.Expr { return eop("mod", e[0], e[1]) })
}

// opPow is torch.pow. Integer and small special exponents given as Python
// scalars become multiplications (or sqrt, reciprocal), as eager and
// Inductor do; integer tensors take non-negative integer scalar exponents.
func opPow(x, y *Tensor) (*Tensor, error) {
	t := resultType(x, y)
	if t == ir.Bool {
		return nil, ferr("args", "pow is not defined for bool")
	}
	if y.isScalar() && !x.isScalar() {
		e := y.scalar.Float()
		if !t.IsFloat() {
			n := y.scalar.Int()
			if n < 0 {
				return nil, ferr("args[1]", "integers to negative integer powers are not allowed")
			}
			if n > maxIntPow {
				return nil, ferr("args[1]", "integer pow takes exponents up to %d (multiplications), got %d", maxIntPow, n)
			}
			return pointwiseN([]*Tensor{x}, []ir.DType{t}, t, "pow", func(a []*ir.Expr) *ir.Expr { return intPow(a[0], n, t) })
		}
		var f func(a *ir.Expr) *ir.Expr
		switch e {
		case 0:
			f = func(*ir.Expr) *ir.Expr { return fconst(t, 1) }
		case 1:
			f = func(a *ir.Expr) *ir.Expr { return a }
		case 2:
			f = func(a *ir.Expr) *ir.Expr { return eop("mul", a, a) }
		case 3:
			f = func(a *ir.Expr) *ir.Expr { return eop("mul", eop("mul", a, a), a) }
		case 0.5:
			f = func(a *ir.Expr) *ir.Expr { return eop("sqrt", a) }
		case -0.5:
			f = func(a *ir.Expr) *ir.Expr { return eop("rsqrt", a) }
		case -1:
			f = func(a *ir.Expr) *ir.Expr { return eop("reciprocal", a) }
		case -2:
			f = func(a *ir.Expr) *ir.Expr { return eop("reciprocal", eop("mul", a, a)) }
		}
		if f != nil {
			return pointwiseN([]*Tensor{x}, []ir.DType{t}, t, "pow", func(a []*ir.Expr) *ir.Expr { return f(a[0]) })
		}
	}
	if !t.IsFloat() {
		return nil, ferr("args[1]", "pow of %s needs a non-negative integer Python scalar exponent", t)
	}
	return pointwiseN([]*Tensor{x, y}, []ir.DType{t, t}, t, "pow", func(e []*ir.Expr) *ir.Expr { return eop("pow", e[0], e[1]) })
}

// maxIntPow bounds integer exponents: a**n is n multiplications' worth of
// expression (an int64 base of 2 or more overflows past 63 anyway).
const maxIntPow = 64

// intPow computes a**n by squaring.
func intPow(a *ir.Expr, n int64, t ir.DType) *ir.Expr {
	var acc *ir.Expr
	base := a
	for n > 0 {
		if n&1 == 1 {
			if acc == nil {
				acc = base
			} else {
				acc = eop("mul", acc, base)
			}
		}
		n >>= 1
		if n > 0 {
			base = eop("mul", base, base)
		}
	}
	if acc == nil {
		return iconst(t, 1)
	}
	return acc
}

// opBinary is a binary op of the registry: the IR op on the promoted
// dtype, giving it (maximum, minimum, bitwise ops) or bool (comparisons).
func opBinary(op *Elementwise, x, y *Tensor) (*Tensor, error) {
	t := resultType(x, y)
	out := t
	switch op.promote {
	case boolResult:
		out = ir.Bool
	case intOrBool:
		if t.IsFloat() {
			return nil, ferr("args", "%s is only defined for integer and bool tensors, got %s", op.Name, t)
		}
	}
	return pointwiseN([]*Tensor{x, y}, []ir.DType{t, t}, out, op.Name, func(e []*ir.Expr) *ir.Expr { return eop(op.IR, e[0], e[1]) })
}

// toBool is x != 0 for a non-bool value.
func toBool(e *ir.Expr, t ir.DType) *ir.Expr {
	if t == ir.Bool {
		return e
	}
	if t.IsFloat() {
		return eop("ne", e, fconst(t, 0))
	}
	return eop("ne", e, iconst(t, 0))
}

// opLogical is logical_and / logical_or: any dtypes, bool result.
func opLogical(name string, x, y *Tensor) (*Tensor, error) {
	tx, ty := x.dtype, y.dtype
	return pointwiseN([]*Tensor{x, y}, nil, ir.Bool, name, func(e []*ir.Expr) *ir.Expr {
		return eop(ir.Op(name), toBool(e[0], tx), toBool(e[1], ty))
	})
}

// opClamp is torch.clamp with scalar or tensor bounds.
func opClamp(x, lo, hi *Tensor) (*Tensor, error) {
	if lo == nil && hi == nil {
		return nil, ferr("", "clamp needs at least one of min and max")
	}
	t := resultType(x, lo, hi)
	if t == ir.Bool {
		return nil, ferr("args[0]", "clamp is not defined for bool")
	}
	ts := []*Tensor{x}
	if lo != nil {
		ts = append(ts, lo)
	}
	if hi != nil {
		ts = append(ts, hi)
	}
	in := make([]ir.DType, len(ts))
	for i := range in {
		in[i] = t
	}
	for i, b := range []*Tensor{lo, hi} {
		if b != nil && b.isScalar() {
			if _, err := castTo(b, t); err != nil {
				return nil, ferr([]string{"min", "max"}[i], "%v", err)
			}
		}
	}
	return pointwiseN(ts, in, t, "clamp", func(e []*ir.Expr) *ir.Expr {
		v, k := e[0], 1
		if lo != nil {
			v = eop("maximum", v, e[k])
			k++
		}
		if hi != nil {
			v = eop("minimum", v, e[k])
		}
		return v
	})
}

// opWhere is torch.where(cond, x, y).
func opWhere(c, x, y *Tensor) (*Tensor, error) {
	if c.dtype != ir.Bool || c.isScalar() {
		return nil, ferr("args[0]", "where needs a bool tensor as condition, got %s", describe(c))
	}
	t := resultType(x, y)
	return pointwiseN([]*Tensor{c, x, y}, []ir.DType{"", t, t}, t, "where", func(e []*ir.Expr) *ir.Expr {
		return eop(ir.OpWhere, e[0], e[1], e[2])
	})
}

func describe(t *Tensor) string {
	if t.isScalar() {
		return "the number " + t.scalar.Value
	}
	return fmt.Sprintf("a %s tensor", t.dtype)
}

// opUnary is a unary op of the registry, typed as its promotion says.
func opUnary(op *Elementwise, x *Tensor) (*Tensor, error) {
	name := op.Name
	if err := needTensor(x, name, "args[0]"); err != nil {
		return nil, err
	}
	t := x.dtype
	apply := func(e *ir.Expr) *ir.Expr { return eop(op.IR, e) }
	identity := func(e *ir.Expr) *ir.Expr { return e }
	switch op.promote {
	case promoteFloat:
		if !t.IsFloat() {
			x = mustCast(x, ir.Float32)
			t = ir.Float32
		}
		return unary(x, t, name, apply), nil
	case refuseBool, identityOnInts:
		if t == ir.Bool {
			return nil, ferr("args[0]", "%s is not defined for bool", name)
		}
		if op.promote == identityOnInts && !t.IsFloat() {
			return unary(x, t, name, identity), nil
		}
		return unary(x, t, name, apply), nil
	case identityOnBool:
		if t == ir.Bool {
			return unary(x, t, name, identity), nil
		}
		return unary(x, t, name, apply), nil
	case predicate:
		if t == ir.Bool {
			return unary(x, ir.Bool, name, func(*ir.Expr) *ir.Expr { return econst(ir.Bool, "false") }), nil
		}
		return unary(x, ir.Bool, name, apply), nil
	case boolResult:
		return unary(x, ir.Bool, name, apply), nil
	case floatOnly:
		if !t.IsFloat() {
			return nil, ferr("args[0]", "%s needs a float tensor, got %s", name, t)
		}
		return unary(x, t, name, op.body), nil
	}
	return nil, ferr("op", "unary op %q has no typing rule", name)
}

// opGelu is torch.nn.functional.gelu, exact (erf) or the tanh form.
func opGelu(x *Tensor, approximate *string) (*Tensor, error) {
	if err := needTensor(x, "gelu", "args[0]"); err != nil {
		return nil, err
	}
	t := x.dtype
	if !t.IsFloat() {
		return nil, ferr("args[0]", "gelu needs a float tensor, got %s", t)
	}
	mode := "none"
	if approximate != nil {
		mode = *approximate
	}
	half := func(v *ir.Expr) *ir.Expr { return eop("mul", fconst(t, 0.5), v) }
	switch mode {
	case "none":
		return unary(x, t, "gelu", func(e *ir.Expr) *ir.Expr {
			cdf := eop("add", fconst(t, 1), eop("erf", eop("mul", e, fconst(t, math.Sqrt2/2))))
			return eop("mul", half(e), cdf)
		}), nil
	case "tanh":
		// 0.5*x*(1 + tanh(u)) is x*sigmoid(2u) = x / (1 + exp(-2u)), u =
		// sqrt(2/pi)*(x + 0.044715*x^3): one exp and a division instead of
		// libdevice's tanh, which makes the kernel compute-bound
		// (docs/kernels.md).
		minusTwoBeta := -2 * math.Sqrt(2/math.Pi)
		return unary(x, t, "gelu", func(e *ir.Expr) *ir.Expr {
			cube := eop("mul", eop("mul", e, e), e)
			inner := eop("mul", fconst(t, minusTwoBeta), eop("add", e, eop("mul", fconst(t, 0.044715), cube)))
			return eop("truediv", e, eop("add", fconst(t, 1), eop("exp", inner)))
		}), nil
	}
	return nil, ferr("approximate", "want \"none\" or \"tanh\", got %q", mode)
}

// opSoftplus is torch.nn.functional.softplus(x, beta, threshold).
func opSoftplus(x *Tensor, beta, threshold *Scalar) (*Tensor, error) {
	if err := needTensor(x, "softplus", "args[0]"); err != nil {
		return nil, err
	}
	t := x.dtype
	if !t.IsFloat() {
		return nil, ferr("args[0]", "softplus needs a float tensor, got %s", t)
	}
	b, th := 1.0, 20.0
	if beta != nil {
		b = beta.Float()
	}
	if threshold != nil {
		th = threshold.Float()
	}
	return unary(x, t, "softplus", func(e *ir.Expr) *ir.Expr {
		bx := e
		if b != 1 {
			bx = eop("mul", e, fconst(t, b))
		}
		soft := eop("log1p", eop("exp", bx))
		if b != 1 {
			soft = eop("truediv", soft, fconst(t, b))
		}
		return eop(ir.OpWhere, eop("gt", bx, fconst(t, th)), e, soft)
	}), nil
}

// opTo is Tensor.to(dtype).
func opTo(x *Tensor, dt ir.DType) (*Tensor, error) {
	if dt == "" {
		return nil, ferr("dtype", "to needs a dtype")
	}
	if x.isScalar() {
		return nil, ferr("args[0]", "to needs a tensor, got the number %s", x.scalar.Value)
	}
	if x.dtype == dt {
		return x, nil
	}
	c := mustCast(x, dt)
	c.ops = mergeOps(x.ops, []string{"to"})
	return c, nil
}

// opFull is torch.full(shape, value, dtype=...); a dtype left out is the
// value's default (bool, int64 or float32).
func opFull(shape []ir.Size, value Scalar, dt ir.DType, syms ir.Symbols) (*Tensor, error) {
	if dt == "" {
		dt = value.defaultDType()
	}
	if err := ir.CheckShape(shape, "shape", syms); err != nil {
		return nil, ferr("shape", "%v", err.(*ir.Error).Msg)
	}
	c, err := castTo(scalarTensor(value), dt)
	if err != nil {
		return nil, ferr("value", "%v", err)
	}
	v := c.load(nil).Value
	return &Tensor{shape: shape, dtype: dt, ops: []string{"full"},
		load: func([]ir.Index) *ir.Expr { return econst(dt, v) }}, nil
}
