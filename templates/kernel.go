package templates

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/fusegen/fusegen/fusion"
	"github.com/fusegen/fusegen/ir"
)

// Kernel is the view model of one Triton kernel: plain data, every list in
// the order it is printed.
type Kernel struct {
	Name       string
	Category   string   // poi, red or per, as in Inductor's kernel names
	Nodes      []string // the IR nodes it computes, for the provenance comment
	Pointers   []Pointer
	Numel      int64
	RNumel     int64
	XBlock     int64
	RBlock     int64
	NumWarps   int
	NumStages  int
	Grid       [3]int64
	Reduction  bool
	Persistent bool
	Index64    bool // int64 index arithmetic: some offset can pass 2^31
	XMask      bool // numel is not a multiple of XBLOCK
	RMask      bool // rnumel is not a multiple of R0_BLOCK (looped reductions)
	// Tiled pointwise kernels run 2-D tiles of YBLOCK rows by XBLOCK points,
	// rows of XNumel points, so that loads and stores that disagree on the
	// contiguous dimension (a transpose) are both coalesced.
	Tiled  bool
	YNumel int64
	XNumel int64
	YBlock int64
	YMask  bool // YNumel is not a multiple of YBLOCK
	Debug  bool // compiled with device asserts on (indirect loads)
	// Configs is the @triton.autotune candidate set; empty when the blocks
	// are fixed at generation time.
	Configs []Config
	// Pre runs first: all of a pointwise or persistent kernel, and in a
	// looped reduction whatever does not depend on the reduction index.
	Pre []Stmt
	// Loops are the passes over the reduction index of a looped reduction:
	// pass k can use the results of the reductions of passes before it.
	Loops []Loop
}

// Config is one autotune candidate.
type Config struct {
	XBlock, RBlock int64
	NumWarps       int
}

// Loop is one pass over r0: its body, then what runs after it.
type Loop struct {
	Body  []Stmt
	After []Stmt
}

// Pointer is one pointer parameter: in_ptrN for a buffer read, out_ptrN for
// a buffer written.
type Pointer struct {
	Name   string
	Buffer string
	DType  ir.DType
	Out    bool
}

// Stmt is one statement of a kernel body. Kind picks the template
// ("stmt/<kind>") that prints it; which fields are set depends on Kind.
type Stmt struct {
	Kind  string // load, op, constant, index, assert, store, reduce_persistent, reduce_init, reduce_update, reduce_final
	Var   string
	Op    string   // op: the IR op; reduce_*: the reduction (sum, prod, max, min, argmax, argmin, any, welford)
	Args  []string // op: operand variables
	DType ir.DType // the compute type of the result (cast: of the target)
	// cast
	From ir.DType // compute type of the operand
	To   ir.DType // the IR target type, which may be a half type
	// load, store
	Ptr    string
	Offset string
	Mask   string
	Upcast bool // a half-type load widened to float32
	// load: the L2 eviction hint, "evict_last" (keep: a later pass or every
	// program reads it again) or "evict_first" (each element is read once
	// more at most), or empty (see setEvictions)
	Eviction string
	indirect bool // load: its index comes from a loaded value
	// store: the buffer's dtype, when it differs from the value's compute type
	StoreAs ir.DType
	// constant
	Value string
	// index, assert
	Size int64
	// reductions
	Acc        string // accumulator name (looped)
	RIndex     string // the flat reduction index, for argmax/argmin
	Lowest     string // the identity of max, canonical spelling
	Highest    string // the identity of min
	RNumel     int64
	IndexDType ir.DType // argmax/argmin: the index type of r0_index
	// welford: the fields some node uses, in the order mean, m2, weight
	Fields []string
}

// Loop-index names inside kernels, as Inductor spells them.
const (
	xVar = fusion.XVar
	rVar = fusion.RVar
	yVar = "yindex" // the row index of a tiled pointwise kernel
)

