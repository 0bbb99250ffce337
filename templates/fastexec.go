package templates

// A compiled evaluator for the templates' parse trees.
//
// text/template walks the parse tree on every execution, looks every field
// up by name through reflect, and calls every function through
// reflect.Value.Call; with the kernel templates' many small actions that is
// most of the time fusegen spends. The evaluator here compiles each parse
// tree once per device into nodes that cache the field lookups, call the
// builtins and the common function signatures directly, and render include
// and stmts straight into the output.
//
// It mirrors text/template's semantics (exec.go and funcs.go of the Go
// standard library) for the output of an execution that succeeds, and
// produces no errors of its own: on anything unusual (any error, a construct
// it does not implement, a panic) it gives up, and Renderer.Execute runs the
// same execution again with text/template, which then produces the output
// or the error exactly as before. Executions are pure (the function map has
// no side effects), so running one twice is safe. A template that uses a
// construct the compiler does not know (break, continue, call, slice, html,
// js, urlquery) is executed by text/template wherever it is invoked.

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"text/template/parse"

	"github.com/fusegen/fusegen/kernel"
	"github.com/fusegen/fusegen/overrides"
)

// fastDisabled turns the evaluator off (tests compare both paths).
var fastDisabled atomic.Bool

// fastBails counts executions the evaluator gave up on (tests check that the
// embedded templates never need text/template).
var fastBails atomic.Int64

// maxFastDepth bounds template nesting in the evaluator; deeper executions
// go to text/template, which allows more.
const maxFastDepth = 1000

// fxBail is panicked to abandon a fast execution.
type fxBail struct{ why string }

func bail(why string) { panic(fxBail{why}) }

// fxUnsupported is panicked by the compiler for a construct it does not
// implement.
type fxUnsupported struct{ what string }

// fastSet is the compiled form of one device's templates.
type fastSet struct {
	tmpls     map[string]*fxTmpl
	stmtKinds map[string]*fxTmpl // kernel.Stmt.Kind -> template "stmt/<Kind>"
	props     reflect.Value      // what deviceInfo returns
	funcs     map[string]*fxFunc
	calls     []*fxTemplate // while compiling: the template nodes, resolved at the end
}

type fxTmpl struct {
	name string
	root fxNode // nil: executed by text/template
}

// compileFast compiles every template of t. It never fails: a template it
// cannot compile is marked to be executed by text/template.
func compileFast(t *template.Template, props overrides.Properties) *fastSet {
	fs := &fastSet{
		tmpls:     map[string]*fxTmpl{},
		stmtKinds: map[string]*fxTmpl{},
		props:     reflect.ValueOf(props),
		funcs:     fxFuncs(),
	}
	for _, tt := range t.Templates() {
		if tt.Tree == nil || tt.Root == nil {
			continue
		}
		ft := &fxTmpl{name: tt.Name(), root: fs.compileRoot(tt.Root)}
		fs.tmpls[ft.name] = ft
		if kind, ok := strings.CutPrefix(ft.name, "stmt/"); ok {
			fs.stmtKinds[kind] = ft
		}
	}
	for _, n := range fs.calls {
		n.target = fs.tmpls[n.name]
	}
	fs.calls = nil
	return fs
}

func (fs *fastSet) compileRoot(root *parse.ListNode) (n fxNode) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fxUnsupported); !ok {
				panic(r)
			}
			n = nil
		}
	}()
	return fs.compileList(root)
}

// ---- nodes ----

type fxNode interface {
	exec(s *fxState, dot reflect.Value)
}

type fxText struct{ text []byte }

func (n *fxText) exec(s *fxState, _ reflect.Value) { s.out.Write(n.text) }

type fxList struct{ nodes []fxNode }

func (n *fxList) exec(s *fxState, dot reflect.Value) {
	for _, c := range n.nodes {
		c.exec(s, dot)
	}
}

type fxAction struct {
	pipe *fxPipe
	// direct, when set, renders the action (an include or stmts call that is
	// the whole pipeline) straight into the output instead of building the
	// string and printing it.
	direct *fxFuncCmd
}

func (n *fxAction) exec(s *fxState, dot reflect.Value) {
	if n.direct != nil {
		n.direct.writeTo(s, dot, s.out)
		return
	}
	v := s.evalPipeline(dot, n.pipe)
	if len(n.pipe.decl) == 0 {
		s.print(v)
	}
}

type fxIf struct {
	pipe           *fxPipe
	with           bool
	list, elseList fxNode
}

func (n *fxIf) exec(s *fxState, dot reflect.Value) {
	mark := len(s.vars)
	val := s.evalPipeline(dot, n.pipe)
	truth, ok := isTrue(indirectInterface(val))
	if !ok {
		bail("if/with can't use value")
	}
	if truth {
		if n.with {
			n.list.exec(s, val)
		} else {
			n.list.exec(s, dot)
		}
	} else if n.elseList != nil {
		n.elseList.exec(s, dot)
	}
	s.vars = s.vars[:mark]
}

type fxRange struct {
	pipe           *fxPipe
	list, elseList fxNode
}

