package ir

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Graph is a whole computation: ordered inputs, loop nodes, ordered outputs.
// Every node writes one buffer named after the node.
type Graph struct {
	Name    string
	Device  string // "cuda", "cuda:1", "cpu", or any registered device
	Inputs  []*Buffer
	Nodes   []*Node
	Outputs []string
	// Places says where each name was defined in the graph's source, in
	// source order, for errors that name a place; lowering an op program
	// sets it. Nil means the inputs and nodes by position.
	Places []NamePlace
	// Params are the inputs whose values an archive holds (a torch.export
	// program's parameters, buffers and constants), in input order; the
	// module's load_params reads them.
	Params []Param
	// Symbols are the sizes known only when the module is called; shapes
	// and indices name them. Nil for a static graph.
	Symbols Symbols
}

// Param is an input whose value lies in an archive: Entry, the path of a
// zip entry, holds the storage bytes (little-endian, of the input's dtype)
// that the input's shape, strides and offset view.
type Param struct {
	Input string
	Entry string
}

// Buffer is a named, typed, strided tensor in device memory.
type Buffer struct {
	Name    string
	DType   DType
	Shape   []Size
	Strides []Size // nil means contiguous
	Offset  int64  // storage offset, in elements
}

// NodeKind separates elementwise loops from reductions.
type NodeKind string

// The loop node kinds.
const (
	Pointwise NodeKind = "pointwise"
	Reduction NodeKind = "reduction"
)

// Node is a loop nest. A pointwise node computes Body at every point of
// Ranges; a reduction node combines Body over ReductionRanges for each point
// of Ranges. Inside Body the loop variables are i0, i1, ... for Ranges and r0,
// r1, ... for ReductionRanges. The node's buffer has shape Ranges and is
// contiguous, unless Strides gives it another dense layout.
type Node struct {
	Name   string
	Kind   NodeKind
	DType  DType // the result type; filled in by Validate
	Ranges []Size
	// Strides lays a pointwise node's buffer out as a permutation of its
	// dims, densely (channels_last: [H*W*C, 1, W*C, C] for [N, C, H, W]);
	// nil means contiguous. DenseOrder gives the dims from outermost in.
	Strides         []Size
	ReductionRanges []Size
	Reduction       ReductionType
	Body            *Expr
	// Call computes an extern node's buffer instead of a body.
	Call *ExternCall
	// Origin names the tensor op this node came from, for kernel names.
	Origin string
}

// Buffer describes the buffer the node writes.
func (n *Node) Buffer() *Buffer {
	return &Buffer{Name: n.Name, DType: n.DType, Shape: n.Ranges, Strides: n.Strides}
}

// DenseOrder returns the dims of a dense layout from the outermost (largest
// stride) in, where strides lay shape out with no gap and no overlap (a
// size-1 dim's stride is free); it reports false for any other strides.
// Contiguous strides give 0, 1, ...
func DenseOrder(shape, strides []Size) ([]int, bool) {
	if len(strides) != len(shape) {
		return nil, false
	}
	order := make([]int, len(shape))
	for d := range order {
		order[d] = d
	}
	// By decreasing stride, ties in logical order; where a size-1 dim
	// lands does not matter, its index is always 0. Symbolic strides are
	// ordered as if every symbol were large; the walk below then checks
	// the order exactly.
	sort.SliceStable(order, func(i, j int) bool { return strides[order[i]].order() > strides[order[j]].order() })
	want := Int(1)
	for i := len(order) - 1; i >= 0; i-- {
		d := order[i]
		if shape[d].Is(1) {
			continue
		}
		if strides[d] != want {
			return nil, false
		}
		want = want.Mul(shape[d])
	}
	return order, true
}

// order is a sort key that ranks a size as if each symbol were 2^20.
func (s Size) order() float64 {
	v := float64(s.C)
	for range s.Syms.names() {
		v *= 1 << 20
	}
	return v
}

// StridesFor returns the dense strides that lay shape out in order (the
// dims from the outermost in).
func StridesFor(shape []Size, order []int) []Size {
	s := make([]Size, len(shape))
	acc := Int(1)
	for i := len(order) - 1; i >= 0; i-- {
		s[order[i]] = acc
		acc = acc.Mul(shape[order[i]])
	}
	return s
}

// RangeVar is the name of loop variable d of the node's ranges.
func RangeVar(d int) string {
	if d >= 0 && d < len(rangeVarNames) {
		return rangeVarNames[d]
	}
	return "i" + strconv.Itoa(d)
}

// RangeVars are the indices of a node's first n loop variables, in order.
func RangeVars(n int) []Index {
	idx := make([]Index, n)
	for d := range idx {
		idx[d] = VarIndex(RangeVar(d))
	}
	return idx
}

