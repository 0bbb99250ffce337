package fusegen

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/fusegen/fusegen"

// importRules is the data flow of docs/architecture.md: for each package,
// the only fusegen packages its non-test files may import. A package not
// listed here may import any, except those in neverImports.
var importRules = map[string][]string{
	"ir":         {},
	"heuristics": {"ir"},
	"ops":        {"ir"},
	"graphfile":  {"ir", "ops"},
	"pt2":        {"ir", "ops"},
	"fusion":     {"ir", "heuristics"},
	"kernel":     {"ir", "fusion", "heuristics"},
	"overrides":  {},
}

// neverImports lists imports a package must not have, whatever else it has.
var neverImports = map[string][]string{
	"wrapper": {"templates"},
}

// TestImportGraph holds the import graph of docs/architecture.md: data
// flows one way, and no package reaches back up the flow.
func TestImportGraph(t *testing.T) {
	imports := packageImports(t)
	for pkg, allowed := range importRules {
		got, ok := imports[pkg]
		if !ok {
			t.Errorf("package %s: not found", pkg)
			continue
		}
		for _, imp := range got {
			if !slices.Contains(allowed, imp) {
				t.Errorf("package %s imports %s; it may import only %v", pkg, imp, allowed)
			}
		}
	}
	for pkg, banned := range neverImports {
		for _, imp := range imports[pkg] {
			if slices.Contains(banned, imp) {
				t.Errorf("package %s imports %s, which it must never import", pkg, imp)
			}
		}
	}
}

// packageImports maps each package folder (relative to the module root) to
// the fusegen packages its non-test files import, sorted.
func packageImports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		for _, spec := range f.Imports {
			p, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return err
			}
			rel, ok := strings.CutPrefix(p, modulePath+"/")
			if !ok {
				if p == modulePath {
					rel, ok = ".", true
				}
			}
			if ok && !slices.Contains(out[pkg], rel) {
				out[pkg] = append(out[pkg], rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, imps := range out {
		sort.Strings(imps)
	}
	return out
}
