// Package golden holds fusegen's end-to-end snapshot cases as data: one
// folder per case under testdata/, each with a graph.json (or a case.json
// naming a torch.export archive), an optional case.json, and the expected
// module for every device it is rendered for (<device>.py.golden). The test in this package renders each case and
// compares it with the snapshots through goldie; GOLDIE_UPDATE=1 rewrites
// them.
package golden

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Case is one snapshot case.
type Case struct {
	Name    string
	Dir     string
	Graph   []byte
	Devices []string
	// Templates is an overlay folder relative to the case, if any.
	Templates string
	// Autotune renders with gen -autotune.
	Autotune bool
	// Archive, when set, is the path of a torch.export archive the case
	// imports instead of a graph file (Graph then holds its bytes);
	// Specialize imports it for its symbols' hints.
	Archive    string
	Specialize bool
}

// caseFile is the optional case.json.
type caseFile struct {
	// Devices to render for; default ["cuda"].
	Devices []string `json:"devices"`
	// Templates names an overlay folder inside the case folder.
	Templates string `json:"templates"`
	// Autotune renders as gen -autotune does.
	Autotune bool `json:"autotune"`
	// Archive names a torch.export archive (relative to the case folder)
	// that the case imports instead of a graph.json; Specialize imports
	// it as gen -specialize does.
	Archive    string `json:"archive"`
	Specialize bool   `json:"specialize"`
}

// Load reads every case folder under root, sorted by name.
func Load(root string) ([]Case, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("golden cases: %w", err)
	}
	var cases []Case
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		c := Case{Name: e.Name(), Dir: dir, Devices: []string{"cuda"}}
		if data, err := os.ReadFile(filepath.Join(dir, "case.json")); err == nil {
			var cf caseFile
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&cf); err != nil {
				return nil, fmt.Errorf("golden case %s: case.json: %w", e.Name(), err)
			}
			if len(cf.Devices) > 0 {
				c.Devices = cf.Devices
			}
			c.Templates = cf.Templates
			c.Autotune = cf.Autotune
			c.Specialize = cf.Specialize
			if cf.Archive != "" {
				c.Archive = filepath.Join(dir, cf.Archive)
			}
		} else if !os.IsNotExist(err) {
			return nil, fmt.Errorf("golden case %s: %w", e.Name(), err)
		}
		src := filepath.Join(dir, "graph.json")
		if c.Archive != "" {
			src = c.Archive
		}
		graph, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("golden case %s: %w", e.Name(), err)
		}
		c.Graph = graph
		cases = append(cases, c)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}
