package ops

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/fusegen/fusegen/ir"
)

// Lower turns the file into a graph of loop nodes: raw loop nodes are kept
// as written, tensor-op nodes become the loop nodes Inductor's lowerings
// would make (reductions and graph outputs realized, pointwise ops and views
// inlined into the nodes that read them). Nodes made for an op are named
// after its result ("y", "y_max", "y_sum", ...). The graph's Source is f.
//
// Lower checks what it lowers, so its errors name the file's places:
// `nodes[3] "y".dim: dim 2 out of range for a 2-d tensor (want -2 to 1)`.
// The loop nodes are validated along the way (their dtypes filled in); the
// caller still runs Validate over the whole graph (ReadGraph does).
func (f *Program) Lower() (*ir.Graph, error) {
	defined, err := ir.ValidateHeader(f.Name, f.Device, f.Symbols, f.Inputs)
	if err != nil {
		return nil, err
	}
	g := &ir.Graph{Name: f.Name, Device: f.Device, Symbols: graphSymbols(f.Symbols), Inputs: f.Inputs, Params: f.Params}
	l := newLowerer(g)
	for _, b := range f.Inputs {
		l.taken[b.Name] = "input " + strconv.Quote(b.Name)
	}
	producer := map[string]int{} // name -> index of the file node defining it
	paths := make([]string, len(f.Nodes))
	for i, n := range f.Nodes {
		pos := "nodes[" + strconv.Itoa(i) + "]"
		var names []string
		var fields []string
		switch {
		case n.Loop != nil:
			paths[i] = pos + " " + strconv.Quote(n.Loop.Name)
			names, fields = []string{n.Loop.Name}, []string{pos + ".name"}
		case n.Op.Outputs != nil:
			paths[i] = NodePath(pos, n.Op)
			for k, o := range n.Op.Outputs {
				names = append(names, o)
				fields = append(fields, paths[i]+".outputs["+strconv.Itoa(k)+"]")
			}
		default:
			paths[i] = NodePath(pos, n.Op)
			names, fields = []string{n.Op.Name}, []string{pos + ".name"}
		}
		for k, name := range names {
			if name == "" && k > 0 && n.Op != nil && n.Op.Op == "aten" {
				continue // a result the aten op's call discards
			}
			if err := ir.CheckName(name); err != nil {
				return nil, ir.ErrorAt(fields[k], "%v", err)
			}
			if prev, ok := defined[name]; ok {
				return nil, ir.ErrorAt(fields[k], "duplicate name %q (first defined at %s)", name, prev)
			}
			defined[name] = pos
			producer[name] = i
			l.taken[name] = pos + " " + strconv.Quote(name)
		}
	}
	order, err := fileOrder(f, producer, paths)
	if err != nil {
		return nil, err
	}
	// Op results that must be buffers: outputs, and what loop nodes read.
	realize := map[string]bool{}
	for _, o := range f.Outputs {
		realize[o] = true
	}
	for _, n := range f.Nodes {
		if n.Loop != nil && n.Loop.Body != nil {
			for _, r := range n.Loop.Body.Reads() {
				realize[r] = true
			}
		}
	}
	env := map[string]*Tensor{}
	for _, b := range f.Inputs {
		env[b.Name] = bufferTensor(b.Name, b.Shape, b.Strides, b.DType)
	}
	for _, i := range order {
		n := f.Nodes[i]
		if n.Loop != nil {
			if err := ir.ValidateNode(g, nil, n.Loop, paths[i]); err != nil {
				return nil, err
			}
			g.Nodes = append(g.Nodes, n.Loop)
			env[n.Loop.Name] = bufferTensor(n.Loop.Name, n.Loop.Ranges, n.Loop.Strides, n.Loop.DType)
			continue
		}
		op := n.Op
		l.begin(op.Op, op.Results(), paths[i])
		resolve := func(a Arg, field string) (*Tensor, error) {
			if a.Scalar != nil {
				return scalarTensor(*a.Scalar), nil
			}
			if t, ok := env[a.Name]; ok {
				return t, nil
			}
			switch a.Name {
			case "inf", "-inf", "nan":
				return scalarTensor(Scalar{Kind: ScalarFloat, Value: a.Name}), nil
			}
			return nil, ferr(field, "undefined buffer %q", a.Name)
		}
		res, err := l.lowerOp(op, resolve)
		if err != nil {
			return nil, opErrAt(paths[i], err)
		}
		for k, name := range op.Results() {
			t := res[k]
			if t == nil { // discarded
				continue
			}
			if realize[name] || tooLarge(t) {
				if t, err = l.realize(name, t); err != nil {
					return nil, opErrAt(paths[i], err)
				}
			}
			env[name] = t
		}
	}
	if len(f.Outputs) == 0 {
		return nil, ir.ErrorAt("outputs", "the graph has no outputs")
	}
	seen := map[string]bool{}
	for i, o := range f.Outputs {
		path := "outputs[" + strconv.Itoa(i) + "]"
		if _, ok := defined[o]; !ok {
			return nil, ir.ErrorAt(path, "output %q is not an input or a node", o)
		}
		if seen[o] {
			return nil, ir.ErrorAt(path, "output %q is listed twice", o)
		}
		seen[o] = true
	}
	g.Outputs = f.Outputs
	g.Nodes = dropDead(g.Nodes, f)
	g.Places = namePlaces(f, g)
	return g, nil
}

