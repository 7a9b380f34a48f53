package engine

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// StepRequest is one step of a run whose steps run apart from each other,
// in separate processes perhaps: a durable workflow engine decides which
// step runs next and hands each one, with the results of the steps before
// it, to [RunStep].
type StepRequest struct {
	// Template is the template run; nil runs the Go action called Action
	// as the run's only step.
	Template *template.Template
	Action   string
	// Inputs are the run's inputs, validated again by RunStep.
	Inputs *value.Map
	// Results are the results of the steps before Index, in order, as
	// earlier calls of RunStep returned them.
	Results []any
	// Index is the step to run; len(Template.Steps) runs no step, for
	// a template without steps.
	Index int
	// Returns asks for the template's returns, evaluated after the step.
	Returns bool
	// Check, when set, is called with the step's evaluated args (masked)
	// before its action runs; an error from it fails the step unrun. A
	// workflow uses it to refuse to send a request again that is not
	// idempotent.
	Check func(call *StepCall) error
}

// StepCall describes a step about to run, for [StepRequest.Check].
type StepCall struct {
	Ref    string
	Action string
	// Method is the HTTP method of an HTTP action, "" for other actions.
	Method string
	// Retries is the step's `retries:`, nil when it is not set.
	Retries *int
}

// newStepCall describes a step calling action with the given args.
func newStepCall(ref, action string, retries *int, args *value.Map) *StepCall {
	c := &StepCall{Ref: ref, Action: action, Retries: retries}
	if m, ok := args.Get("method"); ok {
		c.Method, _ = m.(string)
		c.Method = strings.ToUpper(c.Method)
	}
	return c
}

// Idempotent reports whether the step may be run again after an attempt
// that may or may not have had its effect (a worker lost mid-step): a
// transform (no side effect), or an HTTP action with an idempotent method
// (GET, HEAD, OPTIONS, PUT, DELETE). POST, PATCH, Python steps, nested
// templates and Go actions of other kinds are not.
func (c *StepCall) Idempotent() bool {
	if strings.HasPrefix(c.Action, "core.transform.") {
		return true
	}
	if !strings.HasPrefix(c.Action, "core.http_") {
		return false
	}
	switch c.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// StepOutcome is what [RunStep] returns: values with every secret, and
// every value derived from one, masked ("***"), since they leave the
// process.
type StepOutcome struct {
	// Result is the step's result (nil when no step ran).
	Result any
	// Returns is the template's returns when asked for.
	Returns any
}

// RunStep runs one step of a template, as the run loop of [Run] would at
// that point: it validates the inputs, loads every secret the template and
// the actions it calls declare (failing with a *MissingSecretsError before
// any step, as a run does; OAuth tokens come fresh from the source, which
// refreshes them), evaluates the step's args with the results of the
// earlier steps and runs it. Errors are those of [Run]; a failed step is a
// *StepError.
//
// The outcome is masked, so that no secret leaves the process in it; a
// later step reading an earlier result that held a secret reads "***".
func RunStep(ctx context.Context, req StepRequest, opts Options) (*StepOutcome, error) {
	e := newEngine(opts)
	if req.Template == nil {
		return e.runActionStep(ctx, req)
	}
	t := req.Template
	if req.Index < 0 || req.Index > len(t.Steps) || len(req.Results) != req.Index {
		return nil, errors.New("step request out of range: the results given do not match the step asked for")
	}
	in, secrets, err := e.prepareTemplate(ctx, t, req.Inputs)
	if err != nil {
		return nil, err
	}
	plan := NewPlan(t, in, secrets.m, e.opts.Vars, e.red)
	for _, r := range req.Results {
		plan.Done(r)
	}
	out := &StepOutcome{}
	if req.Index < len(t.Steps) {
		s := t.Steps[req.Index]
		call, _, err := plan.Next()
		if err != nil {
			return nil, e.stepError(ctx, t, s, err)
		}
		if req.Check != nil {
			if err := req.Check(newStepCall(s.Ref, s.Action, s.Retries, call.Args)); err != nil {
				return nil, e.stepError(ctx, t, s, err)
			}
		}
		result, err := e.runCall(ctx, t, call, secrets, 0)
		if err != nil {
			return nil, err
		}
		out.Result = e.red.Value(result)
		plan.Done(out.Result)
	}
	if req.Returns {
		v, err := plan.Result()
		if err != nil {
			return nil, err
		}
		out.Returns = e.red.Value(v)
	}
	return out, nil
}

// runActionStep runs a Go action as the only step of a run.
func (e *engine) runActionStep(ctx context.Context, req StepRequest) (*StepOutcome, error) {
	a, ok := e.actions.Lookup(req.Action)
	if !ok {
		return nil, &NotFoundError{Name: req.Action}
	}
	spec := a.Spec()
	args, secrets, err := e.prepareAction(ctx, spec, req.Inputs)
	if err != nil {
		return nil, err
	}
	if req.Check != nil {
		if err := req.Check(newStepCall(spec.Name, spec.Name, nil, args)); err != nil {
			return nil, err
		}
	}
	v, err := a.Run(ctx, args, e.actionEnv(secrets, spec.Name, nil))
	if err != nil {
		return nil, e.actionError(ctx, err)
	}
	v = e.red.Value(v)
	return &StepOutcome{Result: v, Returns: v}, nil
}
