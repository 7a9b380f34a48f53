package engine

import (
	"time"

	"github.com/actuatehq/actuate/actions"
)

// EventKind tells what an [Event] reports.
type EventKind int

const (
	// StepStarted: a step's args are evaluated and its action is called.
	StepStarted EventKind = iota
	// StepSucceeded: the step's action returned a result.
	StepSucceeded
	// StepFailed: the step failed; Err says why.
	StepFailed
	// DryRunRequest: a dry run did not send Request.
	DryRunRequest
)

// String returns the kind in words: "started", "ok", "failed", "dry-run".
func (k EventKind) String() string {
	switch k {
	case StepStarted:
		return "started"
	case StepSucceeded:
		return "ok"
	case StepFailed:
		return "failed"
	}
	return "dry-run"
}

// Event reports the progress of a run. Every text in it is masked.
type Event struct {
	Kind EventKind
	Time time.Time
	// Action is the template running the step; Depth is 0 for the
	// top-level template and grows by one per nested template.
	Action string
	Depth  int
	// Step is the step's ref and StepAction the action it calls.
	Step       string
	StepAction string
	// Duration is how long the step took (StepSucceeded, StepFailed).
	Duration time.Duration
	// StatusCode is the HTTP status of an HTTP step's response, or 0; a
	// failed step has one when its error has an HTTPStatus() int method.
	StatusCode int
	// Err is why the step failed (StepFailed).
	Err string
	// Request is the request a dry run did not send (DryRunRequest).
	Request *actions.Request
}
