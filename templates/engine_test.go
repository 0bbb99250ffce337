package templates

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/fusegen/fusegen/overrides"
)

// The list of what may not be in the map: the environment, the
// clock and dates, randomness, uuids, shuffle, the network, the os*
// functions and the unordered keys/values. Matched by pattern, so that a
// function a later sprig adds under one of these names is caught too.
var forbidden = regexp.MustCompile(`^(env|expandenv|now|ago|.*[dD]ate.*|duration.*|unixEpoch|rand.*|uuid.*|shuffle|getHostByName|os.*|keys|values|bcrypt|htpasswd|encryptAES|decryptAES|gen.*(Key|CA|Cert).*|derivePassword|buildCustomCert)$`)

func TestFuncMapIsHermetic(t *testing.T) {
	m := Funcs()
	for _, name := range Removed {
		if _, ok := m[name]; ok {
			t.Errorf("function %q is in the map; it reads the clock, environment, network or randomness, or is unordered", name)
		}
	}
	for name := range m {
		if forbidden.MatchString(name) {
			t.Errorf("function %q is in the map, but it matches a forbidden name", name)
		}
	}
	for _, name := range []string{"env", "expandenv", "now", "date", "dateInZone", "randAlpha", "randInt", "uuidv4",
		"shuffle", "getHostByName", "osBase", "osClean", "osDir", "osExt", "osIsAbs", "keys", "values"} {
		if !forbidden.MatchString(name) {
			t.Errorf("the forbidden pattern does not match %q", name)
		}
	}
	for _, name := range []string{"include", "deviceInfo", "tuple", "sortedKeys", "isFloat", "join", "nindent", "quote", "dict", "fail", "default"} {
		if _, ok := m[name]; !ok {
			t.Errorf("function %q is missing", name)
		}
	}
}

