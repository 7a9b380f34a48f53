package temporal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	_ "github.com/actuatehq/actuate/actions/builtin"
	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// testToken is the secret the fake API wants; it must never come back.
const testToken = "tok-s3cret-7f1c"

// fakeAPI is a ticketing API: GET /tickets/{id} (with the token; echoes
// it back in "token"), POST /tickets, GET /slow (answers when its request
// is cancelled or release is closed). It counts requests by "METHOD path".
type fakeAPI struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int
	tokens   []string // the Authorization headers of GET /oauth/{n}
	release  chan struct{}
	slowDone chan error // the slow request's context error
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	api := &fakeAPI{requests: map[string]int{}, release: make(chan struct{}), slowDone: make(chan error, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /tickets/{id}", func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if tok != testToken {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error": "bad token"}`)
			return
		}
		if r.PathValue("id") == "404" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error": "no such ticket"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id": %s, "title": "Ticket %s", "token": %q}`, r.PathValue("id"), r.PathValue("id"), tok)
	})
	mux.HandleFunc("GET /oauth/{n}", func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		api.tokens = append(api.tokens, r.Header.Get("Authorization"))
		api.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `"got %s"`, r.PathValue("n"))
	})
	mux.HandleFunc("POST /tickets", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Title string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"created": %q}`, body.Title)
	})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
			api.slowDone <- r.Context().Err()
		case <-api.release:
			_, _ = io.WriteString(w, `"done"`)
		}
	})
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.mu.Lock()
		api.requests[r.Method+" "+r.URL.Path]++
		api.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	return api
}

// seen returns the requests the API saw, "METHOD /path:count", sorted.
func (api *fakeAPI) seen() string {
	api.mu.Lock()
	defer api.mu.Unlock()
	var out []string
	for k, n := range api.requests {
		out = append(out, fmt.Sprintf("%s:%d", k, n))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

func (api *fakeAPI) count(key string) int {
	api.mu.Lock()
	defer api.mu.Unlock()
	return api.requests[key]
}

// testTemplates loads testdata/templates.
func testTemplates(t *testing.T) *template.Registry {
	t.Helper()
	reg, files := template.LoadPaths("testdata/templates")
	for _, f := range files {
		if !f.OK(false) {
			t.Fatalf("%s: %v", f.File, f.Diags)
		}
	}
	return reg
}

// testActivities are a worker's activities with the token in its
// secrets and the API's URL in its variables.
func testActivities(api *fakeAPI) *Activities {
	return &Activities{
		Secrets: engine.StaticSecrets{"tickets": {"TICKETS_TOKEN": testToken}},
		Vars: func(context.Context) (*value.Map, error) {
			return value.MapOf("tickets", value.MapOf("base_url", api.URL)), nil
		},
	}
}

func testCodec(t testing.TB) *Codec {
	t.Helper()
	c, err := NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func runInput(t *testing.T, reg *template.Registry, action string, inputs *value.Map) RunInput {
	t.Helper()
	tpl, _ := reg.Lookup(action)
	in, err := NewRunInput(action, tpl, reg, inputs, nil)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// newEnv returns a test environment running the workflow with step as its
// step activity (acts.Step when nil).
func newEnv(t *testing.T, acts *Activities, step any) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(WorkerOptions(0))
	env.SetDataConverter(testCodec(t).DataConverter())
	env.SetTestTimeout(30 * time.Second)
	env.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
	if step == nil {
		step = acts.Step
	}
	env.RegisterActivityWithOptions(step, activity.RegisterOptions{Name: StepActivity})
	env.RegisterActivityWithOptions(acts.Resolve, activity.RegisterOptions{Name: ResolveActivity})
	return env
}

// result returns the workflow's result as JSON text, or its error as a
// *RunError (or cancellation).
func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) (string, error) {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("the workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		return "", runError(err)
	}
	var out json.RawMessage
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	return string(out), nil
}

// outcome is the workflow's result, or its *RunError as "Type: message".
func outcome(t *testing.T, env *testsuite.TestWorkflowEnvironment) string {
	t.Helper()
	got, err := result(t, env)
	if err != nil {
		var re *RunError
		if !errors.As(err, &re) {
			t.Fatalf("error = %v (%T)", err, err)
		}
		got = re.Type + ": " + re.Message
	}
	return got
}

// wantRunError fails t unless err is a *RunError of type typ with the
// message msg.
func wantRunError(t *testing.T, err error, typ, msg string) {
	t.Helper()
	var re *RunError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want a *RunError", err, err)
	}
	if re.Type != typ || re.Message != msg {
		t.Errorf("error = %s %q\nwant    %s %q", re.Type, re.Message, typ, msg)
	}
}

func TestWorkflowRunsStepsInOrder(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	reg := testTemplates(t)
	acts := testActivities(api)
	var order []int
	var mu sync.Mutex
	env := newEnv(t, acts, nil)
	env.SetOnActivityStartedListener(func(_ *activity.Info, _ context.Context, args converter.EncodedValues) {
		var in StepInput
		if err := args.Get(&in); err == nil {
			mu.Lock()
			order = append(order, in.Index)
			mu.Unlock()
		}
	})
	env.ExecuteWorkflow(WorkflowName, runInput(t, reg, "tools.tickets.ticket_titles", value.MapOf("first", 7, "second", "8")))
	got, err := result(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if want := `["Ticket 7","Ticket 8"]`; got != want {
		t.Errorf("result = %s, want %s", got, want)
	}
	if fmt.Sprint(order) != "[0 1]" {
		t.Errorf("steps ran in the order %v, want [0 1]", order)
	}
	if n := api.count("GET /tickets/7") + api.count("GET /tickets/8"); n != 2 {
		t.Errorf("%d GET requests, want 2", n)
	}
}

func TestWorkflowMasksSecretsInResults(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	reg := testTemplates(t)
	env := newEnv(t, testActivities(api), nil)
	var outputs []string
	env.SetOnActivityCompletedListener(func(_ *activity.Info, res converter.EncodedValue, err error) {
		var out StepOutput
		if res != nil && res.Get(&out) == nil {
			outputs = append(outputs, string(out.Result))
		}
	})
	env.ExecuteWorkflow(WorkflowName, runInput(t, reg, "tools.tickets.get_ticket", value.MapOf("id", 42)))
	got, err := result(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":42,"title":"Ticket 42","seen_token":"***"}`; got != want {
		t.Errorf("result = %s, want %s", got, want)
	}
	if len(outputs) != 2 {
		t.Fatalf("%d step outputs, want 2", len(outputs))
	}
	for _, o := range outputs {
		if strings.Contains(o, testToken) {
			t.Errorf("a step's output holds the secret: %s", o)
		}
	}
}

