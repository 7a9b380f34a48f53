// Package actions defines what a template step calls: the [Action]
// interface, the [Registry] of actions by name, and the Go API for custom
// actions ([Func]). The built-in actions (core.http_request, core.http_poll,
// core.http_paginate, core.transform.*) live in sub-packages that register
// themselves with [Default]; import
// github.com/actuatehq/actuate/actions/builtin to get them all.
//
// Lifecycle of a call: the engine evaluates the step's args, validates them
// against the action's [Spec] (unknown args are rejected, missing required
// ones reported, values coerced to the declared types, defaults filled in),
// then calls [Action.Run] with the validated args and an [Env] that gives
// access to the run's secrets, its HTTP transport, logger and clock.
package actions

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// Action is something a template step can call.
//
// Run MUST honour ctx: when it is cancelled, in-flight work stops and Run
// returns ctx's error. Run MUST NOT modify args (they may be the
// caller's own map), MUST NOT keep args or env after it returns, and
// MUST NOT write secret values to logs; the engine redacts what Run returns
// and the errors it reports. An Action must be safe for concurrent calls.
type Action interface {
	// Spec describes the action; it returns the same value every time.
	Spec() *Spec
	// Run performs the action with validated args and returns its result
	// as a JSON-shaped value (nil, bool, int, float64, string, []any,
	// *value.Map).
	Run(ctx context.Context, args *value.Map, env *Env) (any, error)
}

// Spec describes an action: its name, documentation, arguments and the
// secrets it reads. The same spec drives argument validation, `actuate
// actions show` and the static checks of templates that call the action.
type Spec struct {
	// Name is the dotted action name, e.g. core.http_request.
	Name        string
	Title       string
	Description string
	DocURL      string
	// Inputs are the arguments, in documentation order. Their Type,
	// Default and HasDefault fields are used for validation.
	Inputs []*template.Input
	// Secrets are the secrets the action may read through [Env.Secrets].
	Secrets []*template.Secret
	// OwnDefaults says that Run applies the defaults of the optional
	// inputs it is not given: [Spec.Validate] then leaves them out of the
	// args, which spares a map of every input per call. The defaults
	// declared in Inputs must be the ones Run applies.
	OwnDefaults bool
}

// Input returns the argument called name.
func (s *Spec) Input(name string) (*template.Input, bool) {
	for _, in := range s.Inputs {
		if in.Name == name {
			return in, true
		}
	}
	return nil, false
}

// Validate checks args against the spec and returns them coerced, with
// defaults filled in unless the action applies them itself (OwnDefaults);
// see [template.Validate].
func (s *Spec) Validate(args *value.Map) (*value.Map, error) {
	if s.OwnDefaults {
		return template.ValidateGiven(s.Name, s.Inputs, args)
	}
	return template.Validate(s.Name, s.Inputs, args)
}

// Secrets gives an action the secrets of its run: only those declared by
// the template and the actions it calls.
type Secrets interface {
	// Get returns the value of key in the secret called name (for an OAuth
	// secret, "<provider>_oauth" and its token key), and whether it is set.
	Get(name, key string) (string, bool)
}

// Env is what the engine gives an action for one call.
type Env struct {
	// Step is the ref of the step making the call.
	Step string
	// Secrets are the run's secrets; never nil.
	Secrets Secrets
	// Transport sends HTTP requests. HTTP actions build their clients on
	// it so that connections are pooled across steps and tests can fake
	// the network. An error it returns that retrying cannot fix (a
	// replayed request with no recording, say) should have a
	// Permanent() bool method returning true: HTTP actions do not retry
	// it.
	Transport http.RoundTripper
	// Logger receives the action's progress messages; never nil.
	Logger *slog.Logger
	// Now is the run's clock.
	Now func() time.Time
	// Retries is the step's `retries:` setting, or nil when the step does
	// not set it.
	Retries *int
	// RunState holds values an action keeps for the length of one run
	// (core.transform.deduplicate remembers what it has seen); it is
	// shared by every step of the run, nested templates included.
	RunState *sync.Map
	// DryRun, when set, asks actions with side effects not to perform
	// them: an HTTP action describes the request it would send and
	// returns a placeholder response.
	DryRun func(Request)
	// Source, when not nil, tells where the literal text of one of the
	// step's arguments is in its template: the file, and the place of
	// the byte at offset in the argument's string. ok is false when the
	// argument is absent or built by an expression. Actions use it to
	// point errors inside an argument (a line of a Python script) at the
	// template.
	Source func(arg string, offset int) (file string, pos template.Pos, ok bool)
}

// HTTPFailure is implemented by the errors of HTTP actions that are
// failures of the exchange itself (an error status, a timeout, a redirect
// loop, a poll that never succeeded), so that callers can tell them from
// other errors without knowing the action's package.
type HTTPFailure interface {
	error
	// HTTPFailure marks the error; it does nothing.
	HTTPFailure()
}

// Request describes a request an action would send, for --dry-run.
type Request struct {
	Method  string
	URL     string
	Headers http.Header
	Body    string
}

// Func is a custom action written in Go: a spec and a function. It is the
// Go counterpart of a Python UDF in Tracecat.
//
//	var githubOAuth = actions.OAuthSecret("github", template.AuthorizationCode)
//
//	actions.MustRegister(&actions.Func{
//		ActionSpec: actions.Spec{Name: "tools.github.list_repos", ...,
//			Secrets: []*template.Secret{githubOAuth}},
//		Fn: func(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
//			token, _ := env.Secrets.Get(githubOAuth.SecretName(), githubOAuth.TokenKey())
//			...
//		},
//	})
type Func struct {
	ActionSpec Spec
	Fn         func(ctx context.Context, args *value.Map, env *Env) (any, error)
}

