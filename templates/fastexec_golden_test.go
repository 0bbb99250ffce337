package templates_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/fusegen/fusegen"
	"github.com/fusegen/fusegen/golden"
	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/templates"
)

// Every golden case (overlays included) and every example renders the same
// bytes with the compiled evaluator as with text/template alone, for every
// device, and the evaluator never gives up on them.
func TestFastMatchesGoldenCases(t *testing.T) {
	cases, err := golden.Load("../golden/testdata")
	if err != nil {
		t.Fatal(err)
	}
	examples, err := filepath.Glob("../examples/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range examples {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, golden.Case{Name: filepath.Base(path), Graph: data, Devices: []string{"cuda", "cpu", "xpu", "mtia", "mps"}})
	}
	if len(cases) < 20 {
		t.Fatalf("found %d cases", len(cases))
	}
	defer templates.SetFastDisabled(false)
	for _, c := range cases {
		var gen *fusegen.Generator
		if c.Templates == "" {
			gen, err = fusegen.New(nil, "")
		} else {
			dir := filepath.Join(c.Dir, c.Templates)
			gen, err = fusegen.New(os.DirFS(dir), dir)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, dev := range c.Devices {
			for _, autotune := range []bool{false, true} {
				run := func(off bool) ([]byte, string) {
					templates.SetFastDisabled(off)
					g, err := graphfile.Decode(c.Graph)
					if err != nil {
						t.Fatalf("%s: %v", c.Name, err)
					}
					res, err := gen.Generate(g, fusegen.Options{Device: dev, Heuristics: heuristics.Rules{Autotune: autotune || c.Autotune}})
					if err != nil {
						return nil, err.Error()
					}
					return res.Files[fusegen.ModulePath(g)], ""
				}
				before := templates.FastBails()
				fast, fastErr := run(false)
				if n := templates.FastBails() - before; n != 0 && fastErr == "" {
					t.Errorf("%s on %s: the evaluator gave up %d times", c.Name, dev, n)
				}
				slow, slowErr := run(true)
				if !bytes.Equal(fast, slow) || fastErr != slowErr {
					t.Errorf("%s on %s (autotune %v): the evaluator's module differs from text/template's (errors %q, %q)", c.Name, dev, autotune, fastErr, slowErr)
				}
			}
		}
	}
}
