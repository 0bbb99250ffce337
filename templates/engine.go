// Package templates holds every template fusegen renders (embedded, named by
// relative path), the engine that loads them with a user overlay and renders
// them per device, and the kernel view models the templates receive.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"

	"github.com/fusegen/fusegen/kernel"
	"github.com/fusegen/fusegen/overrides"
)

//go:embed module.tmpl triton wrapper
var embedded embed.FS

// Embedded returns the built-in template files (the device files are in
// package overrides).
func Embedded() fs.FS { return embedded }

// DeviceDir is the folder whose files define the device override sets.
const DeviceDir = overrides.Dir

// Set is a parsed set of templates: the embedded ones with an optional
// overlay. It is immutable after Load and safe for concurrent use; each
// device's templates are cloned from the base once, on first use.
type Set struct {
	files    map[string]string // relative path -> source, overlay applied (device files excluded)
	origin   map[string]string // relative path -> how errors name it
	registry *overrides.Registry
	base     *template.Template
	definer  map[string]string // template name -> the file that defines it
	// parsed holds each file parsed on its own, by relative path (device
	// files by devices/<name>.tmpl): its trees go into base (or a device's
	// clone of it), so that every file is parsed once.
	parsed map[string]*template.Template
	proto  *template.Template // an empty template with the function map, cloned to parse a file on its own
	// overlaid: an overlay was loaded, whose templates may loop or run
	// long; its renderers execute under ExecDeadline.
	overlaid bool
	mu       sync.Mutex
	devices  map[string]*Renderer
}

// Load parses the embedded templates with overlay on top. A file in overlay
// replaces the embedded file of the same relative path; devices/<name>.tmpl
// and devices/<name>.json replace or add a device set. Any other file is an
// error (a typo must not be silently ignored), as is an empty file, a
// replacing file that no longer defines a template the embedded one
// defines, and a template defined in two files. Names starting with "."
// are skipped. overlayName names the overlay in errors (the folder given
// to -templates).
func Load(overlay fs.FS, overlayName string) (*Set, error) {
	return load(embedded, overlay, overlayName)
}

