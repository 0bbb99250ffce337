package templates

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"text/template"

	"github.com/fusegen/fusegen/ir"
	"github.com/fusegen/fusegen/kernel"
	"github.com/fusegen/fusegen/overrides"
)

type fxInner struct {
	N int
	S string
}

func (in fxInner) Twice() int { return 2 * in.N }

type fxStringer int

func (x fxStringer) String() string { return fmt.Sprintf("S%d", int(x)) }

type fxPtrStringer struct{ V int }

func (p *fxPtrStringer) String() string { return fmt.Sprintf("P%d", p.V) }

type fxErr struct{}

func (fxErr) Error() string { return "an error value" }

type fxEmbed struct{ Deep string }

type fxData struct {
	*fxEmbed
	S      string
	I      int
	I64    int64
	U8     uint8
	U      uint
	F      float64
	B      bool
	D      ir.DType
	P      *fxInner
	NilP   *fxInner
	In     fxInner
	List   []string
	Empty  []string
	Ints   []int64
	Inners []fxInner
	Map    map[string]any
	IMap   map[int]string
	Any    any
	AnyNil any
	Str    fxStringer
	PS     fxPtrStringer
	PSP    *fxPtrStringer
	E      fxErr
	Fn     func() string
	Stmts  []kernel.Stmt
	Arr    [3]int
	One    []string
	Small  []int
	Named  fxInts
	hidden int
}

type fxInts []int64

func (d *fxData) Ptr() string                          { return "ptr-method" }
func (d fxData) Val() string                           { return "val-method" }
func (d *fxData) Add(a, b int) int                     { return a + b + d.hidden }
func (d *fxData) Fails() (string, error)               { return "", errors.New("method failed") }
func (d *fxData) Join(sep string, xs ...string) string { return strings.Join(xs, sep) }
func (d *fxData) Self() *fxData                        { return d }

func newFxData() *fxData {
	return &fxData{
		fxEmbed: &fxEmbed{Deep: "deep"},
		S:       "str", I: 7, I64: -300, U8: 200, U: 9, F: 2.5, B: true, D: ir.Float32,
		P: &fxInner{N: 3, S: "p"}, In: fxInner{N: 4, S: "in"},
		List: []string{"a", "b", "c"}, Empty: []string{}, Ints: []int64{1, 2, 300},
		Inners: []fxInner{{1, "x"}, {2, "y"}},
		Map:    map[string]any{"k": "v", "n": 5, "nested": map[string]any{"z": 1}, "nil": nil, "ints": []int64{7}},
		IMap:   map[int]string{3: "three", 1: "one", 2: "two"},
		Any:    fxInner{N: 9, S: "any"}, Str: 3, PS: fxPtrStringer{5}, PSP: &fxPtrStringer{6},
		Fn:    func() string { return "fn" },
		Stmts: []kernel.Stmt{{Kind: "a", Var: "x0"}, {Kind: "b", Var: "x1"}, {Kind: "a", Var: "x2"}},
		Arr:   [3]int{4, 5, 6},
		One:   []string{"only"}, Small: []int{1, -2}, Named: fxInts{1},
	}
}

// fxPrelude defines the templates the cases use besides their own.
const fxPrelude = `{{define "inc"}}[{{.}}]{{end}}` +
	`{{define "incd"}}[{{.S}}]{{end}}` +
	`{{define "rec"}}{{if gt . 0}}{{include "rec" (sub . 1)}}{{end}}x{{end}}` +
	`{{define "stmt/a"}}A {{.Var}}` + "\n" + `A2{{end}}` +
	`{{define "stmt/b"}}B {{.Var}}{{end}}` +
	`{{define "stmt/c"}}{{.Var}}` + "\n" + `{{end}}` +
	`{{define "brk"}}{{range .}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}{{end}}` +
	`{{define "ptrs"}}{{.Ptr}}|{{.Val}}{{end}}` +
	`{{define "vars"}}{{$x := 1}}{{$x}}{{$}}{{end}}` +
	`{{define "empty"}}{{end}}`