// Live reports the nodes the roots need, directly or through other nodes:
// what each reads, and every result of a call that binds several.
func Live(nodes []*Node, roots []string) map[string]bool {
	byName := make(map[string]*Node, len(nodes))
	for _, n := range nodes {
		byName[n.Name] = n
	}
	live := map[string]bool{}
	stack := append([]string(nil), roots...)
	for len(stack) > 0 {
		name := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n, ok := byName[name]
		if !ok || live[name] {
			continue
		}
		live[name] = true
		stack = append(stack, n.Reads()...)
		if n.Call != nil {
			for _, r := range n.Call.Results {
				if r != "" {
					stack = append(stack, r)
				}
			}
		}
	}
	return live
}

// ReductionVar is the name of loop variable d of the node's reduction ranges.
func ReductionVar(d int) string {
	if d >= 0 && d < len(reductionVarNames) {
		return reductionVarNames[d]
	}
	return "r" + strconv.Itoa(d)
}

// The names of the first loop variables, spelled once.
var rangeVarNames, reductionVarNames = varNames("i"), varNames("r")

func varNames(prefix string) []string {
	names := make([]string, 16)
	for d := range names {
		names[d] = prefix + strconv.Itoa(d)
	}
	return names
}

// VarSizes maps each loop variable of n to its range size.
func (n *Node) VarSizes() map[string]Size {
	m := make(map[string]Size, len(n.Ranges)+len(n.ReductionRanges))
	for d, s := range n.Ranges {
		m[RangeVar(d)] = s
	}
	for d, s := range n.ReductionRanges {
		m[ReductionVar(d)] = s
	}
	return m
}

// Numel is the number of points in Ranges.
func (n *Node) Numel() Size { return Product(n.Ranges) }

// ReductionNumel is the number of points in ReductionRanges (1 when none).
func (n *Node) ReductionNumel() Size { return Product(n.ReductionRanges) }

// ContiguousStrides returns row-major strides for shape.
func ContiguousStrides(shape []Size) []Size {
	s := make([]Size, len(shape))
	acc := Int(1)
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc = acc.Mul(shape[i])
	}
	return s
}

// StridesOrContiguous returns the buffer's strides, filling in the contiguous
// default.
func (b *Buffer) StridesOrContiguous() []Size {
	if b.Strides != nil {
		return b.Strides
	}
	return ContiguousStrides(b.Shape)
}

// Numel is the number of elements.
func (b *Buffer) Numel() Size { return Product(b.Shape) }

// Extent is the number of elements from the first element to one past the
// last one reachable through the strides (the storage it needs past
// Offset): 1 + the sum of (size-1)*stride, or 0 for no elements.
func (b *Buffer) Extent() Index {
	if b.Numel().C == 0 {
		return Index{}
	}
	e := ConstIndex(1)
	for i, s := range b.StridesOrContiguous() {
		e = e.Add(SizeIndex(b.Shape[i]).Add(ConstIndex(-1)).Times(s))
	}
	return e
}

// Lookup returns the buffer called name: an input or a node's output.
func (g *Graph) Lookup(name string) *Buffer {
	for _, b := range g.Inputs {
		if b.Name == name {
			return b
		}
	}
	for _, n := range g.Nodes {
		if n.Name == name {
			return n.Buffer()
		}
	}
	return nil
}

// Node returns the node called name, or nil.
func (g *Graph) Node(name string) *Node {
	for _, n := range g.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// DeviceType is the device without its index ("cuda" for "cuda:1").
func (g *Graph) DeviceType() string {
	t, _, _ := strings.Cut(g.Device, ":")
	return t
}

// DeviceIndex is the device's index (0 when none is given).
func (g *Graph) DeviceIndex() int {
	_, idx, ok := strings.Cut(g.Device, ":")
	if !ok {
		return 0
	}
	i, _ := strconv.Atoi(idx)
	return i
}

// ParseDevice checks a device string: a lowercase name, optionally ":index".
func ParseDevice(s string) error {
	name, idx, hasIdx := strings.Cut(s, ":")
	if name == "" || !IsIdentifier(name) || strings.ToLower(name) != name {
		return fmt.Errorf("device %q: want a lowercase name such as cuda or cpu, optionally followed by :index", s)
	}
	if hasIdx {
		if i, err := strconv.Atoi(idx); err != nil || i < 0 || i > 1023 || strconv.Itoa(i) != idx {
			return fmt.Errorf("device %q: index %q is not a small non-negative integer", s, idx)
		}
	}
	return nil
}
