package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdktemporal "go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/engine/temporal"
	"github.com/actuatehq/actuate/expr/value"
	"github.com/actuatehq/actuate/template"
)

// syncBuffer is a bytes.Buffer safe for the worker's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// A finished step gets a line; --quiet prints none. Why a step failed is
// its activity's line (TestWorkerSDKHandler).
func TestWorkerLogStepLines(t *testing.T) {
	t.Parallel()
	events := []engine.Event{
		{Kind: engine.StepStarted, Action: "tools.t.get", Step: "fetch", StepAction: "core.http_request"},
		{Kind: engine.StepSucceeded, Action: "tools.t.get", Step: "fetch", StepAction: "core.http_request", Duration: 12345678 * time.Nanosecond, StatusCode: 200},
		{Kind: engine.StepFailed, Action: "tools.t.get", Step: "sum", StepAction: "core.transform.reshape", Duration: 2 * time.Millisecond, Err: "no good"},
		{Kind: engine.StepFailed, Action: "tools.t.get", Step: "fetch", StepAction: "core.http_request", Duration: time.Second, StatusCode: 404,
			Err: "404 Not found for 'http://h/t/***'.\n\nPlease check:\nPath: /t/***"},
	}
	var out bytes.Buffer
	l := &workerLog{w: &out}
	for _, ev := range events {
		l.event(ev)
	}
	want := "ok   tools.t.get fetch (core.http_request) 12ms HTTP 200\n" +
		"FAIL tools.t.get sum (core.transform.reshape) 2ms\n" +
		"FAIL tools.t.get fetch (core.http_request) 1s HTTP 404\n"
	if got := out.String(); got != want {
		t.Errorf("lines:\n%s\nwant:\n%s", got, want)
	}

	var quiet bytes.Buffer
	ql := &workerLog{w: &quiet, quiet: true}
	for _, ev := range events {
		ql.event(ev)
	}
	if quiet.String() != "" {
		t.Errorf("--quiet printed:\n%s", quiet.String())
	}
}

// The SDK's record of a failed activity becomes the worker's line, its
// lines after the first indented; cancellations print nothing; other
// records pass.
func TestWorkerSDKHandler(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	wl := &workerLog{w: &out}
	h := sdkHandler{&humanHandler{w: &out, level: slog.LevelWarn}, wl}
	// As the SDK logs: its logger carries the worker's tags.
	logger := slog.New(h).With("Namespace", "default", "TaskQueue", "actuate")
	activityError := func(id string, err error) {
		logger.Error("Activity error.", "WorkflowID", id, "RunID", "r-1", "ActivityType", temporal.StepActivity, "Attempt", 1, "Error", err)
	}
	stepErr := func(msg, typ string) error { return sdktemporal.NewNonRetryableApplicationError(msg, typ, nil) }

	activityError("run-1", stepErr(`t.yml:9:7: step "fetch" (core.http_request) of tools.t.get failed: boom ***`, temporal.ErrStep))
	activityError("run-3", stepErr("missing secrets for tools.t.get:\n  tickets: secret not found", temporal.ErrMissingSecrets))
	activityError("run-4", stepErr("reading the worker's variables: disk on fire", temporal.ErrStep))
	activityError("run-5", stepErr(`t.yml:9:7: step "fetch" (core.http_request) of tools.t.get failed: its worker was lost during attempt 1`, temporal.ErrNotRetried))
	// Cancellations are no failures.
	activityError("run-7", context.Canceled)
	activityError("run-8", sdktemporal.NewCanceledError())
	// Other errors, and other records, pass.
	activityError("run-9", errors.New("worker lost (simulated)"))
	logger.Warn("Failed to poll for task.", "Error", "unavailable")
	logger.Error("Activity error.", "WorkflowID", "run-10") // not the record it was: kept

	want := `FAIL run run-1: t.yml:9:7: step "fetch" (core.http_request) of tools.t.get failed: boom ***` + "\n" +
		"FAIL run run-3: missing secrets for tools.t.get:\n" +
		"    tickets: secret not found\n" +
		"FAIL run run-4: reading the worker's variables: disk on fire\n" +
		`FAIL run run-5: t.yml:9:7: step "fetch" (core.http_request) of tools.t.get failed: its worker was lost during attempt 1` + "\n" +
		"FAIL run run-9: worker lost (simulated)\n" +
		"warning: Failed to poll for task. Namespace=default TaskQueue=actuate Error=unavailable\n" +
		"error: Activity error. Namespace=default TaskQueue=actuate WorkflowID=run-10\n"
	if got := out.String(); got != want {
		t.Errorf("lines:\n%s\nwant:\n%s", got, want)
	}
}

