package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// Plan decides what one template invocation does next, given the results
// so far: it evaluates the args of the next step and, at the end, the
// template's returns. It performs no side effect, so a durable workflow can
// drive it and run the steps elsewhere. A Plan is not safe for concurrent
// use.
type Plan struct {
	t     *template.Template
	env   expr.Env
	steps *value.Map
	next  int
	red   *Redactor
	// nested is set for a template another calls: its inputs are that
	// template's evaluated args, which may hold secrets or values
	// derived from them.
	nested bool
	// taint is p.taintValue, bound once.
	taint func(e *expr.Expr, v any)
	// clean caches the roots ("inputs", or a step's ref) found to hold
	// no secret, with the redactor's size then: a derived expression
	// reading them need not search the part it reads. Nil until needed.
	clean map[string]int
}

// Call is a step to run: the step and its evaluated args.
type Call struct {
	Step *template.Step
	Args *value.Map
}

// NewPlan starts an invocation of t with validated inputs, the SECRETS and
// VARS contexts (name → *value.Map; either may be nil) and the run's
// redactor, which learns every value derived from SECRETS.
func NewPlan(t *template.Template, inputs, secrets, vars *value.Map, red *Redactor) *Plan {
	p := newPlan()
	p.start(t, inputs, secrets, vars, red)
	return p
}

func newPlan() *Plan {
	p := &Plan{env: make(expr.Env, 5)}
	p.taint = p.taintValue
	return p
}

func (p *Plan) start(t *template.Template, inputs, secrets, vars *value.Map, red *Redactor) {
	p.t, p.red, p.next, p.nested = t, red, 0, false
	clear(p.clean)
	p.steps = value.NewMap(len(t.Steps))
	if secrets == nil {
		secrets = emptyMap
	}
	if vars == nil {
		vars = emptyMap
	}
	p.env["inputs"], p.env["steps"], p.env["SECRETS"], p.env["VARS"], p.env["ENV"] = inputs, p.steps, secrets, vars, emptyMap
}

// emptyMap stands for the contexts a run has none of; expressions only
// read their contexts.
var emptyMap = value.NewMap(0)

// plans keeps plans, with their env maps, for the engine's own runs.
var plans = sync.Pool{New: func() any { return newPlan() }}

// acquirePlan is NewPlan from the pool; [Plan.release] returns it.
func acquirePlan(t *template.Template, inputs, secrets, vars *value.Map, red *Redactor) *Plan {
	p := plans.Get().(*Plan)
	p.start(t, inputs, secrets, vars, red)
	return p
}

// release returns p to the pool, holding nothing of its run.
func (p *Plan) release() {
	p.env["inputs"], p.env["steps"], p.env["SECRETS"], p.env["VARS"] = nil, nil, nil, nil
	p.t, p.steps, p.red = nil, nil, nil
	plans.Put(p)
}

// Next returns the next step with its evaluated args, or ok = false when
// every step has run.
func (p *Plan) Next() (call Call, ok bool, err error) {
	if p.next >= len(p.t.Steps) {
		return Call{}, false, nil
	}
	s := p.t.Steps[p.next]
	args, err := p.eval(s.Args)
	if err != nil {
		return Call{}, false, err
	}
	m, _ := args.(*value.Map)
	if m == nil {
		m = value.NewMap(0)
	}
	return Call{Step: s, Args: m}, true, nil
}

// Done records the result of the step Next returned, as
// steps.<ref>.result for the steps after it.
func (p *Plan) Done(result any) {
	s := p.t.Steps[p.next]
	m := value.NewMapWithKeys(stepFields[:], result, typeName(result), nil, nil, nil, nil, nil)
	p.steps.Set(s.Ref, m)
	p.next++
}

// stepFields are the fields of steps.<ref>: the result and its type name,
// then Tracecat's error and interaction fields, always None here.
var stepFields = [...]string{"result", "result_typename", "error", "error_typename", "interaction", "interaction_id", "interaction_type"}

// typeNames are the type names of the usual results, boxed once: a
// string returned by a function costs an allocation each time it becomes
// an any.
var typeNames = func() map[string]any {
	m := map[string]any{}
	for _, v := range []any{nil, true, 0, 0.0, "", []any{}, value.NewMap(0)} {
		m[value.TypeName(v)] = value.TypeName(v)
	}
	return m
}()

// typeName is value.TypeName(v) as a value.
func typeName(v any) any {
	n := value.TypeName(v)
	if b, ok := typeNames[n]; ok {
		return b
	}
	return n
}

// Result evaluates the template's returns.
func (p *Plan) Result() (any, error) {
	if p.t.Returns == nil {
		return nil, nil
	}
	return p.eval(p.t.Returns)
}

