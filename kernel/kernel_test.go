package kernel

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fusegen/fusegen/fusion"
	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/ir"
)

func mustKernels(t *testing.T, src string) []*Kernel {
	t.Helper()
	return mustKernelsWith(t, src, heuristics.Rules{})
}

// mustKernelsWith is mustKernels with launch-shape rules h.
func mustKernelsWith(t *testing.T, src string, h heuristics.Rules) []*Kernel {
	t.Helper()
	g, err := graphfile.Read([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s, err := fusion.Plan(g, fusion.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ks, err := Build(s, h, testNames)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

const graphHead = `{"version":1,"name":"t","device":"cuda","inputs":[`

func TestKernelShapeChoices(t *testing.T) {
	tests := []struct {
		name                 string
		graph                string
		category             string
		xblock, rblock       int64
		persistent, index64  bool
		xmask                bool
		nameWant, offsetWant string
	}{
		{
			name:     "pointwise contiguous collapses to xindex",
			graph:    graphHead + `{"name":"x","dtype":"float32","shape":[1000,1003]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[1000,1003],"body":{"op":"exp","args":[{"op":"load","buffer":"x","index":["i0","i1"]}]}}],"outputs":["y"]}`,
			category: "poi", xblock: 1024, rblock: 1, xmask: true,
			nameWant: "triton_poi_fused_exp_0", offsetWant: "xindex",
		},
		{
			name:     "a transposed load runs 2-D tiles",
			graph:    graphHead + `{"name":"x","dtype":"float32","shape":[1003,1000]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[1000,1003],"body":{"op":"neg","args":[{"op":"load","buffer":"x","index":["i1","i0"]}]}}],"outputs":["y"]}`,
			category: "poi", xblock: 64, rblock: 1, xmask: true,
			nameWant: "triton_poi_fused_neg_0", offsetWant: "1000 * xindex + yindex",
		},
		{
			name: "NCHW to NHWC tiles rows of channels",
			graph: graphHead + `{"name":"x","dtype":"float32","shape":[4,64,12,12]}],"nodes":[{"name":"y","op":"permute","args":["x"],"dims":[0,2,3,1]},` +
				`{"name":"z","op":"contiguous","args":["y"]}],"outputs":["z"]}`,
			category: "poi", xblock: 64, rblock: 1, xmask: false,
			nameWant: "triton_poi_fused_contiguous_0", offsetWant: "144 * xindex + (yindex % 144) + 9216 * (yindex // 144)",
		},
		{
			name: "NHWC to NCHW tiles rows of pixels",
			graph: graphHead + `{"name":"x","dtype":"float32","shape":[4,12,12,64]}],"nodes":[{"name":"y","op":"permute","args":["x"],"dims":[0,3,1,2]},` +
				`{"name":"z","op":"contiguous","args":["y"]}],"outputs":["z"]}`,
			category: "poi", xblock: 64, rblock: 1, xmask: true,
			nameWant: "triton_poi_fused_contiguous_0", offsetWant: "64 * xindex + (yindex % 64) + 9216 * (yindex // 64)",
		},
		{
			name:     "short inner rows are persistent",
			graph:    graphHead + `{"name":"x","dtype":"float32","shape":[64,700]}],"nodes":[{"name":"y","kind":"reduction","ranges":[64],"reduction_ranges":[700],"reduction":"sum","body":{"op":"load","buffer":"x","index":["i0","r0"]}}],"outputs":["y"]}`,
			category: "per", xblock: 1, rblock: 1024, persistent: true,
			nameWant: "triton_per_fused_sum_0", offsetWant: "r0_index + 700 * xindex",
		},
		{
			name:     "long inner rows loop",
			graph:    graphHead + `{"name":"x","dtype":"float32","shape":[64,50000]}],"nodes":[{"name":"y","kind":"reduction","ranges":[64],"reduction_ranges":[50000],"reduction":"max","body":{"op":"load","buffer":"x","index":["i0","r0"]}}],"outputs":["y"]}`,
			category: "red", xblock: 1, rblock: 2048,
			nameWant: "triton_red_fused_max_0", offsetWant: "r0_index + 50000 * xindex",
		},
		{
			name:     "narrow outer reduction streams 1024 rows a step in 4-column programs",
			graph:    graphHead + `{"name":"x","dtype":"float32","shape":[5000,300]}],"nodes":[{"name":"y","kind":"reduction","ranges":[300],"reduction_ranges":[5000],"reduction":"sum","body":{"op":"load","buffer":"x","index":["r0","i0"]}}],"outputs":["y"]}`,
			category: "red", xblock: 4, rblock: 1024, xmask: false,
			nameWant: "triton_red_fused_sum_0", offsetWant: "300 * r0_index + xindex",
		},
		{
			name:     "outer reduction streams 128 rows a step in 32-column programs",
			graph:    graphHead + `{"name":"x","dtype":"float32","shape":[256,6000]}],"nodes":[{"name":"y","kind":"reduction","ranges":[6000],"reduction_ranges":[256],"reduction":"sum","body":{"op":"load","buffer":"x","index":["r0","i0"]}}],"outputs":["y"]}`,
			category: "red", xblock: 32, rblock: 128, xmask: true,
			nameWant: "triton_red_fused_sum_0", offsetWant: "6000 * r0_index + xindex",
		},
		{
			name:     "wide outer reduction takes 64 columns by 64 rows while every multiprocessor keeps a program",
			graph:    graphHead + `{"name":"x","dtype":"float32","shape":[1024,16384]}],"nodes":[{"name":"y","kind":"reduction","ranges":[16384],"reduction_ranges":[1024],"reduction":"sum","body":{"op":"load","buffer":"x","index":["r0","i0"]}}],"outputs":["y"]}`,
			category: "red", xblock: 64, rblock: 64, xmask: false,
			nameWant: "triton_red_fused_sum_0", offsetWant: "16384 * r0_index + xindex",
		},
		{
			name:     "offsets past 2^31 use int64",
			graph:    graphHead + `{"name":"x","dtype":"float16","shape":[65536,32769]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[65536,32769],"body":{"op":"abs","args":[{"op":"load","buffer":"x","index":["i0","i1"]}]}}],"outputs":["y"]}`,
			category: "poi", xblock: 1024, rblock: 1, index64: true, xmask: false,
			nameWant: "triton_poi_fused_abs_0", offsetWant: "xindex",
		},
		{
			// The offset stays below 2^31, but (xindex + 2147483647 - 5)
			// inside the modulo does not: int32 would wrap it.
			name:     "an intermediate past 2^31 uses int64",
			graph:    graphHead + `{"name":"x","dtype":"float32","shape":[2147483647]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[10],"body":{"op":"abs","args":[{"op":"load","buffer":"x","index":["(i0 + 2147483642) % 2147483647"]}]}}],"outputs":["y"]}`,
			category: "poi", xblock: 16, rblock: 1, index64: true, xmask: true,
			nameWant: "triton_poi_fused_abs_0", offsetWant: "((xindex + 2147483642) % 2147483647)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := mustKernels(t, tt.graph)[0]
			got := []any{k.Category, k.XBlock, k.RBlock, k.Persistent, k.Index64, k.XMask, k.Name}
			want := []any{tt.category, tt.xblock, tt.rblock, tt.persistent, tt.index64, tt.xmask, tt.nameWant}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("kernel (-want +got):\n%s", d)
			}
			var load *Stmt
			all := append([]Stmt{}, k.Pre...)
			for _, lp := range k.Loops {
				all = append(append(all, lp.Body...), lp.After...)
			}
			for _, s := range all {
				if s.Kind == "load" {
					load = &s
					break
				}
			}
			if load == nil || load.Offset != tt.offsetWant {
				t.Errorf("first load offset = %v, want %q", load, tt.offsetWant)
			}
		})
	}
}

func TestLoweringSharesAndHoists(t *testing.T) {
	// y[i] = sum_r x[i, r] * w[i] + x[i, r] * w[i]: the loads of x and w and
	// the product appear once; w does not depend on r and is hoisted before
	// the loop; the bf16 output is stored with a cast.
	src := graphHead + `{"name":"x","dtype":"bfloat16","shape":[8,40000]},{"name":"w","dtype":"bfloat16","shape":[8]}],"nodes":[{"name":"y","kind":"reduction","ranges":[8],"reduction_ranges":[40000],"reduction":"sum","body":` +
		`{"op":"add","args":[{"op":"mul","args":[{"op":"load","buffer":"x","index":["i0","r0"]},{"op":"load","buffer":"w","index":["i0"]}]},{"op":"mul","args":[{"op":"load","buffer":"x","index":["i0","r0"]},{"op":"load","buffer":"w","index":["i0"]}]}]}}],"outputs":["y"]}`
	k := mustKernels(t, src)[0]
	kinds := func(ss []Stmt) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Kind+":"+s.Op)
		}
		return strings.Join(out, " ")
	}
	if got, want := kinds(k.Pre), "load: reduce_init:sum"; got != want {
		t.Errorf("before the loop: %q, want %q", got, want)
	}
	if len(k.Loops) != 1 {
		t.Fatalf("%d passes, want 1", len(k.Loops))
	}
	if got, want := kinds(k.Loops[0].Body), "load: op:mul op:add reduce_update:sum"; got != want {
		t.Errorf("in the loop: %q, want %q", got, want)
	}
	post := k.Loops[0].After
	if got, want := kinds(post), "reduce_final:sum store:"; got != want {
		t.Errorf("after the loop: %q, want %q", got, want)
	}
	if st := post[len(post)-1]; st.StoreAs != ir.BFloat16 || st.DType != ir.Float32 {
		t.Errorf("store: computes %s, stores as %q; want float32 stored as bfloat16", st.DType, st.StoreAs)
	}
	if !k.Pre[0].Upcast {
		t.Error("a bf16 load must be widened to float32")
	}
	if got := []string{k.Pointers[0].Name, k.Pointers[1].Name, k.Pointers[2].Name}; cmp.Diff([]string{"in_ptr0", "in_ptr1", "out_ptr0"}, got) != "" {
		t.Errorf("pointers = %v", got)
	}
}