func TestTuple(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{[]int64{}, "()"},
		{[]int64{4}, "(4,)"},
		{[]int64{4, 8}, "(4, 8)"},
		{[]string{"a", "b"}, "(a, b)"},
	}
	for _, tt := range tests {
		got, err := pyTuple(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("pyTuple(%v) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := pyTuple(3); err == nil {
		t.Error("pyTuple(3): want an error")
	}
}

// probeSource defines templates for tests, loaded beside the embedded ones.
const probeSource = `{{define "wrapper/probe_event"}}{{(deviceInfo).Event}}{{end}}
{{define "wrapper/probe_include"}}{{include "wrapper/benchmark" .}}{{end}}
{{define "wrapper/probe_nested"}}x{{if gt . 0}}{{include "wrapper/probe_nested" (sub . 1)}}{{end}}{{end}}`

// probed is the embedded templates plus wrapper/probe.tmpl.
func probed(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{"wrapper/probe.tmpl": {Data: []byte(probeSource)}}
	err := fs.WalkDir(embedded, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(embedded, p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mustLoad loads the embedded templates, the probes and an overlay.
func mustLoad(t *testing.T, overlay fs.FS) *Set {
	t.Helper()
	s, err := load(probed(t), overlay, "overlay")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func render(t *testing.T, s *Set, device, name string, data any) string {
	t.Helper()
	r, err := s.Device(device)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Execute(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Each embedded device renders the lines of the device table in DESIGN.md.
func TestDeviceTable(t *testing.T) {
	s := mustLoad(t, nil)
	if got := strings.Join(s.Devices(), ","); got != "cpu,cuda,mps,mtia,xpu" {
		t.Errorf("devices = %s, want cpu,cuda,mps,mtia,xpu", got)
	}
	alloc := map[string]any{"Size": "(4,)", "Stride": "(1,)", "DType": "torch.float32", "Device": "_device"}
	tests := []struct {
		device                                                       string
		rawStream, setDevice, synchronize, guard, alloc, dev, stream string
	}{
		{"cuda", "from torch._C import _cuda_getCurrentRawStream as _get_raw_stream", "torch.cuda.set_device(1)", "torch.cuda.synchronize()",
			"torch.cuda._DeviceGuard(1)", "_empty_strided_cuda((4,), (1,), torch.float32)", "cuda:1", "_get_raw_stream(1)"},
		{"xpu", "from torch._C import _xpu_getCurrentRawStream as _get_raw_stream", "torch.xpu.set_device(1)", "torch.xpu.synchronize()",
			"torch.xpu._DeviceGuard(1)", "_empty_strided_xpu((4,), (1,), torch.float32)", "xpu:1", "_get_raw_stream(1)"},
		{"mtia", "from torch._C import _mtia_getCurrentRawStream as _get_raw_stream", "torch.mtia.set_device(1)", "torch.mtia.synchronize()",
			"torch.mtia.device(1)", "_empty_strided_mtia((4,), (1,), torch.float32)", "mtia:1", "_get_raw_stream(1)"},
		{"cpu", "\n\ndef _get_raw_stream(_):\n    return 0\n\n", "", "", "", "torch.empty_strided((4,), (1,), dtype=torch.float32, device=_device)", "cpu", "_get_raw_stream(1)"},
	}
	for _, tt := range tests {
		t.Run(tt.device, func(t *testing.T) {
			for name, c := range map[string]struct {
				data any
				want string
			}{
				"device/import_get_raw_stream_as": {"_get_raw_stream", tt.rawStream},
				"device/set_device":               {1, tt.setDevice},
				"device/synchronize":              {nil, tt.synchronize},
				"device/device_guard":             {1, tt.guard},
				"device/empty_strided":            {alloc, tt.alloc},
				"device/device_string":            {1, tt.dev},
				"device/stream":                   {1, tt.stream},
			} {
				if got := render(t, s, tt.device, name, c.data); got != c.want {
					t.Errorf("%s = %q, want %q", name, got, c.want)
				}
			}
		})
	}
	t.Run("mps", func(t *testing.T) {
		for name, want := range map[string]string{
			"device/import_get_raw_stream_as": "", "device/set_device": "", "device/synchronize": "torch.mps.synchronize()",
			"device/device_guard": "contextlib.nullcontext()", "device/device_string": "mps:0", "device/stream": "None",
			"device/imports": "import contextlib",
		} {
			if got := render(t, s, "mps", name, 0); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		r, _ := s.Device("mps")
		_, err := r.Execute("device/device_guard", 1)
		if err == nil || !strings.Contains(err.Error(), "device mps:1: mps has only device index 0") ||
			!strings.Contains(err.Error(), "devices/mps.tmpl:") {
			t.Errorf("mps guard of index 1: %v", err)
		}
	})
	if _, err := s.Device("nope"); err == nil || !strings.Contains(err.Error(), `unknown device "nope"`) {
		t.Errorf("unknown device error = %v", err)
	}
}

// The data of each embedded device, and the registry that holds them.
func TestDeviceProperties(t *testing.T) {
	s := mustLoad(t, nil)
	cuda, err := s.Properties("cuda")
	if err != nil {
		t.Fatal(err)
	}
	want := overrides.Properties{MultiProcessors: 132, WarpSize: 32, MaxThreadsPerBlock: 1024, ComputeCapability: "9.0",
		Event: "torch.cuda.Event", Synchronize: "torch.cuda.synchronize", CanFuseVertical: true, CanFuseHorizontal: true}
	if cuda != want {
		t.Errorf("cuda = %+v, want %+v", cuda, want)
	}
	for _, d := range s.Devices() {
		p, _ := s.Properties(d)
		r, _ := s.Device(d)
		if r.Properties != p {
			t.Errorf("%s: renderer properties %+v differ from the registry's %+v", d, r.Properties, p)
		}
		if got := render(t, s, d, "wrapper/probe_event", nil); got != p.Event {
			t.Errorf("%s: deviceInfo.Event = %q, want %q", d, got, p.Event)
		}
	}
	if _, err := s.Properties("nope"); err == nil {
		t.Error("properties of an unknown device: want an error")
	}
}

// Overlay data files change a device's properties field by field; a new
// device with a template only gets the defaults.
func TestOverlayDeviceData(t *testing.T) {
	s := mustLoad(t, fstest.MapFS{
		"devices/cuda.json":     {Data: []byte(`{"multi_processor_count": 108, "compute_capability": "8.0", "can_fuse_horizontal": false}`)},
		"devices/mydevice.tmpl": {Data: []byte(mustEmbedded(t, "devices/cpu.tmpl"))},
	})
	cuda, _ := s.Properties("cuda")
	if cuda.MultiProcessors != 108 || cuda.ComputeCapability != "8.0" || cuda.CanFuseHorizontal ||
		cuda.WarpSize != 32 || cuda.Event != "torch.cuda.Event" || !cuda.CanFuseVertical {
		t.Errorf("cuda with the overlay = %+v", cuda)
	}
	mine, _ := s.Properties("mydevice")
	if mine != overrides.Defaults {
		t.Errorf("mydevice = %+v, want the defaults %+v", mine, overrides.Defaults)
	}
	if got := render(t, s, "mydevice", "device/synchronize", nil); got != "" {
		t.Errorf("mydevice synchronize = %q, want empty (no synchronize by default)", got)
	}
}

// Template errors name the file, line and column (text/template gives no
// column for parse errors), for embedded and overlay files, at parse and at
// execution time.
func TestTemplateErrorsNameTheLine(t *testing.T) {
	broken := probed(t)
	broken["triton/ops.tmpl"] = &fstest.MapFile{Data: []byte(mustEmbedded(t, "triton/ops.tmpl") + "\n{{define \"x\"}}\n  {{if}}{{end}}\n")}
	opsLines := strings.Count(mustEmbedded(t, "triton/ops.tmpl"), "\n") + 2

	tests := []struct {
		name    string
		builtin fs.FS // nil: the embedded templates and the probes
		overlay fstest.MapFS
		device  string
		exec    string
		data    any
		want    []string
	}{
		{
			name:    "parse error in an embedded file",
			builtin: broken,
			want:    []string{fmt.Sprintf("template triton/ops.tmpl:%d: missing value for if", opsLines+1)},
		},
		{
			name:    "parse error in an overlay file",
			overlay: fstest.MapFS{"wrapper/call.tmpl": {Data: []byte(strings.Replace(mustEmbedded(t, "wrapper/call.tmpl"), "\n", "\n{{if}}", 1))}},
			want:    []string{"template overlay/wrapper/call.tmpl:2: missing value for if"},
		},
		{
			name:    "unknown function in an overlay file",
			overlay: fstest.MapFS{"triton/ops.tmpl": {Data: []byte(mustEmbedded(t, "triton/ops.tmpl") + "\n\n{{define \"y\"}}{{nosuchfunc}}{{end}}")}},
			want:    []string{fmt.Sprintf("template overlay/triton/ops.tmpl:%d: function \"nosuchfunc\" not defined", opsLines+1)},
		},
		{
			name:    "parse error in an overlay device file",
			overlay: fstest.MapFS{"devices/cuda.tmpl": {Data: []byte(mustEmbedded(t, "devices/cuda.tmpl") + "\n{{define \"device/x\"}}{{end}")}},
			want:    []string{"template overlay/devices/cuda.tmpl:"},
		},
		{
			name:   "execution error in an embedded file",
			device: "cuda",
			exec:   "wrapper/call",
			data:   42,
			want: []string{"render wrapper/call for device cuda: wrapper/call.tmpl:" + lineOf(t, "wrapper/call.tmpl", ".InputNames") + ":",
				`: executing "wrapper/call" at <.InputNames>: can't evaluate field InputNames in type int`},
		},
		{
			name:    "execution error in an overlay file, through include",
			overlay: fstest.MapFS{"wrapper/benchmark.tmpl": {Data: []byte("{{define \"wrapper/benchmark\"}}\nBYTES = {{.NoSuchField}}\n{{end}}")}},
			device:  "cuda",
			exec:    "wrapper/probe_include",
			data:    map[string]any{},
			want: []string{"render wrapper/probe_include for device cuda: overlay/wrapper/benchmark.tmpl:2:10: executing \"wrapper/benchmark\" at <.NoSuchField>: map has no entry for key \"NoSuchField\"",
				"(included from wrapper/probe.tmpl:2:"},
		},
		{
			name:    "execution error in an overlay device file",
			overlay: fstest.MapFS{"devices/cuda.tmpl": {Data: []byte(strings.Replace(mustEmbedded(t, "devices/cuda.tmpl"), "torch.cuda._DeviceGuard({{.}})", "\n  {{.Index}}", 1))}},
			device:  "cuda",
			exec:    "device/device_guard",
			data:    map[string]any{},
			want: []string{"overlay/devices/cuda.tmpl:" + fmt.Sprint(1+strings.Count(strings.Split(mustEmbedded(t, "devices/cuda.tmpl"), "torch.cuda._DeviceGuard")[0], "\n")+1) + ":",
				`: executing "device/device_guard" at <.Index>: map has no entry for key "Index"`},
		},
		{
			name:   "fail in an embedded device file",
			device: "mps",
			exec:   "device/device_guard",
			data:   2,
			want: []string{"render device/device_guard for device mps: devices/mps.tmpl:" + lineOf(t, "devices/mps.tmpl", "{{fail") + ":",
				": device mps:2: mps has only device index 0 (use mps or mps:0)"},
		},
		{
			name:    "device file missing a required template",
			overlay: fstest.MapFS{"devices/mydev.tmpl": {Data: []byte(`{{define "device/imports"}}{{end}}`)}},
			want:    []string{"overlay/devices/mydev.tmpl: device mydev does not define", `"device/import_get_raw_stream_as"`, `"device/empty_strided"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			builtin := tt.builtin
			if builtin == nil {
				builtin = probed(t)
			}
			var overlay fs.FS
			if tt.overlay != nil {
				overlay = tt.overlay
			}
			s, err := load(builtin, overlay, "overlay")
			if err == nil && tt.device != "" {
				var r *Renderer
				r, err = s.Device(tt.device)
				if err == nil {
					_, err = r.Execute(tt.exec, tt.data)
				}
			}
			if err == nil {
				t.Fatal("want an error")
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if strings.Contains(err.Error(), "error calling fail") {
				t.Errorf("a fail message is restated: %q", err)
			}
			if tt.device != "" && !regexp.MustCompile(`\.tmpl:[0-9]+:[0-9]+: `).MatchString(err.Error()) {
				t.Errorf("execution error %q names no line and column", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// An overlay holds only known paths; everything else is an error that
// names the file.
func TestOverlayValidation(t *testing.T) {
	cuda := mustEmbedded(t, "devices/cuda.tmpl")
	tests := []struct {
		name    string
		overlay fstest.MapFS
		want    []string
	}{
		{"typo in a path", fstest.MapFS{"wrapper/cal.tmpl": {Data: []byte("x")}},
			[]string{"overlay/wrapper/cal.tmpl: this file matches no template; did you mean wrapper/call.tmpl?"}},
		{"wrong extension", fstest.MapFS{"module.tpl": {Data: []byte("x")}},
			[]string{"overlay/module.tpl: this file matches no template; did you mean module.tmpl?"}},
		{"unknown folder", fstest.MapFS{"kernels/x.tmpl": {Data: []byte("x")}},
			[]string{"overlay/kernels: this folder matches no template"}},
		{"device file with another extension", fstest.MapFS{"devices/cuda.yaml": {Data: []byte("x")}},
			[]string{"overlay/devices/cuda.yaml: not a device file"}},
		{"device folder", fstest.MapFS{"devices/cuda/x.tmpl": {Data: []byte("x")}},
			[]string{"overlay/devices/cuda: a folder in devices/"}},
		{"uppercase device name", fstest.MapFS{"devices/MyDev.tmpl": {Data: []byte(cuda)}},
			[]string{"overlay/devices/MyDev.tmpl: device name \"MyDev\": want a lowercase name"}},
		{"data without a template", fstest.MapFS{"devices/mydev.json": {Data: []byte("{}")}},
			[]string{"overlay/devices/mydev.json: data for a device with no template; add overlay/devices/mydev.tmpl"}},
		{"empty replacement", fstest.MapFS{"wrapper/benchmark.tmpl": {Data: []byte(" \n")}},
			[]string{"overlay/wrapper/benchmark.tmpl: empty file; it replaces the embedded wrapper/benchmark.tmpl, which defines \"wrapper/benchmark\""}},
		{"empty device file", fstest.MapFS{"devices/cuda.tmpl": {Data: []byte("")}},
			[]string{"overlay/devices/cuda.tmpl: empty device file"}},
		{"replacement drops a define", fstest.MapFS{"wrapper/call.tmpl": {Data: []byte(`{{define "wrapper/call"}}{{end}}`)}},
			[]string{"overlay/wrapper/call.tmpl: does not define", `"wrapper/call_body"`, `"wrapper/step/free"`, "which the embedded wrapper/call.tmpl defines"}},
		{"a define in two files", fstest.MapFS{"wrapper/benchmark.tmpl": {Data: []byte(mustEmbedded(t, "wrapper/benchmark.tmpl") + `{{define "wrapper/get_args"}}{{end}}`)}},
			[]string{`wrapper/get_args.tmpl: defines "wrapper/get_args", which overlay/wrapper/benchmark.tmpl defines too`}},
		{"a helper without a name", fstest.MapFS{"triton/helpers.tmpl": {Data: []byte(mustEmbedded(t, "triton/helpers.tmpl") + `{{define "helper/"}}def f(): pass{{end}}`)}},
			[]string{`overlay/triton/helpers.tmpl: defines "helper/"; a helper template is named after the function it defines (helper/NAME)`}},
		{"typo in a device define", fstest.MapFS{"devices/cuda.tmpl": {Data: []byte(cuda + `{{define "device/synchronise"}}{{end}}`)}},
			[]string{`overlay/devices/cuda.tmpl: defines "device/synchronise", which is neither a device template`, `did you mean "device/synchronize"?`}},
		{"empty redefinition in a device file", fstest.MapFS{"devices/cuda.tmpl": {Data: []byte(cuda + `{{define "wrapper/benchmark"}}{{end}}`)}},
			[]string{`overlay/devices/cuda.tmpl: empty define "wrapper/benchmark" would leave wrapper/benchmark.tmpl's in place`}},
		{"text outside a define in a device file", fstest.MapFS{"devices/cuda.tmpl": {Data: []byte(cuda + "\n\n  stray = 1\n")}},
			[]string{`overlay/devices/cuda.tmpl: text outside any define (line`, "column 3), which no device renders"}},
		{"unknown data field", fstest.MapFS{"devices/cuda.json": {Data: []byte("{\n  \"warpsize\": 32\n}")}},
			[]string{`overlay/devices/cuda.json:2:3: unknown field "warpsize"; did you mean "warp_size"?`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.overlay, "overlay")
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}

	// Hidden files (editor swap files, .git) are skipped.
	if _, err := Load(fstest.MapFS{".wrapper.tmpl.swp": {}, ".git/config": {}, "devices/.cuda.tmpl.swp": {}}, "overlay"); err != nil {
		t.Errorf("hidden files: %v", err)
	}
}

// What an empty define means: in a device file, no such line; a device file
// may redefine a base template for that device alone (and must give it a
// body); a replacing file's empty define emits nothing.
func TestEmptyAndPerDeviceDefines(t *testing.T) {
	cuda := mustEmbedded(t, "devices/cuda.tmpl")
	noGuard := strings.Replace(cuda, "torch.cuda._DeviceGuard({{.}})", "", 1)
	s := mustLoad(t, fstest.MapFS{
		"devices/cuda.tmpl":      {Data: []byte(noGuard + `{{define "wrapper/benchmark"}}{{- "" -}}{{end}}`)},
		"devices/mine.tmpl":      {Data: []byte(mustEmbedded(t, "devices/cpu.tmpl") + `{{define "wrapper/benchmark"}}# no benchmark on mine{{end}}`)},
		"wrapper/get_args.tmpl":  {Data: []byte(`{{define "wrapper/get_args"}}{{end}}`)},
		"wrapper/benchmark.tmpl": {Data: []byte(mustEmbedded(t, "wrapper/benchmark.tmpl"))},
	})
	if got := render(t, s, "cuda", "device/device_guard", 0); got != "" {
		t.Errorf("empty cuda guard renders %q", got)
	}
	if got := render(t, s, "cuda", "wrapper/benchmark", map[string]any{}); got != "" {
		t.Errorf("cuda's emptied benchmark renders %q", got)
	}
	if got := render(t, s, "mine", "wrapper/benchmark", nil); got != "# no benchmark on mine" {
		t.Errorf("mine's benchmark renders %q", got)
	}
	if got := render(t, s, "cpu", "wrapper/get_args", nil); got != "" {
		t.Errorf("empty get_args renders %q", got)
	}
	if got := render(t, s, "cpu", "wrapper/benchmark", map[string]any{"BytesMoved": 1, "GraphName": "g"}); !strings.Contains(got, "def benchmark():") {
		t.Errorf("cpu keeps the base benchmark: %q", got)
	}
}

// Renderers are shared between goroutines; include keeps its nesting depth
// per execution (run with -race).
func TestConcurrentExecute(t *testing.T) {
	s := mustLoad(t, nil)
	r, err := s.Device("cuda")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				got, err := r.Execute("wrapper/probe_nested", 20)
				if err != nil || got != strings.Repeat("x", 21) {
					t.Errorf("goroutine %d run %d: %q, %v", i, j, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if _, err := r.Execute("wrapper/probe_nested", 200); err == nil || !strings.Contains(err.Error(), "nested deeper than 100") {
		t.Errorf("deep include: %v", err)
	}
}

// lineOf is the line of an embedded file where needle first occurs.
func lineOf(t *testing.T, file, needle string) string {
	t.Helper()
	before, _, ok := strings.Cut(mustEmbedded(t, file), needle)
	if !ok {
		t.Fatalf("%s lacks %q", file, needle)
	}
	return fmt.Sprint(1 + strings.Count(before, "\n"))
}

func mustEmbedded(t *testing.T, name string) string {
	t.Helper()
	s, err := Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	src, ok := s.Files()[name]
	if !ok {
		t.Fatalf("no embedded %s", name)
	}
	return src
}

// Every file is parsed once: base and each device's renderer hold the
// trees of the file parsed on its own, the one load checked.
func TestEachFileParsedOnce(t *testing.T) {
	s, err := Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	for name, file := range s.definer {
		if got, want := s.base.Lookup(name).Tree, s.parsed[file].Lookup(name).Tree; got != want {
			t.Errorf("%s: base holds a tree of its own, not the one %s was parsed into", name, file)
		}
	}
	r, err := s.Device("cuda")
	if err != nil {
		t.Fatal(err)
	}
	dev := s.parsed[DeviceDir+"/cuda.tmpl"]
	for _, d := range dev.Templates() {
		if r.t.Lookup(d.Name()).Tree != d.Tree {
			t.Errorf("%s: the cuda renderer holds a tree of its own, not the one its device file was parsed into", d.Name())
		}
	}
	if len(dev.Templates()) < 2 {
		t.Errorf("devices/cuda.tmpl parsed into %d templates", len(dev.Templates()))
	}
}

// ExecuteFunc passes f what Execute returns, and returns its error without
// calling f.
func TestExecuteFunc(t *testing.T) {
	s, err := load(probed(t), nil, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Device("cuda")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data any
	}{{"wrapper/probe_event", nil}, {"wrapper/probe_nested", 3}, {"wrapper/probe_include", 1}, {"no/such", nil}} {
		want, wantErr := r.Execute(c.name, c.data)
		var got []byte
		called := false
		err := r.ExecuteFunc(c.name, c.data, func(b []byte) { got, called = append([]byte(nil), b...), true })
		if string(got) != want || fmt.Sprint(err) != fmt.Sprint(wantErr) || called != (err == nil) {
			t.Errorf("%s: ExecuteFunc %q, %v (f called: %v); Execute %q, %v", c.name, got, err, called, want, wantErr)
		}
	}
}
