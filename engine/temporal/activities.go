package temporal

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// Activities runs the steps of runs on a worker. Its fields are the
// worker's own: its templates, its secrets (its store) and its variables.
// An Activities is safe for concurrent use once set up.
type Activities struct {
	// Templates are the worker's templates (--registry), for runs that
	// name a template they do not carry; may be nil.
	Templates *template.Registry
	// Actions resolves Go actions; nil means [actions.Default].
	Actions *actions.Registry
	// Secrets is the worker's secret source, its store; nil means none.
	Secrets engine.SecretSource
	// Vars returns the worker's variables, read before each step; nil
	// means none.
	Vars func(ctx context.Context) (*value.Map, error)
	// Transport sends HTTP requests; nil means [engine.DefaultTransport].
	Transport http.RoundTripper
	// Logger receives the steps' log records, secrets masked; nil
	// discards them.
	Logger *slog.Logger
	// Events receives the steps' progress, secrets masked; may be nil.
	Events func(engine.Event)

	mu    sync.Mutex
	cache map[string]*template.Registry // hash of a run's sources → its templates
}

// maxCachedRegistries bounds [Activities]' cache of parsed templates: a
// long-lived worker sees a new set of sources at each edit of a template.
const maxCachedRegistries = 256

// Step runs one step of a run: the [StepActivity] activity.
func (a *Activities) Step(ctx context.Context, in StepInput) (*StepOutput, error) {
	info := activity.GetInfo(ctx)
	stop := heartbeat(ctx)
	defer stop()

	reg, err := a.registry(in.Run.Templates)
	if err != nil {
		return nil, failure(err)
	}
	inputs, err := parseObject(in.Run.Inputs, "inputs")
	if err != nil {
		return nil, failure(err)
	}
	vars := value.NewMap(0)
	if a.Vars != nil {
		if vars, err = a.Vars(ctx); err != nil {
			return nil, failure(fmt.Errorf("reading the worker's variables: %w", err))
		}
	}
	if len(in.Run.Vars) > 0 {
		over, err := parseObject(in.Run.Vars, "vars")
		if err != nil {
			return nil, failure(err)
		}
		// A copy: the map a.Vars returned may be the worker's own,
		// shared by the steps running at the same time.
		vars = vars.Clone()
		over.Range(func(k string, v any) bool { vars.Set(k, v); return true })
	}
	results := make([]any, len(in.Results))
	for i, r := range in.Results {
		if results[i], err = value.ParseJSON(r); err != nil {
			return nil, failure(fmt.Errorf("the result of step %d is not JSON: %w", i+1, err))
		}
	}
	req := engine.StepRequest{Action: in.Run.Action, Inputs: inputs, Results: results, Index: in.Index, Returns: in.Returns}
	if t, ok := reg.Lookup(in.Run.Action); ok {
		req.Template = t
	}
	// A template the run does not carry, which this worker holds: a run
	// started before resolveChange, whose workflow saw no template of
	// that name and scheduled the run as one step, so this activity runs
	// all of its steps. Later runs carry what Resolve found.
	whole := req.Template != nil && a.holds(req.Template)
	attempt := info.Attempt
	req.Check = func(c *engine.StepCall) error {
		if attempt <= 1 {
			return nil
		}
		if c.Retries != nil && int(attempt)-1 <= *c.Retries {
			return nil
		}
		if c.Retries == nil && c.Idempotent() {
			return nil
		}
		return &notRetriedError{call: c, attempt: int(attempt)}
	}
	// The step's limit is the one the workflow decided (see stepLimit):
	// it scheduled this activity with that plus stepGrace as its
	// start-to-close timeout. A template the worker holds runs as one
	// step, whose limit is the run's step timeout.
	timeout := info.StartToCloseTimeout - stepGrace
	if timeout <= 0 { // scheduled by something other than Workflow
		timeout = in.Run.stepTimeout()
	}
	sctx, cancel := context.WithTimeoutCause(ctx, timeout, &stepTimeoutError{d: timeout, run: in.Run.stepTimeout()})
	defer cancel()
	opts := engine.Options{
		Templates: reg,
		Actions:   a.Actions,
		Secrets:   a.Secrets,
		Vars:      vars,
		Transport: a.Transport,
		Logger:    a.Logger,
		Events:    a.Events,
	}
	var out *engine.StepOutcome
	if whole {
		out, err = runSteps(sctx, req, opts)
	} else {
		out, err = engine.RunStep(sctx, req, opts)
	}
	if err != nil {
		if ctx.Err() != nil {
			// Cancelled: Temporal reports the cancellation itself.
			return nil, ctx.Err()
		}
		return nil, failure(err)
	}
	res := &StepOutput{}
	if res.Result, err = marshal(out.Result); err != nil {
		return nil, failure(err)
	}
	if in.Returns {
		if res.Returns, err = marshal(out.Returns); err != nil {
			return nil, failure(err)
		}
	}
	return res, nil
}

// Resolve looks up action among the worker's templates and Go actions:
// the [ResolveActivity] activity. It returns the sources of the template
// of that name and of every template it calls, none for a Go action, and
// fails with an [ErrNotFound] error when the worker knows neither.
func (a *Activities) Resolve(_ context.Context, action string) (*Resolved, error) {
	if a.Templates != nil {
		if t, ok := a.Templates.Lookup(action); ok {
			srcs, err := sources(t, a.Templates)
			if err != nil {
				return nil, failure(err)
			}
			return &Resolved{Templates: srcs}, nil
		}
	}
	reg := a.Actions
	if reg == nil {
		reg = actions.Default
	}
	if _, ok := reg.Lookup(action); ok {
		return &Resolved{}, nil
	}
	return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("no action named %q: it is not a registered action, and no template the run carries or the workers hold defines it (add its folder with --registry, here or on the workers, or give the template's file path)", action), ErrNotFound, nil)
}

