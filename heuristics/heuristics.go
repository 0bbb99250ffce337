// Package heuristics holds every launch-shape rule fusegen applies: the
// blocks of pointwise, tiled and reduction kernels, their warps and stages,
// when and how far a reduction splits, and the autotune candidates. Every
// rule is computed at generation time from static sizes and the device's
// numbers; the measurements behind the defaults are in docs/kernels.md.
package heuristics

// Rules are the tunable numbers of the block-size rules. The zero value of a
// field means its default (see WithDefaults).
type Rules struct {
	// PersistentMax is the longest contiguous row a persistent reduction
	// holds in registers at once (default 16384 elements).
	PersistentMax int64
	// LoopedRBlock is R0_BLOCK of a looped reduction along contiguous rows
	// (default 2048).
	LoopedRBlock int64
	// PersistentRows is how many rows of at least 256 elements a persistent
	// reduction's program takes (default 1).
	PersistentRows int64
	// MaxWarps caps num_warps: the device's max threads per block over its
	// warp size (default 32, i.e. 1024 / 32; see MaxWarps).
	MaxWarps int64
	// MultiProcessors is the device's multiprocessor count (default
	// DefaultMultiProcessors): reductions over a strided dimension take wider
	// column blocks only while every multiprocessor still gets a program.
	MultiProcessors int64
	// StridedStages is num_stages of a looped reduction over a strided
	// dimension (default 5: Triton pipelines the row loads that many deep).
	StridedStages int
	// ContiguousStages is num_stages of a looped reduction along contiguous
	// rows (default 1).
	ContiguousStages int
	// OuterXBlock fixes XBLOCK of looped reductions over a strided
	// dimension (0: OuterXBlock's choice; for sweeps).
	OuterXBlock int64
	// NoEvictFirst leaves loads that read each element once without the
	// evict_first hint (for sweeps).
	NoEvictFirst bool
	// Autotune emits @triton.autotune over a small candidate set around the
	// chosen blocks instead of fixing them; the kernel then launches through
	// Triton's JIT launcher, which benchmarks the candidates on first use.
	Autotune bool
}

// DefaultMultiProcessors (an H100's or H200's count) stands in where a
// device's data gives none.
const DefaultMultiProcessors = 132

// WithDefaults fills in the zero fields.
func (r Rules) WithDefaults() Rules {
	if r.PersistentMax == 0 {
		r.PersistentMax = 16384
	}
	if r.LoopedRBlock == 0 {
		r.LoopedRBlock = 2048
	}
	if r.PersistentRows == 0 {
		r.PersistentRows = 1
	}
	if r.MaxWarps == 0 {
		r.MaxWarps = 32
	}
	if r.MultiProcessors == 0 {
		r.MultiProcessors = DefaultMultiProcessors
	}
	if r.StridedStages == 0 {
		r.StridedStages = 5
	}
	if r.ContiguousStages == 0 {
		r.ContiguousStages = 1
	}
	return r
}

// MaxWarps is how many warps a program may have on a device with these
// limits; 0 (the default) when the device gives none.
func MaxWarps(maxThreadsPerBlock, warpSize int) int64 {
	if warpSize <= 0 || maxThreadsPerBlock <= 0 {
		return 0
	}
	return max(int64(maxThreadsPerBlock/warpSize), 1)
}

// Shape is a kernel's launch shape: its blocks, warps and stages.
type Shape struct {
	XBlock, RBlock, YBlock int64
	NumWarps, NumStages    int
	// Persistent: a reduction holds whole rows in registers.
	Persistent bool
}

// Config is one autotune candidate.
type Config struct {
	XBlock, RBlock int64
	NumWarps       int
}

// Pointwise follows Inductor's first pointwise config:
// XBLOCK = max(256, min(numel/128, 1024)), never past the problem.
func Pointwise(numel int64) Shape {
	bs := NextPow2(Clamp(numel/128, 256, 1024))
	if p := NextPow2(numel); p < bs {
		bs = p
	}
	s := Shape{XBlock: bs, RBlock: 1, NumStages: 1, NumWarps: int(Clamp(bs/256, 1, 8))}
	if bs >= 512 {
		s.NumWarps = 4
	}
	return s
}

// TileFits reports whether a pointwise kernel of rows of x points, y rows,
// is large enough in both dimensions to run 2-D tiles, and small enough in
// y for the grid's second dimension.
func TileFits(x, y int64) bool {
	return x >= 16 && y >= 16 && CeilDiv(y, 64) <= 65535
}

// Tile picks 64 x 64 tiles (smaller for small dimensions), as Inductor's
// first 2-D pointwise configs.
func Tile(xnumel, ynumel int64) Shape {
	return Shape{
		XBlock:    Clamp(NextPow2(xnumel), 16, 64),
		YBlock:    Clamp(NextPow2(ynumel), 16, 64),
		RBlock:    1,
		NumWarps:  4,
		NumStages: 1,
	}
}

