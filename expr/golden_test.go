package expr

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/actuatehq/actuate/expr/value"
)

// The golden suite of the expression language lives in
// testdata/cases.yaml: each case is an expression and either the Python
// repr of its value or the exact error it raises. The comment at the top of
// that file describes the format.

type goldenFile struct {
	Cases []goldenCase `yaml:"cases"`
}

type goldenCase struct {
	Expr  string  `yaml:"expr"`
	Text  bool    `yaml:"text"` // compile with Compile even without a delimiter
	Want  *string `yaml:"want"`
	Error *string `yaml:"error"`
	At    *int    `yaml:"at"`
	// Context and Line are taken from the document's nodes.
	Context *yaml.Node `yaml:"-"`
	Line    int        `yaml:"-"`
}

func loadGolden(t *testing.T) (Env, []goldenCase) {
	t.Helper()
	data, err := os.ReadFile("testdata/cases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("cases.yaml: %v", err)
	}
	var f goldenFile
	if err := doc.Decode(&f); err != nil {
		t.Fatalf("cases.yaml: %v", err)
	}
	root := doc.Content[0]
	context := mappingValue(root, "context")
	if cases := mappingValue(root, "cases"); cases != nil {
		for j, c := range cases.Content {
			f.Cases[j].Line = c.Line
			f.Cases[j].Context = mappingValue(c, "context")
		}
	}
	env, err := goldenEnv(context)
	if err != nil {
		t.Fatalf("cases.yaml: default context: %v", err)
	}
	return env, f.Cases
}

// mappingValue returns the value of key in a mapping node, or nil.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// goldenEnv converts a YAML mapping of contexts into an Env.
func goldenEnv(n *yaml.Node) (Env, error) {
	env := Env{}
	if n == nil {
		return env, nil
	}
	v, err := goldenValue(n)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return env, nil
	}
	m, ok := v.(*value.Map)
	if !ok {
		return nil, fmt.Errorf("line %d: the context must be a mapping", n.Line)
	}
	m.Range(func(k string, v any) bool {
		env[k] = v
		return true
	})
	return env, nil
}

// goldenValue converts a YAML node into the values expressions see.
func goldenValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return goldenValue(n.Content[0])
	case yaml.AliasNode:
		return goldenValue(n.Alias)
	case yaml.MappingNode:
		m := value.NewMap(len(n.Content) / 2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.ShortTag() != "!!str" {
				return nil, fmt.Errorf("line %d: mapping keys must be strings", k.Line)
			}
			v, err := goldenValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m.Set(k.Value, v)
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := goldenValue(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			err := n.Decode(&b)
			return b, err
		case "!!int":
			var i int
			err := n.Decode(&i)
			return i, err
		case "!!float":
			var f float64
			err := n.Decode(&f)
			return f, err
		case "!!str":
			return n.Value, nil
		}
		return nil, fmt.Errorf("line %d: unsupported tag %s", n.Line, n.ShortTag())
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// evaluator is a compiled case: a bare expression or a template string.
type evaluator interface {
	Eval(Env) (any, error)
}

func compileCase(c *goldenCase) (evaluator, error) {
	if c.Text || HasExpressions(c.Expr) {
		t, err := Compile(c.Expr)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
	e, err := CompileExpr(c.Expr)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// outcome is what a case produced: the repr of the value, or the error and
// its offset (-1 when the error carries none).
type outcome struct {
	repr string
	err  string
	at   int
}

func (o outcome) String() string {
	if o.err != "" {
		return fmt.Sprintf("error %q at %d", o.err, o.at)
	}
	return "value " + o.repr
}

func errOutcome(err error) outcome {
	o := outcome{err: err.Error(), at: -1}
	var es Errors
	var e *Error
	switch {
	case errors.As(err, &es) && len(es) > 0:
		o.at = es[0].Offset
	case errors.As(err, &e):
		o.at = e.Offset
	}
	return o
}

func runCase(ev evaluator, env Env) outcome {
	v, err := ev.Eval(env)
	if err != nil {
		return errOutcome(err)
	}
	return outcome{repr: value.Repr(v), at: -1}
}

func envRepr(env Env) string {
	var b strings.Builder
	for _, k := range []string{"inputs", "steps", "SECRETS", "VARS", "ENV"} {
		b.WriteString(k + "=" + value.Repr(env[k]) + ";")
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	defaultEnv, cases := loadGolden(t)
	if len(cases) < 320 {
		t.Errorf("only %d golden cases; the suite should keep at least 320", len(cases))
	}
	for i := range cases {
		c := &cases[i]
		t.Run(fmt.Sprintf("%03d_%s", i, c.Expr), func(t *testing.T) {
			t.Parallel()
			where := fmt.Sprintf("cases.yaml:%d: %s", c.Line, c.Expr)
			if (c.Want == nil) == (c.Error == nil) {
				t.Fatalf("%s: give exactly one of want and error", where)
			}
			env := defaultEnv
			if c.Context != nil {
				var err error
				if env, err = goldenEnv(c.Context); err != nil {
					t.Fatalf("%s: context: %v", where, err)
				}
			}
			before := envRepr(env)
			var got outcome
			ev, err := compileCase(c)
			if err != nil {
				got = errOutcome(err)
			} else {
				got = runCase(ev, env)
			}
			switch {
			case c.Want != nil && got.err != "":
				t.Fatalf("%s:\n got error %q\nwant %s", where, got.err, *c.Want)
			case c.Want != nil && got.repr != *c.Want:
				t.Fatalf("%s:\n got %s\nwant %s", where, got.repr, *c.Want)
			case c.Error != nil && got.err == "":
				t.Fatalf("%s:\n got value %s\nwant error %q", where, got.repr, *c.Error)
			case c.Error != nil && got.err != *c.Error:
				t.Fatalf("%s:\n got error %q\nwant error %q", where, got.err, *c.Error)
			case c.At != nil && got.at != *c.At:
				t.Fatalf("%s: error at offset %d, want %d", where, got.at, *c.At)
			}
			if ev == nil {
				return
			}
			// A compiled program is reusable and safe for concurrent use:
			// it must give the same outcome again, also from two
			// goroutines at once, and leave the contexts untouched.
			if again := runCase(ev, env); again != got {
				t.Fatalf("%s: second run gave %v, first %v", where, again, got)
			}
			var wg sync.WaitGroup
			var outs [2]outcome
			for g := range outs {
				wg.Go(func() { outs[g] = runCase(ev, env) })
			}
			wg.Wait()
			for _, o := range outs {
				if o != got {
					t.Fatalf("%s: concurrent run gave %v, first %v", where, o, got)
				}
			}
			if after := envRepr(env); after != before {
				t.Fatalf("%s: evaluation modified the context:\nbefore %s\nafter  %s", where, before, after)
			}
		})
	}
}
