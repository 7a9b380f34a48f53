// Package history defines the records of run history: what the engine
// reports about a run and its steps as they happen, and the [Recorder] that
// keeps them. It has no dependencies besides the standard library, so that a
// store (such as package secrets' SQLite file) can implement [Recorder]
// without knowing the engine, and the engine can call it without knowing the
// store.
//
// Every text and value in a record is already redacted by the run's
// redactor: secrets and values derived from them are "***" before a
// Recorder sees them.
package history

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"sync"
	"time"
)

// Status is the state of a run or a step.
type Status string

// The statuses of runs and steps.
const (
	// Running: started and not finished, as far as the record knows.
	Running Status = "running"
	// Succeeded: finished with a result.
	Succeeded Status = "succeeded"
	// Failed: finished with an error.
	Failed Status = "failed"
	// Cancelled: stopped by its caller (Ctrl-C, SIGTERM, a cancelled
	// context).
	Cancelled Status = "cancelled"
	// Interrupted: the process running it ended without finishing the
	// record (a crash, kill -9, a power cut). Only a store reading its
	// records gives this status; the engine never reports it.
	Interrupted Status = "interrupted"
)

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	switch s {
	case Running, Succeeded, Failed, Cancelled, Interrupted:
		return true
	}
	return false
}

// Run is a run as it starts: after its action is resolved, its inputs are
// validated and its secrets are loaded, before the first step.
type Run struct {
	// ID names the run: see [NewID].
	ID string
	// Action is the action run: a template's action name
	// (tools.github.list_repos) or a Go action's (core.http_request).
	Action string
	// Source is the file of the template run, or "" for a Go action.
	Source string
	// Inputs are the validated inputs as a JSON object, redacted.
	Inputs json.RawMessage
	// StartedAt is when the run started.
	StartedAt time.Time
	// Temporal is where a run sent to Temporal workers runs, as
	// "HOST:PORT namespace NS" (its ID is its workflow id); "" for a run
	// of this process.
	Temporal string
}

// Step is a step of a run: reported when it starts (Status [Running],
// EndedAt zero) and again when it ends. Steps of templates called by a
// step are steps of the same run, with a greater Depth.
type Step struct {
	// RunID is the [Run.ID] of the run the step belongs to.
	RunID string
	// Position numbers the steps of a run in the order they started,
	// from 1, nested steps included; it identifies the step in the run.
	Position int
	// Depth is 0 for the steps of the template run and grows by one per
	// nested template; Template is the action name of the template
	// holding the step.
	Depth    int
	Template string
	// Ref is the step's ref and Action the action it calls.
	Ref    string
	Action string
	// Status is Running when the step starts, then Succeeded, Failed or
	// Cancelled.
	Status Status
	// StartedAt and EndedAt bound the step; EndedAt is zero while it
	// runs.
	StartedAt time.Time
	EndedAt   time.Time
	// HTTPStatus is the status of an HTTP step's response, or 0.
	HTTPStatus int
	// Error is why the step failed, redacted; "" otherwise.
	Error string
}

// Outcome is how a run ended.
type Outcome struct {
	// RunID is the [Run.ID] of the run.
	RunID string
	// Status is Succeeded, Failed or Cancelled.
	Status Status
	// EndedAt is when the run ended.
	EndedAt time.Time
	// Result is the run's result as JSON, redacted; nil unless the run
	// succeeded.
	Result json.RawMessage
	// Error is why the run failed or was cancelled, redacted.
	Error string
}

// Recorder keeps the history of runs. The engine calls it from the
// goroutine running the run, in order: RunStarted once, then StepStarted
// and StepFinished for each step (a nested template's steps come between
// the StepStarted and StepFinished of the step calling it), then
// RunFinished once. The context carries the run's values but is never
// cancelled, so that a cancelled run is still recorded as such.
//
// An error from a Recorder does not fail the run: the engine logs it as a
// warning, and after an error from RunStarted it records nothing more of
// that run. Implementations must be safe for concurrent use by several
// runs.
type Recorder interface {
	RunStarted(ctx context.Context, run *Run) error
	StepStarted(ctx context.Context, step *Step) error
	StepFinished(ctx context.Context, step *Step) error
	RunFinished(ctx context.Context, outcome *Outcome) error
}

// The last id made, for NewID's monotonic order.
var (
	lastMu   sync.Mutex
	lastMS   uint64
	lastRand [10]byte
)

// crockford is Crockford's base32 alphabet, which sorts like the numbers
// it encodes.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewID returns a new run id for a run starting at t: 26 characters in the
// manner of a ULID, the milliseconds since the Unix epoch (48 bits) then 80
// random bits, in Crockford's base32. Ids sort by start time as text, and
// two ids are equal with negligible probability.
//
// Within a process, ids also sort in the order they were made: an id made
// in the same millisecond as the one before it (or, the clock having gone
// back, earlier) takes that id's time and its random part plus one, as
// ULID's monotonic mode does.
func NewID(t time.Time) string {
	var b [16]byte
	ms := uint64(max(t.UnixMilli(), 0))
	lastMu.Lock()
	if ms <= lastMS && lastMS != 0 {
		ms = lastMS
		last := lastRand
		for i := len(last) - 1; i >= 0; i-- { // +1, carrying
			if last[i]++; last[i] != 0 {
				break
			}
		}
		copy(b[6:], last[:])
	} else {
		_, _ = rand.Read(b[6:]) // never fails (crypto/rand)
	}
	lastMS = ms
	copy(lastRand[:], b[6:])
	lastMu.Unlock()
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	// 128 bits as 26 base32 digits: the first digit holds 3 bits.
	var out [26]byte
	var hi, lo uint64
	for i := range 8 {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// IDTime returns the start time encoded in an id made by [NewID], and
// false for text that is not such an id.
func IDTime(id string) (time.Time, bool) {
	if len(id) != 26 {
		return time.Time{}, false
	}
	var ms uint64
	for i := range 10 {
		d := indexCrockford(id[i])
		if d < 0 {
			return time.Time{}, false
		}
		ms = ms<<5 | uint64(d)
	}
	for i := 10; i < 26; i++ {
		if indexCrockford(id[i]) < 0 {
			return time.Time{}, false
		}
	}
	// 10 digits hold 50 bits: the first 2 are the top of the 128, zero
	// for any time before the year 10889.
	return time.UnixMilli(int64(ms)), true
}

func indexCrockford(c byte) int {
	for i := range len(crockford) {
		if crockford[i] == c {
			return i
		}
	}
	return -1
}
