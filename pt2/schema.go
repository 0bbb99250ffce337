package pt2

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
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

type rangeConstraint struct {
	Min *int64 `json:"min_val"`
	Max *int64 `json:"max_val"`
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
