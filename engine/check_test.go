package engine

import (
	"strings"
	"testing"

	"github.com/actuatehq/actuate/actions/pyscript"
)

func TestCheckStepsAgainstActions(t *testing.T) {
	t.Parallel()
	src := `definition:
  title: Check
  display_group: Test
  namespace: tools.test
  name: check
  expects:
    n: {type: int}
  steps:
    - {ref: a, action: test.echo, args: {valu: 1}}
    - {ref: b, action: test.fail, args: {message: 5}}
    - {ref: c, action: test.fail, args: {message: "${{ inputs.n }}"}}
    - {ref: d, action: core.http_requst, args: {}}
    - {ref: e, action: core.workflow.execute, args: {}}
    - {ref: f, action: core.script.run_python, args: {script: "def main(a): pass"}}
    - {ref: g, action: tools.elsewhere.thing, args: {}}
    - {ref: h, action: tools.test.double, args: {x: "two"}}
  returns: ${{ steps.a.result }}
`
	reg := loadTemplates(t, map[string]string{"check.yml": src, "inner.yml": inner})
	tpl, _ := reg.Lookup("tools.test.check")
	var got []string
	acts := testActions()
	if err := acts.Register(pyscript.Default); err != nil {
		t.Fatal(err)
	}
	for _, d := range Check(tpl, reg, acts) {
		got = append(got, strings.TrimPrefix(d.String(), tpl.File))
	}
	want := []string{
		`:9:42: test.echo has no argument "valu"; did you mean "value"?`,
		`:9:24: test.echo needs the argument(s) value`,
		`:10:51: argument "message" of test.fail: expected str, got 5 (int)`,
		`:12:24: unknown action "core.http_requst"; expected one of: core.script.run_python, test.echo, test.fail, test.wait`,
		`:13:24: core.workflow.execute is a workflow action; templates cannot call it`,
		`:14:64: main(a): parameter(s) a have no default and inputs does not set them`,
		`:15:24: warning: unknown action "tools.elsewhere.thing": no loaded template or registered action has that name (add its folder with --registry)`,
		`:16:53: argument "x" of tools.test.double: expected int, got 'two' (str)`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
