package templates

import (
	"bytes"
	"strings"
	"testing"
)

// tidyReference is Tidy as first written, line by line through
// strings.Split.
func tidyReference(s string) []byte {
	lines := strings.Split(s, "\n")
	var b bytes.Buffer
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t\r")
		if l == "" {
			blank++
			if blank > 2 {
				continue
			}
		} else {
			blank = 0
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

func TestTidy(t *testing.T) {
	tests := []string{
		"",
		"\n",
		"\n\n\n\n\n",
		"a",
		"a\n",
		"a  \t\r\nb\r\n",
		"a\n\n\n\n\nb",
		"a\n \n\t\n\r\n  \nb\n\n",
		"\n\n\n\na\n\n\nb\n\n\n\n\nc   ",
		"def f():\n    return 1   \n\n\n\n\ndef g():\n    pass\n",
		" \t",
	}
	for _, s := range tests {
		if got, want := Tidy([]byte(s)), tidyReference(s); !bytes.Equal(got, want) {
			t.Errorf("tidy(%q) = %q, want %q", s, got, want)
		}
	}
}
