package templates_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/fusegen/fusegen"
	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/templates"
)

// Every entry of the reduction table names defines that exist on every
// device, and every reduction type renders, persistent and looped, the
// same with the compiled evaluator as with text/template.
func TestEveryReductionRenders(t *testing.T) {
	s, err := templates.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, dev := range s.Devices() {
		r, err := s.Device(dev)
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range ir.ReductionTypes() {
			info := rt.Info()
			names := []string{"reduce/identity/" + string(info.Identity)}
			for _, step := range []string{"persistent", "init", "update", "final"} {
				names = append(names, info.Template+"/"+step)
			}
			if info.Combine != "" {
				names = append(names, info.Combine)
			}
			for _, name := range names {
				if !r.Has(name) {
					t.Errorf("%s on %s: no define %q", rt, dev, name)
				}
			}
		}
	}
	gen, err := fusegen.New(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	defer templates.SetFastDisabled(false)
	for _, rt := range ir.ReductionTypes() {
		body := ir.Float32
		for _, dt := range []ir.DType{ir.Float32, ir.Int32, ir.Bool} {
			if rt.Info().Body.Accepts(dt) {
				body = dt
				break
			}
		}
		for _, cols := range []int{100, 50000} { // persistent, looped
			src := fmt.Sprintf(`{"version":1,"name":"r","inputs":[{"name":"x","dtype":%q,"shape":[64,%d]}],`+
				`"nodes":[{"name":"y","kind":"reduction","ranges":[64],"reduction_ranges":[%d],"reduction":%q,`+
				`"body":{"op":"load","buffer":"x","index":["i0","r0"]}}],"outputs":["y"]}`, body, cols, cols, rt)
			run := func(off bool) []byte {
				templates.SetFastDisabled(off)
				g, err := graphfile.Decode([]byte(src))
				if err != nil {
					t.Fatalf("%s over %d: %v", rt, cols, err)
				}
				res, err := gen.Generate(g, fusegen.Options{})
				if err != nil {
					t.Fatalf("%s over %d: %v", rt, cols, err)
				}
				return res.Files[fusegen.ModulePath(g)]
			}
			before := templates.FastBails()
			fast := run(false)
			if n := templates.FastBails() - before; n != 0 {
				t.Errorf("%s over %d: the evaluator gave up %d times", rt, cols, n)
			}
			if slow := run(true); !bytes.Equal(fast, slow) {
				t.Errorf("%s over %d: the evaluator's module differs from text/template's", rt, cols)
			}
		}
	}
}
