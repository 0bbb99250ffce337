package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sebdah/goldie/v2"

	"github.com/fusegen/fusegen"
	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/pt2"
)

// Run renders every case folder under dir (see Load) for each of its
// devices and compares the module with the case's <device>.py.golden
// through goldie: GOLDIE_UPDATE=1 go test rewrites them. gen renders the
// cases without an overlay of their own; a case whose case.json names a
// templates folder gets a generator with that overlay. Each case is also
// rendered a second time, by a fresh generator, and must give the same
// bytes. Use it from a test of your own repository:
//
//	func TestGolden(t *testing.T) {
//		gen, err := fusegen.New()
//		if err != nil {
//			t.Fatal(err)
//		}
//		golden.Run(t, gen, "testdata/golden")
//	}
func Run(t *testing.T, gen *fusegen.Generator, dir string) {
	t.Helper()
	cases, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s: no golden cases", dir)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			g1, err := caseGenerator(gen, c)
			if err != nil {
				t.Fatal(err)
			}
			for _, dev := range c.Devices {
				got, err := render(g1, c, dev)
				if err != nil {
					t.Fatalf("%s on %s: %v", c.Dir, dev, err)
				}
				gd := goldie.New(t, goldie.WithFixtureDir(c.Dir), goldie.WithNameSuffix(".py.golden"))
				gd.Assert(t, dev, got)
				// Identical inputs give identical bytes, from a fresh generator too.
				g2, err := caseGenerator(nil, c)
				if err != nil {
					t.Fatal(err)
				}
				again, err := render(g2, c, dev)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, again) {
					t.Errorf("%s on %s: output differs between two runs", c.Name, dev)
				}
			}
		})
	}
}

// caseGenerator is gen for a case without an overlay (a new generator when
// gen is nil), else one with the case's overlay.
func caseGenerator(gen *fusegen.Generator, c Case) (*fusegen.Generator, error) {
	if c.Templates == "" {
		if gen != nil {
			return gen, nil
		}
		return fusegen.New()
	}
	dir := filepath.Join(c.Dir, c.Templates)
	return fusegen.New(fusegen.WithOverlay(os.DirFS(dir), dir))
}

// render generates a case's module for one device.
func render(gen *fusegen.Generator, c Case, dev string) ([]byte, error) {
	g, err := Decode(c)
	if err != nil {
		return nil, err
	}
	res, err := gen.Generate(g, fusegen.Options{Device: dev, Autotune: c.Autotune})
	if err != nil {
		return nil, err
	}
	return res.Module(), nil
}

// Decode reads a case's graph file, or its torch.export archive.
func Decode(c Case) (*ir.Graph, error) {
	if c.Archive != "" {
		return pt2.Decode(bytes.NewReader(c.Graph), int64(len(c.Graph)), pt2.Options{Specialize: c.Specialize})
	}
	return graphfile.Decode(c.Graph)
}
