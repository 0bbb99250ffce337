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
// device, and every reduction type renders, persistent and looped.
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
	gen, err := fusegen.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range ir.ReductionTypes() {
		body := ir.Float32
		for _, dt := range []ir.DType{ir.Float32, ir.Int32, ir.Bool} {
			if rt.Info().Body.Accepts(dt) {
				body = dt
				break
			}
		}
		for _, c := range []struct {
			cols int
			kind string
		}{{100, "triton_per_"}, {50000, "triton_red_"}} {
			src := fmt.Sprintf(`{"version":1,"name":"r","inputs":[{"name":"x","dtype":%q,"shape":[64,%d]}],`+
				`"nodes":[{"name":"y","kind":"reduction","ranges":[64],"reduction_ranges":[%d],"reduction":%q,`+
				`"body":{"op":"load","buffer":"x","index":["i0","r0"]}}],"outputs":["y"]}`, body, c.cols, c.cols, rt)
			g, err := graphfile.Decode([]byte(src))
			if err != nil {
				t.Fatalf("%s over %d: %v", rt, c.cols, err)
			}
			res, err := gen.Generate(g, fusegen.Options{})
			if err != nil {
				t.Fatalf("%s over %d: %v", rt, c.cols, err)
			}
			if mod := res.Files[fusegen.ModulePath(g)]; !bytes.Contains(mod, []byte("def "+c.kind)) {
				t.Errorf("%s over %d: no %s kernel in\n%s", rt, c.cols, c.kind, mod)
			}
		}
	}
}
