package kernel

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/ir"
)

// A softmax over rows of S: the kernel takes S and its numels as
// parameters, masks on them, keeps a launch shape per power of two of S's
// range (persistent rows must fit R0_BLOCK), and -autotune leaves it alone.
func TestSymbolicReductionKernel(t *testing.T) {
	src := `{"version":1,"name":"t","device":"cuda","symbols":{"B":{"hint":4,"min":1,"max":16},"S":{"hint":512,"min":100,"max":1000}},
		"inputs":[{"name":"x","dtype":"float32","shape":["B","S","S"]}],
		"nodes":[{"name":"y","op":"softmax","args":["x"],"dim":-1}],"outputs":["y"]}`
	for _, autotune := range []bool{false, true} {
		k := mustKernelsWith(t, src, heuristics.Rules{Autotune: autotune})[0]
		var uptos []int64
		for _, b := range k.Blocks {
			uptos = append(uptos, b.Upto)
			if b.RBlock < b.Upto {
				t.Errorf("block %+v: R0_BLOCK below the rows it serves", b)
			}
		}
		got := []any{k.Persistent, k.NumelArg(), k.RNumelArg(), k.XMask, k.RMask, k.Index64, uptos, len(k.Configs), k.IntParams}
		want := []any{true, true, true, true, true, false, []int64{128, 256, 512, 1024}, 0,
			[]IntParam{{Name: "ks_S", Value: ir.Sym("S")}, {Name: "xnumel", Value: ir.Sym("B").Mul(ir.Sym("S"))}, {Name: "r0_numel", Value: ir.Sym("S")}}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("autotune %v: kernel (-want +got):\n%s", autotune, d)
		}
		if k.NumelSize != ir.Sym("B").Mul(ir.Sym("S")) || k.RNumelSize != ir.Sym("S") {
			t.Errorf("numels %s, %s", k.NumelSize, k.RNumelSize)
		}
		var offsets []string
		for _, st := range k.Pre {
			if st.Kind == "load" || st.Kind == "store" {
				offsets = append(offsets, st.Offset)
			}
		}
		if d := cmp.Diff([]string{"r0_index + ks_S * xindex", "r0_index + ks_S * xindex"}, offsets); d != "" {
			t.Errorf("offsets (-want +got):\n%s", d)
		}
	}
}

// Maxima past 2^31 make a kernel index in int64 and its wide parameters
// 64-bit; a static graph's kernel takes no size parameters.
func TestSymbolicIndexWidth(t *testing.T) {
	src := `{"version":1,"name":"t","device":"cuda","symbols":{"N":{"hint":1024,"min":1,"max":4294967296}},
		"inputs":[{"name":"x","dtype":"float32","shape":["N"]}],
		"nodes":[{"name":"y","op":"exp","args":["x"]}],"outputs":["y"]}`
	k := mustKernels(t, src)[0]
	if !k.Index64 || len(k.IntParams) != 1 || !k.IntParams[0].Wide || k.IntParams[0].Name != "xnumel" || k.IntParams[0].Value != ir.Sym("N") {
		t.Errorf("index64 %v, params %+v", k.Index64, k.IntParams)
	}
	static := mustKernels(t, graphHead+`{"name":"x","dtype":"float32","shape":[1024]}],"nodes":[{"name":"y","op":"exp","args":["x"]}],"outputs":["y"]}`)[0]
	if static.Symbolic() || len(static.IntParams) != 0 {
		t.Errorf("static kernel: symbolic %v, params %+v", static.Symbolic(), static.IntParams)
	}
}

// A sum over rows of N up to 10^6 is looped; rows short enough to be
// persistent run its persistent form, which takes the same parameters:
// the Blocks up to the persistent limit are marked Short, the last is the
// looped shape.
func TestSymbolicShortForm(t *testing.T) {
	src := `{"version":1,"name":"t","device":"cuda","symbols":{"B":{"hint":4,"min":1,"max":512},"N":{"hint":50000,"min":16,"max":1000000}},
		"inputs":[{"name":"x","dtype":"float32","shape":["B","N"]}],
		"nodes":[{"name":"s","op":"sum","args":["x"],"dims":[1]}],"outputs":["s"]}`
	k := mustKernels(t, src)[0]
	if k.Persistent || k.Short == nil || !k.Short.Persistent {
		t.Fatalf("persistent %v, short form %v", k.Persistent, k.Short != nil)
	}
	if k.Short.Name != "triton_per_fused_sum_0" || k.Name != "triton_red_fused_sum_0" {
		t.Errorf("names %s, %s", k.Short.Name, k.Name)
	}
	if d := cmp.Diff(k.IntParams, k.Short.IntParams); d != "" {
		t.Errorf("parameters (-looped +persistent):\n%s", d)
	}
	n := len(k.Blocks)
	for i, b := range k.Blocks {
		if b.Short != (i < n-1) {
			t.Errorf("block %d %+v: short %v", i, b, b.Short)
		}
		if b.Short && b.RBlock < b.Upto {
			t.Errorf("block %+v: R0_BLOCK below the rows it serves", b)
		}
	}
	if last := k.Blocks[n-1]; last.Upto != 1000000 || last.RBlock != k.RBlock {
		t.Errorf("last block %+v, looped R0_BLOCK %d", last, k.RBlock)
	}
	if d := cmp.Diff(k.Blocks[:n-1], k.Short.Blocks, cmp.Comparer(func(a, b Block) bool { return a.Upto == b.Upto && a.RBlock == b.RBlock && a.XBlock == b.XBlock })); d != "" {
		t.Errorf("the persistent form's shapes (-looped +persistent):\n%s", d)
	}
	// A static looped reduction has no second form.
	static := mustKernels(t, graphHead+`{"name":"x","dtype":"float32","shape":[4,50000]}],"nodes":[{"name":"s","op":"sum","args":["x"],"dims":[1]}],"outputs":["s"]}`)[0]
	if static.Short != nil {
		t.Errorf("a static kernel has a short form")
	}
}

