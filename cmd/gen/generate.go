package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/fusegen/fusegen"
	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/pt2"
)

const usageText = `usage: gen [flags] GRAPH.json | MODEL.pt2 | - ...   (flags may follow the graphs;
                                                   several graphs: -o DIR, one module each)
       gen help
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
	out := flags.String("o", "", "write the module to `PATH` (default: standard output); with several graphs, a folder")
	device := flags.String("device", "", "device override set `NAME` (default: the graph's device, else cuda)")
	tmplDir := flags.String("templates", "", "overlay `DIR`: its files replace or add templates by relative path")
	check := flags.Bool("check", false, "with -o: write nothing; exit 1 with a diff if PATH is stale")
	explain := flags.Bool("explain", false, "print every fusion decision and its reason to standard error")
	autotune := flags.Bool("autotune", false, "emit @triton.autotune over a small candidate set instead of fixed block sizes")
	specialize := flags.Bool("specialize", false, "for a torch.export archive with symbolic sizes: generate for their hints")
	graphOut := flags.String("graph", "", "write a Graphviz DOT drawing of the kernels to `PATH` (one cluster per kernel; dashed: buffers that stay inside their kernel)")
	version := flags.Bool("version", false, "print gen's version and exit")
	flags.Usage = func() {
		fmt.Fprint(stderr, usageText)
		flags.PrintDefaults()
	}
	// Flags may come before or after the graphs.
	var graphs []string
	rest := args
	for {
		if err := flags.Parse(rest); err != nil {
			if err == flag.ErrHelp {
				return err
			}
			return usageError{err.Error()}
		}
		rest = flags.Args()
		if len(rest) == 0 {
			break
		}
		graphs = append(graphs, rest[0])
		rest = rest[1:]
	}
	if *version {
		fmt.Fprintln(stdout, versionLine())
		return nil
	}
	switch {
	case len(graphs) == 0:
		flags.Usage()
		return usageError{"want a graph file or an archive (or - for standard input)"}
	case *check && *out == "":
		return usageError{"-check needs -o PATH"}
	case len(graphs) > 1 && *out == "":
		return usageError{fmt.Sprintf("%d graphs: -o names the folder their modules go to", len(graphs))}
	case len(graphs) > 1 && *graphOut != "":
		return usageError{"-graph draws one graph's kernels; give one graph with it"}
	}
	gen, err := newGenerator(*tmplDir)
	if err != nil {
		return err
	}
	opts := fusegen.Options{Device: *device, Heuristics: heuristics.Rules{Autotune: *autotune}}
	// Every module is generated before anything is written: a bad graph
	// among several writes nothing.
	type module struct {
		path string // where it goes ("" for standard output)
		data []byte
		res  *fusegen.Result
	}
	var modules []module
	seen := map[string]string{}
	for _, graphPath := range graphs {
		g, err := readInput(graphPath, stdin, pt2.Options{Specialize: *specialize})
		if err != nil {
			return err
		}
		res, err := gen.Generate(g, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", graphPath, err)
		}
		if *explain {
			for _, d := range res.Schedule.Decisions {
				fmt.Fprintln(stderr, d)
			}
		}
		m := module{path: *out, data: res.Module(), res: res}
		if len(graphs) > 1 {
			m.path = filepath.Join(*out, fusegen.ModulePath(g))
			if prev, ok := seen[m.path]; ok {
				return fmt.Errorf("%s and %s both make %s (graphs named %q)", prev, graphPath, m.path, g.Name)
			}
			seen[m.path] = graphPath
		}
		modules = append(modules, m)
	}
	if len(graphs) > 1 && !*check {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return fmt.Errorf("write %s: %w", *out, err)
		}
	}
	stale := false
	for _, m := range modules {
		switch {
		case *check:
			if err := checkFile(m.path, m.data, stdout); err == errStale {
				stale = true
			} else if err != nil {
				return err
			}
		case m.path != "":
			err = writeOutput(m.path, m.data)
		default:
			_, err = stdout.Write(m.data)
		}
		if err != nil {
			return err
		}
	}
	if stale {
		return errStale
	}
	// The drawing comes last: a run that failed writes no drawing either.
	if *graphOut != "" && !*check {
		return writeOutput(*graphOut, []byte(modules[0].res.Schedule.DOT()))
	}
	return nil
}

// versionLine is what gen -version prints: the module version and the
// commit it was built from, from the build information.
func versionLine() string {
	v, rev, dirty := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	line := "gen " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		line += " " + rev
		if dirty {
			line += " (modified)"
		}
	}
	return line + " " + runtime.Version()
}

func newGenerator(dir string) (*fusegen.Generator, error) {
	if dir == "" {
		return fusegen.New()
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("templates overlay: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("templates overlay %s: not a directory", dir)
	}
	return fusegen.New(fusegen.WithOverlay(os.DirFS(dir), dir))
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
	gen, err := fusegen.New()
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
