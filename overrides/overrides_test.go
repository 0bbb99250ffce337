package overrides

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestBuiltinDevices(t *testing.T) {
	if got := strings.Join(Builtin(), ","); got != "cpu,cuda,mps,mtia,xpu" {
		t.Fatalf("Builtin() = %s, want cpu,cuda,mps,mtia,xpu", got)
	}
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
		// Every embedded device has a data file that names every field, so
		// that an exported copy shows them all.
		js, err := fs.ReadFile(FS(), "devices/"+name+".json")
		if err != nil {
			t.Fatalf("device %s: %v", name, err)
		}
		for _, f := range FieldNames() {
			if !strings.Contains(string(js), `"`+f+`":`) {
				t.Errorf("devices/%s.json does not set %q", name, f)
			}
		}
	}
}

// The properties block-size heuristics and the benchmark read, from the
// registry.
func TestLookup(t *testing.T) {
	tests := []struct {
		name string
		want Properties
	}{
		{"cuda", Properties{MultiProcessors: 132, WarpSize: 32, MaxThreadsPerBlock: 1024, ComputeCapability: "9.0",
			Event: "torch.cuda.Event", Synchronize: "torch.cuda.synchronize", CanFuseVertical: true, CanFuseHorizontal: true}},
		{"xpu", Properties{MultiProcessors: 64, WarpSize: 32, MaxThreadsPerBlock: 1024,
			Event: "torch.xpu.Event", Synchronize: "torch.xpu.synchronize", CanFuseVertical: true, CanFuseHorizontal: true}},
		{"mps", Properties{MultiProcessors: 10, WarpSize: 32, MaxThreadsPerBlock: 1024,
			Event: "torch.mps.event.Event", Synchronize: "torch.mps.synchronize", CanFuseVertical: true, CanFuseHorizontal: true}},
		{"cpu", Properties{MultiProcessors: 80, WarpSize: 1, MaxThreadsPerBlock: 1, ComputeCapability: "8.0",
			CanFuseVertical: true, CanFuseHorizontal: true}},
		{"mydevice", Defaults},
	}
	for _, tt := range tests {
		if got := Lookup(tt.name); got != tt.want {
			t.Errorf("Lookup(%q) = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestRegistryOverlay(t *testing.T) {
	r, err := Load(fstest.MapFS{
		"devices/cuda.json":          {Data: []byte(`{"warp_size": 64, "can_fuse_vertical": false}`)},
		"devices/privateuseone.tmpl": {Data: []byte("x")},
		"devices/onlytmpl.tmpl":      {Data: []byte("y")},
		"devices/privateuseone.json": {Data: []byte(`{"event": ""}`)},
	}, "ov")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Names(), ","); got != "cpu,cuda,mps,mtia,onlytmpl,privateuseone,xpu" {
		t.Errorf("names = %s", got)
	}
	cuda, _ := r.Lookup("cuda")
	want := Lookup("cuda")
	want.WarpSize, want.CanFuseVertical = 64, false
	if cuda.Properties != want || cuda.PropertiesFile != "ov/devices/cuda.json" || cuda.TemplateFile != "devices/cuda.tmpl" {
		t.Errorf("cuda = %+v", cuda)
	}
	p, _ := r.Lookup("privateuseone")
	if p.Properties != Defaults || p.TemplateFile != "ov/devices/privateuseone.tmpl" || p.Template != "x" {
		t.Errorf("privateuseone = %+v", p)
	}
	o, _ := r.Lookup("onlytmpl")
	if o.Properties != Defaults || o.PropertiesFile != "" {
		t.Errorf("onlytmpl = %+v", o)
	}
	files := r.Files()
	if files["devices/cuda.json"] != `{"warp_size": 64, "can_fuse_vertical": false}` || files["devices/onlytmpl.tmpl"] != "y" {
		t.Errorf("files = %v", files)
	}
	if _, ok := files["devices/onlytmpl.json"]; ok {
		t.Error("a device with no data file exports one")
	}
}

func TestDecodePropertiesErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"unknown field", "{\n  \"warp_size\": 32,\n  \"sm_count\": 80\n}", `d.json:3:3: unknown field "sm_count" (known: multi_processor_count, warp_size,`},
		{"typo", `{"can_fuse_vertica": true}`, `d.json:1:2: unknown field "can_fuse_vertica"; did you mean "can_fuse_vertical"?`},
		{"wrong type", "{\n  \"warp_size\": \"32\"\n}", `d.json:2:16: field "warp_size": want an integer, got "32"`},
		{"wrong bool", `{"can_fuse_horizontal": 1}`, `d.json:1:25: field "can_fuse_horizontal": want true or false, got 1`},
		{"null", `{"event": null}`, `d.json:1:11: field "event": want a string, got null`},
		{"twice", `{"warp_size": 32, "warp_size": 64}`, `d.json:1:19: field "warp_size" given twice`},
		{"not an object", `[1]`, `d.json:1:2: want a JSON object of device properties ({} for the defaults)`},
		{"empty", ``, `d.json:1:1: unexpected end of JSON`},
		{"truncated", "{\"warp_size\": 32,", `d.json:1:18: unexpected end of JSON`},
		{"syntax", "{\n\"warp_size\" 32}", `d.json:2:`},
		{"trailing", `{} {}`, `d.json:1:4: data after the JSON object`},
		{"zero", `{"warp_size": 0}`, `d.json:1:2: field "warp_size": 0: want a positive integer`},
		{"capability", `{"compute_capability": "sm90"}`, `d.json:1:2: field "compute_capability": "sm90": want "major.minor"`},
		{"event", `{"event": "torch.cuda.Event()"}`, `d.json:1:2: field "event": "torch.cuda.Event()": want a Python dotted name such as torch.cuda.Event`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeProperties([]byte(tt.data), "d.json", Defaults)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	p, err := DecodeProperties([]byte(" {} \n"), "d.json", Defaults)
	if err != nil || p != Defaults {
		t.Errorf("{} = %+v, %v; want the defaults", p, err)
	}
}

func TestClosest(t *testing.T) {
	for in, want := range map[string]string{"warpsize": "warp_size", "event": "event", "zzzzzzzzzzzz": ""} {
		if got := Closest(in, FieldNames()); got != want {
			t.Errorf("Closest(%q) = %q, want %q", in, got, want)
		}
	}
}