// eval evaluates an args or returns tree.
func (p *Plan) eval(n *template.Node) (any, error) {
	switch n.Kind {
	case template.MappingNode:
		m := value.NewMap(len(n.Keys))
		for i, k := range n.Keys {
			kv, err := p.eval(k)
			if err != nil {
				return nil, err
			}
			key, ok := kv.(string)
			if !ok {
				key = value.Str(kv)
			}
			if _, dup := m.Get(key); dup {
				return nil, p.exprError(k, 0, fmt.Sprintf("Expression resolution produced a duplicate dictionary key %q", key))
			}
			v, err := p.eval(n.Items[i])
			if err != nil {
				return nil, err
			}
			m.Append(key, v) // not a duplicate: checked above
		}
		return m, nil
	case template.SequenceNode:
		list := make([]any, len(n.Items))
		for i, it := range n.Items {
			v, err := p.eval(it)
			if err != nil {
				return nil, err
			}
			list[i] = v
		}
		return list, nil
	}
	if n.Text == nil {
		return n.Value, nil
	}
	if !n.Text.Reads("SECRETS") && p.red.empty() {
		v, err := n.Text.Eval(p.env)
		if err != nil {
			return nil, p.evalError(n, err)
		}
		return v, nil
	}
	v, err := n.Text.EvalEach(p.env, p.taint)
	if err != nil {
		return nil, p.evalError(n, err)
	}
	return v, nil
}

// taintValue adds v, the value of e, to the redactor when it derives
// from a secret.
func (p *Plan) taintValue(e *expr.Expr, v any) {
	if p.derivedFromSecret(e) {
		p.red.AddValue(v)
	}
}

// derivedFromSecret reports whether e read a secret that is set, or a
// value holding a secret or a value derived from one (a step's result,
// an input a template was called with by another): its value then
// derives from a secret (a fallback such as `SECRETS.a.K || "none"` with
// K unset does not). A bare read needs no taint: its value is what it
// read, masked as it is.
func (p *Plan) derivedFromSecret(e *expr.Expr) bool {
	secrets, _ := p.env["SECRETS"].(*value.Map)
	_, bare := e.BareRef()
	for _, r := range e.Refs() {
		if r.Context != "SECRETS" {
			if !bare && (r.Context == "steps" || r.Context == "inputs" && p.nested) && p.holdsAt(r) {
				return true
			}
			continue
		}
		if len(r.Path) != 2 || secrets == nil {
			continue
		}
		if keys, ok := secrets.Get(r.Path[0]); ok {
			if m, ok := keys.(*value.Map); ok {
				if v, ok := m.Get(r.Path[1]); ok && v != nil {
					return true
				}
			}
		}
	}
	return false
}

// holdsAt reports whether the value r reads (a step's result, a nested
// template's input) holds a secret or a value derived from one. Its root
// (the step's record, the inputs) is searched once while the redactor
// learns nothing new; only a root that holds one is searched again at
// r's path.
func (p *Plan) holdsAt(r expr.Ref) bool {
	root, v := "inputs", p.env["inputs"]
	if r.Context == "steps" {
		if len(r.Path) == 0 {
			return p.red.holds(p.steps)
		}
		root, v = r.Path[0], lookupPath(p.steps, r.Path[:1])
	}
	size := p.red.size()
	if n, ok := p.clean[root]; ok && n == size {
		return false
	}
	if !p.red.holds(v) {
		if p.clean == nil {
			p.clean = make(map[string]int, 2)
		}
		p.clean[root] = size
		return false
	}
	return p.red.holds(lookupPath(p.env[r.Context], r.Path))
}

// lookupPath returns the value at path (keys) inside v, or the value
// where the path leaves maps, or nil when a key is missing.
func lookupPath(v any, path []string) any {
	for _, k := range path {
		m, ok := v.(*value.Map)
		if !ok || m == nil {
			return v
		}
		if v, ok = m.Get(k); !ok {
			return nil
		}
	}
	return v
}

func (p *Plan) evalError(n *template.Node, err error) error {
	var xe *expr.Error
	if errors.As(err, &xe) {
		return p.exprError(n, xe.Offset, xe.Msg)
	}
	return p.exprError(n, 0, err.Error())
}

func (p *Plan) exprError(n *template.Node, off int, msg string) error {
	src, _ := n.Value.(string)
	return &EvalError{File: p.t.File, Pos: p.t.Position(n, off), Text: src, Msg: p.red.String(msg)}
}

// EvalError is an expression that failed to evaluate.
type EvalError struct {
	File string
	Pos  template.Pos
	// Text is the string holding the expression.
	Text string
	Msg  string
}

// Error describes the failure; the text is shown to users.
func (e *EvalError) Error() string {
	return fmt.Sprintf("%s:%d:%d: error evaluating %q: %s", e.File, e.Pos.Line, e.Pos.Column, e.Text, e.Msg)
}

