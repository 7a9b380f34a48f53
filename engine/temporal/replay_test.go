package temporal

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/actuatehq/actuate/engine"
	"github.com/actuatehq/actuate/expr/value"
)

// TestReplayHistories replays the histories recorded in testdata/history
// against the workflow as it is now: a change that makes the workflow
// decide differently on the same history fails here, before it breaks runs
// in flight. Record them again (after a deliberate change, with a
// workflow.GetVersion guard) with
//
//	ACTUATE_TEMPORAL_ADDRESS=127.0.0.1:7233 ACTUATE_RECORD_HISTORY=1 go test ./engine/temporal -run TestRecordHistories
func TestReplayHistories(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/history/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("%d recorded histories in testdata/history, want at least 2", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			r := newReplayer(t)
			r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
			if err := r.ReplayWorkflowHistoryFromJSONFile(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)), f); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// newReplayer returns a replayer that decrypts with the test codec.
func newReplayer(t *testing.T) worker.WorkflowReplayer {
	t.Helper()
	c := testCodec(t)
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter:    c.DataConverter(),
		FailureConverter: c.FailureConverter(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestReplayDetectsAChangedWorkflow checks that the replay test can fail:
// a workflow that schedules its steps differently does not replay.
func TestReplayDetectsAChangedWorkflow(t *testing.T) {
	t.Parallel()
	r := newReplayer(t)
	changed := func(ctx workflow.Context, in RunInput) (string, error) {
		// A timer first: not what the history holds.
		return "", workflow.Sleep(ctx, time.Second)
	}
	r.RegisterWorkflowWithOptions(changed, workflow.RegisterOptions{Name: WorkflowName})
	err := r.ReplayWorkflowHistoryFromJSONFile(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)), "testdata/history/ticket_titles.json")
	if err == nil || !strings.Contains(err.Error(), "TMPRL1100") {
		t.Fatalf("replaying a changed workflow: %v, want a nondeterminism error (TMPRL1100)", err)
	}
}

