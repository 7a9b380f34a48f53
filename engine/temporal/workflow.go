package temporal

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/actuatehq/actuate/actions/pyscript"
	"github.com/actuatehq/actuate/template"
)

// Names under which workers register the workflow and the activities.
const (
	WorkflowName = "actuate.run"
	StepActivity = "actuate.step"
	// ResolveActivity looks up, on a worker, the action a run names
	// when the run does not carry its template (see [Activities.Resolve]).
	ResolveActivity = "actuate.resolve"
)

// resolveChange is the workflow change that looks up the templates a run
// does not carry on a worker and runs their steps one activity each.
// Runs started before it ran such a template as one activity, and still
// do when replayed.
const resolveChange = "resolve-worker-templates"

// DefaultTaskQueue is the task queue workers poll and clients submit to
// when none is given.
const DefaultTaskQueue = "actuate"

// DefaultStepTimeout bounds one step when the run does not say.
const DefaultStepTimeout = 10 * time.Minute

// HeartbeatTimeout is how long a step's activity may go without a
// heartbeat before Temporal considers its worker lost.
const HeartbeatTimeout = 10 * time.Second

// defaultStepAttempts is how many times a step that may be run again
// (see [engine.StepCall.Idempotent]) is attempted when its worker is lost:
// once and 3 retries, as an idempotent HTTP request is retried locally.
const defaultStepAttempts = 4

// Source is a template file's text.
type Source struct {
	File string `json:"file"`
	Text string `json:"text"`
}

// RunInput is a run submitted to the workers: the workflow's input.
type RunInput struct {
	// Action is the action run: a template's action name, or a Go
	// action's name when Templates holds no template of that name.
	Action string `json:"action"`
	// Templates are the template run and every template its steps call,
	// directly or not. When they hold no template named Action, the
	// workflow asks a worker for its own (its --registry) and carries
	// those on; templates the workers hold also fill in for any other
	// name missing.
	Templates []Source `json:"templates,omitempty"`
	// Inputs is the run's inputs, a JSON object.
	Inputs json.RawMessage `json:"inputs"`
	// Vars, a JSON object name → key → value, replaces the workers'
	// variables of the same name for this run.
	Vars json.RawMessage `json:"vars,omitempty"`
	// StepTimeout bounds each step; 0 means [DefaultStepTimeout].
	StepTimeout time.Duration `json:"step_timeout,omitempty"`
}

// stepTimeout returns the run's step timeout, [DefaultStepTimeout] when it
// sets none.
func (in *RunInput) stepTimeout() time.Duration {
	if in.StepTimeout <= 0 {
		return DefaultStepTimeout
	}
	return in.StepTimeout
}

// StepInput is the input of the step activity.
type StepInput struct {
	Run RunInput `json:"run"`
	// Index is the step to run; Results the results of the steps before
	// it, as JSON.
	Index   int               `json:"index"`
	Results []json.RawMessage `json:"results"`
	// Returns asks for the template's returns after the step.
	Returns bool `json:"returns,omitempty"`
}

// Resolved is what a worker holds under an action's name: the sources of
// its template and of every template that one calls, or none for a Go
// action. It is the [ResolveActivity]'s result.
type Resolved struct {
	Templates []Source `json:"templates,omitempty"`
}

// StepOutput is the step activity's result, masked.
type StepOutput struct {
	Result  json.RawMessage `json:"result"`
	Returns json.RawMessage `json:"returns,omitempty"`
}

// The types of the application errors runs fail with, which the client
// maps back to exit codes.
const (
	// ErrInput: the inputs do not match the template's declarations.
	ErrInput = "InputError"
	// ErrMissingSecrets: required secrets are not in the workers' store.
	ErrMissingSecrets = "MissingSecretsError"
	// ErrNotFound: no template or action of that name.
	ErrNotFound = "NotFoundError"
	// ErrTemplate: a template that does not load.
	ErrTemplate = "TemplateError"
	// ErrStep: a step failed.
	ErrStep = "StepError"
	// ErrNotRetried: a step's attempt was lost with its worker and the
	// step is not safe to run again.
	ErrNotRetried = "NotRetriedError"
)