func TestWorkflowFailures(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	reg := testTemplates(t)
	file := "testdata/templates/get_ticket.yml"
	for _, tc := range []struct {
		name    string
		action  string
		inputs  *value.Map
		secrets engine.StaticSecrets
		typ     string
		msg     string
	}{
		{
			name: "step fails", action: "tools.tickets.get_ticket", inputs: value.MapOf("id", 404),
			typ: ErrStep,
			msg: file + `:17:7: step "fetch" (core.http_request) of tools.tickets.get_ticket failed: 404 Not found for '` + api.URL + `/tickets/404'.` +
				"\n\nPlease check that the URL is correct and the resource exists:\n\nHost: 127.0.0.1\nPort: " + api.URL[strings.LastIndexByte(api.URL, ':')+1:] + "\nPath: /tickets/404",
		},
		{
			name: "bad input", action: "tools.tickets.get_ticket", inputs: value.MapOf("id", "seven"),
			typ: ErrInput,
			msg: "invalid inputs for tools.tickets.get_ticket:\n  id: expected int, got 'seven' (str)",
		},
		{
			name: "missing secret", action: "tools.tickets.get_ticket", inputs: value.MapOf("id", 1), secrets: engine.StaticSecrets{},
			typ: ErrMissingSecrets,
			msg: "missing secrets for tools.tickets.get_ticket:\n  tickets: secret not found",
		},
		{
			name: "no such action", action: "tools.tickets.nope", inputs: value.MapOf(),
			typ: ErrNotFound,
			msg: `no action named "tools.tickets.nope": it is not a registered action, and no template the run carries or the workers hold defines it (add its folder with --registry, here or on the workers, or give the template's file path)`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			acts := testActivities(api)
			if tc.secrets != nil {
				acts.Secrets = tc.secrets
			}
			env := newEnv(t, acts, nil)
			env.ExecuteWorkflow(WorkflowName, runInput(t, reg, tc.action, tc.inputs))
			_, err := result(t, env)
			wantRunError(t, err, tc.typ, tc.msg)
		})
	}
	if n := api.count("GET /tickets/1"); n != 0 {
		t.Errorf("the run with a missing secret sent %d requests", n)
	}
}