// TestRecordHistories runs workflows on a real Temporal server and writes
// their histories to testdata/history, for TestReplayHistories. It runs
// only when asked to, with ACTUATE_RECORD_HISTORY=1, or with
// ACTUATE_RECORD_HISTORY=FILE to record only that file.
func TestRecordHistories(t *testing.T) {
	addr := os.Getenv("ACTUATE_TEMPORAL_ADDRESS")
	if addr == "" || os.Getenv("ACTUATE_RECORD_HISTORY") == "" {
		t.Skip("set ACTUATE_TEMPORAL_ADDRESS and ACTUATE_RECORD_HISTORY=1 to record the histories of testdata/history")
	}
	api := newFakeAPI(t)
	reg := testTemplates(t)
	ctx := t.Context()
	c, err := Dial(ctx, Options{Address: addr, Codec: testCodec(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	queue := "actuate-record-" + engine.NewRunID(time.Now())
	acts := testActivities(api)
	acts.Templates = reg // for the run that carries no template
	w := NewWorker(c, queue, acts, 0)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for _, tc := range []struct {
		file, action string
		inputs       *value.Map
	}{
		{"ticket_titles.json", "tools.tickets.ticket_titles", value.MapOf("first", 1, "second", 2)},
		{"get_ticket.json", "tools.tickets.get_ticket", value.MapOf("id", 3)},
		{"get_ticket_404.json", "tools.tickets.get_ticket", value.MapOf("id", 404)},
		// Recorded before resolveChange: the run is one activity.
		{"worker_held_v0.json", "tools.tickets.ticket_titles", value.MapOf("first", 1, "second", 2)},
		{"worker_held.json", "tools.tickets.ticket_titles", value.MapOf("first", 1, "second", 2)},
	} {
		if only := os.Getenv("ACTUATE_RECORD_HISTORY"); only != "1" && only != tc.file {
			continue
		}
		in := runInput(t, reg, tc.action, tc.inputs)
		if strings.HasPrefix(tc.file, "worker_held") {
			in.Templates = nil // the worker's own
		}
		id := engine.NewRunID(time.Now())
		if err := Start(ctx, c, queue, id, in); err != nil {
			t.Fatal(err)
		}
		_, _ = Wait(ctx, c, id)
		writeHistory(t, ctx, c, id, filepath.Join("testdata/history", tc.file))
	}
}

func writeHistory(t *testing.T, ctx context.Context, c client.Client, id, path string) {
	t.Helper()
	var h historypb.History
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d events)", path, len(h.Events))
}

// The steps Inspect and Watch report, read from recorded histories.
func TestStepTrackerReadsHistories(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ file, action, steps string }{
		{"ticket_titles.json", "tools.tickets.ticket_titles",
			`1 one tools.tickets.get_ticket succeeded 0 "" | 2 two tools.tickets.get_ticket succeeded 0 ""`},
		{"get_ticket.json", "tools.tickets.get_ticket",
			`1 fetch core.http_request succeeded 200 "" | 2 summary core.transform.reshape succeeded 0 ""`},
		{"get_ticket_404.json", "tools.tickets.get_ticket",
			`1 fetch core.http_request failed 0 "testdata/templates/get_ticket.yml:17:7: step \"fetch\" (core.http_request) of tools.tickets.get_ticket failed: 404 Not found for 'http://127.0.0.1:42911/tickets/404'.\n\nPlease check that the URL is correct and the resource exists:\n\nHost: 127.0.0.1\nPort: 42911\nPath: /tickets/404"`},
		// A template the worker holds: its steps, once a worker found it;
		// before resolveChange, the run was one step named by its action.
		{"worker_held.json", "tools.tickets.ticket_titles",
			`1 one tools.tickets.get_ticket succeeded 0 "" | 2 two tools.tickets.get_ticket succeeded 0 ""`},
		{"worker_held_v0.json", "tools.tickets.ticket_titles",
			`1 tools.tickets.ticket_titles tools.tickets.ticket_titles succeeded 0 ""`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			f, err := os.Open(filepath.Join("testdata/history", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tr := newStepTracker(testCodec(t), "run-1")
			for _, ev := range h.Events {
				if _, err := tr.apply(ev); err != nil {
					t.Fatal(err)
				}
			}
			if tr.in == nil || tr.in.Action != tc.action {
				t.Fatalf("run input %+v, want the action %s", tr.in, tc.action)
			}
			var got []string
			for _, s := range tr.steps {
				if s.RunID != "run-1" || s.Template != tc.action || s.StartedAt.IsZero() || s.EndedAt.Before(s.StartedAt) {
					t.Errorf("step %d: run %q, template %q, %s to %s", s.Position, s.RunID, s.Template, s.StartedAt, s.EndedAt)
				}
				got = append(got, fmt.Sprintf("%d %s %s %s %d %q", s.Position, s.Ref, s.Action, s.Status, s.HTTPStatus, s.Error))
			}
			if g := strings.Join(got, " | "); g != tc.steps {
				t.Errorf("steps:\n%s\nwant\n%s", g, tc.steps)
			}
		})
	}
}

// A step that failed or timed out reads in the run's own words (those of
// stepFailure, with the step's limit), and a scheduled step's input is not
// decrypted: its place in the history makes its position.
func TestStepTrackerFailures(t *testing.T) {
	t.Parallel()
	reg := testTemplates(t)
	codec := testCodec(t)
	fc := codec.FailureConverter()
	// An input the tracker cannot decode: it must not try.
	opaque := &commonpb.Payloads{Payloads: []*commonpb.Payload{{Data: []byte("not a step input")}}}
	for _, tc := range []struct {
		name, action string
		steps        int // steps scheduled; the last one ends with end
		end          func(scheduled int64) *historypb.HistoryEvent
		want         string
	}{
		{name: "start-to-close", action: "tools.tickets.slow_python", steps: 1,
			end: func(id int64) *historypb.HistoryEvent {
				return timedOut(id, fc.ErrorToFailure(temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_START_TO_CLOSE, nil)))
			},
			want: `1 nap core.script.run_python failed "step \"nap\" (core.script.run_python) timed out after 6s"`},
		{name: "heartbeat", action: "tools.tickets.slow_python", steps: 1,
			end: func(id int64) *historypb.HistoryEvent {
				return timedOut(id, fc.ErrorToFailure(temporal.NewTimeoutError(enumspb.TIMEOUT_TYPE_HEARTBEAT, nil)))
			},
			want: `1 nap core.script.run_python failed "step \"nap\" (core.script.run_python) lost its worker (no heartbeat for 10s) and no attempt was left"`},
		{name: "out of attempts", action: "tools.tickets.ticket_titles", steps: 2,
			end: func(id int64) *historypb.HistoryEvent {
				return failed(id, fc.ErrorToFailure(temporal.NewApplicationError("worker lost (simulated)", "")))
			},
			want: `1 one tools.tickets.get_ticket running "" | 2 two tools.tickets.get_ticket failed "step \"two\" (tools.tickets.get_ticket) failed: worker lost (simulated)"`},
		{name: "the step's own failure", action: "tools.tickets.get_ticket", steps: 1,
			end: func(id int64) *historypb.HistoryEvent {
				return failed(id, fc.ErrorToFailure(temporal.NewNonRetryableApplicationError("bad inputs", ErrInput, nil)))
			},
			want: `1 fetch core.http_request failed "bad inputs"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := runInput(t, reg, tc.action, nil)
			in.StepTimeout = 300 * time.Millisecond
			input, err := codec.DataConverter().ToPayloads(in)
			if err != nil {
				t.Fatal(err)
			}
			events := []*historypb.HistoryEvent{{EventId: 1, EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
				Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{Input: input}}}}
			for i := range tc.steps {
				events = append(events, &historypb.HistoryEvent{EventId: int64(10 + i), EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
					Attributes: &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{Input: opaque}}})
			}
			events = append(events, tc.end(int64(10+tc.steps-1)))
			tr := newStepTracker(codec, "run-1")
			for _, ev := range events {
				if _, err := tr.apply(ev); err != nil {
					t.Fatal(err)
				}
			}
			var got []string
			for _, s := range tr.steps {
				got = append(got, fmt.Sprintf("%d %s %s %s %q", s.Position, s.Ref, s.Action, s.Status, s.Error))
			}
			if g := strings.Join(got, " | "); g != tc.want {
				t.Errorf("steps:\n%s\nwant\n%s", g, tc.want)
			}
		})
	}
}

func timedOut(scheduled int64, f *failurepb.Failure) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{EventId: 99, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
		Attributes: &historypb.HistoryEvent_ActivityTaskTimedOutEventAttributes{ActivityTaskTimedOutEventAttributes: &historypb.ActivityTaskTimedOutEventAttributes{ScheduledEventId: scheduled, Failure: f}}}
}

func failed(scheduled int64, f *failurepb.Failure) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{EventId: 99, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED,
		Attributes: &historypb.HistoryEvent_ActivityTaskFailedEventAttributes{ActivityTaskFailedEventAttributes: &historypb.ActivityTaskFailedEventAttributes{ScheduledEventId: scheduled, Failure: f}}}
}
