package pt2

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/fusegen/fusegen/ir"
)

// The part of torch.export's serialized ExportedProgram (models/model.json;
// torch/_export/serde/schema.py) the importer reads. Unions (Argument,
// InputSpec, SymInt, ...) are objects of one field, kept raw until read.

type exportedProgram struct {
	GraphModule      graphModule                `json:"graph_module"`
	SchemaVersion    *schemaVersion             `json:"schema_version"`
	RangeConstraints map[string]rangeConstraint `json:"range_constraints"`
}

type schemaVersion struct {
	Major int `json:"major"`
	Minor int `json:"minor"`
}

// rangeConstraint is RangeConstraint: a symbol's bounds, null where torch
// has none (int_oo).
type rangeConstraint struct {
	Min json.RawMessage `json:"min_val"`
	Max json.RawMessage `json:"max_val"`
}

// unboundedMax is the maximum a symbol takes when torch gives it none (or
// one past ir.MaxSymbolSize, as int64's maximum): 2^31-1, the largest size
// a dim of a torch tensor indexed with int32 reaches, which keeps the
// bounds fusegen proves on indices meaningful.
const unboundedMax = 1<<31 - 1

// bounds are the range fusegen gives the symbol: min_val, raised to 1 (a
// size fusegen generates for is never 0), and max_val, unboundedMax where
// torch gives none or one past ir.MaxSymbolSize.
func (r rangeConstraint) bounds() (lo, hi int64, err error) {
	read := func(raw json.RawMessage, field string, def int64, hugeIsNone bool) (int64, error) {
		if len(raw) == 0 || string(raw) == "null" {
			return def, nil
		}
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			return 0, fmt.Errorf("%s: want an integer or null, got %s", field, raw)
		}
		if f > float64(ir.MaxSymbolSize) {
			if hugeIsNone {
				return def, nil
			}
			return 0, fmt.Errorf("%s: %s is past 2^48", field, raw)
		}
		var v int64
		if err := json.Unmarshal(raw, &v); err != nil {
			return 0, fmt.Errorf("%s: want an integer or null, got %s", field, raw)
		}
		return v, nil
	}
	if lo, err = read(r.Min, "min_val", 1, false); err != nil {
		return 0, 0, err
	}
	if hi, err = read(r.Max, "max_val", unboundedMax, true); err != nil {
		return 0, 0, err
	}
	return max(lo, 1), hi, nil
}

type graphModule struct {
	Graph     graph     `json:"graph"`
	Signature signature `json:"signature"`
}

type graph struct {
	Inputs       []union               `json:"inputs"`
	Outputs      []union               `json:"outputs"`
	Nodes        []node                `json:"nodes"`
	TensorValues map[string]tensorMeta `json:"tensor_values"`
	SymIntValues map[string]union      `json:"sym_int_values"`
}

type node struct {
	Target   string            `json:"target"`
	Inputs   []namedArgument   `json:"inputs"`
	Outputs  []union           `json:"outputs"`
	Metadata map[string]string `json:"metadata"`
	Name     string            `json:"name"`
}

type namedArgument struct {
	Name string `json:"name"`
	Arg  union  `json:"arg"`
	Kind int    `json:"kind"` // 1 positional, 2 keyword (0: unknown, read as positional)
}

// argumentKeyword is ArgumentKind.KEYWORD.
const argumentKeyword = 2

type tensorMeta struct {
	DType         int     `json:"dtype"`
	Sizes         []union `json:"sizes"`
	Strides       []union `json:"strides"`
	StorageOffset union   `json:"storage_offset"`
}

type signature struct {
	InputSpecs  []union `json:"input_specs"`
	OutputSpecs []union `json:"output_specs"`
}

type payloadConfig struct {
	Config map[string]payloadMeta `json:"config"`
}

type payloadMeta struct {
	PathName   string      `json:"path_name"`
	UsePickle  bool        `json:"use_pickle"`
	TensorMeta *tensorMeta `json:"tensor_meta"`
}

// union is a serialized union: exactly one field set.
type union struct {
	Tag   string
	Value json.RawMessage
}

func (u *union) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	// Optional fields of a union are written as null beside the set one
	// by some writers: the set one is the single non-null field.
	var tags []string
	for k, v := range m {
		if string(v) != "null" {
			tags = append(tags, k)
		}
	}
	if len(tags) != 1 {
		slices.Sort(tags)
		return fmt.Errorf("a union needs exactly one field set, got %d (%s)", len(tags), strings.Join(tags, ", "))
	}
	u.Tag, u.Value = tags[0], m[tags[0]]
	return nil
}

// decode reads the union's value into v.
func (u union) decode(v any) error { return json.Unmarshal(u.Value, v) }

// tensorArgument is TensorArgument.
type tensorArgument struct {
	Name string `json:"name"`
}

// device is Device.
type device struct {
	Type string `json:"type"`
}

// symExpr is SymExpr: a sympy srepr and its hint.
type symExpr struct {
	ExprStr string `json:"expr_str"`
	Hint    *union `json:"hint"`
}
