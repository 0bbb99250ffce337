package fusion

import (
	"strings"
	"testing"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/ir"
)

// A linear's bias moves from addmm into the kernel of the op that reads
// its result (gelu): an mm and one Triton kernel, no addmm; a linear that
// is an output, or whose reader is another extern call, keeps its addmm.
func TestUnfuseBias(t *testing.T) {
	graph := func(reader, outputs string) string {
		return `{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[4,8,16]},{"name":"w","dtype":"float32","shape":[32,16]},{"name":"b","dtype":"float32","shape":[32]},{"name":"w2","dtype":"float32","shape":[32,32]}],"nodes":[
			{"name":"h","op":"linear","args":["x","w"],"bias":"b"},` + reader + `],"outputs":[` + outputs + `]}`
	}
	tests := []struct {
		name    string
		graph   string
		targets string // extern targets in kernel order
	}{
		{"into gelu", graph(`{"name":"y","op":"gelu","args":["h"]}`, `"y"`), "mm"},
		{"an output", graph(`{"name":"y","op":"gelu","args":["h"]}`, `"y","h"`), "addmm"},
		{"read by mm", graph(`{"name":"y","op":"matmul","args":["h","w2"]}`, `"y"`), "addmm mm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := graphfile.Decode([]byte(tt.graph))
			if err != nil {
				t.Fatal(err)
			}
			if err := ir.Validate(g); err != nil {
				t.Fatal(err)
			}
			s, err := Plan(g, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var targets []string
			for _, k := range s.Kernels {
				if k.IsExtern() {
					targets = append(targets, k.Nodes[0].Call.Target)
				}
			}
			if got := strings.Join(targets, " "); got != tt.targets {
				t.Errorf("extern calls %q, want %q", got, tt.targets)
			}
		})
	}
}
