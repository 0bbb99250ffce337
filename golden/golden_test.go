package golden

import (
	"testing"

	"github.com/fusegen/fusegen"
)

func TestGolden(t *testing.T) {
	cases, err := Load("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 12 {
		t.Fatalf("want at least 12 golden cases, found %d", len(cases))
	}
	gen, err := fusegen.New()
	if err != nil {
		t.Fatal(err)
	}
	Run(t, gen, "testdata")
}
