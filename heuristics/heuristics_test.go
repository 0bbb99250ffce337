package heuristics

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPointwise(t *testing.T) {
	tests := []struct {
		numel int64
		want  Shape
	}{
		{1, Shape{XBlock: 1, RBlock: 1, NumWarps: 1, NumStages: 1}},
		{100, Shape{XBlock: 128, RBlock: 1, NumWarps: 1, NumStages: 1}},
		{3300, Shape{XBlock: 256, RBlock: 1, NumWarps: 1, NumStages: 1}},
		{1000 * 1003, Shape{XBlock: 1024, RBlock: 1, NumWarps: 4, NumStages: 1}},
		{1 << 26, Shape{XBlock: 1024, RBlock: 1, NumWarps: 4, NumStages: 1}},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, Pointwise(tt.numel)); d != "" {
			t.Errorf("Pointwise(%d) (-want +got):\n%s", tt.numel, d)
		}
	}
}

func TestTile(t *testing.T) {
	if got, want := Tile(1003, 1000), (Shape{XBlock: 64, YBlock: 64, RBlock: 1, NumWarps: 4, NumStages: 1}); got != want {
		t.Errorf("Tile(1003, 1000) = %+v, want %+v", got, want)
	}
	if got := Tile(20, 17); got.XBlock != 32 || got.YBlock != 32 {
		t.Errorf("Tile(20, 17) = %+v, want 32 x 32 blocks", got)
	}
	for _, tt := range []struct {
		x, y int64
		want bool
	}{{64, 64, true}, {15, 1000, false}, {1000, 15, false}, {16, 64 * 65536, false}, {16, 64 * 65535, true}} {
		if got := TileFits(tt.x, tt.y); got != tt.want {
			t.Errorf("TileFits(%d, %d) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
}

func TestReduction(t *testing.T) {
	r := Rules{}.WithDefaults()
	tests := []struct {
		name          string
		numel, rnumel int64
		inner         bool
		want          Shape
		strided       bool
	}{
		{"a short contiguous row is persistent, several rows a program", 64, 100, true,
			Shape{XBlock: 8, RBlock: 128, NumWarps: 4, NumStages: 1, Persistent: true}, false},
		{"a contiguous row of 1024 is persistent, one row a program", 32768, 1024, true,
			Shape{XBlock: 1, RBlock: 1024, NumWarps: 4, NumStages: 1, Persistent: true}, false},
		{"16384 is the longest persistent row", 4096, 16384, true,
			Shape{XBlock: 1, RBlock: 16384, NumWarps: 32, NumStages: 1, Persistent: true}, false},
		{"longer contiguous rows loop", 8, 50000, true,
			Shape{XBlock: 1, RBlock: 2048, NumWarps: 8, NumStages: 1}, false},
		{"a short strided reduction is persistent", 1000, 64, false,
			Shape{XBlock: 64, RBlock: 64, NumWarps: 8, NumStages: 1, Persistent: true}, false},
		{"a long strided reduction streams column blocks", 8192, 8192, false,
			Shape{XBlock: 32, NumStages: 5}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, strided := Reduction(tt.numel, tt.rnumel, tt.inner, r)
			if d := cmp.Diff(tt.want, got); d != "" || strided != tt.strided {
				t.Errorf("Reduction(%d, %d, %v) strided %v, want %v (-want +got):\n%s", tt.numel, tt.rnumel, tt.inner, strided, tt.strided, d)
			}
		})
	}
	// MaxWarps caps every choice.
	if got, _ := Reduction(4096, 16384, true, Rules{MaxWarps: 16}.WithDefaults()); got.NumWarps != 16 {
		t.Errorf("warps %d under MaxWarps 16", got.NumWarps)
	}
}

func TestStridedTileAndOuterXBlock(t *testing.T) {
	r := Rules{}.WithDefaults()
	for _, tt := range []struct {
		xblock, rnumel, acc int64
		rblock              int64
		warps               int
	}{
		{32, 8192, 1, 128, 4}, // colsum: 32x128 tiles, 4 warps
		{4, 3001, 7, 128, 4},  // four reductions over 3001x515
		{4, 10, 1, 16, 2},     // never past the row
	} {
		rb, w := StridedTile(tt.xblock, tt.rnumel, tt.acc, r)
		if rb != tt.rblock || w != tt.warps {
			t.Errorf("StridedTile(%d, %d, %d) = %d, %d; want %d, %d", tt.xblock, tt.rnumel, tt.acc, rb, w, tt.rblock, tt.warps)
		}
	}
	for _, tt := range []struct{ numel, mps, want int64 }{
		{8192, 132, 32}, {515, 132, 4}, {1 << 20, 132, 64}, {100, 132, 4},
	} {
		if got := OuterXBlock(tt.numel, tt.mps); got != tt.want {
			t.Errorf("OuterXBlock(%d, %d) = %d, want %d", tt.numel, tt.mps, got, tt.want)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, tt := range []struct {
		name             string
		numel, rnumel    int64
		inner            bool
		chunks, programs int64
	}{
		{"small: never", 64, 1024, true, 0, 0},
		{"many rows: never", 8192, 8192, true, 0, 0},
		{"one long contiguous row splits", 1, 1 << 24, true, 1024, 1}, // the smallest divisor at or above 528 programs
		{"few long columns split", 8, 1 << 20, false, 512, 2},
		{"columns enough for every multiprocessor: never", 8192, 8192, false, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			chunks, programs := Split(tt.numel, tt.rnumel, tt.inner, 0, 0)
			if chunks != tt.chunks || programs != tt.programs {
				t.Errorf("Split(%d, %d, %v) = %d, %d; want %d, %d", tt.numel, tt.rnumel, tt.inner, chunks, programs, tt.chunks, tt.programs)
			}
			if chunks > 0 && tt.rnumel%chunks != 0 {
				t.Errorf("%d chunks do not divide %d", chunks, tt.rnumel)
			}
		})
	}
}

func TestMaxWarps(t *testing.T) {
	for _, tt := range []struct {
		threads, warp int
		want          int64
	}{{1024, 32, 32}, {1024, 64, 16}, {0, 32, 0}, {1024, 0, 0}, {16, 32, 1}} {
		if got := MaxWarps(tt.threads, tt.warp); got != tt.want {
			t.Errorf("MaxWarps(%d, %d) = %d, want %d", tt.threads, tt.warp, got, tt.want)
		}
	}
}
