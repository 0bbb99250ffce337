// Package fusegen generates a Python module of Triton kernels and their host
// wrapper from a graph of loop nodes. Generate is pure: it reads no files,
// keeps no global state, and may be called from many goroutines at once.
package fusegen

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/fusegen/fusegen/fusion"
	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/kernel"
	"github.com/fusegen/fusegen/overrides"
	"github.com/fusegen/fusegen/templates"
	"github.com/fusegen/fusegen/wrapper"
)

// Generator renders graphs with one parsed template set.
type Generator struct {
	set   *templates.Set
	facts sync.Map // device type -> *deviceFacts, read once
}

// deviceFacts are what the conductor reads from a device's templates before
// rendering: the names a graph may not take, and the names kernels give
// their flat indices and masks.
type deviceFacts struct {
	reserved []templates.ReservedName
	names    kernel.Names
}

// deviceFacts reads a device's facts once.
func (gen *Generator) deviceFacts(r *templates.Renderer) (*deviceFacts, error) {
	if f, ok := gen.facts.Load(r.Device); ok {
		return f.(*deviceFacts), nil
	}
	reserved, err := r.ReservedNames()
	if err != nil {
		return nil, err
	}
	names, err := kernelNames(r)
	if err != nil {
		return nil, err
	}
	f, _ := gen.facts.LoadOrStore(r.Device, &deviceFacts{reserved: reserved, names: names})
	return f.(*deviceFacts), nil
}

// GeneratorOption configures New.
type GeneratorOption func(*generatorConfig)

type generatorConfig struct {
	overlay     fs.FS
	overlayName string
}

// WithOverlay lays the templates of fsys over the embedded ones (a file
// replaces the embedded one of the same relative path, or adds a device);
// name names it in error messages (its folder, say).
func WithOverlay(fsys fs.FS, name string) GeneratorOption {
	return func(c *generatorConfig) { c.overlay, c.overlayName = fsys, name }
}

// New parses the embedded templates, with the options' overlay on top.
func New(opts ...GeneratorOption) (*Generator, error) {
	var c generatorConfig
	for _, o := range opts {
		o(&c)
	}
	set, err := templates.Load(c.overlay, c.overlayName)
	if err != nil {
		return nil, err
	}
	return &Generator{set: set}, nil
}

// Templates returns the parsed template set.
func (gen *Generator) Templates() *templates.Set { return gen.set }

// Device returns a device's data (overlay applied): the numbers block-size
// heuristics read, the benchmark's event and synchronize, and the fusion
// switches. The name is a device type ("cuda"), without an index.
func (gen *Generator) Device(name string) (overrides.Properties, error) {
	return gen.set.Properties(name)
}

// Options tune one generation.
type Options struct {
	// Device overrides the graph's device ("cuda", "cuda:1", "cpu", or any
	// device with an override template). Empty keeps the graph's device.
	Device string
	// Heuristics override the block-size rules; zero fields keep the
	// defaults (MaxWarps defaults to the device's threads per block over its
	// warp size). For experiments and tuning.
	Heuristics heuristics.Rules
	// SplitWaves is how many programs per multiprocessor a split reduction
	// aims at (0: the default, 4). For experiments and tuning.
	SplitWaves int64
	// Autotune emits @triton.autotune over a few candidate block sizes
	// instead of fixed ones (as Heuristics.Autotune does).
	Autotune bool
}

// Result is what one generation produced.
type Result struct {
	Files    map[string][]byte // relative path -> content
	Schedule *fusion.Schedule
	module   string // the module's path in Files
}

// Module returns the generated Python module.
func (r *Result) Module() []byte { return r.Files[r.module] }

// ModulePath is the file name of the module generated for a graph.
func ModulePath(g *ir.Graph) string { return g.Name + ".py" }

