// Command lower prints a graph file, or a torch.export archive as the
// importer reads it (without -specialize), lowered to raw loop nodes
// (tensor-op nodes expanded): the form bench/gpu/interp.py evaluates, and
// whose symbols and input shapes scripts/hostcheck/check.py reads.
//
//	go run ./bench/gpu/lower GRAPH.json | MODEL.pt2 > LOWERED.json
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/pt2"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lower GRAPH.json | MODEL.pt2")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err == nil {
		var g *ir.Graph
		if g, err = decode(data); err == nil {
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

func decode(data []byte) (*ir.Graph, error) {
	if pt2.IsArchive(data) {
		return pt2.Decode(bytes.NewReader(data), int64(len(data)), pt2.Options{})
	}
	return graphfile.Read(data)
}
