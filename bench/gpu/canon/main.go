// Command canon rewrites graph files in place in canonical form (what
// graphfile.Write writes: op nodes stay op nodes), validating them on the way.
package main

import (
	"fmt"
	"os"

	"github.com/fusegen/fusegen/graphfile"
)

func main() {
	status := 0
	for _, path := range os.Args[1:] {
		if err := canon(path); err != nil {
			fmt.Fprintf(os.Stderr, "canon: %s: %v\n", path, err)
			status = 2
		}
	}
	os.Exit(status)
}

func canon(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	p, err := graphfile.ReadProgram(data)
	if err != nil {
		return err
	}
	out, err := graphfile.Write(p)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}