func (n *fxRange) exec(s *fxState, dot reflect.Value) {
	mark0 := len(s.vars)
	val, _ := indirect(s.evalPipeline(dot, n.pipe))
	mark := len(s.vars)
	switch val.Kind() {
	case reflect.Array, reflect.Slice:
		l := val.Len()
		if l == 0 {
			break
		}
		for i := 0; i < l; i++ {
			elem := val.Index(i)
			if len(n.pipe.decl) > 1 {
				n.setVars(s, reflect.ValueOf(i), elem)
			} else {
				n.setVars(s, reflect.Value{}, elem)
			}
			n.list.exec(s, elem)
			s.vars = s.vars[:mark]
		}
		s.vars = s.vars[:mark0]
		return
	case reflect.Map:
		if val.Len() == 0 {
			break
		}
		keys := sortedMapKeysOf(val)
		for _, k := range keys {
			elem := val.MapIndex(k)
			n.setVars(s, k, elem)
			n.list.exec(s, elem)
			s.vars = s.vars[:mark]
		}
		s.vars = s.vars[:mark0]
		return
	case reflect.Invalid:
	default:
		bail("range over an unsupported kind")
	}
	if n.elseList != nil {
		n.elseList.exec(s, dot)
	}
	s.vars = s.vars[:mark0]
}

// setVars is the variable part of text/template's oneIteration.
func (n *fxRange) setVars(s *fxState, index, elem reflect.Value) {
	decl := n.pipe.decl
	if len(decl) > 0 {
		if n.pipe.isAssign {
			if len(decl) > 1 {
				s.setVar(decl[0], index)
			} else {
				s.setVar(decl[0], elem)
			}
		} else {
			s.vars[len(s.vars)-1].value = elem
		}
	}
	if len(decl) > 1 {
		if n.pipe.isAssign {
			s.setVar(decl[1], elem)
		} else {
			s.vars[len(s.vars)-2].value = index
		}
	}
}

// sortedMapKeysOf returns a map's keys in fmtsort's order, for the key
// kinds whose order is plain (strings and integers); other maps bail.
func sortedMapKeysOf(m reflect.Value) []reflect.Value {
	keys := m.MapKeys()
	switch m.Type().Key().Kind() {
	case reflect.String:
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		sort.Slice(keys, func(i, j int) bool { return keys[i].Int() < keys[j].Int() })
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		sort.Slice(keys, func(i, j int) bool { return keys[i].Uint() < keys[j].Uint() })
	default:
		bail("range over a map with unordered keys")
	}
	return keys
}

type fxTemplate struct {
	name   string
	pipe   *fxPipe
	target *fxTmpl // nil: no such template
}

func (n *fxTemplate) exec(s *fxState, dot reflect.Value) {
	t := n.target
	if t == nil {
		bail("template not defined")
	}
	v := s.evalPipeline(dot, n.pipe)
	s.execTmpl(t, s.out, v)
}

// ---- pipelines and commands ----

type fxPipe struct {
	cmds     []fxCmd
	decl     []string
	isAssign bool
}

type fxCmd interface {
	eval(s *fxState, dot, final reflect.Value, hasFinal bool) reflect.Value
}

type fxFieldCmd struct {
	steps []*fxStep
	args  []*fxArg
}

func (c *fxFieldCmd) eval(s *fxState, dot, final reflect.Value, hasFinal bool) reflect.Value {
	return s.evalFieldChain(dot, dot, c.steps, c.args, final, hasFinal)
}

type fxChainCmd struct {
	base  *fxArg
	steps []*fxStep
	args  []*fxArg
}

func (c *fxChainCmd) eval(s *fxState, dot, final reflect.Value, hasFinal bool) reflect.Value {
	pipe := s.evalArg(dot, nil, c.base)
	return s.evalFieldChain(dot, pipe, c.steps, c.args, final, hasFinal)
}

type fxVarCmd struct {
	name  string
	steps []*fxStep
	args  []*fxArg
	nargs int // len(cmd.Args), for notAFunction
}

func (c *fxVarCmd) eval(s *fxState, dot, final reflect.Value, hasFinal bool) reflect.Value {
	v := s.varValue(c.name)
	if len(c.steps) == 0 {
		if c.nargs > 1 || hasFinal {
			bail("argument to non-function")
		}
		return v
	}
	return s.evalFieldChain(dot, v, c.steps, c.args, final, hasFinal)
}

type fxPipeCmd struct {
	pipe  *fxPipe
	nargs int
}

func (c *fxPipeCmd) eval(s *fxState, dot, final reflect.Value, hasFinal bool) reflect.Value {
	if c.nargs > 1 || hasFinal {
		bail("argument to non-function")
	}
	return s.evalPipeline(dot, c.pipe)
}

type fxConstCmd struct {
	v     reflect.Value
	bad   bool
	dot   bool
	nargs int
}

func (c *fxConstCmd) eval(s *fxState, dot, final reflect.Value, hasFinal bool) reflect.Value {
	if c.nargs > 1 || hasFinal || c.bad {
		bail("bad command")
	}
	if c.dot {
		return dot
	}
	return c.v
}

type fxFuncCmd struct {
	f    *fxFunc
	args []*fxArg
}

func (c *fxFuncCmd) eval(s *fxState, dot, final reflect.Value, hasFinal bool) reflect.Value {
	return s.callFunc(dot, c.f, c.args, final, hasFinal)
}

// writeTo renders an include or stmts call into w (see fxAction.direct);
// the compiler checked the number of arguments.
func (c *fxFuncCmd) writeTo(s *fxState, dot reflect.Value, w *bytes.Buffer) {
	switch c.f.kind {
	case fkInclude:
		name := s.evalArg(dot, stringType, c.args[0])
		data := s.evalArg(dot, anyType, c.args[1])
		s.includeInto(w, name.String(), data)
	case fkStmts:
		list := s.evalArg(dot, stmtListType, c.args[0])
		indent := s.evalArg(dot, intType, c.args[1])
		s.stmtsInto(w, list, int(indent.Int()))
	default:
		panic("fxFuncCmd.writeTo: not include or stmts")
	}
}

