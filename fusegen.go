// Package fusegen generates a Python module of Triton kernels and their host
// wrapper from a graph of loop nodes. Generate is pure: it reads no files,
// keeps no global state, and may be called from many goroutines at once.
package fusegen

import (
	"bytes"
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
	set      *templates.Set
	reserved sync.Map // device type -> []templates.ReservedName, read once
}

// New parses the embedded templates, with overlay (may be nil) on top.
// overlayName names the overlay in error messages.
func New(overlay fs.FS, overlayName string) (*Generator, error) {
	set, err := templates.Load(overlay, overlayName)
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
}

// Result is what one generation produced.
type Result struct {
	Files    map[string][]byte // relative path -> content
	Schedule *fusion.Schedule
}

// ModulePath is the file name of the module generated for a graph.
func ModulePath(g *ir.Graph) string { return g.Name + ".py" }

// Generate validates g, schedules it and renders the module. The graph is
// not modified except for the dtypes validation infers.
func (gen *Generator) Generate(g *ir.Graph, opts Options) (*Result, error) {
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
		return nil, err
	}
	if err := gen.checkReserved(g, r); err != nil {
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
	names, err := kernelNames(r)
	if err != nil {
		return nil, err
	}
	kernels, err := kernel.Build(sched, h, names)
	if err != nil {
		return nil, err
	}
	mod, err := wrapper.Build(sched, kernels)
	if err != nil {
		return nil, err
	}
	for _, k := range kernels {
		src, err := r.Execute("triton/kernel", k)
		if err != nil {
			return nil, err
		}
		mod.KernelSources = append(mod.KernelSources, src)
	}
	helpers, err := helperSources(r, mod.KernelSources)
	if err != nil {
		return nil, err
	}
	mod.HelperSources = helpers
	var out []byte
	if err := r.ExecuteFunc("module.tmpl", mod, func(b []byte) { out = tidy(b) }); err != nil {
		return nil, err
	}
	return &Result{Files: map[string][]byte{ModulePath(g): out}, Schedule: sched}, nil
}

