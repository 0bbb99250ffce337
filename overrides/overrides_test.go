package overrides

import (
	"io/fs"
	"strings"
	"testing"
)

func TestEveryBuiltinDeviceHasAFileDefiningTheRequiredTemplates(t *testing.T) {
	for _, name := range Builtin() {
		data, err := fs.ReadFile(FS(), "devices/"+name+".tmpl")
		if err != nil {
			t.Fatalf("device %s: %v", name, err)
		}
		for _, req := range Required {
			if !strings.Contains(string(data), `{{- define "`+req+`"}}`) {
				t.Errorf("devices/%s.tmpl does not define %q", name, req)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name string
		want Properties
	}{
		{"cuda", Properties{WarpSize: 32, MultiProcessors: 132, MaxThreadsPerBlock: 1024, ComputeCapability: "9.0"}},
		{"mydevice", Defaults},
	}
	for _, tt := range tests {
		if got := Lookup(tt.name); got != tt.want {
			t.Errorf("Lookup(%q) = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
