package pt2_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/fusegen/fusegen/pt2"
)

// readFixture opens testdata/<name>.pt2 as an io.ReaderAt.
func readFixture(t *testing.T, name string) *bytes.Reader {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".pt2"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(data)
}

// Every fixture imports and lowers to a valid graph.
func TestFixturesImport(t *testing.T) {
	for _, name := range []string{"mlp", "mlp_bf16", "gpt_block", "masked_attention", "conv_bn_relu", "rmsnorm_head", "fallbacks"} {
		t.Run(name, func(t *testing.T) {
			r := readFixture(t, name)
			g, err := pt2.Decode(r, r.Size(), pt2.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d inputs, %d params, %d nodes, outputs %v", name, len(g.Inputs), len(g.Params), len(g.Nodes), g.Outputs)
		})
	}
}
