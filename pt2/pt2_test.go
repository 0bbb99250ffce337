package pt2_test

import (
	"archive/zip"
	"bytes"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
	"github.com/fusegen/fusegen/pt2"
)

// fixture reads testdata/<name>.pt2 (tiny archives of the models of
// bench/gpu/export_models.py, exported with torch 2.11).
func fixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".pt2"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func decode(data []byte, opts pt2.Options) (*ir.Graph, error) {
	return pt2.Decode(bytes.NewReader(data), int64(len(data)), opts)
}

// Every fixture imports and lowers to a valid graph: the signature's
// inputs in order (parameters, buffers, constants, then user inputs), each
// of the first loaded from an archive entry, the user outputs, and the
// ops it needs lowered, extern, or the ATen fallback.
func TestFixturesImport(t *testing.T) {
	tests := []struct {
		name       string
		specialize bool
		params     int
		userInputs []string
		outputs    []string
		externs    []string // extern targets, sorted, each once
	}{
		{"gpt2_block", false, 12, []string{"x"}, []string{"add_3"}, []string{"addmm", "bmm"}},
		{"gpt2_dynamic", true, 12, []string{"x"}, []string{"add_146"}, []string{"addmm", "bmm"}},
		{"cat_pad_dynamic", false, 0, []string{"x", "y"}, []string{"t_softmax", "sum_1", "constant_pad_nd"}, nil},
		{"llama_block", false, 9, []string{"x"}, []string{"add_6"}, []string{"bmm", "mm"}},
		{"resnet_block", false, 12, []string{"x"}, []string{"relu_1"}, []string{"aten.convolution.default"}},
		{"lm_head", false, 3, []string{"ids", "target"}, []string{"div", "amax"}, []string{"mm"}},
		{"ops_mix", false, 1, []string{"x"}, []string{"constant_pad_nd", "add", "mul", "where_2"}, nil},
		{"fallbacks", false, 0, []string{"x"}, []string{"mul", "add", "getitem_1"}, []string{"aten.cumsum.default", "aten.sort.default", "aten.topk.default"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := decode(fixture(t, tt.name), pt2.Options{Specialize: tt.specialize})
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Params) != tt.params {
				t.Errorf("%d params, want %d", len(g.Params), tt.params)
			}
			for i, p := range g.Params {
				if g.Inputs[i].Name != p.Input || !strings.HasPrefix(p.Entry, tt.name+"/data/") {
					t.Errorf("params[%d] = %+v: want input %q from an entry under %s/data/", i, p, g.Inputs[i].Name, tt.name)
				}
			}
			var user []string
			for _, b := range g.Inputs[len(g.Params):] {
				user = append(user, b.Name)
			}
			if !slices.Equal(user, tt.userInputs) || !slices.Equal(g.Outputs, tt.outputs) {
				t.Errorf("user inputs %v, outputs %v; want %v, %v", user, g.Outputs, tt.userInputs, tt.outputs)
			}
			var externs []string
			for _, n := range g.Nodes {
				if n.Kind == ir.Extern && !slices.Contains(externs, n.Call.Target) {
					externs = append(externs, n.Call.Target)
				}
			}
			slices.Sort(externs)
			if !slices.Equal(externs, tt.externs) {
				t.Errorf("extern targets %v, want %v", externs, tt.externs)
			}
		})
	}
}