// Generate validates g, schedules it and renders the module. The graph is
// not modified except for the dtypes validation infers.
func (gen *Generator) Generate(g *ir.Graph, opts Options) (*Result, error) {
	if g == nil {
		return nil, errors.New("fusegen: Generate needs a graph, got nil")
	}
	if opts.Autotune {
		opts.Heuristics.Autotune = true
	}
	if opts.Device != "" {
		if err := ir.ParseDevice(opts.Device); err != nil {
			return nil, err
		}
		gc := *g
		gc.Device = opts.Device
		g = &gc
	}
	if err := ir.Validate(g); err != nil {
		return nil, err
	}
	r, err := gen.set.Device(g.DeviceType())
	if err != nil {
		if errors.Is(err, templates.ErrUnknownDevice) && opts.Device == "" {
			return nil, &ir.Error{Path: "device", Msg: err.Error()} // the graph's own field
		}
		return nil, err
	}
	facts, err := gen.deviceFacts(r)
	if err != nil {
		return nil, err
	}
	if err := checkReserved(g, facts.reserved); err != nil {
		return nil, err
	}
	if err := checkExternTargets(g, r); err != nil {
		return nil, err
	}
	// The device's data says which fusions its backend allows, as the test
	// extension backend's can_fuse_vertical / can_fuse_horizontal do.
	props := r.Properties
	sched, err := fusion.Plan(g, fusion.Options{NoVertical: !props.CanFuseVertical, NoHorizontal: !props.CanFuseHorizontal,
		MultiProcessors: props.MultiProcessors, SplitWaves: opts.SplitWaves})
	if err != nil {
		return nil, err
	}
	h := opts.Heuristics
	if h.MaxWarps == 0 {
		h.MaxWarps = heuristics.MaxWarps(props.MaxThreadsPerBlock, props.WarpSize)
	}
	if h.MultiProcessors == 0 {
		h.MultiProcessors = int64(props.MultiProcessors)
	}
	kernels, err := kernel.Build(sched, h, facts.names)
	if err != nil {
		return nil, err
	}
	mod, err := wrapper.Build(sched, kernels)
	if err != nil {
		return nil, err
	}
	for _, k := range mod.Kernels { // the Triton kernels; extern calls are steps of call()
		for _, form := range []*kernel.Kernel{k.Short, k} { // a looped reduction's persistent form first
			if form == nil {
				continue
			}
			src, err := r.Execute("triton/kernel", form)
			if err != nil {
				return nil, err
			}
			mod.KernelSources = append(mod.KernelSources, src)
		}
	}
	helpers, err := r.Helpers(mod.KernelSources)
	if err != nil {
		return nil, err
	}
	mod.HelperSources = helpers
	var out []byte
	if err := r.ExecuteFunc("module.tmpl", mod, func(b []byte) { out = templates.WrapLines(templates.Tidy(b)) }); err != nil {
		return nil, err
	}
	return &Result{Files: map[string][]byte{ModulePath(g): out}, Schedule: sched, module: ModulePath(g)}, nil
}

// checkReserved refuses a graph name that the device's templates reserve
// (templates.Renderer.ReservedNames): every graph name is a local variable
// of call(), so none may be a name call() reads. The error names the input
// or node as ir.Validate's do.
func checkReserved(g *ir.Graph, words []templates.ReservedName) error {
	for _, p := range ir.NamePlaces(g) {
		for _, w := range words {
			if !w.Reserves(p.Name) {
				continue
			}
			why := "is a Python keyword or a name call() reads"
			if prefix, ok := strings.CutSuffix(w.Word, "*"); ok {
				why = "takes a prefix (" + prefix + ") of names call() reads"
			}
			what := fmt.Sprintf("name %q", p.Name)
			if p.Op != "" {
				what = fmt.Sprintf("lowering %s makes a node named %q, which", p.Op, p.Name)
			}
			return &ir.Error{Path: p.Path, Msg: fmt.Sprintf("%s %s (reserved by %s in %s)", what, why, w.Template, w.File)}
		}
	}
	return nil
}

// checkExternTargets refuses an extern node whose target no template
// spells (extern/<target>), naming the node as ir.Validate does.
func checkExternTargets(g *ir.Graph, r *templates.Renderer) error {
	for _, n := range g.Nodes {
		if n.Kind != ir.Extern {
			continue
		}
		define := kernel.ExternDefine(n.Call)
		if r.Has(define) {
			continue
		}
		path := n.Name
		for _, p := range ir.NamePlaces(g) {
			if p.Name == n.Name {
				path = p.Path
			}
		}
		return &ir.Error{Path: path, Msg: fmt.Sprintf("extern op %q: no template defines %s for device %s (wrapper/extern.tmpl or the device file spells each extern op)", n.Call.Target, define, r.Device)}
	}
	return nil
}

// kernelNames reads the target's names of a kernel's flat indices and
// masks from the templates (triton/names.tmpl).
func kernelNames(r *templates.Renderer) (kernel.Names, error) {
	var n kernel.Names
	for _, f := range []struct {
		name string
		to   *string
	}{{"x", &n.X}, {"y", &n.Y}, {"r", &n.R}, {"xmask", &n.XMask}, {"tile_mask", &n.TileMask}, {"row_mask", &n.RowMask},
		{"size_prefix", &n.SizePrefix}, {"xnumel", &n.XNumel}, {"rnumel", &n.RNumel}} {
		s, err := r.Execute("triton/name/"+f.name, nil)
		if err != nil {
			return n, err
		}
		*f.to = strings.TrimSpace(s)
	}
	return n, nil
}

// GenerateFile is a shorthand: read a graph file's bytes and generate.
func (gen *Generator) GenerateFile(data []byte, opts Options) (*Result, error) {
	g, err := graphfile.Decode(data)
	if err != nil {
		return nil, err
	}
	return gen.Generate(g, opts)
}
