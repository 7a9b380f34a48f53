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

func TestTopLevelFunctions(t *testing.T) {
	t.Parallel()
	src := "import x\n@decorator\ndef a(p, /, q, *args, r=1, **kw): pass\nclass C:\n    def method(self): pass\nasync  def b(): pass\ns = '''\ndef fake(): pass\n'''\nx = (\ndef_not)\nd = r'\\'' ; def_e = 1\ndef f(x=(1, 2), y={'a': [1]}): pass\n"
	var got []string
	for _, d := range topLevelFunctions(src) {
		got = append(got, fmt.Sprintf("%s@%d %s", d.Name, d.Offset, d.signature()))
	}
	want := []string{
		fmt.Sprintf("a@%d a(p, q, r=…, **kwargs)", strings.Index(src, "def a")),
		fmt.Sprintf("b@%d b()", strings.Index(src, "async")),
		fmt.Sprintf("f@%d f(x=…, y=…)", strings.Index(src, "def f(")),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("functions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d := topLevelFunctions(src)[0]; !d.accepts("q") || !d.accepts("anything") {
		t.Errorf("a's parameters: %+v", d)
	}
	if d := topLevelFunctions("def g(p, /, q): pass")[0]; d.accepts("p") || !d.accepts("q") || d.accepts("r") {
		t.Errorf("g's parameters: %+v", d)
	}
}

func FuzzTopLevelFunctions(f *testing.F) {
	f.Add("def main(a, b=1):\n    return a\n")
	f.Add("async def main(*, x: 'str' = \"(\"):\n    pass\n")
	f.Add("s = '''\ndef x(): pass\n'''\ndef y(a, /, b, *c, **d): pass")
	f.Fuzz(func(t *testing.T, src string) {
		for _, d := range topLevelFunctions(src) {
			if d.Offset < 0 || d.Offset >= len(src) || !strings.HasPrefix(src[d.Offset:], "def") && !strings.HasPrefix(src[d.Offset:], "async") {
				t.Fatalf("function %q at offset %d of %q", d.Name, d.Offset, src)
			}
			_ = d.signature()
		}
		_ = offsetOf(src, 3, 4)
	})
}
