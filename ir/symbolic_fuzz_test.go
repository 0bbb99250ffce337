package ir

import "testing"

// FuzzSymbolicSimplify drives the property test's generator with the fuzz
// input: the built index, its simplification, bounds, magnitudes and every
// proof behind them agree with direct evaluation, at every point of the
// ranges when there are few, else at points biased to the corners. What
// prints parses back to an Equal index.
func FuzzSymbolicSimplify(f *testing.F) {
	for _, s := range symSeeds(64) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 512 {
			return // the generator reads far fewer choices than this
		}
		c := genSymCase(&byteChooser{b: data})
		if err := checkSymCase(c, pointRand(data), 4096, 256, nil); err != nil {
			t.Fatal(err)
		}
		if err := checkRoundTrip(c); err != nil {
			t.Fatal(err)
		}
	})
}
