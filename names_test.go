package fusegen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/ir"
)

// The generated module's own names cannot collide with a graph's, on any
// device: for every embedded device and the overlay device of
// examples/overlay-device, a module's identifiers (every name it binds or
// reads, in any scope, with Python's keywords and the names older modules
// bound) are tried as input and node names. Those the device's templates
// refuse get the one-line error; every name call() reads as a global must be
// among them. The others name the inputs and nodes of graphs that take every
// role call() has for a graph name, and Python's ast checks that call()
// binds each only where the graph means it (the unpack of the inputs, an
// input's aligned copy, a node's allocation or reuse) and reads no global of
// that name.
func TestReservedNames(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found; the reserved-names test needs it")
	}
	embedded, err := New()
	if err != nil {
		t.Fatal(err)
	}
	const overlayDir = "examples/overlay-device/templates"
	overlay, err := New(WithOverlay(os.DirFS(overlayDir), overlayDir))
	if err != nil {
		t.Fatal(err)
	}
	type device struct {
		name string
		gen  *Generator
	}
	var devices []device
	for _, d := range embedded.Templates().Devices() {
		devices = append(devices, device{d, embedded})
	}
	if !slices.Contains(overlay.Templates().Devices(), "privateuseone") {
		t.Fatalf("%s adds no device privateuseone", overlayDir)
	}
	devices = append(devices, device{"privateuseone", overlay})
	if len(devices) != 6 {
		t.Fatalf("devices %v, want cuda, xpu, mtia, mps, cpu and privateuseone", devices)
	}
	script := filepath.Join(t.TempDir(), "names.py")
	if err := os.WriteFile(script, []byte(namesPy), 0o644); err != nil {
		t.Fatal(err)
	}
	variants := []struct {
		name string
		opts Options
	}{{"direct", Options{}}, {"autotune", Options{Heuristics: heuristics.Rules{Autotune: true}}}}

	// A module per device and variant, its graph names neutral.
	neutral := make([]string, 2*roles)
	for i := range neutral {
		neutral[i] = "v" + strconv.Itoa(i)
	}
	base := map[string]string{}
	for _, d := range devices {
		for _, v := range variants {
			base[d.name+"/"+v.name] = generateRoles(t, d.gen, d.name, v.opts, neutral).src
		}
	}
	var idents map[string]struct {
		Names   []string `json:"names"`
		Globals []string `json:"globals"`
	}
	runPython(t, py, script, "idents", base, &idents)

	var checks []namesCheck
	for _, d := range devices {
		// The candidates: the modules' identifiers, Python's keywords, and
		// what older modules bound (the collisions).
		candidates := append(slices.Clone(oldModuleNames), idents[d.name+"/direct"].Names...)
		candidates = append(candidates, idents[d.name+"/autotune"].Names...)
		slices.Sort(candidates)
		candidates = slices.Compact(candidates)
		refused := map[string]bool{}
		var accepted []string
		noOp := map[string]bool{} // accepted, but not as an op that lowering names nodes after
		for _, name := range candidates {
			err := tryName(d.gen, d.name, name)
			if err == nil {
				accepted = append(accepted, name)
				var ierr *ir.Error
				if err := trySoftmaxName(d.gen, d.name, name); err != nil {
					noOp[name] = true
					if !errors.As(err, &ierr) || ierr.Path != "nodes[0] "+strconv.Quote(name) || !strings.HasPrefix(ierr.Msg, "lowering softmax makes a node named ") ||
						strings.Contains(err.Error(), "\n") {
						t.Errorf("%s: softmax %q: want the one-line error at its node about the node lowering makes, got %v", d.name, name, err)
					}
				}
				continue
			}
			refused[name] = true
			var ierr *ir.Error
			if !errors.As(err, &ierr) || strings.Contains(err.Error(), "\n") || ierr.Path != "inputs[0].name" ||
				!strings.Contains(ierr.Msg, strconv.Quote(name)) {
				t.Errorf("%s: input %q: want the one-line error at inputs[0].name naming it, got %v", d.name, name, err)
			}
			if !strings.HasPrefix(name, "_") && !strings.Contains(ierr.Msg, " (reserved by ") {
				t.Errorf("%s: input %q: the error does not say which template reserves it: %v", d.name, name, err)
			}
			// As a node name it is refused too, at the node.
			if err := tryNodeName(d.gen, d.name, name); !errors.As(err, &ierr) || ierr.Path != "nodes[0].name" || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: node %q: want the one-line error at nodes[0].name, got %v", d.name, name, err)
			}
		}
		for _, v := range variants {
			for _, g := range idents[d.name+"/"+v.name].Globals {
				if !refused[g] && !strings.HasPrefix(g, "triton_") {
					t.Errorf("%s (%s): call() reads the global %q, but a graph may take the name", d.name, v.name, g)
				}
			}
		}
		for _, kw := range pythonKeywords {
			if !refused[kw] {
				t.Errorf("%s: the keyword %q is accepted as a graph name", d.name, kw)
			}
		}
		if got, want := refused["contextlib"], d.name == "mps"; got != want {
			t.Errorf("%s: contextlib refused: %v, want %v (only mps's call() reads it)", d.name, got, want)
		}
		for _, name := range []string{"empty_strided_xpu", "get_raw_stream", "args", "run", "function", "metadata", "stream0", "sum", "triton"} {
			if refused[name] {
				t.Errorf("%s: %q is refused, but call() no longer reads it", d.name, name)
			}
		}

		// Every accepted name takes every role: graph k gives the name at
		// position q of the padded list the role (q-k) mod roles.
		names := slices.Clone(accepted)
		for i := 0; len(names)%roles != 0; i++ {
			names = append(names, "pad"+strconv.Itoa(i))
		}
		for k := range roles {
			rot := append(slices.Clone(names[k:]), names[:k]...)
			for i := roles - 1; i < len(rot); i += roles {
				if noOp[rot[i]] {
					rot[i] = "pad_s" + strconv.Itoa(i)
				}
			}
			for _, v := range variants {
				res := generateRoles(t, d.gen, d.name, v.opts, rot)
				checks = append(checks, namesCheck{ID: fmt.Sprintf("%s/%s/%d", d.name, v.name, k), Src: res.src,
					Inputs: res.inputs, Nodes: res.nodes, Globals: idents[d.name+"/"+v.name].Globals})
			}
		}
		t.Logf("%s: %d candidate names, %d accepted (%d not as a softmax: %v), %d refused", d.name, len(candidates), len(accepted), len(noOp), slices.Sorted(maps.Keys(noOp)), len(refused))
	}
	input := map[string]namesCheck{}
	for _, c := range checks {
		input[c.ID] = c
	}
	var results map[string]struct {
		Errors []string       `json:"errors"`
		Kinds  map[string]int `json:"kinds"`
	}
	runPython(t, py, script, "check", input, &results)
	kinds := map[string]map[string]int{}
	for _, c := range checks {
		r, ok := results[c.ID]
		if !ok {
			t.Fatalf("%s: no result", c.ID)
		}
		for _, e := range r.Errors {
			t.Errorf("%s: %s", c.ID, e)
		}
		dv := c.ID[:strings.LastIndex(c.ID, "/")]
		if kinds[dv] == nil {
			kinds[dv] = map[string]int{}
		}
		for k, n := range r.Kinds {
			kinds[dv][k] += n
		}
	}
	// The graphs reach every place call() binds a graph name.
	for dv, k := range kinds {
		for _, want := range []string{"unpack", "aligned copy", "alloc", "reuse"} {
			if k[want] == 0 {
				t.Errorf("%s: no graph name is bound by %s: the graphs no longer cover it", dv, want)
			}
		}
		t.Logf("%s: graph names bound: %v", dv, k)
	}
}