// load is Load with the built-in templates given (tests break them).
func load(builtin fs.FS, overlay fs.FS, overlayName string) (*Set, error) {
	s := &Set{files: map[string]string{}, origin: map[string]string{}, devices: map[string]*Renderer{}, definer: map[string]string{},
		parsed: map[string]*template.Template{}, proto: template.New("").Funcs(funcMap())}
	if overlay != nil && overlayName == "" {
		overlayName = "overlay"
	}
	s.overlaid = overlay != nil
	err := fs.WalkDir(builtin, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(builtin, p)
		s.files[p], s.origin[p] = string(data), p
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("embedded templates: %w", err)
	}
	if overlay != nil {
		if err := s.readOverlay(overlay, overlayName); err != nil {
			return nil, err
		}
	}
	if s.registry, err = overrides.Load(overlay, overlayName); err != nil {
		return nil, err
	}
	if s.base, err = s.proto.Clone(); err != nil {
		return nil, err
	}
	s.base.Option("missingkey=error")
	for _, name := range slices.Sorted(maps.Keys(s.files)) {
		t, ok := s.parsed[name]
		if !ok {
			if t, err = s.parse(name, s.files[name]); err != nil {
				return nil, s.wrap(err)
			}
			s.parsed[name] = t
		}
		defined := definedNames(t, name)
		for _, d := range defined {
			if d == "helper/" {
				return nil, fmt.Errorf("%s: defines \"helper/\"; a helper template is named after the function it defines (helper/NAME)", s.origin[name])
			}
			if prev, ok := s.definer[d]; ok {
				return nil, fmt.Errorf("%s: defines %q, which %s defines too; a template is defined in one file", s.origin[name], d, s.origin[prev])
			}
			s.definer[d] = name
		}
		if err := addTrees(s.base, t); err != nil {
			return nil, s.wrap(err)
		}
	}
	for _, name := range s.registry.Names() {
		if err := s.checkDevice(name); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// readOverlay replaces embedded files with the overlay's, after checking
// that each overlay file is one fusegen knows.
func (s *Set) readOverlay(overlay fs.FS, overlayName string) error {
	return fs.WalkDir(overlay, ".", func(p string, d fs.DirEntry, err error) error {
		origin := overrides.Origin(overlayName, p)
		if err != nil {
			return fmt.Errorf("read templates overlay %s: %w", origin, err)
		}
		if p == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p == DeviceDir && d.IsDir() {
			return fs.SkipDir // package overrides reads and checks it
		}
		if d.IsDir() {
			if !s.knownDir(p) {
				return fmt.Errorf("%s: %s", origin, s.unknown(p, true))
			}
			return nil
		}
		if _, ok := s.files[p]; !ok {
			return fmt.Errorf("%s: %s", origin, s.unknown(p, false))
		}
		data, err := overrides.ReadFile(overlay, p, d.Type(), origin)
		if err != nil {
			return err
		}
		if err := s.checkReplacement(p, origin, string(data)); err != nil {
			return err
		}
		s.files[p], s.origin[p] = string(data), origin
		return nil
	})
}

func (s *Set) knownDir(dir string) bool {
	for name := range s.files {
		if strings.HasPrefix(name, dir+"/") {
			return true
		}
	}
	return false
}

// unknown explains an overlay path that matches no template or device slot.
func (s *Set) unknown(p string, dir bool) string {
	known := append(slices.Sorted(maps.Keys(s.files)), DeviceDir+"/<name>.tmpl", DeviceDir+"/<name>.json")
	what := "file"
	if dir {
		what = "folder"
	}
	hint := ""
	if c := overrides.Closest(p, slices.Sorted(maps.Keys(s.files))); c != "" && !dir {
		hint = fmt.Sprintf("; did you mean %s?", c)
	} else if strings.HasPrefix(p, DeviceDir+"/") {
		hint = fmt.Sprintf("; a device is %s/<name>.tmpl and %s/<name>.json", DeviceDir, DeviceDir)
	}
	return fmt.Sprintf("this %s matches no template%s (an overlay holds only these paths: %s)", what, hint, strings.Join(known, ", "))
}

// checkReplacement refuses an overlay file that would silently drop
// templates: an empty file, or one that no longer defines a template the
// embedded file defines.
func (s *Set) checkReplacement(rel, origin, src string) error {
	embedded, err := s.parse(rel, s.files[rel])
	if err != nil {
		return fmt.Errorf("embedded %s: %w", rel, err)
	}
	want := definedNames(embedded, rel)
	if strings.TrimSpace(src) == "" {
		return fmt.Errorf("%s: empty file; it replaces the embedded %s, which defines %s: keep every define, and leave a define's body empty to emit nothing", origin, rel, quoteAll(want))
	}
	t, err := s.parse(rel, src)
	if err != nil {
		return s.wrapAs(err, rel, origin)
	}
	s.parsed[rel] = t // load adds the overlay file's trees, not the embedded one's
	got := definedNames(t, rel)
	var missing []string
	for _, name := range want {
		if !slices.Contains(got, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: does not define %s, which the embedded %s defines; keep every define (an empty body emits nothing), or export the templates again (gen templates export DIR) if they have changed", origin, quoteAll(missing), rel)
	}
	return nil
}

// parse parses one file on its own, in a namespace of its own with the
// function map.
func (s *Set) parse(name, src string) (*template.Template, error) {
	t, err := s.proto.Clone()
	if err != nil {
		return nil, err
	}
	return t.New(name).Parse(src)
}

// definedNames lists the templates a file parsed on its own defines: its
// define blocks, and the file itself when it has content outside them.
func definedNames(t *template.Template, name string) []string {
	var out []string
	for _, d := range t.Templates() {
		if d.Name() == name && (d.Tree == nil || parse.IsEmptyTree(d.Tree.Root)) {
			continue
		}
		out = append(out, d.Name())
	}
	sort.Strings(out)
	return out
}

// addTrees adds the templates of a file parsed on its own to dst, as
// dst.New(name).Parse(src) would: a later define replaces an earlier one
// unless it is empty.
func addTrees(dst, file *template.Template) error {
	for _, d := range file.Templates() {
		if _, err := dst.AddParseTree(d.Name(), d.Tree); err != nil {
			return err
		}
	}
	return nil
}

// checkDevice parses a device file on its own and checks what it defines:
// every template in overrides.Required, and otherwise only templates the
// base set defines (a device may redefine those for itself), never empty.
func (s *Set) checkDevice(name string) error {
	ds, _ := s.registry.Lookup(name)
	file := path.Join(DeviceDir, name+".tmpl")
	t, err := s.proto.Clone()
	if err == nil {
		t, err = t.New(file).Parse(ds.Template)
	}
	if err != nil {
		return s.wrapAs(err, file, ds.TemplateFile)
	}
	s.parsed[file] = t // Device adds its trees to its clone of base
	// Text outside every define is never rendered: say so, rather than
	// let an edit there vanish.
	if root := t.Lookup(file); root != nil && root.Tree != nil && !parse.IsEmptyTree(root.Tree.Root) {
		where := ""
		for _, n := range root.Tree.Root.Nodes {
			tn, isText := n.(*parse.TextNode)
			if isText && strings.TrimSpace(string(tn.Text)) == "" {
				continue
			}
			loc, _ := root.Tree.ErrorContext(n)
			var line, col int
			fmt.Sscanf(strings.TrimPrefix(loc, file+":"), "%d:%d", &line, &col)
			if isText { // past the text's leading blank lines and spaces
				lead := string(tn.Text[:len(tn.Text)-len(strings.TrimLeft(string(tn.Text), " \t\r\n"))])
				if k := strings.LastIndexByte(lead, '\n'); k >= 0 {
					line, col = line+strings.Count(lead, "\n"), len(lead)-k
				} else {
					col += len(lead)
				}
			}
			where = fmt.Sprintf(" (line %d, column %d)", line, col)
			break
		}
		return fmt.Errorf("%s: text outside any define%s, which no device renders: put it inside a {{define}} or remove it",
			ds.TemplateFile, where)
	}
	var missing []string
	for _, req := range overrides.Required {
		if t.Lookup(req) == nil {
			missing = append(missing, req)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: device %s does not define %s (every device file defines %s; an empty define means no such line)",
			ds.TemplateFile, name, quoteAll(missing), strings.Join(overrides.Required, ", "))
	}
	for _, d := range t.Templates() {
		n := d.Name()
		if n == file || slices.Contains(overrides.Required, n) {
			continue
		}
		def, inBase := s.definer[n]
		if !inBase {
			hint := ""
			if c := overrides.Closest(n, append(slices.Clone(overrides.Required), slices.Sorted(maps.Keys(s.definer))...)); c != "" {
				hint = fmt.Sprintf("; did you mean %q?", c)
			}
			return fmt.Errorf("%s: defines %q, which is neither a device template (%s) nor a template of the other files%s",
				ds.TemplateFile, n, strings.Join(overrides.Required, ", "), hint)
		}
		if d.Tree == nil || parse.IsEmptyTree(d.Tree.Root) {
			return fmt.Errorf("%s: empty define %q would leave %s's in place (text/template ignores an empty redefinition); write {{- \"\" -}} as its body to emit nothing",
				ds.TemplateFile, n, s.origin[def])
		}
	}
	return nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// Devices lists the known devices (embedded and overlay), sorted.
func (s *Set) Devices() []string { return s.registry.Names() }

// Registry returns the device registry: each device's template and data.
func (s *Set) Registry() *overrides.Registry { return s.registry }

// Properties returns a device's data (overlay applied).
func (s *Set) Properties(device string) (overrides.Properties, error) {
	ds, ok := s.registry.Lookup(device)
	if !ok {
		return overrides.Properties{}, s.unknownDevice(device)
	}
	return ds.Properties, nil
}

// Files returns every file of the set by relative path, overlay applied:
// the templates, and the device templates and data files. This is what
// "gen templates export" writes.
func (s *Set) Files() map[string]string {
	out := make(map[string]string, len(s.files))
	for k, v := range s.files {
		out[k] = v
	}
	for k, v := range s.registry.Files() {
		out[k] = v
	}
	return out
}

// ErrUnknownDevice is returned for a device with no override file.
var ErrUnknownDevice = errors.New("unknown device")

func (s *Set) unknownDevice(name string) error {
	return fmt.Errorf("%w %q (known: %s; add one with -templates DIR holding %s/%s.tmpl)", ErrUnknownDevice, name, strings.Join(s.Devices(), ", "), DeviceDir, name)
}

// Device returns the renderer for a device: the base templates plus the
// device's override file, parsed once.
func (s *Set) Device(name string) (*Renderer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.devices[name]; ok {
		return r, nil
	}
	ds, ok := s.registry.Lookup(name)
	if !ok {
		return nil, s.unknownDevice(name)
	}
	file := path.Join(DeviceDir, name+".tmpl")
	t, err := s.base.Clone()
	if err != nil {
		return nil, fmt.Errorf("clone templates for device %s: %w", name, err)
	}
	if err := addTrees(t, s.parsed[file]); err != nil {
		return nil, s.wrapAs(err, file, ds.TemplateFile)
	}
	origin := func(rel string) string {
		if rel == file {
			return ds.TemplateFile
		}
		if o, ok := s.origin[rel]; ok {
			return o
		}
		return rel
	}
	r := &Renderer{Device: name, Properties: ds.Properties, t: t, origin: origin, bounded: s.overlaid}
	for _, tt := range t.Templates() {
		r.names = append(r.names, tt.Name())
	}
	sort.Strings(r.names)
	s.devices[name] = r
	return r, nil
}

// Renderer executes the templates of one device. It is safe for concurrent
// use: each execution runs on an instance of its own.
type Renderer struct {
	Device     string
	Properties overrides.Properties
	t          *template.Template
	origin     func(rel string) string
	pool       sync.Pool // *instance
	names      []string  // every template's name, sorted
	// bounded: executions run under ExecDeadline (an overlay's templates);
	// the embedded ones run in the caller's goroutine
	bounded bool
}

// instance is a clone of a renderer's templates with functions bound to it:
// include executes on the clone and counts its own nesting depth.
type instance struct {
	t     *template.Template
	depth int                           // include nesting
	out   bytes.Buffer                  // the output of Execute and ExecuteFunc
	bufs  []*bytes.Buffer               // scratch of include and stmts, one per nesting level
	level int                           // how many of bufs are in use
	kinds map[string]*template.Template // stmt kind -> its template "stmt/<Kind>"
	plan  Planned                       // the data of the execution, where it keeps a plan
}

// Planned is data that keeps a plan of the values the code it renders
// computes once (wrapper.Module: what a symbolic call() takes from _plan):
// while it is rendered, the planned function looks values up in it.
type Planned interface {
	// PlanSlot is the index of a value in the plan, or -1.
	PlanSlot(v any) int
}

// planned looks a value up in the plan of the data being rendered; -1
// where there is none.
func (in *instance) planned(v any) int {
	if in.plan == nil {
		return -1
	}
	return in.plan.PlanSlot(v)
}

func (r *Renderer) get() (*instance, error) {
	if in, ok := r.pool.Get().(*instance); ok {
		return in, nil
	}
	t, err := r.t.Clone()
	if err != nil {
		return nil, fmt.Errorf("clone templates for device %s: %w", r.Device, err)
	}
	in := &instance{t: t}
	t.Funcs(template.FuncMap{
		"include":    in.include,
		"stmts":      in.stmts,
		"deviceInfo": func() overrides.Properties { return r.Properties },
		"planned":    in.planned,
	})
	return in, nil
}

// scratch returns an empty buffer of the next nesting level; the caller
// sets in.level back when done with it, and the next call at that level
// reuses it, so what it holds must be copied out first.
func (in *instance) scratch() *bytes.Buffer {
	if in.level == len(in.bufs) {
		in.bufs = append(in.bufs, new(bytes.Buffer))
	}
	b := in.bufs[in.level]
	in.level++
	b.Reset()
	return b
}

// maxIncludeDepth bounds include recursion, as helm does.
const maxIncludeDepth = 100

func (in *instance) include(name string, data any) (string, error) {
	if in.depth >= maxIncludeDepth {
		return "", fmt.Errorf("include %q: nested deeper than %d", name, maxIncludeDepth)
	}
	level := in.level
	buf := in.scratch()
	in.depth++
	err := in.t.ExecuteTemplate(buf, name, data)
	in.depth--
	in.level = level
	if err != nil {
		return "", err
	}
	return buf.String(), nil
}

// stmts renders kernel statements, each with its template "stmt/<Kind>",
// every line indented by indent spaces and preceded by a newline: what
// {{range}}{{include ... | nindent N}}{{end}} would give, without building a
// string per statement.
func (in *instance) stmts(list []kernel.Stmt, indent int) (string, error) {
	level := in.level
	defer func() { in.level = level }()
	out, one := in.scratch(), in.scratch()
	pad := strings.Repeat(" ", indent)
	for i := range list {
		t, err := in.stmtTemplate(list[i].Kind)
		if err != nil {
			return "", err
		}
		one.Reset()
		if err := t.Execute(one, &list[i]); err != nil {
			return "", err
		}
		src := one.Bytes()
		for {
			out.WriteByte('\n')
			out.WriteString(pad)
			j := bytes.IndexByte(src, '\n')
			if j < 0 {
				out.Write(src)
				break
			}
			out.Write(src[:j])
			src = src[j+1:]
		}
	}
	return out.String(), nil
}

// stmtTemplate returns the template "stmt/<kind>", looked up once per kind.
func (in *instance) stmtTemplate(kind string) (*template.Template, error) {
	if t, ok := in.kinds[kind]; ok {
		return t, nil
	}
	name := "stmt/" + kind
	t := in.t.Lookup(name)
	if t == nil {
		return nil, fmt.Errorf("template: no template %q associated with template %q", name, in.t.Name())
	}
	if in.kinds == nil {
		in.kinds = map[string]*template.Template{}
	}
	in.kinds[kind] = t
	return t, nil
}

// Execute renders the named template into memory; nothing is written
// anywhere when it fails. Errors name the file, line and column of the
// innermost template that failed.
func (r *Renderer) Execute(name string, data any) (string, error) {
	var out string
	err := r.ExecuteFunc(name, data, func(b []byte) { out = string(b) })
	return out, err
}

// ExecuteFunc renders the named template as Execute does and passes the
// output to f, which may read it only during the call (it is a buffer the
// renderer reuses); it saves copying a large output.
func (r *Renderer) ExecuteFunc(name string, data any, f func(out []byte)) error {
	in, err := r.get()
	if err != nil {
		return err
	}
	in.out.Reset()
	in.plan, _ = data.(Planned)
	var abandoned bool
	if r.bounded {
		abandoned, err = executeBounded(in.t, &in.out, name, data)
	} else {
		err = in.t.ExecuteTemplate(cappedWriter{&in.out}, name, data)
	}
	if abandoned {
		return fmt.Errorf("render %s for device %s: %v", name, r.Device, err)
	}
	in.depth, in.level = 0, 0 // a function that panicked left them raised
	in.plan = nil
	if err == nil {
		f(in.out.Bytes())
	}
	r.pool.Put(in)
	if err != nil {
		return fmt.Errorf("render %s for device %s: %s", name, r.Device, locate(err.Error(), r.origin))
	}
	return nil
}

// Has reports whether a template of that name is defined.
func (r *Renderer) Has(name string) bool { return r.t.Lookup(name) != nil }

// Defined lists the names of defined templates with the given prefix, sorted.
func (r *Renderer) Defined(prefix string) []string {
	var out []string
	for _, name := range r.names {
		if strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out
}

// ReservedNames lists the names a graph may not give an input or a node on
// this device: the words of template "wrapper/reserved_names" (the names
// call() cannot take as locals), then those of "device/reserved_names" (what
// the device file adds; empty unless it redefines it). A word ending in "*"
// reserves every name with that prefix.
func (r *Renderer) ReservedNames() ([]ReservedName, error) {
	var out []ReservedName
	for _, name := range [...]string{"wrapper/reserved_names", "device/reserved_names"} {
		t := r.t.Lookup(name)
		if t == nil || t.Tree == nil {
			return nil, fmt.Errorf("templates for device %s: no template %q", r.Device, name)
		}
		words, err := r.Execute(name, nil)
		if err != nil {
			return nil, err
		}
		file := r.origin(t.Tree.ParseName)
		for _, w := range strings.Fields(words) {
			if !reservedWord.MatchString(w) {
				return nil, fmt.Errorf("%s: %s lists %q, which is neither a Python identifier nor one followed by *", file, name, w)
			}
			out = append(out, ReservedName{Word: w, Template: name, File: file})
		}
	}
	return out, nil
}

var reservedWord = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*\*?$`)

// ReservedName is one word of a reserved-names template.
type ReservedName struct {
	Word     string // a name, or a prefix followed by "*"
	Template string // the define that lists it
	File     string // the file of that define, as errors name it
}

// Reserves reports whether the word reserves name.
func (w ReservedName) Reserves(name string) bool {
	if prefix, ok := strings.CutSuffix(w.Word, "*"); ok {
		return strings.HasPrefix(name, prefix)
	}
	return name == w.Word
}

// wrap rewrites a parse error of a base file to name the file it came from.
func (s *Set) wrap(err error) error {
	return fmt.Errorf("template %s", locate(err.Error(), func(rel string) string {
		if o, ok := s.origin[rel]; ok {
			return o
		}
		return rel
	}))
}

func (s *Set) wrapAs(err error, rel, origin string) error {
	return fmt.Errorf("template %s", locate(err.Error(), func(r string) string {
		if r == rel {
			return origin
		}
		return r
	}))
}

// location matches the places text/template names in its messages:
// "template: FILE:LINE: " (parse) and "template: FILE:LINE:COL: " (exec).
var location = regexp.MustCompile(`template: ([^\s:]+):([0-9]+)(:[0-9]+)?: `)

// locate turns a text/template message into "FILE:LINE[:COL]: message",
// naming the innermost file that failed (an overlay file by its path in
// the overlay) and, after it, the includes that led there.
func locate(msg string, origin func(rel string) string) string {
	all := location.FindAllStringSubmatchIndex(msg, -1)
	if len(all) == 0 {
		return msg
	}
	place := func(m []int) string {
		p := origin(msg[m[2]:m[3]]) + ":" + msg[m[4]:m[5]]
		if m[6] >= 0 {
			p += msg[m[6]:m[7]]
		}
		return p
	}
	last := all[len(all)-1]
	rest := msg[last[1]:]
	// A template's own fail message needs no restating of the call.
	const failed = ": error calling fail: "
	if strings.HasPrefix(rest, "executing ") {
		if i := strings.Index(rest, failed); i > 0 && strings.Contains(rest[:i], " at <fail ") {
			rest = rest[i+len(failed):]
		}
	}
	out := place(last) + ": " + rest
	if len(all) > 1 {
		var via []string
		for i := len(all) - 2; i >= 0; i-- {
			via = append(via, place(all[i]))
		}
		out += " (included from " + strings.Join(via, ", from ") + ")"
	}
	return out
}
