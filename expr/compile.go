package expr

import (
	"errors"
	"reflect"
	"sync"

	exprlang "github.com/expr-lang/expr"
	exprast "github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	exprparser "github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/actuatehq/actuate/expr/fn"
	"github.com/actuatehq/actuate/expr/value"
)

// Env holds the contexts an expression reads, by name: "inputs", "steps",
// "SECRETS", "VARS" and "ENV", each a *value.Map (a missing context reads as
// empty). An Env may be shared by concurrent evaluations as long as nobody
// modifies it meanwhile.
type Env map[string]any

// Contexts known to the compiler; the env handed to expr-lang declares them.
var envShape = map[string]any{"inputs": nil, "steps": nil, "SECRETS": nil, "VARS": nil, "ENV": nil}

// Expr is one compiled expression. It is immutable and safe for concurrent
// use.
type Expr struct {
	src      string // the text the offsets refer to
	pos, end int    // the expression's span in src, delimiters excluded
	root     node
	program  *vm.Program
	reads    []string // contexts read, each once
	refs     []Ref    // context reads in source order
}

// Text returns the expression's source text.
func (e *Expr) Text() string { return e.src[e.pos:e.end] }

// Span returns the byte offsets of the expression in the text it was
// compiled from.
func (e *Expr) Span() (pos, end int) { return e.pos, e.end }

// CompileExpr compiles src as a bare expression, without delimiters.
func CompileExpr(src string) (*Expr, error) {
	e, err := compileRange(src, 0, len(src))
	if err != nil {
		return nil, err
	}
	return e, nil
}

func compileRange(src string, pos, end int) (*Expr, *Error) {
	root, perr := parse(src, pos, end)
	if perr != nil {
		return nil, perr
	}
	e := &Expr{src: src, pos: pos, end: end, root: root, reads: contextsRead(root)}
	e.refs = e.collectRefs()
	l := &lowering{functions: map[string]*exprlangFunc{}}
	tree := &exprparser.Tree{Node: l.lower(root), Source: file.NewSource(src)}
	// A minimal configuration: the programs use no expr-lang builtins, so
	// the table conf.CreateNew copies for every compile is left out.
	cfg := &conf.Config{
		ShortCircuit: true,
		MaxNodes:     conf.DefaultMaxNodes,
		ConstFns:     noConstFns,
		Functions:    make(conf.FunctionsTable, len(l.functions)),
		Builtins:     noBuiltins,
		Disabled:     noDisabled,
	}
	cfg.WithEnv(envShape)
	for _, f := range l.functions {
		exprlang.Function(f.name, f.call, f.types...)(cfg)
	}
	if _, err := checker.Check(tree, cfg); err != nil {
		return nil, errorAt(pos, end, "internal error compiling %q: %v", src[pos:end], err)
	}
	program, err := compiler.Compile(tree, cfg)
	if err != nil {
		return nil, errorAt(pos, end, "internal error compiling %q: %v", src[pos:end], err)
	}
	e.program = program
	return e, nil
}

// Empty tables shared by every compile configuration; nothing writes them.
var (
	noConstFns = map[string]reflect.Value{}
	noBuiltins = conf.FunctionsTable{}
	noDisabled = map[string]bool{}
)

var machines = sync.Pool{New: func() any { return new(vm.VM) }}

// Eval evaluates the expression against env.
func (e *Expr) Eval(env Env) (any, error) {
	if c, ok := e.root.(*contextNode); ok {
		// A bare context read, the most common expression: what its
		// program does (load the context, walk the path), without the VM.
		if len(c.path.segs) == 0 {
			return env[c.context], nil
		}
		return c.path.eval(env[c.context]), nil
	}
	return e.run(env)
}

// run evaluates the expression's program.
func (e *Expr) run(env Env) (any, error) {
	m := machines.Get().(*vm.VM)
	out, err := m.Run(e.program, map[string]any(env))
	machines.Put(m)
	if err != nil {
		return nil, e.runtimeError(err)
	}
	return out, nil
}

