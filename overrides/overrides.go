// Package overrides holds the per-device override sets and the registry of
// devices. A device set is two files beside each other:
//
//   - devices/<name>.tmpl, the code: the define blocks that spell the
//     device-specific lines of a generated module, as PyTorch's
//     DeviceOpOverrides does (listed in Required);
//   - devices/<name>.json, the data: what PyTorch's DeviceInterface tells
//     about the device and what its scheduling allows (Properties). It is
//     optional for a device added by an overlay, which then gets Defaults.
//
// The embedded sets are cuda, xpu, mtia, mps and cpu. An overlay folder adds
// devices or replaces embedded files by relative path; see Load.
package overrides

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

//go:embed devices/*.tmpl devices/*.json
var embedded embed.FS

// FS returns the embedded device files, at devices/<name>.tmpl and
// devices/<name>.json.
func FS() fs.FS { return embedded }

// Dir is the folder, relative to the template root, that holds device sets.
const Dir = "devices"

// Required lists the templates every device file defines. An empty define
// means the module has no such line (see the cpu set); the engine rejects a
// device file that leaves one out.
//
//	device/imports                  module-level import lines the other defines rely on
//	device/import_get_raw_stream_as data: a name; binds it to a function of a
//	                                device index that returns the raw stream
//	device/device_string            data: the device index; the string torch.device takes
//	device/stream                   data: the device index; the expression for the
//	                                stream handed to every launch
//	device/set_device               data: the device index; a statement
//	device/synchronize              a statement that waits for the device
//	device/device_guard             data: the device index; a context manager expression
//	device/empty_strided            data: Size, Stride, DType, Device (Python
//	                                expressions); an allocation expression
var Required = []string{
	"device/imports",
	"device/import_get_raw_stream_as",
	"device/device_string",
	"device/stream",
	"device/set_device",
	"device/synchronize",
	"device/device_guard",
	"device/empty_strided",
}

// Properties is a device's data file: what PyTorch's DeviceInterface reports
// about the device that code generation and the benchmark entry use, and the
// scheduling switches of the device's backend. Block-size heuristics read
// the first four.
type Properties struct {
	// MultiProcessors is get_device_properties().multi_processor_count.
	MultiProcessors int `json:"multi_processor_count"`
	// WarpSize is get_device_properties().warp_size.
	WarpSize int `json:"warp_size"`
	// MaxThreadsPerBlock is get_device_properties().max_threads_per_block.
	MaxThreadsPerBlock int `json:"max_threads_per_block"`
	// ComputeCapability is get_compute_capability() as "major.minor", or ""
	// for a device that has none.
	ComputeCapability string `json:"compute_capability"`
	// Event is the DeviceInterface.Event class the benchmark times with
	// (start/end events, elapsed_time), e.g. "torch.cuda.Event"; "" times
	// on the host with time.perf_counter.
	Event string `json:"event"`
	// Synchronize is the DeviceInterface.synchronize function, e.g.
	// "torch.cuda.synchronize"; "" when the device needs none. The embedded
	// device files spell device/synchronize from it.
	Synchronize string `json:"synchronize"`
	// CanFuseVertical allows fusing a consumer with its producer.
	CanFuseVertical bool `json:"can_fuse_vertical"`
	// CanFuseHorizontal allows fusing independent nodes into one kernel.
	CanFuseHorizontal bool `json:"can_fuse_horizontal"`
}

// Defaults are the properties of a device whose set has no data file, and
// the starting point of every data file: a field a file leaves out keeps
// its default. They are what PyTorch's test extension backend fakes (80
// multiprocessors, compute capability 8), with a warp of 32 threads, no
// device events or synchronize, and every fusion allowed.
var Defaults = Properties{
	MultiProcessors:    80,
	WarpSize:           32,
	MaxThreadsPerBlock: 1024,
	ComputeCapability:  "8.0",
	CanFuseVertical:    true,
	CanFuseHorizontal:  true,
}

// Set is one device's override set.
type Set struct {
	Name string
	// Template is the source of devices/<name>.tmpl; TemplateFile is where
	// it came from: its relative path for an embedded file, the overlay's
	// name joined with it for an overlay file.
	Template     string
	TemplateFile string
	// Properties are the device's data; PropertiesFile names the file they
	// came from ("" for Defaults) and PropertiesSource is its text.
	Properties       Properties
	PropertiesFile   string
	PropertiesSource string
}

// Registry is the set of known devices: the embedded sets with an overlay
// on top. It is immutable once loaded.
type Registry struct {
	sets map[string]*Set
}

