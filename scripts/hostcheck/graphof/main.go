// Command graphof writes the graph file of a torch.export archive, as the
// importer lowers it, for scripts/hostcheck/check.py, which reads a graph's
// symbols and input shapes from one (scripts/check_python.sh runs it on the
// golden cases of archives with symbolic sizes).
//
// Usage: go run ./scripts/hostcheck/graphof ARCHIVE.pt2 OUT.json
package main

import (
	"fmt"
	"os"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/pt2"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: graphof ARCHIVE.pt2 OUT.json")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "graphof:", err)
		os.Exit(1)
	}
}

func run(archive, out string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	g, err := pt2.Decode(f, info.Size(), pt2.Options{})
	if err != nil {
		return fmt.Errorf("%s: %w", archive, err)
	}
	data, err := graphfile.WriteGraph(g)
	if err != nil {
		return fmt.Errorf("%s: %w", archive, err)
	}
	return os.WriteFile(out, data, 0o644)
}
