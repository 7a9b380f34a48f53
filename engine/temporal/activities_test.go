package temporal

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

// The parsed templates of a run are kept for its next steps, and the cache
// stays bounded however many sets of sources a worker sees.
func TestActivitiesRegistryCache(t *testing.T) {
	t.Parallel()
	src := func(n int) []Source {
		return []Source{{File: "t.yml", Text: fmt.Sprintf("definition:\n  title: T\n  display_group: G\n  namespace: tools.t\n  name: t%d\n  expects: {}\n  steps:\n    - {ref: a, action: core.transform.reshape, args: {value: 1}}\n  returns: done\n", n)}}
	}
	var a Activities
	first, err := a.registry(src(0))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := a.registry(src(0)); again != first {
		t.Error("the same sources were parsed again")
	}
	if _, ok := first.Lookup("tools.t.t0"); !ok {
		t.Error("the run's template is missing")
	}
	for i := 1; i <= 2*maxCachedRegistries; i++ {
		if _, err := a.registry(src(i)); err != nil {
			t.Fatal(err)
		}
		if n := len(a.cache); n > maxCachedRegistries {
			t.Fatalf("%d registries cached after %d sets of sources, want at most %d", n, i+1, maxCachedRegistries)
		}
	}
}

// A step's deadline names the limit it came from.
func TestStepTimeoutError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  stepTimeoutError
		want string
	}{
		{stepTimeoutError{d: time.Minute, run: time.Minute}, "the step timed out after 1m0s (the run's step timeout)"},
		{stepTimeoutError{d: 65 * time.Second, run: time.Minute}, "the step timed out after 1m5s (its timeout_seconds, plus 5s)"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

// A step activity of a run started before resolveChange, naming a
// template the worker holds and carrying none, runs all of its steps and
// returns the template's returns.
func TestStepRunsAWorkerTemplateOfAnEarlierRun(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	acts := testActivities(api)
	acts.Templates = testTemplates(t)
	var s testsuite.WorkflowTestSuite
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := s.NewTestActivityEnvironment()
	env.RegisterActivityWithOptions(acts.Step, activity.RegisterOptions{Name: StepActivity})
	in := StepInput{Run: RunInput{Action: "tools.tickets.ticket_titles", Inputs: json.RawMessage(`{"first": 1, "second": 2}`)}, Returns: true}
	v, err := env.ExecuteActivity(StepActivity, in)
	if err != nil {
		t.Fatal(err)
	}
	var out StepOutput
	if err := v.Get(&out); err != nil {
		t.Fatal(err)
	}
	if got, want := string(out.Returns), `["Ticket 1","Ticket 2"]`; got != want || string(out.Result) != want {
		t.Errorf("result %s, returns %s, want %s for both", out.Result, out.Returns, want)
	}
	if got, want := api.seen(), "GET /tickets/1:1 GET /tickets/2:1"; got != want {
		t.Errorf("requests: %s, want %s", got, want)
	}
}
