// Package golden holds fusegen's end-to-end snapshot cases as data: one
// folder per case under testdata/, each with a graph.json, an optional
// case.json, and the expected module for every device it is rendered for
// (<device>.py.golden). The test in this package renders each case and
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
}

// caseFile is the optional case.json.
type caseFile struct {
	// Devices to render for; default ["cuda"].
	Devices []string `json:"devices"`
	// Templates names an overlay folder inside the case folder.
	Templates string `json:"templates"`
	// Autotune renders as gen -autotune does.
	Autotune bool `json:"autotune"`
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
		graph, err := os.ReadFile(filepath.Join(dir, "graph.json"))
		if err != nil {
			return nil, fmt.Errorf("golden case %s: %w", e.Name(), err)
		}
		c := Case{Name: e.Name(), Dir: dir, Graph: graph, Devices: []string{"cuda"}}
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
		} else if !os.IsNotExist(err) {
			return nil, fmt.Errorf("golden case %s: %w", e.Name(), err)
		}
		cases = append(cases, c)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}
