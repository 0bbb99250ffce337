package ir

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// isIdentifier and isGraphName are the regular expressions they replace.
func TestNameMatchers(t *testing.T) {
	identRE := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	graphNameRE := regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	names := []string{"", "a", "_", "1", "a1", "1a", "a-b", "a.b", ".a", "-a", "_a.b-c", "é", "a\n", "a b", "A_Z9",
		"\xff", strings.Repeat("a", 128), strings.Repeat("a", 129), "a$", "$0", "x.", "0.1-2"}
	for c := 0; c < 256; c++ {
		names = append(names, string(rune(c)), "a"+string([]byte{byte(c)}), string([]byte{byte(c)})+"a")
	}
	for _, s := range names {
		if got, want := IsIdentifier(s), identRE.MatchString(s); got != want {
			t.Errorf("isIdentifier(%q) = %v, want %v", s, got, want)
		}
		if got, want := isGraphName(s), graphNameRE.MatchString(s); got != want {
			t.Errorf("isGraphName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestVarNames(t *testing.T) {
	for d := -2; d < 40; d++ {
		if got, want := RangeVar(d), "i"+strconv.Itoa(d); got != want {
			t.Errorf("RangeVar(%d) = %q, want %q", d, got, want)
		}
		if got, want := ReductionVar(d), "r"+strconv.Itoa(d); got != want {
			t.Errorf("ReductionVar(%d) = %q, want %q", d, got, want)
		}
	}
}
