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
// the only refusal is a graph name the module reads (one line).
func FuzzGenerate(f *testing.F) {
	seeds, _ := filepath.Glob("golden/testdata/*/graph.json")
	examples, _ := filepath.Glob("examples/*.json")
	for _, p := range append(seeds, examples...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
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
			if err != nil && strings.Contains(err.Error(), "reserved by") && !strings.Contains(err.Error(), "\n") {
				return // a graph name the device's module reads: refused in one line
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