// losing is a step activity whose first lose attempts are lost (as when
// the worker running them dies), after which it runs the real step.
func losing(acts *Activities, lose int32) func(context.Context, StepInput) (*StepOutput, error) {
	return func(ctx context.Context, in StepInput) (*StepOutput, error) {
		if activity.GetInfo(ctx).Attempt <= lose {
			return nil, errors.New("worker lost (simulated)")
		}
		return acts.Step(ctx, in)
	}
}

func TestWorkflowRetriesLostStepsByMethod(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	reg := testTemplates(t)
	create := "testdata/templates/create_ticket.yml"
	for _, tc := range []struct {
		name   string
		action string
		inputs *value.Map
		lose   int32
		want   string // result, or the error's type and message
	}{
		{name: "GET after a lost attempt", action: "tools.tickets.get_ticket", inputs: value.MapOf("id", 5), lose: 1,
			want: `{"id":5,"title":"Ticket 5","seen_token":"***"}`},
		{name: "GET after 3 lost attempts", action: "tools.tickets.get_ticket", inputs: value.MapOf("id", 6), lose: 3,
			want: `{"id":6,"title":"Ticket 6","seen_token":"***"}`},
		{name: "GET after 4 lost attempts", action: "tools.tickets.get_ticket", inputs: value.MapOf("id", 9), lose: 4,
			want: `StepError: step "fetch" (core.http_request) failed: worker lost (simulated)`},
		{name: "POST after a lost attempt", action: "tools.tickets.create_ticket", inputs: value.MapOf("title", "a"), lose: 1,
			want: `NotRetriedError: ` + create + `:17:7: step "create" (core.http_request) of tools.tickets.create_ticket failed: its worker was lost during attempt 1, which may have had its effect, and POST (core.http_request) is not run again: it is not idempotent; set retries: N on the step to allow it`},
		{name: "POST with retries: 1 after a lost attempt", action: "tools.tickets.create_ticket_retried", inputs: value.MapOf("title", "b"), lose: 1,
			want: `{"created":"b"}`},
		{name: "POST with retries: 1 after 2 lost attempts", action: "tools.tickets.create_ticket_retried", inputs: value.MapOf("title", "c"), lose: 2,
			want: `StepError: step "create" (core.http_request) failed: worker lost (simulated)`},
		{name: "POST sent once", action: "tools.tickets.create_ticket", inputs: value.MapOf("title", "d"), lose: 0,
			want: `{"created":"d"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			acts := testActivities(api)
			env := newEnv(t, acts, losing(acts, tc.lose))
			env.ExecuteWorkflow(WorkflowName, runInput(t, reg, tc.action, tc.inputs))
			if got := outcome(t, env); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestWorkflowCancelCancelsTheStep(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	reg := testTemplates(t)
	env := newEnv(t, testActivities(api), nil)
	// Cancel once the step is in flight, that is once the server has the
	// request; until then, look again later rather than block the
	// environment's loop.
	var cancelInFlight func()
	cancelInFlight = func() {
		if api.count("GET /slow") == 0 {
			time.Sleep(5 * time.Millisecond)
			env.RegisterDelayedCallback(cancelInFlight, 100*time.Millisecond)
			return
		}
		env.CancelWorkflow()
	}
	env.RegisterDelayedCallback(cancelInFlight, time.Second)
	env.ExecuteWorkflow(WorkflowName, runInput(t, reg, "tools.tickets.slow", nil))
	_, err := result(t, env)
	if !errors.Is(err, context.Canceled) || err.Error() != "run cancelled" {
		t.Fatalf("error = %v, want the run cancelled", err)
	}
	// The test environment does not cancel a running activity: the step
	// learns of it from its next heartbeat, which the environment may
	// batch for 80 % of the heartbeat timeout, whatever the worker options
	// say (real workers send one a second, see WorkerOptions).
	select {
	case err := <-api.slowDone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the request ended with %v, want context.Canceled", err)
		}
	case <-time.After(HeartbeatTimeout + 2*time.Second):
		t.Error("the in-flight request was not cancelled")
	}
}

func TestWorkflowStepTimeout(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	reg := testTemplates(t)
	env := newEnv(t, testActivities(api), nil)
	in := runInput(t, reg, "tools.tickets.slow", nil)
	in.StepTimeout = 300 * time.Millisecond
	env.ExecuteWorkflow(WorkflowName, in)
	_, err := result(t, env)
	wantRunError(t, err, ErrStep, `testdata/templates/slow.yml:11:7: step "wait" (core.http_request) of tools.tickets.slow failed: context deadline exceeded: the step timed out after 300ms (the run's step timeout)`)
	if api.count("GET /slow") != 1 {
		t.Errorf("GET /slow sent %d times, want once", api.count("GET /slow"))
	}
}

// A Python step's own timeout_seconds, longer than the run's step
// timeout, is the step's limit: its activity's start-to-close timeout is
// that limit plus stepGrace, and the step's own error says so. So is the
// timeout_seconds of the Python action run directly, in its inputs.
func TestWorkflowPythonStepOwnTimeout(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	reg := testTemplates(t)
	// Longer than the run's step timeout plus stepGrace: a limit the
	// grace alone does not cover.
	quick := RunInput{Action: "tools.t.quick", Inputs: json.RawMessage(`{}`), Templates: []Source{{File: "quick.yml", Text: "definition:\n  title: T\n  display_group: G\n  namespace: tools.t\n  name: quick\n  expects: {}\n  steps:\n" +
		"    - {ref: py, action: core.script.run_python, args: {timeout_seconds: 60, script: \"def main(): return 7\"}}\n" +
		"  returns: ${{ steps.py.result }}\n"}}}
	for _, tc := range []struct {
		name  string
		in    RunInput
		limit time.Duration // the activity's start-to-close timeout
		want  string        // result, or the error's type and message
	}{
		{name: "killed by its own limit", in: runInput(t, reg, "tools.tickets.slow_python", nil), limit: 36 * time.Second,
			want: `StepError: testdata/templates/slow_python.yml:12:7: step "nap" (core.script.run_python) of tools.tickets.slow_python failed: the script ran longer than timeout_seconds (1s) and was killed; raise timeout_seconds if it needs more time`},
		{name: "a limit past the grace", in: quick, limit: 95 * time.Second, want: `7`},
		// The action run directly: its inputs are its args.
		{name: "run directly", in: RunInput{Action: "core.script.run_python", Inputs: json.RawMessage(`{"script": "def main(): return 7", "timeout_seconds": 60}`)},
			limit: 95 * time.Second, want: `7`},
		{name: "run directly, default limit", in: RunInput{Action: "core.script.run_python", Inputs: json.RawMessage(`{"script": "def main(): return 7"}`)},
			limit: 335 * time.Second, want: `7`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newEnv(t, testActivities(api), nil)
			var limits []time.Duration
			env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
				if info.ActivityType.Name == StepActivity {
					limits = append(limits, info.StartToCloseTimeout)
				}
			})
			tc.in.StepTimeout = 300 * time.Millisecond
			env.ExecuteWorkflow(WorkflowName, tc.in)
			if got := outcome(t, env); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if want := []time.Duration{tc.limit}; !slices.Equal(limits, want) {
				t.Errorf("start-to-close timeouts %v, want %v", limits, want)
			}
		})
	}
}