func fxRenderer(t *testing.T, src string, extra ...string) *Renderer {
	t.Helper()
	tm, err := template.New("root").Option("missingkey=error").Funcs(Funcs()).Parse(fxPrelude + strings.Join(extra, "") + `{{define "case"}}` + src + `{{end}}`)
	if err != nil {
		t.Fatalf("parse %q: %v", src, err)
	}
	props := overrides.Properties{Event: "torch.cuda.Event", WarpSize: 32}
	r := &Renderer{Device: "test", Properties: props, t: tm, origin: func(rel string) string { return rel }}
	r.fast = compileFast(tm, props)
	return r
}

// The compiled evaluator gives text/template's bytes wherever it renders,
// and gives up (so that text/template renders, and reports its error) on
// every error.
func TestFastMatchesTextTemplate(t *testing.T) {
	const (
		fast = iota // must render on the fast path
		bail        // must give up: text/template fails
		any_        // either (text/template succeeds)
	)
	tests := []struct {
		src  string
		want int
	}{
		{`plain text`, fast},
		{`{{.S}} {{.I}} {{.I64}} {{.U8}} {{.U}} {{.F}} {{.B}} {{.D}}`, fast},
		{`{{.P.N}} {{.P.S}} {{.In.N}} {{.P}} {{.In}} {{.NilP}}`, fast},
		{`{{.Deep}}`, fast},
		{`{{.fxEmbed.Deep}}`, bail},
		{`{{.NilP.N}}`, bail},
		{`{{.Nope}}`, bail},
		{`{{.hidden}}`, bail},
		{`{{.Map.k}} {{.Map.n}} {{.Map.nested.z}} {{.Map.nil}}`, fast},
		{`{{.Map.missing}}`, bail},
		{`{{.Any}} {{.Any.N}} {{.Any.Twice}} {{.AnyNil}}`, fast},
		{`{{.AnyNil.N}}`, bail},
		{`{{.Str}} {{.PS}} {{.PSP}} {{.E}} {{.In.Twice}}`, fast},
		{`{{with .PS}}{{.}}{{end}} {{range .Inners}}{{.}}{{end}}`, fast},
		{`{{.Fn}}`, bail},
		{`{{.List}} {{.Ints}} {{.Empty}} {{.Arr}} {{.Inners}} {{.IMap}}`, fast},
		{`{{.Ptr}} {{.Val}} {{.Add 1 2}} {{.Self.S}} {{.Join "-" "a" "b"}} {{.Join ","}}`, fast},
		{`{{.Add 1}}`, bail},
		{`{{.Add "x" 2}}`, bail},
		{`{{.Fails}}`, bail},
		{`{{.S 1}}`, bail},
		{`{{template "ptrs" .}} {{include "ptrs" .}}`, fast},
		{`{{include "ptrs" .In}}`, bail},
		{`{{template "ptrs" .In}}`, bail},
		{`{{with $x := .P}}{{$x.N}}{{.S}}{{end}}`, fast},
		{`{{if .B}}yes{{else}}no{{end}} {{if .Empty}}yes{{else if .List}}list{{else}}no{{end}}`, fast},
		{`{{if .NilP}}a{{else}}b{{end}}{{if .AnyNil}}a{{else}}b{{end}}{{if 0}}a{{end}}{{if .In}}s{{end}}{{if .F}}f{{end}}`, fast},
		{`{{with .Empty}}x{{else}}none{{end}}{{with .S}}{{.}}{{end}}`, fast},
		{`{{if .Fn}}fn{{end}}`, fast},
		{`{{range .List}}<{{.}}>{{end}}`, fast},
		{`{{range $i, $e := .List}}{{$i}}={{$e}};{{end}}`, fast},
		{`{{range $e := .Ints}}{{$e}}{{end}} {{range .Empty}}x{{else}}empty{{end}}`, fast},
		{`{{range .NilP}}x{{else}}nil{{end}}`, bail},
		{`{{range $k, $v := .IMap}}{{$k}}{{$v}}{{end}} {{range .Map}}{{.}}{{end}}`, fast},
		{`{{range 3}}{{.}}{{end}}`, any_},
		{`{{$x := 0}}{{range .Ints}}{{$x = .}}{{end}}{{$x}}`, fast},
		{`{{$i := 0}}{{$e := 0}}{{range $i, $e = .List}}{{end}}{{$i}}{{$e}}`, fast},
		{`{{$x := "a"}}{{if true}}{{$x := "b"}}{{$x}}{{end}}{{$x}}`, fast},
		{`{{range .Inners}}{{$.S}}{{.N}}{{end}}`, fast},
		{`{{template "vars" .S}}`, fast},
		{`{{template "inc"}}{{template "inc" 3}}{{template "incd" .In}}`, fast},
		{`{{template "empty"}}`, fast},
		{`{{and 1 0 2}} {{and 1 2}} {{or 0 "" .S}} {{or 0 ""}} {{and .NilP .NilP.N}} {{or .S .NilP.N}}`, fast},
		{`{{not .B}} {{not .Empty}} {{not .List}}`, fast},
		{`{{.B | not}} {{.B | and true}} {{"x" | or ""}}`, fast},
		{`{{eq .S "str"}} {{eq .D "float32"}} {{eq .I 7}} {{eq .U8 200}} {{eq .I64 -300}} {{eq .I 1 2 7}} {{eq .U 9}}`, fast},
		{`{{eq .F 2.5}} {{eq .B true}} {{eq .NilP .NilP}} {{eq .AnyNil nil}} {{eq .P .P}}`, fast},
		{`{{eq .S 1}}`, bail},
		{`{{eq .List .List}}`, bail},
		{`{{eq .S}}`, bail},
		{`{{ne .S "x"}} {{lt 1 2}} {{le 2 2}} {{gt .U 3}} {{ge .I64 0}} {{lt "a" "b"}} {{lt -1 .U}} {{lt .U -1}}`, fast},
		{`{{lt true false}}`, bail},
		{`{{lt .S 1}}`, bail},
		{`{{len .List}} {{len .S}} {{len .Map}} {{len .Arr}}`, fast},
		{`{{len .I}}`, bail},
		{`{{len .NilP}}`, bail},
		{`{{index .List 1}} {{index .Ints 2}} {{index .Map "k"}} {{index .IMap 3}} {{index .Map "zz"}} {{index .S 0}} {{index .Arr 2}}`, fast},
		{`{{index .List 3}}`, bail},
		{`{{index .List 9}}`, bail},
		{`{{index .List -1}}`, bail},
		{`{{index .List "x"}}`, bail},
		{`{{index .I 0}}`, bail},
		{`{{index .AnyNil 0}}`, bail},
		{`{{index .Map "nested" "z"}} {{(index .Inners 1).S}}`, fast},
		{`{{printf "%s-%d-%v-%5.2f" .S .I .List .F}} {{printf "%v" .AnyNil}} {{printf "%d" 3}} {{printf "%T" 1.5}}`, fast},
		{`{{print .S 1 2 "x"}} {{println .S .I}}`, fast},
		{`{{.S | printf "%s!"}} {{"a" | printf "%s%s" "b"}}`, fast},
		{`{{printf}}`, bail},
		{`{{printf "op/%s" .S}} {{printf "%d%%" .I}} {{printf "%v|%v" .S .I64}} {{printf "torch.%s" .D}} {{printf "%d" .U8}}`, fast},
		{`{{printf "%s" .Str}} {{printf "%d" .Str}} {{printf "%s" .E}} {{printf "%s" .PS}} {{printf "%s" .PSP}} {{printf "%v" .B}}`, fast},
		{`{{printf "%s %s" .S}} {{printf "%s" .S .S}} {{printf "%"}} {{printf "100%"}} {{printf "%d" .S}} {{printf "%s" .I}}`, fast},
		{`{{printf "%s" .AnyNil}} {{printf "%v" .Any}} {{printf "%s" .Map.k}} {{printf "%d" .Map.n}} {{printf "%x" .I}}`, fast},
		{`{{tuple .Ints}} {{tuple .List}} {{tuple .Empty}} {{tuple .One}} {{tuple .Small}} {{tuple .Map.ints}}`, fast},
		{`{{tuple .Named}}`, bail},
		{`{{tuple .AnyNil}}`, bail},
		{`{{join "," .List}} {{join "," .Ints}} {{join "," .Map.ints}} {{join "," .Any}} {{join "," .AnyNil}} {{join "" .Empty}}`, fast},
		{`{{include "inc" .I}} {{include "inc" .S | upper}} {{include "incd" .In}}{{$y := include "inc" 2}}{{$y}}`, fast},
		{`{{include "nope" .}}`, bail},
		{`{{include "rec" 5}}`, fast},
		{`{{include "rec" 150}}`, bail},
		{`{{stmts .Stmts 4}}|{{stmts .Stmts 0}}|{{$s := stmts .Stmts 2}}{{$s}}`, fast},
		{`{{stmts .Stmts -1}}`, bail},
		{`{{stmts .List 4}}`, bail},
		{`{{(deviceInfo).Event}} {{(deviceInfo).WarpSize}} {{with deviceInfo}}{{.Event}}{{end}}`, fast},
		{`{{join ", " .List}} {{join "," .Ints}} {{tuple .Ints}} {{tuple .List}} {{isFloat .D}} {{isFloat "int32"}}`, fast},
		{`{{tuple 3}}`, bail},
		{`{{contains "t" .S}} {{has "b" .List}} {{trimSuffix "r" .S}} {{.S | nindent 2}} {{.S | quote}} {{quote .S .I}}`, fast},
		{`{{default "d" .Empty}} {{default "d" .S}} {{concat .List .List}} {{len (concat .List .Ints)}}`, fast},
		{`{{$x := default "a" .AnyNil}}{{$x}} {{with default .AnyNil .AnyNil}}x{{else}}none{{end}} {{default .AnyNil .AnyNil}} {{printf "%v" (default nil nil)}}`, fast},
		{`{{if concat}}c{{end}} {{len concat}} {{printf "%T" (concat .List)}} {{(default .In .AnyNil).N}} {{.S | default "x"}} {{.AnyNil | default .In}}`, fast},
		{`{{(default .AnyNil .AnyNil).N}}`, bail},
		{`{{(dict "a" 1 "b" .S).b}} {{template "incd" (dict "S" "from-dict")}} {{$d := dict "k" .I}}{{$d.k}}`, fast},
		{`{{add 1 2 .I}} {{sub 5 .U8}} {{list 1 "a" .S}} {{upper .S}} {{repeat 3 "ab"}} {{sortedKeys .Map}}`, fast},
		{`{{fail "stop here"}}`, bail},
		{`{{template "brk" .List}}`, fast},
		{`{{include "brk" .List}}`, fast},
		{`{{range .List}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}`, fast},
		{`{{slice .List 1 2}} {{html "<a>"}} {{urlquery "a b"}} {{js "'"}}`, fast},
		{`{{call .Fn}}`, fast},
		{`{{.S | len}}`, fast},
		{`{{1 | len}}`, bail},
		{`{{"x" 1}}`, bail},
		{`{{.In.N | printf "%d%d" 1}}`, fast},
		{`{{$f := .P}}{{$f.N}}{{$f.Twice}}`, fast},
		{`{{with .Map}}{{.k}}{{end}} {{with .Inners}}{{len .}}{{end}}`, fast},
		{`{{0x10}} {{1e3}} {{'a'}} {{1.5}} {{-2}} {{true}} {{"q"}} {{.}}`, any_},
		{`{{nil}}`, bail},
		{`{{.Add 1 2 | printf "%d"}}`, fast},
		{`{{index .Stmts 0 | printf "%v"}}`, fast},
		{`{{range .Stmts}}{{.Var}}{{end}}{{range $s := .Stmts}}{{$s.Kind}}{{end}}`, fast},
		{`{{template "case2" .}}`, bail},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			r := fxRenderer(t, tt.src)
			d := newFxData()
			slow, slowErr := r.slowExecute("case", d)
			got, ok := r.fastExecute("case", d)
			switch {
			case ok && slowErr != nil:
				t.Fatalf("%s: fast rendered %q where text/template fails: %v", tt.src, got, slowErr)
			case ok && got != slow:
				t.Fatalf("%s:\nfast %q\nslow %q", tt.src, got, slow)
			case !ok && tt.want == fast:
				t.Fatalf("%s: the evaluator gave up (text/template: %q, %v)", tt.src, slow, slowErr)
			case ok && tt.want == bail:
				t.Fatalf("%s: the evaluator rendered %q; want it to give up (text/template: %v)", tt.src, got, slowErr)
			case tt.want == bail && slowErr == nil:
				t.Fatalf("%s: text/template succeeds with %q; the case is not an error", tt.src, slow)
			}
			// Execute gives text/template's result either way.
			out, err := r.Execute("case", d)
			if out != slow || fmt.Sprint(err) != fmt.Sprint(slowErr) {
				t.Fatalf("%s: Execute = %q, %v; text/template %q, %v", tt.src, out, err, slow, slowErr)
			}
		})
	}
}