// ---- arguments ----

type fxArgKind uint8

const (
	argDot fxArgKind = iota
	argNil
	argExpr
	argLit
)

type fxArg struct {
	kind  fxArgKind
	expr  fxCmd      // argExpr: evaluated with no arguments and no final value
	lit   parse.Node // argLit: *parse.BoolNode, *parse.NumberNode or *parse.StringNode
	ideal reflect.Value
	badId bool // ideal constant overflows
	typed atomic.Pointer[fxLit]
}

// fxLit caches a literal argument converted to a parameter type.
type fxLit struct {
	typ reflect.Type
	v   reflect.Value
	bad bool
}

// ---- fields ----

type fxStep struct {
	name    string
	nameVal reflect.Value
	cache   atomic.Pointer[fxField]
}

type fxFieldKind uint8

const (
	fieldFail fxFieldKind = iota
	fieldMethod
	fieldStruct
	fieldMap
)

// fxField is how a name resolves on a receiver type (after indirection)
// that is or is not addressable: text/template looks for a method of *T
// (or of T when the value cannot be addressed) first, then a field or a
// map key.
type fxField struct {
	typ    reflect.Type
	addr   bool
	kind   fxFieldKind
	method int
	index  []int
}

func (st *fxStep) resolve(typ reflect.Type, addr bool) *fxField {
	if c := st.cache.Load(); c != nil && c.typ == typ && c.addr == addr {
		return c
	}
	c := &fxField{typ: typ, addr: addr}
	pt := typ
	if addr {
		pt = reflect.PointerTo(typ)
	}
	if m, ok := pt.MethodByName(st.name); ok {
		c.kind, c.method = fieldMethod, m.Index
	} else {
		switch typ.Kind() {
		case reflect.Struct:
			if f, ok := typ.FieldByName(st.name); ok && f.IsExported() {
				c.kind, c.index = fieldStruct, f.Index
			}
		case reflect.Map:
			if stringType.AssignableTo(typ.Key()) {
				c.kind = fieldMap
			}
		}
	}
	st.cache.Store(c)
	return c
}

// ---- functions ----

type fxFuncKind uint8

const (
	fkPlain fxFuncKind = iota
	fkAnd
	fkOr
	fkInclude
	fkStmts
)

type fxFunc struct {
	name    string
	builtin bool
	kind    fxFuncKind
	fn      reflect.Value // nil for builtins
	typ     reflect.Type
	bad     bool // signature text/template refuses
	// native computes the result from the arguments, converted to the
	// parameter types (reflect.Value parameters hold the value itself);
	// nil calls fn through reflect.
	native func(s *fxState, argv []reflect.Value) reflect.Value
}

var fxFuncsOnce = sync.OnceValue(func() map[string]*fxFunc {
	m := map[string]*fxFunc{}
	for name, fn := range Funcs() {
		v := reflect.ValueOf(fn)
		f := &fxFunc{name: name, fn: v, typ: v.Type(), native: adapt(fn)}
		f.bad = goodFunc(f.typ) != nil
		m[name] = f
	}
	// The functions bound per execution (engine.go's instance.get).
	m["include"].kind, m["include"].native = fkInclude, nativeInclude
	m["stmts"].kind, m["stmts"].native = fkStmts, nativeStmts
	m["tuple"].native = nativeTuple
	if join, ok := m["join"].fn.Interface().(func(string, any) string); ok {
		m["join"].native = nativeJoin(join)
	}
	di := m["deviceInfo"]
	di.typ = reflect.TypeFor[func() overrides.Properties]()
	di.native = func(s *fxState, _ []reflect.Value) reflect.Value { return s.set.props }
	for name, b := range fxBuiltins {
		if _, ok := m[name]; ok {
			continue // the function map wins, as in text/template
		}
		f := &fxFunc{name: name, builtin: true, typ: reflect.TypeOf(b.sig), native: b.native}
		switch name {
		case "and":
			f.kind = fkAnd
		case "or":
			f.kind = fkOr
		}
		m[name] = f
	}
	return m
})

func fxFuncs() map[string]*fxFunc { return fxFuncsOnce() }

func goodFunc(typ reflect.Type) error {
	switch n := typ.NumOut(); {
	case n == 1, n == 2 && typ.Out(1) == errorType:
		return nil
	}
	return fmt.Errorf("bad signature %s", typ)
}

// ---- state ----

type fxVar struct {
	name  string
	value reflect.Value
}

type fxState struct {
	set     *fastSet
	r       *Renderer
	out     *bytes.Buffer
	vars    []fxVar
	base    int // the current template's first variable
	args    []reflect.Value
	include int // include nesting, as instance.depth
	depth   int
	free    []*bytes.Buffer
	num     [24]byte
}

func (s *fxState) scratch() *bytes.Buffer {
	if n := len(s.free); n > 0 {
		b := s.free[n-1]
		s.free = s.free[:n-1]
		return b
	}
	return new(bytes.Buffer)
}

func (s *fxState) release(b *bytes.Buffer) {
	b.Reset()
	s.free = append(s.free, b)
}

func (s *fxState) reset() {
	s.out = nil
	clear(s.vars)
	s.vars = s.vars[:0]
	clear(s.args)
	s.args = s.args[:0]
	s.base, s.include, s.depth = 0, 0, 0
}

// fastExecute runs the named template with the evaluator; ok is false when
// it gave up and text/template must run instead.
func (r *Renderer) fastExecute(name string, data any) (out string, ok bool) {
	s, buf, ok := r.fastRender(name, data)
	if !ok {
		return "", false
	}
	out = buf.String()
	r.fastDone(s, buf)
	return out, true
}