// A name a device file reserves is refused on that device only, and so is
// a node that lowering makes under it, at the op's node.
func TestDeviceReservedNames(t *testing.T) {
	cpu, err := os.ReadFile("overrides/devices/cpu.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	mine := strings.Replace(string(cpu), `{{- define "device/device_string"}}cpu{{end}}`, `{{- define "device/device_string"}}mine:{{.}}{{end}}`, 1) +
		"{{- define \"device/reserved_names\"}}\n  y_max  fused*\n{{end}}\n"
	gen, err := New(WithOverlay(fstest.MapFS{"devices/mine.tmpl": {Data: []byte(mine)}}, "ov"))
	if err != nil {
		t.Fatal(err)
	}
	softmax := `{"version": 1, "name": "g", "device": "%s",
		"inputs": [{"name": "%s", "dtype": "float32", "shape": [4, 8]}],
		"nodes": [{"name": "%s", "op": "softmax", "args": ["%[2]s"], "dim": -1}], "outputs": ["%[3]s"]}`
	for _, tc := range []struct {
		device, input, node, want string
	}{
		{"mine", "x", "y", `nodes[0] "y": lowering softmax makes a node named "y_max", which is a Python keyword or a name call() reads (reserved by device/reserved_names in ov/devices/mine.tmpl)`},
		{"mine", "fused_x", "y", `inputs[0].name: name "fused_x" takes a prefix (fused) of names call() reads (reserved by device/reserved_names in ov/devices/mine.tmpl)`},
		{"mine", "x", "torch", `nodes[0].name: name "torch" is a Python keyword or a name call() reads (reserved by wrapper/reserved_names in wrapper/call.tmpl)`},
		{"mine", "x", "triton_y", `nodes[0].name: name "triton_y" takes a prefix (triton_) of names call() reads (reserved by wrapper/reserved_names in wrapper/call.tmpl)`},
		{"mps", "x", "contextlib", `nodes[0].name: name "contextlib" is a Python keyword or a name call() reads (reserved by device/reserved_names in devices/mps.tmpl)`},
		{"cuda", "x", "triton", `nodes[0] "triton": lowering softmax makes a node named "triton_max", which takes a prefix (triton_) of names call() reads (reserved by wrapper/reserved_names in wrapper/call.tmpl)`},
		{"cpu", "x", "y", ""},
		{"cuda", "contextlib", "fused_y", ""},
	} {
		_, err := gen.GenerateFile([]byte(fmt.Sprintf(softmax, tc.device, tc.input, tc.node)), Options{})
		if got := fmt.Sprint(err); tc.want == "" && err != nil || tc.want != "" && got != tc.want {
			t.Errorf("%s, input %s, node %s: got %v, want %q", tc.device, tc.input, tc.node, err, tc.want)
		}
	}
	// An op's outputs are placed at the op.
	_, err = gen.GenerateFile([]byte(`{"version": 1, "name": "g", "device": "cuda",
		"inputs": [{"name": "x", "dtype": "float32", "shape": [4, 8]}],
		"nodes": [{"outputs": ["lo", "import"], "op": "chunk", "args": ["x"], "chunks": 2, "dim": 1}], "outputs": ["lo", "import"]}`), Options{})
	if want := `nodes[0] "lo, import".outputs[1]: name "import" is a Python keyword or a name call() reads (reserved by wrapper/reserved_names in wrapper/call.tmpl)`; fmt.Sprint(err) != want {
		t.Errorf("chunk output: got %v, want %q", err, want)
	}
}

// roles is how many names one block of generateRoles takes.
const roles = 6

type rolesModule struct {
	src           string
	inputs, nodes []string // the graph's names, nodes after lowering
}

// generateRoles generates a graph of blocks, one per six names (x, p, a, b,
// c, s): x is an input that kernels read and an output (call() keeps it as
// passed and may realign it), p an input that is only returned, a, b and c
// reductions in three kernels (c takes over a's buffer, b is freed), and s
// a softmax of x, lowered to the nodes s_max, s_sum and s.
func generateRoles(t *testing.T, gen *Generator, device string, opts Options, names []string) rolesModule {
	t.Helper()
	type obj = map[string]any
	load := func(buf string, index ...string) obj { return obj{"op": "load", "buffer": buf, "index": index} }
	reduce := func(name string, body obj) obj {
		return obj{"name": name, "kind": "reduction", "ranges": []int{16}, "reduction_ranges": []int{16}, "reduction": "sum", "body": body}
	}
	mul := func(a, b obj) obj { return obj{"op": "mul", "args": []obj{a, b}} }
	var inputs, nodes []obj
	var outputs []string
	for b := 0; b+roles <= len(names); b += roles {
		x, p, a, bb, c, s := names[b], names[b+1], names[b+2], names[b+3], names[b+4], names[b+5]
		inputs = append(inputs, obj{"name": x, "dtype": "float32", "shape": []int{16, 16}}, obj{"name": p, "dtype": "float32", "shape": []int{16}})
		nodes = append(nodes, reduce(a, load(x, "i0", "r0")), reduce(bb, mul(load(x, "r0", "i0"), load(a, "r0"))),
			reduce(c, mul(load(x, "i0", "r0"), load(bb, "r0"))), obj{"name": s, "op": "softmax", "args": []string{x}, "dim": -1})
		outputs = append(outputs, x, p, c, s)
	}
	data, err := json.Marshal(obj{"version": 1, "name": "roles", "device": device, "inputs": inputs, "nodes": nodes, "outputs": outputs})
	if err != nil {
		t.Fatal(err)
	}
	g, err := graphfile.Decode(data)
	if err != nil {
		t.Fatalf("%s: %v", device, err)
	}
	res, err := gen.Generate(g, opts)
	if err != nil {
		t.Fatalf("%s: %v", device, err)
	}
	m := rolesModule{src: string(res.Files[ModulePath(g)])}
	for _, b := range g.Inputs {
		m.inputs = append(m.inputs, b.Name)
	}
	for _, n := range g.Nodes {
		m.nodes = append(m.nodes, n.Name)
	}
	return m
}

// tryName generates a small graph whose input is called name.
func tryName(gen *Generator, device, name string) error {
	q, y := strconv.Quote(name), `"y"`
	if name == "y" {
		y = `"z"`
	}
	_, err := gen.GenerateFile([]byte(`{"version": 1, "name": "try", "device": "`+device+`",
		"inputs": [{"name": `+q+`, "dtype": "float32", "shape": [8]}],
		"nodes": [{"name": `+y+`, "op": "exp", "args": [`+q+`]}], "outputs": [`+y+`]}`), Options{})
	return err
}

// trySoftmaxName generates a small graph whose softmax is called name.
func trySoftmaxName(gen *Generator, device, name string) error {
	q, x := strconv.Quote(name), `"x"`
	if name == "x" {
		x = `"w"`
	}
	_, err := gen.GenerateFile([]byte(`{"version": 1, "name": "try", "device": "`+device+`",
		"inputs": [{"name": `+x+`, "dtype": "float32", "shape": [4, 8]}],
		"nodes": [{"name": `+q+`, "op": "softmax", "args": [`+x+`], "dim": -1}], "outputs": [`+q+`]}`), Options{})
	return err
}

// tryNodeName generates a small graph whose node is called name.
func tryNodeName(gen *Generator, device, name string) error {
	q, x := strconv.Quote(name), `"x"`
	if name == "x" {
		x = `"w"`
	}
	_, err := gen.GenerateFile([]byte(`{"version": 1, "name": "try", "device": "`+device+`",
		"inputs": [{"name": `+x+`, "dtype": "float32", "shape": [8]}],
		"nodes": [{"name": `+q+`, "op": "exp", "args": [`+x+`]}], "outputs": [`+q+`]}`), Options{})
	return err
}

type namesCheck struct {
	ID      string   `json:"-"`
	Src     string   `json:"src"`
	Inputs  []string `json:"inputs"`
	Nodes   []string `json:"nodes"`
	Globals []string `json:"globals"` // what call() reads as globals with neutral names
}

// runPython runs names.py MODE with in as JSON on its standard input and
// decodes its standard output into out.
func runPython(t *testing.T, py, script, mode string, in, out any) {
	t.Helper()
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script, mode)
	cmd.Stdin = bytes.NewReader(data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python3 names.py %s: %v\n%s", mode, err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("python3 names.py %s: %v", mode, err)
	}
}

