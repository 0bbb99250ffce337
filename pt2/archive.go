// Package pt2 reads torch.export archives (.pt2, written by
// torch.export.save after run_decompositions()) into fusegen's op program:
// core ATen ops become fusegen ops, matrix products and convolutions extern
// nodes, and every other ATen op the generic ATen fallback, its results'
// metadata taken from the archive. It reads from an io.ReaderAt and touches
// no file system.
package pt2

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/ops"
)

// SchemaMajor is the major schema_version of model.json this package reads
// (torch 2.11 writes 8.17); a newer minor version is read, a different major
// one refused.
const SchemaMajor = 8

// maxJSON bounds the JSON entries read into memory.
const maxJSON = 256 << 20

// Options tune the import.
type Options struct {
	// Specialize generates for the hints of symbolic sizes (an archive
	// exported with dynamic shapes), a static program, instead of one
	// over the archive's symbols (ops.Program.Symbols).
	Specialize bool
}

// IsArchive reports whether data starts as a zip archive does (a .pt2 is
// one), so that a caller can tell an archive from a graph file by content.
func IsArchive(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

// Read reads the archive of size bytes in r into an op program, its
// parameters, buffers and constants first (as graph inputs, in the
// archive's signature order, each with the archive entry that holds its
// bytes), then its user inputs.
func Read(r io.ReaderAt, size int64, opts Options) (*ops.Program, error) {
	a, err := open(r, size)
	if err != nil {
		return nil, err
	}
	return a.program(opts)
}

// Decode reads the archive and lowers its program to a graph of loop and
// extern nodes.
func Decode(r io.ReaderAt, size int64, opts Options) (*ir.Graph, error) {
	p, err := Read(r, size, opts)
	if err != nil {
		return nil, err
	}
	return p.Lower()
}

// archive is an opened archive: its top folder, entries and model.
type archive struct {
	root    string
	files   map[string]*zip.File // by path inside the archive
	model   *exportedProgram
	weights map[string]payloadMeta // weights and constants by their fully qualified name
	places  map[string]string      // FQN -> entry folder (data/weights or data/constants)
}

func open(r io.ReaderAt, size int64) (*archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		head := make([]byte, 4)
		if n, _ := r.ReadAt(head, 0); n == 4 && IsArchive(head) {
			return nil, &ir.Error{Msg: "a damaged or truncated zip archive (" + err.Error() + ")"}
		}
		if errors.Is(err, zip.ErrFormat) {
			return nil, &ir.Error{Msg: "not a torch.export archive: not a zip file (" + err.Error() + ")"}
		}
		return nil, &ir.Error{Msg: "not a readable zip archive: " + err.Error()}
	}
	a := &archive{files: map[string]*zip.File{}, weights: map[string]payloadMeta{}, places: map[string]string{}}
	for _, f := range zr.File {
		a.files[f.Name] = f
		if dir, ok := strings.CutSuffix(f.Name, "/models/model.json"); ok && !strings.Contains(dir, "/") {
			if a.root != "" && a.root != dir {
				return nil, &ir.Error{Msg: fmt.Sprintf("archive holds two models (%s and %s)", a.root, dir)}
			}
			a.root = dir
		}
	}
	if a.root == "" {
		return nil, &ir.Error{Msg: "not a torch.export archive: no <name>/models/model.json entry"}
	}
	if b, err := a.read("archive_format", 64, false); err != nil {
		return nil, err
	} else if b != nil && strings.TrimSpace(string(b)) != "pt2" {
		return nil, &ir.Error{Msg: fmt.Sprintf("%s/archive_format is %q, not pt2", a.root, strings.TrimSpace(string(b)))}
	}
	if b, err := a.read("byteorder", 64, false); err != nil {
		return nil, err
	} else if b != nil && strings.TrimSpace(string(b)) != "little" {
		return nil, &ir.Error{Msg: fmt.Sprintf("%s/byteorder is %q: load_params reads little-endian weights only", a.root, strings.TrimSpace(string(b)))}
	}
	data, err := a.read("models/model.json", maxJSON, true)
	if err != nil {
		return nil, err
	}
	a.model = &exportedProgram{}
	if err := json.Unmarshal(data, a.model); err != nil {
		return nil, &ir.Error{Path: a.root + "/models/model.json", Msg: "invalid: " + err.Error()}
	}
	switch v := a.model.SchemaVersion; {
	case v == nil:
		return nil, &ir.Error{Path: a.root + "/models/model.json", Msg: "no schema_version"}
	case v.Major != SchemaMajor:
		return nil, &ir.Error{Path: a.root + "/models/model.json", Msg: fmt.Sprintf("schema_version %d.%d: this importer reads major version %d (torch 2.11 and its neighbours)", v.Major, v.Minor, SchemaMajor)}
	}
	for _, dir := range []string{"data/weights", "data/constants"} {
		cfg := "model_weights_config.json"
		if dir == "data/constants" {
			cfg = "model_constants_config.json"
		}
		b, err := a.read(path.Join(dir, cfg), maxJSON, false)
		if err != nil {
			return nil, err
		}
		if b == nil {
			continue
		}
		var pc payloadConfig
		if err := json.Unmarshal(b, &pc); err != nil {
			return nil, &ir.Error{Path: a.root + "/" + dir + "/" + cfg, Msg: "invalid: " + err.Error()}
		}
		for fqn, m := range pc.Config {
			a.weights[fqn], a.places[fqn] = m, dir
		}
	}
	return a, nil
}

// read returns the entry rel (below the top folder), at most limit bytes;
// nil when it is missing and not required.
func (a *archive) read(rel string, limit int64, required bool) ([]byte, error) {
	name := a.root + "/" + rel
	f, ok := a.files[name]
	if !ok {
		if required {
			return nil, &ir.Error{Msg: "missing entry " + name}
		}
		return nil, nil
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, &ir.Error{Path: name, Msg: fmt.Sprintf("entry of %d bytes, more than the %d this reader takes", f.UncompressedSize64, limit)}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &ir.Error{Path: name, Msg: "unreadable: " + err.Error()}
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, &ir.Error{Path: name, Msg: "unreadable (truncated archive?): " + err.Error()}
	}
	return b, nil
}
