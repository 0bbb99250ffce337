package templates

import (
	"math/rand"
	"testing"
)

// A mentionSet finds what mentions finds, for identifier names and others.
func TestMentionSet(t *testing.T) {
	names := []string{"_maximum", "_max", "a", "tmp0", "x.y", "r0_index", "Z9", "-"} // not "": mentions never ends for it
	pieces := []string{"_maximum", "_max", "a", "tmp0", "x.y", "r0_index", "Z9", " ", "(", ")", ".", "_", "b", "0", "\n", "é", "x", "y", "+"}
	rng := rand.New(rand.NewSource(3))
	for range 3000 {
		var texts []string
		for range rng.Intn(3) {
			s := ""
			for range rng.Intn(8) {
				s += pieces[rng.Intn(len(pieces))]
			}
			texts = append(texts, s)
		}
		m := newMentionSet(names)
		for _, s := range texts {
			m.scan(s)
		}
		for i, name := range names {
			want := false
			for _, s := range texts {
				want = want || mentions(s, name)
			}
			if got := m.mentioned(i); got != want {
				t.Fatalf("%q in %q: mentioned %v, mentions %v", name, texts, got, want)
			}
		}
	}
}
