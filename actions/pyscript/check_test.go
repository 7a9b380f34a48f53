package pyscript

import (
	"fmt"
	"strings"
	"testing"

	"github.com/actuatehq/actuate/template"
)

// checkTemplate wraps steps in a template and returns CheckStep's reports
// as "line:col: [warning: ]message".
func checkTemplate(t *testing.T, a *Action, steps string) []string {
	t.Helper()
	src := "definition:\n  title: T\n  display_group: G\n  namespace: tools.t\n  name: py\n  expects:\n    a: {type: str}\n  steps:\n" + steps + "  returns: done\n"
	tpl, ds := template.Parse("py.yml", []byte(src))
	if ds.HasErrors() {
		t.Fatalf("template: %s", ds)
	}
	var got []string
	for _, s := range tpl.Steps {
		a.CheckStep(tpl, s, func(pos template.Pos, sev template.Severity, msg string) {
			prefix := ""
			if sev == template.Warning {
				prefix = "warning: "
			}
			got = append(got, fmt.Sprintf("%d:%d: %s%s", pos.Line, pos.Column, prefix, msg))
		})
	}
	return got
}

func TestCheckStep(t *testing.T) {
	t.Parallel()
	interpreter(t)
	cases := []struct {
		name  string
		steps string
		want  []string
	}{
		{"clean", `    - ref: s
      action: core.script.run_python
      args:
        inputs:
          a: ${{ inputs.a }}
          b: 2
        script: |
          def main(a, b, c=3):
              return a
`, nil},
		{"extra and missing inputs", `    - ref: s
      action: core.script.run_python
      args:
        inputs:
          a: ${{ inputs.a }}
          z: 1
        script: |
          import json

          def main(a, b, *, c, d=4):
              return a
`, []string{
			`14:11: input "z" is not a parameter of main(a, b, c, d=…); add it to the function or remove it from inputs`,
			`18:11: main(a, b, c, d=…): parameter(s) b, c have no default and inputs does not set them`,
		}},
		{"multi-line signature with annotations and strings", `    - ref: s
      action: core.script.run_python
      args:
        inputs: {a: 1, b: 2}
        script: |
          def main(
              a: dict[str, int],  # the first, (with a paren
              b: str = "x, y=)",
              c: "list[int]" = None,
          ) -> dict:
              return {}
`, nil},
		{"kwargs take anything", `    - ref: s
      action: core.script.run_python
      args:
        inputs: {anything: 1}
        script: "def main(**kw):\n    return kw\n"
`, nil},
		{"only public function", `    - ref: s
      action: core.script.run_python
      args:
        inputs: {x: 1}
        script: |
          def _helper():
              pass
          def build(y):
              pass
`, []string{
			`12:18: input "x" is not a parameter of build(y); add it to the function or remove it from inputs`,
			`16:11: build(y): parameter(s) y have no default and inputs does not set them`,
		}},
		{"no function", `    - ref: s
      action: core.script.run_python
      args:
        script: |
          x = """
          def main():
          """
`, []string{`12:17: the script defines no function to call; define main(...) with the keys of inputs as its parameters`}},
		{"several functions", `    - ref: s
      action: core.script.run_python
      args:
        script: |
          def one():
              pass
          async def two():
              pass
`, []string{`12:17: the script defines several functions (one, two) and none is called main; name the one to call main`}},
		{"syntax error", `    - ref: s
      action: core.script.run_python
      args:
        inputs: {a: 1}
        script: |
          def main(a):
              return [a
`, []string{`15:22: the script does not compile: SyntaxError: '[' was never closed`}},
		{"inputs from an expression are not checked", `    - ref: s
      action: core.script.run_python
      args:
        inputs: ${{ inputs.a }}
        script: "def main(q):\n    return q\n"
`, nil},
		{"script from an expression is not checked", `    - ref: s
      action: core.script.run_python
      args:
        script: ${{ inputs.a }}
`, nil},
		{"null inputs", `    - ref: s
      action: core.script.run_python
      args:
        inputs: null
        script: "def main(q):\n    return q\n"
`, []string{`13:18: main(q): parameter(s) q have no default and inputs does not set them`}},
	}
	a := New(Config{})
	defer a.Close()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := checkTemplate(t, a, c.steps)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("reports:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestCheckStepWithoutInterpreter(t *testing.T) {
	t.Parallel()
	got := checkTemplate(t, New(Config{Interpreter: "/no/such/python3"}), `    - ref: s
      action: core.script.run_python
      args:
        script: "def main():\n    return 1\n"
`)
	want := "10:15: warning: no Python interpreter for core.script.run_python steps: /no/such/python3: not found; install Python 3 (for example `apt-get install python3`) or set ACTUATE_PYTHON to the path of a python3; this step fails when it runs"
	if strings.Join(got, "\n") != want {
		t.Errorf("reports:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

// TestModuleBindings: the names module code binds, as runner.py finds
// them in the module's namespace once it has run: in the order they were
// first bound, with what they end up bound to.
func TestModuleBindings(t *testing.T) {
	t.Parallel()
	src := "import x, os.path as p\nfrom m import (y,\n  z as w)\n@decorator\ndef a(p, /, q, *args, r=1, **kw): pass\nclass C:\n    def method(self): pass\n    v = lambda: 0\nasync  def b(): pass\ns = '''\ndef fake(): pass\n'''\nx = (\ndef_not)\nd = r'\\'' ; def_e = 1\ndef f(x=(1, 2), y={'a': [1]}): pass\n" +
		"if True:\n    def g(k): return k; h = 1\nelse:\n    l = lambda u, v={'a': 1}: u\n    n: int = 3\nm1 = m2 = lambda q=1: q\nalias = f\nf = 4\ndel s\ns = None\nn += 1\nx.y = 1\nk, (j, *i) = 1, (2, 3)\nbuilt = len\ncall = make()\nt2 = d['k'] = lambda: 0\ntype TA = int\n"
	var got []string
	for _, b := range moduleBindings(src) {
		line := fmt.Sprintf("%s@%d %s", b.Name, b.Offset, []string{"function", "callable", "value"}[b.Kind])
		if b.Def != nil {
			line += " " + b.Def.signature()
		}
		got = append(got, line)
	}
	at := func(s string) int {
		i := strings.Index(src, s)
		if i < 0 {
			t.Fatalf("%q is not in the source", s)
		}
		return i
	}
	want := []string{
		fmt.Sprintf("x@%d callable", at("x = (")),
		fmt.Sprintf("p@%d callable", at("import x")),
		fmt.Sprintf("y@%d callable", at("from m")),
		fmt.Sprintf("w@%d callable", at("from m")),
		fmt.Sprintf("a@%d callable", at("def a")),
		fmt.Sprintf("C@%d callable", at("class C")),
		fmt.Sprintf("b@%d function b()", at("async")),
		fmt.Sprintf("d@%d value", at("d = r")),
		fmt.Sprintf("def_e@%d value", at("def_e")),
		fmt.Sprintf("f@%d value", at("f = 4")),
		fmt.Sprintf("g@%d function g(k)", at("def g")),
		fmt.Sprintf("l@%d function l(u, v=…)", at("l = lambda")),
		fmt.Sprintf("n@%d value", at("n: int")),
		fmt.Sprintf("m1@%d function m1(q=…)", at("m1 =")),
		fmt.Sprintf("m2@%d function m2(q=…)", at("m1 =")),
		fmt.Sprintf("alias@%d function f(x=…, y=…)", at("alias")),
		fmt.Sprintf("s@%d value", at("s = None")),
		fmt.Sprintf("k@%d callable", at("k, (j")),
		fmt.Sprintf("j@%d callable", at("k, (j")),
		fmt.Sprintf("i@%d callable", at("k, (j")),
		fmt.Sprintf("built@%d callable", at("built")),
		fmt.Sprintf("call@%d callable", at("call")),
		fmt.Sprintf("t2@%d function t2()", at("t2")),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("bindings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	d := moduleBindings("def a(p, /, q, *args, r=1, **kw): pass")[0].Def
	if !d.accepts("q") || !d.accepts("anything") || d.signature() != "a(p, q, r=…, **kwargs)" {
		t.Errorf("a's parameters: %+v", d)
	}
	if d := moduleBindings("def g(p, /, q): pass")[0].Def; d.accepts("p") || !d.accepts("q") || d.accepts("r") {
		t.Errorf("g's parameters: %+v", d)
	}
	// The commas of a lambda's parameters, in a default, end no parameter.
	for src, want := range map[string]string{
		"def main(key=lambda a, b: a, x=1, y=lambda: 0, z=(lambda c, d: c)): pass": "main(key=…, x=…, y=…, z=…)",
		"f = lambda a, key=lambda x, y: x, b=2: a":                                 "f(a, key=…, b=…)",
	} {
		if got := moduleBindings(src)[0].Def.signature(); got != want {
			t.Errorf("%s: signature %s, want %s", src, got, want)
		}
	}
	// A def decorated by the script's own function stays a function of
	// the script, its parameters unknown.
	if got := moduleBindings("def deco(f):\n    return f\n@deco\ndef h(a): pass\n")[1]; got.Name != "h" || got.Kind != isFunction || got.Def != nil {
		t.Errorf("decorated h: %+v", got)
	}
}

func FuzzModuleBindings(f *testing.F) {
	f.Add("def main(a, b=1):\n    return a\n")
	f.Add("async def main(*, x: 'str' = \"(\"):\n    pass\n")
	f.Add("s = '''\ndef x(): pass\n'''\ndef y(a, /, b, *c, **d): pass")
	f.Add("if x:\n    f = lambda a, b=(1, 2): a; g = f\nelse:\n\tdel f\n@d\nclass C: pass\nfrom m import (a,\n b as c)\n")
	f.Fuzz(func(t *testing.T, src string) {
		seen := map[string]bool{}
		for _, b := range moduleBindings(src) {
			if b.Offset < 0 || b.Offset >= len(src) || b.Name == "" || seen[b.Name] {
				t.Fatalf("binding %q at offset %d of %q", b.Name, b.Offset, src)
			}
			seen[b.Name] = true
			if b.Def != nil {
				_ = b.Def.signature()
			}
		}
		_ = offsetOf(src, 3, 4)
	})
}

// TestCheckAgreesWithRun: validate picks the function runner.py calls,
// and reports a script that names none exactly when running it fails.
func TestCheckAgreesWithRun(t *testing.T) {
	t.Parallel()
	interpreter(t)
	several := func(names string) string {
		return "the script defines several functions (" + names + ") and none is called main; name the one to call main"
	}
	cases := []struct {
		name    string
		script  string
		inputs  string // YAML flow mapping
		args    map[string]any
		result  string // JSON, when the run succeeds
		runErr  string
		reports []string
	}{
		{name: "a lambda is a public function", script: "normalize = lambda s: s.strip()\ndef build(x):\n    return normalize(x)\n",
			inputs: "{x: a}", args: map[string]any{"x": "a"},
			runErr: several("normalize, build"), reports: []string{"13:17: " + several("normalize, build")}},
		{name: "main is a lambda", script: "double = lambda x: x * 2\nmain = double\n",
			inputs: "{x: 21}", args: map[string]any{"x": 21}, result: "42"},
		{name: "main is a lambda given a wrong input", script: "double = lambda x: x * 2\nmain = double\n",
			inputs: "{y: 21}", args: map[string]any{"y": 21},
			runErr: "TypeError: <lambda>() got an unexpected keyword argument 'y'",
			reports: []string{
				`12:18: input "y" is not a parameter of double(x); add it to the function or remove it from inputs`,
				`14:11: double(x): parameter(s) x have no default and inputs does not set them`,
			}},
		{name: "a def in an if block", script: "if True:\n    def helper():\n        pass\ndef build(x):\n    return x\n",
			inputs: "{x: 1}", args: map[string]any{"x": 1},
			runErr: several("helper, build"), reports: []string{"13:17: " + several("helper, build")}},
		{name: "a def from a library's decorator is no function of the script", script: "import functools\n@functools.lru_cache\ndef cached():\n    return 1\ndef build(x):\n    return x + cached()\n",
			inputs: "{x: 1}", args: map[string]any{"x": 1}, result: "2"},
		{name: "a main that cannot be called", script: "main = None\ndef build(x):\n    return x\n",
			inputs: "{x: 5}", args: map[string]any{"x": 5}, result: "5"},
		{name: "main is a class", script: "class main:\n    def __init__(self, x):\n        self.x = x\n    def __repr__(self):\n        return 'main(%d)' % self.x\ndef other():\n    pass\n",
			inputs: "{x: 3}", args: map[string]any{"x": 3}, result: `"main(3)"`},
		{name: "a function deleted", script: "def helper():\n    pass\ndef build(x):\n    return helper() or x\ndel helper\n",
			inputs: "{x: 4}", args: map[string]any{"x": 4}, runErr: "NameError: name 'helper' is not defined\nTraceback (most recent call last):\n  script line 4, in build: return helper() or x"},
	}
	a := New(Config{})
	defer a.Close()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			steps := "    - ref: s\n      action: core.script.run_python\n      args:\n        inputs: " + c.inputs + "\n        script: |\n" +
				"          " + strings.ReplaceAll(strings.TrimSuffix(c.script, "\n"), "\n", "\n          ") + "\n"
			if got := checkTemplate(t, a, steps); strings.Join(got, "\n") != strings.Join(c.reports, "\n") {
				t.Errorf("reports:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.reports, "\n"))
			}
			res, _, err := runStep(t, a, map[string]any{"script": c.script, "inputs": c.args})
			switch {
			case c.runErr != "":
				if err == nil || err.Error() != c.runErr {
					t.Errorf("run: error %v, want %s", err, c.runErr)
				}
			case err != nil:
				t.Errorf("run: %v", err)
			case jsonOf(t, res) != c.result:
				t.Errorf("run: result %s, want %s", jsonOf(t, res), c.result)
			}
		})
	}
}
