// Command variants renders graph files with non-default block-size
// heuristics, for tuning sweeps on the GPU:
//
//	go run ./bench/gpu/variants -persistent-max 8192 -o DIR GRAPH.json...
//
// Each module goes to DIR/<graph name>.py.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fusegen/fusegen"
	"github.com/fusegen/fusegen/heuristics"
)

func main() {
	out := flag.String("o", ".", "output `DIR`")
	var h heuristics.Rules
	flag.Int64Var(&h.PersistentMax, "persistent-max", 0, "longest contiguous row a persistent reduction holds (0: default)")
	flag.Int64Var(&h.LoopedRBlock, "rblock", 0, "R0_BLOCK of looped contiguous reductions (0: default)")
	flag.Int64Var(&h.MaxWarps, "max-warps", 0, "cap on num_warps (0: the device's)")
	flag.Int64Var(&h.PersistentRows, "persistent-rows", 0, "rows per program of persistent reductions over rows of 256 or more (0: default)")
	flag.IntVar(&h.StridedStages, "strided-stages", 0, "num_stages of looped reductions over a strided dimension (0: default)")
	flag.IntVar(&h.ContiguousStages, "contiguous-stages", 0, "num_stages of looped reductions along contiguous rows (0: default)")
	flag.Int64Var(&h.OuterXBlock, "outer-xblock", 0, "XBLOCK of looped reductions over a strided dimension (0: default)")
	flag.BoolVar(&h.NoEvictFirst, "no-evict-first", false, "no evict_first hint on loads that read each element once")
	waves := flag.Int64("split-waves", 0, "programs per multiprocessor split reductions aim at (0: default)")
	flag.Parse()
	gen, err := fusegen.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, "variants:", err)
		os.Exit(2)
	}
	for _, path := range flag.Args() {
		data, err := os.ReadFile(path)
		if err == nil {
			var res *fusegen.Result
			if res, err = gen.GenerateFile(data, fusegen.Options{Heuristics: h, SplitWaves: *waves}); err == nil {
				for name, src := range res.Files {
					err = os.WriteFile(filepath.Join(*out, name), src, 0o644)
				}
			}
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "variants: %s: %v\n", path, err)
			os.Exit(2)
		}
	}
}
