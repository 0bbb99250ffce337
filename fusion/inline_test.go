package fusion

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/ir"
)

// A causal mask over [S, S] read by a softmax over [B, S, S]: the mask is
// recomputed inside the softmax's kernel instead of getting a kernel and a
// buffer, unless it is an output, too costly, or the device forbids fusing a
// consumer with its producer.
func TestInlineCheapProducers(t *testing.T) {
	mask := `{"name":"mask","kind":"pointwise","ranges":[8,8],"body":{"op":"le","args":[{"op":"index","dtype":"int64","expr":"i1"},{"op":"index","dtype":"int64","expr":"i0"}]}}`
	costly := `{"name":"mask","kind":"pointwise","ranges":[8,8],"body":{"op":"le","args":[` + strings.Repeat(`{"op":"neg","args":[`, 8) +
		`{"op":"index","dtype":"int64","expr":"i1"}` + strings.Repeat(`]}`, 8) + `,{"op":"index","dtype":"int64","expr":"i0"}]}}`
	graph := func(maskNode, outputs string) string {
		return `{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[4,8,8]}],"nodes":[` + maskNode + `,
			{"name":"xm","op":"where","args":["mask","x","-inf"]},
			{"name":"y","op":"softmax","args":["xm"],"dim":-1}],"outputs":[` + outputs + `]}`
	}
	tests := []struct {
		name     string
		graph    string
		opts     Options
		kernels  int
		inlined  bool
		decision string
	}{
		{"inlined", graph(mask, `"y"`), Options{}, 1, true, "mask: recomputed in kernel 0 (a cheap pointwise node read across iteration spaces, or only at gathered indices, by y_max, y_sum, y)"},
		{"an output stays", graph(mask, `"y", "mask"`), Options{}, 2, false, ""},
		{"a costly node stays", graph(costly, `"y"`), Options{}, 2, false, ""},
		{"no vertical fusion", graph(mask, `"y"`), Options{NoVertical: true}, 4, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := graphfile.Read([]byte(tt.graph))
			if err != nil {
				t.Fatal(err)
			}
			s, err := Plan(g, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Kernels) != tt.kernels {
				t.Errorf("%d kernels, want %d", len(s.Kernels), tt.kernels)
			}
			if got := s.Table.Node("mask") == nil; got != tt.inlined {
				t.Errorf("mask dropped from the graph: %v, want %v", got, tt.inlined)
			}
			var log []string
			for _, d := range s.Decisions {
				log = append(log, d.String())
			}
			if tt.decision != "" && !strings.Contains(strings.Join(log, "\n"), tt.decision) {
				t.Errorf("no decision %q in\n%s", tt.decision, strings.Join(log, "\n"))
			}
		})
	}
}

// Inlining keeps values: the mask's body, recomputed at the reader's index,
// is the mask at that point.
func TestInlineIntoSubstitutesIndices(t *testing.T) {
	g, err := graphfile.Read([]byte(`{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[6,4]}],"nodes":[
		{"name":"m","kind":"pointwise","ranges":[6],"body":{"op":"mul","args":[{"op":"index","dtype":"int64","expr":"i0"},{"op":"constant","dtype":"int64","value":3}]}},
		{"name":"s","kind":"reduction","ranges":[4],"reduction_ranges":[6],"reduction":"sum","body":{"op":"add","args":[{"op":"load","buffer":"x","index":["r0","i0"]},{"op":"cast","dtype":"float32","args":[{"op":"load","buffer":"m","index":["(r0 + 1) % 6"]}]}]}}],"outputs":["s"]}`))
	if err != nil {
		t.Fatal(err)
	}
	out, inlined := inlineCheap(g)
	if fmt.Sprint(inlined) != "map[m:[s]]" {
		t.Fatalf("inlined %v", inlined)
	}
	var idx string
	out.Nodes[0].Body.Walk(func(e *ir.Expr) {
		if e.Op == ir.OpIndex {
			idx = e.Expr.String()
		}
	})
	if idx != "((r0 + 1) % 6)" {
		t.Errorf("the mask's index at the reader: %q, want ((r0 + 1) %% 6)", idx)
	}
}

// A log_softmax read only at each row's target (cross-entropy's gather) is
// recomputed at the gathered element, its loads taking the gather's
// indirect index, instead of being stored whole. (Its values: the GPU check
// of the lm_head archive, bench/gpu/pt2_models.py.)
func TestInlineIntoGather(t *testing.T) {
	g, err := graphfile.Read([]byte(`{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[4,10]},{"name":"tgt","dtype":"int64","shape":[4]}],"nodes":[
		{"name":"ls","op":"log_softmax","args":["x"],"dim":1},
		{"name":"tg","op":"unsqueeze","args":["tgt"],"dim":1},
		{"name":"g","op":"gather","args":["ls","tg"],"dim":1},
		{"name":"loss","op":"sum","args":["g"]}],"outputs":["loss"]}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Plan(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Table.Node("ls") != nil {
		t.Fatalf("the log_softmax is still stored: %v", s.Decisions)
	}
	found := false
	for _, n := range s.Graph.Nodes {
		n.Body.Walk(func(e *ir.Expr) {
			found = found || e.Op == ir.OpLoad && e.Buffer == "x" && len(e.Indirect) == 1
		})
	}
	if !found {
		t.Errorf("no load of x at the gathered index")
	}
}