// Names lists the known devices, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.sets))
	for n := range r.sets {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Lookup returns a device's set.
func (r *Registry) Lookup(name string) (*Set, bool) {
	s, ok := r.sets[name]
	return s, ok
}

// Files returns every device file (overlay applied) by relative path, data
// files included: what "gen templates export" writes.
func (r *Registry) Files() map[string]string {
	out := map[string]string{}
	for _, s := range r.sets {
		out[path.Join(Dir, s.Name+".tmpl")] = s.Template
		if s.PropertiesFile != "" {
			out[path.Join(Dir, s.Name+".json")] = s.PropertiesSource
		}
	}
	return out
}

var embeddedRegistry = func() *Registry {
	r, err := Load(nil, "")
	if err != nil {
		panic("overrides: embedded device files: " + err.Error())
	}
	return r
}()

// Builtin lists the embedded devices, sorted.
func Builtin() []string { return embeddedRegistry.Names() }

// Lookup returns the properties of an embedded device, or Defaults for any
// other name (a device an overlay adds gets its own through a Registry).
func Lookup(name string) Properties {
	if s, ok := embeddedRegistry.Lookup(name); ok {
		return s.Properties
	}
	return Defaults
}

// deviceName is a name the -device flag accepts: lowercase, a Python-style
// identifier.
var deviceName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Load reads the embedded device sets, then the devices/ folder of overlay
// (may be nil). In the overlay, devices/<name>.tmpl replaces the embedded
// device file of that name or adds a device; devices/<name>.json replaces
// the data of that device field by field (a field it leaves out keeps the
// embedded value, or the default for a new device). Anything else in
// devices/ is an error naming the file, as is a data file for a device
// without a template. Names starting with "." are skipped. overlayName
// names the overlay in errors.
func Load(overlay fs.FS, overlayName string) (*Registry, error) {
	r := &Registry{sets: map[string]*Set{}}
	if err := r.read(embedded, ""); err != nil {
		return nil, err
	}
	if overlay != nil {
		if err := r.read(overlay, overlayName); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Origin is how an error names a file: its relative path for an embedded
// file, joined to the overlay's name for an overlay file.
func Origin(overlayName, rel string) string {
	if overlayName == "" {
		return rel
	}
	return strings.TrimSuffix(overlayName, "/") + "/" + rel
}

func (r *Registry) read(fsys fs.FS, overlayName string) error {
	entries, err := fs.ReadDir(fsys, Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", Origin(overlayName, Dir), err)
	}
	var datas []fs.DirEntry
	for _, e := range entries {
		name := e.Name()
		rel := path.Join(Dir, name)
		origin := Origin(overlayName, rel)
		if strings.HasPrefix(name, ".") {
			continue
		}
		if e.IsDir() {
			return fmt.Errorf("%s: a folder in %s/; a device is the two files %s/<name>.tmpl and %s/<name>.json", origin, Dir, Dir, Dir)
		}
		ext := path.Ext(name)
		dev := strings.TrimSuffix(name, ext)
		if ext != ".tmpl" && ext != ".json" {
			return fmt.Errorf("%s: not a device file; a device is the two files %s/<name>.tmpl and %s/<name>.json", origin, Dir, Dir)
		}
		if !deviceName.MatchString(dev) {
			return fmt.Errorf("%s: device name %q: want a lowercase name of letters, digits and underscores (what -device accepts)", origin, dev)
		}
		if ext == ".json" {
			datas = append(datas, e) // after every template is known
			continue
		}
		data, err := ReadFile(fsys, rel, e.Type(), origin)
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(data)) == "" {
			return fmt.Errorf("%s: empty device file; it must define %s (an empty define means no such line)", origin, strings.Join(Required, ", "))
		}
		s, ok := r.sets[dev]
		if !ok {
			s = &Set{Name: dev, Properties: Defaults}
			r.sets[dev] = s
		}
		s.Template, s.TemplateFile = string(data), origin
	}
	for _, e := range datas {
		name := e.Name()
		rel := path.Join(Dir, name)
		origin := Origin(overlayName, rel)
		dev := strings.TrimSuffix(name, ".json")
		s, ok := r.sets[dev]
		if !ok {
			return fmt.Errorf("%s: data for a device with no template; add %s", origin, Origin(overlayName, path.Join(Dir, dev+".tmpl")))
		}
		data, err := ReadFile(fsys, rel, e.Type(), origin)
		if err != nil {
			return err
		}
		p, err := DecodeProperties(data, origin, s.Properties)
		if err != nil {
			return err
		}
		s.Properties, s.PropertiesFile, s.PropertiesSource = p, origin, string(data)
	}
	return nil
}

// fields maps each JSON key of Properties to its field index.
var fields = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeOf(Properties{})
	for i := range t.NumField() {
		m[t.Field(i).Tag.Get("json")] = i
	}
	return m
}()

// FieldNames lists the keys of a data file, in the order of Properties.
func FieldNames() []string {
	t := reflect.TypeOf(Properties{})
	out := make([]string, t.NumField())
	for i := range out {
		out[i] = t.Field(i).Tag.Get("json")
	}
	return out
}

// DecodeProperties reads a data file strictly: one JSON object whose keys
// are Properties' fields, each at most once, every value of its field's
// type. Keys it leaves out keep their value in base. Errors name the file,
// line and column, and the field.
func DecodeProperties(data []byte, file string, base Properties) (Properties, error) {
	at := func(off int64, format string, args ...any) error {
		line, col := lineCol(data, off)
		return fmt.Errorf("%s:%d:%d: %s", file, line, col, fmt.Sprintf(format, args...))
	}
	syntax := func(err error, off int64) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = se.Offset
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return at(int64(len(data)), "unexpected end of JSON")
		}
		return at(off, "invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	p := base
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return p, syntax(err, 0)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return p, at(dec.InputOffset(), "want a JSON object of device properties ({} for the defaults)")
	}
	seen := map[string]bool{}
	v := reflect.ValueOf(&p).Elem()
	for dec.More() {
		keyOff := skipSpace(data, dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return p, syntax(err, keyOff)
		}
		key := tok.(string) // object keys are strings
		i, ok := fields[key]
		if !ok {
			hint := ""
			if s := closest(key, FieldNames()); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			return p, at(keyOff, "unknown field %q%s (known: %s)", key, hint, strings.Join(FieldNames(), ", "))
		}
		if seen[key] {
			return p, at(keyOff, "field %q given twice", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return p, syntax(err, keyOff)
		}
		valOff := skipSpace(data, dec.InputOffset()-int64(len(raw)))
		f := v.Field(i)
		if err := json.Unmarshal(raw, f.Addr().Interface()); err != nil || string(raw) == "null" {
			return p, at(valOff, "field %q: want %s, got %s", key, kindName(f.Kind()), raw)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return p, syntax(err, dec.InputOffset())
	}
	if off := skipSpace(data, dec.InputOffset()); off < int64(len(data)) {
		return p, at(off, "data after the JSON object")
	}
	for _, c := range p.check() {
		return p, at(keyOffset(data, c.key), "field %q: %s", c.key, c.msg)
	}
	return p, nil
}

type problem struct{ key, msg string }

var (
	dottedName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	capability = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
)

// check validates values: counts positive, names Python dotted names.
func (p Properties) check() []problem {
	var out []problem
	for _, f := range []struct {
		key string
		n   int
	}{{"multi_processor_count", p.MultiProcessors}, {"warp_size", p.WarpSize}, {"max_threads_per_block", p.MaxThreadsPerBlock}} {
		if f.n < 1 {
			out = append(out, problem{f.key, fmt.Sprintf("%d: want a positive integer", f.n)})
		}
	}
	if p.ComputeCapability != "" && !capability.MatchString(p.ComputeCapability) {
		out = append(out, problem{"compute_capability", fmt.Sprintf("%q: want \"major.minor\" such as \"9.0\", or \"\" for none", p.ComputeCapability)})
	}
	for _, f := range []struct{ key, v string }{{"event", p.Event}, {"synchronize", p.Synchronize}} {
		if f.v != "" && !dottedName.MatchString(f.v) {
			out = append(out, problem{f.key, fmt.Sprintf("%q: want a Python dotted name such as torch.cuda.%s, or \"\" for none", f.v, map[string]string{"event": "Event", "synchronize": "synchronize"}[f.key])})
		}
	}
	return out
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.Int:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	}
	return "a string"
}

func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
		off++
	}
	return off
}

// keyOffset finds where a key is written, for errors about its value; 0 when
// the key is not in the file (a default that fails a check cannot happen).
func keyOffset(data []byte, key string) int64 {
	if i := bytes.Index(data, []byte(`"`+key+`"`)); i >= 0 {
		return int64(i)
	}
	return 0
}

func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// closest returns the candidate nearest to s by edit distance, if it is
// near enough to be a likely typo.
func closest(s string, candidates []string) string {
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Closest is closest for other packages: the candidate a typo most likely
// meant, or "".
func Closest(s string, candidates []string) string { return closest(s, candidates) }

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
