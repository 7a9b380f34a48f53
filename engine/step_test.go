package engine

import (
	"errors"
	"testing"

	"github.com/actuatehq/actuate/expr/value"
)

const stepByStep = `definition:
  title: Step by step
  display_group: Test
  namespace: tools.test
  name: steps
  secrets:
    - name: api
      keys: [KEY]
  expects:
    who: {type: str}
  steps:
    - ref: first
      action: test.echo
      args:
        value: {greeting: "hello ${{ inputs.who }}", key: "${{ SECRETS.api.KEY }}"}
    - ref: second
      action: test.echo
      retries: 2
      args:
        value: "${{ steps.first.result.greeting }}, key ${{ steps.first.result.key }}"
  returns: {first: "${{ steps.first.result }}", second: "${{ steps.second.result }}"}
`

// RunStep runs one step given the results before it, masking what it
// returns; the results of the first call feed the second.
func TestRunStep(t *testing.T) {
	t.Parallel()
	reg := loadTemplates(t, map[string]string{"steps.yml": stepByStep})
	tpl, _ := reg.Lookup("tools.test.steps")
	opts := Options{Templates: reg, Actions: testActions(), Secrets: StaticSecrets{"api": {"KEY": "k-secret"}}}
	inputs := value.MapOf("who", "ada")
	var calls []StepCall
	check := func(c *StepCall) error { calls = append(calls, *c); return nil }

	first, err := RunStep(t.Context(), StepRequest{Template: tpl, Inputs: inputs, Index: 0, Check: check}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, first.Result); got != `{"greeting":"hello ada","key":"***"}` || first.Returns != nil {
		t.Errorf("first step: %s, returns %v", got, first.Returns)
	}
	second, err := RunStep(t.Context(), StepRequest{Template: tpl, Inputs: inputs, Results: []any{first.Result}, Index: 1, Returns: true, Check: check}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, second.Returns); got != `{"first":{"greeting":"hello ada","key":"***"},"second":"hello ada, key ***"}` {
		t.Errorf("returns: %s", got)
	}
	if len(calls) != 2 || calls[0].Ref != "first" || calls[0].Retries != nil || calls[1].Ref != "second" || *calls[1].Retries != 2 || calls[1].Idempotent() {
		t.Errorf("checked calls: %+v", calls)
	}

	// Check refuses: the step does not run and fails with the reason.
	_, err = RunStep(t.Context(), StepRequest{Template: tpl, Inputs: inputs, Index: 0,
		Check: func(*StepCall) error { return errors.New("not again") }}, opts)
	var serr *StepError
	if !errors.As(err, &serr) || serr.Ref != "first" || serr.msg != "not again" {
		t.Errorf("refused step: %v", err)
	}
	// Results that do not match the step asked for.
	_, err = RunStep(t.Context(), StepRequest{Template: tpl, Inputs: inputs, Index: 1}, opts)
	if err == nil || err.Error() != "step request out of range: the results given do not match the step asked for" {
		t.Errorf("out of range: %v", err)
	}
	// A request out of range loads no secret: it fails as such even when
	// the secrets are missing.
	_, err = RunStep(t.Context(), StepRequest{Template: tpl, Inputs: inputs, Index: 3, Results: []any{1, 2, 3}}, Options{Templates: reg, Actions: testActions()})
	if err == nil || err.Error() != "step request out of range: the results given do not match the step asked for" {
		t.Errorf("out of range, no secrets: %v", err)
	}
	// A missing secret fails before any step, as a run does.
	_, err = RunStep(t.Context(), StepRequest{Template: tpl, Inputs: inputs, Index: 0}, Options{Templates: reg, Actions: testActions()})
	var missing *MissingSecretsError
	if !errors.As(err, &missing) {
		t.Errorf("missing secret: %v", err)
	}
	// A Go action runs as the only step.
	out, err := RunStep(t.Context(), StepRequest{Action: "test.echo", Inputs: value.MapOf("value", 5)}, Options{Actions: testActions()})
	if err != nil || out.Result != 5 || out.Returns != 5 {
		t.Errorf("Go action: %+v, %v", out, err)
	}
}

func TestStepCallIdempotent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		action, method string
		want           bool
	}{
		{"core.http_request", "GET", true},
		{"core.http_request", "HEAD", true},
		{"core.http_request", "OPTIONS", true},
		{"core.http_request", "PUT", true},
		{"core.http_request", "DELETE", true},
		{"core.http_request", "POST", false},
		{"core.http_request", "PATCH", false},
		{"core.http_poll", "GET", true},
		{"core.transform.reshape", "", true},
		{"core.script.run_python", "", false},
		{"tools.github.list_repos", "GET", false},
	} {
		if got := (&StepCall{Action: tc.action, Method: tc.method}).Idempotent(); got != tc.want {
			t.Errorf("%s %s: idempotent = %v, want %v", tc.action, tc.method, got, tc.want)
		}
	}
}
