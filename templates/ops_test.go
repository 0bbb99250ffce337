package templates_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/templates"
)

// opsFile is the template file that spells each IR op.
const opsFile = "triton/ops.tmpl"

// TestEveryIROpHasATemplate: templates/triton/ops.tmpl defines op/<name>
// for every IR op a kernel statement computes (ir.Ops() but load, constant
// and index, which kernels spell themselves), and nothing else.
func TestEveryIROpHasATemplate(t *testing.T) {
	s, err := templates.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	src, ok := s.Files()[opsFile]
	if !ok {
		t.Fatalf("no template file %s", opsFile)
	}
	var defined []string
	for _, m := range regexp.MustCompile(`\{\{-?\s*define\s+"op/([^"]+)"`).FindAllStringSubmatch(src, -1) {
		defined = append(defined, m[1])
	}
	var want []string
	for _, op := range ir.Ops() {
		switch op {
		case ir.OpLoad, ir.OpConstant, ir.OpIndex:
			continue
		}
		want = append(want, string(op))
		if !slices.Contains(defined, string(op)) {
			t.Errorf("IR op %q has no template: add {{- define \"op/%s\"}}...{{end}} to templates/%s", op, op, opsFile)
		}
	}
	for _, d := range defined {
		if !slices.Contains(want, d) {
			t.Errorf("templates/%s defines op/%s, which is not an IR op (ir.OpTable)", opsFile, d)
		}
	}
}
