package wrapper

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fusegen/fusegen/fusion"
	"github.com/fusegen/fusegen/ir"
)

// call() reads each symbol from the first input dim that gives it: a dim
// of one unread symbol times symbols read before gives it by division, a
// derived symbol is computed once its base symbols are read, and only the
// first read of an input checks its dims.
func TestSymbolReads(t *testing.T) {
	m := buildDefault(t, `{"version":1,"name":"t","device":"cuda",
		"symbols":{"B":{"hint":8,"min":1,"max":64},"S":{"hint":512,"min":2,"max":4096},"S_div_2":{"def":"S // 2"}},
		"inputs":[{"name":"rows","dtype":"float32","shape":["B*S",768]},{"name":"b","dtype":"float32","shape":["B"]},
			{"name":"h","dtype":"float32","shape":["B","S_div_2"]}],
		"nodes":[{"name":"y","op":"exp","args":["rows"]},{"name":"z","op":"exp","args":["b"]},{"name":"w","op":"exp","args":["h"]}],
		"outputs":["y","z","w"]}`)
	var got []string
	for _, r := range m.SymbolReads {
		switch {
		case r.Def != nil:
			got = append(got, r.Name+" = "+r.Def.Expr())
		default:
			got = append(got, fmt.Sprintf("%s from %s[%d] / %s, check dims %v", r.Name, r.Input, r.Dim, r.Divisor, r.CheckDims))
		}
	}
	// b's shape is unpacked, which checks its dims; rows is read by a
	// division alone, so its read checks them.
	want := []string{"B from b[0] / 1, check dims false", "S from rows[0] / B, check dims true", "S_div_2 = S // 2"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("reads (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]ShapeRead{{Input: "b", Dims: []string{"B"}, SizeNames: []string{`"B"`}}}, m.ShapeReads, cmp.AllowUnexported(ShapeRead{})); d != "" {
		t.Errorf("shape reads (-want +got):\n%s", d)
	}
	// The plan: the three launches (their integers included), every
	// symbolic tuple call() spells once, and the symbols in read order; its
	// key is the shapes of the inputs that give them.
	var items []string
	for _, it := range m.Plan.Items {
		switch {
		case it.Launch != nil:
			items = append(items, fmt.Sprintf("launch %d", it.Launch.Slot))
		case it.Symbol != nil:
			items = append(items, "symbol "+it.Symbol.Name)
		default:
			items = append(items, ir.SizesString(it.Sizes))
		}
	}
	wantItems := []string{"launch 0", "launch 1", "launch 2", "[B*S, 768]", "[B]", "[B, S_div_2]", "[S_div_2, 1]", "symbol B", "symbol S", "symbol S_div_2"}
	if d := cmp.Diff(wantItems, items); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"b", "rows"}, m.Plan.Inputs); d != "" {
		t.Errorf("plan inputs (-want +got):\n%s", d)
	}
	for i, it := range m.Plan.Items {
		if it.Index != i {
			t.Errorf("item %d has index %d", i, it.Index)
		}
		if it.Sizes != nil && m.PlanSlot(it.Sizes) != i {
			t.Errorf("PlanSlot(%v) = %d, want %d", it.Sizes, m.PlanSlot(it.Sizes), i)
		}
	}
	if m.PlanSlot([]ir.Size{ir.Int(768)}) != -1 || m.PlanSlot(ir.Sym("B")) != -1 {
		t.Errorf("a static tuple or a size is planned")
	}
	if d := cmp.Diff([]string{`"B"`, `"(S // 2)"`}, m.Inputs[2].SizeNames()); d != "" {
		t.Errorf("size names (-want +got):\n%s", d)
	}
	if len(m.BaseSymbols()) != 2 || len(m.DerivedSymbols()) != 1 || !m.Symbolic() {
		t.Errorf("base %v, derived %v", m.BaseSymbols(), m.DerivedSymbols())
	}
}

// A symbol no input dim gives cannot be read: Build refuses the graph.
func TestSymbolNoInputGives(t *testing.T) {
	_, err := tryBuild(t, `{"version":1,"name":"t","device":"cuda",
		"symbols":{"B":{"hint":8,"min":1,"max":64},"S":{"hint":512,"min":1,"max":4096}},
		"inputs":[{"name":"rows","dtype":"float32","shape":["B*S",768]}],
		"nodes":[{"name":"y","op":"exp","args":["rows"]}],"outputs":["y"]}`, fusion.Options{})
	if err == nil || !strings.Contains(err.Error(), `symbol "B" is the size of no input dimension`) {
		t.Errorf("error %v", err)
	}
}
