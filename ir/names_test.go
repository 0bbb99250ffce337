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

// CheckName says what a graph name is; the names the generated module
// reads are the templates' list, so it accepts them.
func TestCheckNameLeavesModuleNamesToTemplates(t *testing.T) {
	for _, s := range []string{"x", "import", "print", "sum", "torch", "triton", "triton_foo", "stream0", "args",
		"get_raw_stream", "empty_strided_xpu", "run", "function", "metadata", strings.Repeat("a", 64)} {
		if err := CheckName(s); err != nil {
			t.Errorf("CheckName(%q): %v", s, err)
		}
	}
	for s, want := range map[string]string{
		"":                      "name is empty",
		"_x":                    `name "_x" starts with an underscore`,
		"__name__":              `name "__name__" starts with an underscore`,
		"1x":                    `name "1x" is not a Python identifier`,
		"x.y":                   `name "x.y" is not a Python identifier`,
		strings.Repeat("a", 65): "is longer than 64 characters",
	} {
		if err := CheckName(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckName(%q) = %v, want %q", s, err, want)
		}
	}
}

func TestNamePlaces(t *testing.T) {
	var got []string
	// A graph of loop nodes only: its own positions.
	loop := &Graph{Name: "loop", Inputs: []*Buffer{{Name: "x", DType: Float32, Shape: Sizes(4)}},
		Nodes: []*Node{{Name: "y"}, {Name: "z"}}}
	for _, p := range NamePlaces(loop) {
		got = append(got, p.Name+" @ "+p.Path)
	}
	if w := "x @ inputs[0].name,y @ nodes[0].name,z @ nodes[1].name"; strings.Join(got, ",") != w {
		t.Errorf("NamePlaces(loop graph) = %s, want %s", strings.Join(got, ","), w)
	}
}