// holds reports whether t is one of the worker's own templates, not one a
// run carries: those are parsed afresh, so never the same value.
func (a *Activities) holds(t *template.Template) bool {
	if a.Templates == nil {
		return false
	}
	own, ok := a.Templates.Lookup(t.ID())
	return ok && own == t
}

// runSteps runs every step of req.Template in order, each as the workflow
// would have it run (masked results feeding the next step, req.Check
// before each), and returns the template's returns as the result too, as
// for a Go action run as the only step.
func runSteps(ctx context.Context, req engine.StepRequest, opts engine.Options) (*engine.StepOutcome, error) {
	n := max(len(req.Template.Steps), 1) // a template without steps still evaluates returns
	req.Results = make([]any, 0, n)
	var out *engine.StepOutcome
	for i := range n {
		req.Index, req.Returns = i, i == n-1
		var err error
		if out, err = engine.RunStep(ctx, req, opts); err != nil {
			return nil, err
		}
		req.Results = append(req.Results, out.Result)
	}
	out.Result = out.Returns
	return out, nil
}

// heartbeat records a heartbeat every second from one second on, so that
// a lost worker is noticed and a cancellation reaches the step; steps
// quicker than that send none. The returned func stops it.
func heartbeat(ctx context.Context) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// registry returns the templates of a run: those it carries, then the
// worker's for any name they do not define. Parsed templates are kept,
// keyed by the hash of the sources, up to [maxCachedRegistries] sets.
func (a *Activities) registry(srcs []Source) (*template.Registry, error) {
	h := sha256.New()
	for _, s := range srcs {
		fmt.Fprintf(h, "%d:%s%d:%s", len(s.File), s.File, len(s.Text), s.Text)
	}
	key := string(h.Sum(nil))
	a.mu.Lock()
	r, ok := a.cache[key]
	a.mu.Unlock()
	if ok {
		return r, nil
	}
	reg, err := parseSources(srcs)
	if err != nil {
		return nil, err
	}
	if a.Templates != nil {
		for _, t := range a.Templates.Templates() {
			if _, ok := reg.Lookup(t.ID()); !ok {
				_ = reg.Add(t) // cannot fail: the name is free
			}
		}
	}
	a.mu.Lock()
	if a.cache == nil || len(a.cache) >= maxCachedRegistries {
		a.cache = make(map[string]*template.Registry)
	}
	a.cache[key] = reg
	a.mu.Unlock()
	return reg, nil
}

func parseObject(data json.RawMessage, what string) (*value.Map, error) {
	if len(data) == 0 {
		return value.NewMap(0), nil
	}
	v, err := value.ParseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("the run's %s are not JSON: %w", what, err)
	}
	m, ok := v.(*value.Map)
	if !ok {
		return nil, fmt.Errorf("the run's %s are not a JSON object", what)
	}
	return m, nil
}

// marshal returns v as JSON; a value with no JSON form becomes its text.
func marshal(v any) (json.RawMessage, error) {
	b, err := value.MarshalJSON(v)
	if err != nil {
		if b, err = value.MarshalJSON(value.Str(v)); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// notRetriedError refuses to run a step again after a lost attempt.
type notRetriedError struct {
	call    *engine.StepCall
	attempt int
}

func (e *notRetriedError) Error() string {
	what := e.call.Action
	if e.call.Method != "" {
		what = e.call.Method + " (" + e.call.Action + ")"
	}
	if e.call.Retries != nil {
		return fmt.Sprintf("its worker was lost during attempt %d and the step's retries: %d are used up", e.attempt-1, *e.call.Retries)
	}
	return fmt.Sprintf("its worker was lost during attempt %d, which may have had its effect, and %s is not run again: it is not idempotent; set retries: N on the step to allow it", e.attempt-1, what)
}

// stepTimeoutError is the cause of a step's deadline: d, the step's
// limit; run, the run's step timeout.
type stepTimeoutError struct{ d, run time.Duration }

func (e *stepTimeoutError) Error() string {
	if e.d > e.run {
		// Only a Python step's timeout_seconds makes a step's limit
		// longer than the run's (see ownTimeout).
		return fmt.Sprintf("the step timed out after %s (its timeout_seconds, plus %s)", e.d, ownGrace)
	}
	return fmt.Sprintf("the step timed out after %s (the run's step timeout)", e.d)
}

// failure turns an error of a step into a non-retryable application error
// whose type tells its kind: a failed step is not run again by Temporal
// (its action retried what it may), and the client maps the type to an
// exit code.
func failure(err error) error {
	return temporal.NewNonRetryableApplicationError(err.Error(), errorType(err), nil)
}

// errorType names the kind of err, one of the Err constants.
func errorType(err error) string {
	var (
		input    *template.InputError
		missing  *engine.MissingSecretsError
		notFound *engine.NotFoundError
		diags    template.Diagnostics
		tplErr   *templateError
		notRetry *notRetriedError
	)
	switch {
	case errors.As(err, &notRetry):
		return ErrNotRetried
	case errors.As(err, &input):
		return ErrInput
	case errors.As(err, &missing):
		return ErrMissingSecrets
	case errors.As(err, &notFound):
		return ErrNotFound
	case errors.As(err, &diags), errors.As(err, &tplErr):
		return ErrTemplate
	}
	return ErrStep
}