// dropDead removes the nodes lowering made that nothing needs: an op
// result that is no output and that no loop node reads leaves its
// reductions unread. Loop nodes of the file stay, as written.
func dropDead(nodes []*ir.Node, f *Program) []*ir.Node {
	roots := slices.Clone(f.Outputs)
	for _, fn := range f.Nodes {
		if fn.Loop != nil {
			roots = append(roots, fn.Loop.Name)
		}
	}
	live := ir.Live(nodes, roots)
	out := nodes[:0:0]
	for _, n := range nodes {
		if live[n.Name] {
			out = append(out, n)
		}
	}
	return out
}

// opErrAt places an op's error at its node's path.
func opErrAt(path string, err error) error {
	var oe *opError
	if errors.As(err, &oe) {
		if oe.field == "" {
			return &ir.Error{Path: path, Msg: oe.msg}
		}
		return &ir.Error{Path: path + "." + oe.field, Msg: oe.msg}
	}
	return &ir.Error{Path: path, Msg: err.Error()}
}

// deps returns the names a file node reads.
func (n Node) deps() []string {
	if n.Loop != nil {
		if n.Loop.Body == nil {
			return nil
		}
		return n.Loop.Body.Reads()
	}
	var out []string
	for _, a := range n.Op.Args {
		if a.Scalar == nil {
			out = append(out, a.Name)
		}
	}
	for _, a := range []*Arg{n.Op.Attrs.Min, n.Op.Attrs.Max} {
		if a != nil && a.Scalar == nil {
			out = append(out, a.Name)
		}
	}
	for _, s := range []string{n.Op.Attrs.Weight, n.Op.Attrs.Bias} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// fileOrder orders the file's nodes so that each comes after the nodes it
// reads, keeping file order where the dependencies allow.
func fileOrder(f *Program, producer map[string]int, paths []string) ([]int, error) {
	deps := make([][]int, len(f.Nodes))
	for i, n := range f.Nodes {
		for _, r := range n.deps() {
			j, ok := producer[r]
			if !ok {
				continue
			}
			if j == i {
				if n.Loop != nil {
					continue // ir.ValidateNode names the load
				}
				return nil, ir.ErrorAt(paths[i], "the op reads its own result %q", r)
			}
			deps[i] = append(deps[i], j)
		}
	}
	order, cycle := ir.DependencyOrder(len(f.Nodes), func(i int) []int { return deps[i] })
	if cycle != nil {
		names := make([]string, len(cycle))
		for k, j := range cycle {
			names[k] = f.Nodes[j].Names()[0]
		}
		return nil, ir.ErrorAt(paths[cycle[len(cycle)-1]], "cycle: %s", strings.Join(names, " -> "))
	}
	return order, nil
}
