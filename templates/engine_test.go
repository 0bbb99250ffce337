package templates

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestFuncMapIsHermetic(t *testing.T) {
	m := Funcs(nil)
	for _, name := range Removed {
		if _, ok := m[name]; ok {
			t.Errorf("function %q is in the map; it reads the clock, environment, network or randomness, or is unordered", name)
		}
	}
	for _, name := range []string{"include", "tuple", "sortedKeys", "isFloat", "join", "nindent", "quote", "dict", "fail"} {
		if _, ok := m[name]; !ok {
			t.Errorf("function %q is missing", name)
		}
	}
}

func TestTuple(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{[]int64{}, "()"},
		{[]int64{4}, "(4,)"},
		{[]int64{4, 8}, "(4, 8)"},
		{[]string{"a", "b"}, "(a, b)"},
	}
	for _, tt := range tests {
		got, err := pyTuple(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("pyTuple(%v) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := pyTuple(3); err == nil {
		t.Error("pyTuple(3): want an error")
	}
}

func TestLoadAndDevices(t *testing.T) {
	s, err := Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Devices(), ","); got != "cpu,cuda" {
		t.Errorf("devices = %s, want cpu,cuda", got)
	}
	r, err := s.Device("cuda")
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Execute("device/device_guard", 1)
	if err != nil || got != "torch.cuda._DeviceGuard(1)" {
		t.Errorf("cuda guard = %q, %v", got, err)
	}
	if _, err := s.Device("nope"); err == nil || !strings.Contains(err.Error(), `unknown device "nope"`) {
		t.Errorf("unknown device error = %v", err)
	}
}

// Template errors name the file and line, for embedded and overlay files,
// at parse and at execution time.
func TestTemplateErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name    string
		overlay fstest.MapFS
		device  string
		exec    string
		want    []string
	}{
		{
			name:    "parse error in overlay",
			overlay: fstest.MapFS{"wrapper/call.tmpl": {Data: []byte("{{define \"wrapper/call\"}}\nline two {{if}}\n{{end}}")}},
			want:    []string{"overlay/wrapper/call.tmpl", "wrapper/call.tmpl:2"},
		},
		{
			name:    "unknown function",
			overlay: fstest.MapFS{"triton/ops.tmpl": {Data: []byte("\n\n{{define \"op/neg\"}}{{nosuchfunc}}{{end}}")}},
			want:    []string{"triton/ops.tmpl:3", `function "nosuchfunc" not defined`},
		},
		{
			name:    "execution error in device overlay",
			overlay: fstest.MapFS{"devices/cuda.tmpl": {Data: []byte(mustEmbedded(t, "devices/cuda.tmpl") + "\n{{define \"device/probe\"}}\n  {{.Missing}}{{end}}")}},
			device:  "cuda",
			exec:    "device/probe",
			want:    []string{"devices/cuda.tmpl:", "Missing"},
		},
		{
			name:    "device file missing a required template",
			overlay: fstest.MapFS{"devices/mydev.tmpl": {Data: []byte(`{{define "device/imports"}}{{end}}`)}},
			device:  "mydev",
			want:    []string{"overlay/devices/mydev.tmpl", `does not define "device/import_get_raw_stream_as"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(tt.overlay, "overlay")
			if err == nil && tt.device != "" {
				var r *Renderer
				r, err = s.Device(tt.device)
				if err == nil {
					_, err = r.Execute(tt.exec, map[string]any{})
				}
			}
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func mustEmbedded(t *testing.T, name string) string {
	s, err := Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	src, ok := s.Files()[name]
	if !ok {
		t.Fatalf("no embedded %s", name)
	}
	return src
}