// oldModuleNames are names generated modules used to bind without a leading
// underscore, which graphs could collide with.
var oldModuleNames = []string{"args", "run", "function", "metadata", "meta", "get_raw_stream", "assert_size_stride",
	"empty_strided_cuda", "empty_strided_xpu", "empty_strided_mtia", "stream0", "stream1", "contextlib"}

// pythonKeywords is keyword.kwlist of Python 3.
var pythonKeywords = strings.Fields(`False None True and as assert async await break class continue def del elif
	else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield`)

// namesPy is the ast side of TestReservedNames.
//
//	names.py idents: {id: module source} -> {id: {"names": every identifier
//	  the module binds or reads, in any scope, and Python's keywords and soft
//	  keywords; "globals": the names call() reads but does not bind}}
//	names.py check: {id: {src, inputs, nodes, globals}} -> {id: {"errors":
//	  [...], "kinds": {how call() binds graph names: count}}}
const namesPy = `import ast, json, keyword, sys


def bindings(tree):
    """(name, node) for every binding in tree, in any scope."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.append((node.id, node))
        elif isinstance(node, ast.arg):
            out.append((node.arg, node))
        elif isinstance(node, ast.alias):
            out.append(((node.asname or node.name).split(".")[0], node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append((node.name, node))
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.append((node.name, node))
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            out.extend((n, node) for n in node.names)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            out.append((node.name, node))
        elif isinstance(node, ast.MatchMapping) and node.rest:
            out.append((node.rest, node))
    return out


def reads(tree):
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def call_of(tree):
    calls = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "call"]
    if len(calls) != 1:
        raise SystemExit("want one module-level def call, got %d" % len(calls))
    return calls[0]


def call_globals(call):
    """The names call() reads and does not bind (its own def binds a module name)."""
    return reads(call) - {name for name, node in bindings(call) if node is not call}


def module_names(tree):
    """The names the module's top-level statements bind."""
    out = set()
    for st in tree.body:
        if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(st.name)
        elif isinstance(st, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in st.names)
        elif isinstance(st, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            out.update(n.id for n in ast.walk(st) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store))
    return out


def idents(src):
    tree = ast.parse(src)
    names = {name for name, _ in bindings(tree)} | reads(tree) | set(keyword.kwlist) | set(keyword.softkwlist)
    return {"names": sorted(names), "globals": sorted(call_globals(call_of(tree)))}


def check(c):
    src, inputs, nodes = c["src"], c["inputs"], c["nodes"]
    errors, kinds = [], {}
    try:
        tree = ast.parse(src)
    except SyntaxError as e:
        return {"errors": ["the module does not parse: %s" % e], "kinds": {}}
    call = call_of(tree)
    graph = set(inputs) | set(nodes)
    param = call.args.args[0].arg
    parent = {}
    for p in ast.walk(call):
        for ch in ast.iter_child_nodes(p):
            parent[ch] = p

    def stmt_of(n):
        while not isinstance(n, ast.stmt):
            n = parent[n]
        return n

    def next_stmt(st):
        body = next(b for b in (getattr(parent[st], f, None) for f in ("body", "orelse", "finalbody")) if b and st in b)
        i = body.index(st)
        return body[i + 1] if i + 1 < len(body) else None

    def kind(name, node):
        if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Store):
            return None
        st = stmt_of(node)
        if not isinstance(st, ast.Assign) or len(st.targets) != 1:
            return None
        target, value = st.targets[0], st.value
        if isinstance(target, ast.Tuple):
            if parent[st] is call and isinstance(value, ast.Name) and value.id == param and name in inputs \
                    and [e.id if isinstance(e, ast.Name) else None for e in target.elts] == inputs:
                return "unpack"
            return None
        if target is not node:
            return None
        if isinstance(value, ast.Call) and name in inputs and isinstance(value.func, ast.Name) \
                and value.func.id.startswith("_") and not value.keywords and len(value.args) == 1 \
                and isinstance(value.args[0], ast.Name) and value.args[0].id == name:
            return "aligned copy"
        if isinstance(value, ast.Call) and name in nodes and not (reads(value) & graph):
            return "alloc"
        if isinstance(value, ast.Name) and name in nodes and value.id in nodes:
            nxt = next_stmt(st)
            if isinstance(nxt, ast.Delete) and [ast.dump(t) for t in nxt.targets] == [ast.dump(ast.Name(value.id, ast.Del()))]:
                return "reuse"
        return None

    seen = {}
    for name, node in bindings(call):
        if name not in graph or node is call:
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Del):
            continue  # a free: del y
        k = kind(name, node)
        where = stmt_of(node)
        if k is None:
            errors.append("line %d: call() binds the graph name %r: %s" % (
                getattr(node, "lineno", call.lineno), name, (ast.get_source_segment(src, where) or "").splitlines()[0]))
            continue
        kinds[k] = kinds.get(k, 0) + 1
        seen.setdefault(name, []).append(k)
    for name, ks in seen.items():
        if name in nodes and len(ks) > 1:
            errors.append("call() binds the node %r %d times (%s)" % (name, len(ks), ", ".join(ks)))
        if name in inputs and (ks.count("unpack") != 1 or ks.count("aligned copy") > 1 or len(ks) > 2):
            errors.append("call() binds the input %r as %s" % (name, ", ".join(ks)))
    for name in inputs:
        if name not in seen:
            errors.append("call() does not take the input %r from its argument" % name)
    want = set(c["globals"])
    for name in sorted(want & graph):
        errors.append("call() reads the global %r, which is a graph name here" % name)
    # The same globals as with neutral names; kernel names may differ, as
    # there are more kernels, but must be the module's own.
    got = call_globals(call)
    plain = lambda s: {n for n in s if not n.startswith("triton_")}
    if plain(got) != plain(want):
        errors.append("call() reads the globals %s; with neutral graph names it reads %s" % (sorted(plain(got)), sorted(plain(want))))
    defined = module_names(tree)
    for name in sorted(got - plain(got) - defined):
        errors.append("call() reads %r, which the module does not define" % name)
    return {"errors": errors, "kinds": kinds}


mode = sys.argv[1]
data = json.load(sys.stdin)
if mode == "idents":
    out = {k: idents(v) for k, v in data.items()}
else:
    out = {k: check(v) for k, v in data.items()}
json.dump(out, sys.stdout)
`

// A reserved-names word that is no identifier is an error, not a name that
// never matches.
func TestReservedNamesTypo(t *testing.T) {
	cpu, err := os.ReadFile("overrides/devices/cpu.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	gen, err := New(WithOverlay(fstest.MapFS{"devices/cpu.tmpl": {Data: []byte(string(cpu) + `{{- define "device/reserved_names"}}torch, math{{end}}`)}}, "ov"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = gen.GenerateFile(readExample(t, "rowsum"), Options{Device: "cpu"})
	if want := `ov/devices/cpu.tmpl: device/reserved_names lists "torch,", which is neither a Python identifier nor one followed by *`; fmt.Sprint(err) != want {
		t.Errorf("got %v, want %q", err, want)
	}
}
