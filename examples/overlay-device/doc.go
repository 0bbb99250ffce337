// Package overlaydevice is an out-of-tree device added to fusegen with
// nothing but an overlay folder of template files, as PyTorch's test
// extension backend adds its privateuseone device:
//
//	templates/devices/privateuseone.tmpl  the device's lines (raw stream stub, no guard, ...)
//	templates/devices/privateuseone.json  the device's data (DeviceInterface facts, fusion switches)
//
// sin_add.json is a graph (sin(x) + bias, then a row sum) and sin_add.py the
// module generated for the device by the line below; CI runs go generate
// ./... and fails if the committed module is stale. See docs/templates.md,
// "Adding a device".
package overlaydevice

//go:generate go run github.com/fusegen/fusegen/cmd/gen -templates templates -device privateuseone -o sin_add.py sin_add.json
