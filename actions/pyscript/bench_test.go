package pyscript_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/actions/pyscript"
	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

const benchTemplate = `definition:
  title: Echo
  display_group: Bench
  namespace: tools.bench
  name: echo
  expects:
    a: {type: str}
  steps:
    - ref: echo
      action: core.script.run_python
      args:
        inputs:
          a: ${{ inputs.a }}
        script: |
          def main(a):
              return {"a": a}
  returns: ${{ steps.echo.result }}
`

// BenchmarkPythonStep compares a one-step Python template run through the
// engine, sandboxed, with starting the same interpreter on an empty
// script: "bare" with the flags the step uses (-I -S), "bare-site" with
// -I only, as `python3 -I empty.py` starts. The target is a step at most
// 1.3 times bare.
func BenchmarkPythonStep(b *testing.B) {
	in, err := pyscript.FindInterpreter("")
	if err != nil {
		b.Fatal(err)
	}
	empty := filepath.Join(b.TempDir(), "empty.py")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	bare := func(b *testing.B, args ...string) {
		for b.Loop() {
			cmd := exec.Command(in.Path, append(args, empty)...)
			cmd.Env = []string{}
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("bare", func(b *testing.B) { bare(b, "-I", "-S") })
	b.Run("bare-site", func(b *testing.B) { bare(b, "-I") })

	tpl, ds := template.Parse("echo.yml", []byte(benchTemplate))
	if ds.HasErrors() {
		b.Fatal(ds)
	}
	inputs := value.MapOf("a", "x")
	step := func(b *testing.B, opts engine.Options) {
		for b.Loop() {
			res, err := engine.RunTemplate(context.Background(), tpl, inputs, opts)
			if err != nil {
				b.Fatal(err)
			}
			if got, _ := res.Value.(*value.Map).Get("a"); got != "x" {
				b.Fatalf("result %v", res.Value)
			}
		}
	}
	b.Run("step", func(b *testing.B) { step(b, engine.Options{}) })
	off := actionsWith(pyscript.New(pyscript.Config{Sandbox: pyscript.SandboxOff}))
	b.Run("step-sandbox-off", func(b *testing.B) { step(b, engine.Options{Actions: off}) })
}

func actionsWith(a *pyscript.Action) *actions.Registry {
	reg := actions.Default.Clone()
	if err := reg.Replace(a); err != nil {
		panic(err)
	}
	return reg
}
