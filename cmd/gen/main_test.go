package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// result is what one run of the command produced.
type result struct {
	code           int
	stdout, stderr string
}

func gen(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// oldTime is the mtime given to files whose mtime a test watches, so that a
// rewrite shows even on file systems with coarse timestamps.
var oldTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// snapshot is a file's content and mtime.
type snapshot struct {
	data  []byte
	mtime time.Time
}

func snap(t *testing.T, path string) snapshot {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{data, info.ModTime()}
}

// writeOld writes a file and backdates it.
func writeOld(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	backdate(t, path)
}

func backdate(t *testing.T, path string) {
	t.Helper()
	if err := os.Chtimes(path, oldTime, oldTime); err != nil {
		t.Fatal(err)
	}
}

// checkUnchanged fails if path's content or mtime differ from before.
func checkUnchanged(t *testing.T, path string, before snapshot) {
	t.Helper()
	after := snap(t, path)
	if !bytes.Equal(after.data, before.data) {
		t.Errorf("%s: content changed", path)
	}
	if !after.mtime.Equal(before.mtime) {
		t.Errorf("%s: mtime changed from %v to %v", path, before.mtime, after.mtime)
	}
}

// checkDir fails unless dir holds exactly the files named (no temp files).
func checkDir(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s holds %q, want %q", dir, got, want)
	}
}

// checkOneLineError checks a failed run: exit 2, nothing on stdout, and one
// line on stderr starting with "gen: " that contains every wanted substring.
func checkOneLineError(t *testing.T, r result, want ...string) {
	t.Helper()
	if r.code != exitUsage {
		t.Errorf("exit %d, want %d (stderr %q)", r.code, exitUsage, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout not empty: %q", r.stdout)
	}
	if !strings.HasPrefix(r.stderr, "gen: ") || !strings.HasSuffix(r.stderr, "\n") ||
		strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr is not one line starting with \"gen: \": %q", r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr %q does not contain %q", r.stderr, w)
		}
	}
}

var badGraphs = []struct {
	file string
	want []string // substrings of the error line, besides the file name
}{
	{"unknown_op.json", []string{`nodes[0] "y".body.op`, `unknown op "frobnicate"`}},
	{"undefined_buffer.json", []string{`nodes[0] "y".body.buffer`, `undefined buffer "nosuch"`}},
	{"cycle.json", []string{`nodes[0] "a"`, "cycle: a -> b -> a"}},
	{"wrong_index_count.json", []string{`nodes[0] "y".body.index`, `1 indices for "x", which has 2 dimensions`}},
	{"zero_size.json", []string{"inputs[0].shape[1]", "size 0 must be positive"}},
	{"negative_range.json", []string{`nodes[0] "y".ranges[0]`, "size -8 must be positive"}},
	{"dtype_mismatch.json", []string{`nodes[0] "y".body`, "add's operands differ in dtype: float32 and int32"}},
	{"index_out_of_range.json", []string{`nodes[0] "y".body.index[1]`, "i1 + 1 ranges over [1, 16]", `outside dimension 1 of "x" (size 16)`}},
	{"unsafe_name_injection.json", []string{"inputs[0].name", `"x; import os"`, "not a Python identifier"}},
	{"unsafe_name_keyword.json", []string{"nodes[0].name", `"import"`, "Python keyword"}},
	{"malformed.json", []string{"line 4, column 14", "invalid JSON"}},
	{"unknown_field.json", []string{`nodes[0] "y".bdy`, `unknown field "bdy"`}},
	{"missing.json", []string{"no such file"}}, // deliberately absent
}