// workerTestTemplates are the templates of TestWorkerFailureLines.
var workerTestTemplates = map[string]string{
	"fetch.yml": `type: action
definition:
  title: Fetch
  display_group: Tests
  namespace: tools.w
  name: fetch
  secrets:
    - name: tickets
      keys: [TOKEN]
  expects: {}
  steps:
    - ref: fetch
      action: core.http_request
      args:
        url: ${{ VARS.api.base_url }}/t/${{ SECRETS.tickets.TOKEN }}
        method: GET
  returns: ${{ steps.fetch.result.data }}
`,
	"outer.yml": `type: action
definition:
  title: Outer
  display_group: Tests
  namespace: tools.w
  name: outer
  expects: {}
  steps:
    - ref: inner
      action: tools.w.fetch
  returns: ${{ steps.inner.result }}
`,
	"bad_arg.yml": `type: action
definition:
  title: Bad arg
  display_group: Tests
  namespace: tools.w
  name: bad_arg
  secrets:
    - name: tickets
      keys: [TOKEN]
  expects: {}
  steps:
    - ref: sum
      action: core.transform.reshape
      args:
        value: ${{ SECRETS.tickets.TOKEN + 1 }}
  returns: ${{ steps.sum.result }}
`,
	"post.yml": `type: action
definition:
  title: Post
  display_group: Tests
  namespace: tools.w
  name: post
  expects: {}
  steps:
    - ref: create
      action: core.http_request
      args:
        url: ${{ VARS.api.base_url }}/t
        method: POST
  returns: ${{ steps.create.result.data }}
`,
}