func TestWelfordFieldsShareOnePass(t *testing.T) {
	src := graphHead + `{"name":"x","dtype":"float32","shape":[8,100]}],"nodes":[` +
		`{"name":"m","kind":"reduction","ranges":[8],"reduction_ranges":[100],"reduction":"welford_mean","body":{"op":"load","buffer":"x","index":["i0","r0"]}}],"outputs":["m"]}`
	k := mustKernels(t, src)[0]
	var red []Stmt
	for _, s := range k.Pre {
		if strings.HasPrefix(s.Kind, "reduce") {
			red = append(red, s)
		}
	}
	if len(red) != 1 || red[0].Op != "welford" || red[0].RNumel != "100.0" {
		t.Fatalf("reductions = %+v", red)
	}
	if st := k.Pre[len(k.Pre)-1]; st.Kind != "store" || st.Var != red[0].Var+"_mean" {
		t.Errorf("stores %s, want %s_mean", st.Var, red[0].Var)
	}
}

func TestEvictionHints(t *testing.T) {
	tests := []struct {
		name  string
		graph string
		want  map[string]string // load offset -> eviction hint
	}{
		{
			name:  "pointwise: no hints",
			graph: graphHead + `{"name":"x","dtype":"float32","shape":[64,128]},{"name":"b","dtype":"float32","shape":[128]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[64,128],"body":{"op":"add","args":[{"op":"load","buffer":"x","index":["i0","i1"]},{"op":"load","buffer":"b","index":["i1"]}]}}],"outputs":["y"]}`,
			want:  map[string]string{"xindex": "", "(xindex % 128)": ""},
		},
		{
			name:  "persistent reduction of per-row results: rows go first, a weight every program shares stays",
			graph: graphHead + `{"name":"x","dtype":"float32","shape":[64,128]},{"name":"w","dtype":"float32","shape":[128]}],"nodes":[{"name":"y","kind":"reduction","ranges":[64],"reduction_ranges":[128],"reduction":"sum","body":{"op":"mul","args":[{"op":"load","buffer":"x","index":["i0","r0"]},{"op":"load","buffer":"w","index":["r0"]}]}}],"outputs":["y"]}`,
			want:  map[string]string{"r0_index + 128 * xindex": "evict_first", "r0_index": "evict_last"},
		},
		{
			name:  "persistent reduction storing whole rows: only the weight has a hint",
			graph: graphHead + `{"name":"x","dtype":"float32","shape":[64,128]},{"name":"w","dtype":"float32","shape":[128]}],"nodes":[{"name":"s","kind":"reduction","ranges":[64],"reduction_ranges":[128],"reduction":"sum","body":{"op":"load","buffer":"x","index":["i0","r0"]}},{"name":"y","kind":"pointwise","ranges":[64,128],"body":{"op":"mul","args":[{"op":"load","buffer":"s","index":["i0"]},{"op":"load","buffer":"w","index":["i1"]}]}}],"outputs":["y"]}`,
			want:  map[string]string{"r0_index + 128 * xindex": "", "r0_index": "evict_last"},
		},
		{
			name:  "a single program's load has no hint: no other program shares it",
			graph: graphHead + `{"name":"x","dtype":"float32","shape":[64,128]}],"nodes":[{"name":"y","kind":"reduction","ranges":[],"reduction_ranges":[64,128],"reduction":"sum","body":{"op":"load","buffer":"x","index":["r0","r1"]}}],"outputs":["y"]}`,
			want:  map[string]string{"r0_index": ""},
		},
		{
			name:  "a buffer read twice (a stencil) has no hint",
			graph: graphHead + `{"name":"x","dtype":"float32","shape":[129]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[128],"body":{"op":"add","args":[{"op":"load","buffer":"x","index":["i0"]},{"op":"load","buffer":"x","index":["i0 + 1"]}]}}],"outputs":["y"]}`,
			want:  map[string]string{"xindex": "", "xindex + 1": ""},
		},
		{
			name:  "a gather has no hint",
			graph: graphHead + `{"name":"x","dtype":"float32","shape":[1000,64]},{"name":"i","dtype":"int64","shape":[32]}],"nodes":[{"name":"y","kind":"pointwise","ranges":[32,64],"body":{"op":"load","buffer":"x","index":["$0","i1"],"indirect":[{"op":"load","buffer":"i","index":["i0"]}]}}],"outputs":["y"]}`,
			want:  map[string]string{"(xindex // 64)": "", "indirect": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := mustKernels(t, tt.graph)[0]
			got := map[string]string{}
			all := append([]Stmt{}, k.Pre...)
			for _, lp := range k.Loops {
				all = append(all, lp.Body...)
			}
			for _, s := range all {
				switch {
				case s.Kind == "load" && s.indirect:
					got["indirect"] = s.Eviction
				case s.Kind == "load":
					got[s.Offset] = s.Eviction
				}
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("eviction hints by offset (-want +got):\n%s", d)
			}
		})
	}
}