// A reduction whose hint's rows are short enough to be persistent and
// whose longest are not is looped, so that no row outgrows R0_BLOCK: a
// strided one (rows of at most 64 are persistent there) with no table, an
// inner one with the persistent shapes of the short rows (Short) and the
// longest's looped shape last.
func TestSymbolicHintPersistentMaxLooped(t *testing.T) {
	for _, tt := range []struct {
		name, shape string
		dims        string
		blocks      bool
	}{
		{"strided", `["B", "S", 8]`, `[1]`, false},
		{"inner", `["B", "S"]`, `[1]`, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := `{"version":1,"name":"t","device":"cuda","symbols":{"B":{"hint":3,"min":1,"max":64},"S":{"hint":12,"min":2,"max":100000}},
				"inputs":[{"name":"x","dtype":"float32","shape":` + tt.shape + `}],
				"nodes":[{"name":"s","op":"sum","args":["x"],"dims":` + tt.dims + `}],"outputs":["s"]}`
			k := mustKernels(t, src)[0]
			if k.Persistent {
				t.Fatalf("persistent with R0_BLOCK %d for rows up to 100000", k.RBlock)
			}
			if got := len(k.Blocks) > 0; got != tt.blocks {
				t.Errorf("blocks %+v, want a table: %v", k.Blocks, tt.blocks)
			}
			for i, b := range k.Blocks {
				if last := i == len(k.Blocks)-1; last != (b.Upto == 100000) || !last && b.RBlock < b.Upto {
					t.Errorf("block %d %+v: want persistent short rows, then the longest", i, b)
				}
			}
		})
	}
}

// Over hints, ranges and layouts: a persistent kernel over a symbolic
// length has a launch shape whose R0_BLOCK covers every row of the
// length's range (the last Upto reaches its maximum, each R0_BLOCK its
// Upto), and so do the persistent Blocks (Short) of a looped one.
func TestSymbolicRowsCovered(t *testing.T) {
	for _, shape := range []string{`["B", "S"]`, `["B", "S", 8]`, `["B", 3, "S"]`} {
		for _, r := range [][3]int64{{12, 2, 50}, {12, 2, 100000}, {300, 1, 300}, {300, 100, 20000}, {5000, 64, 1000000}, {40, 40, 70}} {
			for _, op := range []string{`"op":"sum","args":["x"],"dims":[1]`, `"op":"softmax","args":["x"],"dim":1`} {
				src := fmt.Sprintf(`{"version":1,"name":"t","device":"cuda","symbols":{"B":{"hint":3,"min":1,"max":64},"S":{"hint":%d,"min":%d,"max":%d}},
					"inputs":[{"name":"x","dtype":"float32","shape":%s}],
					"nodes":[{"name":"y",%s}],"outputs":["y"]}`, r[0], r[1], r[2], shape, op)
				for _, k := range mustKernels(t, src) {
					if !k.RNumelArg() {
						continue
					}
					where := fmt.Sprintf("%s over %s, S %v: %s", op, shape, r, k.Name)
					if k.Persistent && (len(k.Blocks) == 0 || k.Blocks[len(k.Blocks)-1].Upto < r[2]) {
						t.Errorf("%s: persistent, blocks %+v do not reach rows of %d", where, k.Blocks, r[2])
					}
					for _, b := range k.Blocks {
						if (k.Persistent || b.Short) && b.RBlock < b.Upto {
							t.Errorf("%s: block %+v: R0_BLOCK below the rows it serves", where, b)
						}
						if !k.Persistent && !b.Short && b.Upto != r[2] {
							t.Errorf("%s: looped block %+v is not the last", where, b)
						}
					}
				}
			}
		}
	}
}