// The worker's lines for runs that fail, from the real SDK and engine (the
// SDK's test environment; no Temporal server): a step that ran and failed
// gets its step line (unless quiet) and its run's line saying why; a run
// that fails before its step runs gets the run's line; no secret is in
// any. This also checks that the SDK
// still logs an activity's error as sdkHandler expects.
func TestWorkerFailureLines(t *testing.T) {
	t.Parallel()
	const token = "wk-tok-5e0b7a91"
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(api.Close)
	dir := t.TempDir()
	for name, text := range workerTestTemplates {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	reg, files := template.LoadPaths(dir)
	for _, f := range files {
		if !f.OK(false) {
			t.Fatalf("%s: %v", f.File, f.Diags)
		}
	}
	file := func(name string) string { return filepath.Join(dir, name) }
	port := api.URL[strings.LastIndexByte(api.URL, ':')+1:]
	notFound := "404 Not found for '" + api.URL + "/t/***'.\n\n  Please check that the URL is correct and the resource exists:\n\n  Host: 127.0.0.1\n  Port: " + port + "\n  Path: /t/***"
	fetchFailed := "FAIL run run-1: " + file("fetch.yml") + `:12:7: step "fetch" (core.http_request) of tools.w.fetch failed: ` + notFound + "\n"
	secrets := engine.StaticSecrets{"tickets": {"TOKEN": token}}
	vars := func(context.Context) (*value.Map, error) {
		return value.MapOf("api", value.MapOf("base_url", api.URL)), nil
	}
	for _, tc := range []struct {
		name    string
		action  string
		secrets engine.StaticSecrets
		vars    func(context.Context) (*value.Map, error)
		lose    bool // the first attempt is lost with its worker
		quiet   bool
		want    string // the lines, durations as DUR
	}{
		{
			name: "step fails", action: "tools.w.fetch",
			want: "FAIL tools.w.fetch fetch (core.http_request) DUR HTTP 404\n" + fetchFailed,
		},
		{
			name: "step fails, quiet", action: "tools.w.fetch", quiet: true,
			want: fetchFailed,
		},
		{
			name: "nested step fails", action: "tools.w.outer",
			want: "FAIL tools.w.fetch fetch (core.http_request) DUR HTTP 404\n" +
				"FAIL tools.w.outer inner (tools.w.fetch) DUR HTTP 404\n" +
				"FAIL run run-1: " + file("outer.yml") + `:9:7: step "inner" (tools.w.fetch) of tools.w.outer failed: ` + file("fetch.yml") + `:12:7: step "fetch" (core.http_request) of tools.w.fetch failed: ` + notFound + "\n",
		},
		{
			name: "missing secret", action: "tools.w.fetch", secrets: engine.StaticSecrets{}, quiet: true,
			want: "FAIL run run-1: missing secrets for tools.w.fetch:\n    tickets: secret not found\n",
		},
		{
			name: "variables do not read", action: "tools.w.fetch", quiet: true,
			vars: func(context.Context) (*value.Map, error) { return nil, errors.New("the store is locked") },
			want: "FAIL run run-1: reading the worker's variables: the store is locked\n",
		},
		{
			name: "args do not evaluate", action: "tools.w.bad_arg",
			want: "FAIL run run-1: " + file("bad_arg.yml") + `:12:7: step "sum" (core.transform.reshape) of tools.w.bad_arg failed: ` + file("bad_arg.yml") + ":15:42: error evaluating \"${{ SECRETS.tickets.TOKEN + 1 }}\": can only concatenate str (not \"int\") to str\n",
		},
		{
			name: "not run again", action: "tools.w.post", lose: true,
			want: "FAIL run run-1: worker lost (simulated)\n" +
				"FAIL run run-1: " + file("post.yml") + `:9:7: step "create" (core.http_request) of tools.w.post failed: its worker was lost during attempt 1, which may have had its effect, and POST (core.http_request) is not run again: it is not idempotent; set retries: N on the step to allow it` + "\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stderr syncBuffer
			wl := &workerLog{w: &stderr, quiet: tc.quiet}
			logger := slog.New(&humanHandler{w: &stderr, level: slog.LevelWarn})
			acts := &temporal.Activities{Secrets: secrets, Vars: vars, Logger: logger, Events: wl.event}
			if tc.secrets != nil {
				acts.Secrets = tc.secrets
			}
			if tc.vars != nil {
				acts.Vars = tc.vars
			}
			var s testsuite.WorkflowTestSuite
			s.SetLogger(sdklog.NewStructuredLogger(slog.New(sdkHandler{logger.Handler(), wl})))
			env := s.NewTestWorkflowEnvironment()
			env.SetWorkerOptions(temporal.WorkerOptions(0))
			env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "run-1"})
			env.SetTestTimeout(30 * time.Second)
			env.RegisterWorkflowWithOptions(temporal.Workflow, workflow.RegisterOptions{Name: temporal.WorkflowName})
			step := acts.Step
			if tc.lose {
				step = func(ctx context.Context, in temporal.StepInput) (*temporal.StepOutput, error) {
					if activity.GetInfo(ctx).Attempt == 1 {
						return nil, errors.New("worker lost (simulated)")
					}
					return acts.Step(ctx, in)
				}
			}
			env.RegisterActivityWithOptions(step, activity.RegisterOptions{Name: temporal.StepActivity})
			tpl, _ := reg.Lookup(tc.action)
			in, err := temporal.NewRunInput(tc.action, tpl, reg, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			env.ExecuteWorkflow(temporal.WorkflowName, in)
			if !env.IsWorkflowCompleted() || env.GetWorkflowError() == nil {
				t.Fatalf("the run did not fail: %v", env.GetWorkflowError())
			}
			got := regexp.MustCompile(`\) [0-9.]+[µnm]?s( HTTP|:)`).ReplaceAllString(stderr.String(), ") DUR$1")
			if got != tc.want {
				t.Errorf("lines:\n%s\nwant:\n%s", got, tc.want)
			}
			if strings.Contains(got, token) {
				t.Errorf("the worker printed the secret:\n%s", got)
			}
		})
	}
}

// A worker that cannot reach Temporal fails (exit 1, which a supervisor
// restarts), as run does; one given a key for the payload codec that is
// not a key is a usage error (exit 2).
func TestWorkerExitCodes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		code int
		want string
	}{
		{name: "no server", env: map[string]string{"ACTUATE_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="},
			code: exitFailed, want: "actuate: worker: cannot reach Temporal at 127.0.0.1:1: "},
		{name: "a bad key", env: map[string]string{"ACTUATE_ENCRYPTION_KEY": "short"},
			code: exitUsage, want: "actuate: worker: the payload codec needs the store's key: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"ACTUATE_HOME": t.TempDir(), "TEMPORAL_ADDRESS": "127.0.0.1:1"}
			maps.Copy(vars, tc.env)
			var stdout, stderr bytes.Buffer
			e := &env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return vars[k] }}
			code := run(t.Context(), []string{"worker", "--quiet"}, e)
			if code != tc.code || !strings.Contains(stderr.String(), "\n"+tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and a line starting %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}