// runtimeError turns an expr-lang run error into an *Error placed at the
// operation that failed.
func (e *Expr) runtimeError(err error) *Error {
	var fe *file.Error
	if errors.As(err, &fe) {
		msg := fe.Message
		if inner := fe.Unwrap(); inner != nil {
			msg = inner.Error()
		}
		pos, end := fe.From, fe.To
		if pos < e.pos || pos > e.end {
			pos, end = e.pos, e.end
		}
		return &Error{Offset: pos, End: end, Msg: msg}
	}
	return &Error{Offset: e.pos, End: e.end, Msg: err.Error()}
}

// exprlangFunc is a function a lowered program calls.
type exprlangFunc struct {
	name  string
	call  func(args ...any) (any, error)
	types []any
}

// runtime are the variadic functions of lowered programs, by name. Their
// names start with "_" so they cannot clash with FN functions (registered
// as "FN_<name>").
var runtime = map[string]*exprlangFunc{}

func defRuntime(name string, call func(args ...any) (any, error), types ...any) {
	runtime[name] = &exprlangFunc{name: name, call: call, types: types}
}

// typedRuntime are the operations with fixed arity. Their signatures are
// among those expr-lang's VM calls without reflection; they report errors
// by panicking with an error value, which the VM turns into a run error at
// the call's location.
var typedRuntime = map[string]any{
	"_add":   binary(opAdd),
	"_sub":   binary(opSub),
	"_mul":   binary(opMul),
	"_div":   binary(opDiv),
	"_mod":   binary(opMod),
	"_index": binary(index),
	"_neg":   unary(opNeg),
	"_pos":   unary(opPos),
	"_or": func(a, b any) any {
		if value.Truthy(a) {
			return a
		}
		return b
	},
	"_and": func(a, b any) any {
		if !value.Truthy(a) {
			return a
		}
		return b
	},
	"_not":    func(a any) bool { return !value.Truthy(a) },
	"_truthy": func(a any) bool { return value.Truthy(a) },
	"_eq":     func(a, b any) bool { return value.Equal(a, b) },
	"_ne":     func(a, b any) bool { return !value.Equal(a, b) },
	"_lt":     comparison("<"),
	"_le":     comparison("<="),
	"_gt":     comparison(">"),
	"_ge":     comparison(">="),
	"_in":     predicate(opIn),
	"_notin": predicate(func(a, b any) (bool, error) {
		in, err := opIn(a, b)
		return !in, err
	}),
	"_is":         func(a, b any) bool { return opIs(a, b) },
	"_isnot":      func(a, b any) bool { return !opIs(a, b) },
	"_path":       func(root, p any) any { return p.(*path).eval(root) },
	"_cast_int":   castTo("int"),
	"_cast_float": castTo("float"),
	"_cast_str":   castTo("str"),
	"_cast_bool":  castTo("bool"),
}

func binary(op func(a, b any) (any, error)) func(a, b any) any {
	return func(a, b any) any {
		r, err := op(a, b)
		if err != nil {
			panic(err)
		}
		return r
	}
}

func unary(op func(a any) (any, error)) func(a any) any {
	return func(a any) any {
		r, err := op(a)
		if err != nil {
			panic(err)
		}
		return r
	}
}

func predicate(op func(a, b any) (bool, error)) func(a, b any) bool {
	return func(a, b any) bool {
		r, err := op(a, b)
		if err != nil {
			panic(err)
		}
		return r
	}
}

func comparison(op string) func(a, b any) bool {
	return predicate(func(a, b any) (bool, error) { return value.CompareOp(op, a, b) })
}

func castTo(typ string) func(a any) any {
	return unary(func(a any) (any, error) { return cast(typ, a) })
}

func init() {
	defRuntime("_list", func(args ...any) (any, error) { return append([]any(nil), args...), nil })
	defRuntime("_dict", func(args ...any) (any, error) {
		keys := args[0].([]string)
		m := value.NewMap(len(keys))
		for i, k := range keys {
			m.Set(k, args[i+1])
		}
		return m, nil
	})
	defRuntime("_map", func(args ...any) (any, error) { return broadcast(args[0].(*fn.Func), args[1:]) })
}