func TestBadGraphs(t *testing.T) {
	if _, err := os.Stat(filepath.Join("testdata", "bad", "missing.json")); !os.IsNotExist(err) {
		t.Fatalf("testdata/bad/missing.json must not exist: %v", err)
	}
	for _, tc := range badGraphs {
		t.Run(strings.TrimSuffix(tc.file, ".json"), func(t *testing.T) {
			t.Parallel()
			graph := filepath.Join("testdata", "bad", tc.file)
			want := append([]string{graph}, tc.want...)

			t.Run("stdout", func(t *testing.T) {
				checkOneLineError(t, gen(t, graph), want...)
			})
			t.Run("new_output", func(t *testing.T) {
				dir := t.TempDir()
				out := filepath.Join(dir, "out.py")
				checkOneLineError(t, gen(t, "-o", out, graph), want...)
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("%s was created (stat: %v)", out, err)
				}
				checkDir(t, dir)
			})
			t.Run("existing_output", func(t *testing.T) {
				dir := t.TempDir()
				out := filepath.Join(dir, "out.py")
				writeOld(t, out, []byte("# precious\n"))
				before := snap(t, out)
				checkOneLineError(t, gen(t, "-o", out, graph), want...)
				checkUnchanged(t, out, before)
				checkOneLineError(t, gen(t, "-check", "-o", out, graph), want...)
				checkUnchanged(t, out, before)
				checkDir(t, dir, "out.py")
			})
		})
	}
}

// Bad options and bad templates fail like bad graphs: one line, exit 2, the
// output file left alone.
func TestBadOptions(t *testing.T) {
	const graph = "../../examples/rowsum.json"
	broken := t.TempDir()
	if err := os.MkdirAll(filepath.Join(broken, "devices"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "module.tmpl"), []byte("line one\n{{ if }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"device_uppercase", []string{"-device", "CUDA"}, []string{graph, `device "CUDA"`}},
		{"device_unknown", []string{"-device", "tpu"}, []string{graph, `unknown device "tpu"`, "cpu", "cuda"}},
		{"templates_missing", []string{"-templates", "testdata/no_such_dir"}, []string{"templates overlay", "testdata/no_such_dir"}},
		{"templates_not_dir", []string{"-templates", graph}, []string{"templates overlay", graph, "not a directory"}},
		{"template_syntax", []string{"-templates", broken}, []string{filepath.Join(broken, "module.tmpl"), "module.tmpl:2"}},
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
			checkDir(t, dir, "rowsum.py")
		})
	}
}

// examples returns the example graph files and their graph names.
func examples(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("../../examples/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no examples found")
	}
	names := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var g struct{ Name string }
		if err := json.Unmarshal(data, &g); err != nil || g.Name == "" {
			t.Fatalf("%s: no graph name (%v)", f, err)
		}
		names[f] = g.Name
	}
	return names
}

func TestGenerateExamples(t *testing.T) {
	for graph, name := range examples(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := filepath.Join(dir, name+".py")

			r := gen(t, "-o", out, graph)
			if r.code != exitOK || r.stdout != "" || r.stderr != "" {
				t.Fatalf("gen -o: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			module, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(module), "\n")
			if want := "# Code generated by fusegen from " + name + ". DO NOT EDIT."; first != want {
				t.Errorf("first line %q, want %q", first, want)
			}
			if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o644 {
				t.Errorf("mode of %s: %v (%v), want 0644", out, info.Mode(), err)
			}
			checkDir(t, dir, name+".py")

			// Identical input: the file is not rewritten.
			backdate(t, out)
			before := snap(t, out)
			if r := gen(t, "-o", out, graph); r.code != exitOK || r.stderr != "" {
				t.Fatalf("second gen -o: exit %d, stderr %q", r.code, r.stderr)
			}
			checkUnchanged(t, out, before)
			checkDir(t, dir, name+".py")

			// Standard output carries the same bytes.
			r = gen(t, graph)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("gen to stdout: exit %d, stderr %q", r.code, r.stderr)
			}
			if r.stdout != string(module) {
				t.Errorf("stdout differs from the -o file")
			}

			// -explain changes nothing but stderr.
			if r := gen(t, "-explain", graph); r.code != exitOK || r.stdout != string(module) {
				t.Errorf("-explain: exit %d, stdout differs: %v", r.code, r.stdout != string(module))
			}

			// The cpu override gives another module, with no CUDA in it.
			cpu := gen(t, "-device", "cpu", graph)
			if cpu.code != exitOK || cpu.stderr != "" {
				t.Fatalf("-device cpu: exit %d, stderr %q", cpu.code, cpu.stderr)
			}
			if cpu.stdout == string(module) {
				t.Errorf("-device cpu gives the same module as cuda")
			}
			if strings.Contains(cpu.stdout, "torch.cuda") {
				t.Errorf("-device cpu module mentions torch.cuda")
			}
			if !strings.Contains(string(module), "torch.cuda") {
				t.Errorf("cuda module does not mention torch.cuda")
			}
		})
	}
}

