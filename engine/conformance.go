package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// ConformanceOptions configure [Conformance]. The zero value is ready to
// use.
type ConformanceOptions struct {
	// Actions resolves Go actions; nil means [actions.Default].
	Actions *actions.Registry
	// BaseURL is the value given to every VARS.<name>.<key> a template
	// reads whose key names a URL (base_url, url, …); "" means
	// [ConformanceBaseURL]. Requests go to the catch-all responder
	// whatever their host, so it only shapes the URLs.
	BaseURL string
	// Timeout bounds each template's run; 0 means 10 seconds, far more
	// than a run against the responder takes unless it waits (a poll
	// whose condition {} never meets). A run cut off is a failure of
	// reason [ReasonTimeout].
	Timeout time.Duration
	// Parallel is how many templates run at once; 0 means GOMAXPROCS.
	Parallel int
}

// ConformanceBaseURL is the default [ConformanceOptions.BaseURL].
const ConformanceBaseURL = "https://conformance.invalid"

// Reason is why a validated template did not run to completion.
type Reason string

// The reasons, in the order reports list them.
const (
	// ReasonUnsupportedAction: a step calls an action that is neither a
	// loaded template nor a registered action (core.script.run_python,
	// an SDK tool of another registry).
	ReasonUnsupportedAction Reason = "unsupported action"
	// ReasonExpression: an expression (args or returns) failed to
	// evaluate.
	ReasonExpression Reason = "expression error"
	// ReasonHTTP: an HTTP step failed (a 4xx or 5xx status, a timeout,
	// too many redirects).
	ReasonHTTP Reason = "HTTP error"
	// ReasonInput: the synthesized inputs, or the arguments a step passes
	// to an action or template, were refused.
	ReasonInput Reason = "input error"
	// ReasonMissingSecret: a secret was missing although every declared
	// one is given a fake value.
	ReasonMissingSecret Reason = "missing secret"
	// ReasonTimeout: the run did not finish within the timeout.
	ReasonTimeout Reason = "timeout"
	// ReasonOther is any other failure; the result keeps the first line
	// of the error.
	ReasonOther Reason = "other"
)

// Reasons lists every [Reason] in report order.
var Reasons = []Reason{ReasonUnsupportedAction, ReasonExpression, ReasonHTTP, ReasonInput, ReasonMissingSecret, ReasonTimeout, ReasonOther}

// ConformanceResult is the outcome of one template file.
type ConformanceResult struct {
	// File is the file's path relative to the folder, with slashes.
	File string `json:"file"`
	// Action is the template's action name, "" when the file did not
	// load as a template.
	Action string `json:"action,omitempty"`
	// Validated is true when the file loaded and engine.Check found no
	// error (warnings allowed). Only validated templates are run.
	Validated bool `json:"validated"`
	// Completed is true when the run returned without error.
	Completed bool `json:"completed"`
	// Reason is why a validated template did not complete.
	Reason Reason `json:"reason,omitempty"`
	// UnsupportedAction names the action for ReasonUnsupportedAction.
	UnsupportedAction string `json:"unsupported_action,omitempty"`
	// Error is the first line of the first validation error, or of the
	// run's error, with the folder's path removed from file names.
	Error string `json:"error,omitempty"`
}

// ConformanceReport is what [Conformance] found in a folder.
type ConformanceReport struct {
	// Templates is the number of template files; Validated of those that
	// pass validation; Completed of those whose run completed.
	Templates int `json:"templates"`
	Validated int `json:"validated"`
	Completed int `json:"completed"`
	// Failed counts the validated templates that did not complete, by
	// reason; Unsupported counts those of ReasonUnsupportedAction by the
	// action they lack.
	Failed      map[Reason]int      `json:"failed"`
	Unsupported map[string]int      `json:"unsupported_actions"`
	Results     []ConformanceResult `json:"results"`
}