// Heuristics are the block-size rules, computed in Go from the static sizes
// (no autotuning at run time). The zero value of a field means its default.
type Heuristics struct {
	// PersistentMax is the longest contiguous row a persistent reduction
	// holds in registers at once (default 16384 elements: on an H200 a
	// 16384-wide softmax ran 1.10x faster persistent, 32 warps, than looped).
	PersistentMax int64
	// LoopedRBlock is R0_BLOCK of a looped reduction along contiguous rows
	// (default 2048).
	LoopedRBlock int64
	// PersistentRows is how many rows of at least 256 elements a persistent
	// reduction's program takes (default 1).
	PersistentRows int64
	// MaxWarps caps num_warps: the device's max threads per block over its
	// warp size (default 32, i.e. 1024 / 32).
	MaxWarps int64
	// MultiProcessors is the device's multiprocessor count (default 132, an
	// H100's or H200's): reductions over a strided dimension take wider
	// column blocks only while every multiprocessor still gets a program.
	MultiProcessors int64
	// StridedStages is num_stages of a looped reduction over a strided
	// dimension (default 5: Triton pipelines the row loads that many deep;
	// colsum 0.072 ms against 0.076 ms unpipelined on the H200).
	StridedStages int
	// ContiguousStages is num_stages of a looped reduction along contiguous
	// rows (default 1).
	ContiguousStages int
	// OuterXBlock fixes XBLOCK of looped reductions over a strided
	// dimension (0: fusion.OuterXBlock's choice; for sweeps).
	OuterXBlock int64
	// NoEvictFirst leaves loads that read each element once without the
	// evict_first hint (for sweeps).
	NoEvictFirst bool
	// Autotune emits @triton.autotune over a small candidate set around the
	// chosen blocks instead of fixing them; the kernel then launches through
	// Triton's JIT launcher, which benchmarks the candidates on first use.
	Autotune bool
}

func (h Heuristics) withDefaults() Heuristics {
	if h.PersistentMax == 0 {
		h.PersistentMax = 16384
	}
	if h.LoopedRBlock == 0 {
		h.LoopedRBlock = 2048
	}
	if h.PersistentRows == 0 {
		h.PersistentRows = 1
	}
	if h.MaxWarps == 0 {
		h.MaxWarps = 32
	}
	if h.MultiProcessors == 0 {
		h.MultiProcessors = fusion.DefaultMultiProcessors
	}
	if h.StridedStages == 0 {
		h.StridedStages = 5
	}
	if h.ContiguousStages == 0 {
		h.ContiguousStages = 1
	}
	return h
}

// BuildKernels lowers every kernel of a schedule to its view model.
func BuildKernels(s *fusion.Schedule, h Heuristics) ([]*Kernel, error) {
	h = h.withDefaults()
	var out []*Kernel
	for i, k := range s.Kernels {
		km, err := buildKernel(s, k, i, h)
		if err != nil {
			return nil, err
		}
		out = append(out, km)
	}
	return out, nil
}

func buildKernel(s *fusion.Schedule, fk *fusion.Kernel, id int, h Heuristics) (*Kernel, error) {
	k := &Kernel{
		Numel:     fk.Group.Numel,
		RNumel:    fk.Group.ReductionNumel,
		Reduction: fk.IsReduction(),
		NumStages: 1,
	}
	for _, n := range fk.Nodes {
		k.Nodes = append(k.Nodes, n.Name)
	}
	strided := false
	if k.Reduction {
		strided = chooseReductionBlocks(k, s.Table, fk, h)
	} else if x, ok := tileSplit(s, fk); ok {
		chooseTiles(k, x)
	} else {
		choosePointwiseBlocks(k)
	}
	l := newLowering(s, fk, k)
	l.looped = k.Reduction && !k.Persistent
	if k.Tiled {
		l.sizes = map[string]int64{yVar: k.YNumel, xVar: k.XNumel}
	}
	for _, n := range fk.Nodes {
		if err := l.node(n); err != nil {
			return nil, fmt.Errorf("kernel for node %q: %w", n.Name, err)
		}
	}
	if strided {
		sizeStridedTile(k, h)
	}
	k.Category = "poi"
	if k.Reduction {
		k.Category = "red"
		if k.Persistent {
			k.Category = "per"
		}
	}
	k.Name = kernelName(k.Category, fk.Nodes, id)
	span := k.Numel * k.RNumel
	k.Index64 = l.maxOff >= 1<<31 || span+k.XBlock*k.RBlock >= 1<<31
	k.XMask = k.Numel%k.XBlock != 0
	k.RMask = k.Reduction && k.RNumel%k.RBlock != 0
	k.Grid = [3]int64{ceilDiv(k.Numel, k.XBlock), 1, 1}
	if k.Tiled {
		k.XMask = k.XNumel%k.XBlock != 0
		k.YMask = k.YNumel%k.YBlock != 0
		k.Grid = [3]int64{ceilDiv(k.XNumel, k.XBlock), ceilDiv(k.YNumel, k.YBlock), 1}
		k.Index64 = l.maxOff >= 1<<31 || k.Numel+k.XBlock*k.YBlock >= 1<<31
	}
	if h.Autotune && !k.Tiled {
		k.Configs = candidates(k, h)
		// Masks must hold for every candidate's blocks.
		for _, c := range k.Configs {
			k.XMask = k.XMask || k.Numel%c.XBlock != 0
			k.RMask = k.RMask || (k.Reduction && !k.Persistent && k.RNumel%c.RBlock != 0)
		}
	}
	setEvictions(k, s.Table, h)
	// Input pointers first, then outputs, each in first-use order.
	sort.SliceStable(k.Pointers, func(i, j int) bool { return !k.Pointers[i].Out && k.Pointers[j].Out })
	return k, nil
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }

