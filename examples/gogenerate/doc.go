// Package gogenerate shows fusegen run from go generate. Each line below
// renders a graph of this folder into a Python module beside it; the
// modules are committed, and CI runs go generate ./... and fails if that
// changes any file (regenerate and commit them together with the change
// that made them stale). gen writes atomically and leaves a file whose
// content would not change untouched, so an up-to-date tree stays clean.
//
// To check without writing, as a pre-commit hook might:
//
//	go run github.com/fusegen/fusegen/cmd/gen -check -o scale_shift.py scale_shift.json
//
// exits 1 and prints a unified diff when scale_shift.py is stale.
package gogenerate

//go:generate go run github.com/fusegen/fusegen/cmd/gen -o scale_shift.py scale_shift.json
//go:generate go run github.com/fusegen/fusegen/cmd/gen -device xpu -o scale_shift_xpu.py scale_shift.json
//go:generate go run github.com/fusegen/fusegen/cmd/gen -o row_max.py row_max.json
//go:generate go run github.com/fusegen/fusegen/cmd/gen -device cpu -o row_max_cpu.py row_max.json