func TestOwnTimeout(t *testing.T) {
	t.Parallel()
	src := "definition:\n  title: T\n  display_group: G\n  namespace: tools.t\n  name: t\n  expects:\n    n: {type: int}\n  steps:\n" +
		"    - {ref: a, action: core.script.run_python, args: {script: \"def main(): pass\"}}\n" +
		"    - {ref: b, action: core.script.run_python, args: {script: \"def main(): pass\", timeout_seconds: 900}}\n" +
		"    - {ref: c, action: core.script.run_python, args: {script: \"def main(): pass\", timeout_seconds: \"${{ inputs.n }}\"}}\n" +
		"    - {ref: d, action: core.transform.reshape, args: {value: 1}}\n" +
		"  returns: done\n"
	tpl, ds := template.Parse("t.yml", []byte(src))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	var got []string
	for _, s := range tpl.Steps {
		got = append(got, ownTimeout(s).String())
	}
	if want := "5m5s 15m5s 0s 0s"; strings.Join(got, " ") != want {
		t.Errorf("own timeouts %v, want %s", got, want)
	}
}

// rotatingTokens hands out a new OAuth token at each request, as a store
// refreshing it would, and counts the requests.
type rotatingTokens struct {
	mu sync.Mutex
	n  int
}

func (r *rotatingTokens) Secret(context.Context, string) (map[string]string, bool, error) {
	return nil, false, nil
}