// setEvictions gives loads L2 eviction hints. In a looped reduction of
// several passes, as Inductor: a buffer that a later pass loads again stays
// in L2 (evict_last), as does a load all programs share; the other loads of
// the last pass that reads a buffer go first. In any other reduction, a
// load all programs share (a weight) stays. In a persistent reduction that
// stores only per-row results, a direct load of a buffer no larger than
// what the kernel's loads of it read (each element read once) goes first:
// the streamed rows then leave the rest of L2 alone, dirty lines included
// (on the H200 var_mean float32 32768x1024 took 0.0376 ms with the hint,
// 0.0421 ms without). Kernels that store whole rows or elements ran 1 to 5%
// slower with it (bench/results/explore-h200.md), and have none.
func setEvictions(k *Kernel, t *ir.Table, h Heuristics) {
	switch {
	case !k.Reduction:
		return
	case len(k.Loops) >= 2:
		setPassEvictions(k)
		return
	}
	stmts := [][]Stmt{k.Pre}
	for _, lp := range k.Loops {
		stmts = append(stmts, lp.Body)
	}
	space := k.Numel * max(k.RNumel, 1)
	loads := map[string]int64{} // pointer -> its loads
	indirect := map[string]bool{}
	rowStores := k.Persistent
	for _, body := range stmts {
		for _, s := range body {
			switch s.Kind {
			case "load":
				loads[s.Ptr]++
				indirect[s.Ptr] = indirect[s.Ptr] || s.indirect
			case "store":
				rowStores = rowStores && !strings.Contains(s.Offset, rVar)
			}
		}
	}
	extent := map[string]int64{}
	for _, p := range k.Pointers {
		if b := t.Buffer(p.Buffer); b != nil {
			extent[p.Name] = b.Extent()
		}
	}
	for _, body := range stmts {
		for i := range body {
			s := &body[i]
			switch {
			case s.Kind != "load":
			case !strings.Contains(s.Offset, xVar): // the same elements in every program
				if programs(k) > 1 {
					s.Eviction = "evict_last"
				}
			case rowStores && !h.NoEvictFirst && !indirect[s.Ptr] && loads[s.Ptr]*space <= extent[s.Ptr]:
				s.Eviction = "evict_first"
			}
		}
	}
}

// programs is how many programs the kernel's grid launches.
func programs(k *Kernel) int64 { return k.Grid[0] * k.Grid[1] * k.Grid[2] }

// setPassEvictions is setEvictions for a looped reduction of several passes.
func setPassEvictions(k *Kernel) {
	last := map[string]int{} // pointer -> last pass loading it
	for p, lp := range k.Loops {
		for _, s := range lp.Body {
			if s.Kind == "load" {
				last[s.Ptr] = p
			}
		}
	}
	for p := range k.Loops {
		body := k.Loops[p].Body
		for i := range body {
			if body[i].Kind != "load" {
				continue
			}
			// A load every program shares (no xindex in its offset: a
			// weight, a bias) stays too, when there are several programs.
			shared := !strings.Contains(body[i].Offset, xVar) && programs(k) > 1
			if last[body[i].Ptr] > p || shared {
				body[i].Eviction = "evict_last"
			} else {
				body[i].Eviction = "evict_first"
			}
		}
	}
}

