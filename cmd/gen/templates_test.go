package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// writeOverlay writes files (relative path -> content) into a fresh folder.
func writeOverlay(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// exported reads one file of a fresh export of the embedded templates.
func exported(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(exportTemplates(t), filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// lineOf is the 1-based line of src where needle first occurs.
func lineOf(t *testing.T, src, needle string) int {
	t.Helper()
	before, _, ok := strings.Cut(src, needle)
	if !ok {
		t.Fatalf("no %q in the source", needle)
	}
	return 1 + strings.Count(before, "\n")
}

// Bad templates, bad overlays and bad device data fail like bad graphs: exit
// 2, one line naming the file and place, the output file left alone.
func TestTemplateAndOverlayErrors(t *testing.T) {
	const graph = "../../examples/rowsum.json"
	cuda := exported(t, "devices/cuda.tmpl")
	guardLine := lineOf(t, cuda, "torch.cuda._DeviceGuard")
	execErr := writeOverlay(t, map[string]string{"devices/cuda.tmpl": strings.Replace(cuda, "torch.cuda._DeviceGuard({{.}})", "torch.cuda._DeviceGuard({{.Nope}})", 1)})
	call := exported(t, "wrapper/call.tmpl")
	parseErr := writeOverlay(t, map[string]string{"wrapper/call.tmpl": strings.Replace(call, "args.clear()", "args.clear(){{if}}", 1)})
	typo := writeOverlay(t, map[string]string{"wrapper/cal.tmpl": call})
	badData := writeOverlay(t, map[string]string{"devices/cuda.json": "{\n  \"warp_size\": 32,\n  \"can_fuse_horizonal\": false\n}\n"})
	dropped := writeOverlay(t, map[string]string{"wrapper/call.tmpl": `{{define "wrapper/call"}}{{end}}`})

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"execution error in an overlay device file", []string{"-templates", execErr},
			[]string{graph, fmt.Sprintf("%s:%d:", filepath.Join(execErr, "devices/cuda.tmpl"), guardLine),
				`executing "device/device_guard" at <.Nope>: can't evaluate field Nope in type int`, "(included from wrapper/call.tmpl:"}},
		{"parse error in an overlay file", []string{"-templates", parseErr},
			[]string{fmt.Sprintf("template %s:%d: missing value for if", filepath.Join(parseErr, "wrapper/call.tmpl"), lineOf(t, call, "args.clear()"))}},
		{"typo in an overlay path", []string{"-templates", typo},
			[]string{filepath.Join(typo, "wrapper/cal.tmpl") + ": this file matches no template; did you mean wrapper/call.tmpl?"}},
		{"unknown field in device data", []string{"-templates", badData},
			[]string{filepath.Join(badData, "devices/cuda.json") + `:3:3: unknown field "can_fuse_horizonal"; did you mean "can_fuse_horizontal"?`}},
		{"replacement drops a define", []string{"-templates", dropped},
			[]string{filepath.Join(dropped, "wrapper/call.tmpl") + `: does not define "device/reserved_names", "wrapper/call_body", "wrapper/name/plan_value", "wrapper/name/symbol", "wrapper/plan", "wrapper/plan_key"`}},
		{"mps has index 0 only", []string{"-device", "mps:1"},
			[]string{graph, "render module.tmpl for device mps:", "devices/mps.tmpl:", "device mps:1: mps has only device index 0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "rowsum.py")
			args := append(slices.Clone(tc.args), "-o", out, graph)
			checkOneLineError(t, gen(t, args...), tc.want...)
			checkDir(t, dir)
			writeOld(t, out, []byte("# precious\n"))
			before := snap(t, out)
			checkOneLineError(t, gen(t, args...), tc.want...)
			checkUnchanged(t, out, before)
		})
	}
	// gen devices checks the overlay too.
	checkOneLineError(t, gen(t, "devices", "-templates", typo), "wrapper/cal.tmpl")
}

var kernelsLine = regexp.MustCompile(`(?m)^# device: (\S+); kernels: (\d+);`)

// The fusion switches in a device's data reach the scheduler: with both
// off, every node is a kernel of its own; where the default fuses, turning
// a switch off never gives fewer kernels.
func TestDeviceFusionSwitches(t *testing.T) {
	kernels := func(r result) int {
		t.Helper()
		if r.code != exitOK {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		m := kernelsLine.FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("no kernels line in the module")
		}
		n, _ := strconv.Atoi(m[2])
		return n
	}
	none := writeOverlay(t, map[string]string{"devices/cuda.json": `{"can_fuse_vertical": false, "can_fuse_horizontal": false}`})
	noV := writeOverlay(t, map[string]string{"devices/cuda.json": `{"can_fuse_vertical": false}`})
	noH := writeOverlay(t, map[string]string{"devices/cuda.json": `{"can_fuse_horizontal": false}`})
	for _, graph := range []string{"../../examples/two_outputs.json", "../../examples/var_mean.json",
		"../../golden/testdata/devices_pointwise/graph.json", "../../golden/testdata/multi_node_frees/graph.json"} {
		data, err := os.ReadFile(graph)
		if err != nil {
			t.Fatal(err)
		}
		var g struct{ Nodes []json.RawMessage }
		if err := json.Unmarshal(data, &g); err != nil {
			t.Fatal(err)
		}
		def := kernels(gen(t, graph))
		if got := kernels(gen(t, "-templates", none, graph)); got < len(g.Nodes) {
			t.Errorf("%s with no fusion: %d kernels for %d nodes", graph, got, len(g.Nodes))
		}
		for _, dir := range []string{noV, noH} {
			if got := kernels(gen(t, "-templates", dir, graph)); got < def {
				t.Errorf("%s: %d kernels with a fusion switch off, %d with both on", graph, got, def)
			}
		}
	}
}

// Each device's module spells that device's lines, and its benchmark uses
// the device's event and synchronize.
func TestEveryDeviceModule(t *testing.T) {
	const graph = "../../examples/rowsum.json"
	tests := []struct {
		device string
		want   []string
		not    []string
	}{
		{"cuda", []string{`_device = torch.device("cuda:0")`, "with torch.cuda._DeviceGuard(0):", "_stream0 = _get_raw_stream(0)",
			"torch.cuda.Event(enable_timing=True)", "    torch.cuda.synchronize()"}, []string{"import time"}},
		{"xpu:1", []string{`_device = torch.device("xpu:1")`, "_xpu_getCurrentRawStream as _get_raw_stream", "with torch.xpu._DeviceGuard(1):",
			"torch.xpu.set_device(1)", "_stream1 = _get_raw_stream(1)", "_empty_strided_xpu(", "torch.xpu.Event(enable_timing=True)", "torch.xpu.synchronize()"}, []string{"cuda"}},
		{"mtia", []string{`_device = torch.device("mtia:0")`, "_mtia_getCurrentRawStream", "with torch.mtia.device(0):", "torch.mtia.set_device(0)",
			"_empty_strided_mtia(", "torch.mtia.Event(", "torch.mtia.synchronize()"}, []string{"cuda"}},
		{"mps", []string{`_device = torch.device("mps:0")`, "import contextlib", "with contextlib.nullcontext():", "_stream0 = None",
			"torch.mps.event.Event(", "torch.mps.synchronize()"}, []string{"cuda", "get_raw_stream", "set_device"}},
		{"cpu", []string{`_device = torch.device("cpu")`, "def _get_raw_stream(_):", "_stream0 = _get_raw_stream(0)", "import time",
			"time.perf_counter()"}, []string{"cuda", "with ", "synchronize", "Event"}},
	}
	for _, tt := range tests {
		t.Run(tt.device, func(t *testing.T) {
			r := gen(t, "-device", tt.device, graph)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("module lacks %q", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(r.stdout, n) {
					t.Errorf("module contains %q", n)
				}
			}
		})
	}
}

// The example overlay device generates what examples/overlay-device holds.
func TestOverlayDeviceExample(t *testing.T) {
	const dir = "../../examples/overlay-device"
	want, err := os.ReadFile(filepath.Join(dir, "sin_add.py"))
	if err != nil {
		t.Fatal(err)
	}
	r := gen(t, "-templates", filepath.Join(dir, "templates"), "-device", "privateuseone", filepath.Join(dir, "sin_add.json"))
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if r.stdout != string(want) {
		t.Errorf("the overlay device's module differs from %s/sin_add.py; run go generate ./examples/...", dir)
	}
	r = gen(t, "devices", "-templates", filepath.Join(dir, "templates"))
	if r.code != exitOK || !slices.Contains(strings.Fields(r.stdout), "privateuseone") {
		t.Errorf("gen devices -templates: exit %d, stdout %q", r.code, r.stdout)
	}
}