// Templates the compiler does not handle run through text/template wherever
// they are used, and their includes keep counting depth.
func TestFastCompileFallback(t *testing.T) {
	r := fxRenderer(t, `{{include "brk" .List}}`)
	for name, compiled := range map[string]bool{"brk": false, "inc": true, "rec": true, "case": true} {
		if got := r.fast.tmpls[name].root != nil; got != compiled {
			t.Errorf("%s compiled = %v, want %v", name, got, compiled)
		}
	}
	if got, ok := r.fastExecute("case", newFxData()); !ok || got != "a" {
		t.Errorf("case = %q, %v; want a", got, ok)
	}
	r = fxRenderer(t, `{{include "deep" (list 1)}}`, `{{define "deep"}}{{range .}}{{break}}{{end}}{{include "rec" 99}}{{end}}`)
	if _, ok := r.fastExecute("case", nil); ok {
		t.Error("include depth 101 through a delegated template: want the evaluator to give up")
	}
	if _, err := r.Execute("case", nil); err == nil || !strings.Contains(err.Error(), "nested deeper than 100") {
		t.Errorf("Execute: %v, want the include depth error", err)
	}
}

// Every template the embedded set defines compiles.
func TestFastCompilesEmbedded(t *testing.T) {
	s := mustLoad(t, nil)
	for _, dev := range s.Devices() {
		r, err := s.Device(dev)
		if err != nil {
			t.Fatal(err)
		}
		for name, ft := range r.fast.tmpls {
			if ft.root == nil {
				t.Errorf("%s: %s does not compile", dev, name)
			}
		}
	}
}

// The evaluator's tuple is pyTuple.
func TestNativeTuple(t *testing.T) {
	for _, in := range []any{[]int64{}, []int64{4}, []int64{4, -8, 1 << 40}, []int{}, []int{3}, []int{1, 2}, []string{}, []string{"a"}, []string{"a", "b"}} {
		want, err := pyTuple(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := nativeTuple(nil, []reflect.Value{reflect.ValueOf(in)}).String(); got != want {
			t.Errorf("tuple %v = %q, want %q", in, got, want)
		}
	}
}

// ExecuteFunc passes what Execute returns, and returns its error.
func TestExecuteFunc(t *testing.T) {
	for _, src := range []string{`{{.S}} {{stmts .Stmts 2}}`, `{{template "brk" .List}}`, `{{.Nope}}`, `{{fail "x"}}`} {
		r := fxRenderer(t, src)
		d := newFxData()
		want, wantErr := r.Execute("case", d)
		var got []byte
		err := r.ExecuteFunc("case", d, func(b []byte) { got = append([]byte(nil), b...) })
		if string(got) != want || fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: ExecuteFunc %q, %v; Execute %q, %v", src, got, err, want, wantErr)
		}
	}
}