// Workflow runs one template (or Go action) with its steps as activities.
// It returns the run's result, masked, as JSON.
func Workflow(ctx workflow.Context, in RunInput) (json.RawMessage, error) {
	steps, found, err := outline(in)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), errorType(err), nil)
	}
	if !found && workflow.GetVersion(ctx, resolveChange, workflow.DefaultVersion, 1) == 1 {
		carried := len(in.Templates)
		if in, err = resolve(ctx, in); err != nil {
			return nil, err
		}
		if len(in.Templates) > carried { // a template, not a Go action
			if steps, _, err = outline(in); err != nil {
				return nil, temporal.NewNonRetryableApplicationError(err.Error(), errorType(err), nil)
			}
		}
	}
	runTimeout := in.stepTimeout()
	results := make([]json.RawMessage, 0, len(steps))
	n := max(len(steps), 1) // a template without steps still evaluates returns
	var out StepOutput
	for i := range n {
		attempts := int32(defaultStepAttempts)
		if i < len(steps) && steps[i].Retries != nil {
			attempts = int32(max(*steps[i].Retries, 0)) + 1
		}
		timeout := stepLimit(runTimeout, steps, i)
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: timeout + stepGrace,
			HeartbeatTimeout:    HeartbeatTimeout,
			WaitForCancellation: true,
			RetryPolicy: &temporal.RetryPolicy{
				InitialInterval:    time.Second,
				BackoffCoefficient: 2,
				MaximumInterval:    10 * time.Second,
				MaximumAttempts:    attempts,
			},
		})
		out = StepOutput{}
		err := workflow.ExecuteActivity(actx, StepActivity, StepInput{Run: in, Index: i, Results: results, Returns: i == n-1}).Get(ctx, &out)
		if err != nil {
			return nil, stepFailure(steps, i, timeout, err)
		}
		results = append(results, out.Result)
	}
	return out.Returns, nil
}

// resolve returns in carrying the worker's templates for in.Action, as a
// worker's [ResolveActivity] finds them; in as it is for a Go action.
// Recorded in the history, they are what every step of the run runs,
// whichever worker runs it.
func resolve(ctx workflow.Context, in RunInput) (RunInput, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: resolveTimeout,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    10 * time.Second,
			MaximumAttempts:    defaultStepAttempts,
		},
	})
	var r Resolved
	err := workflow.ExecuteActivity(actx, ResolveActivity, in.Action).Get(ctx, &r)
	if err != nil {
		var canceled *temporal.CanceledError
		var app *temporal.ApplicationError
		switch {
		case errors.As(err, &canceled):
			return in, err
		case errors.As(err, &app) && app.NonRetryable():
			return in, temporal.NewNonRetryableApplicationError(app.Message(), app.Type(), nil)
		}
		return in, temporal.NewNonRetryableApplicationError(fmt.Sprintf("looking %s up on the workers failed: %v", in.Action, err), ErrStep, nil)
	}
	in.Templates = append(slices.Clip(in.Templates), r.Templates...)
	return in, nil
}

// resolveTimeout bounds a worker's lookup of an action: reading its
// templates, which it has loaded already.
const resolveTimeout = time.Minute

// outlineStep is what the workflow needs of a step.
type outlineStep struct {
	Ref, Action string
	Retries     *int
	// Timeout is the step's own time limit, when it sets one longer
	// than a run's step timeout may be (a Python step's
	// timeout_seconds); 0 otherwise.
	Timeout time.Duration
}

// ownTimeout returns the time a step may take by its own limit: a Python
// step's timeout_seconds (its default when not given; 0 when it is an
// expression, known only when the step runs), plus ownGrace so that the
// step's own timeout, and its clearer error, comes first.
func ownTimeout(s *template.Step) time.Duration {
	if s.Action != pyscript.Name {
		return 0
	}
	n, ok := s.Args.Get("timeout_seconds")
	if !ok {
		return pyscript.DefaultTimeout + ownGrace
	}
	if n.Text != nil {
		return 0
	}
	return pythonTimeout(n.Value)
}

