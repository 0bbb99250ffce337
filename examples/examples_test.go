// Package examples holds example graph files. Its tests check that every
// graph file in the repository reads and is in canonical form, and that the
// JSON Schema in docs/ agrees with the op, dtype and reduction lists of
// package ir.
package examples

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
	"github.com/fusegen/fusegen/templates"
)

const (
	schemaPath = "../docs/graph.schema.json"
	formatPath = "../docs/graph-format.md"
	benchDir   = "../bench/gpu/graphs"
	rankDir    = "../bench/gpu/rank"   // the rank-N and layout suite
	externDir  = "../bench/gpu/extern" // the extern-call blocks

	// canonicalExample names the graph that docs/graph-format.md shows in
	// canonical form.
	canonicalExample = "scaled_rowmax"
)

// exampleNames are the workloads of DESIGN.md's table: tensor-op graph
// files here, and at odd sizes in bench/gpu/graphs (NAME_odd.json).
var exampleNames = []string{
	"pointwise_chain", "gelu_tanh", "bias_residual_relu", "softmax_32768x1024",
	"softmax_4096x16384", "layernorm", "rmsnorm", "swiglu", "colsum", "rowsum",
	"two_outputs", "var_mean", "cross_entropy",
}

// rawNames are the workloads also written as raw loop nodes, in raw/.
var rawNames = []string{
	"pointwise_chain", "gelu_tanh", "bias_residual_relu", "two_outputs",
	"rowsum", "colsum", "var_mean",
}

const rawDir = "raw"

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	return s
}

// def returns $defs[name] of the schema.
func def(t *testing.T, s map[string]any, name string) map[string]any {
	t.Helper()
	defs, ok := s["$defs"].(map[string]any)
	if !ok {
		t.Fatalf("%s: no $defs object", schemaPath)
	}
	d, ok := defs[name].(map[string]any)
	if !ok {
		t.Fatalf("%s: no $defs.%s object", schemaPath, name)
	}
	return d
}

// enum returns the string enum of $defs[name].
func enum(t *testing.T, s map[string]any, name string) []string {
	t.Helper()
	raw, ok := def(t, s, name)["enum"].([]any)
	if !ok {
		t.Fatalf("%s: $defs.%s has no enum array", schemaPath, name)
	}
	out := make([]string, len(raw))
	for i, v := range raw {
		str, ok := v.(string)
		if !ok {
			t.Fatalf("%s: $defs.%s.enum[%d] is not a string", schemaPath, name, i)
		}
		out[i] = str
	}
	return out
}

// sameSet reports the names only in want and only in got.
func sameSet(t *testing.T, what string, want, got []string) {
	t.Helper()
	in := func(xs []string, x string) bool { return slices.Contains(xs, x) }
	for _, w := range want {
		if !in(got, w) {
			t.Errorf("schema %s: %q is missing", what, w)
		}
	}
	for _, g := range got {
		if !in(want, g) {
			t.Errorf("schema %s: %q is not in package ir's list", what, g)
		}
	}
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			t.Errorf("schema %s: %q is listed twice", what, g)
		}
		seen[g] = true
	}
}

func stringsOf[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func TestSchemaParses(t *testing.T) {
	s := loadSchema(t)
	if got := s["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", got)
	}
	for _, name := range []string{"buffer", "node", "expr", "index", "dtype", "op", "reduction_type"} {
		def(t, s, name)
	}
	props, _ := s["properties"].(map[string]any)
	version, _ := props["version"].(map[string]any)
	if v, ok := version["const"].(float64); !ok || v != graphfile.FormatVersion {
		t.Errorf("schema version const = %v, want %d", version["const"], graphfile.FormatVersion)
	}
}

