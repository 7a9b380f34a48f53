// Package engine runs actions: a template's steps in order, or a Go action.
//
// [Run] resolves the action (a name in the template or action registry, or
// a template file), validates the inputs against its declarations, loads
// the secrets it and the actions it calls declare (failing before the first
// step, with every missing secret listed), then runs the steps one after
// the other: before each step it asks the secret source for fresh OAuth
// tokens, evaluates the step's args, validates them against the called
// action's spec and calls it. A step calling another template runs it with
// its own inputs and steps, sharing SECRETS and VARS. The value of
// `returns` is the result.
//
// Every secret value, and every value an expression derives from SECRETS,
// is masked ("***") in events, logs and errors; [Result.Redacted] gives the
// result masked the same way.
//
// Deciding what runs next ([Plan]) is kept apart from running a step, so
// that a durable workflow engine can drive the same loop.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// Options configure a run. The zero value runs with the built-in actions,
// no templates besides the one given, no secrets and no variables.
type Options struct {
	// Templates resolves template actions by name, for the action run and
	// the templates its steps call.
	Templates *template.Registry
	// Actions resolves Go actions; nil means [actions.Default].
	Actions *actions.Registry
	// Secrets supplies secret values; nil means none.
	Secrets SecretSource
	// Vars is the VARS context: variable name → *value.Map of values.
	Vars *value.Map
	// Transport sends HTTP requests; nil means a shared transport that
	// honours the proxy environment variables.
	Transport http.RoundTripper
	// Logger receives log records, with secrets masked; nil discards them.
	Logger *slog.Logger
	// Events receives progress events, with secrets masked; may be nil.
	// It is called from the goroutine running the step.
	Events func(Event)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// DryRun sends nothing: HTTP steps report the request they would send
	// (as a DryRunRequest event) and return a placeholder response.
	DryRun bool
	// MaxDepth bounds how deep templates may call templates; 0 means 10.
	MaxDepth int
	// Recorder, when set, records the run and its steps (run history),
	// with every value and text masked. A run is recorded once it starts:
	// after its inputs are validated and its secrets loaded, so a run
	// refused for bad inputs or missing secrets leaves no record. A
	// Recorder error does not fail the run; it is logged as a warning.
	Recorder Recorder
	// RunID is the run's id in the Recorder; empty means a new one from
	// [NewRunID]. It is unused without a Recorder.
	RunID string
	// Redactor, when set, is the redactor the run adds its secrets and
	// derived values to, so that the caller can mask with it while the
	// run goes on (a cassette recorder, see [ObserveSecrets]); nil means
	// a new one.
	Redactor *Redactor
}

// Result is the outcome of a successful run.
type Result struct {
	// Value is the action's result, unmasked.
	Value any
	// Redactor masks the secrets of the run.
	Redactor *Redactor
	// RunID is the run's id in the history, or "" when the run had no
	// [Options.Recorder].
	RunID string
}

// Redacted returns the result with every secret form masked.
func (r *Result) Redacted() any { return r.Redactor.Value(r.Value) }

// engine holds what one run needs.
type engine struct {
	opts      Options
	actions   *actions.Registry
	templates *template.Registry
	red       *Redactor
	logger    *slog.Logger
	handler   redactingHandler // behind logger
	now       func() time.Time
	state     sync.Map // RunState of the actions
	redactor  Redactor // red points here
	runID     string
	recording *recording // nil without a Recorder
	// secrets and result hold the run's secret set and result, in the
	// engine's allocation.
	secrets secretSet
	result  Result
	// env is the Env of the action running: a run's actions run one at a
	// time and keep no Env after they return (see actions.Action).
	env actions.Env
	// step is the step running, whose argument places sourceFn tells;
	// dryRunFn reports its dry-run requests (nil unless a dry run).
	step     runningStep
	sourceFn func(arg string, offset int) (string, template.Pos, bool)
	dryRunFn func(actions.Request)
}

