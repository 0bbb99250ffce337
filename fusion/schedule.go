// Package fusion groups the loop nodes of a validated graph into kernels and
// decides which buffers live in device memory.
//
// The scheduler is a list scheduler over the dependency graph: it keeps one
// open kernel and, among the nodes whose inputs are all computed, picks one
// that can join it (the one sharing the most bytes with it); when none can,
// it closes the kernel and opens the next with the earliest ready node. A
// node only ever joins the newest kernel, so the kernel order is always a
// valid order: no cycle, no read before its write.
package fusion

import (
	"fmt"
	"sort"
	"strings"

	"github.com/fusegen/fusegen/ir"
)

// Group is a kernel's iteration space as Inductor's group_fn computes it:
// (numel, rnumel), with rnumel 1 for pointwise work.
type Group struct {
	Numel          ir.Size
	ReductionNumel ir.Size
}

func (g Group) String() string { return fmt.Sprintf("(%s, %s)", g.Numel, g.ReductionNumel) }

// Kernel is one launch: the nodes it computes, in order.
type Kernel struct {
	Nodes []*ir.Node
	Group Group
}

// IsExtern reports a kernel that is one extern call.
func (k *Kernel) IsExtern() bool { return len(k.Nodes) == 1 && k.Nodes[0].Kind == ir.Extern }

// IsReduction reports whether any node of k reduces.
func (k *Kernel) IsReduction() bool {
	for _, n := range k.Nodes {
		if n.Kind == ir.Reduction {
			return true
		}
	}
	return false
}

// Decision records one fusion choice and why it was made.
type Decision struct {
	Kernel int    // the kernel the candidate was considered for
	First  string // the kernel's nodes, joined with +
	Second string // the candidate node
	Fused  bool
	Reason string
}

func (d Decision) String() string {
	verb := "not fused"
	if d.Fused {
		verb = "fused"
	}
	if d.First == "" {
		return fmt.Sprintf("%s: %s", d.Second, d.Reason)
	}
	return fmt.Sprintf("kernel %d [%s] + %s: %s: %s", d.Kernel, d.First, d.Second, verb, d.Reason)
}

// Schedule is the kernel plan for a graph.
type Schedule struct {
	// Graph is the graph the kernels compute: the input graph, or a copy
	// with split reductions rewritten into two nodes.
	Graph   *ir.Graph
	Kernels []*Kernel
	// Materialized holds every node buffer written to device memory: graph
	// outputs and buffers read by another kernel. The rest live only inside
	// the kernel that computes them.
	Materialized map[string]bool
	Decisions    []Decision
	// Table indexes Graph's buffers and nodes.
	Table *ir.Table
}

// GroupOf returns the iteration space of a node.
func GroupOf(n *ir.Node) Group {
	return Group{Numel: n.Numel(), ReductionNumel: n.ReductionNumel()}
}

// Options are the scheduling switches a device may set, as the test
// extension backend's can_fuse_vertical / can_fuse_horizontal do.
type Options struct {
	NoVertical   bool // never fuse a consumer with its producer
	NoHorizontal bool // never fuse independent nodes
	NoSplit      bool // never split a reduction into two kernels
	// MultiProcessors is the device's multiprocessor count, which split
	// reductions aim to fill (default 132, an H100 or H200).
	MultiProcessors int
	// SplitWaves is how many programs per multiprocessor a split reduction
	// aims at (default 4).
	SplitWaves int64
}

// MaxKernelNodes caps the nodes of one kernel, as Inductor's max_fusion_size.
const MaxKernelNodes = 64

// readyWindow bounds how many ready nodes are tried against the open kernel,
// which keeps scheduling linear in the graph size.
const readyWindow = 64