func TestCheck(t *testing.T) {
	const graph = "../../examples/rowsum.json"
	dir := t.TempDir()
	out := filepath.Join(dir, "rowsum.py")
	if r := gen(t, "-o", out, graph); r.code != exitOK {
		t.Fatalf("gen -o: exit %d, stderr %q", r.code, r.stderr)
	}
	backdate(t, out)
	fresh := snap(t, out)

	r := gen(t, "-check", "-o", out, graph)
	if r.code != exitOK || r.stdout != "" || r.stderr != "" {
		t.Errorf("fresh -check: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	checkUnchanged(t, out, fresh)

	// Stale: one line edited.
	stale := bytes.Replace(fresh.data, []byte("DO NOT EDIT."), []byte("EDITED ANYWAY."), 1)
	writeOld(t, out, stale)
	before := snap(t, out)
	r = gen(t, "-check", "-o", out, graph)
	if r.code != exitStale {
		t.Errorf("stale -check: exit %d, want %d (stderr %q)", r.code, exitStale, r.stderr)
	}
	for _, w := range []string{
		"--- " + out + " (on disk)\n",
		"+++ " + out + " (generated)\n",
		"\n@@ -1",
		"\n-# Code generated by fusegen from rowsum. EDITED ANYWAY.\n",
		"\n+# Code generated by fusegen from rowsum. DO NOT EDIT.\n",
	} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stale -check diff lacks %q:\n%s", w, r.stdout)
		}
	}
	if !strings.HasPrefix(r.stdout, "--- ") {
		t.Errorf("diff does not start with ---: %q", r.stdout)
	}
	checkUnchanged(t, out, before)
	checkDir(t, dir, "rowsum.py")

	// Missing: stale too, and nothing is created.
	missing := filepath.Join(dir, "missing.py")
	if r := gen(t, "-check", "-o", missing, graph); r.code != exitStale || !strings.Contains(r.stdout, "+# Code generated") {
		t.Errorf("-check of a missing file: exit %d, stdout %q", r.code, r.stdout)
	}
	checkDir(t, dir, "rowsum.py")
}

