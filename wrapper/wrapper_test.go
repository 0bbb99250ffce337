package wrapper

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fusegen/fusegen/fusion"
	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/heuristics"
	"github.com/fusegen/fusegen/kernel"
)

func build(t *testing.T, src string, opts fusion.Options) *Module {
	t.Helper()
	m, err := tryBuild(t, src, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// tryBuild reads, plans and lowers src, and returns what Build returns.
func tryBuild(t *testing.T, src string, opts fusion.Options) (*Module, error) {
	t.Helper()
	g, err := graphfile.Read([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	s, err := fusion.Plan(g, opts)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := kernel.Build(s, heuristics.Rules{}, kernel.Names{X: "xindex", Y: "yindex", R: "r0_index", XMask: "xmask", TileMask: "ymask & xmask", RowMask: "r0_mask & xmask", SizePrefix: "ks_", XNumel: "xnumel", RNumel: "r0_numel"})
	if err != nil {
		t.Fatal(err)
	}
	return Build(s, ks)
}

func buildDefault(t *testing.T, src string) *Module { return build(t, src, fusion.Options{}) }

func steps(m *Module) []string {
	var out []string
	for _, s := range m.Steps {
		switch s.Kind {
		case "alloc":
			out = append(out, "alloc "+s.Name)
		case "launch":
			out = append(out, "launch "+strings.Join(s.Args, ","))
		case "free":
			out = append(out, "free "+strings.Join(s.Names, ","))
		case "reuse":
			out = append(out, "reuse "+s.From+" as "+s.Name)
		}
	}
	return out
}

func TestPlanAllocatesLaunchesAndFrees(t *testing.T) {
	tests := []struct {
		name  string
		graph string
		opts  fusion.Options
		want  []string
		bytes int64
	}{
		{
			name: "a fused chain never allocates its intermediate",
			graph: `{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[4]}],"nodes":[
				{"name":"a","kind":"pointwise","ranges":[4],"body":{"op":"exp","args":[{"op":"load","buffer":"x","index":["i0"]}]}},
				{"name":"b","kind":"pointwise","ranges":[4],"body":{"op":"neg","args":[{"op":"load","buffer":"a","index":["i0"]}]}}],"outputs":["b"]}`,
			want:  []string{"alloc b", "launch x,b", "free x"},
			bytes: 32,
		},
		{
			name: "across kernels the intermediate and the input are freed after their last use",
			graph: `{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[4,8]}],"nodes":[
				{"name":"a","kind":"reduction","ranges":[4],"reduction_ranges":[8],"reduction":"sum","body":{"op":"load","buffer":"x","index":["i0","r0"]}},
				{"name":"b","kind":"pointwise","ranges":[2],"body":{"op":"neg","args":[{"op":"load","buffer":"a","index":["2*i0"]}]}}],"outputs":["b"]}`,
			want:  []string{"alloc a", "launch x,a", "free x", "alloc b", "launch a,b", "free a"},
			bytes: 136,
		},
		{
			name: "unfused, a dead intermediate of the same shape and dtype is reused, not freed",
			graph: `{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float32","shape":[4]}],"nodes":[
				{"name":"a","kind":"pointwise","ranges":[4],"body":{"op":"exp","args":[{"op":"load","buffer":"x","index":["i0"]}]}},
				{"name":"b","kind":"pointwise","ranges":[4],"body":{"op":"neg","args":[{"op":"load","buffer":"a","index":["i0"]}]}},
				{"name":"c","kind":"pointwise","ranges":[4],"body":{"op":"exp","args":[{"op":"load","buffer":"b","index":["i0"]}]}}],"outputs":["c"]}`,
			opts: fusion.Options{NoVertical: true, NoHorizontal: true},
			want: []string{"alloc a", "launch x,a", "free x", "alloc b", "launch a,b",
				"reuse a as c", "launch b,c", "free b"},
			bytes: 32,
		},
		{
			name: "an output that is an input is returned, never freed",
			graph: `{"version":1,"name":"t","inputs":[{"name":"x","dtype":"float16","shape":[4]}],"nodes":[
				{"name":"a","kind":"pointwise","ranges":[4],"body":{"op":"exp","args":[{"op":"load","buffer":"x","index":["i0"]}]}}],"outputs":["a","x"]}`,
			want:  []string{"alloc a", "launch x,a"},
			bytes: 16,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := build(t, tt.graph, tt.opts)
			if d := cmp.Diff(tt.want, steps(m)); d != "" {
				t.Errorf("steps (-want +got):\n%s", d)
			}
			if m.BytesMoved != tt.bytes {
				t.Errorf("bytes moved = %d, want %d", m.BytesMoved, tt.bytes)
			}
		})
	}
}

func TestIndexInputsGetTheirRange(t *testing.T) {
	m := buildDefault(t, `{"version":1,"name":"t","inputs":[{"name":"idx","dtype":"int64","shape":[3]},{"name":"w","dtype":"float32","shape":[50,4]},{"name":"k","dtype":"int32","shape":[3]}],"nodes":[
		{"name":"out","kind":"pointwise","ranges":[3,4],"body":{"op":"load","buffer":"w","index":["$0","i1"],"indirect":[{"op":"load","buffer":"idx","index":["i0"]}]}}],"outputs":["out","k"]}`)
	got := map[string][2]int64{}
	for _, in := range m.Inputs {
		if in.Integer {
			got[in.Name] = [2]int64{in.Low, in.High.C}
		}
	}
	want := map[string][2]int64{"idx": {0, 50}, "k": {-100, 100}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("integer input ranges (-want +got):\n%s", d)
	}
	if m.Device != "cuda:0" || m.DeviceIndex != 0 {
		t.Errorf("device = %s/%d", m.Device, m.DeviceIndex)
	}
}

// An ignore_index target (where(target != -100, target, 0)) still gets
// get_args values in the valid class range.
func TestIndexThroughWhere(t *testing.T) {
	m := buildDefault(t, `{"version":1,"name":"t","inputs":[{"name":"logits","dtype":"float32","shape":[4,10]},{"name":"target","dtype":"int64","shape":[4]}],"nodes":[
		{"name":"picked","kind":"pointwise","ranges":[4],"body":{"op":"load","buffer":"logits","index":["i0","$0"],"indirect":[
			{"op":"where","args":[{"op":"ne","args":[{"op":"load","buffer":"target","index":["i0"]},{"op":"constant","dtype":"int64","value":-100}]},
			{"op":"load","buffer":"target","index":["i0"]},{"op":"constant","dtype":"int64","value":0}]}]}}],"outputs":["picked"]}`)
	for _, in := range m.Inputs {
		if in.Name == "target" && (in.Low != 0 || !in.High.Is(10)) {
			t.Errorf("target drawn from [%d, %s), want [0, 10)", in.Low, in.High)
		}
	}
}
