package fusegen

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/graphfile"
)

// FuzzGenerate checks that every graph the reader accepts also schedules,
// lowers and renders, for cuda and cpu, and renders the same bytes twice;
// the only refusals are a graph name the module reads and an extern op no
// template spells (one line each).
func FuzzGenerate(f *testing.F) {
	seeds, _ := filepath.Glob("golden/testdata/*/graph.json")
	examples, _ := filepath.Glob("examples/*.json")
	for _, p := range append(seeds, examples...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	// Extern calls: a linear, a matmul of a vector, and a raw extern node.
	f.Add([]byte(`{"version":1,"name":"m","inputs":[{"name":"x","dtype":"float32","shape":[2,3,4]},{"name":"w","dtype":"float32","shape":[5,4]}],"nodes":[{"name":"y","op":"linear","args":["x","w"]},{"name":"z","op":"matmul","args":["x","v"]},{"name":"v","op":"select","args":["w"],"dim":0,"index":1}],"outputs":["y","z"]}`))
	f.Add([]byte(`{"version":1,"name":"e","inputs":[{"name":"a","dtype":"float32","shape":[4,3]},{"name":"b","dtype":"float32","shape":[3,2]}],"nodes":[{"name":"y","kind":"extern","dtype":"float32","ranges":[4,2],"call":{"target":"nope","args":[{"buffer":"a","shape":[4,3],"strides":[3,1]},{"buffer":"b","shape":[3,2],"strides":[2,1]}]}}],"outputs":["y"]}`))
	// An input named after a name call() reads.
	f.Add([]byte(`{"version":1,"name":"g","inputs":[{"name":"torch","dtype":"float32","shape":[4]}],"nodes":[{"name":"y","op":"neg","args":["torch"]}],"outputs":["y"]}`))
	gen, err := New(nil, "")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := graphfile.Read(data); err != nil {
			return
		}
		for _, dev := range []string{"cuda", "cpu"} {
			a, err := gen.GenerateFile(data, Options{Device: dev})
			if err != nil && (strings.Contains(err.Error(), "reserved by") || strings.Contains(err.Error(), "no template defines extern/")) && !strings.Contains(err.Error(), "\n") {
				return // a graph name the module reads, an extern op no template spells: refused in one line
			}
			if err != nil {
				t.Fatalf("a valid graph failed to generate for %s: %v", dev, err)
			}
			b, err := gen.GenerateFile(data, Options{Device: dev})
			if err != nil {
				t.Fatal(err)
			}
			for name, src := range a.Files {
				if !bytes.Equal(src, b.Files[name]) {
					t.Fatalf("%s: two generations differ", name)
				}
			}
		}
	})
}