func (r *rotatingTokens) Token(_ context.Context, provider, grant string) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	return fmt.Sprintf("gho-%s-%d", provider, r.n), true, nil
}

// Each step's activity asks the worker's secret source for the OAuth
// token once, before the step, and the token stays on the worker.
func TestWorkflowRefreshesTokensBeforeEachStep(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	reg := testTemplates(t)
	acts := testActivities(api)
	tokens := &rotatingTokens{}
	acts.Secrets = tokens
	env := newEnv(t, acts, nil)
	env.ExecuteWorkflow(WorkflowName, runInput(t, reg, "tools.tickets.oauth_tickets", nil))
	got, err := result(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if got != `["got 1","got 2"]` {
		t.Errorf("result = %s", got)
	}
	api.mu.Lock()
	sent := fmt.Sprint(api.tokens)
	api.mu.Unlock()
	if sent != "[Bearer gho-github-1 Bearer gho-github-2]" || tokens.n != 2 {
		t.Errorf("the steps sent %s after %d token requests; want a fresh token per step, one request each", sent, tokens.n)
	}
}

// A run that names a template it does not carry, one the worker holds
// (--registry), looks it up on a worker first, then runs its steps one
// activity each, as a run that carries it does: a lost attempt runs its
// step again, not the steps before it, and sends no POST again.
func TestWorkflowRunsWorkerTemplates(t *testing.T) {
	t.Parallel()
	reg := testTemplates(t)
	for _, tc := range []struct {
		name   string
		action string
		inputs *value.Map
		// lost is the step whose first attempt is lost with its worker
		// after running; -1 for none.
		lost       int
		activities string // started, in order: "resolve" or the step's index
		want       string // result, or the error's type and message
		requests   string // the requests the API saw
	}{
		{name: "two steps", action: "tools.tickets.oauth_tickets", lost: -1,
			activities: "resolve 0 1", want: `["got 1","got 2"]`, requests: "GET /oauth/1:1 GET /oauth/2:1"},
		{name: "second step lost", action: "tools.tickets.oauth_tickets", lost: 1,
			activities: "resolve 0 1 1", want: `["got 1","got 2"]`, requests: "GET /oauth/1:1 GET /oauth/2:2"},
		{name: "GET lost", action: "tools.tickets.get_ticket", inputs: value.MapOf("id", 5), lost: 0,
			activities: "resolve 0 0 1", want: `{"id":5,"title":"Ticket 5","seen_token":"***"}`, requests: "GET /tickets/5:2"},
		{name: "POST lost", action: "tools.tickets.create_ticket", inputs: value.MapOf("title", "e"), lost: 0,
			activities: "resolve 0 0", requests: "POST /tickets:1",
			want: `NotRetriedError: testdata/templates/create_ticket.yml:17:7: step "create" (core.http_request) of tools.tickets.create_ticket failed: its worker was lost during attempt 1, which may have had its effect, and POST (core.http_request) is not run again: it is not idempotent; set retries: N on the step to allow it`},
		{name: "no such action", action: "tools.tickets.nope", lost: -1, activities: "resolve",
			want: `NotFoundError: no action named "tools.tickets.nope": it is not a registered action, and no template the run carries or the workers hold defines it (add its folder with --registry, here or on the workers, or give the template's file path)`},
		{name: "a Go action", action: "core.transform.reshape", inputs: value.MapOf("value", 3), lost: -1,
			activities: "resolve 0", want: `3`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t)
			acts := testActivities(api)
			acts.Templates = reg
			if strings.HasPrefix(tc.action, "tools.tickets.oauth") {
				acts.Secrets = &rotatingTokens{}
			}
			env := newEnv(t, acts, lostAfterRunning(acts, tc.lost))
			var started []string
			env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
				if info.ActivityType.Name == ResolveActivity {
					started = append(started, "resolve")
					return
				}
				var in StepInput
				if err := args.Get(&in); err == nil {
					started = append(started, strconv.Itoa(in.Index))
				}
			})
			in, err := NewRunInput(tc.action, nil, nil, tc.inputs, nil)
			if err != nil {
				t.Fatal(err)
			}
			env.ExecuteWorkflow(WorkflowName, in)
			if got := outcome(t, env); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if got := strings.Join(started, " "); got != tc.activities {
				t.Errorf("activities started: %s, want %s", got, tc.activities)
			}
			if got := api.seen(); got != tc.requests {
				t.Errorf("requests: %s, want %s", got, tc.requests)
			}
		})
	}
}