// fastRender renders the named template into a scratch buffer of a state,
// which the caller hands back with fastDone; ok is false when the evaluator
// gave up.
func (r *Renderer) fastRender(name string, data any) (s *fxState, buf *bytes.Buffer, ok bool) {
	t := r.fast.tmpls[name]
	if t == nil || fastDisabled.Load() {
		return nil, nil, false
	}
	s = r.states.get()
	if s == nil {
		s = &fxState{set: r.fast, r: r}
	}
	defer func() {
		if p := recover(); p != nil {
			// The state is dropped: its scratch buffers may be in use.
			fastBails.Add(1)
			s, buf, ok = nil, nil, false
		}
	}()
	value, isValue := data.(reflect.Value)
	if !isValue {
		value = reflect.ValueOf(data)
	}
	buf = s.scratch()
	s.execTmpl(t, buf, value)
	return s, buf, true
}

func (r *Renderer) fastDone(s *fxState, buf *bytes.Buffer) {
	s.release(buf)
	s.reset()
	r.states.put(s)
}

// fxStates keeps a few execution states (and their grown scratch buffers)
// for reuse; unlike a sync.Pool it keeps them across garbage collections,
// which come every few generations.
type fxStates struct {
	mu   sync.Mutex
	free []*fxState
}

func (p *fxStates) get() *fxState {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		s := p.free[n-1]
		p.free = p.free[:n-1]
		return s
	}
	return nil
}

func (p *fxStates) put(s *fxState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < 16 {
		p.free = append(p.free, s)
	}
}

// execTmpl executes t with dot into w, as text/template executes a
// template: its own variables, starting with $.
func (s *fxState) execTmpl(t *fxTmpl, w *bytes.Buffer, dot reflect.Value) {
	if t.root == nil {
		s.delegate(t.name, w, dot)
		return
	}
	s.depth++
	if s.depth > maxFastDepth {
		bail("nested too deep")
	}
	out, base := s.out, s.base
	s.out, s.base = w, len(s.vars)
	s.vars = append(s.vars, fxVar{"$", dot})
	t.root.exec(s, dot)
	clear(s.vars[s.base:])
	s.vars = s.vars[:s.base]
	s.out, s.base = out, base
	s.depth--
}

// delegate executes a template the compiler could not compile with
// text/template, on an instance whose include depth continues this one's.
func (s *fxState) delegate(name string, w *bytes.Buffer, dot reflect.Value) {
	in, err := s.r.get()
	if err != nil {
		bail("no instance")
	}
	in.depth = s.include
	err = in.t.ExecuteTemplate(w, name, dot)
	in.depth = 0
	s.r.pool.Put(in)
	if err != nil {
		bail("delegated execution failed")
	}
}

func (s *fxState) includeInto(w *bytes.Buffer, name string, data reflect.Value) {
	s.include++
	if s.include > maxIncludeDepth {
		bail("include nested too deep")
	}
	t := s.set.tmpls[name]
	if t == nil {
		bail("include of an undefined template")
	}
	s.execTmpl(t, w, passedAsAny(data))
	s.include--
}

// passedAsAny is the value a template executed with data gets, where data
// is v passed through an interface{} parameter: the concrete value, never
// addressable.
func passedAsAny(v reflect.Value) reflect.Value {
	if !v.IsValid() {
		return v
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return reflect.Value{}
		}
		v = v.Elem()
	}
	if v.CanAddr() {
		return reflect.ValueOf(v.Interface())
	}
	return v
}

var pads [17]string

func init() {
	for i := range pads {
		pads[i] = strings.Repeat(" ", i)
	}
}

// stmtsInto is instance.stmts writing into w.
func (s *fxState) stmtsInto(w *bytes.Buffer, list reflect.Value, indent int) {
	var pad string
	if indent >= 0 && indent < len(pads) {
		pad = pads[indent]
	} else {
		pad = strings.Repeat(" ", indent)
	}
	one := s.scratch()
	for i, n := 0, list.Len(); i < n; i++ {
		one.Reset()
		e := list.Index(i)
		t := s.set.stmtKinds[e.Field(stmtKindField).String()]
		if t == nil {
			bail("no template for the statement kind")
		}
		s.execTmpl(t, one, e.Addr())
		w.WriteByte('\n')
		w.WriteString(pad)
		b := one.Bytes()
		for {
			j := bytes.IndexByte(b, '\n')
			if j < 0 {
				w.Write(b)
				break
			}
			w.Write(b[:j])
			w.WriteByte('\n')
			w.WriteString(pad)
			b = b[j+1:]
		}
	}
	s.release(one)
}

var stmtKindField = func() int {
	f, ok := reflect.TypeFor[kernel.Stmt]().FieldByName("Kind")
	if !ok || len(f.Index) != 1 || f.Type.Kind() != reflect.String {
		panic("templates: kernel.Stmt.Kind is not a string field")
	}
	return f.Index[0]
}()

func nativeInclude(s *fxState, argv []reflect.Value) reflect.Value {
	b := s.scratch()
	s.includeInto(b, argv[0].String(), argv[1])
	str := b.String()
	s.release(b)
	return reflect.ValueOf(str)
}

func nativeStmts(s *fxState, argv []reflect.Value) reflect.Value {
	b := s.scratch()
	s.stmtsInto(b, argv[0], int(argv[1].Int()))
	str := b.String()
	s.release(b)
	return reflect.ValueOf(str)
}

// ---- variables ----

