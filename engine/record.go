package engine

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"time"

	"github.com/actuatehq/actuate/engine/history"
	"github.com/actuatehq/actuate/expr/value"
)

// Recorder keeps the history of runs; see [history.Recorder]. The engine
// gives it every value and text already masked by the run's [Redactor], so
// no secret reaches a history store.
type Recorder = history.Recorder

// recording records one run in the [Options.Recorder]. A nil *recording
// records nothing, so the run loop calls it unconditionally.
type recording struct {
	e      *engine
	rec    Recorder
	ctx    context.Context // never cancelled
	runCtx context.Context // the run's, to tell a cancellation
	id     string

	mu    sync.Mutex
	next  int             // the position of the next step
	open  []*history.Step // started and not finished, innermost last
	dead  bool            // RunStarted failed: record nothing more
	warns int
}

// startRecording records the start of a run of action (from the template
// file source, "" for a Go action) with its validated inputs. It returns
// nil when the run has no recorder. It must be called after the run's
// secrets are loaded, so the redactor knows them.
func (e *engine) startRecording(ctx context.Context, action, source string, inputs *value.Map) *recording {
	if e.opts.Recorder == nil {
		return nil
	}
	if source != "" {
		if abs, err := filepath.Abs(source); err == nil {
			source = abs
		}
	}
	r := &recording{e: e, rec: e.opts.Recorder, ctx: context.WithoutCancel(ctx), runCtx: ctx, id: e.runID, next: 1}
	e.recording = r
	run := &history.Run{ID: r.id, Action: action, Source: source, Inputs: e.redactedJSON(inputs), StartedAt: e.now()}
	if err := r.rec.RunStarted(r.ctx, run); err != nil {
		r.dead = true
		r.warn(err)
	}
	return r
}

// redactedJSON returns v masked, as JSON; a value that has no JSON form is
// recorded as a JSON string of its text.
func (e *engine) redactedJSON(v any) []byte {
	if m, ok := v.(*value.Map); ok && m == nil {
		v = nil
	}
	masked := e.red.Value(v)
	b, err := value.MarshalJSON(masked)
	if err != nil {
		b, _ = value.MarshalJSON(e.red.String(value.Str(masked)))
	}
	return b
}

func (r *recording) warn(err error) {
	// One warning per run is enough to say history is not kept.
	if r.warns++; r.warns == 1 {
		r.e.logger.Warn("run history: could not record the run", "run", r.id, "error", err)
	}
}

// event records a step event (called by emit).
func (r *recording) event(ev *Event) {
	if ev.Kind != StepStarted && ev.Kind != StepSucceeded && ev.Kind != StepFailed {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return
	}
	if ev.Kind == StepStarted {
		s := &history.Step{RunID: r.id, Position: r.next, Depth: ev.Depth, Template: ev.Action,
			Ref: ev.Step, Action: ev.StepAction, Status: history.Running, StartedAt: ev.Time}
		r.next++
		r.open = append(r.open, s)
		if err := r.rec.StepStarted(r.ctx, s); err != nil {
			r.warn(err)
		}
		return
	}
	if len(r.open) == 0 {
		return
	}
	s := r.open[len(r.open)-1]
	r.open = r.open[:len(r.open)-1]
	done := *s
	done.EndedAt = ev.Time
	done.HTTPStatus = ev.StatusCode
	done.Status = history.Succeeded
	if ev.Kind == StepFailed {
		done.Status, done.Error = history.Failed, ev.Err
		if r.runCtx.Err() != nil {
			done.Status = history.Cancelled
		}
	}
	if err := r.rec.StepFinished(r.ctx, &done); err != nil {
		r.warn(err)
	}
}

// finish records the end of the run: its result (masked) or its error.
func (r *recording) finish(result any, err error) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return
	}
	out := &history.Outcome{RunID: r.id, Status: history.Succeeded, EndedAt: r.e.now()}
	switch {
	case err == nil:
		out.Result = r.e.redactedJSON(result)
	case errors.Is(err, context.Canceled):
		out.Status, out.Error = history.Cancelled, r.e.red.String(err.Error())
	default:
		out.Status, out.Error = history.Failed, r.e.red.String(err.Error())
	}
	if err := r.rec.RunFinished(r.ctx, out); err != nil {
		r.warn(err)
	}
}

// NewRunID returns a new run id for a run starting at t: time-sortable
// text, unique; see [history.NewID].
func NewRunID(t time.Time) string { return history.NewID(t) }
