package pt2_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/pt2"
)

// FuzzRead feeds the archive reader arbitrary bytes, seeded with the
// fixtures, cut short and with model.json damaged: it returns a program or
// an error of one line, and never panics.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"fallbacks", "resnet_block", "gpt2_dynamic"} {
		data := fixture(f, name)
		f.Add(data)
		f.Add(data[:len(data)*3/4])
	}
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, spec := range []bool{false, true} {
			p, err := pt2.Read(bytes.NewReader(data), int64(len(data)), pt2.Options{Specialize: spec})
			if err != nil {
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("error of more than one line: %q", err)
				}
				continue
			}
			if _, err := p.Lower(); err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("lowering error of more than one line: %q", err)
			}
		}
	})
}
