package ops_test

import (
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// TestRegistryBuilderMethods: every op of the elementwise registry has its
// Builder method (ops/builder.go), taking one *Tensor (unary) or two
// operands (binary), and the method records that op.
func TestRegistryBuilderMethods(t *testing.T) {
	for _, e := range ops.ElementwiseOps() {
		b := ops.NewBuilder("t", "")
		x := b.Input("x", ir.Float32, 4)
		m := reflect.ValueOf(b).MethodByName(e.Builder)
		if !m.IsValid() {
			t.Errorf("op %q: no Builder method %s; add `func (b *Builder) %s(x *Tensor) *Tensor { return b.one(%q, []any{x}, nil) }` to ops/builder.go",
				e.Name, e.Builder, e.Builder, e.Name)
			continue
		}
		typ := m.Type()
		if typ.NumIn() != e.Arity || typ.NumOut() != 1 || typ.Out(0) != reflect.TypeOf(x) {
			t.Errorf("op %q: Builder.%s is %v, want %d operand(s) and one *Tensor result", e.Name, e.Builder, typ, e.Arity)
			continue
		}
		args := make([]reflect.Value, e.Arity)
		for i := range args {
			if !reflect.TypeOf(x).AssignableTo(typ.In(i)) {
				t.Errorf("op %q: Builder.%s's operand %d is %v, which takes no *Tensor", e.Name, e.Builder, i, typ.In(i))
				continue
			}
			args[i] = reflect.ValueOf(x)
		}
		m.Call(args)
		// The op is recorded, or refused with its name (bitwise ops refuse
		// float32).
		p := b.Program()
		_, err := b.Build()
		recorded := len(p.Nodes) == 1 && p.Nodes[0].Op.Op == e.Name
		if !recorded && (err == nil || !strings.Contains(err.Error(), "("+e.Name+")")) {
			t.Errorf("op %q: Builder.%s does not record it (nodes %d, error %v)", e.Name, e.Builder, len(p.Nodes), err)
		}
	}
}

// builderNames are the Builder methods of tensor ops outside the registry
// not named as the op in Go spelling (layer_norm is LayerNorm).
var builderNames = map[string]string{"rms_norm": "RMSNorm"}

// TestEveryOpHasABuilderMethod: each tensor op of the graph file has a
// Builder method.
func TestEveryOpHasABuilderMethod(t *testing.T) {
	names := maps.Clone(builderNames)
	for _, e := range ops.ElementwiseOps() {
		names[e.Name] = e.Builder
	}
	typ := reflect.TypeOf(&ops.Builder{})
	for _, op := range ops.OpNames() {
		name, ok := names[op]
		if !ok {
			parts := strings.Split(op, "_")
			for i, p := range parts {
				parts[i] = strings.ToUpper(p[:1]) + p[1:]
			}
			name = strings.Join(parts, "")
		}
		if _, ok := typ.MethodByName(name); !ok {
			t.Errorf("op %q has no Builder method %s (ops/builder.go)", op, name)
		}
	}
}

// TestRegistryReadsTheIRTable: every unary op of ir.OpTable is a tensor op
// of the same name lowering to it, and each registered IR op has the
// arity and class of its IR table entry.
func TestRegistryReadsTheIRTable(t *testing.T) {
	reg := map[string]ops.Elementwise{}
	for _, e := range ops.ElementwiseOps() {
		reg[e.Name] = e
		if e.IR == "" {
			if e.Class != 0 {
				t.Errorf("composite %q has an IR class", e.Name)
			}
			continue
		}
		c, ok := ir.ClassOf(e.IR)
		if !ok || c != e.Class || c.Arity() != e.Arity || ir.Arity(e.IR) != e.Arity {
			t.Errorf("op %q: IR op %q, class %v (IR: %v, %v), arity %d", e.Name, e.IR, e.Class, c, ok, e.Arity)
		}
	}
	for _, o := range ir.OpTable() {
		if o.Class.Arity() != 1 {
			continue
		}
		if e, ok := reg[string(o.Name)]; !ok || e.IR != o.Name {
			t.Errorf("unary IR op %q is not the tensor op of its name", o.Name)
		}
	}
}
