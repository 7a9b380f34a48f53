package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"

	"github.com/actuatehq/actuate/engine/history"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// DefaultAddress is the Temporal frontend used when none is given, as
// the Temporal CLI defaults to.
const DefaultAddress = "127.0.0.1:7233"

// Options say how to reach Temporal.
type Options struct {
	// Address is the frontend's HOST:PORT.
	Address string
	// Namespace is the Temporal namespace; "" means "default".
	Namespace string
	// Codec encrypts the payloads; it is required, so that nothing
	// travels in plaintext.
	Codec *Codec
	// Logger receives the SDK's log records; nil discards them.
	Logger *slog.Logger
}

// Dial connects to Temporal, failing within a few seconds with a message
// that says how to start a server when none answers.
func Dial(ctx context.Context, o Options) (client.Client, error) {
	if o.Codec == nil {
		return nil, errors.New("temporal: no payload codec: runs must not travel in plaintext")
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:         o.Address,
		Namespace:        o.Namespace,
		DataConverter:    o.Codec.DataConverter(),
		FailureConverter: o.Codec.FailureConverter(),
		Logger:           sdklog.NewStructuredLogger(logger),
	})
	if err != nil {
		return nil, &UnreachableError{Address: o.Address, Err: err}
	}
	return c, nil
}

// UnreachableError is a Temporal frontend that did not answer.
type UnreachableError struct {
	Address string
	Err     error
}

// Error describes the failure; the text is shown to users.
func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach Temporal at %s: %v; check the address (--temporal or TEMPORAL_ADDRESS), or start a local server with \"temporal server start-dev\"", e.Address, e.Err)
}

// Unwrap returns the cause.
func (e *UnreachableError) Unwrap() error { return e.Err }

// NewRunInput builds the input of a run of action: the template t (nil for
// a Go action) with the templates of reg its steps call, directly or not,
// and the inputs and variable overrides (either may be nil).
func NewRunInput(action string, t *template.Template, reg *template.Registry, inputs, vars *value.Map) (RunInput, error) {
	in := RunInput{Action: action}
	var err error
	if t != nil {
		in.Action = t.ID()
		if in.Templates, err = sources(t, reg); err != nil {
			return RunInput{}, err
		}
	}
	if inputs == nil {
		inputs = value.NewMap(0)
	}
	if in.Inputs, err = value.MarshalJSON(inputs); err != nil {
		return RunInput{}, fmt.Errorf("the inputs have no JSON form: %w", err)
	}
	if vars != nil && vars.Len() > 0 {
		if in.Vars, err = value.MarshalJSON(vars); err != nil {
			return RunInput{}, fmt.Errorf("the variables have no JSON form: %w", err)
		}
	}
	return in, nil
}

// sources returns the sources of t and of every template of reg (may be
// nil) its steps call, directly or not: what a run of t carries.
func sources(t *template.Template, reg *template.Registry) ([]Source, error) {
	var out []Source
	seen := map[string]bool{}
	var walk func(t *template.Template) error
	walk = func(t *template.Template) error {
		if seen[t.ID()] {
			return nil
		}
		seen[t.ID()] = true
		if t.Source() == "" {
			return fmt.Errorf("template %s has no source to send: load it with template.Load or template.Parse", t.ID())
		}
		out = append(out, Source{File: t.File, Text: t.Source()})
		if reg == nil {
			return nil
		}
		for _, s := range t.Steps {
			if child, ok := reg.Lookup(s.Action); ok {
				if err := walk(child); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return out, walk(t)
}

// Start submits a run as the workflow id on task queue. The id must be new.
func Start(ctx context.Context, c client.Client, queue, id string, in RunInput) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                queue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
	}, WorkflowName, in)
	if err != nil {
		return fmt.Errorf("submitting the run to Temporal: %w", err)
	}
	return nil
}

// Wait waits for the run id to end and returns its result (masked JSON),
// or its error: a *RunError for a run that failed, an error wrapping
// context.Canceled for a cancelled one.
func Wait(ctx context.Context, c client.Client, id string) (json.RawMessage, error) {
	var out json.RawMessage
	err := c.GetWorkflow(ctx, id, "").Get(ctx, &out)
	if err != nil {
		return nil, runError(err)
	}
	return out, nil
}

// RunError is a run that failed on the workers.
type RunError struct {
	// Type is one of the Err constants (ErrInput, ErrStep…), or
	// "Terminated" or "TimedOut".
	Type string
	// Message says why, secrets masked.
	Message string
}

// Error returns the message.
func (e *RunError) Error() string { return e.Message }