// lostAfterRunning is a step activity that runs the real step, and then,
// for the first attempt of step index lost, fails as if its worker had
// died before reporting the result.
func lostAfterRunning(acts *Activities, lost int) func(context.Context, StepInput) (*StepOutput, error) {
	return func(ctx context.Context, in StepInput) (*StepOutput, error) {
		out, err := acts.Step(ctx, in)
		if in.Index == lost && activity.GetInfo(ctx).Attempt == 1 {
			return nil, errors.New("worker lost (simulated)")
		}
		return out, err
	}
}

// A worker's lookup of an action: its template with the templates it
// calls, nothing for a Go action, a NotFoundError for neither.
func TestActivitiesResolve(t *testing.T) {
	t.Parallel()
	reg := testTemplates(t)
	acts := &Activities{Templates: reg}
	r, err := acts.Resolve(t.Context(), "tools.tickets.ticket_titles")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, s := range r.Templates {
		files = append(files, s.File)
		want, err := os.ReadFile(s.File)
		if err != nil {
			t.Fatal(err)
		}
		if s.Text != string(want) {
			t.Errorf("%s: the source sent differs from the file", s.File)
		}
	}
	if got := strings.Join(files, " "); got != "testdata/templates/ticket_titles.yml testdata/templates/get_ticket.yml" {
		t.Errorf("sources of %s", got)
	}
	if r, err := acts.Resolve(t.Context(), "core.http_request"); err != nil || len(r.Templates) != 0 {
		t.Errorf("a Go action: %v, %v", r, err)
	}
	var app *temporal.ApplicationError
	if _, err := acts.Resolve(t.Context(), "tools.tickets.nope"); !errors.As(err, &app) || app.Type() != ErrNotFound || !app.NonRetryable() {
		t.Errorf("an unknown action: %v", err)
	}
}

// A run's variables replace the worker's of the same name for that run
// only: the worker's own map is left as it was.
func TestWorkflowRunVarsOverrideWorkerVars(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	reg := testTemplates(t)
	acts := testActivities(api)
	own := value.MapOf("tickets", value.MapOf("base_url", "http://127.0.0.1:1"))
	acts.Vars = func(context.Context) (*value.Map, error) { return own, nil }
	env := newEnv(t, acts, nil)
	tpl, _ := reg.Lookup("tools.tickets.get_ticket")
	in, err := NewRunInput("tools.tickets.get_ticket", tpl, reg, value.MapOf("id", 3), value.MapOf("tickets", value.MapOf("base_url", api.URL)))
	if err != nil {
		t.Fatal(err)
	}
	env.ExecuteWorkflow(WorkflowName, in)
	got, err := result(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"id":3,"title":"Ticket 3","seen_token":"***"}`; got != want {
		t.Errorf("result = %s, want %s", got, want)
	}
	if b, _ := value.MarshalJSON(own); string(b) != `{"tickets":{"base_url":"http://127.0.0.1:1"}}` {
		t.Errorf("the worker's variables became %s", b)
	}
}

// The messages of a step's activity that ended without a result of its own.
func TestStepFailure(t *testing.T) {
	t.Parallel()
	steps := []outlineStep{{Ref: "fetch", Action: "core.http_request"}}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_START_TO_CLOSE, nil), `StepError: step "fetch" (core.http_request) timed out after 1m0s`},
		{temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_HEARTBEAT, nil), `StepError: step "fetch" (core.http_request) lost its worker (no heartbeat for 10s) and no attempt was left`},
		{temporal.NewApplicationError("worker lost", "Panic"), `StepError: step "fetch" (core.http_request) failed: worker lost`},
		{temporal.NewNonRetryableApplicationError("bad inputs", ErrInput, nil), `InputError: bad inputs`},
	} {
		var re *RunError
		if err := runError(stepFailure(steps, 0, time.Minute, tc.err)); !errors.As(err, &re) {
			t.Errorf("%v: %v (%T), want a *RunError", tc.err, err, err)
		} else if got := re.Type + ": " + re.Message; got != tc.want {
			t.Errorf("%v:\ngot  %s\nwant %s", tc.err, got, tc.want)
		}
	}
	if err := stepFailure(steps, 0, time.Minute, temporal.NewCanceledError()); !errors.Is(runError(err), context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