// Exported names are kept where they are valid graph names; the others
// (a leading _) are renamed.
func TestNamesKept(t *testing.T) {
	p, err := pt2.Read(bytes.NewReader(fixture(t, "gpt2_block")), int64(len(fixture(t, "gpt2_block"))), pt2.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Inputs[0].Name != "p_ln_1_weight" || p.Name != "gpt2_block" {
		t.Errorf("first input %q, program %q", p.Inputs[0].Name, p.Name)
	}
	var names []string
	for _, n := range p.Nodes {
		names = append(names, n.Names()...)
	}
	if !slices.Contains(names, "getitem") || !slices.Contains(names, "t_softmax") || slices.ContainsFunc(names, func(s string) bool { return strings.HasPrefix(s, "_") }) {
		t.Errorf("names %v", names)
	}
}

// rewrite copies an archive, changing model.json with edit and dropping
// the entries drop names (below the top folder).
func rewrite(t *testing.T, data []byte, edit func(string) string, drop ...string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rel := f.Name[strings.Index(f.Name, "/")+1:]
		if slices.Contains(drop, rel) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if rel == "models/model.json" && edit != nil {
			b = []byte(edit(string(b)))
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// Every kind of bad archive is refused with one line that says what is
// wrong, and where: the node, its target and the user's source line.
func TestBadArchives(t *testing.T) {
	mlp := fixture(t, "fallbacks")
	replace := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				t.Fatalf("fixture lacks %q", old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	tests := []struct {
		name string
		data []byte
		opts pt2.Options
		want []string
	}{
		{"not a zip", []byte(`{"version": 1}`), pt2.Options{}, []string{"not a torch.export archive: not a zip file"}},
		{"truncated", mlp[:len(mlp)/2], pt2.Options{}, []string{"damaged or truncated zip archive"}},
		{"no model", rewrite(t, mlp, nil, "models/model.json"), pt2.Options{}, []string{"no <name>/models/model.json entry"}},
		{"missing weight", rewrite(t, fixture(t, "lm_head"), nil, "data/weights/weight_0"), pt2.Options{}, []string{"missing entry lm_head/data/weights/weight_0"}},
		{"schema major", rewrite(t, mlp, replace(`"schema_version": {"major": 8`, `"schema_version": {"major": 9`), ""), pt2.Options{},
			[]string{"schema_version 9.", "reads major version 8"}},
		{"unknown value", rewrite(t, mlp, replace(`{"name": "self", "arg": {"as_tensor": {"name": "cumsum"}}`, `{"name": "self", "arg": {"as_tensor": {"name": "nowhere"}}`), ""), pt2.Options{},
			[]string{`node "mul" (torch.ops.aten.mul.Tensor)`, "export_models.py:", `refers to "nowhere"`}},
		{"higher-order op", rewrite(t, mlp, replace(`"torch.ops.aten.cumsum.default"`, `"torch.ops.higher_order.cond"`), ""), pt2.Options{},
			[]string{`node "cumsum" (torch.ops.higher_order.cond)`, "higher-order op cond", "export_models.py:"}},
		{"custom op", rewrite(t, mlp, replace(`"torch.ops.aten.cumsum.default"`, `"torch.ops.mylib.scan.default"`), ""), pt2.Options{},
			[]string{`node "cumsum" (torch.ops.mylib.scan.default)`, "custom op mylib.scan.default"}},
		{"symbolic sum whose hint disagrees", rewrite(t, fixture(t, "gpt2_dynamic"), replace(dynX, `"x": {"dtype": 7, "sizes": [{"as_expr": {"expr_str": "Add(Integer(1), Symbol('s77', positive=True, integer=True))"`), ""), pt2.Options{},
			[]string{`input "x" sizes[0]: symbolic size Add(1, s77) is 3 at the symbols' hints, but the archive's hint is 2`}},
		{"symbolic floor division that can be 0", rewrite(t, fixture(t, "gpt2_dynamic"), replace(dynX, `"x": {"dtype": 7, "sizes": [{"as_expr": {"expr_str": "FloorDiv(Symbol('s77', positive=True, integer=True), Integer(2))"`), ""), pt2.Options{},
			[]string{`input "x" sizes[0]: symbolic size FloorDiv(s77, 2): can be 0 over the symbols' ranges`, "a derived symbol", "-specialize"}},
		{"symbolic product of sums", rewrite(t, fixture(t, "gpt2_dynamic"), replace(dynX, `"x": {"dtype": 7, "sizes": [{"as_expr": {"expr_str": "Mul(Add(Integer(1), Symbol('s77', positive=True, integer=True)), Add(Integer(1), Symbol('s27', positive=True, integer=True)))"`), ""), pt2.Options{},
			[]string{`input "x" sizes[0]: symbolic size Mul(Add(1, s77), Add(1, s27)): a product of sums (s77 + 1 and s27 + 1) is no size`}},
		{"symbol without range", rewrite(t, fixture(t, "gpt2_dynamic"), replace(`"range_constraints": {"s77": {"min_val": 1, "max_val": 64}, `, `"range_constraints": {`), ""), pt2.Options{},
			[]string{`input "x" sizes[0]: symbolic size s77: symbol s77 has no range_constraints entry`}},
		{"hint outside range", rewrite(t, fixture(t, "gpt2_dynamic"), replace(`"s77": {"min_val": 1, "max_val": 64}`, `"s77": {"min_val": 3, "max_val": 64}`), ""), pt2.Options{},
			[]string{`range_constraints.s77: symbol "s77": hint 2 is outside its range [3, 64]`}},
		{"hint disagrees", rewrite(t, fixture(t, "gpt2_dynamic"), replace(`"strides": [{"as_expr": {"expr_str": "Mul(Integer(16), Symbol('s27', positive=True, integer=True))", "hint": {"as_int": 64}}}`, `"strides": [{"as_expr": {"expr_str": "Mul(Integer(16), Symbol('s27', positive=True, integer=True))", "hint": {"as_int": 65}}}`), ""), pt2.Options{},
			[]string{`input "x" strides[0]: symbolic size Mul(16, s27) is 64 at the symbols' hints, but the archive's hint is 65`}},
		{"symbolic offset", rewrite(t, fixture(t, "gpt2_dynamic"), replace(`"storage_offset": {"as_int": 0}, "layout": 7}, "getitem"`, `"storage_offset": {"as_expr": {"expr_str": "Symbol('s27', positive=True, integer=True)", "hint": {"as_int": 4}}}, "layout": 7}, "getitem"`), ""), pt2.Options{},
			[]string{`input "x": storage offset s27 is symbolic`}},
		{"bad json", rewrite(t, mlp, func(string) string { return "{" }), pt2.Options{}, []string{"fallbacks/models/model.json: invalid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decode(tt.data, tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error of more than one line: %q", msg)
			}
		})
	}
}

// dynX is the start of the dynamic fixture's input x in tensor_values.
const dynX = `"x": {"dtype": 7, "sizes": [{"as_expr": {"expr_str": "Symbol('s77', positive=True, integer=True)"`

// An archive exported with dynamic dims imports with its symbols: the
// range_constraints' bounds and the sizes' hints, every as_expr size an
// ir.Size over them (sym_size and the size arithmetic read through
// sym_int_values and the shapes), and lowers to a valid graph that writes
// and reads back as a graph file. With Specialize it is the static graph
// at the hints, as before.
func TestDynamicArchive(t *testing.T) {
	data := fixture(t, "gpt2_dynamic")
	p, err := pt2.Read(bytes.NewReader(data), int64(len(data)), pt2.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := ir.Symbols{"s27": {Name: "s27", Hint: 4, Min: 2, Max: 8}, "s77": {Name: "s77", Hint: 2, Min: 1, Max: 64}}
	if !maps.Equal(p.Symbols, want) {
		t.Errorf("symbols %v, want %v", p.Symbols, want)
	}
	x := p.Inputs[len(p.Inputs)-1]
	if got := ir.SizesString(x.Shape); got != "[s77, s27, 16]" || x.Strides != nil {
		t.Errorf("input x: shape %s strides %v, want [s77, s27, 16], contiguous", got, x.Strides)
	}
	g, err := p.Lower()
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Validate(g); err != nil {
		t.Fatal(err)
	}
	out := g.Lookup(g.Outputs[0])
	if got := ir.SizesString(out.Shape); got != "[s77, s27, 16]" {
		t.Errorf("output shape %s", got)
	}
	var externs []string
	for _, n := range g.Nodes {
		if n.Kind == ir.Extern {
			externs = append(externs, n.Call.Target+ir.SizesString(n.Ranges))
		}
	}
	if !slices.Contains(externs, "addmm[s27*s77, 48]") || !slices.Contains(externs, "bmm[2*s77, s27, s27]") {
		t.Errorf("extern nodes %v lack addmm over [s27*s77, 48] and bmm over [2*s77, s27, s27]", externs)
	}
	file, err := graphfile.WriteGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := graphfile.Read(file)
	if err != nil {
		t.Fatalf("the written graph does not read back: %v", err)
	}
	if again, _ := graphfile.WriteGraph(g2); !bytes.Equal(again, file) {
		t.Error("the written graph does not write back to the same bytes")
	}

	sp, err := pt2.Read(bytes.NewReader(data), int64(len(data)), pt2.Options{Specialize: true})
	if err != nil {
		t.Fatal(err)
	}
	if sx := sp.Inputs[len(sp.Inputs)-1]; sp.Symbols != nil || ir.SizesString(sx.Shape) != "[2, 4, 16]" {
		t.Errorf("specialized: symbols %v, x %s; want none, [2, 4, 16]", sp.Symbols, ir.SizesString(sx.Shape))
	}
}

// An archive whose sizes are sums of its symbols (a cat of two dynamic
// lengths, s27 + s94, and a pad of it, s27 + s94 + 3) reads into derived
// symbols, and the ops' own sizes for the cat and the pad are those symbols.
func TestDerivedSizeArchive(t *testing.T) {
	data := fixture(t, "cat_pad_dynamic")
	p, err := pt2.Read(bytes.NewReader(data), int64(len(data)), pt2.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"s17", "s27", "s94"} {
		if s, ok := p.Symbols[name]; !ok || s.Def != nil {
			t.Errorf("symbol %s: %+v, want a symbol of the archive's own", name, s)
		}
	}
	g, err := p.Lower()
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Validate(g); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"t_softmax": "[s17, s27_plus_s94, 8]", "sum_1": "[s17, 8]", "constant_pad_nd": "[s17, s27_plus_s94_plus_3, 8]"}
	for name, shape := range want {
		if got := ir.SizesString(g.Lookup(name).Shape); got != shape {
			t.Errorf("output %s: shape %s, want %s", name, got, shape)
		}
	}
	for _, name := range []string{"s27_plus_s94", "s27_plus_s94_plus_3"} {
		if s, ok := g.Symbols[name]; !ok || s.Def == nil {
			t.Errorf("graph symbol %s: %+v, want a derived symbol", name, s)
		}
	}
	// The cat's and the pad's guarded loads write to a graph file and read
	// back to the same bytes.
	file, err := graphfile.WriteGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(file, []byte(`"guards": [`)) {
		t.Error("the written graph has no guarded load")
	}
	g2, err := graphfile.Read(file)
	if err != nil {
		t.Fatalf("the written graph does not read back: %v", err)
	}
	if again, _ := graphfile.WriteGraph(g2); !bytes.Equal(again, file) {
		t.Error("the written graph does not write back to the same bytes")
	}
}

// IsArchive tells an archive from a graph file by content.
func TestIsArchive(t *testing.T) {
	if !pt2.IsArchive(fixture(t, "fallbacks")) || pt2.IsArchive([]byte(`{"version": 1}`)) {
		t.Error("IsArchive")
	}
}

// A program read from an archive lowers as any op program does: the Go
// API path (Read, then ops lowering) equals Decode.
func TestReadThenLower(t *testing.T) {
	data := fixture(t, "resnet_block")
	p, err := pt2.Read(bytes.NewReader(data), int64(len(data)), pt2.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var _ *ops.Program = p
	g, err := p.Lower()
	if err != nil {
		t.Fatal(err)
	}
	if err := ir.Validate(g); err != nil {
		t.Fatal(err)
	}
}

// Every fixture's ATen targets, counted by how they are imported; the
// counts are in docs/pt2.md.
func TestCoverageOfFixtures(t *testing.T) {
	counts := map[string]map[string]bool{}
	for _, name := range []string{"gpt2_block", "gpt2_dynamic", "cat_pad_dynamic", "llama_block", "resnet_block", "lm_head", "ops_mix", "fallbacks"} {
		data := fixture(t, name)
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if !strings.HasSuffix(f.Name, "/models/model.json") {
				continue
			}
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			for _, m := range targetRE.FindAllStringSubmatch(string(b), -1) {
				target := m[1]
				how := pt2.Mapping(target)
				if counts[how] == nil {
					counts[how] = map[string]bool{}
				}
				counts[how][target] = true
			}
		}
	}
	for _, how := range []string{pt2.Lowered, pt2.Extern, pt2.Fallback} {
		var ts []string
		for t := range counts[how] {
			ts = append(ts, t)
		}
		slices.Sort(ts)
		t.Logf("%s: %d: %s", how, len(ts), strings.Join(ts, " "))
	}
	if len(counts[pt2.Fallback]) > 3 {
		t.Errorf("the fixtures take the fallback for %v; want only the fallbacks model's sort, topk and cumsum", counts[pt2.Fallback])
	}
}

var targetRE = regexp.MustCompile(`"target": "torch\.ops\.(aten\.[A-Za-z0-9_]+\.[A-Za-z0-9_]+)"`)

// docs/pt2.md names every ATen target the importer lowers by name.
func TestDocsListEveryLowering(t *testing.T) {
	doc, err := os.ReadFile("../docs/pt2.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range pt2.Lowerings() {
		if !strings.Contains(string(doc), "`"+target+"`") {
			t.Errorf("docs/pt2.md does not list `%s`", target)
		}
	}
	for _, e := range ops.ElementwiseOps() {
		if !strings.Contains(string(doc), "`"+e.Name+"`") {
			t.Errorf("docs/pt2.md does not name the elementwise op `%s`", e.Name)
		}
	}
}