// Conformance loads every template under dir (as [template.LoadPaths]
// does), validates each (load diagnostics and [Check]) and runs each valid
// one for real, not as a dry run, against a catch-all responder: an
// in-memory transport that answers every request 200 with the JSON body
// {}. Each run gets inputs synthesized from the template's expects
// ([SynthesizeInputs]), a fake value for every key of every secret it and
// the actions it calls declare (OAuth tokens included), and a fake VARS
// value for every VARS.<name>.<key> it or the templates it calls read: the
// base URL for keys that name a URL, a placeholder string otherwise.
// Nothing goes to the network.
//
// The error is non-nil only when dir cannot be read at all or ctx is
// cancelled; there is no report then.
func Conformance(ctx context.Context, dir string, opts ConformanceOptions) (*ConformanceReport, error) {
	reg, files := template.LoadPaths(dir)
	if len(files) == 1 && files[0].File == dir && files[0].Template == nil && files[0].Diags.HasErrors() {
		return nil, errors.New(files[0].Diags[0].Message)
	}
	if opts.Actions == nil {
		opts.Actions = actions.Default
	}
	if opts.BaseURL == "" {
		opts.BaseURL = ConformanceBaseURL
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Parallel <= 0 {
		opts.Parallel = runtime.GOMAXPROCS(0)
	}
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	rel := func(s string) string { return strings.ReplaceAll(s, prefix, "") }

	results := make([]ConformanceResult, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(opts.Parallel, len(files)); w++ {
		wg.Go(func() {
			for i := range next {
				results[i] = conformOne(ctx, files[i], reg, opts, rel)
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err // interrupted: the results are not worth a report
	}

	rep := &ConformanceReport{Failed: map[Reason]int{}, Unsupported: map[string]int{}, Results: results}
	for _, reason := range Reasons {
		rep.Failed[reason] = 0
	}
	for _, r := range results {
		rep.Templates++
		if !r.Validated {
			continue
		}
		rep.Validated++
		if r.Completed {
			rep.Completed++
			continue
		}
		rep.Failed[r.Reason]++
		if r.Reason == ReasonUnsupportedAction {
			rep.Unsupported[r.UnsupportedAction]++
		}
	}
	return rep, nil
}

// conformOne validates and runs the template of one file.
func conformOne(ctx context.Context, f template.FileResult, reg *template.Registry, opts ConformanceOptions, rel func(string) string) ConformanceResult {
	res := ConformanceResult{File: filepath.ToSlash(rel(f.File))}
	t := f.Template
	if t != nil && t.Name != "" && t.Namespace != "" {
		res.Action = t.ID()
	}
	ds := f.Diags
	if t != nil && !ds.HasErrors() {
		ds = append(append(template.Diagnostics(nil), ds...), Check(t, reg, opts.Actions)...)
	}
	if t == nil || ds.HasErrors() {
		for _, d := range ds {
			if d.Severity == template.Error {
				res.Error = firstLine(rel(d.String()))
				break
			}
		}
		return res
	}
	res.Validated = true

	probe := newEngine(Options{Templates: reg, Actions: opts.Actions})
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	_, err := RunTemplate(ctx, t, SynthesizeInputs(t), Options{
		Templates: reg,
		Actions:   opts.Actions,
		Secrets:   fakeSecrets(probe.declarations(t)),
		Vars:      fakeVars(t, reg, opts.BaseURL),
		Transport: CatchAll{},
	})
	if err == nil {
		res.Completed = true
		return res
	}
	res.Reason, res.UnsupportedAction = classify(err)
	if res.Reason == ReasonTimeout {
		res.Error = fmt.Sprintf("did not finish within %s", opts.Timeout)
	} else {
		res.Error = firstLine(rel(err.Error()))
	}
	return res
}

// classify returns the reason of a run's error.
func classify(err error) (Reason, string) {
	var notFound *NotFoundError
	var missing *MissingSecretsError
	var eval *EvalError
	var input *template.InputError
	var status interface{ HTTPStatus() int }
	switch {
	case errors.As(err, &notFound):
		return ReasonUnsupportedAction, notFound.Name
	case errors.Is(err, context.DeadlineExceeded):
		return ReasonTimeout, ""
	case errors.As(err, &missing):
		return ReasonMissingSecret, ""
	case errors.As(err, &eval):
		return ReasonExpression, ""
	case errors.As(err, &input):
		return ReasonInput, ""
	case errors.As(err, &status), isHTTPFailure(err):
		return ReasonHTTP, ""
	}
	return ReasonOther, ""
}

// isHTTPFailure reports whether err is one of the HTTP actions' failures
// (an [actions.HTTPFailure]: timeouts, redirect loops, polls that never
// succeeded, error statuses).
func isHTTPFailure(err error) bool {
	var f actions.HTTPFailure
	return errors.As(err, &f)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// fakeSecrets returns a source holding a fake value for every key (required
// or optional) of every declared secret, and a fake token for every OAuth
// declaration.
func fakeSecrets(decls []*template.Secret) StaticSecrets {
	s := StaticSecrets{}
	set := func(name, key string) {
		if s[name] == nil {
			s[name] = map[string]string{}
		}
		s[name][key] = "fake-" + name + "-" + key
	}
	for _, d := range decls {
		if d.Kind == template.OAuthSecret {
			set(d.SecretName(), d.TokenKey())
			continue
		}
		if s[d.Name] == nil {
			s[d.Name] = map[string]string{}
		}
		for _, k := range d.Keys {
			set(d.Name, k)
		}
		for _, k := range d.OptionalKeys {
			set(d.Name, k)
		}
	}
	return s
}

// fakeVars returns a VARS context with a value for every VARS.<name>.<key>
// that t and the templates it calls read.
func fakeVars(t *template.Template, reg *template.Registry, baseURL string) *value.Map {
	vars := value.NewMap(0)
	seen := map[*template.Template]bool{}
	var walkNode func(n *template.Node)
	walkNode = func(n *template.Node) {
		if n == nil {
			return
		}
		if n.Text != nil {
			for _, e := range n.Text.Exprs() {
				for _, r := range e.Refs() {
					if r.Context != "VARS" || len(r.Path) == 0 {
						continue
					}
					m := vars.Child(r.Path[0])
					if len(r.Path) < 2 {
						continue
					}
					key := r.Path[1]
					if _, ok := m.Get(key); ok {
						continue
					}
					if strings.Contains(strings.ToLower(key), "url") {
						m.Set(key, baseURL)
					} else {
						m.Set(key, "fake-"+r.Path[0]+"-"+key)
					}
				}
			}
		}
		for _, k := range n.Keys {
			walkNode(k)
		}
		for _, it := range n.Items {
			walkNode(it)
		}
	}
	var walk func(t *template.Template)
	walk = func(t *template.Template) {
		if seen[t] {
			return
		}
		seen[t] = true
		for _, s := range t.Steps {
			walkNode(s.Args)
			if child, ok := reg.Lookup(s.Action); ok {
				walk(child)
			}
		}
		walkNode(t.Returns)
	}
	walk(t)
	return vars
}

// CatchAll is an http.RoundTripper that answers every request, in memory,
// with status 200, Content-Type application/json and the body {}. It reads
// and closes the request body.
type CatchAll struct{}

// RoundTrip implements http.RoundTripper.
func (CatchAll) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader("{}")),
		ContentLength: 2,
		Request:       req,
	}, nil
}

// SynthesizeInputs returns inputs for t: a value of the declared type for
// every required input (an input without a default), and nothing for the
// others, which take their defaults.
func SynthesizeInputs(t *template.Template) *value.Map {
	inputs := value.NewMap(len(t.Inputs))
	for _, in := range t.Inputs {
		if in.Required() {
			inputs.Set(in.Name, synthesize(in.Type))
		}
	}
	return inputs
}

// synthesize returns a value of type t.
func synthesize(t *template.Type) any {
	switch t.Kind {
	case template.KindStr, template.KindAny:
		return "ZXhhbXBsZQ==" // "example" in base64, so file uploads decode
	case template.KindInt:
		return 1
	case template.KindFloat:
		return 1.5
	case template.KindBool:
		return true
	case template.KindDatetime:
		return "2024-01-02T03:04:05Z"
	case template.KindDuration:
		return "PT1H"
	case template.KindNone:
		return nil
	case template.KindEnum:
		return t.Enum[0]
	case template.KindList:
		return []any{synthesize(t.Elem)}
	case template.KindDict:
		return value.MapOf("key", synthesize(t.Val))
	case template.KindUnion:
		for _, m := range t.Members {
			if m.Kind != template.KindNone {
				return synthesize(m)
			}
		}
	}
	return nil
}

// Summary renders the counts as two Markdown tables, which read as plain
// text too: templates, validated, ran to completion and failed by reason
// (every reason, zeros included), then the templates of
// ReasonUnsupportedAction by the action they lack (omitted when none).
// The output depends only on the counts.
func (r *ConformanceReport) Summary() string {
	var b strings.Builder
	b.WriteString("| templates | count |\n| --- | ---: |\n")
	fmt.Fprintf(&b, "| total | %d |\n", r.Templates)
	fmt.Fprintf(&b, "| validated | %d |\n", r.Validated)
	fmt.Fprintf(&b, "| ran to completion | %d |\n", r.Completed)
	for _, reason := range Reasons {
		fmt.Fprintf(&b, "| failed: %s | %d |\n", reason, r.Failed[reason])
	}
	if len(r.Unsupported) > 0 {
		names := make([]string, 0, len(r.Unsupported))
		for name := range r.Unsupported {
			names = append(names, name)
		}
		sort.Slice(names, func(i, j int) bool {
			a, b := r.Unsupported[names[i]], r.Unsupported[names[j]]
			return a > b || a == b && names[i] < names[j]
		})
		b.WriteString("\n| unsupported action | templates |\n| --- | ---: |\n")
		for _, name := range names {
			fmt.Fprintf(&b, "| `%s` | %d |\n", name, r.Unsupported[name])
		}
	}
	return b.String()
}

// Failures renders, as a Markdown table, every template that did not
// validate or failed for a reason other than an unsupported action (those
// are counted by action in [ConformanceReport.Summary]), in file order, with
// the first line of its error; "" when there are none.
func (r *ConformanceReport) Failures() string {
	var b strings.Builder
	for _, res := range r.Results {
		var why string
		switch {
		case !res.Validated:
			why = "not validated"
		case res.Completed || res.Reason == ReasonUnsupportedAction:
			continue
		default:
			why = string(res.Reason)
		}
		if b.Len() == 0 {
			b.WriteString("| file | result | error |\n| --- | --- | --- |\n")
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(res.File), why, cell(res.Error))
	}
	return b.String()
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// JSON renders the report as indented JSON: the counts, then every result
// in file order.
func (r *ConformanceReport) JSON() ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