func TestUsageErrors(t *testing.T) {
	const graph = "../../examples/rowsum.json"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"check_without_o", []string{"-check", graph}, "-check needs -o"},
		{"no_graph", nil, "want a graph file or an archive"},
		{"two_graphs", []string{graph, graph}, "2 graphs: -o names the folder their modules go to"},
		{"two_graphs_drawn", []string{"-o", "x", "-graph", "k.dot", graph, graph}, "-graph draws one graph's kernels"},
		{"unknown_flag", []string{"-frobnicate", graph}, "flag provided but not defined"},
		{"templates_no_verb", []string{"templates"}, "usage: gen templates export DIR"},
		{"templates_bad_verb", []string{"templates", "import", "x"}, "usage: gen templates export DIR"},
		{"templates_no_dir", []string{"templates", "export"}, "usage: gen templates export DIR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := gen(t, tc.args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d", r.code, exitUsage)
			}
			if r.stdout != "" {
				t.Errorf("stdout not empty: %q", r.stdout)
			}
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "gen: ") || !strings.Contains(last, tc.want) {
				t.Errorf("last stderr line %q, want \"gen: ...%s...\"", last, tc.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"devices", "-h"}} {
		r := gen(t, args...)
		if r.code != exitOK || !strings.Contains(r.stderr, "-templates") {
			t.Errorf("gen %q: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

func TestDevices(t *testing.T) {
	r := gen(t, "devices")
	if r.code != exitOK || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if want := "cpu\ncuda\nmps\nmtia\nxpu\n"; r.stdout != want {
		t.Errorf("gen devices printed %q, want %q", r.stdout, want)
	}
	if r := gen(t, "devices", "extra"); r.code != exitUsage {
		t.Errorf("gen devices extra: exit %d, want %d", r.code, exitUsage)
	}
}

// exportTemplates runs gen templates export into a fresh folder.
func exportTemplates(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "templates")
	r := gen(t, "templates", "export", dir)
	if r.code != exitOK || r.stderr != "" || !strings.HasPrefix(r.stdout, "wrote ") {
		t.Fatalf("templates export: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	return dir
}

func TestTemplatesExportRoundTrip(t *testing.T) {
	dir := exportTemplates(t)
	for _, f := range []string{"module.tmpl", "wrapper/call.tmpl", "wrapper/benchmark.tmpl", "triton/kernel.tmpl",
		"devices/cuda.tmpl", "devices/cuda.json", "devices/xpu.tmpl", "devices/xpu.json", "devices/mtia.tmpl",
		"devices/mtia.json", "devices/mps.tmpl", "devices/mps.json", "devices/cpu.tmpl", "devices/cpu.json"} {
		if info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil || info.Size() == 0 {
			t.Errorf("export lacks %s (%v)", f, err)
		}
	}
	for graph, name := range examples(t) {
		for _, device := range []string{"cuda", "xpu", "mtia", "mps", "cpu"} {
			plain := gen(t, "-device", device, graph)
			overlaid := gen(t, "-templates", dir, "-device", device, graph)
			if plain.code != exitOK || overlaid.code != exitOK {
				t.Fatalf("%s %s: exit %d and %d (stderr %q, %q)", name, device,
					plain.code, overlaid.code, plain.stderr, overlaid.stderr)
			}
			if plain.stdout != overlaid.stdout {
				t.Errorf("%s %s: the exported templates give another module", name, device)
			}
		}
	}

	// Exporting again over the same folder rewrites nothing.
	cuda := filepath.Join(dir, "devices", "cuda.tmpl")
	backdate(t, cuda)
	before := snap(t, cuda)
	if r := gen(t, "templates", "export", dir); r.code != exitOK {
		t.Fatalf("second export: exit %d, stderr %q", r.code, r.stderr)
	}
	checkUnchanged(t, cuda, before)
	checkDir(t, filepath.Join(dir, "devices"), "cpu.json", "cpu.tmpl", "cuda.json", "cuda.tmpl", "mps.json", "mps.tmpl",
		"mtia.json", "mtia.tmpl", "xpu.json", "xpu.tmpl")
}

// A device template added in an overlay is listed and usable.
func TestOverlayNewDevice(t *testing.T) {
	dir := exportTemplates(t)
	cpu, err := os.ReadFile(filepath.Join(dir, "devices", "cpu.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	mydev := strings.Replace(string(cpu), `{{- define "device/device_string"}}cpu{{end}}`, `{{- define "device/device_string"}}mydev:{{.}}{{end}}`, 1)
	if mydev == string(cpu) {
		t.Fatal("cpu.tmpl has no device/device_string define to replace")
	}
	if err := os.WriteFile(filepath.Join(dir, "devices", "mydev.tmpl"), []byte(mydev), 0o644); err != nil {
		t.Fatal(err)
	}
	r := gen(t, "devices", "-templates", dir)
	if r.code != exitOK || !slices.Contains(strings.Fields(r.stdout), "mydev") {
		t.Errorf("devices with overlay: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = gen(t, "-templates", dir, "-device", "mydev:1", "../../examples/rowsum.json")
	if r.code != exitOK || !strings.Contains(r.stdout, `"mydev:1"`) {
		t.Errorf("-device mydev:1: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := gen(t, "-device", "mydev", "../../examples/rowsum.json"); r.code != exitUsage {
		t.Errorf("mydev without the overlay: exit %d, want %d", r.code, exitUsage)
	}
}

// -explain lists every fusion decision with its reason; -graph draws the
// kernels; neither changes the module.
func TestExplainAndGraph(t *testing.T) {
	graph := filepath.Join("..", "..", "examples", "cross_entropy.json")
	plain := gen(t, graph)
	dot := filepath.Join(t.TempDir(), "ce.dot")
	r := gen(t, "-explain", "-graph", dot, graph)
	if r.code != exitOK || r.stdout != plain.stdout {
		t.Fatalf("exit %d; module changed: %v", r.code, r.stdout != plain.stdout)
	}
	for _, want := range []string{
		"kernel 0 [loss_max] + loss_sum: fused: reads",
		"not fused: iteration spaces differ",
		"kernel 1 [loss_loss+loss_count] + loss: fused",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("-explain output lacks %q:\n%s", want, r.stderr)
		}
	}
	data, err := os.ReadFile(dot)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"digraph \"cross_entropy\"", "subgraph cluster_0", "subgraph cluster_1", "style=dashed", "\"logits\" -> \"loss_max\";"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("-graph output lacks %q", want)
		}
	}
}

// A torch.export archive is read by content: gen writes its module, with
// -specialize for symbolic sizes; a bad archive fails as a bad graph does,
// one line, exit 2, nothing written.
func TestArchives(t *testing.T) {
	const fixtures = "../../pt2/testdata"
	dir := t.TempDir()
	out := filepath.Join(dir, "lm_head.py")
	if r := gen(t, "-o", out, filepath.Join(fixtures, "lm_head.pt2")); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if data, err := os.ReadFile(out); err != nil || !strings.Contains(string(data), "def load_params(path):") {
		t.Errorf("no load_params in the module (%v)", err)
	}
	if r := gen(t, "-specialize", "-o", filepath.Join(dir, "dyn.py"), filepath.Join(fixtures, "gpt2_dynamic.pt2")); r.code != 0 {
		t.Fatalf("-specialize: exit %d: %s", r.code, r.stderr)
	}
	// Without -specialize a dynamic archive gives one module for every
	// size: call() reads its symbols from the inputs.
	if r := gen(t, "-o", filepath.Join(dir, "sym.py"), filepath.Join(fixtures, "gpt2_dynamic.pt2")); r.code != 0 {
		t.Fatalf("symbolic: exit %d: %s", r.code, r.stderr)
	}
	if data, err := os.ReadFile(filepath.Join(dir, "sym.py")); err != nil || !strings.Contains(string(data), "_sym_s77, _sym_s27, _ = x.shape") {
		t.Errorf("the symbolic module reads no s77 from x (%v)", err)
	}
	full, err := os.ReadFile(filepath.Join(fixtures, "fallbacks.pt2"))
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.pt2")
	if err := os.WriteFile(truncated, full[:len(full)/3], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		archive string
		want    []string
	}{
		{truncated, []string{"damaged or truncated zip archive"}},
	} {
		o := filepath.Join(dir, "bad.py")
		checkOneLineError(t, gen(t, "-o", o, tc.archive), append([]string{tc.archive}, tc.want...)...)
		if _, err := os.Stat(o); !os.IsNotExist(err) {
			t.Errorf("%s: %s was created (stat: %v)", tc.archive, o, err)
		}
	}
}