var binaryFuncs = map[string]string{
	"||": "_or", "&&": "_and", "==": "_eq", "!=": "_ne",
	"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge",
	"in": "_in", "not in": "_notin", "is": "_is", "is not": "_isnot",
	"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod",
}

// lowering turns our syntax tree into expr-lang's, collecting the functions
// the program calls.
type lowering struct {
	functions map[string]*exprlangFunc
}

func (l *lowering) call(name string, pos, end int, args ...exprast.Node) exprast.Node {
	var callee exprast.Node
	if f, ok := typedRuntime[name]; ok {
		// A constant callee of a signature expr-lang knows is called
		// directly (OpCallTyped): no argument slice, no reflection.
		callee = &exprast.ConstantNode{Value: f}
	} else if f, ok := runtime[name]; ok {
		l.functions[name] = f
		callee = &exprast.IdentifierNode{Value: name}
	} else {
		panic("expr: no runtime function " + name)
	}
	n := &exprast.CallNode{Callee: callee, Arguments: args}
	n.SetLocation(file.Location{From: pos, To: end})
	return n
}

func constant(v any) exprast.Node { return &exprast.ConstantNode{Value: v} }

func (l *lowering) lower(n node) exprast.Node {
	switch n := n.(type) {
	case *literalNode:
		switch v := n.value.(type) {
		case nil:
			return &exprast.NilNode{}
		case bool:
			return &exprast.BoolNode{Value: v}
		case int:
			return &exprast.IntegerNode{Value: v}
		case float64:
			return &exprast.FloatNode{Value: v}
		case string:
			return &exprast.StringNode{Value: v}
		}
	case *listNode:
		args := make([]exprast.Node, len(n.items))
		for i, it := range n.items {
			args[i] = l.lower(it)
		}
		return l.call("_list", n.pos, n.end, args...)
	case *dictNode:
		args := make([]exprast.Node, 0, len(n.values)+1)
		args = append(args, constant(n.keys))
		for _, v := range n.values {
			args = append(args, l.lower(v))
		}
		return l.call("_dict", n.pos, n.end, args...)
	case *contextNode:
		root := &exprast.IdentifierNode{Value: n.context}
		if len(n.path.segs) == 0 {
			return root
		}
		return l.call("_path", n.pos, n.end, root, constant(n.path))
	case *binaryNode:
		end := n.opPos + len(n.op)
		return l.call(binaryFuncs[n.op], n.opPos, end, l.lower(n.left), l.lower(n.right))
	case *unaryNode:
		name := map[string]string{"-": "_neg", "+": "_pos", "not": "_not"}[n.op]
		return l.call(name, n.pos, n.pos+len(n.op), l.lower(n.operand))
	case *ternaryNode:
		cond := l.call("_truthy", n.pos, n.end, l.lower(n.cond))
		t := &exprast.ConditionalNode{Cond: cond, Exp1: l.lower(n.then), Exp2: l.lower(n.otherwise)}
		t.SetLocation(file.Location{From: n.pos, To: n.end})
		return t
	case *indexNode:
		return l.call("_index", n.bracketPos, n.end, l.lower(n.value), l.lower(n.index))
	case *castNode:
		return l.call("_cast_"+n.typ, n.pos, n.end, l.lower(n.operand))
	case *callNode:
		f, _ := fn.Lookup(n.name)
		args := make([]exprast.Node, 0, len(n.args)+1)
		if n.mapped {
			args = append(args, constant(f))
		}
		for _, a := range n.args {
			args = append(args, l.lower(a))
		}
		if n.mapped {
			return l.call("_map", n.pos, n.end, args...)
		}
		if !n.mapped && len(args) == 1 && f.Call1 != nil {
			c := &exprast.CallNode{Callee: &exprast.ConstantNode{Value: unary(f.Call1)}, Arguments: args}
			c.SetLocation(file.Location{From: n.pos, To: n.end})
			return c
		}
		name := "FN_" + f.Name
		l.functions[name] = &exprlangFunc{name: name, call: f.Call}
		c := &exprast.CallNode{Callee: &exprast.IdentifierNode{Value: name}, Arguments: args}
		c.SetLocation(file.Location{From: n.pos, To: n.end})
		return c
	}
	panic("expr: cannot lower node")
}