// Plan schedules a validated graph.
func Plan(g *ir.Graph, opts Options) (*Schedule, error) {
	s := &Schedule{Graph: g, Materialized: map[string]bool{}, Table: ir.NewTable(g)}
	if s.Graph = dropUnread(g, &s.Decisions); s.Graph != g {
		g = s.Graph
		s.Table = ir.NewTable(g)
	}
	var inlined map[string][]string
	if !opts.NoVertical {
		if s.Graph = unfuseBias(g, s.Table, &s.Decisions); s.Graph != g {
			g = s.Graph
			s.Table = ir.NewTable(g)
		}
		if s.Graph, inlined = inlineCheap(g); s.Graph != g {
			g = s.Graph
			s.Table = ir.NewTable(g)
		}
	}
	if !opts.NoSplit {
		if s.Graph = splitReductions(g, s.Table, opts, &s.Decisions); s.Graph != g {
			s.Table = ir.NewTable(s.Graph)
		}
	}
	g = s.Graph
	if _, err := ir.TopoOrder(g); err != nil {
		return nil, err
	}
	index := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		index[n.Name] = i
	}
	// users[i] lists the nodes reading node i; missing counts unscheduled producers.
	users := make([][]int, len(g.Nodes))
	missing := make([]int, len(g.Nodes))
	reads := make([][]string, len(g.Nodes))
	for i, n := range g.Nodes {
		reads[i] = n.Reads()
		for _, r := range reads[i] {
			if j, ok := index[r]; ok {
				users[j] = append(users[j], i)
				missing[i]++
			}
		}
	}
	var ready []int // node indices, kept sorted
	for i := range g.Nodes {
		if missing[i] == 0 {
			ready = append(ready, i)
		}
	}
	f := &fuser{g: g, table: s.Table, coordMemo: map[coordKey]map[string]ir.Index{}, loadMemo: map[coordKey][]*loadAt{}, inlineMemo: map[string][]*loadAt{}, opts: opts, index: index, reads: reads}
	var cur *open
	for len(ready) > 0 {
		pick := -1
		if cur != nil {
			best := int64(-1)
			for i := 0; i < len(ready) && i < readyWindow; i++ {
				score, reason := f.canFuse(cur, g.Nodes[ready[i]])
				if score < 0 {
					cur.rejected[ready[i]] = reason
					continue
				}
				if score > best {
					best, pick = score, i
				}
			}
		}
		if pick < 0 {
			if cur != nil {
				s.close(cur, g)
			}
			cur = f.newKernel(len(s.Kernels))
			pick = 0
		}
		n := ready[pick]
		ready = append(ready[:pick], ready[pick+1:]...)
		if len(cur.nodes) > 0 {
			s.Decisions = append(s.Decisions, Decision{Kernel: cur.id, First: cur.label(), Second: g.Nodes[n].Name, Fused: true, Reason: f.why(cur, g.Nodes[n])})
			delete(cur.rejected, n)
		}
		f.add(cur, g.Nodes[n])
		for _, u := range users[n] {
			missing[u]--
			if missing[u] == 0 {
				at := sort.SearchInts(ready, u)
				ready = append(ready, 0)
				copy(ready[at+1:], ready[at:])
				ready[at] = u
			}
		}
	}
	if cur != nil {
		s.close(cur, g)
	}
	s.materialize()
	s.logInlined(inlined)
	return s, nil
}

// open is the kernel being built.
type open struct {
	id       int
	nodes    []*ir.Node
	group    Group
	reduces  bool
	writes   map[string]*ir.Node
	reads    map[string]bool // every buffer its nodes read
	checked  map[string]bool // reads verified under group: producer@index
	rejected map[int]string  // candidate node index -> why it did not fit
}

func (k *open) label() string {
	names := make([]string, len(k.nodes))
	for i, n := range k.nodes {
		names[i] = n.Name
	}
	return strings.Join(names, "+")
}

// close records the kernel and why each candidate it saw stayed out.
func (s *Schedule) close(k *open, g *ir.Graph) {
	s.Kernels = append(s.Kernels, &Kernel{Nodes: k.nodes, Group: k.group})
	var idx []int
	for i := range k.rejected {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		s.Decisions = append(s.Decisions, Decision{Kernel: k.id, First: k.label(), Second: g.Nodes[i].Name, Reason: k.rejected[i]})
	}
}

// materialize marks graph outputs and buffers read outside their kernel.
func (s *Schedule) materialize() {
	kernelOf := map[string]int{}
	for i, k := range s.Kernels {
		for _, n := range k.Nodes {
			kernelOf[n.Name] = i
		}
	}
	for _, o := range s.Graph.Outputs {
		if _, ok := kernelOf[o]; ok {
			s.Materialized[o] = true
		}
	}
	for i, k := range s.Kernels {
		for _, n := range k.Nodes {
			if n.Kind == ir.Extern {
				s.Materialized[n.Name] = true // the call writes it to memory
			}
			for _, r := range n.Reads() {
				if j, ok := kernelOf[r]; ok && j != i {
					s.Materialized[r] = true
				}
			}
		}
	}
}

