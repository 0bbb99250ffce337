package ir

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ReductionType says how a reduction combines the values of its body.
type ReductionType string

// The reduction types; what each means to validation, fusion, kernels and
// templates is its entry of the reduction table below. The three
// welford types compute one field of a Welford mean/variance pass each;
// kernels share the pass between them.
const (
	Sum           ReductionType = "sum"
	Prod          ReductionType = "prod"
	Max           ReductionType = "max"
	Min           ReductionType = "min"
	ArgMax        ReductionType = "argmax"
	ArgMin        ReductionType = "argmin"
	Any           ReductionType = "any"
	WelfordMean   ReductionType = "welford_mean"
	WelfordM2     ReductionType = "welford_m2"
	WelfordWeight ReductionType = "welford_weight"
)

// ReductionTypes lists every reduction type in a fixed order: the order of
// the reduction table.
func ReductionTypes() []ReductionType {
	out := make([]ReductionType, len(reductionTable))
	for i, e := range reductionTable {
		out[i] = e.Type
	}
	return out
}

// ReductionInfo is everything fusegen decides about one reduction type.
// Validation, the result dtype, split reductions, the kernel's
// accumulators and shared passes read its fields, and the templates get the
// entry in kernel.Stmt and dispatch on its template names, so a new
// reduction type is one entry of the table below plus the Triton defines
// those names name (docs/adding-a-reduction.md).
type ReductionInfo struct {
	Type ReductionType
	// Body is the body dtypes it accepts; Hint, when set, ends the error for
	// a body it does not.
	Body BodyRule
	Hint string
	// Result is its result dtype.
	Result ResultRule
	// Identity is the value its accumulator starts from, which is also what
	// masked-off lanes contribute.
	Identity Identity
	// Accumulators is how many accumulators a looped reduction of it
	// carries (they bound the tile of a strided reduction).
	Accumulators int
	// Splits reports that partial results over chunks of the reduction
	// combine with the reduction itself, so that fusion may split a long
	// reduction into a partial and a final one.
	Splits bool
	// Pass names the reduction pass a kernel computes it with: reductions
	// of one value with the same Pass share one pass. It is the type's own
	// name unless several types are fields of one pass.
	Pass string
	// Field is the result of the pass this type reads: empty for a pass of
	// one result; the fields of a pass are its types' fields, in table
	// order (PassFields). A field's result is the pass's variable + "_" +
	// Field in the kernel.
	Field string
	// Template is the prefix of the defines that spell its statements:
	// Template+"/persistent", "/init", "/update" and "/final" (the
	// reduce_persistent, reduce_init, reduce_update and reduce_final
	// statements). Types of one pass share it.
	Template string
	// Combine is the define that spells the function merging two partial
	// results, the combine_fn of tl.reduce, for the templates that call
	// one; empty when Template spells its own merge.
	Combine string
	// Fold is the reference semantics in float64, for interpreters: the
	// result over a row of values (argmax and argmin: the position; bool is
	// 0 or 1). vals is never empty.
	Fold func(vals []float64) float64
}

// BodyRule says which body dtypes a reduction accepts.
type BodyRule string

// The body rules.
const (
	AnyBody     BodyRule = "any"     // every dtype
	NumericBody BodyRule = "numeric" // every dtype but bool
	BoolBody    BodyRule = "bool"    // bool only
	FloatBody   BodyRule = "float"   // the float types only
)

// Accepts reports whether a body of dtype t is allowed.
func (b BodyRule) Accepts(t DType) bool {
	switch b {
	case AnyBody:
		return true
	case NumericBody:
		return t != Bool
	case BoolBody:
		return t == Bool
	case FloatBody:
		return t.IsFloat()
	}
	return false
}

// ResultRule says what dtype a reduction's result has.
type ResultRule string

// The result rules.
const (
	BodyResult  ResultRule = "body"  // the body's dtype
	IndexResult ResultRule = "index" // int64, a position within the reduction (kernels may index in int32)
	BoolResult  ResultRule = "bool"  // bool
)

// DType is the result dtype for a body of dtype body.
func (r ResultRule) DType(body DType) DType {
	switch r {
	case IndexResult:
		return Int64
	case BoolResult:
		return Bool
	}
	return body
}

// Identity is the value a reduction's accumulator starts from. Templates
// spell it with the define "reduce/identity/" + the Identity.
type Identity string

// The identities.
const (
	ZeroIdentity    Identity = "zero"
	OneIdentity     Identity = "one"
	LowestIdentity  Identity = "lowest"  // -inf, the integer minimum, false
	HighestIdentity Identity = "highest" // inf, the integer maximum, true
)

// Value is the identity for compute type t, in canonical constant spelling.
func (id Identity) Value(t DType) string {
	lo, hi := "-inf", "inf"
	switch {
	case t == Bool:
		lo, hi = "false", "true"
	case t.IsInt():
		l, h := t.IntRange()
		lo, hi = strconv.FormatInt(l, 10), strconv.FormatInt(h, 10)
	}
	switch id {
	case ZeroIdentity:
		return "0"
	case OneIdentity:
		return "1"
	case LowestIdentity:
		return lo
	case HighestIdentity:
		return hi
	}
	return ""
}