// StepError is a step that failed. Its text is masked; Cause is the
// original error, unmasked, for errors.As and errors.Is.
type StepError struct {
	// Template is the action name of the template holding the step.
	Template string
	File     string
	Pos      template.Pos // the step's place in File
	Ref      string
	Action   string // the action the step calls
	Cause    error
	msg      string
}

// Error describes the failure; the text is shown to users.
func (e *StepError) Error() string {
	return fmt.Sprintf("%s:%d:%d: step %q (%s) of %s failed: %s", e.File, e.Pos.Line, e.Pos.Column, e.Ref, e.Action, e.Template, e.msg)
}

// Unwrap returns the cause.
func (e *StepError) Unwrap() error { return e.Cause }

// runTemplate runs t's steps in order with validated inputs.
func (e *engine) runTemplate(ctx context.Context, t *template.Template, inputs *value.Map, secrets *secretSet, depth int) (any, error) {
	if depth > e.opts.MaxDepth {
		return nil, fmt.Errorf("templates nested more than %d deep (at %s); a template may not call templates that deep", e.opts.MaxDepth, t.ID())
	}
	plan := acquirePlan(t, inputs, secrets.m, e.opts.Vars, e.red)
	plan.nested = depth > 0
	defer plan.release()
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if i > 0 && i < len(t.Steps) && len(secrets.oauth) > 0 {
			missing, err := secrets.refreshTokens(ctx)
			if err == nil && len(missing) > 0 {
				err = &MissingSecretsError{Action: t.ID(), Missing: missing}
			}
			if err != nil {
				return nil, e.stepError(ctx, t, t.Steps[i], err)
			}
		}
		call, ok, err := plan.Next()
		if err != nil {
			return nil, e.stepError(ctx, t, t.Steps[i], err)
		}
		if !ok {
			break
		}
		result, err := e.runCall(ctx, t, call, secrets, depth)
		if err != nil {
			return nil, err
		}
		plan.Done(result)
	}
	v, err := plan.Result()
	if err != nil {
		return nil, err
	}
	return v, nil
}

// runCall runs one step of t with its evaluated args, between the
// events that show its progress; its error is a *StepError.
func (e *engine) runCall(ctx context.Context, t *template.Template, call Call, secrets *secretSet, depth int) (any, error) {
	s := call.Step
	e.emit(Event{Kind: StepStarted, Action: t.ID(), Depth: depth, Step: s.Ref, StepAction: s.Action})
	start := time.Now()
	result, err := e.execStep(ctx, t, call, secrets, depth)
	ev := Event{Kind: StepSucceeded, Action: t.ID(), Depth: depth, Step: s.Ref, StepAction: s.Action, Duration: time.Since(start), StatusCode: statusCode(result)}
	if err != nil {
		serr := e.stepError(ctx, t, s, err)
		ev.Kind, ev.Err = StepFailed, serr.msg
		var status interface{ HTTPStatus() int }
		if errors.As(err, &status) {
			ev.StatusCode = status.HTTPStatus()
		}
		e.emit(ev)
		return nil, serr
	}
	e.emit(ev)
	return result, nil
}

func (e *engine) stepError(ctx context.Context, t *template.Template, s *template.Step, err error) *StepError {
	err = e.wrapCancel(ctx, err)
	return &StepError{Template: t.ID(), File: t.File, Pos: s.Pos, Ref: s.Ref, Action: s.Action, Cause: err, msg: e.red.String(err.Error())}
}

// execStep runs one step: a nested template or an action.
func (e *engine) execStep(ctx context.Context, t *template.Template, call Call, secrets *secretSet, depth int) (any, error) {
	s := call.Step
	if child, ok := e.lookupTemplate(s.Action); ok {
		in, err := child.ValidateInputs(call.Args)
		if err != nil {
			return nil, err
		}
		return e.runTemplate(ctx, child, in, secrets, depth+1)
	}
	a, ok := e.actions.Lookup(s.Action)
	if !ok {
		return nil, &NotFoundError{Name: s.Action}
	}
	args, err := a.Spec().Validate(call.Args)
	if err != nil {
		return nil, err
	}
	env := e.actionEnv(secrets, s.Ref, s.Retries)
	e.step = runningStep{t: t, s: s}
	env.Source = e.sourceFn
	return a.Run(ctx, args, env)
}

// statusCode returns the HTTP status of an HTTP action's result, or 0.
func statusCode(result any) int {
	m, ok := result.(*value.Map)
	if !ok || m == nil {
		return 0
	}
	v, _ := m.Get("status_code")
	n, _ := v.(int)
	return n
}

// Interface guards.
var _ actions.Secrets = (*secretSet)(nil)