// Usage reports whether the run failed for a reason that is the caller's
// (bad inputs, a missing secret, no such action, a bad template), which
// the command line reports with exit status 2.
func (e *RunError) Usage() bool {
	switch e.Type {
	case ErrInput, ErrMissingSecrets, ErrNotFound, ErrTemplate:
		return true
	}
	return false
}

// cancelledError is a run cancelled on the workers.
type cancelledError struct{}

func (cancelledError) Error() string { return "run cancelled" }
func (cancelledError) Is(target error) bool {
	return target == context.Canceled
}

// runError turns a workflow's error into a *RunError, a cancellation, or
// (a problem reaching Temporal) itself.
func runError(err error) error {
	var (
		canceled   *temporal.CanceledError
		app        *temporal.ApplicationError
		terminated *temporal.TerminatedError
		timeout    *temporal.TimeoutError
		notFound   *serviceerror.NotFound
	)
	switch {
	case errors.As(err, &canceled):
		return cancelledError{}
	case errors.As(err, &app):
		return &RunError{Type: app.Type(), Message: app.Message()}
	case errors.As(err, &terminated):
		return &RunError{Type: "Terminated", Message: "the run was terminated (temporal workflow terminate)"}
	case errors.As(err, &timeout):
		return &RunError{Type: "TimedOut", Message: "the run timed out: " + timeout.Error()}
	case errors.As(err, &notFound):
		return &NoRunError{}
	}
	return err
}

// NoRunError is a workflow id Temporal does not know.
type NoRunError struct{ ID string }

// Error describes the failure; the text is shown to users.
func (e *NoRunError) Error() string {
	if e.ID == "" {
		return "no such run on Temporal"
	}
	return fmt.Sprintf("no run %s on Temporal (in this namespace)", e.ID)
}

// Status is a run as Temporal knows it.
type Status struct {
	ID     string
	Status history.Status
	// StartedAt and EndedAt bound the run; EndedAt is zero while it
	// runs.
	StartedAt, EndedAt time.Time
	// Result is the run's result, masked JSON, when it succeeded; Err why
	// it failed or was cancelled.
	Result json.RawMessage
	Err    error
}

// Describe returns the status of the run id, with its result or error
// once it has ended.
func Describe(ctx context.Context, c client.Client, id string) (*Status, error) {
	d, err := c.DescribeWorkflow(ctx, id, "")
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return nil, &NoRunError{ID: id}
		}
		return nil, err
	}
	st := &Status{ID: id, StartedAt: d.WorkflowStartTime}
	if d.WorkflowCloseTime != nil {
		st.EndedAt = *d.WorkflowCloseTime
	}
	switch d.Status {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		st.Status = history.Running
		return st, nil
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		st.Status = history.Succeeded
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		st.Status = history.Cancelled
	default:
		st.Status = history.Failed
	}
	st.Result, st.Err = Wait(ctx, c, id)
	return st, nil
}

// Cancel asks Temporal to cancel the run id; the step in flight is
// cancelled and the run ends as cancelled.
func Cancel(ctx context.Context, c client.Client, id string) error {
	if err := c.CancelWorkflow(ctx, id, ""); err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return &NoRunError{ID: id}
		}
		return fmt.Errorf("cancelling run %s: %w", id, err)
	}
	return nil
}

// Inspect reads the history of the run id, decrypting it with codec: the
// input the run was submitted with, and its steps as they went (masked, as
// the workers returned them).
func Inspect(ctx context.Context, c client.Client, codec *Codec, id string) (*RunInput, []history.Step, error) {
	tr := newStepTracker(codec, id)
	if err := tr.read(ctx, c, false, nil); err != nil {
		return nil, nil, err
	}
	if tr.in == nil {
		return nil, nil, &NoRunError{ID: id}
	}
	return tr.in, tr.steps, nil
}

// Watch follows the history of the run id as it grows, until the run
// ends or ctx is done, and calls onStep with each step as it starts and
// as it ends, as [Inspect] would report it then.
func Watch(ctx context.Context, c client.Client, codec *Codec, id string, onStep func(history.Step)) error {
	return newStepTracker(codec, id).read(ctx, c, true, onStep)
}

// stepTracker turns the events of a run's history into its steps.
type stepTracker struct {
	id       string
	dc       converter.DataConverter
	fc       converter.FailureConverter
	in       *RunInput
	steps    []history.Step
	outlined []outlineStep
	// bySchedule maps an activity's scheduled event id to its step;
	// resolving is the scheduled event id of the run's ResolveActivity,
	// 0 for none.
	bySchedule map[int64]int
	resolving  int64
}

func newStepTracker(codec *Codec, id string) *stepTracker {
	return &stepTracker{id: id, dc: codec.DataConverter(), fc: codec.FailureConverter(), bySchedule: map[int64]int{}}
}