// Reduction picks persistent or looped and the block shape of a reduction
// kernel of numel rows of rnumel elements. Rows that are contiguous along
// the reduction (inner) get one row per program and a wide R block;
// reductions over a strided, outer dimension get many rows per program so
// that loads stay coalesced along x. strided reports a looped reduction
// over a strided dimension, whose R0_BLOCK and warps StridedTile sets once
// its accumulators are known.
func Reduction(numel, rnumel int64, inner bool, r Rules) (s Shape, strided bool) {
	s.NumStages = 1
	switch {
	case inner && rnumel <= r.PersistentMax:
		s.Persistent = true
		s.RBlock = NextPow2(rnumel)
		s.XBlock = Clamp(4096/s.RBlock, 1, 8)
		if s.RBlock >= 256 {
			s.XBlock = r.PersistentRows
		}
	case inner:
		s.XBlock, s.RBlock = 1, r.LoopedRBlock
		s.NumStages = r.ContiguousStages
	case rnumel <= 64:
		s.Persistent = true
		s.RBlock = NextPow2(rnumel)
		s.XBlock = Clamp(4096/s.RBlock, 1, 64)
	default:
		// Column blocks of 4 to 64 that stream their rows pipelined.
		s.XBlock = OuterXBlock(numel, r.MultiProcessors)
		if r.OuterXBlock > 0 {
			s.XBlock = r.OuterXBlock
		}
		s.NumStages = r.StridedStages
	}
	if p := NextPow2(numel); p < s.XBlock {
		s.XBlock = p
	}
	// Persistent rows want about 16 elements a thread (1024 -> 4 warps,
	// 4096 -> 8, 16384 -> 32); looped contiguous rows 8 warps. Never more
	// than the device allows.
	switch {
	case s.Persistent:
		s.NumWarps = int(Clamp(s.XBlock*s.RBlock/512, 4, 32))
	case inner:
		s.NumWarps = 8
	default:
		return s, true
	}
	s.NumWarps = min(s.NumWarps, int(r.MaxWarps))
	return s, false
}

// StridedTile sets R0_BLOCK and num_warps of a looped reduction over a
// strided dimension with xblock columns a program and the given number of
// accumulators: tiles of 4096 elements for one accumulator, fewer for more,
// so that the pipelined loads and the accumulators stay in registers, and a
// warp per 1024 accumulator elements.
func StridedTile(xblock, rnumel, accumulators int64, r Rules) (rblock int64, warps int) {
	acc := max(accumulators, 1)
	budget := PrevPow2(max(4096/acc, 256))
	rblock = Clamp(budget/xblock, 8, NextPow2(rnumel))
	warps = int(Clamp(NextPow2(xblock*rblock*acc/1024), 2, 16))
	return rblock, min(warps, int(r.MaxWarps))
}

// OuterXBlock is the columns per program of a looped reduction over a
// strided dimension (colsum): the widest of 64, 32, 16, 8 and 4 that still
// gives every multiprocessor a program, MinOuterXBlock when none does.
func OuterXBlock(numel, multiProcessors int64) int64 {
	for xb := int64(64); xb > MinOuterXBlock; xb /= 2 {
		if numel/xb >= multiProcessors {
			return xb
		}
	}
	return MinOuterXBlock
}

// MinOuterXBlock is OuterXBlock's narrowest choice.
const MinOuterXBlock = 4

// Candidates is the autotune set of a kernel of the given shape over numel
// rows (or points): the chosen config first, then neighbours in the
// direction Inductor's own config lists explore. A persistent kernel keeps
// its R0_BLOCK (the whole row); every candidate respects MaxWarps and never
// makes a block larger than the problem.
func Candidates(s Shape, numel int64, reduction bool, r Rules) []Config {
	seen := map[Config]bool{}
	var out []Config
	add := func(x, rb int64, w int) {
		x = Clamp(x, 1, NextPow2(numel))
		if w < 1 || int64(w) > r.MaxWarps {
			return
		}
		c := Config{XBlock: x, RBlock: rb, NumWarps: w}
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	add(s.XBlock, s.RBlock, s.NumWarps)
	switch {
	case !reduction:
		for _, x := range []int64{256, 512, 1024, 2048} {
			add(x, 1, int(Clamp(x/256, 2, 8)))
		}
	case s.Persistent:
		for _, x := range []int64{1, 2, 4, 8} {
			if x*s.RBlock <= 16384 {
				for _, w := range []int{4, 8, 16} {
					add(x, s.RBlock, w)
				}
			}
		}
	case s.XBlock == 1: // looped along contiguous rows
		for _, rb := range []int64{1024, 2048, 4096} {
			for _, w := range []int{4, 8, 16} {
				add(1, rb, w)
			}
		}
	default: // looped over a strided dimension: tiles of the same size, wider and narrower, and half and twice as tall
		x, rb := s.XBlock, s.RBlock
		for _, xr := range [][2]int64{{x * 2, rb / 2}, {x / 2, rb * 2}, {x, rb / 2}, {x, rb * 2}} {
			if xr[0] >= 1 && xr[1] >= 8 {
				add(xr[0], xr[1], 4)
				add(xr[0], xr[1], 8)
			}
		}
	}
	return out
}

// NextPow2 is the smallest power of two at least n (1 for n <= 1).
func NextPow2(n int64) int64 {
	p := int64(1)
	for p < n {
		p <<= 1
	}
	return p
}

// PrevPow2 is the largest power of two at most n (n >= 1).
func PrevPow2(n int64) int64 {
	p := int64(1)
	for p*2 <= n {
		p *= 2
	}
	return p
}

// Clamp bounds v to [lo, hi].
func Clamp(v, lo, hi int64) int64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// CeilDiv is a / b rounded up, for positive b.
func CeilDiv(a, b int64) int64 { return (a + b - 1) / b }
