package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actuatehq/actuate/engine/history"
	"github.com/actuatehq/actuate/expr/value"
)

// memRecorder keeps what a run records, as lines of text.
type memRecorder struct {
	mu    sync.Mutex
	lines []string
	fail  error // returned by every call when set
}

func (m *memRecorder) add(format string, args ...any) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lines = append(m.lines, fmt.Sprintf(format, args...))
	return m.fail
}

func (m *memRecorder) RunStarted(ctx context.Context, r *history.Run) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return m.add("run %s %s inputs=%s", r.Action, r.ID, r.Inputs)
}

func (m *memRecorder) StepStarted(ctx context.Context, s *history.Step) error {
	return m.add("step %d %s/%s %s depth=%d %s", s.Position, s.Template, s.Ref, s.Action, s.Depth, s.Status)
}

func (m *memRecorder) StepFinished(ctx context.Context, s *history.Step) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if s.EndedAt.Before(s.StartedAt) {
		return errors.New("ended before it started")
	}
	return m.add("step %d %s/%s %s error=%q", s.Position, s.Template, s.Ref, s.Status, s.Error)
}

func (m *memRecorder) RunFinished(ctx context.Context, o *history.Outcome) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return m.add("end %s %s result=%s error=%q", o.RunID, o.Status, o.Result, o.Error)
}

func (m *memRecorder) text() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.lines, "\n")
}

func TestRecordNestedRun(t *testing.T) {
	t.Parallel()
	reg := loadTemplates(t, map[string]string{"outer.yml": nested, "inner.yml": inner})
	rec := &memRecorder{}
	res, err := Run(t.Context(), "tools.test.outer", value.MapOf("n", 5), Options{Templates: reg, Actions: testActions(), Recorder: rec, RunID: "R1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.RunID != "R1" {
		t.Errorf("RunID = %q", res.RunID)
	}
	want := `run tools.test.outer R1 inputs={"n":5}
step 1 tools.test.outer/first tools.test.double depth=0 running
step 2 tools.test.double/d test.echo depth=1 running
step 2 tools.test.double/d succeeded error=""
step 1 tools.test.outer/first succeeded error=""
step 3 tools.test.outer/second tools.test.double depth=0 running
step 4 tools.test.double/d test.echo depth=1 running
step 4 tools.test.double/d succeeded error=""
step 3 tools.test.outer/second succeeded error=""
end R1 succeeded result=20 error=""`
	if got := rec.text(); got != want {
		t.Errorf("recorded:\n%s\nwant:\n%s", got, want)
	}
}

func TestRecordFailureAndGoAction(t *testing.T) {
	t.Parallel()
	src := `definition:
  title: Fails
  display_group: Test
  namespace: tools.test
  name: fails
  secrets:
    - {name: api, keys: [KEY]}
  expects:
    note: {type: str}
  steps:
    - ref: boom
      action: test.fail
      args:
        message: "key ${{ SECRETS.api.KEY }} is revoked"
  returns: ${{ steps.boom.result }}
`
	reg := loadTemplates(t, map[string]string{"fails.yml": src})
	rec := &memRecorder{}
	opts := Options{Templates: reg, Actions: testActions(), Recorder: rec, RunID: "F",
		Secrets: StaticSecrets{"api": {"KEY": "k-123456"}}}
	// The secret given as an input too is masked in the recorded inputs.
	if _, err := Run(t.Context(), "tools.test.fails", value.MapOf("note", "k-123456"), opts); err == nil {
		t.Fatal("no error")
	}
	got := rec.text()
	if strings.Contains(got, "k-123456") {
		t.Errorf("the secret is recorded:\n%s", got)
	}
	for _, want := range []string{`run tools.test.fails F inputs={"note":"***"}`, `step 1 tools.test.fails/boom failed error="key *** is revoked"`,
		`end F failed result= error="`, `failed: key *** is revoked"`} {
		if !strings.Contains(got, want) {
			t.Errorf("recorded:\n%s\nwant %s", got, want)
		}
	}

	rec = &memRecorder{}
	if _, err := Run(t.Context(), "test.echo", value.MapOf("value", "x"), Options{Actions: testActions(), Recorder: rec, RunID: "G"}); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.text(), `run test.echo G inputs={"value":"x"}`+"\nend G succeeded result=\"x\" error=\"\""; got != want {
		t.Errorf("recorded:\n%s\nwant:\n%s", got, want)
	}

	// Bad inputs: not a run, nothing recorded.
	rec = &memRecorder{}
	if _, err := Run(t.Context(), "tools.test.fails", nil, opts); err == nil || rec.text() != "" {
		t.Errorf("bad inputs: err = %v, recorded %q", err, rec.text())
	}
}

func TestRecordCancelled(t *testing.T) {
	t.Parallel()
	reg := loadTemplates(t, map[string]string{"w.yml": waitTemplate})
	ctx, cancel := context.WithCancel(t.Context())
	rec := &memRecorder{}
	opts := Options{Templates: reg, Actions: testActions(), Recorder: rec, RunID: "C", Events: func(ev Event) {
		if ev.Kind == StepStarted {
			cancel()
		}
	}}
	if _, err := Run(ctx, "tools.test.wait", nil, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	got := rec.text()
	// The recorder's context is not cancelled with the run's.
	for _, want := range []string{`step 1 tools.test.wait/w cancelled error=`, `end C cancelled result= error=`} {
		if !strings.Contains(got, want) {
			t.Errorf("recorded:\n%s\nwant %s", got, want)
		}
	}
}

func TestRecorderErrorDoesNotFailTheRun(t *testing.T) {
	t.Parallel()
	reg := loadTemplates(t, map[string]string{"two.yml": twoSteps})
	rec := &memRecorder{fail: errors.New("disk full")}
	var logs bytes.Buffer
	opts := Options{Templates: reg, Actions: testActions(), Recorder: rec,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	res, err := Run(t.Context(), "tools.test.two", value.MapOf("name", "ada"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.RunID == "" {
		t.Error("no run id")
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 || !strings.Contains(logs.String(), "disk full") {
		t.Errorf("logs:\n%s", logs.String())
	}
	// After RunStarted failed, nothing more is recorded.
	if got := rec.text(); strings.Count(got, "\n") != 0 {
		t.Errorf("recorded after a failed start:\n%s", got)
	}
}

func TestNewRunID(t *testing.T) {
	t.Parallel()
	// Later than any other id of the process (NewID never goes back),
	// even when the test runs again in it.
	t0, _ := history.IDTime(NewRunID(time.Date(2100, 6, 1, 12, 0, 0, 0, time.UTC)))
	t0 = t0.Add(time.Second)
	seen := map[string]bool{}
	prev := ""
	for i := range 1000 {
		at := t0.Add(time.Duration(i) * time.Millisecond)
		id := NewRunID(at)
		if len(id) != 26 || seen[id] {
			t.Fatalf("id %q: bad length or repeated", id)
		}
		seen[id] = true
		if id <= prev {
			t.Fatalf("ids do not sort by time: %s after %s", id, prev)
		}
		prev = id
		if got, ok := history.IDTime(id); !ok || !got.Equal(at) {
			t.Fatalf("IDTime(%s) = %v, %v; want %v", id, got, ok, at)
		}
	}
	if a, b := NewRunID(t0), NewRunID(t0); a == b || a[:10] != b[:10] {
		t.Errorf("same millisecond: %s %s", a, b)
	}
}
