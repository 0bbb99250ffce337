package ir

import (
	"math"
	"testing"
)

// The reduction table is complete: every entry has a pass, a template and
// a reference; the types of one pass agree on what the kernel and the
// templates share; a pass has fields exactly when several types share it.
func TestReductionTable(t *testing.T) {
	byPass := map[string][]*ReductionInfo{}
	for _, rt := range ReductionTypes() {
		info := rt.Info()
		if info == nil || info.Type != rt {
			t.Fatalf("%s: Info() = %v", rt, info)
		}
		if info.Pass == "" || info.Template == "" || info.Fold == nil || info.Accumulators < 1 {
			t.Errorf("%s: incomplete entry %+v", rt, *info)
		}
		if !info.Body.Accepts(Float32) && !info.Body.Accepts(Int32) && !info.Body.Accepts(Bool) {
			t.Errorf("%s: accepts no body of float32, int32 or bool", rt)
		}
		if info.Identity.Value(Float32) == "" {
			t.Errorf("%s: unknown identity %q", rt, info.Identity)
		}
		byPass[info.Pass] = append(byPass[info.Pass], info)
	}
	for pass, infos := range byPass {
		first := infos[0]
		for _, info := range infos {
			if info.Template != first.Template || info.Combine != first.Combine || info.Identity != first.Identity || info.Accumulators != first.Accumulators {
				t.Errorf("pass %s: %s and %s disagree", pass, first.Type, info.Type)
			}
			if (info.Field != "") != (len(infos) > 1) {
				t.Errorf("pass %s: %s has field %q", pass, info.Type, info.Field)
			}
		}
	}
	if got := PassFields("welford"); len(got) != 3 || got[0] != "mean" || got[1] != "m2" || got[2] != "weight" {
		t.Errorf("PassFields(welford) = %v", got)
	}
	if Sum.Info().Splits != true || ArgMax.Info().Splits || WelfordM2.Info().Splits {
		t.Error("split flags")
	}
}

func TestReductionValues(t *testing.T) {
	for _, c := range []struct {
		id   Identity
		t    DType
		want string
	}{
		{ZeroIdentity, Float32, "0"}, {OneIdentity, Int64, "1"},
		{LowestIdentity, Float16, "-inf"}, {HighestIdentity, Float32, "inf"},
		{LowestIdentity, Int32, "-2147483648"}, {HighestIdentity, Uint8, "255"},
		{LowestIdentity, Bool, "false"}, {HighestIdentity, Bool, "true"},
	} {
		if got := c.id.Value(c.t); got != c.want {
			t.Errorf("%s.Value(%s) = %q, want %q", c.id, c.t, got, c.want)
		}
	}
	for _, c := range []struct {
		r    ReductionType
		body DType
		want DType
	}{{Sum, Int32, Int32}, {ArgMin, Float16, Int64}, {Any, Bool, Bool}, {WelfordM2, BFloat16, BFloat16}} {
		if got := c.r.Info().Result.DType(c.body); got != c.want {
			t.Errorf("%s of %s: result %s, want %s", c.r, c.body, got, c.want)
		}
	}
	nan := math.NaN()
	vals := []float64{3, 1, 4, 1, 5}
	for _, c := range []struct {
		r    ReductionType
		vals []float64
		want float64
	}{
		{Sum, vals, 14}, {Prod, vals, 60}, {Max, vals, 5}, {Min, vals, 1}, {ArgMax, vals, 4}, {ArgMin, vals, 1},
		{Any, []float64{0, 0, 1}, 1}, {Any, []float64{0, 0}, 0},
		{WelfordMean, vals, 2.8}, {WelfordWeight, vals, 5}, {WelfordM2, []float64{1, 3}, 2},
		{ArgMax, []float64{1, nan, 2, nan}, 1}, {ArgMin, []float64{1, 0, 0}, 1},
	} {
		if got := c.r.Info().Fold(c.vals); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s.Fold(%v) = %v, want %v", c.r, c.vals, got, c.want)
		}
	}
	if got := Max.Info().Fold([]float64{1, nan, 2}); !math.IsNaN(got) {
		t.Errorf("max with a NaN = %v, want NaN", got)
	}
}