// candidates is the autotune set: the chosen config first, then neighbours
// in the direction Inductor's own config lists explore. A persistent kernel
// keeps its R0_BLOCK (the whole row); every candidate respects MaxWarps and
// never makes a block larger than the problem.
func candidates(k *Kernel, h Heuristics) []Config {
	seen := map[Config]bool{}
	var out []Config
	add := func(x, r int64, w int) {
		x = clamp(x, 1, nextPow2(k.Numel))
		if w < 1 || int64(w) > h.MaxWarps {
			return
		}
		c := Config{XBlock: x, RBlock: r, NumWarps: w}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	add(k.XBlock, k.RBlock, k.NumWarps)
	switch {
	case !k.Reduction:
		for _, x := range []int64{256, 512, 1024, 2048} {
			add(x, 1, int(clamp(x/256, 2, 8)))
		}
	case k.Persistent:
		for _, x := range []int64{1, 2, 4, 8} {
			if x*k.RBlock <= 16384 {
				for _, w := range []int{4, 8, 16} {
					add(x, k.RBlock, w)
				}
			}
		}
	case k.XBlock == 1: // looped along contiguous rows
		for _, r := range []int64{1024, 2048, 4096} {
			for _, w := range []int{4, 8, 16} {
				add(1, r, w)
			}
		}
	default: // looped over a strided dimension: tiles of the same size, wider and narrower, and half and twice as tall
		x, r := k.XBlock, k.RBlock
		for _, xr := range [][2]int64{{x * 2, r / 2}, {x / 2, r * 2}, {x, r / 2}, {x, r * 2}} {
			if xr[0] >= 1 && xr[1] >= 8 {
				add(xr[0], xr[1], 4)
				add(xr[0], xr[1], 8)
			}
		}
	}
	return out
}

func nextPow2(n int64) int64 {
	p := int64(1)
	for p < n {
		p <<= 1
	}
	return p
}

// choosePointwiseBlocks follows Inductor's first pointwise config:
// XBLOCK = max(256, min(numel/128, 1024)), never past the problem.
func choosePointwiseBlocks(k *Kernel) {
	bs := clamp(k.Numel/128, 256, 1024)
	bs = nextPow2(bs)
	if p := nextPow2(k.Numel); p < bs {
		bs = p
	}
	k.XBlock, k.RBlock = bs, 1
	k.NumWarps = int(clamp(bs/256, 1, 8))
	if bs >= 512 {
		k.NumWarps = 4
	}
}

func clamp(v, lo, hi int64) int64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// tileSplit decides whether a pointwise kernel should run 2-D tiles: when
// a load steps through memory along the row of its node's first dimension
// (contiguous in yindex) while the stores are contiguous along xindex, as in
// a transpose. It returns the row length XNumel: the trailing dimension of
// the kernel's first node.
func tileSplit(s *fusion.Schedule, fk *fusion.Kernel) (int64, bool) {
	first := fk.Nodes[0]
	if len(first.Ranges) < 2 {
		return 0, false
	}
	x := first.Ranges[len(first.Ranges)-1]
	y := fk.Group.Numel / x
	if x < 16 || y < 16 || ceilDiv(y, 64) > 65535 {
		return 0, false
	}
	if !anyReordered(s.Table, fk) {
		return 0, false
	}
	sizes := map[string]int64{yVar: y, xVar: x}
	split := map[string]ir.Index{xVar: ir.VarIndex(yVar).Scale(x).Add(ir.VarIndex(xVar))}
	transposed := false
	for _, n := range fk.Nodes {
		sub, ok := fusion.Coords(n, fk.Group)
		if !ok {
			return 0, false
		}
		n.Body.Walk(func(e *ir.Expr) {
			if e.Op != ir.OpLoad || len(e.Indirect) > 0 || transposed {
				return
			}
			b := s.Table.Buffer(e.Buffer)
			if b == nil {
				return
			}
			off := ir.Index{}
			for d, ix := range e.Index {
				off = off.Add(ix.Subst(sub).Subst(split).Scale(b.StridesOrContiguous()[d]))
			}
			off = off.Simplify(sizes)
			unitX, unitY := false, false
			for _, t := range off.Terms {
				if t.Inner == nil && t.Coeff == 1 {
					unitX = unitX || t.Var == xVar
					unitY = unitY || t.Var == yVar
				}
			}
			transposed = unitY && !unitX
		})
	}
	return x, transposed
}

// anyReordered is tileSplit's quick test: true when some load is not a
// plain contiguous read of its buffer in the node's own dimension order
// (only such loads can disagree with the stores on the contiguous dimension).
func anyReordered(t *ir.Table, fk *fusion.Kernel) bool {
	found := false
	for _, n := range fk.Nodes {
		n.Body.Walk(func(e *ir.Expr) {
			if found || e.Op != ir.OpLoad || len(e.Indirect) > 0 {
				return
			}
			b := t.Buffer(e.Buffer)
			if b == nil {
				return
			}
			if b.Strides != nil && !slices.Equal(b.Strides, ir.ContiguousStrides(b.Shape)) {
				found = true
				return
			}
			// Loads of the trailing dimensions, in order, are contiguous
			// along the node's last dimension.
			shift := len(n.Ranges) - len(e.Index)
			for d, ix := range e.Index {
				if v, ok := ix.IsVar(); ok && v == ir.RangeVar(d+shift) {
					continue
				}
				if ix.IsConst() {
					continue
				}
				found = true
				return
			}
		})
	}
	return found
}

// chooseTiles picks 64 x 64 tiles (smaller for small dimensions), as
// Inductor's first 2-D pointwise configs.
func chooseTiles(k *Kernel, x int64) {
	k.Tiled = true
	k.XNumel, k.YNumel = x, k.Numel/x
	k.XBlock = clamp(nextPow2(k.XNumel), 16, 64)
	k.YBlock = clamp(nextPow2(k.YNumel), 16, 64)
	k.RBlock = 1
	k.NumWarps = 4
}

// chooseReductionBlocks picks persistent or looped and the block shape.
// Rows that are contiguous along the reduction (inner reductions) get one
// row per program and a wide R block; reductions over a strided, outer
// dimension get many rows per program so that loads stay coalesced along x.
// sizeStridedTile sets R0_BLOCK and num_warps of a looped reduction over a
// strided dimension once its accumulators are known: tiles of 4096
// elements for one accumulator, fewer for more, so that the pipelined
// loads and the accumulators stay in registers (an H200 sweep,
// bench/results/notes-h200.md: a max, an argmin, a sum and a welford over
// 3001x515 ran in 0.013 ms with 4x128 tiles and 4 warps, 0.040 ms with
// 4x1024 tiles), and a warp per 1024 accumulator elements (colsum's 32x128
// tiles: 4 warps 0.0728 ms, 8 warps 0.0738).
func sizeStridedTile(k *Kernel, h Heuristics) {
	acc := int64(0)
	for _, s := range k.Pre {
		if s.Kind != "reduce_init" {
			continue
		}
		switch s.Op {
		case "welford":
			acc += 3
		case "argmax", "argmin", "online_softmax_sum":
			acc += 2
		default:
			acc++
		}
	}
	acc = max(acc, 1)
	budget := prevPow2(max(4096/acc, 256))
	k.RBlock = clamp(budget/k.XBlock, 8, nextPow2(k.RNumel))
	k.NumWarps = int(clamp(nextPow2(k.XBlock*k.RBlock*acc/1024), 2, 16))
	if int64(k.NumWarps) > h.MaxWarps {
		k.NumWarps = int(h.MaxWarps)
	}
}

// prevPow2 is the largest power of two at most n (n >= 1).
func prevPow2(n int64) int64 {
	p := int64(1)
	for p*2 <= n {
		p *= 2
	}
	return p
}

// chooseReductionBlocks sets the blocks of a reduction kernel; it reports
// whether the kernel loops over a strided dimension, whose tile
// sizeStridedTile sets after lowering.
func chooseReductionBlocks(k *Kernel, t *ir.Table, fk *fusion.Kernel, h Heuristics) bool {
	inner := false
	for _, n := range fk.Nodes {
		inner = inner || fusion.IsInnerReduction(t, n)
	}
	rn := k.RNumel
	switch {
	case inner && rn <= h.PersistentMax:
		k.Persistent = true
		k.RBlock = nextPow2(rn)
		k.XBlock = clamp(4096/k.RBlock, 1, 8)
		if k.RBlock >= 256 {
			k.XBlock = h.PersistentRows
		}
	case inner:
		k.XBlock, k.RBlock = 1, h.LoopedRBlock
		k.NumStages = h.ContiguousStages
	case rn <= 64:
		k.Persistent = true
		k.RBlock = nextPow2(rn)
		k.XBlock = clamp(4096/k.RBlock, 1, 64)
	default:
		// Column blocks of 4 to 64 that stream their rows pipelined
		// (bench/results/explore-h200.md: colsum float32 8192x8192 0.073
		// ms, against 0.076 ms for 64x8 blocks without pipelining);
		// sizeStridedTile sets R0_BLOCK and the warps.
		k.XBlock = fusion.OuterXBlock(k.Numel, h.MultiProcessors)
		if h.OuterXBlock > 0 {
			k.XBlock = h.OuterXBlock
		}
		k.NumStages = h.StridedStages
	}
	if p := nextPow2(k.Numel); p < k.XBlock {
		k.XBlock = p
	}
	// Warps from an H200 sweep (bench/gpu/sweep.py): persistent rows want
	// about 16 elements a thread (1024 -> 4 warps, 4096 -> 8, 16384 -> 32);
	// looped contiguous rows 8 warps. Never more than the device allows.
	switch {
	case k.Persistent:
		k.NumWarps = int(clamp(k.XBlock*k.RBlock/512, 4, 32))
	case inner:
		k.NumWarps = 8
	default:
		return true
	}
	if int64(k.NumWarps) > h.MaxWarps {
		k.NumWarps = int(h.MaxWarps)
	}
	return false
}