// The reduction table, in the order ReductionTypes lists the types.
var reductionTable = []ReductionInfo{
	{Type: Sum, Body: NumericBody, Hint: "cast the body to an integer type", Result: BodyResult, Identity: ZeroIdentity,
		Accumulators: 1, Splits: true, Pass: "sum", Template: "reduce/sum", Fold: foldSum},
	{Type: Prod, Body: NumericBody, Hint: "cast the body to an integer type", Result: BodyResult, Identity: OneIdentity,
		Accumulators: 1, Splits: true, Pass: "prod", Template: "reduce/combine", Combine: "reduce/combine_fn/prod", Fold: foldProd},
	{Type: Max, Body: AnyBody, Result: BodyResult, Identity: LowestIdentity,
		Accumulators: 1, Splits: true, Pass: "max", Template: "reduce/combine", Combine: "reduce/combine_fn/max", Fold: foldExtreme(1)},
	{Type: Min, Body: AnyBody, Result: BodyResult, Identity: HighestIdentity,
		Accumulators: 1, Splits: true, Pass: "min", Template: "reduce/combine", Combine: "reduce/combine_fn/min", Fold: foldExtreme(-1)},
	{Type: ArgMax, Body: NumericBody, Result: IndexResult, Identity: LowestIdentity,
		Accumulators: 2, Pass: "argmax", Template: "reduce/arg", Combine: "reduce/combine_fn/argmax", Fold: foldArg(1)},
	{Type: ArgMin, Body: NumericBody, Result: IndexResult, Identity: HighestIdentity,
		Accumulators: 2, Pass: "argmin", Template: "reduce/arg", Combine: "reduce/combine_fn/argmin", Fold: foldArg(-1)},
	{Type: Any, Body: BoolBody, Result: BoolResult, Identity: LowestIdentity,
		Accumulators: 1, Splits: true, Pass: "any", Template: "reduce/combine", Combine: "reduce/combine_fn/any", Fold: foldAny},
	{Type: WelfordMean, Body: FloatBody, Result: BodyResult, Identity: ZeroIdentity,
		Accumulators: 3, Pass: "welford", Field: "mean", Template: "reduce/welford", Fold: foldWelford("mean")},
	{Type: WelfordM2, Body: FloatBody, Result: BodyResult, Identity: ZeroIdentity,
		Accumulators: 3, Pass: "welford", Field: "m2", Template: "reduce/welford", Fold: foldWelford("m2")},
	{Type: WelfordWeight, Body: FloatBody, Result: BodyResult, Identity: ZeroIdentity,
		Accumulators: 3, Pass: "welford", Field: "weight", Template: "reduce/welford", Fold: foldWelford("weight")},
}

// Info returns r's entry of the reduction table, or nil for an unknown type.
func (r ReductionType) Info() *ReductionInfo {
	for i := range reductionTable {
		if reductionTable[i].Type == r {
			return &reductionTable[i]
		}
	}
	return nil
}

// PassFields lists the fields of the reduction pass called pass, in table
// order (empty for a pass of one result).
func PassFields(pass string) []string {
	var out []string
	for _, e := range reductionTable {
		if e.Pass == pass && e.Field != "" {
			out = append(out, e.Field)
		}
	}
	return out
}

// CheckBody returns the error message for a reduction of a body of dtype
// t that r does not accept, or "".
func (r *ReductionInfo) CheckBody(t DType) string {
	if r.Body.Accepts(t) {
		return ""
	}
	var msg string
	switch r.Body {
	case NumericBody:
		msg = fmt.Sprintf("%s of bool is not defined", r.Type)
	default:
		article := "a"
		if strings.IndexAny(string(r.Body), "aeiou") == 0 {
			article = "an"
		}
		msg = fmt.Sprintf("%s needs %s %s body, got %s", r.Type, article, r.Body, t)
	}
	if r.Hint != "" {
		msg += "; " + r.Hint
	}
	return msg
}

// reductionList spells the reduction types for an error: "a, b or c".
func reductionList() string {
	names := make([]string, len(reductionTable))
	for i, e := range reductionTable {
		names[i] = string(e.Type)
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func foldSum(vals []float64) float64 {
	s := 0.0
	for _, v := range vals {
		s += v
	}
	return s
}

func foldProd(vals []float64) float64 {
	p := 1.0
	for _, v := range vals {
		p *= v
	}
	return p
}

// foldExtreme is max (sign 1) or min (sign -1): NaN wins.
func foldExtreme(sign float64) func([]float64) float64 {
	return func(vals []float64) float64 {
		acc := vals[0]
		for _, v := range vals[1:] {
			switch {
			case math.IsNaN(acc):
			case math.IsNaN(v), sign*v > sign*acc:
				acc = v
			}
		}
		return acc
	}
}

// foldArg is argmax (sign 1) or argmin (sign -1): the first NaN, else the
// first extreme.
func foldArg(sign float64) func([]float64) float64 {
	return func(vals []float64) float64 {
		best := 0
		for i, v := range vals {
			a := vals[best]
			switch {
			case math.IsNaN(a):
			case math.IsNaN(v), sign*v > sign*a:
				best = i
			}
		}
		return float64(best)
	}
}

func foldAny(vals []float64) float64 {
	for _, v := range vals {
		if v != 0 {
			return 1
		}
	}
	return 0
}

// foldWelford is one field of a mean/variance pass: the mean, the sum of
// squared deviations from it, or the count.
func foldWelford(field string) func([]float64) float64 {
	return func(vals []float64) float64 {
		n := float64(len(vals))
		mean := foldSum(vals) / n
		switch field {
		case "mean":
			return mean
		case "weight":
			return n
		}
		m2 := 0.0
		for _, v := range vals {
			m2 += (v - mean) * (v - mean)
		}
		return m2
	}
}