// actionTimeout is [ownTimeout] for a Go action run directly, whose args
// are the run's inputs: a Python action's timeout_seconds.
func actionTimeout(in RunInput) time.Duration {
	if in.Action != pyscript.Name {
		return 0
	}
	args, err := parseObject(in.Inputs, "inputs")
	if err != nil {
		return 0 // the step fails on them
	}
	v, ok := args.Get("timeout_seconds")
	if !ok {
		return pyscript.DefaultTimeout + ownGrace
	}
	return pythonTimeout(v)
}

// pythonTimeout returns the time a Python step whose timeout_seconds is v
// may take, plus ownGrace; 0 when v is not a positive whole number the
// step takes (at most pyscript.MaxTimeout).
func pythonTimeout(v any) time.Duration {
	if secs, isInt := v.(int); isInt && secs > 0 && secs <= int(pyscript.MaxTimeout/time.Second) {
		return time.Duration(secs)*time.Second + ownGrace
	}
	return 0
}

// stepLimit returns the time step i of steps may take, run being the
// run's step timeout: run, or the step's own limit when longer. The
// workflow gives the step's activity this plus [stepGrace] as its
// start-to-close timeout, from which the activity takes its limit back;
// [stepTracker] words a timed-out step with it, as the workflow does.
func stepLimit(run time.Duration, steps []outlineStep, i int) time.Duration {
	if i < len(steps) {
		return max(run, steps[i].Timeout)
	}
	return run
}

// ownGrace is how much longer than its own limit a step's activity may run.
const ownGrace = 5 * time.Second

// outline returns the steps of the run: its template's, found set, or
// (when it carries no template of that name) the action as the only
// step: a Go action, or, in runs started before [resolveChange], a
// template the workers hold, whose activity runs all its steps.
func outline(in RunInput) (steps []outlineStep, found bool, err error) {
	reg, err := parseSources(in.Templates)
	if err != nil {
		return nil, false, err
	}
	t, ok := reg.Lookup(in.Action)
	if !ok {
		return []outlineStep{{Ref: in.Action, Action: in.Action, Timeout: actionTimeout(in)}}, false, nil
	}
	steps = make([]outlineStep, len(t.Steps))
	for i, s := range t.Steps {
		steps[i] = outlineStep{Ref: s.Ref, Action: s.Action, Retries: s.Retries, Timeout: ownTimeout(s)}
	}
	return steps, true, nil
}

// parseSources parses templates from their text; deterministic, so the
// workflow may call it.
func parseSources(srcs []Source) (*template.Registry, error) {
	reg := template.NewRegistry()
	for _, s := range srcs {
		t, ds := template.Parse(s.File, []byte(s.Text))
		if err := ds.Err(); err != nil {
			return nil, &templateError{err}
		}
		if err := reg.Add(t); err != nil {
			return nil, &templateError{err}
		}
	}
	return reg, nil
}

type templateError struct{ err error }

func (e *templateError) Error() string { return e.err.Error() }
func (e *templateError) Unwrap() error { return e.err }

// stepFailure is the workflow's error for step i's activity error: the
// activity's own application error as it is (its type tells the client
// the exit code), a timeout or a cancellation in words.
func stepFailure(steps []outlineStep, i int, timeout time.Duration, err error) error {
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return err
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.NonRetryable() {
		return temporal.NewNonRetryableApplicationError(app.Message(), app.Type(), nil)
	}
	name := "step"
	if i < len(steps) {
		name = fmt.Sprintf("step %q (%s)", steps[i].Ref, steps[i].Action)
	}
	if app != nil {
		// A retryable error, out of attempts.
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s failed: %s", name, app.Message()), ErrStep, nil)
	}
	var to *temporal.TimeoutError
	if errors.As(err, &to) {
		switch to.TimeoutType().String() {
		case "StartToClose":
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s timed out after %s", name, timeout), ErrStep, nil)
		case "Heartbeat":
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s lost its worker (no heartbeat for %s) and no attempt was left", name, HeartbeatTimeout), ErrStep, nil)
		}
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s failed: %v", name, err), ErrStep, nil)
}

// stepGrace is how long past the step timeout Temporal waits before it
// times a step's attempt out itself: the activity enforces the step
// timeout, and says so; Temporal's timeout is the backstop for a worker
// that hangs.
const stepGrace = 30 * time.Second