// Spec returns f.ActionSpec.
func (f *Func) Spec() *Spec { return &f.ActionSpec }

// Run calls f.Fn.
func (f *Func) Run(ctx context.Context, args *value.Map, env *Env) (any, error) {
	return f.Fn(ctx, args, env)
}

// Input builds an argument for a [Spec] from a type in the `expects`
// language; it panics on a bad type, which is a programming error.
func Input(name, typ, description string) *template.Input {
	t, err := template.ParseType(typ)
	if err != nil {
		panic(fmt.Sprintf("actions.Input %s: type %q: %v", name, typ, err))
	}
	return &template.Input{Name: name, Type: t, TypeText: typ, Description: description}
}

// OptionalInput is [Input] with a default value, which makes it optional.
func OptionalInput(name, typ string, def any, description string) *template.Input {
	in := Input(name, typ, description)
	in.Default, in.HasDefault = def, true
	return in
}

// CustomSecret declares a secret of static keys for a [Spec].
func CustomSecret(name string, keys ...string) *template.Secret {
	return &template.Secret{Kind: template.CustomSecret, Name: name, Keys: keys, SecretType: "custom"}
}

// OAuthSecret declares the token of an OAuth integration for a [Spec]; its
// value is read with Get(s.SecretName(), s.TokenKey()).
func OAuthSecret(providerID, grantType string) *template.Secret {
	return &template.Secret{Kind: template.OAuthSecret, ProviderID: providerID, GrantType: grantType}
}

// Registry holds actions by name. The zero value is not usable; call
// [NewRegistry]. A Registry is safe for concurrent use; lookups, made at
// every step, take no lock.
type Registry struct {
	mu sync.Mutex // serialises the writers
	// actions is replaced, never modified, by each write.
	actions atomic.Pointer[map[string]Action]
}

var namePattern = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{}
	r.actions.Store(&map[string]Action{})
	return r
}

// Default is the registry built-in actions register with, and the one the
// engine uses unless told otherwise.
var Default = NewRegistry()

func (r *Registry) load() map[string]Action { return *r.actions.Load() }

// store adds a under name to a copy of the actions; r.mu is held.
func (r *Registry) store(name string, a Action) {
	m := maps.Clone(r.load())
	m[name] = a
	r.actions.Store(&m)
}

// Register adds a to the registry. The name must be dotted lowercase
// (core.http_request) and not registered yet.
func (r *Registry) Register(a Action) error {
	name, err := checkName("register", a)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.load()[name]; dup {
		return fmt.Errorf("actions: register %q: an action of that name is already registered", name)
	}
	r.store(name, a)
	return nil
}

// MustRegister is [Registry.Register] that panics on error, for init
// functions.
func (r *Registry) MustRegister(a Action) {
	if err := r.Register(a); err != nil {
		panic(err)
	}
}

// Lookup returns the action called name.
func (r *Registry) Lookup(name string) (Action, bool) {
	a, ok := r.load()[name]
	return a, ok
}

// All returns the actions sorted by name.
func (r *Registry) All() []Action {
	out := slices.Collect(maps.Values(r.load()))
	sort.Slice(out, func(i, j int) bool { return out[i].Spec().Name < out[j].Spec().Name })
	return out
}

// Clone returns a new registry with the same actions, for tests and
// embedders that add their own without touching [Default].
func (r *Registry) Clone() *Registry {
	c := &Registry{}
	m := maps.Clone(r.load())
	c.actions.Store(&m)
	return c
}

// Replace adds a to the registry in place of the action of the same
// name, if any: an embedder uses it to configure a built-in action
// differently (core.script.run_python with other limits, say).
func (r *Registry) Replace(a Action) error {
	name, err := checkName("replace", a)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store(name, a)
	return nil
}

// checkName returns the name of an action being added to a registry by
// op (register, replace), or an error when a has no spec, its name is
// malformed or it declares an input twice.
func checkName(op string, a Action) (string, error) {
	if a == nil || a.Spec() == nil {
		return "", fmt.Errorf("actions: %s: nil action or spec", op)
	}
	name := a.Spec().Name
	if !namePattern.MatchString(name) {
		return "", fmt.Errorf("actions: %s %q: a name is dot-separated lowercase letters, digits and underscores, e.g. tools.github.list_repos", op, name)
	}
	inputs := a.Spec().Inputs
	for i, in := range inputs {
		for _, prev := range inputs[:i] {
			if prev.Name == in.Name {
				return "", fmt.Errorf("actions: %s %q: input %q is declared twice", op, name, in.Name)
			}
		}
	}
	return name, nil
}

// StepChecker is implemented by actions that check the steps calling them
// beyond the types of their arguments when templates are validated (that
// a Python script defines the function its inputs are passed to, say).
// CheckStep reports problems through report; it must not perform side
// effects beyond reading files or starting a local helper process.
type StepChecker interface {
	CheckStep(t *template.Template, s *template.Step, report func(pos template.Pos, sev template.Severity, msg string))
}

// Register adds a to [Default].
func Register(a Action) error { return Default.Register(a) }

// MustRegister adds a to [Default] and panics on error.
func MustRegister(a Action) { Default.MustRegister(a) }

// Interface guards.
var _ Action = (*Func)(nil)
