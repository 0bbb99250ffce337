package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/fusegen/fusegen/graphfile"
	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/pt2"
)

// MaxGraphBytes bounds a graph file: a larger one is refused before it is
// decoded (decoding takes many times its size in memory). Archives are not
// bounded: only their JSON entries are read, each within pt2's limits.
const MaxGraphBytes = 64 << 20

// readInput reads the graph or archive at path ("-": standard input) into a
// graph: an archive by its content (a zip), anything else as a graph file.
func readInput(path string, stdin io.Reader, opts pt2.Options) (*ir.Graph, error) {
	if path == "-" {
		data, err := readCapped(stdin, "standard input")
		if err != nil {
			return nil, err
		}
		return decodeBytes("standard input", data, opts)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read graph: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read graph: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("read graph %s: a directory, not a graph file", path)
	}
	if !fi.Mode().IsRegular() {
		// A device or a pipe: read what it gives, up to the bound.
		data, err := readCapped(f, path)
		if err != nil {
			return nil, err
		}
		return decodeBytes(path, data, opts)
	}
	head := make([]byte, 4)
	n, _ := f.ReadAt(head, 0)
	if pt2.IsArchive(head[:n]) {
		g, err := pt2.Decode(f, fi.Size(), opts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return g, nil
	}
	if fi.Size() > MaxGraphBytes {
		return nil, fmt.Errorf("%s: a graph file of %d bytes; fusegen reads graph files of up to %d MiB", path, fi.Size(), MaxGraphBytes>>20)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read graph: %w", err)
	}
	return decodeBytes(path, data, opts)
}

// readCapped reads r up to MaxGraphBytes, refusing more.
func readCapped(r io.Reader, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxGraphBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if len(data) > MaxGraphBytes {
		return nil, fmt.Errorf("%s: more than %d MiB; fusegen reads graph files of up to %d MiB", what, MaxGraphBytes>>20, MaxGraphBytes>>20)
	}
	return data, nil
}

// decodeBytes decodes an archive or a graph file held in memory; its
// errors name the input.
func decodeBytes(name string, data []byte, opts pt2.Options) (*ir.Graph, error) {
	var g *ir.Graph
	var err error
	if pt2.IsArchive(data) {
		g, err = pt2.Decode(bytes.NewReader(data), int64(len(data)), opts)
	} else {
		g, err = graphfile.Decode(data)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return g, nil
}