// read reads the history, waiting for new events when follow is set,
// and calls onStep (when not nil) with each step that changed.
func (tr *stepTracker) read(ctx context.Context, c client.Client, follow bool, onStep func(history.Step)) error {
	it := c.GetWorkflowHistory(ctx, tr.id, "", follow, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return runError(err)
		}
		i, err := tr.apply(ev)
		if err != nil {
			return err
		}
		if i >= 0 && onStep != nil {
			onStep(tr.steps[i])
		}
	}
	return nil
}

// apply takes one event into account and returns the index of the step
// it changed, or -1.
func (tr *stepTracker) apply(ev *historypb.HistoryEvent) (int, error) {
	dc := tr.dc
	at := ev.GetEventTime().AsTime()
	step := func(scheduled int64) int {
		if i, ok := tr.bySchedule[scheduled]; ok {
			return i
		}
		return -1 // not ours
	}
	switch ev.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
		tr.in = &RunInput{}
		if err := dc.FromPayloads(ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), tr.in); err != nil {
			return -1, fmt.Errorf("run %s: reading its input: %w", tr.id, err)
		}
		tr.outlined, _, _ = outline(*tr.in)
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
		if ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == ResolveActivity {
			tr.resolving = ev.GetEventId()
			return -1, nil
		}
		// Past the lookup of a template the run does not carry, the
		// workflow schedules one activity per step of its outline, in
		// order, each once (a retry is another attempt of the same
		// scheduled activity, with no event of its own; in runs started
		// before resolveChange, a template the worker holds is one step
		// of the outline): the nth step activity scheduled is step n,
		// and its input, which holds every template and earlier result,
		// need not be decrypted.
		idx := len(tr.steps)
		s := history.Step{RunID: tr.id, Position: idx + 1, Status: history.Running, StartedAt: at}
		if idx < len(tr.outlined) && tr.in != nil {
			s.Ref, s.Action, s.Template = tr.outlined[idx].Ref, tr.outlined[idx].Action, tr.in.Action
		}
		tr.bySchedule[ev.GetEventId()] = len(tr.steps)
		tr.steps = append(tr.steps, s)
		return len(tr.steps) - 1, nil
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
		a := ev.GetActivityTaskCompletedEventAttributes()
		if a.GetScheduledEventId() == tr.resolving && tr.in != nil {
			// The worker's templates: the steps to come are theirs.
			var r Resolved
			if err := dc.FromPayloads(a.GetResult(), &r); err != nil {
				return -1, fmt.Errorf("run %s: reading the templates a worker found for it: %w", tr.id, err)
			}
			tr.in.Templates = append(tr.in.Templates, r.Templates...)
			tr.outlined, _, _ = outline(*tr.in)
			return -1, nil
		}
		i := step(a.GetScheduledEventId())
		if i < 0 {
			return -1, nil
		}
		s := &tr.steps[i]
		s.Status, s.EndedAt = history.Succeeded, at
		var out StepOutput
		if dc.FromPayloads(a.GetResult(), &out) == nil {
			s.HTTPStatus = httpStatus(out.Result)
		}
		return i, nil
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED:
		a := ev.GetActivityTaskFailedEventAttributes()
		i := step(a.GetScheduledEventId())
		if i < 0 {
			return -1, nil
		}
		s := &tr.steps[i]
		s.Status, s.EndedAt, s.Error = history.Failed, at, tr.failure(i, a.GetFailure())
		return i, nil
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
		a := ev.GetActivityTaskTimedOutEventAttributes()
		i := step(a.GetScheduledEventId())
		if i >= 0 {
			s := &tr.steps[i]
			s.Status, s.EndedAt, s.Error = history.Failed, at, tr.failure(i, a.GetFailure())
		}
		return i, nil
	case enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
		i := step(ev.GetActivityTaskCanceledEventAttributes().GetScheduledEventId())
		if i >= 0 {
			s := &tr.steps[i]
			s.Status, s.EndedAt = history.Cancelled, at
		}
		return i, nil
	}
	return -1, nil
}

// failure returns the message of step i's activity that failed or timed
// out with f: the run's own words for it (see stepFailure).
func (tr *stepTracker) failure(i int, f *failurepb.Failure) string {
	runTimeout := DefaultStepTimeout
	if tr.in != nil {
		runTimeout = tr.in.stepTimeout()
	}
	err := stepFailure(tr.outlined, i, stepLimit(runTimeout, tr.outlined, i), tr.fc.FailureToError(f))
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

// httpStatus returns the status_code of an HTTP step's result, or 0.
func httpStatus(result json.RawMessage) int {
	var r struct {
		StatusCode int `json:"status_code"`
	}
	if json.Unmarshal(result, &r) != nil {
		return 0
	}
	return r.StatusCode
}