type fuser struct {
	g          *ir.Graph
	table      *ir.Table
	coordMemo  map[coordKey]map[string]ir.Index
	loadMemo   map[coordKey][]*loadAt
	inlineMemo map[string][]*loadAt
	opts       Options
	index      map[string]int
	reads      [][]string
}

type coordKey struct {
	node  string
	group Group
}

// coords is Coords, remembered: candidates are tried against the same
// kernel many times.
func (f *fuser) coords(n *ir.Node, g Group) (map[string]ir.Index, bool) {
	key := coordKey{n.Name, g}
	if m, ok := f.coordMemo[key]; ok {
		return m, m != nil
	}
	m, ok := Coords(n, g, f.g.Symbols)
	if !ok {
		m = nil
	}
	f.coordMemo[key] = m
	return m, ok
}

func (f *fuser) newKernel(id int) *open {
	return &open{id: id, writes: map[string]*ir.Node{}, reads: map[string]bool{}, checked: map[string]bool{}, rejected: map[int]string{}}
}

func (f *fuser) add(k *open, n *ir.Node) {
	if g, ok := f.merge(k, n); ok {
		if g != k.group {
			k.checked = map[string]bool{}
		}
		k.group = g
	}
	for _, r := range f.reads[f.index[n.Name]] {
		k.reads[r] = true
	}
	k.nodes = append(k.nodes, n)
	k.writes[n.Name] = n
	if n.Kind == ir.Reduction {
		k.reduces = true
	}
}

// merge returns the group of k with n added, if n's iteration space fits.
func (f *fuser) merge(k *open, n *ir.Node) (Group, bool) {
	gn := GroupOf(n)
	if len(k.nodes) == 0 {
		return gn, true
	}
	if k.reduces {
		return k.group, Fits(n, k.group)
	}
	if n.Kind == ir.Pointwise {
		return k.group, gn.Numel == k.group.Numel
	}
	for _, m := range k.nodes {
		if !Fits(m, gn) {
			return Group{}, false
		}
	}
	return gn, true
}

// sharedBytes counts the bytes n reads that k writes (vertical) and that n
// and k both read from elsewhere (horizontal).
func (f *fuser) sharedBytes(k *open, n *ir.Node) (vertical, horizontal int64) {
	for _, r := range f.reads[f.index[n.Name]] {
		b := f.table.Buffer(r)
		size := f.g.Symbols.Hint(b.Numel()) * b.DType.Bytes()
		if _, ok := k.writes[r]; ok {
			vertical += size
		} else if k.reads[r] {
			horizontal += size
		}
	}
	return vertical, horizontal
}

// canFuse scores adding n to k, or returns -1 and the reason it cannot be.
func (f *fuser) canFuse(k *open, n *ir.Node) (int64, string) {
	if n.Kind == ir.Extern || k.nodes[0].Kind == ir.Extern {
		return -1, "an extern call runs on its own, outside the generated kernels"
	}
	if len(k.nodes) >= MaxKernelNodes {
		return -1, fmt.Sprintf("the kernel already has %d nodes", MaxKernelNodes)
	}
	vertical, horizontal := f.sharedBytes(k, n)
	switch {
	case vertical > 0 && f.opts.NoVertical:
		return -1, "the device disallows vertical fusion"
	case vertical == 0 && f.opts.NoHorizontal:
		return -1, "the device disallows horizontal fusion"
	case vertical == 0 && horizontal == 0:
		return -1, "no shared data"
	}
	g, ok := f.merge(k, n)
	if !ok {
		return -1, fmt.Sprintf("iteration spaces differ: kernel %s, node %s", k.group, GroupOf(n))
	}
	// Nothing reads the candidate yet, so the kernel's own writes are all
	// the in-kernel producers there are.
	c := &readChecker{group: g, writes: k.writes, seen: map[string]bool{}, f: f}
	check := []*ir.Node{n}
	if g == k.group {
		// The kernel's nodes were checked with this group already, and so
		// were the producers they recompute: share those results.
		c.seen = k.checked
	} else {
		check = append(append([]*ir.Node{}, k.nodes...), n)
	}
	for _, m := range check {
		if err := c.node(m); err != nil {
			return -1, err.Error()
		}
	}
	return 2*vertical + horizontal, ""
}