func (s *fxState) varValue(name string) reflect.Value {
	for i := len(s.vars) - 1; i >= s.base; i-- {
		if s.vars[i].name == name {
			return s.vars[i].value
		}
	}
	bail("undefined variable")
	return reflect.Value{}
}

func (s *fxState) setVar(name string, v reflect.Value) {
	for i := len(s.vars) - 1; i >= s.base; i-- {
		if s.vars[i].name == name {
			s.vars[i].value = v
			return
		}
	}
	bail("undefined variable")
}

// ---- evaluation ----

func (s *fxState) evalPipeline(dot reflect.Value, p *fxPipe) reflect.Value {
	if p == nil {
		return reflect.Value{}
	}
	var value reflect.Value
	has := false
	for _, c := range p.cmds {
		value = c.eval(s, dot, value, has)
		has = true
		if value.Kind() == reflect.Interface && value.Type().NumMethod() == 0 {
			value = value.Elem()
		}
	}
	for _, name := range p.decl {
		if p.isAssign {
			s.setVar(name, value)
		} else {
			s.vars = append(s.vars, fxVar{name, value})
		}
	}
	return value
}

func (s *fxState) evalFieldChain(dot, receiver reflect.Value, steps []*fxStep, args []*fxArg, final reflect.Value, hasFinal bool) reflect.Value {
	n := len(steps)
	for i := 0; i < n-1; i++ {
		receiver = s.evalField(dot, steps[i], nil, reflect.Value{}, false, receiver)
	}
	return s.evalField(dot, steps[n-1], args, final, hasFinal, receiver)
}

func (s *fxState) evalField(dot reflect.Value, st *fxStep, args []*fxArg, final reflect.Value, hasFinal bool, receiver reflect.Value) reflect.Value {
	if !receiver.IsValid() {
		bail("nil data")
	}
	receiver, isNil := indirect(receiver)
	if isNil {
		bail("nil pointer")
	}
	addr := receiver.CanAddr()
	res := st.resolve(receiver.Type(), addr)
	switch res.kind {
	case fieldMethod:
		ptr := receiver
		if addr {
			ptr = receiver.Addr()
		}
		m := ptr.Method(res.method)
		return s.callValue(dot, m, m.Type(), args, final, hasFinal)
	case fieldStruct:
		if len(args) > 0 || hasFinal {
			bail("field with arguments")
		}
		v := receiver
		for i, x := range res.index {
			if i > 0 && v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Struct {
				if v.IsNil() {
					bail("nil embedded pointer")
				}
				v = v.Elem()
			}
			v = v.Field(x)
		}
		return v
	case fieldMap:
		if len(args) > 0 || hasFinal {
			bail("map key with arguments")
		}
		v := receiver.MapIndex(st.nameVal)
		if !v.IsValid() {
			bail("missing map key")
		}
		return v
	}
	bail("can't evaluate field")
	return reflect.Value{}
}

// evalArg is text/template's evalArg. For a reflect.Value parameter it
// returns the value itself, not wrapped.
func (s *fxState) evalArg(dot reflect.Value, typ reflect.Type, a *fxArg) reflect.Value {
	switch a.kind {
	case argDot:
		return validateType(dot, typ)
	case argNil:
		if typ == reflectValueType {
			return reflect.Value{}
		}
		if typ != nil && canBeNil(typ) {
			return reflect.Zero(typ)
		}
		bail("nil argument")
	case argExpr:
		return validateType(a.expr.eval(s, dot, reflect.Value{}, false), typ)
	}
	c := a.typed.Load()
	if c == nil || c.typ != typ {
		c = &fxLit{typ: typ}
		c.v, c.bad = literalFor(typ, a)
		a.typed.Store(c)
	}
	if c.bad {
		bail("literal of the wrong type")
	}
	return c.v
}

