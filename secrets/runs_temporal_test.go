package secrets

import (
	"testing"
	"time"

	"github.com/actuatehq/actuate/engine/history"
)

// A run sent to Temporal outlives the process that sent it: it stays
// running when that process is gone, until it is updated.
func TestTemporalRunIsNotInterrupted(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	now := time.Now()
	for _, r := range []*history.Run{
		{ID: "01TEMPORAL", Action: "a", StartedAt: now, Temporal: "127.0.0.1:7233 namespace default"},
		{ID: "01LOCAL", Action: "a", StartedAt: now},
	} {
		if err := s.RunStarted(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// Both were sent by a process that no longer exists.
	if _, err := s.db.ExecContext(ctx, `UPDATE runs SET pid = 2147483646`); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListRuns(ctx, RunFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range list {
		got[r.ID] = string(r.Status) + " " + r.Temporal
	}
	if got["01TEMPORAL"] != "running 127.0.0.1:7233 namespace default" || got["01LOCAL"] != "interrupted " {
		t.Errorf("runs = %q", got)
	}
	if err := s.RunFinished(ctx, &history.Outcome{RunID: "01TEMPORAL", Status: history.Succeeded, EndedAt: now.Add(time.Second), Result: []byte(`1`)}); err != nil {
		t.Fatal(err)
	}
	r, err := s.GetRun(ctx, "01TEMPORAL")
	if err != nil || r.Status != history.Succeeded || string(r.Result) != "1" || r.Temporal != "127.0.0.1:7233 namespace default" {
		t.Errorf("run = %+v, %v", r, err)
	}
}
