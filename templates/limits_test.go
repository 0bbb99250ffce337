package templates

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/fusegen/fusegen/wrapper"
)

// An overlay template that loops for ever, writes without end, builds a
// huge string or prints an address fails with one line; generation ends.
func TestExecutionLimits(t *testing.T) {
	old := ExecDeadline
	defer func() { ExecDeadline = old }()
	bench := mustEmbedded(t, "wrapper/benchmark.tmpl")
	body := func(extra string) fstest.MapFS {
		// The benchmark's own define, with extra text at its start.
		src := strings.Replace(bench, `{{- define "wrapper/benchmark" -}}`, `{{- define "wrapper/benchmark" -}}`+extra, 1)
		return fstest.MapFS{"wrapper/benchmark.tmpl": {Data: []byte(src)}}
	}
	tests := []struct {
		name, extra, want string
		deadline          time.Duration
	}{
		{"loop", `{{range until 100000}}{{range until 100000}}{{end}}{{end}}`, "still running after 300ms", 300 * time.Millisecond},
		{"endless output", `{{range until 100000}}{{range until 100000}}{{printf "%0900000d" 0}}{{end}}{{end}}`, "output of more than 256 MiB", 5 * time.Minute}, // the cap, not the deadline, must stop it, even under -race on a loaded machine
		{"huge repeat", `{{repeat 1000000000 "x"}}`, "repeat: 1000000000 times 1 bytes", time.Second},
		{"huge width", `{{printf "%0999999999d" 1}}`, "a width or precision over", time.Second},
		{"pointer verb", `{{printf "%p" .}}`, "%p prints an address", time.Second},
		{"pointer value", `{{printf "%v" .}}`, "would print an address", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ExecDeadline = tt.deadline
			s, err := Load(body(tt.extra), "overlay")
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.Device("cuda")
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.Execute("wrapper/benchmark", &wrapper.Module{GraphName: "g", Device: "cuda:0", DeviceType: "cuda"})
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line containing %q", err, tt.want)
			}
		})
	}
}