func TestSchemaEnumsMatchIR(t *testing.T) {
	s := loadSchema(t)
	sameSet(t, "$defs.op", stringsOf(ir.Ops()), enum(t, s, "op"))
	sameSet(t, "$defs.dtype", stringsOf(ir.DTypes()), enum(t, s, "dtype"))
	sameSet(t, "$defs.reduction_type", stringsOf(ir.ReductionTypes()), enum(t, s, "reduction_type"))
	sameSet(t, "$defs.node_kind", []string{string(ir.Pointwise), string(ir.Reduction), string(ir.Extern)}, enum(t, s, "node_kind"))

	// The arity groups the schema uses to check args.
	var unary, binary []string
	for _, op := range ir.Ops() {
		switch {
		case op == ir.OpCast:
		case ir.Arity(op) == 1:
			unary = append(unary, string(op))
		case ir.Arity(op) == 2:
			binary = append(binary, string(op))
		}
	}
	sameSet(t, "$defs.unary_op", unary, enum(t, s, "unary_op"))
	sameSet(t, "$defs.binary_op", binary, enum(t, s, "binary_op"))
}

func TestSchemaReservedNames(t *testing.T) {
	s := loadSchema(t)
	// The schema reserves what the embedded templates reserve on any
	// embedded device: the words of their reserved-names templates, and
	// their prefixes in the name pattern's "not".
	set, err := templates.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var words, prefixes []string
	for _, d := range set.Devices() {
		r, err := set.Device(d)
		if err != nil {
			t.Fatal(err)
		}
		reserved, err := r.ReservedNames()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range reserved {
			if p, ok := strings.CutSuffix(w.Word, "*"); ok {
				if !slices.Contains(prefixes, p) {
					prefixes = append(prefixes, p)
				}
			} else if !slices.Contains(words, w.Word) {
				words = append(words, w.Word)
			}
		}
	}
	sameSet(t, "$defs.reserved_name", words, enum(t, s, "reserved_name"))
	notDef, _ := def(t, s, "name")["not"].(map[string]any)
	anyOf, _ := notDef["anyOf"].([]any)
	first, _ := anyOf[0].(map[string]any)
	if got, want := first["pattern"], "^("+strings.Join(prefixes, "|")+")"; got != want {
		t.Errorf("$defs.name.not.anyOf[0].pattern = %v, want %q (the templates' reserved prefixes)", got, want)
	}
	for _, name := range words {
		if err := ir.CheckName(name); err != nil {
			t.Errorf("the templates reserve %q, which ir.CheckName refuses already: %v", name, err)
		}
	}
	pat, _ := def(t, s, "name")["pattern"].(string)
	re, err := regexp.Compile(pat)
	if err != nil {
		t.Fatalf("$defs.name.pattern: %v", err)
	}
	for _, name := range []string{"x", "bias", "out_1", "m2", "Var", strings.Repeat("a", 64)} {
		if err := ir.CheckName(name); err != nil {
			t.Errorf("ir.CheckName(%q): %v", name, err)
		}
		if !re.MatchString(name) {
			t.Errorf("$defs.name.pattern refuses %q, which ir.CheckName accepts", name)
		}
	}
	for _, name := range []string{"_x", "1x", "a-b", strings.Repeat("a", 65)} {
		if ir.CheckName(name) == nil {
			t.Errorf("ir.CheckName(%q) accepts it", name)
		}
		if re.MatchString(name) {
			t.Errorf("$defs.name.pattern accepts %q, which ir.CheckName refuses", name)
		}
	}
}

// graphFiles lists the graph files of dir, failing when there are none.
func graphFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no graph files in %s", dir)
	}
	sort.Strings(files)
	return files
}

func TestExpectedGraphFilesExist(t *testing.T) {
	for _, name := range exampleNames {
		for _, path := range []string{name + ".json", filepath.Join(benchDir, name+"_odd.json")} {
			if _, err := os.Stat(path); err != nil {
				t.Error(err)
			}
		}
	}
	for _, name := range rawNames {
		if _, err := os.Stat(filepath.Join(rawDir, name+".json")); err != nil {
			t.Error(err)
		}
	}
}

