// Command lower prints a graph file lowered to raw loop nodes (tensor-op
// nodes expanded), the form bench/gpu/interp.py evaluates:
//
//	go run ./bench/gpu/lower GRAPH.json > LOWERED.json
package main

import (
	"fmt"
	"os"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/ir"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lower GRAPH.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err == nil {
		var g *ir.Graph
		if g, err = graphfile.Read(data); err == nil {
			var out []byte
			if out, err = graphfile.WriteGraph(g); err == nil {
				_, err = os.Stdout.Write(out)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "lower: %s: %v\n", os.Args[1], err)
		os.Exit(2)
	}
}
