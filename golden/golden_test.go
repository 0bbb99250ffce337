package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sebdah/goldie/v2"

	"github.com/fusegen/fusegen"
	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/pt2"
)

// decode reads a case's graph file, or its archive.
func decode(c Case) (*ir.Graph, error) {
	if c.Archive != "" {
		return pt2.Decode(bytes.NewReader(c.Graph), int64(len(c.Graph)), pt2.Options{Specialize: c.Specialize})
	}
	return graphfile.Decode(c.Graph)
}

func TestGolden(t *testing.T) {
	cases, err := Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 12 {
		t.Fatalf("want at least 12 golden cases, found %d", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			gen, err := generator(c)
			if err != nil {
				t.Fatal(err)
			}
			for _, dev := range c.Devices {
				g, err := decode(c)
				if err != nil {
					t.Fatalf("%s: %v", c.Dir, err)
				}
				res, err := gen.Generate(g, fusegen.Options{Device: dev, Heuristics: heuristics.Rules{Autotune: c.Autotune}})
				if err != nil {
					t.Fatalf("%s/graph.json on %s: %v", c.Dir, dev, err)
				}
				got := res.Files[fusegen.ModulePath(g)]
				gd := goldie.New(t, goldie.WithFixtureDir(c.Dir), goldie.WithNameSuffix(".py.golden"))
				gd.Assert(t, dev, got)

				// Identical inputs give identical bytes, from a fresh generator too.
				again, err := generator(c)
				if err != nil {
					t.Fatal(err)
				}
				g2, _ := decode(c)
				res2, err := again.Generate(g2, fusegen.Options{Device: dev, Heuristics: heuristics.Rules{Autotune: c.Autotune}})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, res2.Files[fusegen.ModulePath(g2)]) {
					t.Errorf("%s on %s: output differs between two runs", c.Name, dev)
				}
			}
		})
	}
}

func generator(c Case) (*fusegen.Generator, error) {
	if c.Templates == "" {
		return fusegen.New()
	}
	dir := filepath.Join(c.Dir, c.Templates)
	return fusegen.New(fusegen.WithOverlay(os.DirFS(dir), dir))
}
