package fusegen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/internal/randgraph"
)

// BenchmarkWorkloads measures fusegen's generation time for each workload of
// examples/*.json: decode the graph file, validate, schedule and render the
// module, all in memory (the templates are parsed once, outside the timer, as
// a long-lived generator or `go generate` process would). bench/gpu/bench.sh
// runs it and hands ns/op per workload to bench/gpu/bench.py, which sets it
// beside Inductor's own codegen time.
func BenchmarkWorkloads(b *testing.B) {
	paths, err := filepath.Glob("examples/*.json")
	if err != nil {
		b.Fatal(err)
	}
	if len(paths) == 0 {
		b.Fatal("no examples/*.json")
	}
	gen, err := New()
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			if _, err := gen.GenerateFile(data, Options{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				g, err := graphfile.Decode(data)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := gen.Generate(g, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestWriteRandomGraph writes the 10,000-node graph of BenchmarkGenerateRandom
// as a graph file to $FUSEGEN_RANDOM_GRAPH, for timing the gen command on it
// (whole process): FUSEGEN_RANDOM_GRAPH=/tmp/g.json go test -run
// TestWriteRandomGraph . && time gen -o /tmp/g.py /tmp/g.json. Skipped
// without the variable.
func TestWriteRandomGraph(t *testing.T) {
	out := os.Getenv("FUSEGEN_RANDOM_GRAPH")
	if out == "" {
		t.Skip("FUSEGEN_RANDOM_GRAPH not set")
	}
	data, err := graphfile.WriteGraph(randgraph.Generate(42, 10000, 64, 64))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
