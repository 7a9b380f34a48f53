// Package temporal runs template runs as Temporal workflows, so that a run
// survives the loss of the process running it and runs spread over several
// workers sharing a task queue.
//
// A run is one workflow execution of [Workflow]. Its input ([RunInput])
// holds the action's name, the source of the template run and of every
// template it calls (so that workers run exactly what the client
// validated), and the run's inputs; never a secret. The workflow parses the
// template and runs its steps in order, one activity ([Activities.Step])
// per step, handing each the results of the steps before it: it only
// decides what runs next from the results so far, so it is deterministic.
// A run that names a template it does not carry, one the workers hold,
// first asks a worker for it ([Activities.Resolve]); the sources found
// are recorded in the history and carried on like a client's, so every
// step runs the same version of the template, one activity each. (Runs
// started before that change ran such a template as one activity, and
// still do when replayed.)
// The activity evaluates the step's args with the secrets of the worker's
// own store (OAuth tokens refreshed once, before the step), runs the action
// and returns its result with every secret, and every value derived from
// one, masked. So no secret travels through Temporal; what does travel
// (inputs, results, failure messages) is encrypted by a [Codec] keyed from
// the store's key.
//
// Retries follow local runs. An action's own retries (an HTTP request
// answered 503, say) happen inside the activity, and a step that fails is
// not retried by Temporal. An attempt lost with its worker (a crash, a
// kill) is retried on another worker only when running the step again is
// safe: an idempotent HTTP method (GET, HEAD, OPTIONS, PUT, DELETE) or a
// transform, at most 3 times, or as many times as the step's `retries:`
// says. POST, PATCH, Python steps and nested templates are not sent again
// unless the step sets `retries:`. Each step's activity has the run's step
// timeout as its start-to-close timeout, and heartbeats, so that a lost
// worker is noticed within [HeartbeatTimeout] and a cancelled run cancels
// the step in flight.
package temporal