// TestExampleKinds: the examples are tensor-op files (op nodes only), the
// raw examples loop nodes only, and a raw example and its tensor-op twin
// take the same inputs and return the same outputs.
func TestExampleKinds(t *testing.T) {
	read := func(path string) *ops.Program {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := graphfile.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return f
	}
	for _, path := range graphFiles(t, ".") {
		for i, n := range read(path).Nodes {
			if n.Op == nil {
				t.Errorf("%s: nodes[%d] is a loop node; examples/*.json are tensor-op files (raw ones go in raw/)", path, i)
			}
		}
	}
	for _, name := range rawNames {
		raw := read(filepath.Join(rawDir, name+".json"))
		for i, n := range raw.Nodes {
			if n.Loop == nil {
				t.Errorf("raw/%s.json: nodes[%d] is an op node", name, i)
			}
		}
		ops := read(name + ".json")
		rawIn, err := json.Marshal(raw.Inputs)
		if err != nil {
			t.Fatal(err)
		}
		opsIn, _ := json.Marshal(ops.Inputs)
		if !bytes.Equal(rawIn, opsIn) || !slices.Equal(raw.Outputs, ops.Outputs) {
			t.Errorf("%s: raw/ and tensor-op versions differ in inputs or outputs", name)
		}
	}
}

func TestGraphFilesAreCanonical(t *testing.T) {
	files := append(graphFiles(t, "."), graphFiles(t, benchDir)...)
	files = append(files, graphFiles(t, rawDir)...)
	files = append(files, graphFiles(t, rankDir)...)
	files = append(files, graphFiles(t, externDir)...)
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := graphfile.ReadProgram(data)
			if err != nil {
				t.Fatalf("ReadProgram: %v", err)
			}
			if want := strings.TrimSuffix(filepath.Base(path), ".json"); p.Name != want {
				t.Errorf("graph name %q, want the file name %q", p.Name, want)
			}
			out, err := graphfile.Write(p)
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			if !bytes.Equal(out, data) {
				t.Errorf("not in canonical form; %s", firstDiff(data, out))
			}
		})
	}
}

// firstDiff describes the first line where the file and the canonical form
// differ.
func firstDiff(file, canon []byte) string {
	a := strings.Split(string(file), "\n")
	b := strings.Split(string(canon), "\n")
	line := func(xs []string, i int) string {
		if i < len(xs) {
			return strconv.Quote(xs[i])
		}
		return "end of file"
	}
	for i := 0; i < len(a) || i < len(b); i++ {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return fmt.Sprintf("line %d: file has %s, canonical form has %s", i+1, line(a, i), line(b, i))
		}
	}
	return "they differ"
}

// TestFormatDocGraphs reads every complete graph (a JSON block with a
// "version" field) in docs/graph-format.md, and checks that the one shown as
// the canonical form (graph canonicalExample) is exactly that.
func TestFormatDocGraphs(t *testing.T) {
	data, err := os.ReadFile(formatPath)
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllSubmatch(data, -1)
	n, sawCanonical := 0, false
	for i, b := range blocks {
		if !bytes.Contains(b[1], []byte(`"version"`)) {
			continue
		}
		n++
		p, err := graphfile.ReadProgram(b[1])
		if err != nil {
			t.Errorf("%s: json block %d: %v", formatPath, i, err)
			continue
		}
		if p.Name != canonicalExample {
			continue
		}
		sawCanonical = true
		out, err := graphfile.Write(p)
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
		if !bytes.Equal(out, b[1]) {
			t.Errorf("%s: the canonical form example is not canonical; %s", formatPath, firstDiff(b[1], out))
		}
	}
	if n == 0 {
		t.Errorf("%s: no complete graph examples found", formatPath)
	}
	if !sawCanonical {
		t.Errorf("%s: no example graph named %q", formatPath, canonicalExample)
	}
}

// TestEveryOpHasAGoldenCase: each tensor op of the graph file appears as a
// node of some golden case golden/testdata/op_*/graph.json (which the GPU
// conformance script also runs against torch).
func TestEveryOpHasAGoldenCase(t *testing.T) {
	dirs, err := filepath.Glob("../golden/testdata/op_*/graph.json")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, path := range dirs {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := graphfile.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, n := range f.Nodes {
			if n.Op != nil {
				seen[n.Op.Op] = true
			}
		}
	}
	for _, op := range ops.OpNames() {
		if !seen[op] {
			t.Errorf("op %q has no golden case (golden/testdata/op_*)", op)
		}
	}
}