func newEngine(opts Options) *engine {
	e := &engine{opts: opts, actions: opts.Actions, templates: opts.Templates, now: opts.Now}
	e.red = &e.redactor
	if opts.Redactor != nil {
		e.red = opts.Redactor
	}
	if e.actions == nil {
		e.actions = actions.Default
	}
	if e.templates == nil {
		e.templates = noTemplates
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.opts.Secrets == nil {
		e.opts.Secrets = noSecrets{}
	}
	if e.opts.Transport == nil {
		e.opts.Transport = DefaultTransport()
	}
	if e.opts.MaxDepth == 0 {
		e.opts.MaxDepth = 10
	}
	if opts.Recorder != nil {
		e.runID = opts.RunID
		if e.runID == "" {
			e.runID = NewRunID(e.now())
		}
	}
	e.sourceFn = e.step.source
	if opts.DryRun {
		e.dryRunFn = func(req actions.Request) {
			e.emit(Event{Kind: DryRunRequest, Step: e.env.Step, Request: e.redactRequest(req)})
		}
	}
	e.logger = discardLogger
	if opts.Logger != nil {
		e.handler = redactingHandler{inner: opts.Logger.Handler(), r: e.red}
		e.logger = slog.New(&e.handler)
	}
	return e
}

// discardLogger is the logger of runs given none: there is nothing to
// mask in what it drops.
var discardLogger = slog.New(slog.DiscardHandler)

// noTemplates is the registry of runs given none; nothing adds to it.
var noTemplates = template.NewRegistry()

func (e *engine) lookupTemplate(name string) (*template.Template, bool) {
	return e.templates.Lookup(name)
}

// Run runs the action called action with the given inputs. action is the
// name of a template in opts.Templates or of a Go action, or the path of a
// template file (ending in .yml or .yaml). Errors are *template.InputError
// for bad inputs, *MissingSecretsError for missing secrets, *StepError for a
// failed step, *template.Diagnostics for a template that does not load, and
// *NotFoundError for an unknown action.
func Run(ctx context.Context, action string, inputs *value.Map, opts Options) (*Result, error) {
	if isTemplatePath(action) {
		t, ds := template.Load(action)
		if err := ds.Err(); err != nil {
			return nil, err
		}
		return RunTemplate(ctx, t, inputs, opts)
	}
	e := newEngine(opts)
	if t, ok := e.lookupTemplate(action); ok {
		return e.runTop(ctx, t, inputs)
	}
	if a, ok := e.actions.Lookup(action); ok {
		return e.runAction(ctx, a, inputs)
	}
	return nil, &NotFoundError{Name: action}
}

// RunTemplate runs t, a template loaded by the caller, with the given inputs.
func RunTemplate(ctx context.Context, t *template.Template, inputs *value.Map, opts Options) (*Result, error) {
	return newEngine(opts).runTop(ctx, t, inputs)
}

func isTemplatePath(s string) bool {
	ext := filepath.Ext(s)
	return ext == ".yml" || ext == ".yaml" || strings.ContainsRune(s, filepath.Separator)
}

// NotFoundError is returned for an action name that is neither a loaded
// template nor a registered action.
type NotFoundError struct{ Name string }

// Error describes the failure; the text is shown to users.
func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no action named %q: it is not a registered action, and no loaded template defines it (add its folder with --registry, or give the template's file path)", e.Name)
}

// runTop runs a template as the top-level action.
func (e *engine) runTop(ctx context.Context, t *template.Template, inputs *value.Map) (*Result, error) {
	in, secrets, err := e.prepareTemplate(ctx, t, inputs)
	if err != nil {
		return nil, err
	}
	rec := e.startRecording(ctx, t.ID(), t.File, in)
	v, err := e.runTemplate(ctx, t, in, secrets, 0)
	rec.finish(v, err)
	if err != nil {
		return nil, err
	}
	e.result = Result{Value: v, Redactor: e.red, RunID: e.runID}
	return &e.result, nil
}

// runAction runs a Go action as the top-level action.
func (e *engine) runAction(ctx context.Context, a actions.Action, inputs *value.Map) (*Result, error) {
	spec := a.Spec()
	args, secrets, err := e.prepareAction(ctx, spec, inputs)
	if err != nil {
		return nil, err
	}
	rec := e.startRecording(ctx, spec.Name, "", args)
	v, err := a.Run(ctx, args, e.actionEnv(secrets, spec.Name, nil))
	if err != nil {
		err = e.actionError(ctx, err)
	}
	rec.finish(v, err)
	if err != nil {
		return nil, err
	}
	e.result = Result{Value: v, Redactor: e.red, RunID: e.runID}
	return &e.result, nil
}

// prepareTemplate validates the inputs of a run of t and loads the
// secrets it and the actions it calls declare.
func (e *engine) prepareTemplate(ctx context.Context, t *template.Template, inputs *value.Map) (*value.Map, *secretSet, error) {
	in, err := t.ValidateInputs(inputs)
	if err != nil {
		return nil, nil, err
	}
	var decls [8]*template.Secret
	declared, aliases := e.appendDeclarations(decls[:0], t)
	secrets, err := e.loadSecrets(ctx, t.ID(), declared, aliases)
	if err != nil {
		return nil, nil, err
	}
	return in, secrets, nil
}

// prepareAction validates the args of a run of the Go action of spec and
// loads the secrets it declares.
func (e *engine) prepareAction(ctx context.Context, spec *actions.Spec, inputs *value.Map) (*value.Map, *secretSet, error) {
	args, err := spec.Validate(inputs)
	if err != nil {
		return nil, nil, err
	}
	secrets, err := e.loadSecrets(ctx, spec.Name, spec.Secrets, nil)
	if err != nil {
		return nil, nil, err
	}
	return args, secrets, nil
}

// loadSecrets loads the run's secrets; a dry run stands in placeholders
// for the missing ones and says so in the log.
func (e *engine) loadSecrets(ctx context.Context, action string, decls []*template.Secret, aliases map[string]string) (*secretSet, error) {
	set, err := loadSecrets(ctx, &e.secrets, e.opts.Secrets, e.red, action, decls, aliases, e.opts.DryRun)
	if err != nil {
		// The source's error (a token refresh's) may quote a secret
		// loaded before it.
		return nil, e.masked(err)
	}
	for _, m := range set.placeholders {
		name := m.Name
		if m.Key != "" {
			name += "." + m.Key
		}
		e.logger.Warn("dry run: secret not set, using a placeholder", "secret", name)
	}
	return set, nil
}

// actionEnv returns the Env for a call of an action by the step (or
// top-level action) called step: the engine's own, refilled.
func (e *engine) actionEnv(secrets *secretSet, step string, retries *int) *actions.Env {
	e.env = actions.Env{
		Step:      step,
		Secrets:   secrets,
		Transport: e.opts.Transport,
		Logger:    e.logger,
		Now:       e.now,
		Retries:   retries,
		RunState:  &e.state,
	}
	e.env.DryRun = e.dryRunFn
	return &e.env
}

// runningStep is a step of a template, running.
type runningStep struct {
	t *template.Template
	s *template.Step
}

// source is [actions.Env.Source] for the step: where the literal text of
// one of its arguments is in its template.
func (r *runningStep) source(arg string, offset int) (string, template.Pos, bool) {
	n, ok := r.s.Args.Get(arg)
	if !ok || n.Text != nil || !n.IsString() {
		return "", template.Pos{}, false
	}
	return r.t.File, r.t.Position(n, offset), true
}

func (e *engine) redactRequest(req actions.Request) *actions.Request {
	out := &actions.Request{Method: req.Method, URL: e.red.String(req.URL), Body: e.red.String(req.Body), Headers: http.Header{}}
	for k, vs := range req.Headers {
		for _, v := range vs {
			out.Headers.Add(k, e.red.String(v))
		}
	}
	return out
}

func (e *engine) emit(ev Event) {
	if e.opts.Events == nil && e.recording == nil {
		return
	}
	ev.Time = e.now()
	if e.recording != nil {
		e.recording.event(&ev)
	}
	if e.opts.Events != nil {
		e.opts.Events(ev)
	}
}

// wrapCancel returns ctx's error when the run was cancelled, so callers can
// tell a cancellation from a failure with errors.Is(err, context.Canceled).
func (e *engine) wrapCancel(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("%w: %s", ctxErr, e.red.String(err.Error()))
	}
	return err
}

// actionError is the error of a Go action run on its own: wrapCancel's,
// with its text masked, since it is shown (or kept in a workflow's
// history) as it is. The original error stays reachable with errors.Is
// and errors.As.
func (e *engine) actionError(ctx context.Context, err error) error {
	return e.masked(e.wrapCancel(ctx, err))
}

// masked returns err with its text masked: err itself when it holds no
// secret, else a *maskedError wrapping it.
func (e *engine) masked(err error) error {
	if msg := e.red.String(err.Error()); msg != err.Error() {
		return &maskedError{msg: msg, cause: err}
	}
	return err
}

// maskedError is an error whose text is masked; Unwrap returns the
// original.
type maskedError struct {
	msg   string
	cause error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.cause }

var (
	transportOnce sync.Once
	transport     *http.Transport
)

// DefaultTransport returns the transport runs share when none is given:
// proxies from HTTP_PROXY, HTTPS_PROXY and NO_PROXY, the system's CAs
// (SSL_CERT_FILE and SSL_CERT_DIR are honoured), and a connection pool sized
// for many concurrent runs against the same host.
func DefaultTransport() *http.Transport {
	transportOnce.Do(func() {
		transport = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          256,
			MaxIdleConnsPerHost:   128,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	})
	return transport
}