func TestStridedTileShrinksWithAccumulators(t *testing.T) {
	// max, argmin, sum and welford over the rows of a 3001x515 matrix: seven
	// accumulator arrays share the registers of one 4-column program.
	src, err := os.ReadFile("../bench/gpu/graphs/reductions_outer.json")
	if err != nil {
		t.Fatal(err)
	}
	ks := mustKernels(t, string(src))
	if len(ks) != 1 {
		t.Fatalf("%d kernels, want 1", len(ks))
	}
	k := ks[0]
	got := []any{k.XBlock, k.RBlock, k.NumWarps, k.NumStages}
	want := []any{int64(4), int64(128), 4, 5}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("XBLOCK, R0_BLOCK, num_warps, num_stages (-want +got):\n%s", d)
	}
}

func TestAutotuneCandidates(t *testing.T) {
	tests := []struct {
		name  string
		graph string
		want  []heuristics.Config
	}{
		{
			name:  "strided reduction: the chosen 4x1024 tile first, then same-size, shorter and taller tiles",
			graph: graphHead + `{"name":"x","dtype":"float32","shape":[5000,300]}],"nodes":[{"name":"y","kind":"reduction","ranges":[300],"reduction_ranges":[5000],"reduction":"sum","body":{"op":"load","buffer":"x","index":["r0","i0"]}}],"outputs":["y"]}`,
			want: []heuristics.Config{{XBlock: 4, RBlock: 1024, NumWarps: 4}, {XBlock: 8, RBlock: 512, NumWarps: 4}, {XBlock: 8, RBlock: 512, NumWarps: 8}, {XBlock: 2, RBlock: 2048, NumWarps: 4}, {XBlock: 2, RBlock: 2048, NumWarps: 8}, {XBlock: 4, RBlock: 512, NumWarps: 4}, {XBlock: 4, RBlock: 512, NumWarps: 8},
				{XBlock: 4, RBlock: 2048, NumWarps: 4}, {XBlock: 4, RBlock: 2048, NumWarps: 8}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := graphfile.Read([]byte(tt.graph))
			if err != nil {
				t.Fatal(err)
			}
			s, err := fusion.Plan(g, fusion.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ks, err := Build(s, heuristics.Rules{Autotune: true}, testNames)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, ks[0].Configs); d != "" {
				t.Errorf("candidates (-want +got):\n%s", d)
			}
		})
	}
}

// testNames are the names templates/triton/names.tmpl gives.
var testNames = Names{X: "xindex", Y: "yindex", R: "r0_index", XMask: "xmask", TileMask: "ymask & xmask", RowMask: "r0_mask & xmask", SizePrefix: "ks_", XNumel: "xnumel", RNumel: "r0_numel"}