// TestSchemaOpNodes: the schema's tensor ops are package ir's, and its op
// node fields are the union of the fields the ops take.
func TestSchemaOpNodes(t *testing.T) {
	s := loadSchema(t)
	sameSet(t, "$defs.tensor_op", ops.OpNames(), enum(t, s, "tensor_op"))
	props, ok := def(t, s, "op_node")["properties"].(map[string]any)
	if !ok {
		t.Fatal("$defs.op_node has no properties")
	}
	var got []string
	for k := range props {
		switch k {
		case "name", "outputs", "op", "args":
		default:
			got = append(got, k)
		}
	}
	var want []string
	for _, op := range ops.OpNames() {
		fields, _, _, _ := ops.OpFields(op)
		for _, f := range fields {
			if !slices.Contains(want, f) {
				want = append(want, f)
			}
		}
	}
	sameSet(t, "$defs.op_node.properties", want, got)
}

// docInputs are the inputs the op reference of docs/graph-format.md names.
const docInputs = `[{"name": "x", "dtype": "float32", "shape": [8, 16]}, {"name": "b", "dtype": "float32", "shape": [16]},
  {"name": "w", "dtype": "float32", "shape": [16]}, {"name": "h", "dtype": "bfloat16", "shape": [8, 16]},
  {"name": "k", "dtype": "int32", "shape": [8, 16]}, {"name": "mask", "dtype": "bool", "shape": [8, 16]},
  {"name": "x3", "dtype": "float32", "shape": [4, 8, 16]}, {"name": "idx", "dtype": "int64", "shape": [8, 4]},
  {"name": "ids", "dtype": "int64", "shape": [5]}, {"name": "t", "dtype": "int64", "shape": [8]},
  {"name": "wm", "dtype": "float32", "shape": [16, 16]}, {"name": "x3t", "dtype": "float32", "shape": [4, 16, 8]},
  {"name": "r8", "dtype": "float32", "shape": [8]}, {"name": "seq", "dtype": "float32", "shape": [2, 4, 17]},
  {"name": "kw1", "dtype": "float32", "shape": [8, 4, 3]}, {"name": "img", "dtype": "float32", "shape": [2, 4, 9, 9]},
  {"name": "kw", "dtype": "float32", "shape": [8, 4, 3, 3]}, {"name": "kb", "dtype": "float32", "shape": [8]},
  {"name": "vol", "dtype": "float32", "shape": [1, 4, 5, 6, 7]}, {"name": "kw3", "dtype": "float32", "shape": [8, 2, 3, 3, 3]}]`

// TestFormatDocOpExamples: every tensor op has an example node in
// docs/graph-format.md, and every example lowers in a graph of the inputs
// the document names.
func TestFormatDocOpExamples(t *testing.T) {
	data, err := os.ReadFile(formatPath)
	if err != nil {
		t.Fatal(err)
	}
	spans := regexp.MustCompile("`(\\{\"(?:name|outputs)\": [^`]*\"op\": [^`]*\\})`").FindAllSubmatch(data, -1)
	seen := map[string]bool{}
	examples := map[string]bool{}
	for _, m := range spans {
		node := string(m[1])
		examples[node] = true
		var parsed map[string]any
		if err := json.Unmarshal(m[1], &parsed); err != nil {
			t.Errorf("%s: example %s is not JSON: %v", formatPath, node, err)
			continue
		}
		var outs []string
		if o, ok := parsed["outputs"].([]any); ok {
			for _, v := range o {
				outs = append(outs, fmt.Sprintf("%q", v))
			}
		} else {
			outs = []string{fmt.Sprintf("%q", parsed["name"])}
		}
		src := fmt.Sprintf(`{"version": 1, "name": "doc", "inputs": %s, "nodes": [%s], "outputs": [%s]}`, docInputs, node, strings.Join(outs, ", "))
		if _, err := graphfile.Read([]byte(src)); err != nil {
			t.Errorf("%s: example %s: %v", formatPath, node, err)
		}
		if op, ok := parsed["op"].(string); ok {
			seen[op] = true
		}
	}
	for _, op := range ops.OpNames() {
		if !seen[op] {
			t.Errorf("%s: op %q has no example node", formatPath, op)
		}
	}
	// The registry's ops have their example from the registry, verbatim.
	for _, e := range ops.ElementwiseOps() {
		if !examples[e.Example] {
			t.Errorf("%s: op %q: the Op reference has no example `%s` (ops.ElementwiseOps)", formatPath, e.Name, e.Example)
		}
	}
}

