package temporal

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
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
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter:    testCodec(t).DataConverter(),
				FailureConverter: testCodec(t).FailureConverter(),
			})
			if err != nil {
				t.Fatal(err)
			}
			r.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
			if err := r.ReplayWorkflowHistoryFromJSONFile(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)), f); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestReplayDetectsAChangedWorkflow checks that the replay test can fail:
// a workflow that schedules its steps differently does not replay.
func TestReplayDetectsAChangedWorkflow(t *testing.T) {
	t.Parallel()
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter:    testCodec(t).DataConverter(),
		FailureConverter: testCodec(t).FailureConverter(),
	})
	if err != nil {
		t.Fatal(err)
	}
	changed := func(ctx workflow.Context, in RunInput) (string, error) {
		// A timer first: not what the history holds.
		return "", workflow.Sleep(ctx, time.Second)
	}
	r.RegisterWorkflowWithOptions(changed, workflow.RegisterOptions{Name: WorkflowName})
	err = r.ReplayWorkflowHistoryFromJSONFile(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)), "testdata/history/ticket_titles.json")
	if err == nil || !strings.Contains(err.Error(), "TMPRL1100") {
		t.Fatalf("replaying a changed workflow: %v, want a nondeterminism error (TMPRL1100)", err)
	}
}

// TestRecordHistories runs workflows on a real Temporal server and writes
// their histories to testdata/history, for TestReplayHistories. It runs
// only when asked to, with ACTUATE_RECORD_HISTORY=1.
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
	w := NewWorker(c, queue, testActivities(api), 0)
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
	} {
		id := engine.NewRunID(time.Now())
		if err := Start(ctx, c, queue, id, runInput(t, reg, tc.action, tc.inputs)); err != nil {
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
