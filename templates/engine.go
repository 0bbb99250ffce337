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
	"path"
	"sort"
	"strings"
	"sync"
	"text/template"

	"github.com/fusegen/fusegen/overrides"
)

//go:embed module.tmpl triton wrapper
var embedded embed.FS

// Embedded returns the built-in template files.
func Embedded() fs.FS { return embedded }

// DeviceDir is the folder whose files each define one device's overrides.
const DeviceDir = "devices"

// Set is a parsed set of templates: the embedded ones with an optional
// overlay. It is immutable after Load and safe for concurrent use; each
// device's templates are cloned from the base once, on first use.
type Set struct {
	files   map[string]string // relative path -> source, overlay applied
	origin  map[string]string // relative path -> where it came from, for errors
	base    *template.Template
	mu      sync.Mutex
	devices map[string]*Renderer
}

// Renderer executes the templates of one device.
type Renderer struct {
	Device string
	t      *template.Template
}

// Load parses the embedded templates with overlay on top: a file in overlay
// replaces the embedded file of the same relative path or adds a new one
// (a new device under devices/). overlayName names the overlay in errors.
func Load(overlay fs.FS, overlayName string) (*Set, error) {
	s := &Set{files: map[string]string{}, origin: map[string]string{}, devices: map[string]*Renderer{}}
	if err := s.read(embedded, "embedded "); err != nil {
		return nil, err
	}
	if err := s.read(overrides.FS(), "embedded "); err != nil {
		return nil, err
	}
	if overlay != nil {
		if err := s.read(overlay, overlayName+"/"); err != nil {
			return nil, err
		}
	}
	s.base = template.New("").Option("missingkey=error").Funcs(Funcs(nil))
	for _, name := range s.sortedFiles() {
		if isDeviceFile(name) {
			continue
		}
		if _, err := s.base.New(name).Parse(s.files[name]); err != nil {
			return nil, s.wrap(err, name)
		}
	}
	return s, nil
}

func isDeviceFile(name string) bool { return path.Dir(name) == DeviceDir }

func (s *Set) read(fsys fs.FS, prefix string) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read templates %s: %w", strings.TrimSuffix(prefix, "/"), err)
		}
		if d.IsDir() || !strings.HasSuffix(p, ".tmpl") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read template %s%s: %w", prefix, p, err)
		}
		s.files[p] = string(data)
		s.origin[p] = prefix + p
		return nil
	})
}

func (s *Set) sortedFiles() []string {
	names := make([]string, 0, len(s.files))
	for n := range s.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// wrap names the file an error came from when it is an overlay file; text
// /template already prefixes its messages with the template's relative path
// and line.
func (s *Set) wrap(err error, name string) error {
	if o := s.origin[name]; o != "" && !strings.HasPrefix(o, "embedded ") {
		return fmt.Errorf("template %s: %w", o, err)
	}
	return fmt.Errorf("template %s: %w", name, err)
}

// Devices lists the devices that have an override file, sorted.
func (s *Set) Devices() []string {
	var out []string
	for _, n := range s.sortedFiles() {
		if isDeviceFile(n) {
			out = append(out, strings.TrimSuffix(path.Base(n), ".tmpl"))
		}
	}
	return out
}

// Files returns every template file (overlay applied) by relative path.
func (s *Set) Files() map[string]string {
	out := make(map[string]string, len(s.files))
	for k, v := range s.files {
		out[k] = v
	}
	return out
}

// ErrUnknownDevice is returned for a device with no override file.
var ErrUnknownDevice = errors.New("unknown device")

// Device returns the renderer for a device: the base templates plus the
// device's override file, parsed once.
func (s *Set) Device(name string) (*Renderer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.devices[name]; ok {
		return r, nil
	}
	file := path.Join(DeviceDir, name+".tmpl")
	src, ok := s.files[file]
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownDevice, name, strings.Join(s.Devices(), ", "))
	}
	t, err := s.base.Clone()
	if err != nil {
		return nil, fmt.Errorf("clone templates for device %s: %w", name, err)
	}
	if _, err := t.New(file).Parse(src); err != nil {
		return nil, s.wrap(err, file)
	}
	for _, req := range overrides.Required {
		if t.Lookup(req) == nil {
			return nil, fmt.Errorf("template %s: device %s does not define %q (every device file defines %s)", s.origin[file], name, req, strings.Join(overrides.Required, ", "))
		}
	}
	r := &Renderer{Device: name, t: t}
	t.Funcs(Funcs(r))
	s.devices[name] = r
	return r, nil
}

// maxIncludeDepth bounds include recursion, as helm does.
const maxIncludeDepth = 100

// Execute renders the named template into memory; nothing is written
// anywhere when it fails.
func (r *Renderer) Execute(name string, data any) (string, error) {
	var buf bytes.Buffer
	if err := r.t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", fmt.Errorf("render %s for device %s: %w", name, r.Device, err)
	}
	return buf.String(), nil
}

// Has reports whether a template of that name is defined.
func (r *Renderer) Has(name string) bool { return r.t.Lookup(name) != nil }

// Defined lists the names of defined templates with the given prefix, sorted.
func (r *Renderer) Defined(prefix string) []string {
	var out []string
	for _, t := range r.t.Templates() {
		if strings.HasPrefix(t.Name(), prefix) {
			out = append(out, t.Name())
		}
	}
	sort.Strings(out)
	return out
}

func (r *Renderer) include(depth *int) func(name string, data any) (string, error) {
	return func(name string, data any) (string, error) {
		if r == nil {
			return "", errors.New("include is only available while rendering")
		}
		*depth++
		defer func() { *depth-- }()
		if *depth > maxIncludeDepth {
			return "", fmt.Errorf("include %q: nested deeper than %d", name, maxIncludeDepth)
		}
		var buf bytes.Buffer
		if err := r.t.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
}