func (f *fuser) why(k *open, n *ir.Node) string {
	vertical, horizontal := f.sharedBytes(k, n)
	if vertical > 0 {
		return fmt.Sprintf("reads %d bytes the kernel writes", vertical)
	}
	return fmt.Sprintf("shares %d bytes of inputs", horizontal)
}

// readChecker verifies that every value a node needs from inside the kernel
// can be had there: a pointwise producer is recomputed at the index asked
// for, so any index works (recursively through its own reads); a reduction's
// result exists only for the kernel's current row.
type readChecker struct {
	group  Group
	writes map[string]*ir.Node
	seen   map[string]bool
	f      *fuser
}

func (c *readChecker) node(n *ir.Node) error {
	loads, ok := c.f.nodeLoads(n, c.group)
	if !ok {
		return fmt.Errorf("node %s does not fit the iteration space %s", n.Name, c.group)
	}
	return c.check(n.Name, loads)
}

func (c *readChecker) check(owner string, loads []*loadAt) error {
	for _, ld := range loads {
		p, ok := c.writes[ld.buffer]
		if !ok {
			continue
		}
		if ld.indirect {
			return fmt.Errorf("%s reads %s through an indirect index", owner, p.Name)
		}
		if p.Kind == ir.Reduction {
			if ld.flat == nil {
				flat := FlatIndex(p.Ranges, ld.idx, c.group, c.f.g.Symbols)
				ld.flat = &flat
			}
			if !c.group.IsRowIndex(*ld.flat) {
				return fmt.Errorf("%s reads reduction %s at %s, not at its own row", owner, p.Name, *ld.flat)
			}
			continue
		}
		key := p.Name + "@" + ld.key
		if c.seen[key] {
			continue
		}
		// Remembered only once verified: a failed check must not be reused.
		if err := c.check(p.Name, c.f.producerLoads(p, ld, c.group)); err != nil {
			return err
		}
		c.seen[key] = true
	}
	return nil
}

// loadAt is one load of a node body, its indices in kernel coordinates.
type loadAt struct {
	buffer   string
	idx      []ir.Index
	key      string
	indirect bool
	flat     *ir.Index // filled on first use
}

// loadsOf lists the loads of e with the variables mapped by sub.
func loadsOf(e *ir.Expr, sub map[string]ir.Index, g Group, syms ir.Symbols) []*loadAt {
	var out []*loadAt
	env := g.Env(syms)
	e.Walk(func(x *ir.Expr) {
		if x.Op != ir.OpLoad {
			return
		}
		ld := &loadAt{buffer: x.Buffer, indirect: len(x.Indirect) > 0}
		if !ld.indirect {
			ld.idx = make([]ir.Index, len(x.Index))
			for d, ix := range x.Index {
				ld.idx[d] = ix.Subst(sub).Simplify(env)
			}
			ld.key = indexKey(ld.idx)
		}
		out = append(out, ld)
	})
	return out
}

// producerLoads is loadsOf a pointwise producer recomputed at the index of
// load ld, remembered per group.
func (f *fuser) producerLoads(p *ir.Node, ld *loadAt, g Group) []*loadAt {
	key := p.Name + "@" + g.String() + "@" + ld.key
	if l, ok := f.inlineMemo[key]; ok {
		return l
	}
	psub := make(map[string]ir.Index, len(p.Ranges))
	for d := range p.Ranges {
		psub[ir.RangeVar(d)] = ld.idx[d]
	}
	l := loadsOf(p.Body, psub, g, f.g.Symbols)
	f.inlineMemo[key] = l
	return l
}

// nodeLoads is loadsOf a node at its own coordinates, remembered per group.
func (f *fuser) nodeLoads(n *ir.Node, g Group) ([]*loadAt, bool) {
	key := coordKey{n.Name, g}
	if l, ok := f.loadMemo[key]; ok {
		return l, true
	}
	sub, ok := f.coords(n, g)
	if !ok {
		return nil, false
	}
	l := loadsOf(n.Body, sub, g, f.g.Symbols)
	f.loadMemo[key] = l
	return l, true
}

func indexKey(idx []ir.Index) string {
	parts := make([]string, len(idx))
	for i, ix := range idx {
		parts[i] = ix.String()
	}
	return strings.Join(parts, ",")
}
