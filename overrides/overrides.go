// Package overrides holds the per-device override sets, each one template
// file (devices/<name>.tmpl) that defines the device-specific lines of a
// generated module, and the registry of what is known about each device.
//
// Every override file defines these templates (an empty one means the
// module has no such line, as the cpu set shows):
//
//	device/imports                 extra import lines the other templates rely on
//	device/import_get_raw_stream_as  data: a name; binds that name to a function
//	                                 of a device index returning the raw stream
//	device/set_device              data: the device index
//	device/synchronize             waits for the device
//	device/device_guard            data: the device index; a context manager expression
//	device/empty_strided           data: Size, Stride, DType, Device (Python
//	                                 expressions); an allocation expression
package overrides

import (
	"embed"
	"io/fs"
	"sort"
)

//go:embed devices/*.tmpl
var embedded embed.FS

// FS returns the embedded override files, at devices/<name>.tmpl.
func FS() fs.FS { return embedded }

// Required lists the templates every override set must define.
var Required = []string{
	"device/imports",
	"device/import_get_raw_stream_as",
	"device/set_device",
	"device/synchronize",
	"device/device_guard",
	"device/empty_strided",
}

// Properties is what PyTorch's DeviceInterface reports about a device that
// code generation can use.
type Properties struct {
	WarpSize           int
	MultiProcessors    int
	MaxThreadsPerBlock int
	ComputeCapability  string
}

// builtin holds the properties of the embedded devices: cuda as an H100 or
// H200 reports them (both have 132 multiprocessors), cpu as the test
// extension backend fakes them.
var builtin = map[string]Properties{
	"cuda": {WarpSize: 32, MultiProcessors: 132, MaxThreadsPerBlock: 1024, ComputeCapability: "9.0"},
	"cpu":  {WarpSize: 1, MultiProcessors: 80, MaxThreadsPerBlock: 1, ComputeCapability: "8.0"},
}

// Defaults is used for a device added by an overlay.
var Defaults = Properties{WarpSize: 32, MultiProcessors: 80, MaxThreadsPerBlock: 1024, ComputeCapability: "8.0"}

// Lookup returns the properties of a device, or Defaults.
func Lookup(name string) Properties {
	if p, ok := builtin[name]; ok {
		return p
	}
	return Defaults
}

// Builtin lists the embedded devices, sorted.
func Builtin() []string {
	out := make([]string, 0, len(builtin))
	for n := range builtin {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