// literalFor converts a literal argument to a parameter type, as evalArg's
// evalBool, evalString, ... and evalEmptyInterface do.
func literalFor(typ reflect.Type, a *fxArg) (reflect.Value, bool) {
	if typ == nil {
		return reflect.Value{}, true
	}
	newOf := func() reflect.Value { return reflect.New(typ).Elem() }
	switch typ.Kind() {
	case reflect.Bool:
		if n, ok := a.lit.(*parse.BoolNode); ok {
			v := newOf()
			v.SetBool(n.True)
			return v, false
		}
	case reflect.Complex64, reflect.Complex128:
		if n, ok := a.lit.(*parse.NumberNode); ok && n.IsComplex {
			v := newOf()
			v.SetComplex(n.Complex128)
			return v, false
		}
	case reflect.Float32, reflect.Float64:
		if n, ok := a.lit.(*parse.NumberNode); ok && n.IsFloat {
			v := newOf()
			v.SetFloat(n.Float64)
			return v, false
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n, ok := a.lit.(*parse.NumberNode); ok && n.IsInt {
			v := newOf()
			v.SetInt(n.Int64)
			return v, false
		}
	case reflect.Interface:
		if typ.NumMethod() == 0 {
			return a.ideal, a.badId
		}
	case reflect.Struct:
		if typ == reflectValueType {
			return a.ideal, a.badId
		}
	case reflect.String:
		if n, ok := a.lit.(*parse.StringNode); ok {
			v := newOf()
			v.SetString(n.Text)
			return v, false
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if n, ok := a.lit.(*parse.NumberNode); ok && n.IsUint {
			v := newOf()
			v.SetUint(n.Uint64)
			return v, false
		}
	}
	return reflect.Value{}, true
}

// validateType is text/template's validateType, except that for a
// reflect.Value parameter it returns the value itself.
func validateType(value reflect.Value, typ reflect.Type) reflect.Value {
	if typ == reflectValueType {
		if value.IsValid() && value.Type() == reflectValueType {
			bail("a reflect.Value value")
		}
		return value
	}
	if !value.IsValid() {
		if typ == nil {
			return reflect.Value{}
		}
		if canBeNil(typ) {
			return reflect.Zero(typ)
		}
		bail("invalid value")
	}
	if typ != nil && !value.Type().AssignableTo(typ) {
		if value.Kind() == reflect.Interface && !value.IsNil() {
			value = value.Elem()
			if value.Type().AssignableTo(typ) {
				return value
			}
		}
		switch {
		case value.Kind() == reflect.Pointer && value.Type().Elem().AssignableTo(typ):
			value = value.Elem()
			if !value.IsValid() {
				bail("dereference of nil pointer")
			}
		case reflect.PointerTo(value.Type()).AssignableTo(typ) && value.CanAddr():
			value = value.Addr()
		default:
			bail("wrong type for value")
		}
	}
	return value
}

func canBeNil(typ reflect.Type) bool {
	switch typ.Kind() {
	case reflect.Chan, reflect.Func, reflect.Interface, reflect.Map, reflect.Pointer, reflect.Slice:
		return true
	case reflect.Struct:
		return typ == reflectValueType
	}
	return false
}

// callFunc is text/template's evalCall for a function of the map or a
// builtin.
func (s *fxState) callFunc(dot reflect.Value, f *fxFunc, args []*fxArg, final reflect.Value, hasFinal bool) reflect.Value {
	if f.bad {
		bail("bad function signature")
	}
	typ := f.typ
	numIn := len(args)
	if hasFinal {
		numIn++
	}
	numFixed := len(args)
	if typ.IsVariadic() {
		numFixed = typ.NumIn() - 1
		if numIn < numFixed {
			bail("wrong number of args")
		}
	} else if numIn != typ.NumIn() {
		bail("wrong number of args")
	}
	if f.kind == fkAnd || f.kind == fkOr {
		var v reflect.Value
		for _, a := range args {
			v = s.evalArg(dot, reflectValueType, a)
			if truth(v) == (f.kind == fkOr) {
				return v
			}
		}
		if hasFinal {
			v = validateType(final, reflectValueType)
		}
		return v
	}
	mark := len(s.args)
	i := 0
	for ; i < numFixed && i < len(args); i++ {
		s.args = append(s.args, s.evalArg(dot, typ.In(i), args[i]))
	}
	if typ.IsVariadic() {
		et := typ.In(typ.NumIn() - 1).Elem()
		for ; i < len(args); i++ {
			s.args = append(s.args, s.evalArg(dot, et, args[i]))
		}
	}
	if hasFinal {
		t := typ.In(typ.NumIn() - 1)
		if typ.IsVariadic() {
			if numIn-1 < numFixed {
				t = typ.In(numIn - 1)
			} else {
				t = t.Elem()
			}
		}
		s.args = append(s.args, validateType(final, t))
	}
	argv := s.args[mark:]
	var v reflect.Value
	if f.native != nil {
		v = f.native(s, argv)
	} else {
		v = reflectCall(f.fn, typ, argv)
	}
	clear(s.args[mark:])
	s.args = s.args[:mark]
	return v
}

// callValue is evalCall for a method.
func (s *fxState) callValue(dot, fn reflect.Value, typ reflect.Type, args []*fxArg, final reflect.Value, hasFinal bool) reflect.Value {
	f := fxFunc{fn: fn, typ: typ, bad: goodFunc(typ) != nil}
	return s.callFunc(dot, &f, args, final, hasFinal)
}

// reflectCall calls fn with argv, wrapping the arguments of reflect.Value
// parameters, and unwraps a reflect.Value result, as evalCall does.
func reflectCall(fn reflect.Value, typ reflect.Type, argv []reflect.Value) reflect.Value {
	in := argv
	for i := range argv {
		var pt reflect.Type
		if typ.IsVariadic() && i >= typ.NumIn()-1 {
			pt = typ.In(typ.NumIn() - 1).Elem()
		} else {
			pt = typ.In(i)
		}
		if pt == reflectValueType {
			if &in[0] == &argv[0] {
				in = append([]reflect.Value(nil), argv...)
			}
			in[i] = reflect.ValueOf(argv[i])
		}
	}
	ret := fn.Call(in)
	if len(ret) == 2 && !ret[1].IsNil() {
		bail("function returned an error")
	}
	v := ret[0]
	if v.Type() == reflectValueType {
		v = v.Interface().(reflect.Value)
	}
	return v
}

// ---- printing ----

// fxPrint caches whether a type prints through fmt's plain formatting:
// neither it nor its pointer type is an error or a fmt.Stringer.
var fxPrint sync.Map // reflect.Type -> uint8: 1 plain, 2 the pointer type is not plain, 3 neither

func printPlain(v reflect.Value) bool {
	t := v.Type()
	var k uint8
	if c, ok := fxPrint.Load(t); ok {
		k = c.(uint8)
	} else {
		switch {
		case t.Implements(errorType) || t.Implements(fmtStringerType):
			k = 3
		case reflect.PointerTo(t).Implements(errorType) || reflect.PointerTo(t).Implements(fmtStringerType):
			k = 2
		default:
			k = 1
		}
		fxPrint.Store(t, k)
	}
	return k == 1 || k == 2 && !v.CanAddr()
}

func (s *fxState) print(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.Type() == stringType || printPlain(v) {
			s.out.WriteString(v.String())
			return
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if printPlain(v) {
			s.out.Write(strconv.AppendInt(s.num[:0], v.Int(), 10))
			return
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if printPlain(v) {
			s.out.Write(strconv.AppendUint(s.num[:0], v.Uint(), 10))
			return
		}
	case reflect.Bool:
		if printPlain(v) {
			s.out.WriteString(strconv.FormatBool(v.Bool()))
			return
		}
	}
	iface, ok := printableValue(v)
	if !ok {
		bail("can't print value")
	}
	fmt.Fprint(s.out, iface)
}

// printableValue is text/template's.
func printableValue(v reflect.Value) (any, bool) {
	if v.Kind() == reflect.Pointer {
		v, _ = indirect(v)
	}
	if !v.IsValid() {
		return "<no value>", true
	}
	if !v.Type().Implements(errorType) && !v.Type().Implements(fmtStringerType) {
		if v.CanAddr() && (reflect.PointerTo(v.Type()).Implements(errorType) || reflect.PointerTo(v.Type()).Implements(fmtStringerType)) {
			v = v.Addr()
		} else {
			switch v.Kind() {
			case reflect.Chan, reflect.Func:
				return nil, false
			}
		}
	}
	return v.Interface(), true
}

// ---- helpers from text/template ----

var (
	errorType        = reflect.TypeFor[error]()
	fmtStringerType  = reflect.TypeFor[fmt.Stringer]()
	reflectValueType = reflect.TypeFor[reflect.Value]()
	stringType       = reflect.TypeFor[string]()
	intType          = reflect.TypeFor[int]()
	anyType          = reflect.TypeFor[any]()
	stmtListType     = reflect.TypeFor[[]kernel.Stmt]()
	trueValue        = reflect.ValueOf(true)
	falseValue       = reflect.ValueOf(false)
)

func boolValue(b bool) reflect.Value {
	if b {
		return trueValue
	}
	return falseValue
}

func indirect(v reflect.Value) (rv reflect.Value, isNil bool) {
	for ; v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface; v = v.Elem() {
		if v.IsNil() {
			return v, true
		}
	}
	return v, false
}

func indirectInterface(v reflect.Value) reflect.Value {
	if v.Kind() != reflect.Interface {
		return v
	}
	if v.IsNil() {
		return reflect.Value{}
	}
	return v.Elem()
}

func isTrue(val reflect.Value) (truth, ok bool) {
	if !val.IsValid() {
		return false, true
	}
	switch val.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		truth = val.Len() > 0
	case reflect.Bool:
		truth = val.Bool()
	case reflect.Complex64, reflect.Complex128:
		truth = val.Complex() != 0
	case reflect.Chan, reflect.Func, reflect.Pointer, reflect.UnsafePointer, reflect.Interface:
		truth = !val.IsNil()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		truth = val.Int() != 0
	case reflect.Float32, reflect.Float64:
		truth = val.Float() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		truth = val.Uint() != 0
	case reflect.Struct:
		truth = true
	default:
		return
	}
	return truth, true
}

func truth(v reflect.Value) bool {
	t, _ := isTrue(indirectInterface(v))
	return t
}

func idealConstant(n *parse.NumberNode) (reflect.Value, bool) {
	switch {
	case n.IsComplex:
		return reflect.ValueOf(n.Complex128), true
	case n.IsFloat && !isHexInt(n.Text) && !isRuneInt(n.Text) && strings.ContainsAny(n.Text, ".eEpP"):
		return reflect.ValueOf(n.Float64), true
	case n.IsInt:
		i := int(n.Int64)
		if int64(i) != n.Int64 {
			return reflect.Value{}, false
		}
		return reflect.ValueOf(i), true
	case n.IsUint:
		return reflect.Value{}, false
	}
	return reflect.Value{}, true
}

func isRuneInt(s string) bool { return len(s) > 0 && s[0] == '\'' }

func isHexInt(s string) bool {
	return len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && !strings.ContainsAny(s, "pP")
}

// ---- compiler ----

func (fs *fastSet) compileList(l *parse.ListNode) fxNode {
	out := &fxList{}
	for _, n := range l.Nodes {
		if c := fs.compileNode(n); c != nil {
			out.nodes = append(out.nodes, c)
		}
	}
	if len(out.nodes) == 1 {
		return out.nodes[0]
	}
	return out
}

func (fs *fastSet) compileElse(l *parse.ListNode) fxNode {
	if l == nil {
		return nil
	}
	return fs.compileList(l)
}

func (fs *fastSet) compileNode(n parse.Node) fxNode {
	switch n := n.(type) {
	case *parse.TextNode:
		return &fxText{text: n.Text}
	case *parse.CommentNode:
		return nil
	case *parse.ActionNode:
		a := &fxAction{pipe: fs.compilePipe(n.Pipe)}
		if len(a.pipe.decl) == 0 && len(a.pipe.cmds) == 1 {
			if c, ok := a.pipe.cmds[0].(*fxFuncCmd); ok && (c.f.kind == fkInclude || c.f.kind == fkStmts) && len(c.args) == 2 {
				a.direct = c
			}
		}
		return a
	case *parse.IfNode:
		return &fxIf{pipe: fs.compilePipe(n.Pipe), list: fs.compileList(n.List), elseList: fs.compileElse(n.ElseList)}
	case *parse.WithNode:
		return &fxIf{pipe: fs.compilePipe(n.Pipe), with: true, list: fs.compileList(n.List), elseList: fs.compileElse(n.ElseList)}
	case *parse.RangeNode:
		return &fxRange{pipe: fs.compilePipe(n.Pipe), list: fs.compileList(n.List), elseList: fs.compileElse(n.ElseList)}
	case *parse.TemplateNode:
		c := &fxTemplate{name: n.Name, pipe: fs.compilePipe(n.Pipe)}
		fs.calls = append(fs.calls, c)
		return c
	case *parse.ListNode:
		return fs.compileList(n)
	}
	panic(fxUnsupported{n.String()})
}

func (fs *fastSet) compilePipe(p *parse.PipeNode) *fxPipe {
	if p == nil {
		return nil
	}
	out := &fxPipe{isAssign: p.IsAssign}
	for _, d := range p.Decl {
		out.decl = append(out.decl, d.Ident[0])
	}
	for _, c := range p.Cmds {
		out.cmds = append(out.cmds, fs.compileCmd(c))
	}
	if len(out.cmds) == 0 {
		panic(fxUnsupported{"empty pipeline"})
	}
	return out
}

func (fs *fastSet) compileSteps(idents []string) []*fxStep {
	out := make([]*fxStep, len(idents))
	for i, id := range idents {
		out[i] = &fxStep{name: id, nameVal: reflect.ValueOf(id)}
	}
	return out
}

func (fs *fastSet) compileArgs(nodes []parse.Node) []*fxArg {
	if len(nodes) == 0 {
		return nil
	}
	out := make([]*fxArg, len(nodes))
	for i, n := range nodes {
		out[i] = fs.compileArg(n)
	}
	return out
}

func (fs *fastSet) function(name string) *fxFunc {
	f, ok := fs.funcs[name]
	if !ok {
		panic(fxUnsupported{"function " + name})
	}
	return f
}

func (fs *fastSet) compileCmd(cmd *parse.CommandNode) fxCmd {
	rest := fs.compileArgs(cmd.Args[1:])
	switch n := cmd.Args[0].(type) {
	case *parse.FieldNode:
		return &fxFieldCmd{steps: fs.compileSteps(n.Ident), args: rest}
	case *parse.ChainNode:
		if n.Node.Type() == parse.NodeNil || len(n.Field) == 0 {
			return &fxConstCmd{bad: true}
		}
		return &fxChainCmd{base: fs.compileChainBase(n.Node), steps: fs.compileSteps(n.Field), args: rest}
	case *parse.IdentifierNode:
		return &fxFuncCmd{f: fs.function(n.Ident), args: rest}
	case *parse.PipeNode:
		return &fxPipeCmd{pipe: fs.compilePipe(n), nargs: len(cmd.Args)}
	case *parse.VariableNode:
		return &fxVarCmd{name: n.Ident[0], steps: fs.compileSteps(n.Ident[1:]), args: rest, nargs: len(cmd.Args)}
	case *parse.BoolNode:
		return &fxConstCmd{v: reflect.ValueOf(n.True), nargs: len(cmd.Args)}
	case *parse.DotNode:
		return &fxConstCmd{dot: true, nargs: len(cmd.Args)}
	case *parse.NilNode:
		return &fxConstCmd{bad: true}
	case *parse.NumberNode:
		v, ok := idealConstant(n)
		return &fxConstCmd{v: v, bad: !ok, nargs: len(cmd.Args)}
	case *parse.StringNode:
		return &fxConstCmd{v: reflect.ValueOf(n.Text), nargs: len(cmd.Args)}
	}
	panic(fxUnsupported{cmd.String()})
}

// compileChainBase compiles the operand of (operand).Field: a pipeline or
// a function (the parser refuses literals there).
func (fs *fastSet) compileChainBase(n parse.Node) *fxArg {
	switch n.(type) {
	case *parse.PipeNode, *parse.IdentifierNode, *parse.FieldNode, *parse.VariableNode, *parse.ChainNode:
		return fs.compileArg(n)
	}
	panic(fxUnsupported{n.String()})
}

func (fs *fastSet) compileArg(n parse.Node) *fxArg {
	switch n := n.(type) {
	case *parse.DotNode:
		return &fxArg{kind: argDot}
	case *parse.NilNode:
		return &fxArg{kind: argNil}
	case *parse.FieldNode:
		return &fxArg{kind: argExpr, expr: &fxFieldCmd{steps: fs.compileSteps(n.Ident)}}
	case *parse.VariableNode:
		return &fxArg{kind: argExpr, expr: &fxVarCmd{name: n.Ident[0], steps: fs.compileSteps(n.Ident[1:]), nargs: 1}}
	case *parse.PipeNode:
		return &fxArg{kind: argExpr, expr: &fxPipeCmd{pipe: fs.compilePipe(n), nargs: 1}}
	case *parse.IdentifierNode:
		return &fxArg{kind: argExpr, expr: &fxFuncCmd{f: fs.function(n.Ident)}}
	case *parse.ChainNode:
		if n.Node.Type() == parse.NodeNil || len(n.Field) == 0 {
			return &fxArg{kind: argExpr, expr: &fxConstCmd{bad: true}}
		}
		return &fxArg{kind: argExpr, expr: &fxChainCmd{base: fs.compileChainBase(n.Node), steps: fs.compileSteps(n.Field)}}
	case *parse.BoolNode:
		return &fxArg{kind: argLit, lit: n, ideal: reflect.ValueOf(n.True)}
	case *parse.NumberNode:
		v, ok := idealConstant(n)
		return &fxArg{kind: argLit, lit: n, ideal: v, badId: !ok}
	case *parse.StringNode:
		return &fxArg{kind: argLit, lit: n, ideal: reflect.ValueOf(n.Text)}
	}
	panic(fxUnsupported{n.String()})
}