// checkReserved refuses a graph name that the device's templates reserve
// (templates.Renderer.ReservedNames, read once per device): every graph
// name is a local variable of call(), so none may be a name call() reads.
// The error names the input or node as ir.Validate's do.
func (gen *Generator) checkReserved(g *ir.Graph, r *templates.Renderer) error {
	cached, ok := gen.reserved.Load(r.Device)
	if !ok {
		words, err := r.ReservedNames()
		if err != nil {
			return err
		}
		cached, _ = gen.reserved.LoadOrStore(r.Device, words)
	}
	words := cached.([]templates.ReservedName)
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

// kernelNames reads the target's names of a kernel's flat indices and
// masks from the templates (triton/names.tmpl).
func kernelNames(r *templates.Renderer) (kernel.Names, error) {
	var n kernel.Names
	for _, f := range []struct {
		name string
		to   *string
	}{{"x", &n.X}, {"y", &n.Y}, {"r", &n.R}, {"xmask", &n.XMask}, {"tile_mask", &n.TileMask}, {"row_mask", &n.RowMask}} {
		s, err := r.Execute("triton/name/"+f.name, nil)
		if err != nil {
			return n, err
		}
		*f.to = strings.TrimSpace(s)
	}
	return n, nil
}

// helperSources renders the helper functions that the kernels (or other
// helpers) call, found by name: template "helper/NAME" defines NAME. They come
// out in name order, so the module is the same whatever the kernels' order.
func helperSources(r *templates.Renderer, kernels []string) ([]string, error) {
	var names []string
	for _, t := range r.Defined("helper/") {
		names = append(names, strings.TrimPrefix(t, "helper/"))
	}
	m := newMentionSet(names)
	for _, k := range kernels {
		m.scan(k)
	}
	used := map[string]string{}
	for changed := true; changed; {
		changed = false
		for i, name := range names {
			if _, ok := used[name]; ok || !m.mentioned(i) {
				continue
			}
			src, err := r.Execute("helper/"+name, nil)
			if err != nil {
				return nil, err
			}
			used[name] = strings.TrimSpace(src)
			m.scan(src)
			changed = true
		}
	}
	var out []string
	for _, name := range names { // Defined is sorted
		if src, ok := used[name]; ok {
			out = append(out, src)
		}
	}
	return out, nil
}

// mentionSet records which of some names the texts scanned so far mention
// as whole identifiers (see mentions). A name made of identifier bytes is
// mentioned exactly where it is a maximal run of identifier bytes, so one
// pass over each text finds them all; other names are searched for with
// mentions in every text.
type mentionSet struct {
	names []string
	index map[string]int // identifier names -> position in names
	found []bool
	texts []string // kept for the names that are not identifiers
	other bool
	// A run is looked up only when its length and first byte are those of
	// some identifier name.
	minLen, maxLen int
	first          [256]bool
}

func newMentionSet(names []string) *mentionSet {
	m := &mentionSet{names: names, index: make(map[string]int, len(names)), found: make([]bool, len(names))}
	for i, name := range names {
		ident := name != ""
		for j := 0; j < len(name); j++ {
			ident = ident && isIdentByte(name[j])
		}
		if ident {
			m.index[name] = i
			if len(m.index) == 1 || len(name) < m.minLen {
				m.minLen = len(name)
			}
			m.maxLen = max(m.maxLen, len(name))
			m.first[name[0]] = true
		} else {
			m.other = true
		}
	}
	return m
}

func (m *mentionSet) scan(text string) {
	if m.other {
		m.texts = append(m.texts, text)
	}
	for i := 0; i < len(text); {
		if !isIdentByte(text[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && isIdentByte(text[j]) {
			j++
		}
		if n := j - i; n >= m.minLen && n <= m.maxLen && m.first[text[i]] {
			if k, ok := m.index[text[i:j]]; ok {
				m.found[k] = true
			}
		}
		i = j
	}
}

func (m *mentionSet) mentioned(i int) bool {
	if m.found[i] {
		return true
	}
	if _, ident := m.index[m.names[i]]; ident {
		return false
	}
	for _, t := range m.texts {
		if mentions(t, m.names[i]) {
			return true
		}
	}
	return false
}

// mentions reports whether name occurs in text as a whole identifier (a
// call, or a combine function passed to tl.reduce).
func mentions(text, name string) bool {
	if name == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		if (start == 0 || !isIdentByte(text[start-1])) && (end == len(text) || !isIdentByte(text[end])) {
			return true
		}
		i = end
	}
}

func isIdentByte(c byte) bool { return identBytes[c] }

var identBytes = func() (t [256]bool) {
	for c := range t {
		t[c] = c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	return t
}()

// tidy strips trailing spaces, collapses runs of more than two blank lines and
// ends the file with exactly one newline.
func tidy(s []byte) []byte {
	b := make([]byte, 0, len(s)+1) // lines shrink, and there is one newline more at most
	blank := 0
	for {
		l, rest, more := bytes.Cut(s, []byte("\n"))
		for len(l) > 0 && (l[len(l)-1] == ' ' || l[len(l)-1] == '\t' || l[len(l)-1] == '\r') {
			l = l[:len(l)-1]
		}
		if len(l) == 0 {
			blank++
		} else {
			blank = 0
		}
		if blank <= 2 {
			b = append(append(b, l...), '\n')
		}
		if !more {
			break
		}
		s = rest
	}
	for len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	return append(b, '\n')
}

// GenerateFile is a shorthand: read a graph file's bytes and generate.
func (gen *Generator) GenerateFile(data []byte, opts Options) (*Result, error) {
	g, err := graphfile.Decode(data)
	if err != nil {
		return nil, err
	}
	res, err := gen.Generate(g, opts)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return res, nil
}
