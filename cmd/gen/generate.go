package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/fusegen/fusegen"
	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/pt2"
)

const usageText = `usage: gen [flags] GRAPH.json | MODEL.pt2 | -
       gen templates export DIR
       gen devices

flags:
`

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func generateCmd(args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("gen", stderr)
	out := flags.String("o", "", "write the module to `PATH` atomically (default: standard output)")
	device := flags.String("device", "", "device override set `NAME` (default: the graph's device, else cuda)")
	tmplDir := flags.String("templates", "", "overlay `DIR`: its files replace or add templates by relative path")
	check := flags.Bool("check", false, "with -o: write nothing; exit 1 with a diff if PATH is stale")
	explain := flags.Bool("explain", false, "print every fusion decision and its reason to standard error")
	autotune := flags.Bool("autotune", false, "emit @triton.autotune over a small candidate set instead of fixed block sizes")
	specialize := flags.Bool("specialize", false, "for a torch.export archive with symbolic sizes: generate for their hints")
	graphOut := flags.String("graph", "", "write a Graphviz DOT drawing of the kernels to `PATH` (one cluster per kernel; dashed: buffers that stay inside their kernel)")
	flags.Usage = func() {
		fmt.Fprint(stderr, usageText)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err.Error()}
	}
	if flags.NArg() != 1 {
		flags.Usage()
		return usageError{fmt.Sprintf("want exactly one graph file, got %d arguments", flags.NArg())}
	}
	if *check && *out == "" {
		return usageError{"-check needs -o PATH"}
	}
	graphPath := flags.Arg(0)
	gen, err := newGenerator(*tmplDir)
	if err != nil {
		return err
	}
	g, err := readInput(graphPath, stdin, pt2.Options{Specialize: *specialize})
	if err != nil {
		return err
	}
	res, err := gen.Generate(g, fusegen.Options{Device: *device, Heuristics: heuristics.Rules{Autotune: *autotune}})
	if err != nil {
		return fmt.Errorf("%s: %w", graphPath, err)
	}
	if *explain {
		for _, d := range res.Schedule.Decisions {
			fmt.Fprintln(stderr, d)
		}
	}
	module := res.Files[fusegen.ModulePath(g)]
	switch {
	case *check:
		return checkFile(*out, module, stdout)
	case *out != "":
		err = writeOutput(*out, module)
	default:
		_, err = stdout.Write(module)
	}
	// The drawing comes last: a run that failed writes no drawing either.
	if err == nil && *graphOut != "" {
		err = writeOutput(*graphOut, []byte(res.Schedule.DOT()))
	}
	return err
}

func newGenerator(dir string) (*fusegen.Generator, error) {
	if dir == "" {
		return fusegen.New(nil, "")
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("templates overlay: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("templates overlay %s: not a directory", dir)
	}
	return fusegen.New(os.DirFS(dir), dir)
}

// checkFile compares data with path and prints a unified diff when they differ.
func checkFile(path string, data []byte, stdout io.Writer) error {
	old, err := readForCheck(path)
	if err != nil {
		return err
	}
	if bytes.Equal(old, data) {
		return nil
	}
	fmt.Fprint(stdout, unifiedDiff(path+" (on disk)", path+" (generated)", string(old), string(data)))
	return errStale
}

func templatesCmd(args []string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "export" {
		return usageError{"usage: gen templates export DIR"}
	}
	dir := args[1]
	gen, err := fusegen.New(nil, "")
	if err != nil {
		return err
	}
	files := gen.Templates().Files()
	for _, name := range slices.Sorted(maps.Keys(files)) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("export templates: %w", err)
		}
		if err := writeOutput(p, []byte(files[name])); err != nil {
			return fmt.Errorf("export templates: %w", err)
		}
	}
	data := 0
	for name := range files {
		if filepath.Ext(name) == ".json" {
			data++
		}
	}
	fmt.Fprintf(stdout, "wrote %d templates and %d device data files to %s\n", len(files)-data, data, dir)
	return nil
}

func devicesCmd(args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("gen devices", stderr)
	tmplDir := flags.String("templates", "", "overlay `DIR` whose devices/ files add devices")
	if err := flags.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err.Error()}
	}
	if flags.NArg() != 0 {
		return usageError{"usage: gen devices [-templates DIR]"}
	}
	gen, err := newGenerator(*tmplDir)
	if err != nil {
		return err
	}
	for _, d := range gen.Templates().Devices() {
		fmt.Fprintln(stdout, d)
	}
	return nil
}

// unifiedDiff renders the difference between two texts as a unified diff.
func unifiedDiff(fromName, toName, from, to string) string {
	// go-udiff marks a last line without a newline ("\ No newline at end
	// of file"), so that patch applies the diff.
	d, err := udiff.ToUnified(fromName, toName, from, udiff.Lines(from, to), udiff.DefaultContextLines)
	if err != nil {
		return fmt.Sprintf("--- %s\n+++ %s\n(diff failed: %v)\n", fromName, toName, err)
	}
	return d
}