// summaryRows are the rows of the Op summary of docs/graph-format.md, by
// IR class.
var summaryRows = map[ir.OpClass]string{
	ir.ClassFloatUnary: "float unary", ir.ClassNumUnary: "numeric unary", ir.ClassPredicate: "predicates",
	ir.ClassLogicalNot: "logical not", ir.ClassArith: "arithmetic", ir.ClassFloatBinary: "float binary",
	ir.ClassMinMax: "min/max", ir.ClassCompare: "comparisons", ir.ClassLogical: "logical", ir.ClassBitwise: "bitwise",
}

// TestFormatDocOpSummary: the Op summary of docs/graph-format.md lists the
// ops of each class of ir.OpTable in its row, and the counts it gives are
// those of ir.Ops and ops.OpNames.
func TestFormatDocOpSummary(t *testing.T) {
	data, err := os.ReadFile(formatPath)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| ([a-z/ ]+) \\| `([^`]+)` \\|").FindAllSubmatch(data, -1) {
		rows[string(m[1])] = strings.Fields(string(m[2]))
	}
	want := map[ir.OpClass][]string{}
	for _, o := range ir.OpTable() {
		want[o.Class] = append(want[o.Class], string(o.Name))
	}
	for c, label := range summaryRows {
		got, ok := rows[label]
		if !ok {
			t.Errorf("%s: the Op summary has no row %q", formatPath, label)
			continue
		}
		if !slices.Equal(got, want[c]) {
			t.Errorf("%s: Op summary row %q lists `%s`, want `%s` (ir.OpTable)", formatPath, label, strings.Join(got, " "), strings.Join(want[c], " "))
		}
		delete(want, c)
	}
	for c := range want {
		t.Errorf("IR class %d has no Op summary row in this test (summaryRows)", c)
	}
	for _, c := range []struct {
		re   string
		want int
	}{
		{"That is all (\\d+) ops \\(`ir.Ops\\(\\)`\\)", len(ir.Ops())},
		{"one of the (\\d+) below \\(`ops.OpNames\\(\\)`\\)", len(ops.OpNames())},
	} {
		m := regexp.MustCompile(c.re).FindSubmatch(data)
		if m == nil {
			t.Errorf("%s: no %q", formatPath, c.re)
			continue
		}
		if n, _ := strconv.Atoi(string(m[1])); n != c.want {
			t.Errorf("%s: says %s, want %d", formatPath, m[0], c.want)
		}
	}
}

// TestEveryIROpHasAGoldenCase: every IR op is computed by some golden case
// (once its op nodes are lowered), so that its template is rendered there.
func TestEveryIROpHasAGoldenCase(t *testing.T) {
	paths, err := filepath.Glob("../golden/testdata/*/graph.json")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[ir.Op]bool{}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		g, err := graphfile.Read(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, n := range g.Nodes {
			n.Body.Walk(func(e *ir.Expr) { seen[e.Op] = true })
		}
	}
	for _, op := range ir.Ops() {
		if !seen[op] {
			t.Errorf("IR op %q is in no golden case (golden/testdata/*/graph.json)", op)
		}
	}
}

// TestGPUScriptsKnowEveryOp: the GPU checks, which run where Go is not,
// know every op: bench/gpu/interp.py evaluates each IR op, and
// bench/gpu/conformance.py has a torch reference for each golden op case.
func TestGPUScriptsKnowEveryOp(t *testing.T) {
	read := func(path string) string {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	interp := read("../bench/gpu/interp.py")
	for _, op := range ir.Ops() {
		if !strings.Contains(interp, strconv.Quote(string(op))) {
			t.Errorf("bench/gpu/interp.py does not name IR op %q", op)
		}
	}
	conf := read("../bench/gpu/conformance.py")
	dirs, err := filepath.Glob("../golden/testdata/op_*")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if name := filepath.Base(d); !strings.Contains(conf, strconv.Quote(name)+":") {
			t.Errorf("bench/gpu/conformance.py has no reference for golden case %s (references())", name)
		}
	}
}
