package templates_test

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/fusegen/fusegen/kernel"
	"github.com/fusegen/fusegen/overrides"
	"github.com/fusegen/fusegen/templates"
	"github.com/fusegen/fusegen/wrapper"
)

// docs/templates.md is the contract of the template surface: it must name
// every template file, every define, every field of the data the templates
// receive, every device define and data key, and every function fusegen
// adds. A change to any of them fails here until the page says it.
func TestDocsCoverTheTemplateSurface(t *testing.T) {
	data, err := os.ReadFile("../docs/templates.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	mention := func(what, name string) {
		t.Helper()
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("docs/templates.md does not mention %s `%s`", what, name)
		}
	}
	s, err := templates.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	define := regexp.MustCompile(`\{\{-?\s*define\s+"([^"]+)"`)
	for name, src := range s.Files() {
		if strings.HasPrefix(name, overrides.Dir+"/") {
			continue
		}
		mention("template file", name)
		for _, m := range define.FindAllStringSubmatch(src, -1) {
			mention("template", m[1])
		}
	}
	for _, req := range overrides.Required {
		mention("device template", req)
	}
	for _, key := range overrides.FieldNames() {
		mention("device data key", key)
	}
	for _, d := range s.Devices() {
		mention("device", d)
	}
	for _, f := range []string{"include", "deviceInfo", "tuple", "sortedKeys", "isFloat"} {
		mention("function", f)
	}
	for _, v := range []any{wrapper.Module{}, wrapper.Input{}, wrapper.Step{}, kernel.Kernel{},
		kernel.Pointer{}, kernel.Stmt{}, overrides.Properties{}} {
		typ := reflect.TypeOf(v)
		name := typ.String()
		if !strings.Contains(doc, "`"+name+"`") {
			t.Errorf("docs/templates.md does not mention type `%s`", name)
		}
		for i := range typ.NumField() {
			if f := typ.Field(i); f.IsExported() && !strings.Contains(doc, "`"+f.Name+"`") {
				t.Errorf("docs/templates.md does not describe %s.%s", name, f.Name)
			}
		}
	}
}
